"""Response models of the MCP server-config routes (`mcp.routes`): what `mcp.wire` sends."""

from __future__ import annotations

from valetkey.api.responses import Wire


class McpServer(Wire):
    id: str
    name: str
    toolkits: list[str]
    allowed_tools: list[str]
    auth_config_ids: list[str]
    managed_auth_via_composio: bool
    mcp_url: str
    commands: dict[str, str]
    toolkit_icons: dict[str, str]
    server_instance_count: int
    created_at: str | None
    updated_at: str | None
    deleted: bool


class McpServerPage(Wire):
    items: list[McpServer]
    current_page: int
    total_pages: int
    total_items: int


class GeneratedUrls(Wire):
    mcp_url: str
    user_ids_url: list[str]
    connected_account_urls: list[str]


class McpInstance(Wire):
    id: str
    instance_id: str
    mcp_server_id: str
    created_at: str | None
    updated_at: str | None


class CreatedInstance(McpInstance):
    url: str


class InstancePage(Wire):
    instances: list[McpInstance]
    server_id: str
    server_name: str
    current_page: int
    total_pages: int


class DeletedInstance(Wire):
    message: str
    deleted_connected_accounts: int


class DeletedServer(Wire):
    id: str
    deleted: bool
