"""The project's webhook subscription: where its events go, in which payload version, signed with what.

One subscription per project, as Composio's. The signing secret is returned
whole by `create` and `rotate_secret` only; every other answer shows it masked
(the SDK's models require the field). It is sealed in the vault. After a
rotation the previous secret keeps signing deliveries, next to the new one
(``webhook-signature: v1,<new> v1,<old>``), for `ROTATION_GRACE`, so receivers
can switch over without dropping a delivery.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy import update as sql_update
from sqlalchemy.orm import Session

from valetkey.core.cursors import decode_cursor, encode_cursor
from valetkey.core.errors import Conflict, NotFound, ValidationError
from valetkey.core.ids import new_id
from valetkey.core.settings import Settings
from valetkey.net.egress import EgressPolicy
from valetkey.store.db import utcnow
from valetkey.vault import AssociatedData, Vault, mask_secret
from valetkey.webhooks.egress import check_webhook_url
from valetkey.webhooks.models import WEBHOOK_SUBSCRIPTION_SECRET, WebhookEvent, WebhookSubscription
from valetkey.webhooks.wake import wake_on_commit

ROTATION_GRACE = dt.timedelta(hours=24)
VERSIONS = ("V1", "V2", "V3")
TRIGGER_MESSAGE = "composio.trigger.message"
ACCOUNT_EXPIRED = "composio.connected_account.expired"
TRIGGER_DISABLED = "composio.trigger.disabled"


@dataclass(frozen=True)
class EventType:
    name: str
    description: str
    versions: tuple[str, ...]


EVENT_TYPES: dict[str, EventType] = {
    e.name: e
    for e in (
        EventType(TRIGGER_MESSAGE, "A trigger instance received an event from its app.", VERSIONS),
        EventType(
            ACCOUNT_EXPIRED,
            "A connected account expired (its credentials no longer work); its triggers are disabled.",
            ("V3",),
        ),
        EventType(
            TRIGGER_DISABLED, "A trigger instance was disabled by Valetkey, with disabled_reason.", ("V3",)
        ),
    )
}


def event_types() -> list[dict[str, Any]]:
    return [
        {"event_type": e.name, "description": e.description, "supported_versions": list(e.versions)}
        for e in EVENT_TYPES.values()
    ]


def iso(value: dt.datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def _aad(sub: WebhookSubscription) -> AssociatedData:
    return AssociatedData(WEBHOOK_SUBSCRIPTION_SECRET, sub.project_id, sub.id)


def _new_secret() -> str:
    return secrets.token_urlsafe(32)


def _secrets(vault: Vault, sub: WebhookSubscription) -> dict[str, Any]:
    return vault.decrypt_json(sub.secrets_encrypted, aad=_aad(sub))


def signing_secrets(vault: Vault, sub: WebhookSubscription, now: dt.datetime | None = None) -> list[str]:
    """The secrets a delivery is signed with now: the current one, and the previous during the grace period."""
    stored = _secrets(vault, sub)
    found = [str(stored["secret"])]
    until = sub.previous_secret_until
    if stored.get("previous") and until is not None and (now or utcnow()) < until:
        found.append(str(stored["previous"]))
    return found


def serialize(vault: Vault, sub: WebhookSubscription, *, reveal: bool = False) -> dict[str, Any]:
    secret = str(_secrets(vault, sub)["secret"])
    return {
        "id": sub.id,
        "webhook_url": sub.webhook_url,
        "version": sub.version,
        "enabled_events": list(sub.enabled_events),
        "secret": secret if reveal else mask_secret(secret),
        "status": sub.status,
        "disabled_reason": sub.disabled_reason,
        "created_at": iso(sub.created_at),
        "updated_at": iso(sub.updated_at),
    }


def _check_events(events: list[str], version: str) -> list[str]:
    if not events:
        raise ValidationError("enabled_events must name at least one event type")
    for name in events:
        kind = EVENT_TYPES.get(name)
        if kind is None:
            raise ValidationError(
                f"enabled_events: unknown event type {name!r}",
                suggested_fix="One of "
                + ", ".join(EVENT_TYPES)
                + " (GET /webhook_subscriptions/event_types).",
            )
        if version not in kind.versions:
            raise ValidationError(
                f"enabled_events: {name} is not delivered in payload version {version}",
                suggested_fix=f"Use version {' or '.join(kind.versions)} for it.",
            )
    return list(dict.fromkeys(events))


def _check_version(version: str) -> str:
    if version not in VERSIONS:
        raise ValidationError(f"version must be one of {', '.join(VERSIONS)}, got {version!r}")
    return version


def _get(db: Session, project_id: str, subscription_id: str) -> WebhookSubscription:
    sub = db.scalar(
        select(WebhookSubscription).where(
            WebhookSubscription.id == subscription_id, WebhookSubscription.project_id == project_id
        )
    )
    if sub is None:
        raise NotFound(
            f"Webhook subscription {subscription_id} not found", slug="WebhookSubscriptionNotFound"
        )
    return sub


def of_project(db: Session, project_id: str) -> WebhookSubscription | None:
    return db.scalar(select(WebhookSubscription).where(WebhookSubscription.project_id == project_id))


def create(
    db: Session,
    vault: Vault,
    policy: EgressPolicy,
    settings: Settings,
    project_id: str,
    *,
    webhook_url: str,
    enabled_events: list[str],
    version: str = "V3",
    secret: str | None = None,
) -> dict[str, Any]:
    """`secret` keeps a signing secret from elsewhere (a project restored by `valetkey import`)."""
    _check_version(version)
    events = _check_events(enabled_events, version)
    check_webhook_url(webhook_url, policy, settings)
    if of_project(db, project_id) is not None:
        raise Conflict(
            "This project already has a webhook subscription (one per project)",
            slug="WebhookSubscriptionExists",
            suggested_fix="Update it with PATCH /webhook_subscriptions/{id}, or delete it first.",
        )
    sub = WebhookSubscription(
        id=new_id("ws"),
        project_id=project_id,
        webhook_url=webhook_url,
        version=version,
        enabled_events=events,
    )
    sub.secrets_encrypted = vault.encrypt_json({"secret": secret or _new_secret()}, aad=_aad(sub))
    db.add(sub)
    db.flush()
    return serialize(vault, sub, reveal=True)


def list_page(
    db: Session, vault: Vault, project_id: str, *, limit: int, cursor: str | None
) -> dict[str, Any]:
    offset = decode_cursor(cursor)
    base = select(WebhookSubscription).where(WebhookSubscription.project_id == project_id)
    total = db.scalar(select(func.count()).select_from(base.subquery())) or 0
    rows = db.scalars(base.order_by(WebhookSubscription.created_at).offset(offset).limit(limit)).all()
    more = offset + len(rows) < total
    return {
        "items": [serialize(vault, sub) for sub in rows],
        "next_cursor": encode_cursor(offset + len(rows)) if more else None,
        "total_items": total,
        "current_page": offset // limit + 1,
        "total_pages": max(1, -(-total // limit)),
    }


def get(db: Session, vault: Vault, project_id: str, subscription_id: str) -> dict[str, Any]:
    return serialize(vault, _get(db, project_id, subscription_id))


def update(
    db: Session,
    vault: Vault,
    policy: EgressPolicy,
    settings: Settings,
    project_id: str,
    subscription_id: str,
    *,
    webhook_url: str | None = None,
    enabled_events: list[str] | None = None,
    version: str | None = None,
) -> dict[str, Any]:
    """Change what is given; an update also re-enables a subscription a 410 disabled."""
    sub = _get(db, project_id, subscription_id)
    new_version = _check_version(version) if version is not None else sub.version
    events = _check_events(
        enabled_events if enabled_events is not None else list(sub.enabled_events), new_version
    )
    if webhook_url is not None:
        sub.webhook_url = check_webhook_url(webhook_url, policy, settings)
    sub.version, sub.enabled_events = new_version, events
    sub.status, sub.disabled_reason = "enabled", None
    sub.updated_at = utcnow()
    db.flush()
    wake_on_commit(db)  # events held while it was disabled are due again
    return serialize(vault, sub)


def delete(db: Session, project_id: str, subscription_id: str) -> None:
    """Delete the subscription; its pending events fail (a later subscription does not inherit them)."""
    db.delete(_get(db, project_id, subscription_id))
    db.execute(
        sql_update(WebhookEvent)
        .where(WebhookEvent.project_id == project_id, WebhookEvent.status == "pending")
        .values(status="failed", status_reason="the webhook subscription was deleted", next_attempt_at=None)
        .execution_options(synchronize_session=False)
    )
    db.flush()


def rotate_secret(db: Session, vault: Vault, project_id: str, subscription_id: str) -> dict[str, Any]:
    sub = _get(db, project_id, subscription_id)
    current = str(_secrets(vault, sub)["secret"])
    fresh = _new_secret()
    sub.secrets_encrypted = vault.encrypt_json({"secret": fresh, "previous": current}, aad=_aad(sub))
    sub.previous_secret_until = utcnow() + ROTATION_GRACE
    sub.updated_at = utcnow()
    db.flush()
    return {"id": sub.id, "secret": fresh, "previous_secret_expires_at": iso(sub.previous_secret_until)}


def disable(db: Session, sub: WebhookSubscription, reason: str) -> None:
    sub.status, sub.disabled_reason = "disabled", reason
    sub.updated_at = utcnow()
