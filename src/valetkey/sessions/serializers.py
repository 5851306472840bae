"""Sessions in the Composio wire format (`composio_client.types.tool_router.*`).

The session object follows `SessionCreateResponse` / `SessionRetrieveResponse`,
toolkit items `SessionToolkitsResponse.Item`, and meta tools the catalog's
tool item (`catalog.serializers.tool_item`) under a `composio` toolkit, so
the SDK's provider wrappers treat them like any other tool.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from valetkey.catalog.model import Tool, Toolkit
from valetkey.catalog.serializers import tool_item
from valetkey.connections.managed import managed_schemes
from valetkey.execution.state import ExecutionState
from valetkey.sessions import custom_tools, hooks
from valetkey.sessions.config import PRELOAD_ALL, SessionConfig, TagFilter
from valetkey.sessions.custom_tools import CustomTools
from valetkey.sessions.meta_tools import MetaTool, offered
from valetkey.sessions.records import SessionRecord
from valetkey.sessions.status import ToolkitStatus

MCP_PATH = "/mcp/sessions/"
META_VERSION = "20250901_00"
META_TOOLKIT = Toolkit(
    slug="composio",
    name="Composio",
    description="Meta tools of a session.",
    logo="",
    categories=(),
    base_url="",
    auth_schemes=(),
    versions=(META_VERSION,),
)


def timestamp(moment: dt.datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def mcp_url(public_url: str, session_id: str) -> str:
    """Where the MCP server serves a session's tools (the contract with valetkey.mcp)."""
    return public_url.rstrip("/") + MCP_PATH + session_id


def _tags(tags: TagFilter | None) -> dict[str, Any] | None:
    return {"enabled": list(tags.enabled), "disabled": list(tags.disabled)} if tags else None


def wire_config(config: SessionConfig) -> dict[str, Any]:
    toolkits = config.toolkits
    tools: dict[str, Any] = {}
    for slug, rules in config.tools.items():
        if rules.enabled is not None:
            tools[slug] = {"enabled": list(rules.enabled)}
        elif rules.disabled:
            tools[slug] = {"disabled": list(rules.disabled)}
        elif rules.tags is not None:
            tools[slug] = {"tags": _tags(rules.tags)}
    manage = config.manage_connections
    return {
        "user_id": config.user_id,
        "toolkits": (
            {"enabled": list(toolkits.enabled)}
            if toolkits.enabled is not None
            else {"disabled": list(toolkits.disabled)}
            if toolkits.disabled
            else None
        ),
        "tools": tools or None,
        "tags": _tags(config.tags),
        "auth_configs": dict(config.auth_configs) or None,
        "connected_accounts": {k: list(v) for k, v in config.connected_accounts.items()} or None,
        "manage_connections": {
            "enabled": manage.enabled,
            "callback_url": manage.callback_url,
            "enable_wait_for_connections": manage.wait_for_connections,
            "enable_connection_removal": False,
        },
        "workbench": workbench_view(config),
        "multi_account": _multi_account(config),
        "preload": {"tools": config.preload if config.preload == PRELOAD_ALL else list(config.preload)},
        "search": {"enable": config.search_enabled},
        "execute": {"enable_multi_execute": config.multi_execute_enabled},
        "instant": False,
        "proxy_execute": None if config.proxy_execute is None else {"enable": config.proxy_execute},
        "hooks": hooks.wire(config.hooks) or None,
    }


def _multi_account(config: SessionConfig) -> dict[str, Any] | None:
    multi = config.multi_account
    if multi is None:
        return None
    return {
        "enable": multi.enable,
        "max_accounts_per_toolkit": multi.max_accounts_per_toolkit,
        "require_explicit_selection": multi.require_explicit_selection,
    }


def session_view(record: SessionRecord, public_url: str, custom: CustomTools | None = None) -> dict[str, Any]:
    """The session object; `custom` (the definitions `attach` carried) replaces the stored custom tools."""
    view: dict[str, Any] = {
        "session_id": record.id,
        "config": wire_config(record.config),
        "config_version": record.version,
        "mcp": {"type": "http", "url": mcp_url(public_url, record.id), "headers": {}},
        "tool_router_tools": [tool.slug for tool in offered(record.config)],
    }
    shown = record.config.custom if custom is None else custom
    if shown:
        view["experimental"] = custom_tools.wire(shown)
    return view


def meta_tool_item(meta: MetaTool, session_id: str | None = None) -> dict[str, Any]:
    tool = Tool(
        slug=meta.slug,
        toolkit=META_TOOLKIT.slug,
        name=meta.name,
        description=meta.description,
        input_schema=meta.input_schema(session_id),
        output_schema=meta.output_schema,
        tags=meta.tags,
        no_auth=True,
    )
    return tool_item(tool, META_TOOLKIT, META_VERSION, (META_VERSION,))


def toolkit_item(state: ExecutionState, status: ToolkitStatus, *, enabled: bool) -> dict[str, Any]:
    toolkit, account = status.toolkit, status.account
    return {
        "slug": toolkit.slug,
        "name": toolkit.name,
        "enabled": enabled,
        "is_no_auth": toolkit.no_auth,
        "composio_managed_auth_schemes": managed_schemes(state, toolkit),
        "meta": {"description": toolkit.description, "logo": toolkit.logo, "isNoAuth": toolkit.no_auth},
        "connected_account": None
        if account is None or toolkit.no_auth
        else {
            "id": account.id,
            "status": "INACTIVE" if account.facts.is_disabled else account.facts.status,
            "user_id": account.user_id,
            "created_at": timestamp(account.facts.created_at),
            "auth_config": {
                "id": account.facts.auth_config_id,
                "auth_scheme": account.auth_scheme,
                "is_composio_managed": account.is_managed,
            },
        },
    }


def workbench_view(config: SessionConfig) -> dict[str, Any]:
    """The session's workbench as the SDK's `ConfigWorkbench` reads it."""
    settings = config.workbench
    if not settings.get("enable"):
        return {"enable": False}
    return {
        "enable": True,
        "sandbox_size": settings.get("sandbox_size", "standard"),
        "proxy_execution_enabled": config.workbench_proxy_enabled,
        "tool_execution_enabled": bool(settings.get("enable_tool_execution", True)),
    }
