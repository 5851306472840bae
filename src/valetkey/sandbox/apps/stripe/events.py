"""Stripe events, webhook endpoints and the signed deliveries to them.

- ``POST /v1/webhook_endpoints`` (``url``, ``enabled_events[]`` required;
  ``description``, ``metadata``, ``api_version``, ``disabled`` on update) answers
  the endpoint with its signing ``secret`` (``whsec_...``) -- on create only; ``GET``
  (one, list), ``POST /v1/webhook_endpoints/{id}`` (update), ``DELETE``.
  ``enabled_events`` takes Stripe's event type names or ``*``; an unknown one is
  400 naming ``enabled_events[i]``.
- ``GET /v1/events`` (``type``, ``types[]``, ``created``, cursors) and
  ``GET /v1/events/{id}``: every event the account produced, newest first.

`record_event` is what the other handlers call when an object changes: it
stores an ``event`` (``id`` ``evt_...``, ``type``, ``data.object`` as the object
was then, ``data.previous_attributes`` for updates, ``pending_webhooks``,
``request``...) and queues it for every enabled endpoint that listens to its
type. Each POST carries ``Stripe-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of
"<t>.<body>" with the endpoint secret>``, signed afresh per attempt; a 2xx is
success (redirects are failures). Failed deliveries are retried as in test
mode, three times over a few hours (1 h, 2 h, 3 h here); `pending_webhooks`
counts the endpoints still waiting for a 2xx.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any

from starlette.routing import Route

from valetkey.sandbox.emulator import StateStore
from valetkey.sandbox.webhooks import Deliveries, Delivery, Outcome, RetryPolicy

from .kit import API_VERSION, Call, Stripe, StripeError, missing, required
from .listing import created_filter, list_answer
from .state import Obj, StripeState, new_id

USER_AGENT = "Stripe/1.0 (+https://stripe.com/docs/webhooks)"
#: Test mode: three retries over a few hours.
RETRIES = RetryPolicy((3600.0, 7200.0, 10800.0))
#: Event types an endpoint may enable (the emulator sends the ones its API causes).
EVENT_TYPES = frozenset(
    {
        "charge.captured",
        "charge.failed",
        "charge.pending",
        "charge.refunded",
        "charge.succeeded",
        "charge.updated",
        "checkout.session.async_payment_failed",
        "checkout.session.async_payment_succeeded",
        "checkout.session.completed",
        "checkout.session.expired",
        "customer.created",
        "customer.deleted",
        "customer.updated",
        "customer.subscription.created",
        "customer.subscription.deleted",
        "customer.subscription.paused",
        "customer.subscription.resumed",
        "customer.subscription.trial_will_end",
        "customer.subscription.updated",
        "invoice.created",
        "invoice.deleted",
        "invoice.finalized",
        "invoice.marked_uncollectible",
        "invoice.paid",
        "invoice.payment_action_required",
        "invoice.payment_failed",
        "invoice.payment_succeeded",
        "invoice.sent",
        "invoice.upcoming",
        "invoice.updated",
        "invoice.voided",
        "payment_intent.canceled",
        "payment_intent.created",
        "payment_intent.payment_failed",
        "payment_intent.processing",
        "payment_intent.requires_action",
        "payment_intent.succeeded",
        "price.created",
        "price.deleted",
        "price.updated",
        "product.created",
        "product.deleted",
        "product.updated",
        "refund.created",
        "refund.updated",
    }
)


def stripe_signature(secret: str, timestamp: int, body: bytes) -> str:
    """The ``Stripe-Signature`` header: ``t=<timestamp>,v1=<hex HMAC-SHA256 of "<timestamp>.<body>">``."""
    signed = f"{timestamp}.".encode() + body
    return f"t={timestamp},v1={hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()}"


def record_event(state: StripeState, kind: str, obj: Obj, previous: dict[str, Any] | None = None) -> Obj:
    """Store an event of type `kind` about `obj` (a snapshot) and queue it for the endpoints listening."""
    endpoints = [
        e["id"]
        for e in state.objects["webhook_endpoint"].values()
        if e["status"] == "enabled" and (kind in e["enabled_events"] or "*" in e["enabled_events"])
    ]
    data: dict[str, Any] = {"object": copy.deepcopy(obj)}
    if previous is not None:
        data["previous_attributes"] = previous
    event = state.add(
        "event",
        {
            "id": new_id("evt"),
            "object": "event",
            "api_version": API_VERSION,
            "created": state.tick(),
            "data": data,
            "livemode": False,
            "pending_webhooks": len(endpoints),
            "request": {"id": state.request_id, "idempotency_key": state.idempotency_key},
            "type": kind,
        },
    )
    if endpoints:
        state.outbox.append((event["id"], endpoints))
    return event


@dataclass
class StripeWebhooks:
    """Sends the events `record_event` queued, once the request that caused them is answered."""

    deliveries: Deliveries
    store: StateStore[StripeState]

    def send_queued(self, state: StripeState) -> None:
        queued, state.outbox = state.outbox, []
        for event_id, endpoint_ids in queued:
            event = state.objects["event"][event_id]
            for endpoint_id in endpoint_ids:
                endpoint = state.objects["webhook_endpoint"].get(endpoint_id)
                if endpoint is not None:
                    self._send(event, endpoint, state.secrets[endpoint_id])

    def _send(self, event: Obj, endpoint: Obj, secret: str) -> Delivery:
        body = json.dumps(event, indent=2).encode()

        def prepare(attempt: int, previous: Outcome | None) -> tuple[bytes, dict[str, str]]:
            return body, {
                "Content-Type": "application/json; charset=utf-8",
                "Cache-Control": "no-cache",
                "Stripe-Signature": stripe_signature(secret, int(time.time()), body),
            }

        event_id = event["id"]
        return self.deliveries.send(
            endpoint["url"],
            event["type"],
            prepare,
            target=endpoint["id"],
            retry=RETRIES,
            delivery_id=f"{event_id}:{endpoint['id']}",
            meta={"event": event_id, "endpoint": endpoint["id"]},
            on_done=lambda d: self._done(event_id, d),
        )

    def _done(self, event_id: str, delivery: Delivery) -> None:
        if delivery.state != "succeeded":
            return
        with self.store.transaction() as state:
            event = state.objects["event"].get(event_id)
            if event is not None:
                event["pending_webhooks"] = max(0, event["pending_webhooks"] - 1)


# -- /v1/webhook_endpoints ----------------------------------------------------------------------


def _events_param(call: Call) -> list[str]:
    value = call.params.get("enabled_events")
    if value is None:
        raise required("enabled_events")
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value:
        raise StripeError(400, "Invalid array", code="parameter_invalid_array", param="enabled_events")
    for index, name in enumerate(value):
        if name not in EVENT_TYPES and name != "*":
            raise StripeError(
                400,
                f"Invalid enabled_events[{index}]: must be one of {', '.join(sorted(EVENT_TYPES))}, or *",
                code="parameter_invalid_string",
                param=f"enabled_events[{index}]",
            )
    return list(dict.fromkeys(value))


def _url_param(call: Call, *, needed: bool) -> str | None:
    url = call.text("url", needed=needed)
    if url is not None and not url.startswith(("http://", "https://")):
        raise StripeError(
            400, "Invalid URL: URL must be a valid http(s) URL", code="url_invalid", param="url"
        )
    return url


def _endpoint(call: Call) -> Obj:
    found = call.state.get("webhook_endpoint", call.path["endpoint"])
    if found is None:
        raise missing("webhook_endpoint", call.path["endpoint"])
    return found


def _metadata(call: Call, current: dict[str, str]) -> dict[str, str]:
    value = call.params.get("metadata")
    if value is None:
        return current
    if value == "":
        return {}
    if not isinstance(value, dict):
        raise StripeError(400, "Invalid hash", param="metadata")
    merged = {**current, **value}
    return {k: v for k, v in merged.items() if v != ""}


def create_endpoint(call: Call) -> tuple[int, Any]:
    url = _url_param(call, needed=True)
    events = _events_param(call)
    secret = "whsec_" + secrets.token_urlsafe(24).replace("-", "a").replace("_", "b")
    endpoint = call.state.add(
        "webhook_endpoint",
        {
            "id": new_id("we"),
            "object": "webhook_endpoint",
            "api_version": call.text("api_version"),
            "application": None,
            "created": call.state.tick(),
            "description": call.text("description"),
            "enabled_events": events,
            "livemode": False,
            "metadata": _metadata(call, {}),
            "status": "enabled",
            "url": url,
        },
    )
    call.state.secrets[endpoint["id"]] = secret
    return 200, {**endpoint, "secret": secret}


def retrieve_endpoint(call: Call) -> tuple[int, Any]:
    return 200, _endpoint(call)


def update_endpoint(call: Call) -> tuple[int, Any]:
    endpoint = _endpoint(call)
    url = _url_param(call, needed=False)
    if url is not None:
        endpoint["url"] = url
    if "enabled_events" in call.params:
        endpoint["enabled_events"] = _events_param(call)
    if "description" in call.params:
        endpoint["description"] = call.text("description") or None
    disabled = call.boolean("disabled")
    if disabled is not None:
        endpoint["status"] = "disabled" if disabled else "enabled"
    endpoint["metadata"] = _metadata(call, endpoint["metadata"])
    return 200, endpoint


def delete_endpoint(call: Call) -> tuple[int, Any]:
    endpoint = _endpoint(call)
    del call.state.objects["webhook_endpoint"][endpoint["id"]]
    call.state.secrets.pop(endpoint["id"], None)
    return 200, {"id": endpoint["id"], "object": "webhook_endpoint", "deleted": True}


def list_endpoints(call: Call) -> tuple[int, Any]:
    items = call.state.newest_first("webhook_endpoint")
    return list_answer(call, "webhook_endpoint", items, "/v1/webhook_endpoints")


def list_events(call: Call) -> tuple[int, Any]:
    items = call.state.newest_first("event")
    kind, kinds = call.text("type"), call.params.get("types")
    if kind is not None and kinds is not None:
        raise StripeError(400, "You may only specify one of these parameters: type, types.", param="type")
    if kind is not None:
        if kind.endswith(".*"):
            items = [e for e in items if e["type"].startswith(kind[:-1])]
        else:
            items = [e for e in items if e["type"] == kind]
    if kinds is not None:
        if not isinstance(kinds, list):
            raise StripeError(400, "Invalid array", code="parameter_invalid_array", param="types")
        items = [e for e in items if e["type"] in kinds]
    return list_answer(call, "event", created_filter(call, items), "/v1/events")


def retrieve_event(call: Call) -> tuple[int, Any]:
    found = call.state.get("event", call.path["event"])
    if found is None:
        raise missing("event", call.path["event"])
    return 200, found


def routes(stripe: Stripe) -> list[Route]:
    pages = ("created", "limit", "starting_after", "ending_before")
    fields = ("url", "enabled_events", "description", "metadata")
    return [
        stripe.route("POST", "/v1/webhook_endpoints", create_endpoint, params=(*fields, "api_version")),
        stripe.route(
            "GET",
            "/v1/webhook_endpoints",
            list_endpoints,
            params=("limit", "starting_after", "ending_before"),
        ),
        stripe.route("GET", "/v1/webhook_endpoints/{endpoint}", retrieve_endpoint),
        stripe.route(
            "POST", "/v1/webhook_endpoints/{endpoint}", update_endpoint, params=(*fields, "disabled")
        ),
        stripe.route("DELETE", "/v1/webhook_endpoints/{endpoint}", delete_endpoint),
        stripe.route("GET", "/v1/events", list_events, params=("type", "types", *pages)),
        stripe.route("GET", "/v1/events/{event}", retrieve_event),
    ]
