"""Small HTTP helpers shared by the emulator routes: strict form parsing, JSON errors."""

from __future__ import annotations

import json
from collections.abc import Mapping

from starlette.requests import Request
from starlette.responses import JSONResponse

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class BadRequest(Exception):
    """A malformed request body or parameter set; answered as 400 ``invalid_request``."""


def single_values(items: list[tuple[str, str]]) -> dict[str, str]:
    """Parameters as a dict, refusing repeats (RFC 6749 §3.1: parameters MUST NOT repeat)."""
    values: dict[str, str] = {}
    for name, value in items:
        if name in values:
            raise BadRequest(f"parameter {name!r} is repeated")
        values[name] = value
    return values


async def read_form(request: Request) -> list[tuple[str, str]]:
    """The urlencoded body as (name, value) pairs; other content types are refused."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        raise BadRequest("the body must be application/x-www-form-urlencoded")
    form = await request.form()
    return [(name, value) for name, value in form.multi_items() if isinstance(value, str)]


async def read_json(request: Request) -> dict:
    """A JSON object body (empty body = ``{}``) for the admin routes."""
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        raise BadRequest("the body must be a JSON object") from None
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object")
    return body


def error_response(
    error: str, description: str, status: int = 400, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(
        {"error": error, "error_description": description}, status, headers={**NO_STORE, **(headers or {})}
    )
