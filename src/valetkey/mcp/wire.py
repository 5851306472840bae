"""MCP server configs in the Composio wire format (`composio_client.types.mcp_*`).

`mcp_url` is the Composio-style base URL: it needs `?user_id=` (or
`?connected_account_id=`) and the project's key in `x-api-key`. The
`commands` show how to add it to common clients with placeholders for both.
"""

from __future__ import annotations

import json
from typing import Any

from valetkey.connections.serializers import iso
from valetkey.mcp.models import McpServer

SERVERS_PATH = "/mcp/servers/"


def server_url(public_url: str, server_id: str) -> str:
    return public_url.rstrip("/") + SERVERS_PATH + server_id


def commands(name: str, url: str) -> dict[str, str]:
    user_url = f"{url}?user_id=<USER_ID>"
    headers = {"x-api-key": "<YOUR_API_KEY>"}
    return {
        "claude": f'claude mcp add --transport http "{name}" "{user_url}" --header "x-api-key: <YOUR_API_KEY>"',
        "cursor": json.dumps({"mcpServers": {name: {"url": user_url, "headers": headers}}}),
        "windsurf": json.dumps({"mcpServers": {name: {"serverUrl": user_url, "headers": headers}}}),
    }


def server_item(row: McpServer, public_url: str, catalog: Any, instance_count: int) -> dict[str, Any]:
    url = server_url(public_url, row.id)
    icons = {}
    for slug in row.toolkits or ():
        toolkit = catalog.find_toolkit(slug)
        if toolkit is not None:
            icons[slug] = toolkit.logo
    return {
        "id": row.id,
        "name": row.name,
        "toolkits": list(row.toolkits or ()),
        "allowed_tools": list(row.allowed_tools or ()),
        "auth_config_ids": list(row.auth_config_ids or ()),
        "managed_auth_via_composio": bool(row.managed_auth),
        "mcp_url": url,
        "commands": commands(row.name, url),
        "toolkit_icons": icons,
        "server_instance_count": instance_count,
        "created_at": iso(row.created_at),
        "updated_at": iso(row.updated_at),
        "deleted": False,
    }


def instance_item(instance: Any) -> dict[str, Any]:
    return {
        "id": instance.id,
        "instance_id": instance.user_id,
        "mcp_server_id": instance.server_id,
        "created_at": iso(instance.created_at),
        "updated_at": iso(instance.updated_at),
    }
