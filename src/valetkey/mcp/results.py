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
    """The executor's `{data, error, successful}` as a result.

    Under session hooks (`sessions.hooks.guarded`) the hook fields travel as REST sends them: a blocked
    call is an error result whose second text item is `{result_type: "blocked", block_reason,
    hook_results, log_id}`, and every hooked result carries `hook_results` (and `block_reason`) in `_meta`.
    """
    if outcome.get("blocked"):
        hooked = {
            "result_type": "blocked",
            "block_reason": outcome["blocked"],
            "hook_results": outcome.get("hook_results") or [],
            "log_id": outcome.get("log_id") or "",
        }
        result = failure(outcome.get("error") or "A session hook blocked the call")
        result.content.append(_text(hooked))
        return result.model_copy(update={"meta": hooked})
    if outcome.get("successful"):
        result = success(outcome.get("data"), structured=structured)
    else:
        result = failure(outcome.get("error") or "The tool failed", outcome.get("data"))
    if outcome.get("hook_results") is not None:
        result = result.model_copy(update={"meta": {"hook_results": outcome["hook_results"]}})
    return result


def from_api_error(exc: ApiError, hint: str | None = None) -> types.CallToolResult:
    """A request problem the executor refused (bad arguments, no account...) as a readable error result."""
    message = exc.message if exc.message.endswith((".", "!", "?")) else exc.message + "."
    follow_up = hint or exc.suggested_fix
    errors = exc.extra.get("errors")
    return failure(f"{message} {follow_up}" if follow_up else message, {"errors": errors} if errors else None)
