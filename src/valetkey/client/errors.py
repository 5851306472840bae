"""One exception hierarchy for every failure, carrying the server's error object.

The server answers every error as ``{"error": {"message", "status", "slug", "request_id",
"suggested_fix", ...}}``; `APIError` keeps each of those fields, and its subclass says which
status class it was, so ``except NotFoundError`` reads as what it means.
"""

from __future__ import annotations

from typing import Any

import httpx

from valetkey.client.retry import retry_after_seconds


class ValetkeyError(Exception):
    """Anything this client raises."""


class TransportError(ValetkeyError):
    """The request did not get an answer: connection refused or reset, DNS, TLS."""


class TimeoutError(TransportError):
    """The server did not answer within the client's timeout."""


class APIError(ValetkeyError):
    """The server answered with an error object."""

    def __init__(
        self,
        message: str,
        *,
        status: int,
        slug: str | None = None,
        suggested_fix: str | None = None,
        request_id: str | None = None,
        body: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.slug = slug
        self.suggested_fix = suggested_fix
        self.request_id = request_id
        self.body = body or {}

    def __str__(self) -> str:
        parts = [f"{self.status} {self.slug or 'Error'}: {self.message}"]
        if self.suggested_fix:
            parts.append(f"fix: {self.suggested_fix}")
        if self.request_id:
            parts.append(f"request_id: {self.request_id}")
        return " | ".join(parts)


class BadRequestError(APIError):
    """400: the request was refused as it is (an unknown field, an ambiguous combination...)."""


class AuthenticationError(APIError):
    """401: no API key, or a key the server does not know."""


class PermissionDeniedError(APIError):
    """403: the key may not do this."""


class NotFoundError(APIError):
    """404: no such resource in the key's project."""


class ConflictError(APIError):
    """409: the resource's state forbids it (a taken name, a concurrent update)."""


class UnprocessableError(APIError):
    """422: well formed, but it cannot be done (arguments a tool refuses...)."""


class RateLimitError(APIError):
    """429, after the client's retries ran out; `retry_after` is the server's last hint in seconds."""

    retry_after: float | None = None


class ServerError(APIError):
    """5xx: the server or the app behind it failed."""


_BY_STATUS: dict[int, type[APIError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableError,
    429: RateLimitError,
}


def error_from_response(response: httpx.Response) -> APIError:
    """The exception a non-2xx answer stands for, with the error object's fields."""
    status = response.status_code
    try:
        document = response.json()
    except ValueError:
        document = None
    error = document.get("error") if isinstance(document, dict) else None
    if not isinstance(error, dict):  # not the documented object (a proxy in front, a plain-text 502)
        error = {"message": (response.text or response.reason_phrase or "").strip()[:500]}
    cls = _BY_STATUS.get(status) or (ServerError if status >= 500 else APIError)
    exc = cls(
        str(error.get("message") or f"HTTP {status}"),
        status=status,
        slug=error.get("slug"),
        suggested_fix=error.get("suggested_fix"),
        request_id=error.get("request_id") or response.headers.get("x-request-id"),
        body=document if isinstance(document, dict) else None,
    )
    if isinstance(exc, RateLimitError):
        exc.retry_after = retry_after_seconds(response.headers.get("retry-after"))
    return exc
