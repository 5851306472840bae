"""What a delivery carries: the body in the subscription's payload version, and its signature.

V3 (the default) is Composio's envelope: ``{id, type, metadata, data, timestamp}``.
V2 and V1 are the legacy trigger shapes the SDK's `verify_webhook` still
recognises (only ``composio.trigger.message`` exists in them). The signature is
Standard Webhooks': ``v1,<base64 HMAC-SHA256 of "{webhook-id}.{webhook-timestamp}.{body}">``,
keyed with the secret's UTF-8 bytes as the SDK verifies it; several secrets give
several space-separated signatures.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from valetkey.webhooks.models import WebhookEvent
from valetkey.webhooks.subscriptions import TRIGGER_MESSAGE, iso

USER_AGENT = "Valetkey-Webhooks/1"


def envelope_v3(event: WebhookEvent) -> dict[str, Any]:
    return {
        "id": event.id,
        "type": event.type,
        "metadata": dict(event.metadata_),
        "data": dict(event.data),
        "timestamp": iso(event.created_at),
    }


def body_of(event: WebhookEvent, version: str) -> str:
    """The exact text sent (and signed) for `event` in payload `version`."""
    if version == "V3" or event.type != TRIGGER_MESSAGE:
        payload: dict[str, Any] = envelope_v3(event)
    else:
        meta = event.metadata_
        slug = str(meta.get("trigger_slug", "")).lower()
        if version == "V2":
            payload = {
                "type": slug,
                "data": {
                    **event.data,
                    "connection_id": meta.get("connected_account_id", ""),
                    "connection_nano_id": meta.get("connected_account_id", ""),
                    "trigger_nano_id": meta.get("trigger_id", ""),
                    "trigger_id": meta.get("trigger_id", ""),
                    "user_id": meta.get("user_id", ""),
                },
                "timestamp": iso(event.created_at),
                "log_id": meta.get("log_id", ""),
            }
        else:
            payload = {
                "trigger_name": slug,
                "trigger_id": meta.get("trigger_id", ""),
                "connection_id": meta.get("connected_account_id", ""),
                "payload": dict(event.data),
                "log_id": meta.get("log_id", ""),
            }
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False)


def signature(secret: str, webhook_id: str, timestamp: int, body: str) -> str:
    digest = hmac.new(secret.encode(), f"{webhook_id}.{timestamp}.{body}".encode(), hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(webhook_id: str, timestamp: int, body: str, secrets: list[str], version: str) -> dict[str, str]:
    """The request headers of one attempt: Standard Webhooks' three, and Composio's version header."""
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "webhook-id": webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(signature(s, webhook_id, timestamp, body) for s in secrets),
        "x-composio-webhook-version": version,
    }
