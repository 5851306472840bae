"""Pure ASGI middleware: request ids, access logs, rate-limit headers, and the edge guard.

Written against ASGI directly rather than BaseHTTPMiddleware, which copies
every response body through a task group and costs real time on hot paths.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from valetkey.api.errors import error_body
from valetkey.api.limits import EdgeLimits, json_depth_exceeds, lone_surrogate_path, url_problem

access_log = logging.getLogger("valetkey.access")
log = logging.getLogger("valetkey.api")
_VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def new_request_id() -> str:
    """``req_`` and 20 random hex digits (one urandom call: `uuid.uuid4()` was ~1.5% of an execution)."""
    return "req_" + os.urandom(10).hex()


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


_Answer = Callable[[int, str, str, str], Awaitable[None]]
"""Sends the guard's own error answer (status, message, slug, fix), then raises `_Answered`."""


class _Answered(Exception):
    """The guard has sent its own response; whatever the app does next is dropped."""


_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _inspects_json(scope: Scope) -> bool:
    """JSON bodies (or bodies without a content type, which routes parse as JSON) are read and checked whole."""
    if scope["method"] not in _BODY_METHODS:
        return False
    for name, value in scope["headers"]:
        if name == b"content-type":
            return b"json" in value.lower()
    return True


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None


def _is_chunked(scope: Scope) -> bool:
    return any(name == b"transfer-encoding" for name, _ in scope["headers"])


class EdgeGuard:
    """Bounds every request before routing, and turns any unhandled error into a clean 500.

    - The URL: a NUL or control byte, or invalid UTF-8 (how a lone surrogate
      travels), in the path or a query parameter is a 400 naming it.
    - The body: more than `EdgeLimits.max_bytes_for(path)` bytes is a 413,
      refused from ``Content-Length`` before reading, or while reading a
      chunked body; a body not fully sent within `body_read_timeout` seconds
      is a 408 (uvicorn's timeouts only cover idle keep-alive connections).
    - JSON bodies are read whole, then checked: nesting deeper than
      `max_json_depth` is a 400 (the parsers recurse), and so is a string with
      a lone surrogate (``"\\ud800"``: valid JSON, not storable text).
    - An exception no handler took becomes the error object with status 500
      and ``Connection: close``, so keep-alive clients do not reuse a
      connection the server is dropping.

    Every answer is the documented error object; the guard's own answers
    also close the connection, since the rest of the body is never read.
    """

    def __init__(self, app: ASGIApp, *, limits: EdgeLimits):
        self.app = app
        self.limits = limits
        self.watchdog = _Watchdog(tick=min(0.25, limits.body_read_timeout / 4))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limits = self.limits
        problem = url_problem(scope.get("raw_path") or scope["path"].encode(), scope.get("query_string", b""))
        if problem:
            where, why = problem
            await _answer(scope, send, 400, f"The {where} {why}", "ValidationError", _TEXT_FIX)
            return
        max_bytes = limits.max_bytes_for(scope["path"])
        length = _content_length(scope)
        if length is not None and length > max_bytes:
            await _answer(scope, send, 413, _too_large(max_bytes), "BodyTooLarge", _SIZE_FIX)
            return

        answered = False
        started = False
        # Without a body there is nothing to bound: receive() only reports the disconnect.
        body_done = not (length or _is_chunked(scope))
        received = 0
        deadline = asyncio.get_running_loop().time() + limits.body_read_timeout

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if answered:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        async def answer(status: int, message: str, slug: str, fix: str) -> None:
            nonlocal answered
            if not started and not answered:
                answered = True
                await _answer(scope, send, status, message, slug, fix)
            raise _Answered

        async def bounded_receive() -> Message:
            nonlocal body_done, received
            if body_done:  # after the body, receive only waits for the disconnect: no deadline
                return await receive()
            try:
                message = await self.watchdog.receive(receive, deadline)
            except TimeoutError:
                await answer(408, _timeout(limits.body_read_timeout), "BodyReadTimeout", _TIMEOUT_FIX)
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > max_bytes:
                    await answer(413, _too_large(max_bytes), "BodyTooLarge", _SIZE_FIX)
                body_done = not message.get("more_body", False)
            else:
                body_done = True
            return message

        app_receive: Receive = bounded_receive
        try:
            if not body_done and _inspects_json(scope):
                app_receive = await self._checked_json(bounded_receive, answer)
            await self.app(scope, app_receive, guarded_send)
        except _Answered:
            return
        except Exception:
            if answered:
                return
            if started:
                raise  # the server closes the connection; nothing else can be said
            log.exception("unhandled error", extra={"request_id": _request_id(scope)})
            await _answer(scope, send, 500, "Internal server error", "InternalServerError", _RETRY_FIX)

    async def _checked_json(self, receive: Receive, answer: _Answer) -> Receive:
        """Read the whole body, check it, and return a receive that replays it."""
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return _replay(b"".join(chunks), receive, final=message)
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if json_depth_exceeds(body, self.limits.max_json_depth):
            await answer(
                400,
                f"The JSON body nests arrays and objects deeper than {self.limits.max_json_depth} levels",
                "JsonTooDeep",
                "Flatten the request body.",
            )
        where = lone_surrogate_path(body)
        if where:
            await answer(
                400,
                f"{where} contains a lone surrogate (not valid Unicode text)",
                "ValidationError",
                _TEXT_FIX,
            )
        return _replay(body, receive)


