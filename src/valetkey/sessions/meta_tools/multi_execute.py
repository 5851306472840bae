"""COMPOSIO_MULTI_EXECUTE_TOOL: up to 20 app tool calls at once, in parallel, one result per call.

Each call goes through `execution.run_tool` (session filter, account
precedence, the executor) concurrently, at most `PARALLEL` at a time. A call
that fails fails alone: its entry carries the error, the others their data,
and the top-level error says how many failed.
"""

from __future__ import annotations

import asyncio
from typing import Any

from valetkey.sessions.execution import run_tool
from valetkey.sessions.meta_tools.base import MetaResult, MetaTool, find, register
from valetkey.sessions.records import SessionContext

SLUG = "COMPOSIO_MULTI_EXECUTE_TOOL"
MAX_TOOLS = 20
PARALLEL = 8


def _calls(arguments: dict[str, Any]) -> list[dict[str, Any]]:
    tools = arguments.get("tools")
    if not isinstance(tools, list) or not tools:
        raise ValueError("tools: give a list of {'tool_slug': ..., 'arguments': {...}}")
    if len(tools) > MAX_TOOLS:
        raise ValueError(
            f"tools: at most {MAX_TOOLS} tools per call, got {len(tools)}; split them over several calls"
        )
    for index, call in enumerate(tools):
        if not isinstance(call, dict) or not isinstance(call.get("tool_slug"), str) or not call["tool_slug"]:
            raise ValueError(f"tools[{index}]: needs a tool_slug")
        if not isinstance(call.get("arguments", {}), dict):
            raise ValueError(f"tools[{index}].arguments must be an object")
    return tools


# Meta tools a multi-execute may include: the workbench's (other meta tools are called directly).
SANDBOX_TOOLS = ("COMPOSIO_REMOTE_WORKBENCH", "COMPOSIO_REMOTE_BASH_TOOL")


async def execute_all(ctx: SessionContext, calls: list[dict[str, Any]]) -> MetaResult:
    bound = asyncio.Semaphore(PARALLEL)

    async def one(index: int, call: dict[str, Any]) -> dict[str, Any]:
        async with bound:
            account = call.get("account") if isinstance(call.get("account"), str) else None
            meta = find(call["tool_slug"])
            if meta is not None and meta.slug in SANDBOX_TOOLS and meta.offered(ctx.config):
                ran = await meta.run(ctx, call.get("arguments") or {})  # the workbench: one sandbox, in turn
                result = {"successful": ran.successful, "data": ran.data, "error": ran.error, "log_id": ""}
            else:
                result = await run_tool(ctx, call["tool_slug"], call.get("arguments") or {}, account=account)
        entry: dict[str, Any] = {
            "index": index,
            "tool_slug": call["tool_slug"],
            "response": {"successful": result["successful"], "data": result["data"]},
            "log_id": result.get("log_id", ""),
        }
        if not result["successful"]:
            entry["response"]["error"] = result["error"] or "The tool failed"
            entry["error"] = entry["response"]["error"]
        if result.get("blocked"):  # a session hook blocked this call (`hooks.guarded`)
            entry["result_type"] = "blocked"
            entry["block_reason"] = result["blocked"]
        if result.get("hook_results") is not None:
            entry["hook_results"] = result["hook_results"]
        return entry

    results = await asyncio.gather(*(one(i, call) for i, call in enumerate(calls)))
    failures = sum(1 for r in results if "error" in r)
    data = {
        "results": list(results),
        "total_count": len(results),
        "success_count": len(results) - failures,
        "error_count": failures,
    }
    return MetaResult(data, f"{failures} out of {len(results)} tools failed" if failures else None)


async def run(ctx: SessionContext, arguments: dict[str, Any]) -> MetaResult:
    try:
        calls = _calls(arguments)
    except ValueError as exc:
        return MetaResult({}, str(exc))
    return await execute_all(ctx, calls)


register(
    MetaTool(
        slug=SLUG,
        name="Multi execute tool",
        description=(
            f"Run up to {MAX_TOOLS} app tools in parallel with the user's connected accounts. Use tool slugs "
            "and input schemas from COMPOSIO_SEARCH_TOOLS. Returns one result per call, in order; a failed "
            "call reports its error without affecting the others. Only batch calls that do not depend on "
            "each other's results."
        ),
        properties={
            "tools": {
                "type": "array",
                "minItems": 1,
                "maxItems": MAX_TOOLS,
                "description": "The calls to run.",
                "items": {
                    "type": "object",
                    "required": ["tool_slug", "arguments"],
                    "properties": {
                        "tool_slug": {
                            "type": "string",
                            "description": "A tool slug such as GITHUB_CREATE_ISSUE.",
                        },
                        "arguments": {
                            "type": "object",
                            "description": "Arguments matching the tool's input_schema.",
                        },
                        "account": {
                            "type": "string",
                            "description": "A connected account id, when the user has several.",
                        },
                    },
                },
            },
            "thought": {"type": "string", "description": "Why these calls, in one sentence."},
        },
        required=("tools",),
        run=run,
        offered=lambda config: config.multi_execute_enabled,
    )
)
