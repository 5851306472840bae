"""Checks of the documented error object (`valetkey.api.errors`) as clients receive it."""

from __future__ import annotations

from typing import Any

import httpx


def assert_error(response: httpx.Response, status: int, *, contains: str | None = None) -> dict[str, Any]:
    """The documented error object, with the right status; returns its ``error`` member."""
    assert response.status_code == status, response.text
    body = response.json()
    error = body["error"]
    assert error["status"] == status
    assert error["message"]
    assert error["request_id"] == response.headers["x-request-id"]
    if contains:
        assert contains.lower() in error["message"].lower(), error["message"]
    return error
