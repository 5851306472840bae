"""Stripe: a webhook endpoint registered through the API, events verified with ``Stripe-Signature``.

`register` creates an endpoint (``POST /v1/webhook_endpoints``, form-encoded) for
the type's event types pointing at the instance's ingress URL; Stripe answers
the endpoint's signing secret (``whsec_...``), which replaces the instance's
own and is sealed the same way. `deregister` deletes the endpoint. A delivery is
verified as Stripe documents: ``Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256
of "{t}.{body}">`` (several ``v1`` during Stripe's secret rolls), refused when
``t`` is more than `TOLERANCE_SECONDS` away (a replay), and deduplicated on the
event id.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import quote

from valetkey.catalog.model import TriggerType
from valetkey.core.errors import ValidationError
from valetkey.triggers.providers.base import (
    Form,
    IngressRefused,
    IngressRequest,
    Parsed,
    Registered,
    Registration,
    upstream_problem,
)

TOLERANCE_SECONDS = 300


class Stripe:
    async def register(self, registration: Registration) -> Registered:
        fields = [
            ("url", registration.ingress_url),
            ("description", f"Valetkey trigger {registration.trigger_id}"),
        ]
        fields += [("enabled_events[]", str(e)) for e in registration.trigger.source.get("events", [])]
        fields.append(("metadata[valetkey_trigger_id]", registration.trigger_id))
        outcome = await registration.call("POST", "/v1/webhook_endpoints", Form(fields), None)
        response = outcome.response
        if response is None or response.status != 200:
            raise upstream_problem("Creating the Stripe webhook endpoint", outcome)
        endpoint = json.loads(response.content)
        return Registered({"endpoint_id": endpoint["id"]}, secret=str(endpoint["secret"]))

    async def deregister(self, registration: Registration) -> None:
        endpoint_id = registration.provider_state.get("endpoint_id")
        if not endpoint_id:
            return
        path = f"/v1/webhook_endpoints/{quote(str(endpoint_id), safe='')}"
        outcome = await registration.call("DELETE", path, None, None)
        status = outcome.status
        if status is not None and (200 <= status < 300 or status in (401, 403, 404)):
            return
        raise upstream_problem(f"Deleting Stripe webhook endpoint {endpoint_id}", outcome)

    def verify(self, request: IngressRequest, secret: str) -> None:
        header = request.headers.get("stripe-signature", "")
        if not header:
            raise IngressRefused("The request has no Stripe-Signature header")
        parts = [item.split("=", 1) for item in header.split(",") if "=" in item]
        stamps = [v for k, v in parts if k.strip() == "t"]
        signatures = [v.strip() for k, v in parts if k.strip() == "v1"]
        if len(stamps) != 1 or not stamps[0].strip().isdigit() or not signatures:
            raise IngressRefused("Stripe-Signature is malformed (expected t=...,v1=...)")
        stamp = int(stamps[0])
        if abs(time.time() - stamp) > TOLERANCE_SECONDS:
            raise IngressRefused(
                f"Stripe-Signature's timestamp is more than {TOLERANCE_SECONDS} s away (a replay?)"
            )
        expected = hmac.new(secret.encode(), f"{stamp}.".encode() + request.body, hashlib.sha256).hexdigest()
        if not any(hmac.compare_digest(expected, s) for s in signatures):
            raise IngressRefused("Stripe-Signature does not match the body")

    def parse(self, request: IngressRequest, trigger: TriggerType, config: dict[str, Any]) -> Parsed:
        try:
            event = json.loads(request.body)
        except ValueError as exc:
            raise ValidationError(f"The delivery body is not a Stripe event: {exc}") from None
        if not isinstance(event, dict) or not isinstance(event.get("data"), dict):
            raise ValidationError("The delivery body is not a Stripe event object")
        event_id = str(event.get("id") or "") or None
        if event.get("type") not in trigger.source.get("events", []):
            return Parsed(event_id, [], {"received": True, "ignored": str(event.get("type"))})
        data = {
            "event_id": event_id,
            "event_type": event["type"],
            "created": event.get("created"),
            "livemode": bool(event.get("livemode", False)),
            "object": event["data"].get("object") or {},
        }
        return Parsed(event_id, [data], {"received": True})
