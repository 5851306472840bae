"""The documented error object and the handlers that make every failure use it.

The error classes themselves live in `valetkey.core.errors` (the whole
hierarchy, documented there); this module is where the HTTP layer turns them,
FastAPI's validation errors and anything unexpected into a response.

Every error leaves the server as::

    {"error": {"message": ..., "status": ..., "request_id": ..., "suggested_fix": ...,
               "code": ..., "slug": ...}}

`message`, `status`, `request_id` and `suggested_fix` are the documented fields;
`code` and `slug` are a stable machine-readable name for the error kind.
"""

from __future__ import annotations

import functools
import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path

from valetkey.core.errors import ApiError
from valetkey.core.validation import UNSUPPORTED

log = logging.getLogger("valetkey.api")
HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def request_id_of(request: Request) -> str:
    return getattr(request.state, "request_id", None) or "req_unknown"


def error_body(
    *, message: str, status: int, request_id: str, slug: str, suggested_fix: str | None = None, **extra: Any
) -> dict[str, Any]:
    error: dict[str, Any] = {
        "message": message,
        "status": status,
        "request_id": request_id,
        "suggested_fix": suggested_fix,
        "code": status,
        "slug": slug,
    }
    error.update(extra)
    return {"error": error}


def _response(
    request: Request, status: int, message: str, slug: str, suggested_fix=None, headers=None, **extra
):
    body = error_body(
        message=message,
        status=status,
        request_id=request_id_of(request),
        slug=slug,
        suggested_fix=suggested_fix,
        **extra,
    )
    return JSONResponse(body, status_code=status, headers=headers)


def _field_path(loc: tuple[Any, ...]) -> str:
    """The dotted field name; only the first item says where it came from (a field may be named `body`)."""
    parts = [str(p) for p in (loc[1:] if loc and loc[0] in ("body", "query", "path", "header") else loc)]
    return ".".join(parts) or str(loc[0] if loc else "request")


def _error_message(kind: str, field: str, msg: str) -> tuple[str, str]:
    """(the error's own message, the sentence that leads the response) for one pydantic error."""
    if kind == "extra_forbidden":
        text = "is not a field of this request; this server refuses fields it would ignore"
        return text, f"`{field}` {text}"
    if kind == UNSUPPORTED:
        text = f"is not supported by this server: {msg}; omit it or send it empty"
        return text, f"`{field}` {text}"
    return msg, f"Invalid request: {field}: {msg}"


def _describe_validation(errors: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    details, leads = [], []
    for err in errors:
        loc = tuple(err.get("loc", ()))
        field = _field_path(loc)
        text, lead = _error_message(str(err.get("type", "")), field, str(err.get("msg", "")))
        details.append({"field": field, "in": loc[0] if loc else "body", "message": text})
        leads.append(lead)
    message = leads[0] if leads else "Invalid request: request: invalid"
    if len(details) > 1:
        message += f" (and {len(details) - 1} more)"
    return message, details


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError):
        return _response(
            request, exc.status, exc.message, exc.slug, exc.suggested_fix, exc.headers, **exc.extra
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        message, details = _describe_validation(list(exc.errors()))
        return _response(
            request,
            400,
            message,
            "ValidationError",
            "Check the named field against the API reference.",
            errors=details,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        slug = {404: "NotFound", 405: "MethodNotAllowed"}.get(exc.status_code, "HTTPError")
        message = exc.detail if isinstance(exc.detail, str) else "HTTP error"
        if exc.status_code == 404 and message == "Not Found":
            path = request.scope.get("state", {}).get("original_path") or request.url.path
            message = f"No route for {request.method} {path}"
        headers = getattr(exc, "headers", None)
        fix = None
        if exc.status_code == 404:
            fix = "Check the method and path against the API reference (GET /openapi.json lists every route)."
        if exc.status_code == 405:
            allowed = _allowed_methods(request)
            headers = {**(headers or {}), "Allow": allowed}
            fix = f"This path answers {allowed}."
        return _response(request, exc.status_code, message, slug, fix, headers=headers)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        log.exception("unhandled error", extra={"request_id": request_id_of(request)})
        # Starlette re-raises after this answer and the server drops the connection: say so.
        return _response(
            request,
            500,
            "Internal server error",
            "InternalServerError",
            "Retry later; if it persists, report the request_id to the operator.",
            headers={"connection": "close"},
        )


@functools.lru_cache(maxsize=8)  # one table per app; tests build many apps
def _route_table(app: FastAPI) -> tuple[tuple[re.Pattern[str], int, frozenset[str]], ...]:
    """(path pattern, number of path parameters, methods) of every HTTP route, included routers too."""
    table = []
    for route in iter_route_contexts(app.router.routes):
        if route.path and route.methods:
            table.append((compile_path(route.path)[0], route.path.count("{"), frozenset(route.methods)))
    return tuple(table)


def _allowed_methods(request: Request) -> str:
    """The methods the path serves. Starlette names only those of the first route that matches the
    path, and one path is often served by several routes (GET and POST /auth_configs). Where a path
    fits several templates, the most literal wins (/mcp/servers over /mcp/{server_id})."""
    path = request.scope.get("path", "")
    fits = [
        (params, methods) for pattern, params, methods in _route_table(request.app) if pattern.match(path)
    ]
    fewest = min((params for params, _ in fits), default=0)
    allowed = set().union(*(methods for params, methods in fits if params == fewest))
    return ", ".join(sorted(allowed, key=HTTP_METHODS.index))
