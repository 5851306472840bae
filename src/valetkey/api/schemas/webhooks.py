"""Response schemas of `/webhook_subscriptions` and `/webhook_events` (the SDK's `webhook_subscription_*` models)."""

from __future__ import annotations

from typing import Any

from valetkey.api.responses import Page, Wire


class Subscription(Wire):
    id: str
    webhook_url: str
    version: str
    enabled_events: list[str]
    secret: str  # whole from create and rotate_secret only; masked elsewhere
    status: str
    disabled_reason: str | None
    created_at: str
    updated_at: str


class SubscriptionPage(Page[Subscription]):
    pass


class RotatedSecret(Wire):
    id: str
    secret: str
    previous_secret_expires_at: str


class EventType(Wire):
    event_type: str
    description: str
    supported_versions: list[str]


class EventTypes(Wire):
    items: list[EventType]


class Event(Wire):
    id: str
    type: str
    status: str
    status_reason: str | None
    attempts: int
    next_attempt_at: str | None
    delivered_at: str | None
    created_at: str
    payload: dict[str, Any]


class EventPage(Page[Event]):
    pass


class Attempt(Wire):
    id: str
    event_id: str
    attempt: int
    url: str
    webhook_timestamp: int
    status_code: int | None
    failure: str | None
    latency_ms: float
    response_snippet: str
    outcome: str
    created_at: str


class AttemptPage(Page[Attempt]):
    pass
