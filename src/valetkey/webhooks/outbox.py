"""The durable outbox: `publish` writes an event in the caller's transaction.

An ingress route publishes inside the transaction that records the event, so
the event is committed before the provider gets its 2xx: a crash after that
loses nothing, a crash before it makes the provider retry. The delivery worker
(`valetkey.webhooks.delivery`) takes it from there; workers in this process are
woken when the transaction commits, workers in other processes find it on
their next sweep (within `delivery.IDLE_SWEEP_SECONDS`).

An event is stored even when nothing will be delivered (no subscription, or the
subscription does not take its type): it is then ``skipped``, and still listed
(`GET /webhook_events`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from valetkey.core.ids import new_id
from valetkey.store.db import utcnow
from valetkey.webhooks.models import WebhookEvent
from valetkey.webhooks.subscriptions import of_project
from valetkey.webhooks.wake import wake_on_commit


def publish(
    session: Session,
    *,
    project_id: str,
    event_type: str,
    data: dict[str, Any],
    metadata: dict[str, Any],
) -> str:
    """Add an event to the outbox in `session`'s transaction; returns its id (the `webhook-id`)."""
    sub = of_project(session, project_id)
    status, reason = "pending", None
    if sub is None:
        status, reason = "skipped", "the project has no webhook subscription"
    elif event_type not in sub.enabled_events:
        status, reason = "skipped", f"the webhook subscription does not take {event_type}"
    now = utcnow()
    row = WebhookEvent(
        id=new_id("msg", 16),
        project_id=project_id,
        type=event_type,
        metadata_=dict(metadata),
        data=dict(data),
        status=status,
        status_reason=reason,
        attempts=0,
        total_attempts=0,
        next_attempt_at=now if status == "pending" else None,
        created_at=now,
    )
    session.add(row)
    session.flush()
    wake_on_commit(session)
    return row.id
