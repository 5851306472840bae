"""Reading the outbox: a project's events, each event's delivery attempts, and replay."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from valetkey.core.cursors import decode_cursor, encode_cursor
from valetkey.core.errors import Conflict, NotFound, ValidationError
from valetkey.store.db import utcnow
from valetkey.webhooks.models import WebhookAttempt, WebhookEvent
from valetkey.webhooks.payloads import envelope_v3
from valetkey.webhooks.subscriptions import iso, of_project
from valetkey.webhooks.wake import wake_on_commit

STATUSES = ("pending", "delivered", "failed", "skipped")


def serialize_event(event: WebhookEvent) -> dict[str, Any]:
    return {
        "id": event.id,
        "type": event.type,
        "status": event.status,
        "status_reason": event.status_reason,
        "attempts": event.total_attempts,
        "next_attempt_at": iso(event.next_attempt_at) if event.next_attempt_at else None,
        "delivered_at": iso(event.delivered_at) if event.delivered_at else None,
        "created_at": iso(event.created_at),
        "payload": envelope_v3(event),
    }


def serialize_attempt(attempt: WebhookAttempt) -> dict[str, Any]:
    return {
        "id": attempt.id,
        "event_id": attempt.event_id,
        "attempt": attempt.attempt,
        "url": attempt.url,
        "webhook_timestamp": attempt.webhook_timestamp,
        "status_code": attempt.status_code,
        "failure": attempt.failure,
        "latency_ms": attempt.latency_ms,
        "response_snippet": attempt.response_snippet,
        "outcome": attempt.outcome,
        "created_at": iso(attempt.created_at),
    }


def _page(total: int, offset: int, limit: int, items: list[dict[str, Any]]) -> dict[str, Any]:
    more = offset + len(items) < total
    return {
        "items": items,
        "next_cursor": encode_cursor(offset + len(items)) if more else None,
        "total_items": total,
        "current_page": offset // limit + 1,
        "total_pages": max(1, -(-total // limit)),
    }


def list_events(
    db: Session,
    project_id: str,
    *,
    limit: int,
    cursor: str | None,
    status: str | None = None,
    event_type: str | None = None,
) -> dict[str, Any]:
    if status is not None and status not in STATUSES:
        raise ValidationError(f"status must be one of {', '.join(STATUSES)}, got {status!r}")
    offset = decode_cursor(cursor)
    query = select(WebhookEvent).where(WebhookEvent.project_id == project_id)
    if status is not None:
        query = query.where(WebhookEvent.status == status)
    if event_type is not None:
        query = query.where(WebhookEvent.type == event_type)
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db.scalars(
        query.order_by(WebhookEvent.created_at.desc(), WebhookEvent.id).offset(offset).limit(limit)
    ).all()
    return _page(total, offset, limit, [serialize_event(e) for e in rows])


def _event(db: Session, project_id: str, event_id: str) -> WebhookEvent:
    event = db.scalar(
        select(WebhookEvent).where(WebhookEvent.id == event_id, WebhookEvent.project_id == project_id)
    )
    if event is None:
        raise NotFound(f"Webhook event {event_id} not found", slug="WebhookEventNotFound")
    return event


def get_event(db: Session, project_id: str, event_id: str) -> dict[str, Any]:
    return serialize_event(_event(db, project_id, event_id))


def list_attempts(db: Session, project_id: str, event_id: str) -> dict[str, Any]:
    _event(db, project_id, event_id)
    rows = db.scalars(
        select(WebhookAttempt)
        .where(WebhookAttempt.event_id == event_id)
        .order_by(WebhookAttempt.created_at, WebhookAttempt.attempt)
    ).all()
    items = [serialize_attempt(a) for a in rows]
    return _page(len(items), 0, max(1, len(items)), items)


def replay(db: Session, project_id: str, event_id: str) -> dict[str, Any]:
    """Deliver an event again (same `webhook-id`), from the start of the retry schedule."""
    event = _event(db, project_id, event_id)
    if event.status == "pending":
        raise Conflict(f"Webhook event {event_id} is still being delivered", slug="WebhookEventPending")
    sub = of_project(db, project_id)
    if sub is None:
        raise Conflict(
            "The project has no webhook subscription to deliver to",
            slug="WebhookSubscriptionNotFound",
            suggested_fix="Create one with POST /webhook_subscriptions.",
        )
    if event.type not in sub.enabled_events:
        raise Conflict(f"The webhook subscription does not take {event.type} events")
    event.status, event.status_reason = "pending", None
    event.attempts, event.next_attempt_at = 0, utcnow()
    event.lease_id, event.lease_until = None, None
    db.flush()
    wake_on_commit(db)
    return serialize_event(event)


def events_after(
    db: Session, project_id: str, after: tuple[dt.datetime, str] | None, limit: int = 500
) -> list[WebhookEvent]:
    """The project's events created after `after` ((created_at, id), None: none), oldest first."""
    query = select(WebhookEvent).where(WebhookEvent.project_id == project_id)
    if after is not None:
        moment, last_id = after
        query = query.where(
            or_(
                WebhookEvent.created_at > moment,
                and_(WebhookEvent.created_at == moment, WebhookEvent.id > last_id),
            )
        )
    rows = db.scalars(query.order_by(WebhookEvent.created_at, WebhookEvent.id).limit(limit)).all()
    for row in rows:
        db.expunge(row)
    return list(rows)


def newest_mark(db: Session, project_id: str) -> tuple[dt.datetime, str] | None:
    row = db.execute(
        select(WebhookEvent.created_at, WebhookEvent.id)
        .where(WebhookEvent.project_id == project_id)
        .order_by(WebhookEvent.created_at.desc(), WebhookEvent.id.desc())
        .limit(1)
    ).first()
    return (row[0], row[1]) if row is not None else None
