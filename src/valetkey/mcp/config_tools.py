"""The tools of one MCP server config, served to one user: list and call.

Calls go through the executor (`execution.service.execute_tool`), the same
path as `POST /tools/execute`, so validation, credentials, refresh, retries
and execution logs behave identically. This module only decides which
account a call uses and turns every outcome into a `CallToolResult`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import mcp_types as types
from mcp.shared.exceptions import MCPError
from starlette.concurrency import run_in_threadpool

from valetkey.catalog.model import Tool
from valetkey.core.context import ProjectContext
from valetkey.core.errors import ApiError
from valetkey.execution.schemas import ExecuteBody
from valetkey.execution.service import execute_tool, needs_connection
from valetkey.execution.state import ExecutionState
from valetkey.mcp import accounts, results
from valetkey.mcp.configs import ServerConfig, served_tools
from valetkey.mcp.tool_defs import mcp_tool, output_schema

NO_ACCOUNT = "NoConnectedAccount"


@dataclass(frozen=True)
class ConfigToolset:
    """`server`'s tools as `user_id` (optionally pinned to one connected account) sees them."""

    state: ExecutionState
    project: ProjectContext
    server: ServerConfig
    user_id: str
    connected_account_id: str | None = None
    request_id: str | None = None

    @property
    def name(self) -> str:
        return self.server.name

    def _tools(self) -> dict[str, Tool]:
        return {
            tool.slug: tool
            for tool in served_tools(self.state.catalog_for(self.project.project_id), self.server)
        }

    async def list_tools(self) -> list[types.Tool]:
        return [mcp_tool(tool) for tool in self._tools().values()]

    async def call_tool(self, name: str, arguments: dict[str, Any]) -> types.CallToolResult:
        tools = self._tools()
        canonical = self.state.catalog_for(self.project.project_id).canonical_tool_slug(name)
        tool = tools.get(canonical or name)
        if tool is None:
            raise MCPError(types.INVALID_PARAMS, f"Unknown tool: {name}. List the tools with tools/list.")
        structured = output_schema(tool) is not None
        try:
            account_id = await run_in_threadpool(self._account_for, tool)
            body = ExecuteBody(arguments=arguments, user_id=self.user_id, connected_account_id=account_id)
            outcome = await execute_tool(self.state, self.project, tool.slug, body, self.request_id)
        except ApiError as exc:
            hint = None
            if exc.slug == NO_ACCOUNT and self.server.managed_auth:
                hint = await run_in_threadpool(self._connect_hint, tool)
            return results.from_api_error(exc, hint)
        return results.from_execution(outcome, structured=structured)

    def _account_for(self, tool: Tool) -> str | None:
        """An explicit account id when the URL pins one or the server restricts auth configs; else None
        (the executor then picks the user's latest ACTIVE account of the toolkit)."""
        toolkit = self.state.catalog_for(self.project.project_id).toolkit_of_tool(tool.slug)
        if not needs_connection(tool, toolkit):
            return None
        with self.state.db.session() as db:
            if (
                self.connected_account_id
                and accounts.pinned_account_toolkit(
                    db, self.server.project_id, self.user_id, self.connected_account_id
                )
                == toolkit.slug
            ):
                return self.connected_account_id
            config_ids = accounts.configs_for(
                db, self.server.project_id, self.server.auth_config_ids, toolkit.slug
            )
            if not config_ids:
                return None
            account_id = accounts.user_account(
                db, self.server.project_id, self.user_id, toolkit.slug, config_ids
            )
        if account_id is None:
            raise ApiError(
                f"No connected account found for user '{self.user_id}' and toolkit '{toolkit.slug}' "
                f"under this MCP server's auth configs",
                slug=NO_ACCOUNT,
                suggested_fix=accounts_fix(toolkit.slug, config_ids),
            )
        return account_id

    def _connect_hint(self, tool: Tool) -> str | None:
        toolkit = self.state.catalog_for(self.project.project_id).toolkit_of_tool(tool.slug).slug
        with self.state.db.session() as db:
            config_ids = accounts.configs_for(
                db, self.server.project_id, self.server.auth_config_ids, toolkit
            ) or accounts.enabled_configs(db, self.server.project_id, toolkit)
        return accounts.connect_hint(self.state, self.server.project_id, self.user_id, config_ids)


def accounts_fix(toolkit: str, config_ids: list[str]) -> str:
    return (
        f"Connect the user to {toolkit} with one of the auth configs {', '.join(config_ids)} "
        "(composio.connected_accounts.link or initiate), then call the tool again."
    )
