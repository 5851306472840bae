"""Talking to a custom toolkit's remote MCP server: list its tools (sync) and call one (execute).

The official `mcp` client over streamable HTTP, on an httpx2 client whose every connection the egress
policy allowed (`valetkey.net.aio_httpx`), with the connected account's auth headers. `call_tool` is the
handler every custom toolkit tool names (`valetkey.customkits.remote:call_tool`), so execution, its
logs, sessions, hooks and MCP treat it as any tool written in Python.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import anyio
import mcp_types as types
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client

from valetkey.catalog.model import AuthScheme
from valetkey.connections.request_auth import CredentialError, apply_credentials
from valetkey.execution.handlers import ToolContext, ToolError
from valetkey.net.aio_httpx import guarded_async_client
from valetkey.net.egress import EgressPolicy, EgressRefused
from valetkey.net.request import UpstreamRequest

HANDLER = "valetkey.customkits.remote:call_tool"
TIMEOUT_SECONDS = 60.0
MAX_TOOLS = 500


class RemoteError(Exception):
    """The remote MCP server could not be reached or answered nonsense; the message says which."""


@dataclass(frozen=True)
class RemoteTool:
    name: str
    title: str
    description: str
    input_schema: dict[str, Any]
    output_schema: dict[str, Any] | None
    tags: tuple[str, ...]


def auth_headers(url: str, scheme: AuthScheme | None, credentials: Mapping[str, Any]) -> dict[str, str]:
    """The headers the scheme's templates make from the account's values (none for NO_AUTH)."""
    if scheme is None or scheme.mode == "NO_AUTH":
        return {}
    signed = apply_credentials(UpstreamRequest("POST", url, {}, ()), scheme, credentials)
    return dict(signed.headers)


@asynccontextmanager
async def _session(url: str, headers: dict[str, str], policy: EgressPolicy) -> AsyncIterator[ClientSession]:
    async with guarded_async_client(policy, headers=headers, timeout=TIMEOUT_SECONDS) as http:
        async with streamable_http_client(url, http_client=http) as (read, write, *_):
            async with ClientSession(read, write) as session:
                await session.initialize()
                yield session


def _cause(exc: BaseException) -> BaseException:
    """The refusal or the first real error inside the anyio task groups' exception groups."""
    if isinstance(exc, BaseExceptionGroup):
        causes = [_cause(inner) for inner in exc.exceptions]
        return next((c for c in causes if isinstance(c, EgressRefused)), causes[0])
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, EgressRefused):
            return seen
        seen = seen.__cause__ or seen.__context__
    return exc


def _describe(exc: BaseException, url: str) -> str:
    cause = _cause(exc)
    if isinstance(cause, EgressRefused):
        return str(cause)
    if isinstance(cause, TimeoutError):
        return f"The MCP server at {url} did not answer within {TIMEOUT_SECONDS:g} s"
    text = str(cause) or type(cause).__name__
    return f"The MCP server at {url} failed: {type(cause).__name__}: {text}"[:500]


async def list_tools(url: str, headers: dict[str, str], policy: EgressPolicy) -> list[RemoteTool]:
    """Every tool the server lists (all pages); RemoteError when it cannot be reached or refuses."""
    found: list[types.Tool] = []
    try:
        with anyio.fail_after(TIMEOUT_SECONDS):
            async with _session(url, headers, policy) as session:
                cursor: str | None = None
                while True:
                    params = types.PaginatedRequestParams(cursor=cursor) if cursor else None
                    page = await session.list_tools(params=params)
                    found += page.tools
                    cursor = page.next_cursor
                    if not cursor or len(found) >= MAX_TOOLS:
                        break
    except Exception as exc:
        raise RemoteError(_describe(exc, url)) from None
    return [_remote_tool(tool) for tool in found[:MAX_TOOLS]]


def _remote_tool(tool: types.Tool) -> RemoteTool:
    hints = tool.annotations
    tags: tuple[str, ...] = ()
    if hints is not None:
        tags = tuple(
            tag
            for tag, on in (
                ("readOnlyHint", hints.read_only_hint),
                ("destructiveHint", hints.destructive_hint),
                ("idempotentHint", hints.idempotent_hint),
                ("openWorldHint", hints.open_world_hint),
            )
            if on
        )
    title = tool.title or (hints.title if hints is not None and hints.title else None) or tool.name
    schema = dict(tool.input_schema or {}) or {"type": "object", "properties": {}}
    return RemoteTool(tool.name, title, tool.description or "", schema, tool.output_schema, tags)


async def call_tool(arguments: dict[str, Any], context: ToolContext) -> Any:
    """Run the tool on its remote server: `tools/call` with the account's auth headers.

    The result's structured content (or its text, parsed as JSON when it is JSON) is the execution's
    `data`; an `isError` result fails the execution with the server's text.
    """
    tool = context.tool
    if tool is None or not tool.remote_name:
        raise ToolError("This tool has no remote MCP tool behind it")
    url = context.base_url
    if context.egress is None:
        raise ToolError("No egress policy is configured for calls to remote MCP servers")
    try:
        headers = auth_headers(url, context.scheme, context.credentials)
    except CredentialError as exc:
        raise ToolError(str(exc)) from None
    try:
        with anyio.fail_after(TIMEOUT_SECONDS):
            async with _session(url, headers, context.egress) as session:
                result = await session.call_tool(tool.remote_name, arguments)
    except Exception as exc:
        raise ToolError(_describe(exc, url)) from None
    texts = [block.text for block in result.content if isinstance(block, types.TextContent)]
    if result.is_error:
        raise ToolError(" ".join(texts) or "The remote tool failed", {"content": texts})
    return result_data(result.structured_content, texts)


def result_data(structured: dict[str, Any] | None, texts: list[str]) -> dict[str, Any]:
    """Composio's `data` for an MCP result: the structured content, else the text (JSON objects unpacked)."""
    if structured is not None:
        return dict(structured)
    if len(texts) == 1:
        try:
            parsed = json.loads(texts[0])
        except ValueError:
            parsed = None
        if isinstance(parsed, dict):
            return parsed
    return {"content": texts}
