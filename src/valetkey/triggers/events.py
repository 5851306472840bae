"""A trigger instance's events, published to the project's outbox in the caller's transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from valetkey.core.ids import new_id
from valetkey.store.db import utcnow
from valetkey.triggers.models import TriggerInstance
from valetkey.webhooks.outbox import publish
from valetkey.webhooks.subscriptions import TRIGGER_DISABLED, TRIGGER_MESSAGE


def metadata_of(instance: TriggerInstance) -> dict[str, Any]:
    return {
        "log_id": new_id("log", 16),
        "trigger_slug": instance.trigger_slug,
        "trigger_id": instance.id,
        "connected_account_id": instance.connected_account_id or "",  # "": a NO_AUTH toolkit's trigger
        "auth_config_id": instance.auth_config_id or "",
        "user_id": instance.user_id,
    }


def emit(db: Session, instance: TriggerInstance, events: list[dict[str, Any]]) -> list[str]:
    """One ``composio.trigger.message`` per event `data`; nothing for a disabled instance."""
    if instance.status != "enabled" or not events:
        return []
    ids = [
        publish(
            db,
            project_id=instance.project_id,
            event_type=TRIGGER_MESSAGE,
            data=data,
            metadata=metadata_of(instance),
        )
        for data in events
    ]
    instance.last_event_at = utcnow()
    return ids


def disabled(db: Session, instance: TriggerInstance, reason: str) -> str:
    """Disable `instance` for `reason` and publish ``composio.trigger.disabled``."""
    now = utcnow()
    instance.status, instance.disabled_reason, instance.disabled_at = "disabled", reason, now
    instance.updated_at = now
    return publish(
        db,
        project_id=instance.project_id,
        event_type=TRIGGER_DISABLED,
        data={
            "trigger_id": instance.id,
            "trigger_slug": instance.trigger_slug,
            "connected_account_id": instance.connected_account_id or "",
            "disabled_reason": reason,
        },
        metadata={k: v for k, v in metadata_of(instance).items()},
    )
