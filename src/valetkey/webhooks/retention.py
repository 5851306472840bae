"""Retention: the outbox and the attempt log do not grow without bound.

`purge` deletes, in small batches (short transactions, so deliveries are not held
up), every attempt older than the retention, and the events that are finished
and older than it: ``delivered`` ones (by their delivery time), ``skipped`` ones
(nothing was ever to be sent) and ``failed`` ones (by their creation: they stay
listed, to be replayed, for the whole retention). ``pending`` events are never
purged, however old.

The delivery worker runs it every `Settings.webhook_purge_interval` seconds, in
`valetkey serve` and in `valetkey worker`; several processes purging at once only
delete the same rows (a delete is idempotent).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, delete, or_, select

from valetkey.store.db import Database, affected_rows, utcnow
from valetkey.webhooks.models import WebhookAttempt, WebhookEvent

BATCH = 500


@dataclass(frozen=True)
class Purged:
    events: int
    attempts: int


def _ids(db: Database, query: object) -> list[str]:
    with db.session() as s:
        return list(s.scalars(query))  # type: ignore[call-overload]


def purge(db: Database, retention: dt.timedelta, *, now: dt.datetime | None = None) -> Purged:
    """Delete what is older than `retention`; how many events and attempts went."""
    cutoff = (now or utcnow()) - retention
    attempts = events = 0
    while ids := _ids(db, select(WebhookAttempt.id).where(WebhookAttempt.created_at < cutoff).limit(BATCH)):
        with db.session() as s:
            s.execute(delete(WebhookAttempt).where(WebhookAttempt.id.in_(ids)))
        attempts += len(ids)
    finished = or_(
        and_(WebhookEvent.status == "delivered", WebhookEvent.delivered_at < cutoff),
        and_(WebhookEvent.status.in_(("skipped", "failed")), WebhookEvent.created_at < cutoff),
    )
    while ids := _ids(db, select(WebhookEvent.id).where(finished).limit(BATCH)):
        with db.session() as s:
            # Attempts newer than the cutoff of an event that goes (a late replay's): they go with it.
            attempts += affected_rows(
                s.execute(delete(WebhookAttempt).where(WebhookAttempt.event_id.in_(ids)))
            )
            s.execute(delete(WebhookEvent).where(WebhookEvent.id.in_(ids)))
        events += len(ids)
    return Purged(events, attempts)
