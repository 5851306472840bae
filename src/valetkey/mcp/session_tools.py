"""A session's tools over MCP: what `session.tools()` lists, served at `/mcp/sessions/{session_id}`.

A session's MCP server lists exactly the session's tools, as the sessions
service defines them (docs/sessions.md, "Contract with the MCP server"): its
meta tools (COMPOSIO_SEARCH_TOOLS, COMPOSIO_MANAGE_CONNECTIONS,
COMPOSIO_MULTI_EXECUTE_TOOL, ...) plus any preloaded app tools. App tools the
session allows but does not preload are reached through the meta tools, as
in Composio's tool router: listing hundreds of tools would defeat the search
that keeps a model's context small. Calls go through the session service, so
the session's toolkit and account rules apply unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import mcp_types as types
from mcp.shared.exceptions import MCPError

from valetkey.core.errors import ApiError
from valetkey.mcp import results
from valetkey.mcp.tool_defs import from_wire_item


@dataclass(frozen=True)
class SessionToolset:
    context: Any  # valetkey.sessions.records.SessionContext

    @property
    def name(self) -> str:
        return self.context.session.id

    async def list_tools(self) -> list[types.Tool]:
        from valetkey.sessions import service

        return [from_wire_item(item) for item in service.session_tools(self.context)]

    async def call_tool(self, name: str, arguments: dict[str, Any]) -> types.CallToolResult:
        from valetkey.sessions import service

        listed = {tool.name: tool for tool in await self.list_tools()}
        tool = listed.get(name) or listed.get(name.upper())
        if tool is None:
            raise MCPError(types.INVALID_PARAMS, f"Unknown tool: {name}. List the tools with tools/list.")
        try:
            outcome = await service.execute(self.context, tool.name, arguments)
        except ApiError as exc:
            return results.from_api_error(exc)
        return results.from_execution(outcome, structured=tool.output_schema is not None)
