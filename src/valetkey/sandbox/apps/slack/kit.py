"""How every Slack Web API method behaves in the emulator: arguments, tokens, scopes, errors, limits.

Slack's Web API is RPC: ``GET|POST /api/<method>``, arguments in the query,
a form body or a JSON body, the token in ``Authorization: Bearer`` (or a
``token`` argument). Every answer is HTTP 200 with ``{"ok": true, ...}`` or
``{"ok": false, "error": "channel_not_found"}`` -- a missing token is
``not_authed``, a bad one ``invalid_auth``, a missing scope ``missing_scope``
with ``needed``/``provided`` -- except rate limiting: HTTP 429 with
``Retry-After`` and ``{"ok": false, "error": "ratelimited"}``. Lists page with
an opaque ``cursor`` answered as ``response_metadata.next_cursor``.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, overload

from starlette.requests import Request
from starlette.responses import Response

from valetkey.sandbox.emulator import StateStore
from valetkey.sandbox.emulator_http import json_response, request_token
from valetkey.sandbox.oauth2 import OAuth2Provider

from .state import BOT_ID, BOT_USER_ID, SlackState, User


class SlackError(Exception):
    """``{"ok": false, "error": code, ...extra}``; HTTP 200 like Slack, unless `status` says otherwise."""

    def __init__(self, code: str, status: int = 200, headers: dict[str, str] | None = None, **extra: Any):
        super().__init__(code)
        self.code, self.status, self.headers, self.extra = code, status, headers or {}, extra

    def body(self) -> dict[str, Any]:
        return {"ok": False, "error": self.code, **self.extra}


@dataclass
class Call:
    """One method call as a handler sees it."""

    state: SlackState
    args: dict[str, str]
    user: User
    token_type: str  # "user" or "bot"
    scopes: tuple[str, ...]
    #: Events API events this call causes (the inner ``event`` objects), sent once it succeeds.
    events: list[dict[str, Any]] = field(default_factory=list)

    @property
    def is_bot(self) -> bool:
        return self.token_type == "bot"

    @overload
    def arg(self, name: str, *, required: Literal[True]) -> str: ...
    @overload
    def arg(self, name: str, *, required: bool = False) -> str | None: ...
    def arg(self, name: str, *, required: bool = False) -> str | None:
        """The argument `name`; an empty value counts as absent (None, or ``invalid_arguments`` if `required`)."""
        value = self.args.get(name)
        if value in (None, "") and required:
            raise SlackError(
                "invalid_arguments",
                response_metadata={"messages": [f"[ERROR] missing required field: {name}"]},
            )
        return value if value not in ("",) else None

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.args.get(name)
        if value is None or value == "":
            return default
        return value.lower() in ("true", "1")

    def number(self, name: str, default: int, *, maximum: int | None = None) -> int:
        try:
            value = int(self.args.get(name) or default)
        except ValueError:
            raise SlackError(
                "invalid_arguments", response_metadata={"messages": [f"[ERROR] {name} must be an integer"]}
            ) from None
        return min(max(value, 1), maximum) if maximum else max(value, 1)


Handler = Callable[[Call], dict[str, Any]]


@dataclass(frozen=True)
class Method:
    handler: Handler
    # Any one of these scopes allows the call (Slack: channels:history for public, groups:history private...).
    scopes: tuple[str, ...] = ()
    user_token_only: bool = False


def encode_cursor(offset: int) -> str:
    return base64.b64encode(f"next:{offset}".encode()).decode()


def page(call: Call, items: list[Any], key: str, *, default_limit: int = 100) -> dict[str, Any]:
    """Slice `items` by `cursor`/`limit`; ``response_metadata.next_cursor`` is empty on the last page."""
    limit = call.number("limit", default_limit, maximum=1000)
    cursor = call.arg("cursor")
    start = 0
    if cursor:
        try:
            kind, _, offset = base64.b64decode(cursor.encode(), validate=True).decode().partition(":")
            start = int(offset)
            if kind != "next" or start < 0:
                raise ValueError
        except ValueError:
            raise SlackError("invalid_cursor") from None
    chunk = items[start : start + limit]
    more = start + limit < len(items)
    return {
        key: chunk,
        "has_more": more,
        "response_metadata": {"next_cursor": encode_cursor(start + limit) if more else ""},
    }


@dataclass
class Slack:
    """The emulator's shared parts; `endpoint` serves every ``/api/<method>``."""

    store: StateStore[SlackState]
    bots: OAuth2Provider
    users: OAuth2Provider
    methods: dict[str, Method] = field(default_factory=dict)
    #: Sends a call's events (`events.SlackEvents.emit`).
    emitter: Callable[[SlackState, dict[str, Any]], Any] | None = None
    _windows: dict[tuple[str, str], tuple[float, int]] = field(default_factory=dict)

    def reset(self) -> None:
        self._windows.clear()

    async def endpoint(self, request: Request) -> Response:
        name = request.path_params["method"]
        try:
            args = dict(request.query_params)
            args.update(await _body_arguments(request))
            token = request_token(request) or args.pop("token", None)
            args.pop("token", None)
            method = self.methods.get(name)
            if method is None:
                raise SlackError("unknown_method", status=404)
            if not token:
                raise SlackError("not_authed")
            grant, token_type = self._grant(token)
            if grant is None:
                raise SlackError("invalid_auth")
            self._spend(token, name)
            if method.scopes and not set(method.scopes) & set(grant.scopes):
                raise SlackError(
                    "missing_scope", needed=",".join(method.scopes), provided=",".join(grant.scopes)
                )
            if method.user_token_only and token_type == "bot":
                raise SlackError("not_allowed_token_type")
            with self.store.transaction() as state:
                user = state.users[BOT_USER_ID] if token_type == "bot" else state.ensure_user(grant.subject)
                call = Call(state, args, user, token_type, grant.scopes)
                body = method.handler(call)
                if self.emitter is not None:
                    for event in call.events:
                        self.emitter(state, event)
        except SlackError as error:
            return json_response(error.body(), error.status, error.headers)
        return json_response({"ok": True, **body}, 200, {"X-OAuth-Scopes": ",".join(grant.scopes)})

    def _grant(self, token: str):
        for provider, kind in ((self.users, "user"), (self.bots, "bot")):
            grant = provider.validate_access_token(token)
            if grant is not None:
                return grant, kind
        return None, None

    def _spend(self, token: str, method: str) -> None:
        """A fixed one-minute window per token and method; over the limit is 429 with Retry-After."""
        with self.store.transaction() as state:
            limit = state.rate_limit_per_minute
        now = time.time()
        start, used = self._windows.get((token, method), (now, 0))
        if now >= start + 60:
            start, used = now, 0
        if used >= limit:
            retry = max(1, int(start + 60 - now + 0.999))
            raise SlackError("ratelimited", status=429, headers={"Retry-After": str(retry)})
        self._windows[(token, method)] = (start, used + 1)


async def _body_arguments(request: Request) -> dict[str, str]:
    """Form or JSON body arguments as strings (JSON values other than strings are re-encoded)."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if request.method != "POST":
        return {}
    if kind == "application/json":
        raw = await request.body()
        try:
            data = json.loads(raw) if raw.strip() else {}
        except ValueError:
            raise SlackError("invalid_json") from None
        if not isinstance(data, dict):
            return {}
        return {
            k: v if isinstance(v, str) else json.dumps(v) if not isinstance(v, bool) else str(v).lower()
            for k, v in data.items()
        }
    if kind in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.form()
        return {k: v for k, v in form.multi_items() if isinstance(v, str)}
    return {}


def bot_fields(call: Call) -> dict[str, Any]:
    return {"bot_id": BOT_ID} if call.is_bot else {}
