"""Pure ASGI middleware: request ids, access logs and rate-limit headers.

Written against ASGI directly rather than BaseHTTPMiddleware, which copies
every response body through a task group and costs real time on hot paths.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

access_log = logging.getLogger("valetkey.access")
_VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def new_request_id() -> str:
    return "req_" + uuid.uuid4().hex[:20]


class RequestContextMiddleware:
    """Assigns the request id (from `x-request-id` when sane), echoes it, logs the request."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = None
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                incoming = value.decode("latin-1")
                break
        request_id = incoming if incoming and _VALID_ID.match(incoming) else new_request_id()
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        started = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = MutableHeaders(scope=message)
                headers["x-request-id"] = request_id
                decision = state.get("rate_limit")
                if decision is not None:
                    for key, value in decision.headers().items():
                        headers[key] = value
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            if access_log.isEnabledFor(logging.INFO):
                access_log.info(
                    "%s %s %s",
                    scope["method"],
                    scope["path"],
                    status,
                    extra={
                        "request_id": request_id,
                        "status": status,
                        "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                        "project_id": state.get("project_id"),
                    },
                )


class ApiVersionAlias:
    """Serves `legacy` paths (``/api/v3/...``) with the `current` routes (``/api/v3.1/...``).

    A rewrite before routing rather than a second copy of every route: the
    route table is walked on every request, so it stays half as long.
    """

    def __init__(self, app: ASGIApp, *, legacy: str, current: str):
        self.app = app
        self.legacy = legacy
        self.current = current
        self._legacy_raw = legacy.encode()
        self._current_raw = current.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(self.legacy):
            scope = dict(scope)
            # Errors quote the path the client asked for, not the rewritten one.
            scope.setdefault("state", {})["original_path"] = scope["path"]
            scope["path"] = self.current + scope["path"][len(self.legacy) :]
            raw = scope.get("raw_path")
            if raw is not None and raw.startswith(self._legacy_raw):
                scope["raw_path"] = self._current_raw + raw[len(self._legacy_raw) :]
        await self.app(scope, receive, send)
