"""Trigger instances and the ingress receipts that deduplicate provider retries."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from valetkey.store.db import Base, UTCDateTime, utcnow
from valetkey.vault import SealedColumn, register_sealed_column

TRIGGER_SECRET = "trigger_instance.secret"  # noqa: S105 (a purpose name, not a secret)


class TriggerInstance(Base):
    __tablename__ = "trigger_instances"
    __table_args__ = (Index("ix_trigger_instances_polls", "kind", "status", "next_poll_at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    trigger_slug: Mapped[str] = mapped_column(String(200), index=True)
    toolkit_slug: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(10))  # webhook | poll
    version: Mapped[str] = mapped_column(String(20))
    # None for a trigger of a NO_AUTH toolkit (Hacker News): it listens as nobody.
    connected_account_id: Mapped[str | None] = mapped_column(
        ForeignKey("connected_accounts.id", ondelete="CASCADE"), index=True, nullable=True
    )
    auth_config_id: Mapped[str | None] = mapped_column(String(40), index=True, nullable=True)
    user_id: Mapped[str] = mapped_column(String(255))
    config: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # enabled | disabled; disabled_reason: "manual", "connection_expired", ...
    status: Mapped[str] = mapped_column(String(20), default="enabled")
    disabled_reason: Mapped[str | None] = mapped_column(String(40), nullable=True)
    disabled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The secret given to the provider (GitHub's hook secret), sealed: {"secret": ...}.
    secret_encrypted: Mapped[str | None] = mapped_column(Text, nullable=True)
    # What the provider module keeps between calls: a hook id, a watermark. Never secret.
    provider_state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Health.
    last_event_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_poll_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    next_poll_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    consecutive_errors: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    poll_lease_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    poll_lease_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class IngressReceipt(Base):
    """A provider delivery already accepted (X-GitHub-Delivery, a Stripe event id...): retries are acked, not re-sent."""

    __tablename__ = "trigger_ingress_receipts"

    trigger_id: Mapped[str] = mapped_column(
        ForeignKey("trigger_instances.id", ondelete="CASCADE"), primary_key=True
    )
    delivery_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class WebhookEndpoint(Base):
    """A toolkit's app-level ingress for one OAuth app (Slack's Events API Request URL), with the
    app's own settings (its signing secret), sealed: the SDK's `webhooks.endpoints.*`."""

    __tablename__ = "webhook_endpoints"
    __table_args__ = (UniqueConstraint("project_id", "toolkit_slug", "client_id"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    toolkit_slug: Mapped[str] = mapped_column(String(80))
    client_id: Mapped[str] = mapped_column(String(255))
    data_encrypted: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


WEBHOOK_ENDPOINT_DATA = "webhook_endpoint.data"
register_sealed_column(SealedColumn(TriggerInstance, "secret_encrypted", TRIGGER_SECRET))
register_sealed_column(SealedColumn(WebhookEndpoint, "data_encrypted", WEBHOOK_ENDPOINT_DATA))


# Triggers follow their account (triggers/lifecycle.py).
import valetkey.triggers.lifecycle  # noqa: E402, F401
