"""Outbound webhooks: the subscription through the official SDK, signed at-least-once delivery, the attempt log.

Events are published here straight into the outbox (`valetkey.webhooks.outbox.publish`, what every
ingress and poller calls); tests/test_triggers_github.py drives the same path from a provider's request.
"""

from __future__ import annotations

import json
import threading
import time

import httpx
import pytest
from composio import Composio

from tests.support.app import database_url_for, start_server
from tests.support.errors import assert_error
from tests.support.receiver import Receiver
from valetkey.webhooks.outbox import publish

TRIGGER_METADATA = {
    "log_id": "log_test",
    "trigger_slug": "GITHUB_STAR_ADDED_EVENT",
    "trigger_id": "ti_test",
    "connected_account_id": "ca_test",
    "auth_config_id": "ac_test",
    "user_id": "user-1",
}


@pytest.fixture(scope="module")
def hook_server(backend, toolkits_dir, request):
    threaded, running = start_server(
        database_url_for(backend, request),
        catalog_dirs=[toolkits_dir],
        webhook_allow_private=True,
        webhook_retry_schedule=(0, 2, 2),
    )
    yield running
    threaded.stop()


@pytest.fixture
def receiver():
    r = Receiver().start()
    yield r
    r.stop()


@pytest.fixture
def keys(hook_server):
    return hook_server.new_project()


@pytest.fixture
def sdk(hook_server, keys):
    return Composio(api_key=keys.api_key, base_url=hook_server.url)


@pytest.fixture
def api(hook_server, keys):
    with httpx.Client(base_url=hook_server.url, headers={"x-api-key": keys.api_key}, timeout=30) as c:
        yield c


def emit(server, project_id: str, data: dict, event_type: str = "composio.trigger.message") -> str:
    with server.state.db.session() as db:
        return publish(db, project_id=project_id, event_type=event_type, data=data, metadata=TRIGGER_METADATA)


def verify(sdk: Composio, delivery, secret: str):
    return sdk.triggers.verify_webhook(
        id=delivery.headers["webhook-id"],
        payload=delivery.body,
        signature=delivery.headers["webhook-signature"],
        timestamp=delivery.headers["webhook-timestamp"],
        secret=secret,
    )


def wait_event(api, event_id: str, status: str, timeout: float = 15.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        event = api.get(f"/api/v3.1/webhook_events/{event_id}").json()
        if event["status"] == status:
            return event
        time.sleep(0.05)
    raise AssertionError(f"event {event_id} is {event['status']}, not {status}")


def test_subscription_lifecycle_through_the_sdk(sdk, api, receiver):
    created = sdk.triggers.set_webhook_subscription(webhook_url=receiver.url + "/hooks")
    secret = created["secret"]
    assert len(secret) >= 40 and created["version"] == "V3"
    assert created["enabled_events"] == ["composio.trigger.message"]

    listed = sdk.webhooks.subscriptions.list()
    assert [s.id for s in listed.items] == [created["id"]] and listed.items[0].secret != secret
    assert listed.items[0].secret.endswith("...") and secret.startswith(listed.items[0].secret[:4])
    fetched = sdk.webhooks.subscriptions.get(created["id"])
    assert fetched.secret != secret and fetched.webhook_url == receiver.url + "/hooks"

    # set() again updates the one subscription (one per project), answering the secret masked
    again = sdk.triggers.set_webhook_subscription(
        webhook_url=receiver.url + "/other",
        enabled_events=["composio.trigger.message", "composio.connected_account.expired"],
    )
    assert again["id"] == created["id"] and again["secret"] != secret
    assert again["enabled_events"] == ["composio.trigger.message", "composio.connected_account.expired"]
    assert_error(
        api.post(
            "/api/v3.1/webhook_subscriptions",
            json={"webhook_url": receiver.url, "enabled_events": ["composio.trigger.message"]},
        ),
        409,
    )

    types = sdk.webhooks.subscriptions.list_event_types()
    names = {t.event_type: t.supported_versions for t in types.items}
    assert set(names) == {
        "composio.trigger.message",
        "composio.connected_account.expired",
        "composio.trigger.disabled",
    }
    rotated = sdk.webhooks.subscriptions.rotate_secret(created["id"])
    assert rotated.id == created["id"] and rotated.secret not in (secret, "") and len(rotated.secret) >= 40

    updated = sdk.webhooks.subscriptions.update(
        created["id"], version="V2", enabled_events=["composio.trigger.message"]
    )
    assert updated.version == "V2" and updated.secret.endswith("...")

    assert sdk.webhooks.subscriptions.delete(created["id"]).success is True
    assert sdk.webhooks.subscriptions.list().items == []
    assert_error(api.get(f"/api/v3.1/webhook_subscriptions/{created['id']}"), 404)


def test_the_secret_is_sealed_at_rest(hook_server, sdk, receiver):
    created = sdk.triggers.set_webhook_subscription(webhook_url=receiver.url)
    from sqlalchemy import text

    with hook_server.state.db.engine.connect() as conn:
        row = conn.execute(
            text("SELECT secrets_encrypted FROM webhook_subscriptions WHERE id = :id"), {"id": created["id"]}
        ).one()
    assert created["secret"] not in row[0] and row[0].startswith("v1.")


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"webhook_url": "http://127.0.0.1:1/x", "enabled_events": ["composio.nope"]}, "unknown event type"),
        ({"webhook_url": "ftp://example.com/x", "enabled_events": ["composio.trigger.message"]}, "https"),
        ({"webhook_url": "https://example.com", "enabled_events": []}, "enabled_events"),
        (
            {
                "webhook_url": "https://example.com",
                "enabled_events": ["composio.connected_account.expired"],
                "version": "V1",
            },
            "not delivered in payload version V1",
        ),
        (
            {
                "webhook_url": "https://example.com",
                "enabled_events": ["composio.trigger.message"],
                "colour": "red",
            },
            "colour",
        ),
    ],
)
def test_bad_subscriptions_are_refused_with_the_error_object(api, body, fragment):
    response = api.post("/api/v3.1/webhook_subscriptions", json=body)
    error = assert_error(response, 400)
    assert fragment in json.dumps(error), error


