"""Catalog tools as MCP tool definitions.

The catalog marks behaviour with tags named after MCP's own hints
(`readOnlyHint`, `destructiveHint`, `idempotentHint`, `openWorldHint`); a
tag's presence means true and its absence false, so every hint is stated
explicitly rather than left to MCP's defaults (which assume a tool is
destructive and open-world unless told otherwise).
"""

from __future__ import annotations

from typing import Any

import mcp_types as types

from valetkey.catalog.model import Tool


def tool_annotations(tool: Tool) -> types.ToolAnnotations:
    read_only = "readOnlyHint" in tool.tags
    return types.ToolAnnotations(
        title=tool.name,
        read_only_hint=read_only,
        destructive_hint=not read_only and "destructiveHint" in tool.tags,
        idempotent_hint=tool.idempotent,
        open_world_hint="openWorldHint" in tool.tags,
    )


def output_schema(tool: Tool) -> dict[str, Any] | None:
    """The schema of `structuredContent`: the tool's `data`, when that is a JSON object."""
    schema = tool.output_schema
    return dict(schema) if schema.get("type") == "object" else None


def input_schema(tool: Tool) -> dict[str, Any]:
    schema = dict(tool.input_schema)
    schema.setdefault("type", "object")
    schema.setdefault("properties", {})
    return schema


def mcp_tool(tool: Tool) -> types.Tool:
    return types.Tool(
        name=tool.slug,
        title=tool.name,
        description=tool.description,
        input_schema=input_schema(tool),
        output_schema=output_schema(tool),
        annotations=tool_annotations(tool),
    )


def from_wire_item(item: dict[str, Any]) -> types.Tool:
    """An MCP tool from a tool in the Composio wire format (what a session lists, meta tools included)."""
    envelope = item.get("output_parameters") or {}
    data_schema = dict((envelope.get("properties") or {}).get("data") or {})
    for decoration in ("title", "description"):  # added by the envelope, not part of the data's own schema
        data_schema.pop(decoration, None)
    return mcp_tool(
        Tool(
            slug=item["slug"],
            toolkit=(item.get("toolkit") or {}).get("slug", ""),
            name=item["name"],
            description=item.get("description") or "",
            input_schema=item.get("input_parameters") or {},
            output_schema=data_schema,
            tags=tuple(item.get("tags") or ()),
        )
    )
