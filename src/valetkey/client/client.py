"""`Valetkey` (sync) and `AsyncValetkey`: the same calls, one blocking, one awaitable.

Each method is one REST call described in `calls` (or a few, for the helpers that compose
them: `get_or_create_connected_account`, `list_scoped_tools`, `wait_for_connection`,
`handle_tool_call`). A client holds one pooled HTTP connection set; close it (or use it as a
context manager) when done.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import httpx

from valetkey.client import calls, errors, shapes
from valetkey.client.calls import Method
from valetkey.client.errors import BadRequestError, NotFoundError, ValetkeyError
from valetkey.client.models import (
    AuthConfig,
    AuthorizationLink,
    ConnectedAccount,
    ExecuteResult,
    McpUrls,
    Page,
    ProxyResult,
    SearchResult,
    Session,
    Tool,
    Toolkit,
)
from valetkey.client.retry import RetryPolicy
from valetkey.client.transport import AsyncTransport, SyncTransport

DEFAULT_BASE_URL = "http://127.0.0.1:8000"
META_PREFIX = "COMPOSIO_"
PAGE = 100


def _env(api_key: str | None, base_url: str | None) -> tuple[str, str]:
    key = api_key or os.environ.get("VALETKEY_API_KEY")
    if not key:
        raise ValetkeyError("no API key: pass api_key or set VALETKEY_API_KEY")
    return key, base_url or os.environ.get("VALETKEY_BASE_URL") or DEFAULT_BASE_URL


def _only_auth_config(name: str, page: Page[AuthConfig]) -> AuthConfig:
    for config in page:
        if config.name == name:
            return config
    raise NotFoundError(
        f"No auth config named {name!r} (connection_name) in this project",
        status=404,
        slug="AuthConfigNotFound",
        suggested_fix="List auth configs with list_auth_configs(); connection_name is an auth config's name.",
    )


def _pick_account(accounts: Page[ConnectedAccount]) -> ConnectedAccount | None:
    """The account to reuse: an ACTIVE one first, else the newest enabled one (a pending connection)."""
    usable = [a for a in accounts if not a.is_disabled]
    return next((a for a in usable if a.status == "ACTIVE"), usable[0] if usable else None)


def _scoped(
    accounts: Sequence[ConnectedAccount],
    names: Mapping[str, str],
    connection_names: Sequence[str] | None,
    toolkits: Sequence[str] | None,
) -> list[str]:
    """The toolkits of the user's ACTIVE accounts, narrowed by connection names and toolkits."""
    wanted_toolkits = {t.lower() for t in toolkits or ()}
    out: list[str] = []
    for account in accounts:
        if not account.active:
            continue
        if connection_names is not None and names.get(account.auth_config_id or "") not in connection_names:
            continue
        if wanted_toolkits and account.toolkit not in wanted_toolkits:
            continue
        if account.toolkit not in out:
            out.append(account.toolkit)
    return out


def _tool_filter(tools: Sequence[Tool], tool_names: Sequence[str] | None) -> list[Tool]:
    if not tool_names:
        return list(tools)
    wanted = {n.upper() for n in tool_names}
    return [t for t in tools if t.slug.upper() in wanted]


def _session_config(
    toolkits: Sequence[str] | None,
    connection_names: Sequence[str] | None,
    config: Mapping[str, Any] | None,
) -> dict[str, Any]:
    body = dict(config or {})
    if toolkits is not None:
        body["toolkits"] = list(toolkits)
    if connection_names is not None:
        body["connection_name"] = list(connection_names)
    return body


