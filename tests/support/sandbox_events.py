"""Causing events in the sandbox emulators and checking what they deliver, for tests over real HTTP.

Every helper takes the sandbox's base URL as `sandbox` (``SandboxHandle.url`` of the
``emulators`` fixture, or any ``ThreadedServer(create_sandbox_app()).url``).
The verifiers implement each provider's documented algorithm independently
of the emulator, so a test that uses them checks the emulator too.

Waiting for deliveries: `flush(sandbox, slug)` returns once nothing is in flight
(scheduled retries run at once unless ``retries=False``) and answers every
delivery with its attempts; `deliveries(sandbox, slug)` lists them without waiting.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

import httpx

TIMEOUT = 40.0


def flush(sandbox: str, slug: str, *, retries: bool = True, timeout: float = 30.0) -> list[dict[str, Any]]:
    """``POST /_sandbox/<slug>/deliveries/flush``: wait for the app's deliveries; every delivery so far."""
    answer = httpx.post(
        f"{sandbox}/_sandbox/{slug}/deliveries/flush",
        json={"retries": retries, "timeout": timeout},
        timeout=TIMEOUT,
    )
    answer.raise_for_status()
    return answer.json()["deliveries"]


def deliveries(sandbox: str, slug: str) -> list[dict[str, Any]]:
    answer = httpx.get(f"{sandbox}/_sandbox/{slug}/deliveries", timeout=TIMEOUT)
    answer.raise_for_status()
    return answer.json()["deliveries"]


# -- causing events that have no API of their own ------------------------------------------------


def slack_subscribe(
    sandbox: str,
    request_url: str | None,
    *,
    signing_secret: str | None = None,
    bot_events: list[str] | None = None,
) -> dict[str, Any]:
    """Set the Slack app's Request URL (Slack's url_verification runs first); the settings with the secret."""
    body: dict[str, Any] = {"request_url": request_url}
    if signing_secret is not None:
        body["signing_secret"] = signing_secret
    if bot_events is not None:
        body["bot_events"] = bot_events
    answer = httpx.put(f"{sandbox}/_sandbox/slack/events", json=body, timeout=TIMEOUT)
    answer.raise_for_status()
    return answer.json()


def slack_post_as(
    sandbox: str, channel: str, user: str, text: str, thread_ts: str | None = None
) -> dict[str, Any]:
    """A member (id or name) posts in a channel, as someone typing in Slack: a ``message`` event."""
    body = {"channel": channel, "user": user, "text": text, **({"thread_ts": thread_ts} if thread_ts else {})}
    answer = httpx.post(f"{sandbox}/_sandbox/slack/messages", json=body, timeout=TIMEOUT)
    answer.raise_for_status()
    return answer.json()


def gmail_deliver(sandbox: str, to: str, *, sender: str, subject: str, body: str = "", **extra: Any) -> str:
    """Mail from outside arrives in `to`'s inbox (a ``messageAdded`` in its history); its message id."""
    message = {"from": sender, "to": [to], "subject": subject, "body": body, **extra}
    answer = httpx.post(
        f"{sandbox}/_sandbox/gmail/seed", json={"user": to, "messages": [message]}, timeout=TIMEOUT
    )
    answer.raise_for_status()
    return answer.json()["message_ids"][0]


def stripe_complete_checkout(
    sandbox: str, session_id: str, *, payment_method: str = "pm_card_visa", **buyer: Any
) -> httpx.Response:
    """The buyer pays a Checkout Session on the hosted page: ``checkout.session.completed``."""
    return httpx.post(
        f"{sandbox}/_sandbox/stripe/checkout/sessions/{session_id}/complete",
        json={"payment_method": payment_method, **buyer},
        timeout=TIMEOUT,
    )


def hackernews_post(sandbox: str, item: dict[str, Any]) -> dict[str, Any]:
    """Someone posts a story (``by``, ``title``, ``url``/``text``) or comment (``by``, ``parent``, ``text``)."""
    answer = httpx.post(f"{sandbox}/_sandbox/hackernews/items", json=item, timeout=TIMEOUT)
    answer.raise_for_status()
    return answer.json()


# -- verifying deliveries, each by the provider's documented algorithm ----------------------------


def _hex(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def github_signature_ok(secret: str, body: bytes, header: str | None) -> bool:
    """``X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>``."""
    return hmac.compare_digest("sha256=" + _hex(secret, body), header or "")


def slack_signature_ok(
    secret: str, body: bytes, timestamp: str | None, header: str | None, *, tolerance: int = 300
) -> bool:
    """``X-Slack-Signature: v0=<hex HMAC-SHA256 of "v0:<X-Slack-Request-Timestamp>:<body>">``, 5 minutes."""
    if not timestamp or not timestamp.isdigit() or abs(time.time() - int(timestamp)) > tolerance:
        return False
    return hmac.compare_digest("v0=" + _hex(secret, f"v0:{timestamp}:".encode() + body), header or "")


def stripe_signature_ok(secret: str, body: bytes, header: str | None, *, tolerance: int = 300) -> bool:
    """``Stripe-Signature: t=<ts>,v1=<hex HMAC-SHA256 of "<ts>.<body>">``, within the tolerance."""
    pairs = [part.split("=", 1) for part in (header or "").split(",") if "=" in part]
    stamps = [v for k, v in pairs if k == "t"]
    if len(stamps) != 1 or not stamps[0].isdigit() or abs(time.time() - int(stamps[0])) > tolerance:
        return False
    expected = _hex(secret, f"{stamps[0]}.".encode() + body)
    return any(hmac.compare_digest(expected, v) for k, v in pairs if k == "v1")


def linear_signature_ok(secret: str, body: bytes, header: str | None, *, tolerance_ms: int = 60_000) -> bool:
    """``Linear-Signature: <hex HMAC-SHA256 of the body>``; ``webhookTimestamp`` (ms) within a minute."""
    if not hmac.compare_digest(_hex(secret, body), header or ""):
        return False
    stamp = json.loads(body).get("webhookTimestamp")
    return isinstance(stamp, int) and abs(time.time() * 1000 - stamp) <= tolerance_ms