def test_a_private_webhook_url_is_refused_unless_allowed(client):
    """The shared `server` does not set VALETKEY_WEBHOOK_ALLOW_PRIVATE: loopback, private and http are refused."""
    for url in (
        "https://127.0.0.1:8443/hook",
        "https://10.1.2.3/hook",
        "https://localhost/hook",
        "https://[::1]/x",
    ):
        body = {"webhook_url": url, "enabled_events": ["composio.trigger.message"]}
        assert_error(
            client.post("/api/v3.1/webhook_subscriptions", json=body), 400, contains="cannot receive webhooks"
        )
    body = {"webhook_url": "http://example.com/hook", "enabled_events": ["composio.trigger.message"]}
    assert_error(client.post("/api/v3.1/webhook_subscriptions", json=body), 400, contains="https")


def test_delivery_is_signed_v3_and_verified_by_the_sdk(hook_server, keys, sdk, api, receiver):
    secret = sdk.triggers.set_webhook_subscription(webhook_url=receiver.url + "/composio")["secret"]
    event_id = emit(hook_server, keys.id, {"repository": "octo/hello", "starred_by": "jane"})
    [delivery] = receiver.wait_for(1)
    assert delivery.path == "/composio"
    assert delivery.headers["webhook-id"] == event_id
    assert delivery.headers["x-composio-webhook-version"] == "V3"
    assert delivery.headers["content-type"] == "application/json"
    assert abs(int(delivery.headers["webhook-timestamp"]) - time.time()) < 30
    result = verify(sdk, delivery, secret)
    assert result["version"] == "V3"
    raw = result["raw_payload"]
    assert raw["id"] == event_id and raw["type"] == "composio.trigger.message"
    assert raw["metadata"] == TRIGGER_METADATA and raw["data"] == {
        "repository": "octo/hello",
        "starred_by": "jane",
    }
    assert raw["timestamp"].endswith("Z")
    assert result["payload"]["trigger_slug"] == "GITHUB_STAR_ADDED_EVENT"
    with pytest.raises(Exception, match="invalid"):
        verify(sdk, delivery, "not-the-secret")
    event = wait_event(api, event_id, "delivered")
    attempts = api.get(f"/api/v3.1/webhook_events/{event_id}/attempts").json()["items"]
    assert [(a["attempt"], a["status_code"], a["outcome"]) for a in attempts] == [(1, 200, "delivered")]
    assert attempts[0]["response_snippet"] == "ok" and attempts[0]["latency_ms"] > 0
    assert event["payload"]["data"]["starred_by"] == "jane"