class _Watchdog:
    """Cuts body reads that pass their deadline, with one timer for all requests.

    A per-read ``asyncio.timeout`` costs a timer handle on every request; here a
    read costs a dict insert, and one task wakes every `tick` seconds while any
    read is pending, cancelling those past their deadline. A cut read raises
    TimeoutError, at most `tick` seconds late.
    """

    def __init__(self, tick: float):
        self.tick = tick
        self.pending: dict[asyncio.Task[Any], float] = {}
        self.expired: set[asyncio.Task[Any]] = set()
        self._runner: asyncio.Task[None] | None = None

    async def receive(self, receive: Receive, deadline: float) -> Message:
        task = asyncio.current_task()
        assert task is not None
        self.pending[task] = deadline
        if self._runner is None or self._runner.done():
            self._runner = asyncio.get_running_loop().create_task(self._run())
        try:
            return await receive()
        except asyncio.CancelledError:
            if task not in self.expired:
                raise
            self.expired.discard(task)
            task.uncancel()
            raise TimeoutError from None
        finally:
            self.pending.pop(task, None)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while self.pending:
            await asyncio.sleep(self.tick)
            now = loop.time()
            for task, deadline in list(self.pending.items()):
                if deadline <= now and task not in self.expired:
                    self.expired.add(task)
                    task.cancel()


def _replay(body: bytes, receive: Receive, final: Message | None = None) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        if final is not None:
            return final
        return await receive()

    return replay


_TEXT_FIX = (
    "Send ids, names and query values as printable UTF-8 text, without NUL bytes or control characters."
)
_SIZE_FIX = "Send a smaller body; stage large files with POST /api/v3/files/upload/request."
_TIMEOUT_FIX = "Send the whole body promptly; check the Content-Length you declare."
_RETRY_FIX = "Retry later; if it persists, report the request_id to the operator."


def _too_large(limit: int) -> str:
    return f"The request body is larger than the limit of {limit} bytes"


def _timeout(seconds: float) -> str:
    return f"The request body was not received within {seconds:g} seconds"


def _request_id(scope: Scope) -> str:
    return scope.get("state", {}).get("request_id") or "req_unknown"


async def _answer(scope: Scope, send: Send, status: int, message: str, slug: str, fix: str) -> None:
    payload = error_body(
        message=message, status=status, request_id=_request_id(scope), slug=slug, suggested_fix=fix
    )
    body = json.dumps(payload).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
