"""GitHub triggers end to end through the official SDK: hook registration, signed ingress, delivery.

The sandbox's GitHub emulator has no hooks API yet (another branch adds it), so
registration runs against `tests.support.fake_github`, which answers and delivers
as GitHub documents; the delivery side is the real server and a loopback receiver.
"""

from __future__ import annotations

import time

import httpx
import jsonschema
import pytest
from composio import Composio

from tests.support.app import EGRESS_TARGETS, database_url_for, egress_allowed, start_server
from tests.support.errors import assert_error
from tests.support.fake_github import FakeGitHub
from tests.support.receiver import Receiver

REPO = {"owner": "octo", "repo": "hello"}


@pytest.fixture(scope="module")
def github():
    fake = FakeGitHub().start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def gh_server(backend, github, request):
    threaded, running = start_server(
        database_url_for(backend, request),
        webhook_allow_private=True,
        webhook_retry_schedule=(0, 1, 1),
        egress_allow=egress_allowed(*EGRESS_TARGETS, github.url),
    )
    yield running
    threaded.stop()


@pytest.fixture
def receiver():
    r = Receiver().start()
    yield r
    r.stop()


@pytest.fixture
def setup(gh_server, github, receiver):
    """A project with a webhook subscription and one user's GitHub account (a personal access token)."""
    keys = gh_server.new_project()
    sdk = Composio(api_key=keys.api_key, base_url=gh_server.url)
    secret = sdk.triggers.set_webhook_subscription(webhook_url=receiver.url + "/events")["secret"]
    api = httpx.Client(base_url=gh_server.url, headers={"x-api-key": keys.api_key}, timeout=30)
    config = api.post(
        "/api/v3.1/auth_configs",
        json={
            "toolkit": {"slug": "github"},
            "auth_config": {
                "type": "use_custom_auth",
                "auth_scheme": "BEARER_TOKEN",
                "credentials": {"base_url": github.url},
            },
        },
    )
    assert config.status_code == 201, config.text
    account = sdk.connected_accounts.initiate(
        "user-1",
        config.json()["auth_config"]["id"],
        config={"auth_scheme": "BEARER_TOKEN", "val": {"token": "ghp_faketoken1234567890"}},
    )
    account = sdk.connected_accounts.wait_for_connection(account.id, timeout=10)
    assert account.status == "ACTIVE"
    yield sdk, api, secret, account
    api.close()


def star(login: str = "jane") -> dict:
    return {
        "action": "created",
        "starred_at": "2026-12-03T08:00:00Z",
        "repository": {"id": 42, "full_name": "octo/hello", "html_url": "https://github.com/octo/hello"},
        "sender": {"login": login},
    }


def verify(sdk, delivery, secret):
    return sdk.triggers.verify_webhook(
        id=delivery.headers["webhook-id"],
        payload=delivery.body,
        signature=delivery.headers["webhook-signature"],
        timestamp=delivery.headers["webhook-timestamp"],
        secret=secret,
    )


def test_a_star_reaches_the_receiver_signed(gh_server, github, receiver, setup):
    sdk, _api, secret, account = setup
    created = sdk.triggers.create("GITHUB_STAR_ADDED_EVENT", user_id="user-1", trigger_config=REPO)
    trigger_id = created.trigger_id
    [hook] = [h for h in github.live_hooks("octo/hello") if h.url.endswith(trigger_id)]
    assert hook.events == ["star"] and hook.content_type == "json" and len(hook.secret) >= 40
    assert hook.url == f"{gh_server.url}/api/v3.1/trigger_ingress/github/{trigger_id}"
    assert hook.ping_status == 200  # the ping GitHub sends at once found the stored instance
    assert github.tokens[-1] == "Bearer ghp_faketoken1234567890"
    assert receiver.received == []  # a ping is not an event

    answer = github.deliver(hook, "star", star())
    assert answer.status_code == 200 and answer.json()["delivered"] == 1
    [delivery] = receiver.wait_for(1)
    result = verify(sdk, delivery, secret)
    raw = result["raw_payload"]
    assert raw["type"] == "composio.trigger.message"
    meta = raw["metadata"]
    assert meta["trigger_id"] == trigger_id and meta["trigger_slug"] == "GITHUB_STAR_ADDED_EVENT"
    assert meta["connected_account_id"] == account.id and meta["user_id"] == "user-1"
    assert meta["auth_config_id"] == account.auth_config.id and meta["log_id"].startswith("log_")
    assert raw["data"]["starred_by"] == "jane" and raw["data"]["repository_name"] == "octo/hello"
    jsonschema.validate(raw["data"], sdk.triggers.get_type("GITHUB_STAR_ADDED_EVENT").payload)

    # GitHub's redelivery of the same X-GitHub-Delivery: acknowledged, not delivered twice
    delivery_id = "d-" + trigger_id
    assert github.deliver(hook, "star", star("ann"), delivery=delivery_id).json()["delivered"] == 1
    again = github.deliver(hook, "star", star("ann"), delivery=delivery_id)
    assert again.status_code == 200 and again.json()["duplicate"] is True
    time.sleep(1.0)
    assert len(receiver.wait_for(2)) == 2

    # form-encoded deliveries are verified over the raw body too
    assert github.deliver(hook, "star", star("bob"), form=True).json()["delivered"] == 1
    third = receiver.wait_for(3)[2]
    assert verify(sdk, third, secret)["raw_payload"]["data"]["starred_by"] == "bob"

    listed = sdk.triggers.list_active(trigger_ids=[trigger_id])
    assert [t.id for t in listed.items] == [trigger_id]
    health = listed.items[0].model_dump()["health"]
    assert health["last_event_at"] and health["consecutive_errors"] == 0


