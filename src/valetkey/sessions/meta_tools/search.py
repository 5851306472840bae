"""COMPOSIO_SEARCH_TOOLS: tools for a use case, with schemas, connection status, a plan and related tools.

The answer has the shape of `SessionSearchResponse` (the session `/search`
endpoint returns it as is; the meta tool returns it as `data`). Only tools
the session allows are searched (`tool_search.search_tools` with the
session's filter), so the agent is never shown a tool it cannot run.
"""

from __future__ import annotations

import time
from typing import Any

from valetkey.catalog.model import Tool
from valetkey.search.steps import clauses
from valetkey.sessions import custom_tools, plan, policy, tool_search
from valetkey.sessions.meta_tools.base import MetaResult, MetaTool, register
from valetkey.sessions.records import SessionContext
from valetkey.sessions.status import ToolkitStatus, status_message, statuses

SLUG = "COMPOSIO_SEARCH_TOOLS"
PRIMARY = 3
RELATED = 5
MAX_QUERIES = 10


def parse_queries(arguments: dict[str, Any]) -> list[str]:
    """The use cases asked for: `queries: [{use_case}]`, or a bare `use_case` string."""
    queries = arguments.get("queries")
    if queries is None and isinstance(arguments.get("use_case"), str):
        queries = [{"use_case": arguments["use_case"]}]
    if not isinstance(queries, list) or not queries:
        raise ValueError("queries: give at least one {'use_case': '...'}")
    out = []
    for index, query in enumerate(queries[:MAX_QUERIES]):
        use_case = query.get("use_case") if isinstance(query, dict) else query
        if not isinstance(use_case, str) or not use_case.strip():
            raise ValueError(f"queries[{index}].use_case must be a non-empty string")
        known = query.get("known_fields") if isinstance(query, dict) else None
        out.append(f"{use_case} {known}" if isinstance(known, str) and known else use_case)
    return out


def tool_schema(tool: Tool, *, with_output: bool = False) -> dict[str, Any]:
    entry = {
        "tool_slug": tool.slug,
        "toolkit": tool.toolkit,
        "description": tool.description,
        "hasFullSchema": True,
        "input_schema": tool.input_schema,
    }
    if with_output:
        entry["output_schema"] = tool.output_schema
    return entry


async def search(ctx: SessionContext, use_cases: list[str]) -> dict[str, Any]:
    """The whole search answer for `use_cases` in this session (its custom tools included)."""
    allowed = lambda tool: policy.tool_allowed(ctx.config, tool)  # noqa: E731
    custom = ctx.custom
    found: list[tuple[str, list[Tool], list[Tool]]] = []
    steps_of: dict[str, tuple[list[str], list[Tool | None]]] = {}
    for use_case in use_cases:
        hits = [
            hit.tool
            for hit in tool_search.search_tools(ctx.catalog, use_case, allowed, PRIMARY + 3 * RELATED)
        ]
        if custom:
            hits = tool_search.with_custom_tools(ctx.catalog, hits, custom, use_case, PRIMARY + 3 * RELATED)
        parts = clauses(use_case)
        step_tools: list[Tool | None] = []
        if 1 < len(parts) <= PRIMARY:  # a task of several steps: each step's best tool is a primary one
            for part in parts:
                best = [hit.tool for hit in tool_search.search_tools(ctx.catalog, part, allowed, 1)]
                if custom:
                    best = tool_search.with_custom_tools(ctx.catalog, best, custom, part, 1)
                step_tools.append(best[0] if best else None)
        steps_of[use_case] = (parts, step_tools)
        ranked = list({t.slug: t for t in [*(t for t in step_tools if t is not None), *hits]}.values())
        primary = ranked[:PRIMARY]
        toolkits = {t.toolkit for t in primary}
        related = [t for t in ranked[PRIMARY:] if t.toolkit in toolkits][:RELATED]
        found.append((use_case, primary, related))
    toolkit_slugs = list(
        dict.fromkeys(t.toolkit for _, primary, related in found for t in (*primary, *related))
    )
    known = [slug for slug in toolkit_slugs if ctx.catalog.find_toolkit(slug) is not None]
    status_by = await statuses(ctx, [ctx.catalog.toolkit(slug) for slug in known])
    for slug in toolkit_slugs:  # custom toolkits (and standalone custom tools): nothing to connect
        if slug not in status_by:
            status_by[slug] = ToolkitStatus(custom_tools.as_catalog_toolkit(custom, slug), None)
    results, schemas = [], {}
    for index, (use_case, primary, related) in enumerate(found, start=1):
        for tool in (*primary, *related):
            schemas[tool.slug] = tool_schema(tool)
        results.append(
            {
                "index": index,
                "use_case": use_case,
                "primary_tool_slugs": [t.slug for t in primary],
                "related_tool_slugs": [t.slug for t in related],
                "toolkits": list(dict.fromkeys(t.toolkit for t in primary)),
                "recommended_plan_steps": plan.plan_steps(
                    primary, related, status_by, *steps_of[use_case], max_steps=PRIMARY
                ),
                "known_pitfalls": plan.pitfalls(primary),
                "difficulty": plan.difficulty(primary, status_by),
                "execution_guidance": (
                    "No tool in this session matches; rephrase the use case or check the session's toolkits."
                    if not primary
                    else "Follow recommended_plan_steps."
                ),
                "error": None,
            }
        )
    connection_statuses = [_connection_status(status_by[slug]) for slug in toolkit_slugs]
    return {
        "success": True,
        "error": None,
        "results": results,
        "tool_schemas": schemas,
        "toolkit_connection_statuses": connection_statuses,
        "next_steps_guidance": _guidance(ctx, connection_statuses),
        "session": {
            "id": ctx.session.id,
            "generate_id": False,
            "instructions": f"Pass session_id='{ctx.session.id}' to every later COMPOSIO_* call of this task.",
        },
        "time_info": _time_info(),
    }


