"""Retention of the outbox and the attempt log: what is finished and older than
VALETKEY_WEBHOOK_RETENTION_DAYS is purged by the delivery worker; pending events never are."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
from composio import Composio

from tests.support.app import database_url_for, start_server
from tests.support.receiver import Receiver
from tests.support.triggers import wait_until
from valetkey.store.db import utcnow
from valetkey.webhooks.models import WebhookAttempt, WebhookEvent
from valetkey.webhooks.outbox import publish
from valetkey.webhooks.retention import Purged, purge

METADATA = {"trigger_slug": "GITHUB_STAR_ADDED_EVENT", "trigger_id": "ti_x", "user_id": "u"}
RETENTION_SECONDS = 2.0


@pytest.fixture(scope="module")
def short_lived(backend, request):
    threaded, running = start_server(
        database_url_for(backend, request),
        webhook_allow_private=True,
        webhook_retry_schedule=(0, 3600),
        webhook_retention_days=RETENTION_SECONDS / 86400,
        webhook_purge_interval=0.2,
    )
    yield running
    threaded.stop()


@pytest.fixture
def receiver():
    r = Receiver().start()
    yield r
    r.stop()


def emit(server, project_id: str, n: int) -> str:
    with server.state.db.session() as db:
        return publish(
            db, project_id=project_id, event_type="composio.trigger.message", data={"n": n}, metadata=METADATA
        )


def test_the_worker_purges_delivered_events_and_old_attempts_but_not_pending_ones(short_lived, receiver):
    keys = short_lived.new_project()
    sdk = Composio(api_key=keys.api_key, base_url=short_lived.url)
    sdk.triggers.set_webhook_subscription(webhook_url=receiver.url + "/hook")
    api = httpx.Client(base_url=short_lived.url, headers={"x-api-key": keys.api_key}, timeout=30)
    receiver.answers.append((500, {}))  # the first event fails once: pending, its retry an hour away
    stuck = emit(short_lived, keys.id, 1)
    receiver.wait_for(1)
    delivered = emit(short_lived, keys.id, 2)
    receiver.wait_for(2)

    def status(event_id: str) -> int:
        return api.get(f"/api/v3.1/webhook_events/{event_id}").status_code

    assert api.get(f"/api/v3.1/webhook_events/{delivered}/attempts").json()["items"]
    # Within the retention both are listed; after it the delivered one and every attempt are gone.
    assert status(delivered) == 200
    wait_until(lambda: status(delivered) == 404, timeout=20, what="the delivered event's purge")
    assert status(stuck) == 200  # pending: never purged, however old
    wait_until(lambda: not api.get(f"/api/v3.1/webhook_events/{stuck}/attempts").json()["items"], timeout=20)
    with short_lived.state.db.session() as db:
        assert db.get(WebhookEvent, stuck).status == "pending"
    api.close()


def test_purge_keeps_what_is_within_the_retention(backend, request):
    """`purge` directly on a database no worker purges, with the clock moved."""
    from valetkey.migrations.upgrade import upgrade
    from valetkey.store.db import Database
    from valetkey.tenancy import service

    url = database_url_for(backend, request)
    upgrade(url)
    db = Database(url)
    try:
        with db.session() as s:
            org, _ = service.create_org(s, "org-retention")
            project = service.create_project(s, org.id, "p-retention")
            project_id = project.id
        with db.session() as s:  # no subscription: skipped at once
            skipped = publish(
                s, project_id=project_id, event_type="composio.trigger.message", data={}, metadata=METADATA
            )
            s.add(
                WebhookAttempt(
                    id="att_old",
                    event_id=skipped,
                    project_id=project_id,
                    attempt=1,
                    url="http://x.test",
                    webhook_timestamp=0,
                    outcome="delivered",
                    created_at=utcnow() - dt.timedelta(days=3),
                )
            )
        # A 5-day retention keeps both; a 1-day one drops the old attempt only.
        assert purge(db, dt.timedelta(days=5)) == Purged(0, 0)
        assert purge(db, dt.timedelta(days=1)) == Purged(0, 1)
        with db.session() as s:
            assert s.get(WebhookEvent, skipped) is not None
        # Two days on, the skipped event is past a 1-day retention too.
        assert purge(db, dt.timedelta(days=1), now=utcnow() + dt.timedelta(days=2)) == Purged(1, 0)
        with db.session() as s:
            assert s.get(WebhookEvent, skipped) is None
    finally:
        db.dispose()
