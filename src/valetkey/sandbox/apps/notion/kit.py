"""How every Notion emulator route behaves: token, Notion-Version, rate limit, errors, cursors.

Notion answers errors as ``{"object": "error", "status", "code", "message",
"request_id"}``: 401 ``unauthorized`` for a bad token, 400 ``missing_version``
without a ``Notion-Version`` header, 404 ``object_not_found`` for anything the
integration cannot see, 400 ``validation_error`` for bad input, 429
``rate_limited`` with ``Retry-After``. Lists are ``{"object": "list",
"results", "next_cursor", "has_more", "type"}`` paged by ``start_cursor`` /
``page_size`` (at most 100).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from valetkey.sandbox.emulator import StateStore
from valetkey.sandbox.emulator_http import json_response, read_json_body, request_token
from valetkey.sandbox.oauth2 import OAuth2Provider

from .state import NotionState, User

VERSIONS = ("2022-06-28", "2025-09-03")


class NotionError(Exception):
    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}

    def body(self) -> dict[str, Any]:
        return {
            "object": "error",
            "status": self.status,
            "code": self.code,
            "message": self.message,
            "request_id": str(uuid.uuid4()),
        }


def invalid(message: str) -> NotionError:
    return NotionError(400, "validation_error", message)


def not_found(kind: str, object_id: str) -> NotionError:
    return NotionError(
        404,
        "object_not_found",
        f"Could not find {kind} with ID: {object_id}. Make sure the "
        "relevant pages and databases are shared with your integration.",
    )


@dataclass
class Call:
    request: Request
    state: NotionState
    user: User
    body: dict[str, Any]

    @property
    def params(self) -> dict[str, str]:
        return self.request.path_params

    def query(self, name: str) -> str | None:
        return self.request.query_params.get(name)

    def page_of(
        self, items: list[dict[str, Any]], kind: str, *, source: dict[str, Any] | None = None
    ) -> dict:
        """One page of `items` (each with an `id`) by ``start_cursor``/``page_size``."""
        source = self.body if source is None else source
        raw_size = source.get("page_size", 100)
        try:
            size = int(raw_size)
        except (TypeError, ValueError):
            raise invalid("body.page_size should be a number.") from None
        if not 1 <= size <= 100:
            raise invalid(f"page_size should be ≤ 100 and ≥ 1, instead was `{size}`.")
        cursor = source.get("start_cursor")
        start = 0
        if cursor:
            ids = [item["id"] for item in items]
            if cursor not in ids:
                raise invalid(f"start_cursor provided is invalid: {cursor}")
            start = ids.index(cursor)
        chunk = items[start : start + size]
        more = start + size < len(items)
        return {
            "object": "list",
            "results": chunk,
            "next_cursor": items[start + size]["id"] if more else None,
            "has_more": more,
            "type": kind,
            kind: {},
            "request_id": str(uuid.uuid4()),
        }


Handler = Callable[[Call], Any]


@dataclass
class Notion:
    store: StateStore[NotionState]
    oauth2: OAuth2Provider
    _windows: dict[str, tuple[float, int]] = field(default_factory=dict)

    def reset(self) -> None:
        self._windows.clear()

    def route(self, method: str, path: str, handler: Handler) -> Route:
        async def endpoint(request: Request) -> Response:
            try:
                return json_response(await self._handle(request, handler))
            except NotionError as error:
                return json_response(error.body(), error.status, error.headers)

        return Route(path, endpoint, methods=[method])

    async def _handle(self, request: Request, handler: Handler) -> Any:
        token = request_token(request)
        grant = self.oauth2.validate_access_token(token) if token else None
        if not token or grant is None:
            raise NotionError(401, "unauthorized", "API token is invalid.")
        version = request.headers.get("notion-version")
        if not version:
            raise NotionError(
                400,
                "missing_version",
                "Notion-Version header failed validation: "
                "Notion-Version header should be defined, instead was `undefined`.",
            )
        if version not in VERSIONS:
            raise invalid(f"Notion-Version header failed validation: `{version}` is not a supported version.")
        self._spend(token)
        body, ok = await read_json_body(request)
        if not ok or (body is not None and not isinstance(body, dict)):
            raise NotionError(400, "invalid_json", "Error parsing JSON body.")
        with self.store.transaction() as state:
            return handler(Call(request, state, state.user_for(grant.subject), body or {}))

    def _spend(self, token: str) -> None:
        with self.store.transaction() as state:
            limit = state.rate_limit_per_second
        now = time.time()
        start, used = self._windows.get(token, (now, 0))
        if now >= start + 1:
            start, used = now, 0
        if used >= limit:
            raise NotionError(
                429,
                "rate_limited",
                "You have been rate limited. Please try again in a few minutes.",
                {"Retry-After": "1"},
            )
        self._windows[token] = (start, used + 1)
