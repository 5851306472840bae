"""Triggers follow their connected account: EXPIRED disables them, ACTIVE again resumes them.

Registered with `valetkey.connections.lifecycle.on_status_change`, so it runs in
the transaction that changes the account's status. Disabling publishes
``composio.trigger.disabled`` with ``disabled_reason: connection_expired``; only
triggers disabled for that reason resume (one a user disabled stays disabled).
A resumed poller starts from a fresh watermark, taken at its next poll: what
happened while the account was expired is not delivered.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from valetkey.connections.lifecycle import on_status_change
from valetkey.connections.models import ConnectedAccount
from valetkey.store.db import utcnow
from valetkey.triggers.events import disabled
from valetkey.triggers.models import TriggerInstance

CONNECTION_EXPIRED = "connection_expired"


def follow_account(session: Session, account: ConnectedAccount, old: str, new: str) -> None:
    with session.no_autoflush:
        instances = list(
            session.scalars(select(TriggerInstance).where(TriggerInstance.connected_account_id == account.id))
        )
    now = utcnow()
    for instance in instances:
        if new == "EXPIRED" and instance.status == "enabled":
            disabled(session, instance, CONNECTION_EXPIRED)
            instance.next_poll_at = None
        elif (
            new == "ACTIVE"
            and instance.status == "disabled"
            and instance.disabled_reason == CONNECTION_EXPIRED
        ):
            instance.status, instance.disabled_reason, instance.disabled_at = "enabled", None, None
            instance.consecutive_errors, instance.last_error, instance.updated_at = 0, None, now
            if instance.kind == "poll":
                instance.provider_state = {}  # the next poll takes a fresh watermark
                instance.next_poll_at = now


on_status_change(follow_account)
