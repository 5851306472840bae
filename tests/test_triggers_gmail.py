"""Gmail polling triggers through the official SDK, against the sandbox's Gmail emulator.

Mail arrives in the emulator's mailbox (``/_sandbox/gmail/seed``, as mail from
outside would) and shows up in its history; the poller takes the mailbox's
``historyId`` when the trigger is created and follows ``users.history.list``
from there. Also: labelIds and query, an expired history id, and the
scheduler's leases (two schedulers never poll one instance at once).
"""

from __future__ import annotations

import asyncio
import itertools
import time

import httpx
import pytest

from tests.support.app import database_url_for
from tests.support.errors import assert_error
from tests.support.execution import make_account
from tests.support.receiver import Receiver
from tests.support.sandbox_events import gmail_deliver
from tests.support.toolkits import _default_subject
from tests.support.triggers import connect_for_triggers, start_trigger_server, wait_until

SLUG = "GMAIL_NEW_GMAIL_MESSAGE"


@pytest.fixture(scope="module")
def poll_server(backend, emulators, request):
    threaded, running = start_trigger_server(backend, request, emulators)
    yield running
    threaded.stop()


@pytest.fixture
def receiver():
    r = Receiver().start()
    yield r
    r.stop()


@pytest.fixture
def mailbox(poll_server, emulators, receiver):
    account = connect_for_triggers(emulators, poll_server, "gmail", receiver, user_id="mail-user")
    account.address = _default_subject(emulators.emulator("gmail"))  # type: ignore[attr-defined]
    yield account
    account.api.close()


def arrive(emulators, mailbox, sender: str, subject: str, body: str = "", **extra) -> str:
    return gmail_deliver(emulators.url, mailbox.address, sender=sender, subject=subject, body=body, **extra)


def ids_of(raws: list[dict]) -> list[str]:
    return sorted(raw["data"]["message_id"] for raw in raws)


def test_only_mail_after_the_trigger_is_delivered_once(emulators, receiver, mailbox):
    arrive(emulators, mailbox, "old@example.com", "already here")
    trigger_id = mailbox.create(SLUG, {"interval": 1})
    [item] = mailbox.sdk.triggers.list_active(trigger_ids=[trigger_id]).items
    polled = item.model_dump()["health"]["last_poll_at"]
    wait_until(
        lambda: (
            mailbox.sdk.triggers.list_active(trigger_ids=[trigger_id])
            .items[0]
            .model_dump()["health"]["last_poll_at"]
            != polled
        ),
        what="a poll",
    )
    assert receiver.received == []  # mail already in the mailbox is never delivered
    first = arrive(emulators, mailbox, "alice@example.com", "Hello", "first body")
    arrive(emulators, mailbox, "bob@example.com", "Sent", labels=["SENT"])  # not in INBOX
    second = arrive(emulators, mailbox, "carol@example.com", "Again", "second body")
    third = arrive(emulators, mailbox, "dave@example.com", "Third")
    raws = mailbox.events(3)
    mailbox.nothing_more(3)  # across polls nothing is repeated
    assert ids_of(raws) == sorted([first, second, third])
    data = {raw["data"]["message_id"]: mailbox.check(raw, SLUG, trigger_id) for raw in raws}[first]
    assert "alice@example.com" in data["sender"] and data["subject"] == "Hello"
    assert data["message_text"].strip() == "first body"
    [item] = mailbox.sdk.triggers.list_active(trigger_ids=[trigger_id]).items
    health = item.model_dump()["health"]
    assert health["last_poll_at"] and health["next_poll_at"] and health["last_event_at"]
    assert health["consecutive_errors"] == 0


@pytest.mark.parametrize("labels", ["SENT", ["SENT"], ["SENT", "IMPORTANT"]])
def test_label_ids_as_a_string_or_a_list(emulators, receiver, mailbox, labels):
    trigger_id = mailbox.create(SLUG, {"labelIds": labels})
    arrive(emulators, mailbox, "x@example.com", "inbox only")
    both = arrive(emulators, mailbox, "y@example.com", "sent and important", labels=["SENT", "IMPORTANT"])
    [raw] = mailbox.events(1)
    mailbox.nothing_more(1)
    assert mailbox.check(raw, SLUG, trigger_id)["message_id"] == both


