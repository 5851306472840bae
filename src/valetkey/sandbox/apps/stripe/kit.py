"""How every Stripe emulator route behaves: keys, errors, request ids, rate limits, idempotency.

`Stripe.route(method, path, handler, params=...)` wraps a plain handler
``(call) -> (status, body)`` with what api.stripe.com does around each request:

- a missing or unknown secret key is 401 with Stripe's message and
  ``WWW-Authenticate: Basic realm="Stripe"``;
- every answer carries ``Request-Id: req_...`` and ``Stripe-Version``;
- past `StripeState.rate_limit` (100) requests a second per key, 429
  ``rate_limit`` (Stripe sends no rate-limit headers);
- parameters are form-encoded in bracket notation (body of a POST, query of
  a GET); one the operation does not take is 400 ``parameter_unknown``;
- a POST with ``Idempotency-Key`` replays the first answer (with
  ``Idempotent-Replayed: true``); the same key with other parameters is 400
  ``idempotency_error``;
- errors are ``{"error": {"type", "code", "message", "param", "doc_url"}}``.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal, overload
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from valetkey.sandbox.emulator import StateStore
from valetkey.sandbox.emulator_http import RateLimiter, json_response, request_token
from valetkey.sandbox.oauth2 import OAuth2Provider

from .forms import FormError, parse_form
from .state import StripeState

API_VERSION = "2025-09-30.clover"
DOCS = "https://stripe.com/docs/error-codes/"
NO_KEY = (
    "You did not provide an API key. You need to provide your API key in the Authorization header, "
    "using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#"
    "authentication for details, or we can help at https://support.stripe.com/."
)
TOO_MANY = "Too many requests hit the API too quickly. We recommend an exponential backoff of your requests."


class StripeError(Exception):
    """An answer Stripe gives instead of a result; handlers raise it, the route renders it."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
        **extra: Any,
    ):
        super().__init__(message)
        self.status, self.message, self.type = status, message, type
        self.code, self.param, self.extra = code, param, extra

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"message": self.message, "type": self.type}
        if self.code:
            error.update(code=self.code, doc_url=DOCS + self.code.replace("_", "-"))
        if self.param:
            error["param"] = self.param
        error.update(self.extra)
        return {"error": error}


def missing(resource: str, object_id: str, param: str = "id") -> StripeError:
    return StripeError(404, f"No such {resource}: '{object_id}'", code="resource_missing", param=param)


def required(param: str) -> StripeError:
    return StripeError(400, f"Missing required param: {param}.", code="parameter_missing", param=param)


@dataclass
class Call:
    """One request as a handler sees it: its decoded parameters and the account's state."""

    request: Request
    state: StripeState
    params: dict[str, Any]

    @property
    def path(self) -> dict[str, str]:
        return self.request.path_params

    @overload
    def text(self, name: str, *, needed: Literal[True]) -> str: ...
    @overload
    def text(self, name: str, *, needed: bool = False) -> str | None: ...
    def text(self, name: str, *, needed: bool = False) -> str | None:
        """The string parameter `name`; None when absent, 400 when not a string or `needed`."""
        value = self.params.get(name)
        if value is None:
            if needed:
                raise required(name)
            return None
        if not isinstance(value, str):
            raise StripeError(400, f"Invalid string: {name}", code="parameter_invalid_string", param=name)
        return value

    @overload
    def integer(self, name: str, *, needed: Literal[True]) -> int: ...
    @overload
    def integer(self, name: str, *, needed: bool = False) -> int | None: ...
    def integer(self, name: str, *, needed: bool = False) -> int | None:
        """The integer parameter `name` (sent as text); None when absent, 400 when invalid or `needed`."""
        text = self.text(name, needed=needed)
        return None if text is None else as_integer(text, name)

    def boolean(self, name: str) -> bool | None:
        text = self.text(name)
        if text is None:
            return None
        if text not in ("true", "false"):
            raise StripeError(400, f"Invalid boolean: {text}", code="parameter_invalid_boolean", param=name)
        return text == "true"


def as_integer(text: Any, name: str) -> int:
    try:
        return int(str(text))
    except ValueError:
        raise StripeError(
            400, f"Invalid integer: {text}", code="parameter_invalid_integer", param=name
        ) from None


