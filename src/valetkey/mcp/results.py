"""Tool outcomes as MCP `CallToolResult`s.

Everything that goes wrong while running a tool (bad arguments, no connected
account, an upstream 4xx/5xx) comes back as a result with `isError: true`
and a message a model can read and act on, never as a JSON-RPC error: the
model should see why and self-correct. The text content always carries the
whole outcome as JSON, for clients that ignore `structuredContent`.
"""

from __future__ import annotations

import json
from typing import Any

import mcp_types as types

from valetkey.core.errors import ApiError


def _text(value: Any) -> types.TextContent:
    return types.TextContent(
        text=value if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=False)
    )


def success(data: Any, *, structured: bool) -> types.CallToolResult:
    """A successful run; `structured` when the tool advertised an output schema for `data`."""
    return types.CallToolResult(
        content=[_text(data)],
        structured_content=data if structured and isinstance(data, dict) else None,
    )


def failure(message: str, data: Any = None) -> types.CallToolResult:
    content = [_text(message)]
    if data not in (None, {}, []):
        content.append(_text(data))
    return types.CallToolResult(content=content, is_error=True)


def from_execution(outcome: dict[str, Any], *, structured: bool) -> types.CallToolResult:
    """The executor's `{data, error, successful}` as a result."""
    if outcome.get("successful"):
        return success(outcome.get("data"), structured=structured)
    return failure(outcome.get("error") or "The tool failed", outcome.get("data"))


def from_api_error(exc: ApiError, hint: str | None = None) -> types.CallToolResult:
    """A request problem the executor refused (bad arguments, no account...) as a readable error result."""
    message = exc.message if exc.message.endswith((".", "!", "?")) else exc.message + "."
    follow_up = hint or exc.suggested_fix
    errors = exc.extra.get("errors")
    return failure(f"{message} {follow_up}" if follow_up else message, {"errors": errors} if errors else None)