def test_a_500_gets_the_same_webhook_id_freshly_signed(hook_server, keys, sdk, api, receiver):
    secret = sdk.triggers.set_webhook_subscription(webhook_url=receiver.url)["secret"]
    receiver.answers = [(500, {}), (502, {})]
    receiver.body = f"boom, your secret was {secret} and Authorization: Bearer abcdefghijklmnop"
    event_id = emit(hook_server, keys.id, {"n": 1})
    first, second, third = receiver.wait_for(3, timeout=20)
    assert {first.headers["webhook-id"], second.headers["webhook-id"], third.headers["webhook-id"]} == {
        event_id
    }
    assert first.body == second.body == third.body
    stamps = [int(d.headers["webhook-timestamp"]) for d in (first, second, third)]
    assert stamps[0] < stamps[1] < stamps[2]  # 2 s apart on this server's schedule (0,2,2)
    assert len({d.headers["webhook-signature"] for d in (first, second, third)}) == 3
    for delivery in (first, second, third):
        assert verify(sdk, delivery, secret)["raw_payload"]["id"] == event_id
    wait_event(api, event_id, "delivered")
    attempts = api.get(f"/api/v3.1/webhook_events/{event_id}/attempts").json()["items"]
    assert [(a["status_code"], a["outcome"]) for a in attempts] == [
        (500, "retrying"),
        (502, "retrying"),
        (200, "delivered"),
    ]
    assert secret not in json.dumps(attempts) and "abcdefghijklmnop" not in json.dumps(attempts)
    assert "[REDACTED]" in attempts[0]["response_snippet"]


def test_the_schedule_spent_fails_the_event_and_replay_sends_it_again(hook_server, keys, sdk, api, receiver):
    secret = sdk.triggers.set_webhook_subscription(webhook_url=receiver.url)["secret"]
    receiver.default = 500
    event_id = emit(hook_server, keys.id, {"n": 2})
    receiver.wait_for(3, timeout=20)
    event = wait_event(api, event_id, "failed")
    assert event["attempts"] == 3 and "3 attempts failed (last: HTTP 500)" in event["status_reason"]
    time.sleep(2.5)
    assert len(receiver.received) == 3  # the schedule (0,2,2) has three entries: no fourth attempt

    receiver.default = 200
    replayed = api.post(f"/api/v3.1/webhook_events/{event_id}/replay")
    assert replayed.status_code == 200 and replayed.json()["status"] == "pending"
    deliveries = receiver.wait_for(4)
    assert deliveries[3].headers["webhook-id"] == event_id and verify(sdk, deliveries[3], secret)
    wait_event(api, event_id, "delivered")
    assert_error(api.post("/api/v3.1/webhook_events/msg_nope/replay"), 404)


def test_a_410_disables_the_subscription(hook_server, keys, sdk, api, receiver):
    created = sdk.triggers.set_webhook_subscription(webhook_url=receiver.url)
    receiver.answers = [(410, {})]
    gone = emit(hook_server, keys.id, {"n": 3})
    receiver.wait_for(1)
    wait_event(api, gone, "failed")
    sub = api.get(f"/api/v3.1/webhook_subscriptions/{created['id']}").json()
    assert sub["status"] == "disabled" and "410" in sub["disabled_reason"]
    disabled = api.get(
        "/api/v3.1/webhook_events", params={"type": "valetkey.webhook_subscription.disabled"}
    ).json()
    assert disabled["total_items"] == 1 and disabled["items"][0]["payload"]["data"]["id"] == created["id"]

    held = emit(hook_server, keys.id, {"n": 4})
    time.sleep(2.5)
    assert len(receiver.received) == 1  # nothing goes to a disabled subscription
    # updating it re-enables it, and what was held is delivered
    sdk.webhooks.subscriptions.update(created["id"], webhook_url=receiver.url + "/new")
    deliveries = receiver.wait_for(2)
    assert deliveries[1].headers["webhook-id"] == held and deliveries[1].path == "/new"


def test_retry_after_is_honoured_on_503(hook_server, keys, sdk, api, receiver):
    sdk.triggers.set_webhook_subscription(webhook_url=receiver.url)
    receiver.answers = [(503, {"Retry-After": "5"})]
    event_id = emit(hook_server, keys.id, {"n": 5})
    first, second = receiver.wait_for(2, timeout=20)
    assert second.at - first.at >= 4.5  # the schedule alone would have retried after about 2 s
    wait_event(api, event_id, "delivered")


