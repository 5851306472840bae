"""`POST /api/v3.1/tools/execute/{tool_slug}` served before FastAPI's router.

The execute route is the server's hot path. Behind FastAPI it pays for the
route table walk (over twenty included routers, each matched in turn: ~10% of
an execution's CPU at load) and for the framework's per-route wrapping
(request/response adapters, the exit-stack middleware, the exception
middleware): together about a fifth of the server's CPU for a request whose
own handler takes no dependencies. This innermost middleware recognises the
path itself and calls the same handler the FastAPI route calls
(`routers.execution.execute_response`), so the behaviour is one piece of code.

What it takes is exactly what the route table would have given the generic
execute route: a POST whose last segment is the slug, except `proxy` (its own
route) and `COMPOSIO_*` (the session meta tools, served by the sessions
router). Everything else, the OpenAPI description included, still goes
through FastAPI; `tests/test_fast_routes.py` checks the two agree.

Errors raised by the handler become the documented error object through the
app's own exception handlers, as FastAPI's exception middleware would do; an
exception no handler takes propagates to `EdgeGuard`, which answers 500 as
for any route. With OpenTelemetry tracing on (`telemetry_config`), the path is
left to FastAPI so every request keeps its route span.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette._utils import is_async_callable
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from valetkey.api.routers.execution import execute_response

_SESSION_META_PREFIX = "COMPOSIO_"
_OWN_ROUTES = frozenset({"proxy"})


def fast_slug(path: str, prefix: str) -> str | None:
    """The tool slug when `path` is one the generic execute route serves, else None."""
    if not path.startswith(prefix):
        return None
    slug = path[len(prefix) :]
    if not slug or "/" in slug or slug in _OWN_ROUTES or slug.startswith(_SESSION_META_PREFIX):
        return None
    return slug


class ExecuteFastPath:
    def __init__(self, app: ASGIApp, *, api_prefix: str, enabled: bool = True):
        self.app = app
        self.prefix = api_prefix + "/tools/execute/"
        self.enabled = enabled

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.enabled and scope["type"] == "http" and scope["method"] == "POST":
            slug = fast_slug(scope["path"], self.prefix)
            if slug is not None:
                await self._execute(scope, receive, send, slug)
                return
        await self.app(scope, receive, send)

    async def _execute(self, scope: Scope, receive: Receive, send: Send, slug: str) -> None:
        request = Request(scope, receive, send)
        response: Response
        try:
            response = await execute_response(request, slug)
        except Exception as exc:
            handler = _handler_for(scope, exc)
            if handler is None:
                raise  # EdgeGuard answers 500, as for an unhandled error in any route
            if is_async_callable(handler):
                response = await handler(request, exc)
            else:
                response = await run_in_threadpool(handler, request, exc)
            exc.__traceback__ = None
        await response(scope, receive, send)


def _handler_for(scope: Scope, exc: Exception) -> Callable[[Request, Exception], Any] | None:
    """The app's handler for `exc`, as Starlette's exception middleware picks it (500s excluded)."""
    handlers = scope["app"].exception_handlers
    if isinstance(exc, HTTPException) and exc.status_code in handlers:
        return handlers[exc.status_code]
    for cls in type(exc).__mro__:
        if cls is Exception or cls is BaseException:
            return None  # Starlette leaves these to ServerErrorMiddleware; here EdgeGuard answers
        if cls in handlers:
            return handlers[cls]
    return None