class Valetkey:
    """A blocking client. ``Valetkey(api_key=..., base_url=...)`` or ``Valetkey.from_env()``."""

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | None = None,
        *,
        timeout: float | httpx.Timeout | None = None,
        retry: RetryPolicy | None = None,
        headers: Mapping[str, str] | None = None,
        http_client: httpx.Client | None = None,
    ) -> None:
        key, url = _env(api_key, base_url)
        self._t = SyncTransport(
            url, key, timeout=timeout, retry=retry, headers=headers, http_client=http_client
        )
        self.base_url = self._t.base_url

    @classmethod
    def from_env(cls, **options: Any) -> Valetkey:
        """VALETKEY_API_KEY (a project key) and VALETKEY_BASE_URL (the server's root URL)."""
        return cls(None, None, **options)

    def close(self) -> None:
        self._t.close()

    def __enter__(self) -> Valetkey:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- stateless execution --------------------------------------------------------------------

    def execute_tool(
        self,
        tool: str,
        arguments: Mapping[str, Any] | None = None,
        *,
        identifier: str | None = None,
        connection_name: str | None = None,
        connected_account_id: str | None = None,
        version: str | None = None,
    ) -> ExecuteResult:
        """Run `tool` (``GMAIL_FETCH_EMAILS`` or ``gmail_fetch_emails``) as user `identifier`, on the
        account of auth config `connection_name`, or on `connected_account_id`."""
        return self._t.send(
            calls.execute_tool(
                tool,
                arguments,
                identifier=identifier,
                connection_name=connection_name,
                connected_account_id=connected_account_id,
                version=version,
            )
        )

    def request(
        self,
        path: str,
        method: Method = "GET",
        *,
        identifier: str | None = None,
        connection_name: str | None = None,
        connected_account_id: str | None = None,
        query: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        body: Any = None,
    ) -> ProxyResult:
        """An authenticated request to the connection's API; `path` is relative to its base URL."""
        return self._t.send(
            calls.proxy(
                path,
                method,
                identifier=identifier,
                connection_name=connection_name,
                connected_account_id=connected_account_id,
                query=query,
                headers=headers,
                body=body,
            )
        )

    def handle_tool_call(
        self,
        tool_call: Any,
        *,
        identifier: str | None = None,
        connection_name: str | None = None,
        connected_account_id: str | None = None,
        session_id: str | None = None,
    ) -> dict[str, Any]:
        """Execute a model's tool call (OpenAI chat or responses, Anthropic) and answer it in kind.

        With `session_id`, the call runs in that session (meta tools included)."""
        parsed = shapes.read_tool_call(tool_call)
        if session_id is not None:
            if parsed.name.upper().startswith(META_PREFIX):
                result = self.session_execute_meta(session_id, parsed.name, parsed.arguments)
            else:
                result = self.session_execute(session_id, parsed.name, parsed.arguments)
        else:
            result = self.execute_tool(
                parsed.name,
                parsed.arguments,
                identifier=identifier,
                connection_name=connection_name,
                connected_account_id=connected_account_id,
            )
        return shapes.tool_result(parsed, result)

    # -- connections ----------------------------------------------------------------------------

    def list_connected_accounts(
        self,
        *,
        identifier: str | None = None,
        toolkits: Sequence[str] | None = None,
        auth_config_ids: Sequence[str] | None = None,
        statuses: Sequence[str] | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> Page[ConnectedAccount]:
        return self._t.send(
            calls.list_accounts(
                identifier=identifier,
                toolkits=toolkits,
                auth_config_ids=auth_config_ids,
                statuses=statuses,
                limit=limit,
                cursor=cursor,
            )
        )

    def get_connected_account(self, account_id: str) -> ConnectedAccount:
        return self._t.send(calls.get_account(account_id))

    def delete_connected_account(self, account_id: str) -> None:
        self._t.send(calls.delete_account(account_id))

    def refresh_connected_account(self, account_id: str) -> dict[str, Any]:
        """Refresh (OAuth) or re-check (keys) the account; the answer's `redirect_url` asks the user again."""
        return self._t.send(calls.refresh_account(account_id))

    def list_auth_configs(
        self,
        *,
        toolkit: str | None = None,
        search: str | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> Page[AuthConfig]:
        return self._t.send(
            calls.list_auth_configs(toolkit=toolkit, search=search, limit=limit, cursor=cursor)
        )

    def get_auth_config_by_name(self, connection_name: str) -> AuthConfig:
        """The auth config a `connection_name` names (names are unique within a project)."""
        page = self._t.send(
            calls.list_auth_configs(toolkit=None, search=connection_name, limit=PAGE, cursor=None)
        )
        return _only_auth_config(connection_name, page)

    def get_or_create_connected_account(
        self,
        identifier: str,
        connection_name: str,
        *,
        credentials: Mapping[str, Any] | None = None,
        auth_scheme: str | None = None,
        callback_url: str | None = None,
    ) -> ConnectedAccount:
        """The user's account on the auth config `connection_name` (ACTIVE first); else a new one: with
        `credentials` for a key scheme, or a pending OAuth connection whose `redirect_url` the user opens."""
        config = self.get_auth_config_by_name(connection_name)
        found = _pick_account(
            self.list_connected_accounts(identifier=identifier, auth_config_ids=[config.id], limit=PAGE)
        )
        if found is not None:
            return found
        created = self._t.send(
            calls.create_account(
                identifier,
                config.id,
                auth_scheme=auth_scheme or (config.auth_scheme if credentials is not None else None),
                credentials=credentials,
                callback_url=callback_url,
            )
        )
        account = self.get_connected_account(created["id"])
        if account.redirect_url is None and created.get("redirect_url"):
            account = _with_redirect(account, created["redirect_url"])
        return account

    def get_authorization_link(
        self,
        identifier: str,
        connection_name: str | None = None,
        *,
        auth_config_id: str | None = None,
        callback_url: str | None = None,
        alias: str | None = None,
    ) -> AuthorizationLink:
        """A Connect Link (hosted page) for the user to connect the auth config `connection_name`."""
        return self._t.send(
            calls.authorization_link(
                identifier,
                connection_name=connection_name,
                auth_config_id=auth_config_id,
                callback_url=callback_url,
                alias=alias,
            )
        )

    def complete_auth(self, identifier: str, session_uri: str) -> dict[str, Any]:
        """Composio's OAuth-verifier step; this server completes every connection at its callback, so
        it answers NotFoundError (AuthSessionNotFound): use `wait_for_connection` instead."""
        return self._t.send(calls.complete_auth(identifier, session_uri))

    def wait_for_connection(
        self, account_id: str, *, timeout: float = 300.0, interval: float = 1.0
    ) -> ConnectedAccount:
        """Poll until the account is ACTIVE; TimeoutError when it is not within `timeout` seconds,
        BadRequestError when it ended otherwise (FAILED, EXPIRED)."""
        deadline = time.monotonic() + timeout
        while True:
            account = self.get_connected_account(account_id)
            if account.status == "ACTIVE":
                return account
            _check_pending(account)
            if time.monotonic() >= deadline:
                raise errors.TimeoutError(f"connected account {account_id} is still {account.status}")
            time.sleep(interval)

    # -- catalog --------------------------------------------------------------------------------

    def list_toolkits(
        self,
        *,
        search: str | None = None,
        category: str | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> Page[Toolkit]:
        return self._t.send(calls.list_toolkits(search=search, category=category, limit=limit, cursor=cursor))

    def get_toolkit(self, slug: str) -> Toolkit:
        return self._t.send(calls.get_toolkit(slug))

    def list_tools(
        self,
        *,
        toolkits: Sequence[str] | None = None,
        tools: Sequence[str] | None = None,
        search: str | None = None,
        tags: Sequence[str] | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> Page[Tool]:
        return self._t.send(
            calls.list_tools(
                toolkits=toolkits, tools=tools, search=search, tags=tags, limit=limit, cursor=cursor
            )
        )

    def get_tool(self, slug: str) -> Tool:
        return self._t.send(calls.get_tool(slug))

    def search_tools(
        self, query: str, *, toolkits: Sequence[str] | None = None, limit: int = 10
    ) -> list[Tool]:
        """Tools ranked for a task described in words (the server's search engine)."""
        return self.list_tools(search=query, toolkits=toolkits, limit=limit).items

    def list_scoped_tools(
        self,
        identifier: str,
        *,
        connection_names: Sequence[str] | None = None,
        toolkits: Sequence[str] | None = None,
        tool_names: Sequence[str] | None = None,
    ) -> list[Tool]:
        """The tools user `identifier` can run now: those of the toolkits of their ACTIVE accounts,
        narrowed to `connection_names` (auth config names), `toolkits` and `tool_names`."""
        accounts = self._all_accounts(identifier)
        names = {c.id: c.name for c in self._all_auth_configs()} if connection_names is not None else {}
        scoped = _scoped(accounts, names, connection_names, toolkits)
        if not scoped:
            return []
        tools: list[Tool] = []
        cursor: str | None = None
        while True:
            page = self.list_tools(
                toolkits=scoped, tools=tool_names, limit=PAGE if not tool_names else None, cursor=cursor
            )
            tools += page.items
            cursor = page.next_cursor
            if not cursor:
                return _tool_filter(tools, tool_names)

    def _all_accounts(self, identifier: str) -> list[ConnectedAccount]:
        out: list[ConnectedAccount] = []
        cursor: str | None = None
        while True:
            page = self.list_connected_accounts(identifier=identifier, limit=PAGE, cursor=cursor)
            out += page.items
            cursor = page.next_cursor
            if not cursor:
                return out

    def _all_auth_configs(self) -> list[AuthConfig]:
        out: list[AuthConfig] = []
        cursor: str | None = None
        while True:
            page = self.list_auth_configs(limit=PAGE, cursor=cursor)
            out += page.items
            cursor = page.next_cursor
            if not cursor:
                return out

    # -- sessions -------------------------------------------------------------------------------

    def create_session(
        self,
        identifier: str,
        *,
        toolkits: Sequence[str] | None = None,
        connection_names: Sequence[str] | None = None,
        config: Mapping[str, Any] | None = None,
    ) -> Session:
        """A Tool Router session for user `identifier`. `connection_names` pins, per toolkit, the
        user's account on each named auth config; `config` carries any other session setting
        (``auth_configs``, ``connected_accounts``, ``manage_connections``, ``tools``, ``workbench``...)."""
        return self._t.send(
            calls.create_session(identifier, _session_config(toolkits, connection_names, config))
        )

    def get_session(self, session_id: str) -> Session:
        return self._t.send(calls.get_session(session_id))

    def delete_session(self, session_id: str) -> None:
        self._t.send(calls.delete_session(session_id))

    def session_tools(self, session_id: str) -> list[Tool]:
        """The session's meta tools (COMPOSIO_SEARCH_TOOLS, COMPOSIO_MULTI_EXECUTE_TOOL...) with schemas."""
        return self._t.send(calls.session_tools(session_id)).items

    def session_search(self, session_id: str, *queries: str) -> SearchResult:
        return self._t.send(calls.session_search(session_id, queries))

    def session_execute(
        self,
        session_id: str,
        tool: str,
        arguments: Mapping[str, Any] | None = None,
        *,
        account: str | None = None,
    ) -> ExecuteResult:
        return self._t.send(calls.session_execute(session_id, tool, arguments, account))

    def session_execute_meta(
        self, session_id: str, slug: str, arguments: Mapping[str, Any] | None = None
    ) -> ExecuteResult:
        return self._t.send(calls.session_execute_meta(session_id, slug, arguments))

    def session_link(
        self, session_id: str, toolkit: str, *, callback_url: str | None = None
    ) -> AuthorizationLink:
        return self._t.send(calls.session_link(session_id, toolkit, callback_url))

    # -- MCP ------------------------------------------------------------------------------------

    def create_mcp_server(
        self,
        name: str,
        *,
        auth_config_ids: Sequence[str] = (),
        toolkits: Sequence[str] = (),
        allowed_tools: Sequence[str] = (),
    ) -> dict[str, Any]:
        return self._t.send(
            calls.create_mcp_server(
                name, auth_config_ids=auth_config_ids, toolkits=toolkits, allowed_tools=allowed_tools
            )
        )

    def mcp_urls(
        self, server_id: str, *, identifiers: Sequence[str] = (), connected_account_ids: Sequence[str] = ()
    ) -> McpUrls:
        """New per-user MCP URLs (each its own credential, shown once) for an MCP server config."""
        return self._t.send(
            calls.mcp_urls(server_id, identifiers=identifiers, connected_account_ids=connected_account_ids)
        )

    def mcp_url(self, server_id: str, identifier: str) -> str:
        """One new per-user MCP URL: an MCP client needs nothing else to use it."""
        return self.mcp_urls(server_id, identifiers=[identifier]).user_urls[0]


class AsyncValetkey:
    """The awaitable client: ``async with AsyncValetkey.from_env() as vk: await vk.execute_tool(...)``."""

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | None = None,
        *,
        timeout: float | httpx.Timeout | None = None,
        retry: RetryPolicy | None = None,
        headers: Mapping[str, str] | None = None,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        key, url = _env(api_key, base_url)
        self._t = AsyncTransport(
            url, key, timeout=timeout, retry=retry, headers=headers, http_client=http_client
        )
        self.base_url = self._t.base_url

    @classmethod
    def from_env(cls, **options: Any) -> AsyncValetkey:
        return cls(None, None, **options)

    async def close(self) -> None:
        await self._t.close()

    async def __aenter__(self) -> AsyncValetkey:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    async def execute_tool(
        self,
        tool: str,
        arguments: Mapping[str, Any] | None = None,
        *,
        identifier: str | None = None,
        connection_name: str | None = None,
        connected_account_id: str | None = None,
        version: str | None = None,
    ) -> ExecuteResult:
        return await self._t.send(
            calls.execute_tool(
                tool,
                arguments,
                identifier=identifier,
                connection_name=connection_name,
                connected_account_id=connected_account_id,
                version=version,
            )
        )

    async def request(
        self,
        path: str,
        method: Method = "GET",
        *,
        identifier: str | None = None,
        connection_name: str | None = None,
        connected_account_id: str | None = None,
        query: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        body: Any = None,
    ) -> ProxyResult:
        return await self._t.send(
            calls.proxy(
                path,
                method,
                identifier=identifier,
                connection_name=connection_name,
                connected_account_id=connected_account_id,
                query=query,
                headers=headers,
                body=body,
            )
        )

    async def handle_tool_call(
        self,
        tool_call: Any,
        *,
        identifier: str | None = None,
        connection_name: str | None = None,
        connected_account_id: str | None = None,
        session_id: str | None = None,
    ) -> dict[str, Any]:
        parsed = shapes.read_tool_call(tool_call)
        if session_id is not None:
            if parsed.name.upper().startswith(META_PREFIX):
                result = await self.session_execute_meta(session_id, parsed.name, parsed.arguments)
            else:
                result = await self.session_execute(session_id, parsed.name, parsed.arguments)
        else:
            result = await self.execute_tool(
                parsed.name,
                parsed.arguments,
                identifier=identifier,
                connection_name=connection_name,
                connected_account_id=connected_account_id,
            )
        return shapes.tool_result(parsed, result)

    async def list_connected_accounts(
        self,
        *,
        identifier: str | None = None,
        toolkits: Sequence[str] | None = None,
        auth_config_ids: Sequence[str] | None = None,
        statuses: Sequence[str] | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> Page[ConnectedAccount]:
        return await self._t.send(
            calls.list_accounts(
                identifier=identifier,
                toolkits=toolkits,
                auth_config_ids=auth_config_ids,
                statuses=statuses,
                limit=limit,
                cursor=cursor,
            )
        )

    async def get_connected_account(self, account_id: str) -> ConnectedAccount:
        return await self._t.send(calls.get_account(account_id))

    async def delete_connected_account(self, account_id: str) -> None:
        await self._t.send(calls.delete_account(account_id))

    async def refresh_connected_account(self, account_id: str) -> dict[str, Any]:
        return await self._t.send(calls.refresh_account(account_id))

    async def list_auth_configs(
        self,
        *,
        toolkit: str | None = None,
        search: str | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> Page[AuthConfig]:
        return await self._t.send(
            calls.list_auth_configs(toolkit=toolkit, search=search, limit=limit, cursor=cursor)
        )

    async def get_auth_config_by_name(self, connection_name: str) -> AuthConfig:
        page = await self._t.send(
            calls.list_auth_configs(toolkit=None, search=connection_name, limit=PAGE, cursor=None)
        )
        return _only_auth_config(connection_name, page)

    async def get_or_create_connected_account(
        self,
        identifier: str,
        connection_name: str,
        *,
        credentials: Mapping[str, Any] | None = None,
        auth_scheme: str | None = None,
        callback_url: str | None = None,
    ) -> ConnectedAccount:
        config = await self.get_auth_config_by_name(connection_name)
        found = _pick_account(
            await self.list_connected_accounts(identifier=identifier, auth_config_ids=[config.id], limit=PAGE)
        )
        if found is not None:
            return found
        created = await self._t.send(
            calls.create_account(
                identifier,
                config.id,
                auth_scheme=auth_scheme or (config.auth_scheme if credentials is not None else None),
                credentials=credentials,
                callback_url=callback_url,
            )
        )
        account = await self.get_connected_account(created["id"])
        if account.redirect_url is None and created.get("redirect_url"):
            account = _with_redirect(account, created["redirect_url"])
        return account

    async def get_authorization_link(
        self,
        identifier: str,
        connection_name: str | None = None,
        *,
        auth_config_id: str | None = None,
        callback_url: str | None = None,
        alias: str | None = None,
    ) -> AuthorizationLink:
        return await self._t.send(
            calls.authorization_link(
                identifier,
                connection_name=connection_name,
                auth_config_id=auth_config_id,
                callback_url=callback_url,
                alias=alias,
            )
        )

    async def complete_auth(self, identifier: str, session_uri: str) -> dict[str, Any]:
        return await self._t.send(calls.complete_auth(identifier, session_uri))

    async def wait_for_connection(
        self,
        account_id: str,
        *,
        timeout: float = 300.0,  # noqa: ASYNC109 - a polling deadline, the same argument as the sync client's
        interval: float = 1.0,
    ) -> ConnectedAccount:
        deadline = time.monotonic() + timeout
        while True:
            account = await self.get_connected_account(account_id)
            if account.status == "ACTIVE":
                return account
            _check_pending(account)
            if time.monotonic() >= deadline:
                raise errors.TimeoutError(f"connected account {account_id} is still {account.status}")
            await asyncio.sleep(interval)

    async def list_toolkits(
        self,
        *,
        search: str | None = None,
        category: str | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> Page[Toolkit]:
        return await self._t.send(
            calls.list_toolkits(search=search, category=category, limit=limit, cursor=cursor)
        )

    async def get_toolkit(self, slug: str) -> Toolkit:
        return await self._t.send(calls.get_toolkit(slug))

    async def list_tools(
        self,
        *,
        toolkits: Sequence[str] | None = None,
        tools: Sequence[str] | None = None,
        search: str | None = None,
        tags: Sequence[str] | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> Page[Tool]:
        return await self._t.send(
            calls.list_tools(
                toolkits=toolkits, tools=tools, search=search, tags=tags, limit=limit, cursor=cursor
            )
        )

    async def get_tool(self, slug: str) -> Tool:
        return await self._t.send(calls.get_tool(slug))

    async def search_tools(
        self, query: str, *, toolkits: Sequence[str] | None = None, limit: int = 10
    ) -> list[Tool]:
        return (await self.list_tools(search=query, toolkits=toolkits, limit=limit)).items

    async def list_scoped_tools(
        self,
        identifier: str,
        *,
        connection_names: Sequence[str] | None = None,
        toolkits: Sequence[str] | None = None,
        tool_names: Sequence[str] | None = None,
    ) -> list[Tool]:
        accounts = await self._all_accounts(identifier)
        names = {c.id: c.name for c in await self._all_auth_configs()} if connection_names is not None else {}
        scoped = _scoped(accounts, names, connection_names, toolkits)
        if not scoped:
            return []
        tools: list[Tool] = []
        cursor: str | None = None
        while True:
            page = await self.list_tools(
                toolkits=scoped, tools=tool_names, limit=PAGE if not tool_names else None, cursor=cursor
            )
            tools += page.items
            cursor = page.next_cursor
            if not cursor:
                return _tool_filter(tools, tool_names)

    async def _all_accounts(self, identifier: str) -> list[ConnectedAccount]:
        out: list[ConnectedAccount] = []
        cursor: str | None = None
        while True:
            page = await self.list_connected_accounts(identifier=identifier, limit=PAGE, cursor=cursor)
            out += page.items
            cursor = page.next_cursor
            if not cursor:
                return out

    async def _all_auth_configs(self) -> list[AuthConfig]:
        out: list[AuthConfig] = []
        cursor: str | None = None
        while True:
            page = await self.list_auth_configs(limit=PAGE, cursor=cursor)
            out += page.items
            cursor = page.next_cursor
            if not cursor:
                return out

    async def create_session(
        self,
        identifier: str,
        *,
        toolkits: Sequence[str] | None = None,
        connection_names: Sequence[str] | None = None,
        config: Mapping[str, Any] | None = None,
    ) -> Session:
        return await self._t.send(
            calls.create_session(identifier, _session_config(toolkits, connection_names, config))
        )

    async def get_session(self, session_id: str) -> Session:
        return await self._t.send(calls.get_session(session_id))

    async def delete_session(self, session_id: str) -> None:
        await self._t.send(calls.delete_session(session_id))

    async def session_tools(self, session_id: str) -> list[Tool]:
        return (await self._t.send(calls.session_tools(session_id))).items

    async def session_search(self, session_id: str, *queries: str) -> SearchResult:
        return await self._t.send(calls.session_search(session_id, queries))

    async def session_execute(
        self,
        session_id: str,
        tool: str,
        arguments: Mapping[str, Any] | None = None,
        *,
        account: str | None = None,
    ) -> ExecuteResult:
        return await self._t.send(calls.session_execute(session_id, tool, arguments, account))

    async def session_execute_meta(
        self, session_id: str, slug: str, arguments: Mapping[str, Any] | None = None
    ) -> ExecuteResult:
        return await self._t.send(calls.session_execute_meta(session_id, slug, arguments))

    async def session_link(
        self, session_id: str, toolkit: str, *, callback_url: str | None = None
    ) -> AuthorizationLink:
        return await self._t.send(calls.session_link(session_id, toolkit, callback_url))

    async def create_mcp_server(
        self,
        name: str,
        *,
        auth_config_ids: Sequence[str] = (),
        toolkits: Sequence[str] = (),
        allowed_tools: Sequence[str] = (),
    ) -> dict[str, Any]:
        return await self._t.send(
            calls.create_mcp_server(
                name, auth_config_ids=auth_config_ids, toolkits=toolkits, allowed_tools=allowed_tools
            )
        )

    async def mcp_urls(
        self, server_id: str, *, identifiers: Sequence[str] = (), connected_account_ids: Sequence[str] = ()
    ) -> McpUrls:
        return await self._t.send(
            calls.mcp_urls(server_id, identifiers=identifiers, connected_account_ids=connected_account_ids)
        )

    async def mcp_url(self, server_id: str, identifier: str) -> str:
        return (await self.mcp_urls(server_id, identifiers=[identifier])).user_urls[0]


def _check_pending(account: ConnectedAccount) -> None:
    if account.status not in ("INITIALIZING", "INITIATED"):
        raise BadRequestError(
            f"connected account {account.id} is {account.status}, not pending",
            status=400,
            slug="ConnectedAccountNotPending",
            suggested_fix="Start a new connection (get_authorization_link).",
        )


def _with_redirect(account: ConnectedAccount, url: str) -> ConnectedAccount:
    return replace(account, redirect_url=url)