def test_after_rotation_both_secrets_sign(hook_server, keys, sdk, receiver):
    created = sdk.triggers.set_webhook_subscription(webhook_url=receiver.url)
    rotated = sdk.webhooks.subscriptions.rotate_secret(created["id"])
    emit(hook_server, keys.id, {"n": 6})
    [delivery] = receiver.wait_for(1)
    signatures = delivery.headers["webhook-signature"].split(" ")
    assert len(signatures) == 2 and all(s.startswith("v1,") for s in signatures)
    assert verify(sdk, delivery, rotated.secret)["version"] == "V3"
    assert verify(sdk, delivery, created["secret"])["version"] == "V3"


@pytest.mark.parametrize("version", ["V1", "V2"])
def test_legacy_payload_versions(hook_server, keys, sdk, receiver, version):
    secret = sdk.triggers.set_webhook_subscription(webhook_url=receiver.url, version=version)["secret"]
    emit(hook_server, keys.id, {"repository": "octo/hello"})
    [delivery] = receiver.wait_for(1)
    assert delivery.headers["x-composio-webhook-version"] == version
    result = verify(sdk, delivery, secret)
    assert result["version"] == version
    assert result["payload"]["trigger_slug"].upper() == "GITHUB_STAR_ADDED_EVENT"
    assert result["payload"]["payload"]["repository"] == "octo/hello"
    assert result["payload"]["metadata"]["connected_account"]["uuid"] == "ca_test"


def test_events_without_a_subscription_are_skipped(hook_server, keys, api):
    event_id = emit(hook_server, keys.id, {"n": 7})
    event = api.get(f"/api/v3.1/webhook_events/{event_id}").json()
    assert event["status"] == "skipped" and "no webhook subscription" in event["status_reason"]
    assert_error(api.get("/api/v3.1/webhook_events", params={"status": "lost"}), 400)


