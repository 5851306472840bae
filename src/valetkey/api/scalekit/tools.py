"""`ToolService`: the SDK's `tools.list_scoped_tools` and `execute_tool`.

Scoped tools are the tools a user can run now: those of every toolkit the user has an
ACTIVE account on (narrowed by the account's auth config's allowed tools), filtered by
connection names, providers (toolkit slugs) and tool names. Names are Scalekit's lower
case (`gmail_fetch_emails`); every spelling resolves (`catalog.registry.case_folded_slug`), and the
few tools Scalekit names otherwise answer to its names too (`SCALEKIT_TOOL_NAMES`).
Execution is `execution.service.execute_tool`, the REST route's own function, with
`identifier` + `connection_name` (or `connected_account_id`); a tool that ran and failed is
a status with error code TOOL_ERROR, as Scalekit answers it.
"""

from __future__ import annotations

import json
from typing import Any

import grpc
from google.protobuf import json_format, struct_pb2
from scalekit.v1.tools import tools_pb2 as pb
from scalekit.v1.tools import tools_pb2_grpc as pb_grpc
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from valetkey.api.scalekit.base import Servicer
from valetkey.api.scalekit.errors import abort, unsupported
from valetkey.catalog.model import Tool
from valetkey.catalog.registry import case_folded_slug
from valetkey.connections.configs import allowed_tools
from valetkey.connections.models import AuthConfig, ConnectedAccount
from valetkey.core.errors import ValidationError
from valetkey.execution.schemas import ExecuteBody
from valetkey.execution.service import execute_tool

# Scalekit's names of tools Valetkey (and Composio) spell otherwise: its migration guide runs
# `gmail_fetch_mails`, which is Composio's GMAIL_FETCH_EMAILS. Scalekit's namespace only: the REST API
# answers to Composio's slugs (and their aliases, which are Composio slugs).
SCALEKIT_TOOL_NAMES = {"GMAIL_FETCH_MAILS": "GMAIL_FETCH_EMAILS"}

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000


def tool_message(tool: Tool) -> pb.Tool:
    definition = struct_pb2.Struct()
    definition.update(
        {"name": tool.slug.lower(), "description": tool.description, "input_schema": tool.input_schema}
    )
    return pb.Tool(id=tool.slug, provider=tool.toolkit.lower(), definition=definition, tags=list(tool.tags))


def tool_slug(name: str) -> str:
    """A Scalekit tool name as the catalog's slug (any case; Scalekit's own spellings mapped)."""
    slug = case_folded_slug(name)
    return SCALEKIT_TOOL_NAMES.get(slug, slug)


def _integral(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _integral(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_integral(v) for v in value]
    return value


def struct_values(struct: struct_pb2.Struct) -> dict[str, Any]:
    """A `google.protobuf.Struct` as JSON values. Struct has one number type (double), so the SDK's
    `{"max_results": 5}` arrives as 5.0: whole numbers become integers again (5.0 and 5 are the
    same JSON number; an `integer` parameter refuses 5.0)."""
    return _integral(json_format.MessageToDict(struct))


def _page(request: Any) -> tuple[int, int]:
    size = request.page_size or DEFAULT_PAGE_SIZE
    if size > MAX_PAGE_SIZE:
        raise ValidationError(f"page_size is at most {MAX_PAGE_SIZE}")
    token = request.page_token or "0"
    if not token.isdigit():
        raise ValidationError("page_token is not one this server gave", slug="InvalidPageToken")
    return int(token), size


class Tools(Servicer, pb_grpc.ToolServiceServicer):
    def scoped(self, project_id: str, identifier: str, wanted: Any) -> list[pb.ScopedTool]:
        connection_names = set(wanted.connection_names)
        providers = {p.lower() for p in wanted.providers}
        names = {tool_slug(n) for n in wanted.tool_names}
        with self.state.db.session() as db:
            rows = db.execute(
                select(ConnectedAccount, AuthConfig)
                .join(AuthConfig, AuthConfig.id == ConnectedAccount.auth_config_id)
                .where(
                    ConnectedAccount.project_id == project_id,
                    ConnectedAccount.user_id == identifier,
                    ConnectedAccount.status == "ACTIVE",
                    ConnectedAccount.is_disabled.is_(False),
                    AuthConfig.status == "ENABLED",
                )
                .order_by(AuthConfig.name, ConnectedAccount.created_at, ConnectedAccount.id)
            ).all()
        out: list[pb.ScopedTool] = []
        seen: set[tuple[str, str]] = set()  # (auth config, tool): one account per connection and tool
        for account, config in rows:
            if connection_names and config.name not in connection_names:
                continue
            if providers and account.toolkit_slug.lower() not in providers:
                continue
            toolkit = self.state.catalog.find_toolkit(account.toolkit_slug)
            if toolkit is None:
                continue
            allowed = allowed_tools(config.settings)
            for tool in self.state.catalog.tools_at(toolkit):
                if (allowed and tool.slug not in allowed) or (names and tool.slug not in names):
                    continue
                if (config.id, tool.slug) in seen:
                    continue
                seen.add((config.id, tool.slug))
                out.append(
                    pb.ScopedTool(
                        tool=tool_message(tool), identifier=identifier, connected_account_id=account.id
                    )
                )
        return out

    async def ListScopedTools(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        async with self.call(context) as project:
            if not request.identifier:
                raise ValidationError("identifier is required (the user whose tools to list)")
            offset, size = _page(request)
            tools = await run_in_threadpool(
                self.scoped, project.project_id, request.identifier, request.filter
            )
            page = tools[offset : offset + size]
            following = offset + size if offset + size < len(tools) else None
            return pb.ListScopedToolsResponse(
                tools=page,
                total_size=len(tools),
                next_page_token=str(following) if following is not None else "",
                prev_page_token=str(max(offset - size, 0)) if offset else "",
            )

    async def ExecuteTool(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        async with self.call(context) as project:
            await self.no_scoping(request, context)
            if request.HasField("agent_run_id") and request.agent_run_id:
                await unsupported(context, "agent_run_id", "Scalekit's agent run grouping of logs")
            if not request.tool_name:
                raise ValidationError("tool_name is required")
            arguments = struct_values(request.params) if request.HasField("params") else {}
            body = ExecuteBody(
                arguments=arguments,
                identifier=request.identifier or None,
                connection_name=request.connector or None,
                connected_account_id=request.connected_account_id or None,
            )
            result = await execute_tool(self.state, project, tool_slug(request.tool_name), body, None)
            if not result["successful"]:
                await abort(
                    context,
                    grpc.StatusCode.UNKNOWN,
                    str(result.get("error") or "The tool failed"),
                    "TOOL_ERROR",
                )
            data = json.loads(json.dumps(result.get("data"), default=str))
            struct = struct_pb2.Struct()
            struct.update(data if isinstance(data, dict) else {"result": data})
            return pb.ExecuteToolResponse(data=struct, execution_id=result.get("log_id") or "")