def _connection_status(status: ToolkitStatus) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "toolkit": status.toolkit.slug,
        "description": status.toolkit.description,
        "has_active_connection": status.connected,
        "status_message": status_message(status),
    }
    if (account := status.usable_account) is not None:
        entry["connection_details"] = {
            "connected_account_id": account.id,
            "auth_config_id": account.facts.auth_config_id,
        }
    return entry


def _guidance(ctx: SessionContext, connection_statuses: list[dict[str, Any]]) -> list[str]:
    missing = [s["toolkit"] for s in connection_statuses if not s["has_active_connection"]]
    steps = []
    if missing:
        steps.append(
            f"Not connected: {', '.join(missing)}. Use COMPOSIO_MANAGE_CONNECTIONS before executing their "
            f"tools."
            if ctx.config.manage_connections.enabled
            else f"Not connected: {', '.join(missing)}. Ask the user to connect them in the app."
        )
    steps.append("Execute tools with COMPOSIO_MULTI_EXECUTE_TOOL using the input_schema in tool_schemas.")
    return steps


def _time_info() -> dict[str, Any]:
    now = time.time()
    return {
        "current_time_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)),
        "current_time_utc_epoch_seconds": now,
        "message": "Times are UTC; convert to the user's timezone when they give one.",
    }


async def run(ctx: SessionContext, arguments: dict[str, Any]) -> MetaResult:
    try:
        use_cases = parse_queries(arguments)
    except ValueError as exc:
        return MetaResult({}, str(exc))
    return MetaResult(await search(ctx, use_cases))


register(
    MetaTool(
        slug=SLUG,
        name="Search tools",
        description=(
            "Find the tools for a task across the user's apps. Returns matching tools with their input "
            "schemas, whether each app is connected, a short plan with pitfalls, and related tools. Call it "
            "first for every new task; then use COMPOSIO_MANAGE_CONNECTIONS for apps that are not connected "
            "and COMPOSIO_MULTI_EXECUTE_TOOL to run the tools."
        ),
        properties={
            "queries": {
                "type": "array",
                "minItems": 1,
                "maxItems": MAX_QUERIES,
                "description": "One entry per distinct task; each returns its own tools and plan.",
                "items": {
                    "type": "object",
                    "required": ["use_case"],
                    "properties": {
                        "use_case": {
                            "type": "string",
                            "description": "The task in plain words, with the app if known "
                            "(e.g. 'create an issue in a GitHub repository').",
                        },
                        "known_fields": {
                            "type": "string",
                            "description": "Values already known, as key:value pairs "
                            "(e.g. 'repo:hello-world,owner:octocat').",
                        },
                    },
                },
            },
        },
        required=("queries",),
        run=run,
        offered=lambda config: config.search_enabled,
        tags=("readOnlyHint",),
    )
)
