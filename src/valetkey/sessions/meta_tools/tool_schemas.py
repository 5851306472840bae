"""COMPOSIO_GET_TOOL_SCHEMAS: the full input (and output) schemas of tools the session allows."""

from __future__ import annotations

from typing import Any

from valetkey.sessions import policy
from valetkey.sessions.meta_tools.base import MetaResult, MetaTool, register
from valetkey.sessions.meta_tools.search import tool_schema
from valetkey.sessions.records import SessionContext

SLUG = "COMPOSIO_GET_TOOL_SCHEMAS"
MAX_TOOLS = 50


async def run(ctx: SessionContext, arguments: dict[str, Any]) -> MetaResult:
    slugs = arguments.get("tool_slugs")
    if not isinstance(slugs, list) or not slugs or not all(isinstance(s, str) for s in slugs):
        return MetaResult({}, "tool_slugs: give the list of tool slugs, e.g. ['GITHUB_CREATE_ISSUE']")
    schemas: dict[str, Any] = {}
    not_found: list[str] = []
    for slug in slugs[:MAX_TOOLS]:
        canonical = ctx.catalog.canonical_tool_slug(slug)
        tool = ctx.catalog.resolve_tool(canonical).tool if canonical else None
        if tool is None or not policy.tool_allowed(ctx.config, tool):
            not_found.append(slug)
        else:
            schemas[tool.slug] = tool_schema(
                tool, with_output=arguments.get("include_output_schema") is not False
            )
    error = f"Not available in this session: {', '.join(not_found)}" if not_found and not schemas else None
    return MetaResult({"tool_schemas": schemas, "not_found": not_found}, error)


register(
    MetaTool(
        slug=SLUG,
        name="Get tool schemas",
        description="Get the complete input and output schemas of tools by slug, e.g. tools named in a plan.",
        properties={
            "tool_slugs": {
                "type": "array",
                "minItems": 1,
                "maxItems": MAX_TOOLS,
                "items": {"type": "string"},
                "description": "Tool slugs such as GITHUB_CREATE_ISSUE.",
            },
            "include_output_schema": {"type": "boolean", "default": True},
        },
        required=("tool_slugs",),
        run=run,
        tags=("readOnlyHint",),
    )
)
