"""Helpers for Python tool handlers of the Google toolkits (Calendar, Drive, Sheets).

A handler calls the API through `context.request` (base URL and OAuth token
applied by the executor); `call` turns a failed answer into a `ToolError`
carrying the same ``{"status_code", "message"}`` data an HTTP tool reports,
so callers see one failure shape whatever kind of tool failed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from valetkey.execution.handlers import ToolContext, ToolError
from valetkey.execution.outcome import decode_body, tool_result


async def call(
    context: ToolContext,
    method: str,
    path: str,
    *,
    params: Mapping[str, Any] | None = None,
    json: Any = None,
    content: bytes | None = None,
    headers: Mapping[str, str] | None = None,
) -> Any:
    """The decoded answer of a successful call (None for an empty one); raises `ToolError` otherwise."""
    query = {k: _text(v) for k, v in (params or {}).items() if v is not None}
    outcome = await context.request(method, path, params=query, json=json, content=content, headers=headers)
    result = tool_result(outcome)
    if outcome.response is None or not result.successful:
        raise ToolError(result.error or "The Google API call failed", data=result.data)
    return decode_body(outcome.response)


async def call_bytes(
    context: ToolContext, path: str, *, params: Mapping[str, Any] | None = None
) -> tuple[bytes, str]:
    """(body, content type) of a successful GET that answers raw bytes (file media, exports)."""
    query = {k: _text(v) for k, v in (params or {}).items() if v is not None}
    outcome = await context.request("GET", path, params=query)
    result = tool_result(outcome)
    response = outcome.response
    if response is None or not result.successful:
        raise ToolError(result.error or "The Google API call failed", data=result.data)
    return response.content, response.headers.get("content-type", "application/octet-stream").split(";")[
        0
    ].strip()


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
