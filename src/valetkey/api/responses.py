"""What the API description says about responses: the error object and the statuses each route answers.

Every route declares its success schema and its error statuses next to its
decorator, with `documented(...)`::

    @router.get("/toolkits/{slug}", responses=documented(ToolkitDetail, 404))

Declarations go through `responses=` rather than `response_model=`: FastAPI
re-validates and filters a `response_model` on every response, which costs
time on hot routes and can drop fields; `responses=` only describes. The
schemas are checked against what the server really sends by schemathesis
(tests/test_fuzz_openapi.py).

Statuses every key-authenticated route can answer are declared for all of
them: 400 (validation; the server never answers FastAPI's 422
`HTTPValidationError`, see `install_error_handlers`), 401 (missing or wrong
key) and 429 (rate limit). `tidy_openapi` removes the 422s FastAPI adds by
itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")
API_PREFIX = "/api/v3.1"  # where the feature routers are mounted (api.app); links name full paths


class Wire(BaseModel):
    """Base of response models: they describe what the server sends, and allow more (as the SDK's do)."""

    model_config = ConfigDict(extra="allow")


class Page(Wire, Generic[T]):
    """The cursor-paginated envelope of list routes."""

    items: list[T]
    next_cursor: str | None
    total_items: int
    current_page: int
    total_pages: int


class ErrorObject(BaseModel):
    """The documented error fields (`api/errors.py`); some errors add fields (`errors`, ...)."""

    model_config = ConfigDict(extra="allow")

    message: str
    status: int
    request_id: str
    suggested_fix: str | None = None
    code: int
    slug: str


class ErrorBody(BaseModel):
    """Every 4xx and 5xx answer of the API: `{"error": {...}}`."""

    error: ErrorObject


class Success(Wire):
    """`{"success": true}` and friends."""

    success: bool = Field(examples=[True])


class Health(Wire):
    """`GET /health`: `{"status": "ok", "version": ...}`, or 503 `{"status": "unavailable", "database": "down"}`."""

    status: str = Field(examples=["ok"])
    version: str | None = None
    database: str | None = None


_ERROR = {"model": ErrorBody}
DESCRIPTIONS = {
    400: "Invalid request: a field, parameter or body is wrong (the error names it)",
    401: "Missing or invalid API key",
    403: "Forbidden",
    404: "Not found in this project",
    409: "Conflict with the current state",
    410: "Gone: a retired endpoint (the error says what replaced it)",
    413: "Payload too large",
    422: "Valid request that cannot be carried out (for example, a connection without usable credentials)",
    429: "Rate limit exceeded; retry after the Retry-After header",
    500: "The upstream or a tool failed in a way the server could not classify",
    502: "The upstream service could not be reached or answered badly",
    503: "The server or a dependency is unavailable",
    504: "The upstream service timed out",
}
AUTHENTICATED = (400, 401, 429)


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """Error statuses, each with the error object and a description."""
    return {status: {**_ERROR, "description": DESCRIPTIONS[status]} for status in statuses}


ERRORS_AUTH = errors(*AUTHENTICATED)
ERRORS_404 = errors(404)


def link(operation: str, **parameters: str) -> dict[str, Any]:
    """An OpenAPI link from a response to the route `operation` ("GET /auth_configs/{nanoid}", under
    the API prefix), its path parameters read from the response (`"$response.body#/id"`).

    Links let a client (and schemathesis' stateful tests) chain create -> get, update, delete.
    """
    method, path = operation.split(" ", 1)
    pointer = (API_PREFIX + path).replace("~", "~0").replace("/", "~1")
    return {"operationRef": f"#/paths/{pointer}/{method.lower()}", "parameters": parameters}


def body_example(example: dict[str, Any]) -> dict[str, Any]:
    """`openapi_extra=` adding a request-body example (schemathesis starts its chains from it)."""
    return {"requestBody": {"content": {"application/json": {"example": example}}}}


def documented(
    model: Any,
    *statuses: int,
    status: int = 200,
    public: bool = False,
    description: str | None = None,
    links: dict[str, dict[str, Any]] | None = None,
) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route: its success `model` at `status`, and its error statuses.

    Key-authenticated routes (all but `public=True` ones) also get 400, 401 and 429.
    """
    codes = sorted(set(statuses) | (set() if public else set(AUTHENTICATED)))
    success: dict[str, Any] = {"model": model}
    if description:
        success["description"] = description
    if links:
        success["links"] = links
    return {status: success, **errors(*codes)}


def _keep_only_ref(media: dict[str, Any]) -> None:
    """A declared model wins over the `dict[str, Any]` FastAPI infers from a return annotation."""
    schema = media.get("schema")
    if isinstance(schema, dict) and "$ref" in schema:
        media["schema"] = {"$ref": schema["$ref"]}


HEALTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"model": Health, "description": "The server can serve"},
    503: {"model": Health, "description": "The database is unreachable"},
}


def tidy_openapi(app: FastAPI) -> None:
    """Make `app.openapi()` say only what the server does.

    - Leave out the 422 `HTTPValidationError` FastAPI documents by itself: the
      server answers validation errors with a 400 error object (`install_error_handlers`).
    - Where a route declares a model, drop the "any object" FastAPI infers from
      a `-> dict[str, Any]` annotation and merges into the same schema.
    """
    build: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = build()
        for item in schema.get("paths", {}).values():
            for operation in item.values():
                responses = operation.get("responses", {}) if isinstance(operation, dict) else {}
                if "HTTPValidationError" in str(responses.get("422", "")):
                    del responses["422"]
                for response in responses.values():
                    for media in response.get("content", {}).values():
                        _keep_only_ref(media)
        components = schema.get("components", {}).get("schemas", {})
        for name in ("HTTPValidationError", "ValidationError"):
            components.pop(name, None)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
