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

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

# Re-exported until scripts/relayer.py points their importers at valetkey.core.errors.
from valetkey.core.errors import (  # noqa: F401
    ApiError,
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    TooManyRequests,
    Unauthorized,
    Unprocessable,
    ValidationError,
)

log = logging.getLogger("valetkey.api")


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
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or str(loc[0] if loc else "request")


def _describe_validation(errors: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    details = []
    for err in errors:
        loc = tuple(err.get("loc", ()))
        details.append(
            {"field": _field_path(loc), "in": loc[0] if loc else "body", "message": err.get("msg", "")}
        )
    first = details[0] if details else {"field": "request", "message": "invalid"}
    message = f"Invalid request: {first['field']}: {first['message']}"
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
        return _response(request, exc.status_code, message, slug, headers=getattr(exc, "headers", None))

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
