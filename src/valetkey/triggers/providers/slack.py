"""Slack: the Events API, one app-level Request URL fanned out to the project's Slack triggers.

A Slack app sends every event of every workspace that installed it to one
Request URL: the project's Slack webhook endpoint (``/webhook_endpoints``,
whose ``signing_secret`` is the app's). Each request is verified as Slack
documents (``X-Slack-Signature: v0=<hex HMAC-SHA256 of "v0:{timestamp}:{body}">``,
``X-Slack-Request-Timestamp`` within 5 minutes, else a replay); the
``url_verification`` handshake answers its challenge; an ``event_callback``
goes to each enabled Slack trigger of the project whose account is in the
event's workspace (``team_id``, learned with ``auth.test`` when the trigger is
created) and whose ``channel`` config, if any, is the event's channel. Slack's
retries (``X-Slack-Retry-Num``) carry the same ``event_id`` and are acknowledged
without a second event.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass, field
from typing import Any

from valetkey.catalog.model import TriggerType
from valetkey.core.errors import ValidationError
from valetkey.triggers.providers.base import (
    IngressRefused,
    IngressRequest,
    Parsed,
    ProviderError,
    Registered,
    Registration,
    upstream_problem,
)

TOLERANCE_SECONDS = 300


@dataclass(frozen=True)
class AppEvent:
    """A verified Events API request: a challenge to answer, or one event for the project's triggers."""

    reply: dict[str, Any]
    event_id: str | None = None
    team_id: str | None = None
    event: dict[str, Any] = field(default_factory=dict)


def _channel(event: dict[str, Any]) -> str | None:
    kind = event.get("type")
    if kind == "reaction_added":
        return (event.get("item") or {}).get("channel")
    if kind == "channel_created":
        return (event.get("channel") or {}).get("id")
    channel = event.get("channel")
    return channel if isinstance(channel, str) else None


class Slack:
    async def register(self, registration: Registration) -> Registered:
        outcome = await registration.call("POST", "/auth.test", None, None)
        response = outcome.response
        if response is None or response.status != 200:
            raise upstream_problem("Slack auth.test", outcome)
        answer = json.loads(response.content)
        if not answer.get("ok") or not answer.get("team_id"):
            raise ProviderError(f"Slack auth.test refused the account: {answer.get('error', 'no team')}")
        return Registered({"team_id": str(answer["team_id"])})

    async def deregister(self, registration: Registration) -> None:
        return None  # the Slack app's event subscriptions are the app's; nothing per trigger to remove

    def verify(self, request: IngressRequest, secret: str) -> None:
        if not secret:
            raise IngressRefused(
                "This Slack webhook endpoint has no signing_secret yet",
                suggested_fix="Set it: PATCH /api/v3/webhook_endpoints/{id} with "
                '{"data": {"signing_secret": "..."}} (the SDK\'s webhook endpoint update method).',
            )
        stamp = request.headers.get("x-slack-request-timestamp", "")
        given = request.headers.get("x-slack-signature", "")
        if not stamp.isdigit() or not given:
            raise IngressRefused("The request has no X-Slack-Signature and X-Slack-Request-Timestamp")
        if abs(time.time() - int(stamp)) > TOLERANCE_SECONDS:
            raise IngressRefused(
                f"X-Slack-Request-Timestamp is more than {TOLERANCE_SECONDS} s away (a replay?)"
            )
        expected = (
            "v0="
            + hmac.new(secret.encode(), f"v0:{stamp}:".encode() + request.body, hashlib.sha256).hexdigest()
        )
        if not hmac.compare_digest(expected, given):
            raise IngressRefused("X-Slack-Signature does not match the body")

    def parse(self, request: IngressRequest, trigger: TriggerType, config: dict[str, Any]) -> Parsed:
        raise ValidationError("Slack events come to the app's webhook endpoint, not to a trigger's URL")

    def app_event(self, request: IngressRequest) -> AppEvent:
        try:
            body = json.loads(request.body)
        except ValueError as exc:
            raise ValidationError(f"The body is not an Events API request: {exc}") from None
        if not isinstance(body, dict):
            raise ValidationError("The body is not an Events API request")
        if body.get("type") == "url_verification":
            return AppEvent({"challenge": str(body.get("challenge", ""))})
        if body.get("type") != "event_callback" or not isinstance(body.get("event"), dict):
            return AppEvent({"ok": True, "ignored": str(body.get("type"))})
        return AppEvent(
            {"ok": True},
            str(body.get("event_id") or "") or None,
            str(body.get("team_id") or ""),
            body["event"],
        )

    def match(
        self, trigger: TriggerType, config: dict[str, Any], provider_state: dict[str, Any], app: AppEvent
    ) -> dict[str, Any] | None:
        """The event's data for one trigger, or None when it is not that trigger's."""
        event = app.event
        if event.get("type") not in trigger.source.get("events", []):
            return None
        if event.get("subtype") and event.get("subtype") not in trigger.source.get("subtypes", []):
            return None  # edits, deletions, joins... are not new messages
        if provider_state.get("team_id") != app.team_id:
            return None
        if config.get("channel") and config["channel"] != _channel(event):
            return None
        kind = event["type"]
        if kind == "reaction_added":
            item = event.get("item") or {}
            return {
                "reaction": event.get("reaction", ""),
                "user": event.get("user", ""),
                "item_user": event.get("item_user"),
                "channel": item.get("channel"),
                "item_ts": item.get("ts"),
                "event_ts": event.get("event_ts"),
                "team_id": app.team_id,
            }
        if kind == "channel_created":
            channel = event.get("channel") or {}
            return {
                "channel": {
                    "id": channel.get("id", ""),
                    "name": channel.get("name", ""),
                    "creator": channel.get("creator"),
                    "created": channel.get("created"),
                },
                "team_id": app.team_id,
            }
        return {
            "channel": event.get("channel", ""),
            "user": event.get("user", ""),
            "text": event.get("text", ""),
            "ts": event.get("ts", ""),
            "thread_ts": event.get("thread_ts"),
            "team_id": app.team_id,
            "event_id": app.event_id,
        }
