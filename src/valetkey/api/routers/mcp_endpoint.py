"""The MCP endpoints: streamable HTTP, stateless, JSON responses, on the official `mcp` SDK.

One low-level `mcp.server.lowlevel.Server` and one
`StreamableHTTPSessionManager(stateless=True, json_response=True)` serve
every MCP URL. Each URL kind has a resolver (`valetkey.api.mcp_access`) that
authenticates the request and returns the toolset it may use; the endpoint
puts that toolset in the ASGI scope, where the tool handlers find it
(`ctx.request.scope`). Nothing is kept between requests, so several server
processes behind a load balancer answer any request.

The session manager's task group must live as long as the app: `router`
carries a lifespan that runs it, and `api/app.py` includes the router once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, Protocol
from urllib.parse import urlsplit

import mcp_types as types
from fastapi import APIRouter
from mcp.server.lowlevel import Server
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from starlette.requests import Request
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

import valetkey
from valetkey.api import mcp_access as access

TOOLSET = "valetkey.mcp.toolset"
METHODS = ["GET", "POST", "DELETE"]


class Toolset(Protocol):
    @property
    def name(self) -> str: ...

    async def list_tools(self) -> list[types.Tool]: ...

    async def call_tool(self, name: str, arguments: dict[str, Any]) -> types.CallToolResult: ...


Resolver = Callable[[Request, Any], Awaitable[Toolset]]


def _toolset(ctx: Any) -> Toolset:
    return ctx.request.scope["state"][TOOLSET]


async def _list_tools(ctx: Any, params: types.PaginatedRequestParams | None) -> types.ListToolsResult:
    return types.ListToolsResult(tools=await _toolset(ctx).list_tools())


async def _call_tool(ctx: Any, params: types.CallToolRequestParams) -> types.CallToolResult:
    return await _toolset(ctx).call_tool(params.name, dict(params.arguments or {}))


def mcp_server() -> Server:
    return Server(
        "valetkey",
        version=valetkey.__version__,
        title="Valetkey",
        instructions="Tools that act in the user's connected apps. A tool that needs a connection the user has "
        "not made answers with an error naming a link to connect.",
        on_list_tools=_list_tools,
        on_call_tool=_call_tool,
    )


class McpEndpoint:
    """An ASGI app serving MCP at one URL kind, authenticated by `resolve`."""

    def __init__(self, resolve: Resolver):
        self.resolve = resolve

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        state = scope["app"].state.valetkey
        toolset = await self.resolve(Request(scope, receive), state)  # ApiError -> the app's error handlers
        scope.setdefault("state", {})[TOOLSET] = toolset
        manager = state.mcp_manager
        if manager is None:
            raise RuntimeError("the MCP session manager runs only inside the app's lifespan")
        await manager.handle_request(scope, receive, send)


def endpoint_routes(resolvers: dict[str, Resolver]) -> list[Route]:
    return [
        Route(path, McpEndpoint(resolve), methods=METHODS, include_in_schema=False)
        for path, resolve in resolvers.items()
    ]


LOOPBACK = ("127.0.0.1", "localhost", "[::1]")


def rebinding_protection(public_url: str) -> TransportSecuritySettings | None:
    """Host/Origin checks for a server published on a loopback address, the target of DNS rebinding.

    A page on evil.example that rebinds its name to 127.0.0.1 sends `Host: evil.example`; only the loopback
    names are accepted. A server published on a real host name sits behind that name (and a proxy that may
    rewrite Host), where the check would only get in the way, so it is off there.
    """
    netloc = urlsplit(public_url).netloc
    if urlsplit(public_url).hostname not in ("127.0.0.1", "localhost", "::1"):
        return None
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=[netloc, *LOOPBACK, *(f"{host}:*" for host in LOOPBACK)],
        allowed_origins=[f"{scheme}://{host}:*" for scheme in ("http", "https") for host in LOOPBACK]
        + [f"{scheme}://{host}" for scheme in ("http", "https") for host in LOOPBACK],
    )


@asynccontextmanager
async def _lifespan(app: Any):
    security = rebinding_protection(app.state.valetkey.settings.public_url)
    manager = StreamableHTTPSessionManager(
        mcp_server(), stateless=True, json_response=True, security_settings=security
    )
    async with manager.run():
        app.state.valetkey.mcp_manager = manager
        try:
            yield
        finally:
            app.state.valetkey.mcp_manager = None


router = APIRouter(lifespan=_lifespan)
router.routes.extend(
    endpoint_routes(
        {
            "/mcp/servers/{server_id}": access.server_with_key,
            "/v3/mcp/{server_id}": access.server_with_key,
            "/mcp/u/{token}": access.user_token,
            "/mcp/sessions/{session_id}": access.session_with_key,
        }
    )
)
