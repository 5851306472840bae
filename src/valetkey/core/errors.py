"""Every error a caller of Valetkey can see, in one hierarchy.

Domain code (connections, execution, sessions, ...) raises these; it never
builds an HTTP response. The HTTP layer (`valetkey.api.errors`) turns any
`ApiError` into the documented error object::

    {"error": {"message", "status", "request_id", "suggested_fix", "code", "slug"}}

`status` is the HTTP status the kind maps to; `slug` is its stable
machine-readable name (clients and the SDK branch on it).

The hierarchy (class: status, slug: when it is raised)::

    ApiError                  400 BadRequest      base; raised as is with an explicit status
                                                  and slug for one-off kinds (FileTooLarge 413,
                                                  ToolkitMisconfigured 422, ...)
    ├── BadRequest            400 BadRequest      the request cannot be served as sent
    │   └── ValidationError   400 ValidationError a field or parameter is malformed (also what
    │                                             request-body validation answers)
    ├── Unauthorized          401 Unauthorized    no key, or an unknown or revoked key
    ├── Forbidden             403 Forbidden       the key is valid but may not do this
    ├── NotFound              404 NotFound        a resource does not exist in this project;
    │                                             usually with a specific slug, e.g.
    │                                             connected_account_not_found() ->
    │                                             ConnectedAccountNotFound
    ├── Conflict              409 Conflict        the resource's state forbids the change
    ├── Unprocessable         422 Unprocessable   well-formed, but the referenced things cannot
    │                                             work together
    └── TooManyRequests       429 RateLimited     the project's (or org's) rate limit is spent;
                                                  carries Retry-After headers

Errors that never reach a caller stay next to the code that raises them and
are translated into the classes above (or into a ``successful: false`` tool
result) before a response is built: `catalog.loader.CatalogError` (a broken
toolkit definition, at start-up), `vault.crypto.VaultError` and
`vault.keyring.KeyringError` (keys), `execution.handlers.ToolError` (a Python
tool handler's failure), `connections.request_auth.CredentialError`,
`execution.request.RequestBuildError`, `connections.oauth2_client.TokenError`,
the OAuth flow refusals (`FlowRefused`, `CallbackRefused`, `LinkUnusable`)
and the file store's `FileNotStaged`, `ChecksumMismatch` and `InvalidToken`.

Repeated errors have a factory below, so each is worded in one place.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An error a client can act on. Raise it (or a subclass) anywhere below a route."""

    status = 400
    slug = "BadRequest"

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        slug: str | None = None,
        suggested_fix: str | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ):
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        if slug is not None:
            self.slug = slug
        self.suggested_fix = suggested_fix
        self.headers = headers
        self.extra = extra or {}


class BadRequest(ApiError):
    status, slug = 400, "BadRequest"


class ValidationError(BadRequest):
    """A malformed field, parameter or cursor (the slug request-body validation uses too)."""

    status, slug = 400, "ValidationError"


class Unauthorized(ApiError):
    status, slug = 401, "Unauthorized"


class Forbidden(ApiError):
    status, slug = 403, "Forbidden"


class NotFound(ApiError):
    status, slug = 404, "NotFound"


class Conflict(ApiError):
    status, slug = 409, "Conflict"


class Unprocessable(ApiError):
    status, slug = 422, "Unprocessable"


class TooManyRequests(ApiError):
    status, slug = 429, "RateLimited"


# Factories for errors raised from several places.


def connected_account_not_found(account_id: str, *, suggested_fix: str | None = None) -> NotFound:
    """No connected account `account_id` in the caller's project (404 ConnectedAccountNotFound)."""
    return NotFound(
        f"Connected account {account_id} not found",
        slug="ConnectedAccountNotFound",
        suggested_fix=suggested_fix,
    )