def test_every_github_type_shapes_its_event(gh_server, github, receiver, setup):
    sdk, _api, secret, account = setup
    cases = {
        "GITHUB_COMMIT_EVENT": (
            "push",
            {
                "ref": "refs/heads/main",
                "commits": [
                    {
                        "id": "a1b2",
                        "message": "fix: it",
                        "author": {"name": "Jane"},
                        "timestamp": "2026-12-03T08:00:00Z",
                        "url": "https://github.com/octo/hello/commit/a1b2",
                    },
                    {
                        "id": "c3d4",
                        "message": "docs",
                        "author": {"name": "Ann"},
                        "timestamp": "2026-12-03T08:01:00Z",
                        "url": "https://github.com/octo/hello/commit/c3d4",
                    },
                ],
            },
            2,
        ),
        "GITHUB_ISSUE_ADDED_EVENT": (
            "issues",
            {
                "action": "opened",
                "issue": {
                    "id": 7,
                    "number": 3,
                    "title": "Broken",
                    "body": "It is",
                    "user": {"login": "jane"},
                    "created_at": "2026-12-03T08:00:00Z",
                    "html_url": "https://github.com/octo/hello/issues/3",
                },
            },
            1,
        ),
        "GITHUB_PULL_REQUEST_EVENT": (
            "pull_request",
            {
                "action": "opened",
                "number": 4,
                "pull_request": {
                    "id": 8,
                    "number": 4,
                    "title": "Fix",
                    "body": None,
                    "user": {"login": "ann"},
                    "created_at": "2026-12-03T08:00:00Z",
                    "html_url": "https://github.com/octo/hello/pull/4",
                },
            },
            1,
        ),
        "GITHUB_LABEL_ADDED_EVENT": (
            "issues",
            {
                "action": "labeled",
                "label": {"name": "bug"},
                "sender": {"login": "jane"},
                "issue": {
                    "number": 3,
                    "title": "Broken",
                    "html_url": "https://github.com/octo/hello/issues/3",
                },
            },
            1,
        ),
    }
    expected = 0
    for slug, (event, payload, count) in cases.items():
        trigger_id = sdk.triggers.create(
            slug, connected_account_id=account.id, trigger_config=REPO
        ).trigger_id
        [hook] = [h for h in github.live_hooks() if h.url.endswith(trigger_id)]
        assert github.deliver(hook, event, payload).json()["delivered"] == count
        # an action the type does not take (an issue closed, for ISSUE_ADDED) fires nothing
        assert github.deliver(hook, event, {**payload, "action": "closed"}).json()["delivered"] in (0, count)
        expected += count
        for delivery in receiver.wait_for(expected)[-count:]:
            raw = verify(sdk, delivery, secret)["raw_payload"]
            assert raw["metadata"]["trigger_slug"] == slug
            jsonschema.validate(raw["data"], sdk.triggers.get_type(slug).payload)
    label = [
        verify(sdk, d, secret)["raw_payload"]["data"] for d in receiver.received if "GITHUB_LABEL" in d.body
    ]
    assert label[0]["label"] == "bug" and label[0]["kind"] == "issue"


