"""Gmail polling triggers: the watermark taken at create, labelIds and query, the scheduler's leases.

The sandbox's Gmail emulator has no history API yet (another branch adds it), so the
mailbox is `tests.support.fake_gmail`, answering as the Gmail API documents.
"""

from __future__ import annotations

import asyncio
import itertools
import time

import httpx
import jsonschema
import pytest
from composio import Composio

from tests.support.app import database_url_for, start_server
from tests.support.errors import assert_error
from tests.support.execution import make_account
from tests.support.fake_gmail import FakeGmail
from tests.support.receiver import Receiver


@pytest.fixture(scope="module")
def gmail():
    fake = FakeGmail().start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def poll_server(backend, request):
    threaded, running = start_server(
        database_url_for(backend, request),
        webhook_allow_private=True,
        webhook_retry_schedule=(0, 1, 1),
        poll_interval=0.5,
    )
    yield running
    threaded.stop()


@pytest.fixture
def receiver():
    r = Receiver().start()
    yield r
    r.stop()


@pytest.fixture
def mailbox(poll_server, gmail, receiver):
    keys = poll_server.new_project()
    sdk = Composio(api_key=keys.api_key, base_url=poll_server.url)
    secret = sdk.triggers.set_webhook_subscription(webhook_url=receiver.url)["secret"]
    account = make_account(
        poll_server,
        keys.id,
        toolkit="gmail",
        scheme="OAUTH2",
        user_id="mail-user",
        secrets={"access_token": "ya29.fake", "base_url": gmail.url},
    )
    api = httpx.Client(base_url=poll_server.url, headers={"x-api-key": keys.api_key}, timeout=30)
    yield sdk, api, secret, account
    api.close()


def verify(sdk, delivery, secret):
    return sdk.triggers.verify_webhook(
        id=delivery.headers["webhook-id"],
        payload=delivery.body,
        signature=delivery.headers["webhook-signature"],
        timestamp=delivery.headers["webhook-timestamp"],
        secret=secret,
    )["raw_payload"]


def test_only_mail_after_the_trigger_is_delivered_once(gmail, receiver, mailbox):
    sdk, _api, secret, account = mailbox
    gmail.receive("old@example.com", "already here")
    trigger_id = sdk.triggers.create(
        "GMAIL_NEW_GMAIL_MESSAGE", user_id="mail-user", trigger_config={"interval": 1}
    ).trigger_id
    time.sleep(1.5)
    assert receiver.received == []  # mail already in the mailbox is never delivered
    first = gmail.receive("alice@example.com", "Hello", "first body")
    gmail.receive("bob@example.com", "Sent", labels=["SENT"])  # not in INBOX
    second = gmail.receive("carol@example.com", "Again", "second body")
    third = gmail.receive("dave@example.com", "Third")  # three INBOX mails: two history pages
    deliveries = receiver.wait_for(3)
    time.sleep(1.5)
    assert len(receiver.received) == 3  # across polls nothing is repeated
    payloads = sorted((verify(sdk, d, secret) for d in deliveries), key=lambda p: p["data"]["message_id"])
    assert [p["data"]["message_id"] for p in payloads] == [first.id, second.id, third.id]  # in any order
    data = payloads[0]["data"]
    assert (
        data["sender"] == "alice@example.com"
        and data["subject"] == "Hello"
        and data["message_text"] == "first body"
    )
    jsonschema.validate(data, sdk.triggers.get_type("GMAIL_NEW_GMAIL_MESSAGE").payload)
    meta = payloads[0]["metadata"]
    assert (
        meta["trigger_id"] == trigger_id
        and meta["connected_account_id"] == account
        and meta["user_id"] == "mail-user"
    )
    [item] = sdk.triggers.list_active(trigger_ids=[trigger_id]).items
    health = item.model_dump()["health"]
    assert health["last_poll_at"] and health["next_poll_at"] and health["last_event_at"]
    assert health["consecutive_errors"] == 0


@pytest.mark.parametrize("labels", ["SENT", ["SENT"], ["SENT", "IMPORTANT"]])
def test_label_ids_as_a_string_or_a_list(gmail, receiver, mailbox, labels):
    sdk, _api, secret, _account = mailbox
    sdk.triggers.create("GMAIL_NEW_GMAIL_MESSAGE", user_id="mail-user", trigger_config={"labelIds": labels})
    gmail.receive("x@example.com", "inbox only")
    both = gmail.receive("y@example.com", "sent and important", labels=["SENT", "IMPORTANT"])
    [delivery] = receiver.wait_for(1)
    time.sleep(1.2)
    assert len(receiver.received) == 1 and verify(sdk, delivery, secret)["data"]["message_id"] == both.id


def test_query_narrows_the_messages(gmail, receiver, mailbox):
    sdk, _api, secret, _account = mailbox
    sdk.triggers.create("GMAIL_NEW_GMAIL_MESSAGE", user_id="mail-user", trigger_config={"query": "from:boss"})
    gmail.receive("someone@example.com", "ignored")
    wanted = gmail.receive("boss@example.com", "wanted")
    [delivery] = receiver.wait_for(1)
    time.sleep(1.2)
    assert len(receiver.received) == 1 and verify(sdk, delivery, secret)["data"]["message_id"] == wanted.id


