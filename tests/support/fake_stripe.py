"""A loopback stand-in for Stripe's webhook endpoints API, until the sandbox's Stripe emulator has it.

``POST /v1/webhook_endpoints`` (form-encoded, ``enabled_events[]``) answers the
endpoint with its ``whsec_`` secret, ``DELETE /v1/webhook_endpoints/{id}`` deletes
it, ``GET /v1/balance`` verifies the key; `send` posts an event the way Stripe
signs it (``Stripe-Signature: t=...,v1=...``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.support.servers import ThreadedServer


@dataclass
class Endpoint:
    id: str
    url: str
    events: list[str]
    secret: str
    deleted: bool = False


@dataclass
class FakeStripe:
    endpoints: dict[str, Endpoint] = field(default_factory=dict)
    keys: list[str] = field(default_factory=list)
    url: str = ""
    _server: ThreadedServer | None = None

    def app(self) -> Starlette:
        async def balance(request: Request) -> Response:
            self.keys.append(request.headers.get("authorization", ""))
            return JSONResponse({"object": "balance", "available": []})

        async def create(request: Request) -> Response:
            self.keys.append(request.headers.get("authorization", ""))
            form = await request.form()
            endpoint = Endpoint(
                "we_" + secrets.token_hex(8),
                str(form["url"]),
                [str(v) for v in form.getlist("enabled_events[]")],
                "whsec_" + secrets.token_urlsafe(24),
            )
            self.endpoints[endpoint.id] = endpoint
            return JSONResponse(
                {
                    "id": endpoint.id,
                    "object": "webhook_endpoint",
                    "url": endpoint.url,
                    "enabled_events": endpoint.events,
                    "secret": endpoint.secret,
                    "status": "enabled",
                }
            )

        async def delete(request: Request) -> Response:
            endpoint = self.endpoints.get(request.path_params["id"])
            if endpoint is None or endpoint.deleted:
                return JSONResponse({"error": {"type": "invalid_request_error"}}, status_code=404)
            endpoint.deleted = True
            return JSONResponse({"id": endpoint.id, "object": "webhook_endpoint", "deleted": True})

        return Starlette(
            routes=[
                Route("/v1/balance", balance),
                Route("/v1/webhook_endpoints", create, methods=["POST"]),
                Route("/v1/webhook_endpoints/{id}", delete, methods=["DELETE"]),
            ]
        )

    def start(self) -> FakeStripe:
        self._server = ThreadedServer(self.app()).start()
        self.url = self._server.url
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()

    def live(self) -> list[Endpoint]:
        return [e for e in self.endpoints.values() if not e.deleted]

    def signed(
        self, endpoint: Endpoint, event: dict[str, Any], *, at: int | None = None, secret: str | None = None
    ) -> dict[str, Any]:
        body = json.dumps(event).encode()
        stamp = int(time.time()) if at is None else at
        digest = hmac.new(
            (secret or endpoint.secret).encode(), f"{stamp}.".encode() + body, hashlib.sha256
        ).hexdigest()
        return {
            "content": body,
            "headers": {
                "Content-Type": "application/json; charset=utf-8",
                "Stripe-Signature": f"t={stamp},v1={digest}",
            },
        }

    def send(self, endpoint: Endpoint, event: dict[str, Any], **options: Any) -> httpx.Response:
        return httpx.post(endpoint.url, timeout=30, **self.signed(endpoint, event, **options))


def event(kind: str, obj: dict[str, Any], event_id: str | None = None) -> dict[str, Any]:
    return {
        "id": event_id or "evt_" + secrets.token_hex(8),
        "object": "event",
        "type": kind,
        "created": int(time.time()),
        "livemode": False,
        "data": {"object": obj},
    }
