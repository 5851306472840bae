"""Scalekit's migration guide (shared/spec/scalekit/migrate-from-composio.md), its Python as written,
run by tests/test_scalekit_sdk.py with the official scalekit-sdk-python against Valetkey.

`python tests/scalekit_guide.py connect` runs "initialize the client" and "create or retrieve the
connected account"; after the test played the user's browser on the link, `... use` runs the rest
(list scoped tools, execute a tool, the proxy, an MCP config and a per-user MCP URL). Each step
prints one JSON line of what the test checks. Between the guide's lines, only `report` (printing).
"""

from __future__ import annotations

import json
import sys
from typing import Any


def report(**values: Any) -> None:
    print(json.dumps(values, default=str))


def connect() -> None:
    # --- the guide: "Initialize the client"
    import os

    import scalekit.client

    scalekit_client = scalekit.client.ScalekitClient(
        client_id=os.getenv("SCALEKIT_CLIENT_ID"),
        client_secret=os.getenv("SCALEKIT_CLIENT_SECRET"),
        env_url=os.getenv("SCALEKIT_ENV_URL"),
    )
    actions = scalekit_client.actions

    # --- the guide: "After (Scalekit)" of connected accounts
    # Create or retrieve the connected account
    response = actions.get_or_create_connected_account(
        connection_name="gmail",
        identifier="user_123",
    )
    connected_account = response.connected_account
    auth_url = None
    # Generate an authorization link if the account is not yet active
    if connected_account.status != "ACTIVE":
        link_response = actions.get_authorization_link(
            connection_name="gmail",
            identifier="user_123",
        )
        auth_url = link_response.link
        # Redirect or send auth_url to the user
    report(status=connected_account.status, id=connected_account.id, link=auth_url)


def use() -> None:
    import os

    import scalekit.client

    scalekit_client = scalekit.client.ScalekitClient(
        client_id=os.getenv("SCALEKIT_CLIENT_ID"),
        client_secret=os.getenv("SCALEKIT_CLIENT_SECRET"),
        env_url=os.getenv("SCALEKIT_ENV_URL"),
    )
    actions = scalekit_client.actions

    response = actions.get_or_create_connected_account(
        connection_name="gmail",
        identifier="user_123",
    )
    connected_account = response.connected_account
    report(step="account", status=connected_account.status, account=connected_account.model_dump())

    # --- the guide: listScopedTools
    tools_response = scalekit_client.actions.tools.list_scoped_tools(
        identifier="user_123",
        filter={"connection_names": ["gmail"]},  # optional; omit for all connectors
        page_size=100,
    )
    names = [t.tool.definition["name"] for t in tools_response[0].tools]
    report(step="tools", names=names, total=tools_response[0].total_size)

    # --- the guide: executeTool
    result = actions.execute_tool(
        tool_name="gmail_fetch_mails",
        identifier="user_123",
        connection_name="gmail",
        tool_input={"query": "is:unread", "max_results": 5},
    )
    print(json.dumps({"step": "execute", "data": result.data}, default=str))

    # --- the guide: custom tools through the proxy
    response = actions.request(
        connection_name="gmail",
        identifier="user_123",
        method="GET",
        path="/gmail/v1/users/me/messages",
    )
    report(step="proxy", status=response.status_code, body=response.json())

    # --- the guide's MCP: an MCP config (once), then a per-user MCP URL
    from scalekit.actions.types import McpConfigConnectionToolMapping

    config = actions.mcp.create_config(
        name="gmail-agent",
        connection_tool_mappings=[
            McpConfigConnectionToolMapping(connection_name="gmail", tools=["gmail_fetch_mails"])
        ],
    )
    instance = actions.mcp.ensure_instance(config_name="gmail-agent", user_identifier="user_123")
    report(step="mcp", config=config.model_dump(), instance=instance.model_dump())


if __name__ == "__main__":
    {"connect": connect, "use": use}[sys.argv[1]]()
