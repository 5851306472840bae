"""The webhook tables: the subscription, the outbox of events and the log of delivery attempts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from valetkey.store.db import Base, UTCDateTime, utcnow
from valetkey.vault import SealedColumn, register_sealed_column

WEBHOOK_SUBSCRIPTION_SECRET = "webhook_subscription.secret"  # noqa: S105 (a purpose name, not a secret)


class WebhookSubscription(Base):
    """Where a project's events go; one per project, as Composio's."""

    __tablename__ = "webhook_subscriptions"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    project_id: Mapped[str] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), unique=True, index=True
    )
    webhook_url: Mapped[str] = mapped_column(Text)
    version: Mapped[str] = mapped_column(String(4), default="V3")
    enabled_events: Mapped[list[str]] = mapped_column(JSON, default=list)
    # {"secret": current, "previous": the one before a rotation or absent}: sealed in the vault.
    secrets_encrypted: Mapped[str] = mapped_column(Text)
    # Until when the previous secret still signs deliveries too (after rotate_secret).
    previous_secret_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # "enabled", or "disabled" (the receiver answered 410 Gone); set again by an update.
    status: Mapped[str] = mapped_column(String(20), default="enabled")
    disabled_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class WebhookEvent(Base):
    """One event of a project: the outbox row the worker delivers (its id is the `webhook-id`)."""

    __tablename__ = "webhook_events"
    __table_args__ = (Index("ix_webhook_events_due", "status", "next_attempt_at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    type: Mapped[str] = mapped_column(String(80))
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, default=dict)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # pending (to deliver), delivered, failed (schedule spent or undeliverable), skipped (no
    # subscription, or the subscription does not take this type, when published).
    status: Mapped[str] = mapped_column(String(20), default="pending")
    status_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Attempts in the current delivery cycle (a replay starts a new cycle), and in all.
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    total_attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    lease_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    lease_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class WebhookAttempt(Base):
    """One delivery attempt of an event: what was sent where, and what came back."""

    __tablename__ = "webhook_attempts"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    event_id: Mapped[str] = mapped_column(ForeignKey("webhook_events.id", ondelete="CASCADE"), index=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    attempt: Mapped[int] = mapped_column(Integer)
    url: Mapped[str] = mapped_column(Text)
    webhook_timestamp: Mapped[int] = mapped_column(BigInteger)
    status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # None on an HTTP answer; "timeout", "connect" or "refused" (egress policy) without one.
    failure: Mapped[str | None] = mapped_column(String(20), nullable=True)
    latency_ms: Mapped[float] = mapped_column(Float, default=0.0)
    # The start of the answer (or the failure's message), secrets scrubbed.
    response_snippet: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str] = mapped_column(String(20))  # delivered, retrying, failed, disabled
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


register_sealed_column(SealedColumn(WebhookSubscription, "secrets_encrypted", WEBHOOK_SUBSCRIPTION_SECRET))