def test_a_disabled_poller_skips_what_arrived_meanwhile(gmail, receiver, mailbox):
    sdk, _api, secret, _account = mailbox
    trigger_id = sdk.triggers.create(
        "GMAIL_NEW_GMAIL_MESSAGE", user_id="mail-user", trigger_config={}
    ).trigger_id
    sdk.triggers.disable(trigger_id)
    gmail.receive("during@example.com", "while disabled")
    time.sleep(1.2)
    sdk.triggers.enable(trigger_id)
    after = gmail.receive("after@example.com", "after")
    [delivery] = receiver.wait_for(1)
    time.sleep(1.2)
    assert len(receiver.received) == 1 and verify(sdk, delivery, secret)["data"]["message_id"] == after.id


def test_bad_config_and_a_lost_watermark(gmail, receiver, mailbox, poll_server):
    sdk, api, secret, _account = mailbox
    bad = api.post(
        "/api/v3.1/trigger_instances/GMAIL_NEW_GMAIL_MESSAGE/upsert",
        json={"user_id": "mail-user", "trigger_config": {"labelIds": []}},
    )
    assert_error(bad, 400, contains="trigger_config.labelIds")
    bad = api.post(
        "/api/v3.1/trigger_instances/GMAIL_NEW_GMAIL_MESSAGE/upsert",
        json={"user_id": "mail-user", "trigger_config": {"interval": 0}},
    )
    assert_error(bad, 400, contains="trigger_config.interval")
    trigger_id = sdk.triggers.create(
        "GMAIL_NEW_GMAIL_MESSAGE", user_id="mail-user", trigger_config={"query": "from:z"}
    ).trigger_id
    gmail.oldest_kept = gmail.history + 1  # Gmail forgot the history the watermark points into
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        [item] = sdk.triggers.list_active(trigger_ids=[trigger_id]).items
        health = item.model_dump()["health"]
        if health["consecutive_errors"]:
            break
        time.sleep(0.1)
    assert "no longer has history" in health["last_error"]
    gmail.oldest_kept = 0
    wanted = gmail.receive("z@example.com", "after recovery")
    [delivery] = receiver.wait_for(1)
    assert verify(sdk, delivery, secret)["data"]["message_id"] == wanted.id


def test_two_schedulers_never_poll_one_instance_at_once(backend, gmail, poll_server, request):
    """Two schedulers (two engines and clients, as two processes) on a database no server polls:
    every poll of an instance is timed, and no two of them overlap."""
    from types import SimpleNamespace

    from valetkey.migrations.upgrade import upgrade
    from valetkey.net.upstream import UpstreamClient
    from valetkey.store.db import Database
    from valetkey.tenancy import service
    from valetkey.triggers import instances
    from valetkey.triggers.polling import PollScheduler
    from valetkey.webhooks.egress import webhook_policy

    url = database_url_for(backend, request)
    upgrade(url)
    base = poll_server.state

    class Process:  # the server's parts, with a database engine and an HTTP client of its own
        def __init__(self):
            self.db = Database(url)
            self.trigger_http = UpstreamClient(egress=webhook_policy(base.egress, base.settings))

        def __getattr__(self, name):
            return getattr(base, name)

    processes = [Process(), Process()]
    with processes[0].db.session() as db:
        org, _ = service.create_org(db, "org-polls")
        project = service.create_project(db, org.id, "p-polls")
    account = make_account(
        SimpleNamespace(state=processes[0]),
        project.id,
        toolkit="gmail",
        scheme="OAUTH2",
        user_id="u",
        secrets={"access_token": "ya29.fake", "base_url": gmail.url},
    )
    spans: dict[str, list[tuple[float, float]]] = {}

    class Timed(PollScheduler):
        async def poll(self, claimed):
            started = time.monotonic()
            await super().poll(claimed)
            spans.setdefault(claimed.instance.id, []).append((started, time.monotonic()))

    async def race():
        ids = [
            await instances.upsert(
                processes[0],
                project.id,
                "GMAIL_NEW_GMAIL_MESSAGE",
                user_id="u",
                connected_account_id=account,
                trigger_config={"query": f"from:n{i}"},
                version=None,
            )
            for i in range(4)
        ]
        schedulers = [Timed(p) for p in processes for _ in range(2)]
        deadline = time.monotonic() + 4
        while time.monotonic() < deadline:
            await asyncio.gather(*(s.run_once() for s in schedulers))
        for p in processes:
            await p.trigger_http.aclose()
        return ids

    gmail.delay = 0.2
    try:
        ids = asyncio.run(race())
    finally:
        gmail.delay = 0.0
        for p in processes:
            p.db.dispose()
    assert set(spans) == set(ids)
    for trigger_id, polls in spans.items():
        polls.sort()
        assert len(polls) >= 2, (trigger_id, polls)  # polled again and again (VALETKEY_POLL_INTERVAL=0.5)
        assert all(a_end <= b_start for (_, a_end), (b_start, _) in itertools.pairwise(polls)), polls
