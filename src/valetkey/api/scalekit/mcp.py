"""`McpService`: the SDK's MCP config (`actions.mcp.create_config`, `list_configs`) and per-user
MCP URL (`actions.mcp.ensure_instance`) calls, over Valetkey's MCP servers.

A Scalekit MCP config is a Valetkey MCP server: its connection-tool mappings name auth
configs (connections) and their tools, which become the server's auth configs, toolkits
and allowed tools. An instance is a user's pre-authenticated URL on it (`mcp.user_urls`):
each `ensure_instance` mints a fresh URL for the user (earlier ones keep working until the
instance is deleted), since only a URL's hash is stored.
"""

from __future__ import annotations

from typing import Any

import grpc
from scalekit.v1.mcp import mcp_pb2 as pb
from scalekit.v1.mcp import mcp_pb2_grpc as pb_grpc
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from valetkey.api.scalekit.base import Servicer
from valetkey.api.scalekit.errors import unsupported
from valetkey.api.scalekit.tools import tool_slug
from valetkey.connections.configs import config_by_name
from valetkey.connections.models import AuthConfig
from valetkey.core.errors import NotFound, ValidationError
from valetkey.mcp import configs, user_urls, wire
from valetkey.mcp.configs import ServerConfig, ServerInput
from valetkey.mcp.models import McpServer


def config_message(db: Session, row: McpServer, public_url: str) -> pb.McpConfig:
    names = {
        c.id: c
        for c in db.scalars(select(AuthConfig).where(AuthConfig.id.in_(list(row.auth_config_ids or ()))))
    }
    tools = list(row.allowed_tools or ())
    mappings = []
    for config_id in row.auth_config_ids or ():
        config = names.get(config_id)
        if config is None:
            continue
        prefix = config.toolkit_slug.upper() + "_"
        mappings.append(
            pb.McpConfigConnectionToolMapping(
                connection_id=config.id,
                connection_name=config.name,
                provider=config.toolkit_slug.lower(),
                tools=[t.lower() for t in tools if t.startswith(prefix)],
            )
        )
    return pb.McpConfig(
        id=row.id,
        name=row.name,
        connection_tool_mappings=mappings,
        mcp_server_url=wire.server_url(public_url, row.id),
    )


def _server_named(db: Session, project_id: str, name: str) -> McpServer:
    row = db.scalar(select(McpServer).where(McpServer.project_id == project_id, McpServer.name == name))
    if row is None:
        raise NotFound(f"No MCP config named {name!r}", slug="McpConfigNotFound")
    return row


class Mcp(Servicer, pb_grpc.McpServiceServicer):
    async def CreateMcpConfig(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        async with self.call(context) as project:
            wanted = request.config
            if wanted.description:
                await unsupported(context, "config.description", "MCP servers have a name only")
            if wanted.id or wanted.mcp_server_url:
                raise ValidationError("config.id and config.mcp_server_url are set by the server")
            for mapping in wanted.connection_tool_mappings:
                if mapping.connection_id or mapping.HasField("connected_account_id"):
                    await unsupported(
                        context,
                        "connection_tool_mappings.connection_id/connected_account_id",
                        "name connections by connection_name; each user's account is picked per instance",
                    )

            def create() -> pb.McpConfig:
                with self.state.db.session() as db:
                    toolkits: list[str] = []
                    tools: list[str] = []
                    config_ids: list[str] = []
                    for mapping in wanted.connection_tool_mappings:
                        config = config_by_name(db, project.project_id, mapping.connection_name)
                        if mapping.provider and mapping.provider.lower() != config.toolkit_slug.lower():
                            raise ValidationError(
                                f"Connection {config.name!r} is of {config.toolkit_slug}, not {mapping.provider}"
                            )
                        toolkits.append(config.toolkit_slug)
                        config_ids.append(config.id)
                        tools.extend(tool_slug(t) for t in mapping.tools)
                    row = configs.create_server(
                        db,
                        self.state.catalog,
                        project.project_id,
                        ServerInput(
                            name=wanted.name,
                            toolkits=toolkits,
                            allowed_tools=tools,
                            auth_config_ids=config_ids,
                        ),
                    )
                    return config_message(db, row, self.state.settings.public_url)

            return pb.CreateMcpConfigResponse(config=await run_in_threadpool(create))

    async def ListMcpConfigs(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        async with self.call(context) as project:
            wanted = request.filter
            if wanted.mcp_server_url or request.page_token:
                await unsupported(
                    context, "filter.mcp_server_url/page_token", "one page, filtered by id, name, provider"
                )

            def listed() -> list[pb.McpConfig]:
                with self.state.db.session() as db:
                    rows = configs.list_servers(
                        db,
                        project.project_id,
                        name=request.search or None,
                        toolkits=[wanted.provider] if wanted.provider else (),
                    )
                    rows = [
                        r
                        for r in rows
                        if (not wanted.id or r.id == wanted.id) and (not wanted.name or r.name == wanted.name)
                    ]
                    return [config_message(db, r, self.state.settings.public_url) for r in rows]

            found = await run_in_threadpool(listed)
            return pb.ListMcpConfigsResponse(configs=found, total_size=len(found))

    async def EnsureMcpInstance(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        async with self.call(context) as project:
            if request.name:
                await unsupported(context, "name", "an instance is named by its config and user")
            if not request.config_name or not request.user_identifier:
                raise ValidationError("config_name and user_identifier are required")

            def ensure() -> pb.McpInstance:
                with self.state.db.session() as db:
                    row = _server_named(db, project.project_id, request.config_name)
                    server = ServerConfig.of(row)
                    token = user_urls.mint(db, server, request.user_identifier)
                    instance = next(
                        i for i in user_urls.instances(db, server.id) if i.user_id == request.user_identifier
                    )
                    return pb.McpInstance(
                        id=instance.id,
                        user_identifier=request.user_identifier,
                        config=config_message(db, row, self.state.settings.public_url),
                        url=user_urls.user_url(self.state.settings.public_url, token),
                    )

            return pb.EnsureMcpInstanceResponse(instance=await run_in_threadpool(ensure))