def test_query_narrows_the_messages(emulators, receiver, mailbox):
    trigger_id = mailbox.create(SLUG, {"query": "from:boss@example.com"})
    arrive(emulators, mailbox, "someone@example.com", "ignored")
    wanted = arrive(emulators, mailbox, "boss@example.com", "wanted")
    [raw] = mailbox.events(1)
    mailbox.nothing_more(1)
    assert mailbox.check(raw, SLUG, trigger_id)["message_id"] == wanted


def test_a_disabled_poller_skips_what_arrived_meanwhile(emulators, receiver, mailbox):
    trigger_id = mailbox.create(SLUG)
    mailbox.sdk.triggers.disable(trigger_id)
    arrive(emulators, mailbox, "during@example.com", "while disabled")
    mailbox.nothing_more(0, settle=0.6)
    mailbox.sdk.triggers.enable(trigger_id)
    after = arrive(emulators, mailbox, "after@example.com", "after")
    [raw] = mailbox.events(1)
    mailbox.nothing_more(1)
    assert mailbox.check(raw, SLUG, trigger_id)["message_id"] == after


def test_bad_config_and_an_expired_history_id(emulators, receiver, mailbox):
    upsert = f"/api/v3.1/trigger_instances/{SLUG}/upsert"
    bad = mailbox.api.post(upsert, json={"user_id": "mail-user", "trigger_config": {"labelIds": []}})
    assert_error(bad, 400, contains="trigger_config.labelIds")
    bad = mailbox.api.post(upsert, json={"user_id": "mail-user", "trigger_config": {"interval": 0}})
    assert_error(bad, 400, contains="trigger_config.interval")
    trigger_id = mailbox.create(SLUG, {"query": "from:z@example.com"})
    # Gmail forgets the history the watermark points into (404 notFound, as after a week).

    expired = httpx.post(f"{emulators.url}/_sandbox/gmail/history/expire", json={"user": mailbox.address})
    assert expired.status_code == 200

    def errored():
        [item] = mailbox.sdk.triggers.list_active(trigger_ids=[trigger_id]).items
        health = item.model_dump()["health"]
        return health if health["consecutive_errors"] else None

    assert "no longer has history" in wait_until(errored, what="the poll error")["last_error"]
    wanted = arrive(emulators, mailbox, "z@example.com", "after recovery")
    [raw] = mailbox.events(1)
    assert mailbox.check(raw, SLUG, trigger_id)["message_id"] == wanted


def test_two_schedulers_never_poll_one_instance_at_once(backend, emulators, poll_server, request):
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
    emulator = emulators.emulator("gmail")
    token = emulator.issue_token(
        _default_subject(emulator), ("https://www.googleapis.com/auth/gmail.readonly",)
    )
    with processes[0].db.session() as db:
        org, _ = service.create_org(db, "org-polls")
        project = service.create_project(db, org.id, "p-polls")
    account = make_account(
        SimpleNamespace(state=processes[0]),
        project.id,
        toolkit="gmail",
        scheme="OAUTH2",
        user_id="u",
        secrets={"access_token": token, "base_url": f"{emulators.url}/gmail"},
    )
    spans: dict[str, list[tuple[float, float]]] = {}

    class Timed(PollScheduler):
        async def poll(self, claimed):
            started = time.monotonic()
            await asyncio.sleep(0.2)  # a slow mailbox: the lease must outlast the poll
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

    try:
        ids = asyncio.run(race())
    finally:
        for p in processes:
            p.db.dispose()
    assert set(spans) == set(ids)
    for trigger_id, polls in spans.items():
        polls.sort()
        assert len(polls) >= 2, (trigger_id, polls)  # polled again and again (VALETKEY_POLL_INTERVAL)
        assert all(a_end <= b_start for (_, a_end), (b_start, _) in itertools.pairwise(polls)), polls