Handler = Callable[[Call], tuple[int, Any]]


@dataclass
class Stripe:
    """The emulator's shared parts; `route` makes a Starlette route behave like api.stripe.com."""

    store: StateStore[StripeState]
    keys: OAuth2Provider
    limiter: RateLimiter = field(default_factory=lambda: RateLimiter(100, 1, resource=None))
    #: Sends the events a request recorded (`events.StripeWebhooks.send_queued`).
    emitter: Callable[[StripeState], None] | None = None

    def route(self, method: str, path: str, handler: Handler, params: Iterable[str] = ()) -> Route:
        allowed = frozenset(params) | {"expand"}

        async def endpoint(request: Request) -> Response:
            return await self._handle(request, handler, allowed)

        return Route(path, endpoint, methods=[method])

    async def _handle(self, request: Request, handler: Handler, allowed: frozenset[str]) -> Response:
        headers = {
            "Request-Id": "req_" + secrets.token_hex(7),
            "Stripe-Version": API_VERSION,
            "Access-Control-Allow-Origin": "*",
        }
        key = request_token(request, ("bearer",))
        if key is None:
            return _error(StripeError(401, NO_KEY), headers | {"WWW-Authenticate": 'Basic realm="Stripe"'})
        if self.keys.validate_access_token(key) is None:
            shown = key[:8] + "*" * 12 + key[-4:] if len(key) > 12 else key
            return _error(
                StripeError(401, f"Invalid API Key provided: {shown}"),
                headers | {"WWW-Authenticate": 'Basic realm="Stripe"'},
            )
        self.limiter.limit = self.store.state.rate_limit
        allowed_now, _ = self.limiter.check(key)
        if not allowed_now:
            return _error(StripeError(429, TOO_MANY, code="rate_limit"), headers)
        raw = (await request.body()).decode() if request.method == "POST" else request.url.query
        pairs = parse_qsl(raw, keep_blank_values=True)
        idempotency_key = request.headers.get("idempotency-key") if request.method == "POST" else None
        with self.store.transaction() as state:
            if idempotency_key:
                replay = _replay(state, idempotency_key, request, pairs, headers)
                if replay is not None:
                    return replay
            try:
                params = parse_form(pairs)
                unknown = sorted(set(params) - allowed)
                if unknown:
                    raise StripeError(
                        400,
                        f"Received unknown parameter: {unknown[0]}",
                        code="parameter_unknown",
                        param=unknown[0],
                    )
                state.request_id, state.idempotency_key = headers["Request-Id"], idempotency_key
                status, body = handler(Call(request, state, params))
            except FormError as error:
                status, body = 400, StripeError(400, str(error), param=error.param).body()
            except StripeError as error:
                status, body = error.status, error.body()
            finally:
                state.request_id = state.idempotency_key = None
            # Events are sent even for an error answer: a declined card still made a failed charge.
            if self.emitter is not None:
                self.emitter(state)
            else:
                state.outbox.clear()
            if idempotency_key:
                headers["Idempotency-Key"] = idempotency_key
                state.idempotency[idempotency_key] = (
                    _fingerprint(request, pairs),
                    status,
                    body,
                    headers["Request-Id"],
                )
        return json_response(body, status, headers)


def _fingerprint(request: Request, pairs: list[tuple[str, str]]) -> str:
    return json.dumps([request.method, request.url.path, sorted(pairs)])


def _replay(
    state: StripeState, key: str, request: Request, pairs: list[tuple[str, str]], headers: dict[str, str]
) -> Response | None:
    """The stored answer for a retried Idempotency-Key, or None for a first use."""
    stored = state.idempotency.get(key)
    if stored is None:
        return None
    fingerprint, status, body, original = stored
    if fingerprint != _fingerprint(request, pairs):
        return _error(
            StripeError(
                400,
                f"Keys for idempotent requests can only be used with the same parameters they were first used "
                f"with. Try using a key other than '{key}' if you meant to execute a different request.",
                type="idempotency_error",
            ),
            headers,
        )
    return json_response(
        body,
        status,
        headers | {"Idempotency-Key": key, "Idempotent-Replayed": "true", "Original-Request": original},
    )


def _error(error: StripeError, headers: dict[str, str]) -> Response:
    return json_response(error.body(), error.status, headers)
