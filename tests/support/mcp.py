"""Helpers for MCP tests: the official `mcp` client against a running server, and server configs over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

V3 = "/api/v3.1"


@asynccontextmanager
async def mcp_session(url: str, headers: dict[str, str] | None = None) -> AsyncIterator[ClientSession]:
    """An initialized `ClientSession` over streamable HTTP, as any MCP host would open one."""
    async with create_mcp_http_client(headers=headers) as http:
        async with streamable_http_client(url, http_client=http) as (read, write, *_):
            async with ClientSession(read, write) as session:
                await session.initialize()
                yield session


def create_server(client: httpx.Client, name: str, **fields: Any) -> dict[str, Any]:
    response = client.post(f"{V3}/mcp/servers/custom", json={"name": name, **fields})
    assert response.status_code == 201, response.text
    return response.json()


def user_url(client: httpx.Client, server_id: str, user_id: str) -> str:
    response = client.post(
        f"{V3}/mcp/servers/generate", json={"mcp_server_id": server_id, "user_ids": [user_id]}
    )
    assert response.status_code == 200, response.text
    return response.json()["user_ids_url"][0]


def text_of(result: Any) -> str:
    return "\n".join(block.text for block in result.content if getattr(block, "type", None) == "text")
