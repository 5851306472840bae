"""Every REST call the clients make, described once (`transport.Call`); both clients send these.

Paths are the server's `/api/v3.1` routes (docs/api.md). Nothing here performs I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal
from urllib.parse import quote

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
    nothing,
    page_of,
    raw,
)
from valetkey.client.transport import API, Call, call

Method = Literal["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"]
SESSIONS = f"{API}/tool_router/session"


def _seg(value: str) -> str:
    return quote(value, safe="")


def _csv(values: Sequence[str] | None) -> str | None:
    return ",".join(values) if values else None


def connection_fields(
    identifier: str | None, connection_name: str | None, connected_account_id: str | None
) -> dict[str, Any]:
    """The stateless way to name whose account a call uses (the server refuses contradictions)."""
    fields: dict[str, Any] = {}
    if identifier is not None:
        fields["identifier"] = identifier
    if connection_name is not None:
        fields["connection_name"] = connection_name
    if connected_account_id is not None:
        fields["connected_account_id"] = connected_account_id
    return fields


# -- execution ----------------------------------------------------------------------------------


def execute_tool(
    tool: str,
    arguments: Mapping[str, Any] | None,
    *,
    identifier: str | None,
    connection_name: str | None,
    connected_account_id: str | None,
    version: str | None,
) -> Call[ExecuteResult]:
    body: dict[str, Any] = {"arguments": dict(arguments or {})}
    body |= connection_fields(identifier, connection_name, connected_account_id)
    if version is not None:
        body["version"] = version
    return call("POST", f"{API}/tools/execute/{_seg(tool)}", ExecuteResult.from_wire, json=body)


def proxy(
    path: str,
    method: Method,
    *,
    identifier: str | None,
    connection_name: str | None,
    connected_account_id: str | None,
    query: Mapping[str, Any] | None,
    headers: Mapping[str, str] | None,
    body: Any,
) -> Call[ProxyResult]:
    parameters = [{"name": k, "value": str(v), "type": "query"} for k, v in (query or {}).items()]
    parameters += [{"name": k, "value": v, "type": "header"} for k, v in (headers or {}).items()]
    document: dict[str, Any] = {"endpoint": path, "method": method, "parameters": parameters}
    document |= connection_fields(identifier, connection_name, connected_account_id)
    if body is not None:
        document["body"] = body
    return call("POST", f"{API}/tools/execute/proxy", ProxyResult.from_wire, json=document)


# -- connected accounts and auth configs --------------------------------------------------------


def list_accounts(
    *,
    identifier: str | None,
    toolkits: Sequence[str] | None,
    auth_config_ids: Sequence[str] | None,
    statuses: Sequence[str] | None,
    limit: int | None,
    cursor: str | None,
) -> Call[Page[ConnectedAccount]]:
    params = {
        "user_ids": identifier,
        "toolkit_slugs": _csv(toolkits),
        "auth_config_ids": _csv(auth_config_ids),
        "statuses": _csv(statuses),
        "limit": limit,
        "cursor": cursor,
    }
    return call("GET", f"{API}/connected_accounts", page_of(ConnectedAccount.from_wire), params=params)


def get_account(account_id: str) -> Call[ConnectedAccount]:
    return call("GET", f"{API}/connected_accounts/{_seg(account_id)}", ConnectedAccount.from_wire)


def delete_account(account_id: str) -> Call[None]:
    return call("DELETE", f"{API}/connected_accounts/{_seg(account_id)}", nothing)


def create_account(
    identifier: str,
    auth_config_id: str,
    *,
    auth_scheme: str | None,
    credentials: Mapping[str, Any] | None,
    callback_url: str | None,
) -> Call[dict[str, Any]]:
    connection: dict[str, Any] = {"user_id": identifier}
    if credentials is not None or auth_scheme is not None:
        connection["state"] = {"auth_scheme": auth_scheme, "val": dict(credentials or {})}
    if callback_url is not None:
        connection["callback_url"] = callback_url
    body = {"auth_config": {"id": auth_config_id}, "connection": connection}
    return call("POST", f"{API}/connected_accounts", raw, json=body)


def refresh_account(account_id: str) -> Call[dict[str, Any]]:
    return call("POST", f"{API}/connected_accounts/{_seg(account_id)}/refresh", raw)


def complete_auth(identifier: str, session_uri: str) -> Call[dict[str, Any]]:
    body = {"user_id": identifier, "session_uri": session_uri}
    return call("POST", f"{API}/connected_accounts/complete_auth", raw, json=body)


def authorization_link(
    identifier: str,
    *,
    connection_name: str | None,
    auth_config_id: str | None,
    callback_url: str | None,
    alias: str | None,
) -> Call[AuthorizationLink]:
    body: dict[str, Any] = {"identifier": identifier}
    if connection_name is not None:
        body["connection_name"] = connection_name
    if auth_config_id is not None:
        body["auth_config_id"] = auth_config_id
    if callback_url is not None:
        body["callback_url"] = callback_url
    if alias is not None:
        body["alias"] = alias
    return call("POST", f"{API}/connected_accounts/link", AuthorizationLink.from_wire, json=body)


def list_auth_configs(
    *, toolkit: str | None, search: str | None, limit: int | None, cursor: str | None
) -> Call[Page[AuthConfig]]:
    params = {"toolkit_slug": toolkit, "search": search, "limit": limit, "cursor": cursor}
    return call("GET", f"{API}/auth_configs", page_of(AuthConfig.from_wire), params=params)


# -- catalog ------------------------------------------------------------------------------------


def list_toolkits(
    *, search: str | None, category: str | None, limit: int | None, cursor: str | None
) -> Call[Page[Toolkit]]:
    params = {"search": search, "category": category, "limit": limit, "cursor": cursor}
    return call("GET", f"{API}/toolkits", page_of(Toolkit.from_wire), params=params)


def get_toolkit(slug: str) -> Call[Toolkit]:
    return call("GET", f"{API}/toolkits/{_seg(slug)}", Toolkit.from_wire)


def list_tools(
    *,
    toolkits: Sequence[str] | None,
    tools: Sequence[str] | None,
    search: str | None,
    tags: Sequence[str] | None,
    limit: int | None,
    cursor: str | None,
) -> Call[Page[Tool]]:
    params = {
        "toolkit_slug": _csv(toolkits),
        "tool_slugs": _csv(tools),
        "query": search,
        "tags": _csv(tags),
        "limit": limit,
        "cursor": cursor,
    }
    return call("GET", f"{API}/tools", page_of(Tool.from_wire), params=params)


def get_tool(slug: str) -> Call[Tool]:
    return call("GET", f"{API}/tools/{_seg(slug)}", Tool.from_wire)


# -- sessions -----------------------------------------------------------------------------------


def create_session(identifier: str, config: Mapping[str, Any]) -> Call[Session]:
    return call("POST", SESSIONS, Session.from_wire, json={"user_id": identifier, **config})


def get_session(session_id: str) -> Call[Session]:
    return call("GET", f"{SESSIONS}/{_seg(session_id)}", Session.from_wire)


def delete_session(session_id: str) -> Call[None]:
    return call("DELETE", f"{SESSIONS}/{_seg(session_id)}", nothing)


def session_tools(session_id: str) -> Call[Page[Tool]]:
    return call("GET", f"{SESSIONS}/{_seg(session_id)}/tools", page_of(Tool.from_wire))


def session_search(session_id: str, queries: Sequence[str]) -> Call[SearchResult]:
    body = {"queries": [{"use_case": q} for q in queries]}
    return call("POST", f"{SESSIONS}/{_seg(session_id)}/search", SearchResult.from_wire, json=body)


def session_execute(
    session_id: str, tool: str, arguments: Mapping[str, Any] | None, account: str | None
) -> Call[ExecuteResult]:
    body: dict[str, Any] = {"tool_slug": tool, "arguments": dict(arguments or {})}
    if account is not None:
        body["account"] = account
    return call("POST", f"{SESSIONS}/{_seg(session_id)}/execute", ExecuteResult.from_wire, json=body)


def session_execute_meta(
    session_id: str, slug: str, arguments: Mapping[str, Any] | None
) -> Call[ExecuteResult]:
    body = {"slug": slug, "arguments": dict(arguments or {})}
    return call("POST", f"{SESSIONS}/{_seg(session_id)}/execute_meta", ExecuteResult.from_wire, json=body)


def session_link(session_id: str, toolkit: str, callback_url: str | None) -> Call[AuthorizationLink]:
    body: dict[str, Any] = {"toolkit": toolkit}
    if callback_url is not None:
        body["callback_url"] = callback_url
    return call("POST", f"{SESSIONS}/{_seg(session_id)}/link", AuthorizationLink.from_wire, json=body)


# -- MCP ----------------------------------------------------------------------------------------


def create_mcp_server(
    name: str, *, auth_config_ids: Sequence[str], toolkits: Sequence[str], allowed_tools: Sequence[str]
) -> Call[dict[str, Any]]:
    body = {
        "name": name,
        "auth_config_ids": list(auth_config_ids),
        "toolkits": list(toolkits),
        "allowed_tools": list(allowed_tools),
    }
    return call("POST", f"{API}/mcp/servers/custom", raw, json=body)


def mcp_urls(
    server_id: str, *, identifiers: Sequence[str], connected_account_ids: Sequence[str]
) -> Call[McpUrls]:
    body = {
        "mcp_server_id": server_id,
        "user_ids": list(identifiers),
        "connected_account_ids": list(connected_account_ids),
    }
    return call("POST", f"{API}/mcp/servers/generate", McpUrls.from_wire, json=body)
