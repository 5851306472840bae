"""Slack's Events API: the app's Request URL, the ``url_verification`` handshake, signed event callbacks.

A Slack app's "Event Subscriptions" settings are the admin routes here:

- ``GET /_sandbox/slack/events`` -- the settings: ``request_url``,
  ``signing_secret``, ``verification_token``, ``app_id``, ``team_id``,
  ``bot_events``.
- ``PUT /_sandbox/slack/events`` ``{"request_url", "signing_secret"?, "bot_events"?}``
  -- as saving the Request URL in Slack's settings: Slack POSTs a signed
  ``{"token", "challenge", "type": "url_verification"}`` there at once and keeps
  the URL only if the answer is 200 with the challenge (plain text, JSON
  ``{"challenge"}`` or form ``challenge=``); otherwise 400
  ``url_verification_failed`` and the previous URL stays. ``null`` turns events off.
- ``POST /_sandbox/slack/messages`` ``{"channel", "user", "text", "thread_ts"?}``
  -- a member (id or name) posts a message, as someone typing in Slack would.

Then every subscribed event the workspace produces is POSTed as an
``event_callback`` (``token``, ``team_id``, ``api_app_id``, ``event``,
``type``, ``event_id``, ``event_time``, ``authorizations``,
``event_context``...) with ``X-Slack-Request-Timestamp`` and ``X-Slack-Signature:
v0=<hex HMAC-SHA256 of "v0:<timestamp>:<body>">`` (the signing secret). Bot
events: ``message.channels`` / ``message.groups`` (messages in channels the bot
is a member of, from ``chat.postMessage`` or the admin route),
``reaction_added`` (``reactions.add`` in such a channel) and
``channel_created`` (``conversations.create`` of a public channel).

A delivery fails unless answered 2xx within 3 seconds; Slack then retries
three times (at once, after 1 minute, after 5 minutes) with
``X-Slack-Retry-Num`` and ``X-Slack-Retry-Reason`` (``http_timeout``,
``http_error``, ``connection_failed``...), each signed with a fresh timestamp,
unless the answer carried ``X-Slack-No-Retry: 1``.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import secrets
import string
import time
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from valetkey.sandbox.emulator import StateStore
from valetkey.sandbox.http import BadRequest, error_response, read_json
from valetkey.sandbox.webhooks import Deliveries, Delivery, Outcome, RetryPolicy

from .render import message_json
from .state import APP_ID, BOT_EVENTS, BOT_USER_ID, TEAM_ID, Channel, EventSettings, Message, SlackState

USER_AGENT = "Slackbot 1.0 (+https://api.slack.com/robots)"
TIMEOUT = 3.0
#: Slack's retry schedule: nearly immediately, after 1 minute, after 5 minutes.
RETRY_DELAYS = (0.0, 60.0, 300.0)
REASONS = {
    "timeout": "http_timeout",
    "connection_failed": "connection_failed",
    "too_many_redirects": "too_many_redirects",
}


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """``X-Slack-Signature``: ``v0=`` and the hex HMAC-SHA256 of ``v0:{timestamp}:{body}``."""
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def _no_retry(outcome: Outcome) -> bool:
    return outcome.headers.get("x-slack-no-retry") == "1"


RETRIES = RetryPolicy(RETRY_DELAYS, stop=_no_retry)


def message_event(channel: Channel, message: Message) -> dict[str, Any]:
    event = message_json(channel, message)
    event.pop("reactions", None)
    event.update(
        event_ts=message.ts, channel=channel.id, channel_type="group" if channel.is_private else "channel"
    )
    if message.bot_id:
        event["app_id"] = APP_ID
    return event


def reaction_event(channel: Channel, message: Message, user: str, name: str) -> dict[str, Any]:
    return {
        "type": "reaction_added",
        "user": user,
        "reaction": name,
        "item_user": message.user,
        "item": {"type": "message", "channel": channel.id, "ts": message.ts},
        "event_ts": f"{time.time():.6f}",
    }


def channel_created_event(channel: Channel) -> dict[str, Any]:
    return {
        "type": "channel_created",
        "channel": {
            "id": channel.id,
            "name": channel.name,
            "name_normalized": channel.name,
            "is_channel": True,
            "created": channel.created,
            "creator": channel.creator,
            "is_shared": False,
            "is_org_shared": False,
        },
        "event_ts": f"{time.time():.6f}",
    }


def subscription_of(state: SlackState, event: dict[str, Any]) -> str | None:
    """The bot event (``message.channels``...) `event` is delivered under, or None if the bot cannot see it."""
    kind = event.get("type")
    if kind == "channel_created":
        return "channel_created"
    channel = state.channels.get(event.get("channel") or event.get("item", {}).get("channel", ""))
    if channel is None or BOT_USER_ID not in channel.members:
        return None
    if kind == "message":
        return "message.groups" if channel.is_private else "message.channels"
    if kind == "reaction_added":
        return "reaction_added"
    return None


def _event_id() -> str:
    return "Ev" + "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(10))


@dataclass
class SlackEvents:
    deliveries: Deliveries
    store: StateStore[SlackState]

    def emit(self, state: SlackState, event: dict[str, Any]) -> Delivery | None:
        """Send `event` as an ``event_callback`` if the app subscribes to it and can see it."""
        settings = state.events
        wanted = subscription_of(state, event)
        if settings.request_url is None or wanted is None or wanted not in settings.bot_events:
            return None
        event_id = _event_id()
        envelope = {
            "token": settings.verification_token,
            "team_id": TEAM_ID,
            "context_team_id": TEAM_ID,
            "context_enterprise_id": None,
            "api_app_id": APP_ID,
            "event": event,
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": TEAM_ID,
                    "user_id": BOT_USER_ID,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": "4-" + secrets.token_urlsafe(24),
        }
        return self._send(settings, f"event_callback:{event['type']}", envelope, event_id, RETRIES)

    def _send(
        self,
        settings: EventSettings,
        name: str,
        payload: dict[str, Any],
        delivery_id: str,
        retry: RetryPolicy,
    ) -> Delivery:
        body = json.dumps(payload, separators=(",", ":")).encode()
        secret = settings.signing_secret
        assert settings.request_url is not None

        def prepare(attempt: int, previous: Outcome | None) -> tuple[bytes, dict[str, str]]:
            timestamp = str(int(time.time()))
            headers = {
                "Content-Type": "application/json",
                "X-Slack-Request-Timestamp": timestamp,
                "X-Slack-Signature": signature(secret, timestamp, body),
            }
            if attempt > 1:
                headers["X-Slack-Retry-Num"] = str(attempt - 1)
                headers["X-Slack-Retry-Reason"] = _reason(previous)
            return body, headers

        return self.deliveries.send(
            settings.request_url, name, prepare, target=APP_ID, retry=retry, delivery_id=delivery_id
        )

    # -- the settings page ------------------------------------------------------------------------

    def admin_routes(self) -> list[BaseRoute]:
        async def get_settings(request: Request) -> Response:
            with self.store.transaction() as state:
                return JSONResponse(state.events.to_json())

        async def put_settings(request: Request) -> Response:
            try:
                body = await read_json(request)
                url = body.get("request_url")
                if url is not None and (
                    not isinstance(url, str) or not url.startswith(("http://", "https://"))
                ):
                    raise BadRequest("request_url must be an http(s) URL or null")
                secret = body.get("signing_secret")
                if secret is not None and (not isinstance(secret, str) or not secret):
                    raise BadRequest("signing_secret must be a non-empty string")
                events = body.get("bot_events")
                if events is not None and (
                    not isinstance(events, list) or any(e not in BOT_EVENTS for e in events)
                ):
                    raise BadRequest(f"bot_events must be a list of {', '.join(BOT_EVENTS)}")
                unknown = set(body) - {"request_url", "signing_secret", "bot_events"}
                if unknown:
                    raise BadRequest(f"unknown settings: {', '.join(sorted(unknown))}")
            except BadRequest as exc:
                return error_response("invalid_request", str(exc))
            with self.store.transaction() as state:
                candidate = EventSettings(
                    url,
                    secret or state.events.signing_secret,
                    state.events.verification_token,
                    list(events) if events is not None else list(state.events.bot_events),
                )
            if url is not None:
                failure = await self._verify(candidate)
                if failure is not None:
                    return error_response("url_verification_failed", failure)
            with self.store.transaction() as state:
                state.events = candidate
                return JSONResponse(candidate.to_json())

        async def post_message(request: Request) -> Response:
            try:
                body = await read_json(request)
                channel_ref, user_ref, text = (str(body[k]) for k in ("channel", "user", "text"))
            except (BadRequest, KeyError) as exc:
                return error_response("invalid_request", f"channel, user and text are required ({exc})")
            with self.store.transaction() as state:
                channel = state.channel(channel_ref)
                user = state.users.get(user_ref) or state.user_named(user_ref)
                if channel is None or user is None:
                    return error_response("invalid_request", "no such channel or user", 404)
                if user.id not in channel.members:
                    return error_response("not_in_channel", f"{user.name} is not a member of {channel.name}")
                thread_ts = body.get("thread_ts")
                message = state.post(channel, user.id, text, thread_ts=thread_ts)
                delivery = self.emit(state, message_event(channel, message))
                return JSONResponse(
                    {
                        "channel": channel.id,
                        "ts": message.ts,
                        "message": message_json(channel, message),
                        "event_id": delivery.id if delivery else None,
                    },
                    201,
                )

        return [
            Route("/events", get_settings, methods=["GET"]),
            Route("/events", put_settings, methods=["PUT"]),
            Route("/messages", post_message, methods=["POST"]),
        ]

    async def _verify(self, settings: EventSettings) -> str | None:
        """Slack's handshake: None when the URL echoed the challenge, else why it failed."""
        challenge = secrets.token_urlsafe(36)
        payload = {"token": settings.verification_token, "challenge": challenge, "type": "url_verification"}
        delivery = self._send(settings, "url_verification", payload, _event_id(), RetryPolicy())
        await asyncio.to_thread(self.deliveries.wait, delivery, TIMEOUT + 5)
        outcome = delivery.attempts[-1].outcome
        if not outcome.ok:
            return f"Your URL didn't respond with the value of the challenge parameter ({outcome.status or outcome.error})."
        answer = outcome.body.strip()
        echoed = answer == challenge
        if not echoed:
            try:
                echoed = json.loads(answer).get("challenge") == challenge
            except (ValueError, AttributeError):
                echoed = answer == f"challenge={challenge}"
        if not echoed:
            return "Your URL didn't respond with the value of the challenge parameter."
        return None


def _reason(previous: Outcome | None) -> str:
    if previous is None:
        return "unknown_error"
    if previous.status is not None:
        return "http_error"
    return REASONS.get(previous.error or "", "unknown_error")