def test_two_workers_never_claim_one_event_and_an_expired_lease_is_taken_again(backend, hook_server, request):
    """Two workers (two engines, as two processes) on a database no server works: claims are disjoint,
    and a dead worker's rows are taken again when its leases expire."""
    from sqlalchemy import update

    from valetkey.migrations.upgrade import upgrade
    from valetkey.store.db import Database, utcnow
    from valetkey.tenancy import service
    from valetkey.webhooks import subscriptions
    from valetkey.webhooks.delivery import DeliveryWorker
    from valetkey.webhooks.egress import webhook_policy
    from valetkey.webhooks.models import WebhookEvent

    state = hook_server.state
    url = database_url_for(backend, request)
    upgrade(url)
    dbs = [Database(url), Database(url)]
    with dbs[0].session() as db:
        org, _ = service.create_org(db, "org-lease")
        project = service.create_project(db, org.id, "p-lease")
        subscriptions.create(
            db,
            state.vault,
            webhook_policy(state.egress, state.settings),
            state.settings,
            project.id,
            webhook_url="http://127.0.0.1:9/hook",
            enabled_events=["composio.trigger.message"],
        )
        ids = [
            publish(
                db,
                project_id=project.id,
                event_type="composio.trigger.message",
                data={"i": i},
                metadata=TRIGGER_METADATA,
            )
            for i in range(60)
        ]
    workers = [DeliveryWorker(d, state.vault, state.egress, state.settings) for d in dbs]
    claimed: list[list[str]] = [[], []]

    def claim(index: int) -> None:
        for _ in range(10):
            claimed[index] += [job.event_id for job in workers[index].claim(4)]

    threads = [threading.Thread(target=claim, args=(i,)) for i in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    together = claimed[0] + claimed[1]
    assert len(together) == len(set(together)) == 60, (len(claimed[0]), len(claimed[1]))
    assert set(together) == set(ids) and claimed[0] and claimed[1]
    assert workers[1].claim(100) == []  # every row is leased
    # the first worker "dies": its leases expire, and the second takes its rows
    with dbs[0].session() as db:
        db.execute(update(WebhookEvent).where(WebhookEvent.id.in_(claimed[0])).values(lease_until=utcnow()))
    again = [job.event_id for job in workers[1].claim(100)]
    assert sorted(again) == sorted(claimed[0])
    for d in dbs:
        d.dispose()


def test_listen_streams_events_and_forwards_them_signed(hook_server, keys, sdk, receiver):
    """`valetkey triggers listen --forward`: every event of the project, even without a subscription."""
    import io

    from rich.console import Console

    from valetkey.cli.triggers import listen_events

    results: list[int] = []
    out = Console(file=io.StringIO(), width=200)
    thread = threading.Thread(
        target=lambda: results.append(
            listen_events(
                hook_server.url, keys.api_key, receiver.url + "/local", "dev-secret-123", limit=2, out=out
            )
        )
    )
    thread.start()
    time.sleep(1.0)  # connected: the stream starts with what is created from now on
    first = emit(hook_server, keys.id, {"n": "a"})
    second = emit(hook_server, keys.id, {"n": "b"})
    thread.join(timeout=20)
    assert results == [2]
    deliveries = receiver.wait_for(2)
    assert [d.headers["webhook-id"] for d in deliveries] == [first, second]
    for delivery in deliveries:
        assert delivery.path == "/local"
        assert verify(sdk, delivery, "dev-secret-123")["raw_payload"]["metadata"] == TRIGGER_METADATA
    assert first in out.file.getvalue() and "composio.trigger.message" in out.file.getvalue()


def test_delivery_time_egress_check_refuses_a_private_address(server, project, receiver):
    """A subscription whose URL leads to loopback (as a DNS name rebound to 127.0.0.1 would) is refused when
    connecting, on a server without VALETKEY_WEBHOOK_ALLOW_PRIVATE: nothing reaches the receiver, the
    attempt says why."""
    from valetkey.webhooks.models import WebhookSubscription

    state = server.state
    with state.db.session() as db:
        sub = WebhookSubscription(
            id="ws_rebound" + project.id[-6:],
            project_id=project.id,
            webhook_url=receiver.url + "/rebound",
            version="V3",
            enabled_events=["composio.trigger.message"],
        )
        from valetkey.vault import AssociatedData

        sub.secrets_encrypted = state.vault.encrypt_json(
            {"secret": "s" * 43}, aad=AssociatedData("webhook_subscription.secret", project.id, sub.id)
        )
        db.add(sub)
    event_id = emit(server, project.id, {"n": "rebound"})
    with httpx.Client(base_url=server.url, headers={"x-api-key": project.api_key}, timeout=30) as api:
        deadline = time.monotonic() + 10
        attempts = []
        while time.monotonic() < deadline and not attempts:
            attempts = api.get(f"/api/v3.1/webhook_events/{event_id}/attempts").json()["items"]
            time.sleep(0.1)
    assert attempts and attempts[0]["failure"] == "refused" and attempts[0]["status_code"] is None
    assert "loopback" in attempts[0]["response_snippet"]
    assert receiver.received == []


def test_deleting_the_subscription_fails_its_pending_events(hook_server, keys, sdk, api, receiver):
    created = sdk.triggers.set_webhook_subscription(webhook_url=receiver.url)
    receiver.default = 500
    event_id = emit(hook_server, keys.id, {"n": "orphan"})
    receiver.wait_for(1)
    sdk.webhooks.subscriptions.delete(created["id"])
    event = api.get(f"/api/v3.1/webhook_events/{event_id}").json()
    assert event["status"] == "failed" and "deleted" in event["status_reason"]
    # a new subscription does not inherit it
    receiver.default = 200
    sdk.triggers.set_webhook_subscription(webhook_url=receiver.url + "/new")
    time.sleep(2.5)
    assert all(r.path != "/new" for r in receiver.received)


def test_the_listen_command_streams_and_forwards_until_interrupted(hook_server, keys, sdk, receiver):
    """The `valetkey triggers listen` command itself, as a process: it reports each event and forwards it
    signed with --secret; Ctrl-C (SIGINT) ends it cleanly."""
    import os
    import signal
    import subprocess
    import sys

    command = [sys.executable, "-m", "valetkey", "triggers", "listen", "--server", hook_server.url]
    command += ["--api-key", keys.api_key, "--forward", receiver.url + "/cmd", "--secret", "dev-secret-456"]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "200"},
    )
    try:
        emitted: list[str] = []
        deadline = time.monotonic() + 60
        # The stream carries what is created once it is connected: emit until one arrives forwarded.
        while not [r for r in receiver.received if r.path == "/cmd"]:
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "no event forwarded by the listen command"
            emitted.append(emit(hook_server, keys.id, {"n": len(emitted)}))
            time.sleep(0.5)
        delivery = next(r for r in receiver.received if r.path == "/cmd")
        assert delivery.headers["webhook-id"] in emitted
        assert verify(sdk, delivery, "dev-secret-456")["raw_payload"]["metadata"] == TRIGGER_METADATA
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    # The event lines go to standard error, as every status line of the command does.
    assert delivery.headers["webhook-id"] in err and f"-> {receiver.url}/cmd 200" in err, (out, err)