def test_disabled_triggers_deliver_nothing_and_deleted_ones_leave_github(gh_server, github, receiver, setup):
    sdk, api, secret, _account = setup
    trigger_id = sdk.triggers.create(
        "GITHUB_STAR_ADDED_EVENT", user_id="user-1", trigger_config={"owner": "octo", "repo": "other"}
    ).trigger_id
    [hook] = [h for h in github.live_hooks() if h.url.endswith(trigger_id)]
    assert sdk.triggers.disable(trigger_id).status == "success"
    assert sdk.triggers.list_active(trigger_ids=[trigger_id]).items == []
    [shown] = sdk.triggers.list_active(trigger_ids=[trigger_id], show_disabled=True).items
    assert shown.model_dump()["disabled_reason"] == "manual" and shown.disabled_at
    answer = github.deliver(hook, "star", star("while-disabled"))
    assert answer.status_code == 200 and answer.json()["delivered"] == 0
    sdk.triggers.enable(trigger_id)
    github.deliver(hook, "star", star("after"))
    [delivery] = receiver.wait_for(1)
    assert verify(sdk, delivery, secret)["raw_payload"]["data"]["starred_by"] == "after"
    time.sleep(1.0)
    assert len(receiver.received) == 1  # the event of the disabled time never comes, then or later

    assert sdk.triggers.delete(trigger_id).trigger_id == trigger_id
    assert hook.deleted
    assert_error(github.deliver(hook, "star", star()), 404)
    assert_error(api.delete(f"/api/v3.1/trigger_instances/manage/{trigger_id}"), 404)


def test_bad_ingress_is_refused_and_nothing_is_delivered(gh_server, github, receiver, setup):
    sdk, _api, _secret, _account = setup
    trigger_id = sdk.triggers.create(
        "GITHUB_STAR_ADDED_EVENT", user_id="user-1", trigger_config=REPO
    ).trigger_id
    [hook] = [h for h in github.live_hooks() if h.url.endswith(trigger_id)]
    assert_error(github.deliver(hook, "star", star(), secret="forged-secret"), 401)
    signed = github._signed(hook, "star", star())
    signed["content"] = signed["content"].replace(b"jane", b"mallory")  # body changed after signing
    assert_error(httpx.post(hook.url, **signed), 401)
    unsigned = github._signed(hook, "star", star())
    del unsigned["headers"]["X-Hub-Signature-256"]
    assert_error(httpx.post(hook.url, **unsigned), 401)
    unknown = hook.url.rsplit("/", 1)[0] + "/ti_nosuchtrigger"
    assert_error(httpx.post(unknown, **github._signed(hook, "star", star())), 404)
    huge = github._signed(hook, "star", {**star(), "padding": "x" * (11 * 1024 * 1024)})
    assert_error(httpx.post(hook.url, timeout=60, **huge), 413)
    time.sleep(1.0)
    assert receiver.received == []


def test_trigger_config_is_validated_naming_the_field(gh_server, setup):
    sdk, api, _secret, account = setup
    missing = api.post(
        "/api/v3.1/trigger_instances/GITHUB_STAR_ADDED_EVENT/upsert",
        json={"user_id": "user-1", "trigger_config": {"owner": "octo"}},
    )
    assert assert_error(missing, 400, contains="trigger_config.repo")["field"] == "trigger_config.repo"
    extra = api.post(
        "/api/v3.1/trigger_instances/GITHUB_STAR_ADDED_EVENT/upsert",
        json={"user_id": "user-1", "trigger_config": {**REPO, "branch": "main"}},
    )
    assert_error(extra, 400, contains="trigger_config.branch")
    wrong = api.post(
        "/api/v3.1/trigger_instances/GITHUB_STAR_ADDED_EVENT/upsert",
        json={"user_id": "user-1", "trigger_config": {"owner": 5, "repo": "x"}},
    )
    assert_error(wrong, 400, contains="trigger_config.owner")
    assert_error(api.post("/api/v3.1/trigger_instances/GITHUB_NOPE/upsert", json={"user_id": "user-1"}), 404)
    assert_error(
        api.post(
            "/api/v3.1/trigger_instances/GITHUB_STAR_ADDED_EVENT/upsert",
            json={"user_id": "nobody", "trigger_config": REPO},
        ),
        400,
    )
    assert_error(
        api.post(
            "/api/v3.1/trigger_instances/GITHUB_STAR_ADDED_EVENT/upsert",
            json={"user_id": "user-1", "trigger_config": REPO, "egress_url": "https://x.test"},
        ),
        400,
    )
    assert_error(
        api.post(
            "/api/v3.1/trigger_instances/GITHUB_STAR_ADDED_EVENT/upsert",
            json={"connected_account_id": account.id, "user_id": "someone-else", "trigger_config": REPO},
        ),
        404,
    )
    # the same type, account and config is the same instance
    first = sdk.triggers.create("GITHUB_STAR_ADDED_EVENT", user_id="user-1", trigger_config=REPO).trigger_id
    assert (
        sdk.triggers.create(
            "GITHUB_STAR_ADDED_EVENT", connected_account_id=account.id, trigger_config=REPO
        ).trigger_id
        == first
    )


def test_subscribe_answers_with_the_alternative(setup):
    sdk, api, _secret, _account = setup
    error = assert_error(api.get("/api/v3/internal/sdk/realtime/credentials"), 501)
    assert "set_webhook_subscription" in error["suggested_fix"]
    with pytest.raises(Exception, match="webhook"):
        sdk.triggers.subscribe(timeout=2)
