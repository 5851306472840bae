"""HTTP routes of MCP server configs (`/mcp/...` under the API prefixes), thin over the services.

Shapes follow `composio_client.types.mcp_*`: create, custom create, list
(page_no/limit), get/update/delete by id, generate user URLs, instances.
`generate` and instance creation answer with per-user pre-authenticated URLs
(`/mcp/u/{token}`), each shown once; deleting an instance revokes the user's
URLs. Instance deletion never deletes connected accounts (they are shared
with sessions and direct execution), so `deleted_connected_accounts` is 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

from fastapi import APIRouter, Depends
from pydantic import Field, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from valetkey.api.auth import require_project
from valetkey.api.responses import body_example, documented, link
from valetkey.api.schemas import mcp as r
from valetkey.api.state import AppState, app_state
from valetkey.connections.models import ConnectedAccount
from valetkey.core.context import ProjectContext
from valetkey.core.errors import NotFound, ValidationError, connected_account_not_found
from valetkey.core.validation import (
    Name,
    QueryText,
    RequestBody,
    ResourceId,
    Slug,
    UserId,
    clamp_limit,
    limit_query,
    page_no_query,
)
from valetkey.mcp import configs, user_urls, wire
from valetkey.mcp.configs import ServerConfig, ServerInput

router = APIRouter(tags=["mcp"])
_ID = {"server_id": "$response.body#/id"}
SERVER_LINKS = {
    "GetMcpServer": link("GET /mcp/{server_id}", **_ID),
    "UpdateMcpServer": link("PATCH /mcp/{server_id}", **_ID),
    "ListMcpInstances": link("GET /mcp/servers/{server_id}/instances", **_ID),
    "CreateMcpInstance": {
        **link("POST /mcp/servers/{server_id}/instances", **_ID),
        "requestBody": {"user_id": "u1"},
    },
    "GenerateMcpUrls": {
        **link("POST /mcp/servers/generate"),
        "requestBody": {"mcp_server_id": "$response.body#/id"},
    },
    "DeleteMcpServer": link("DELETE /mcp/{server_id}", **_ID),
}
INSTANCE_LINKS = {
    "DeleteMcpInstance": link(
        "DELETE /mcp/servers/{server_id}/instances/{instance_id}",
        server_id="$response.body#/mcp_server_id",
        instance_id="$response.body#/instance_id",
    )
}
DEFAULT_LIMIT = 10
MAX_LIMIT = 100


class CreateServer(RequestBody):
    name: Name
    auth_config_ids: list[ResourceId]
    no_auth_apps: list[Slug] = Field(default_factory=list)
    allowed_tools: list[Slug] = Field(default_factory=list)
    managed_auth_via_composio: bool | None = None


class CreateCustomServer(RequestBody):
    name: Name
    auth_config_ids: list[ResourceId] = Field(default_factory=list)
    toolkits: list[Slug] = Field(default_factory=list)
    allowed_tools: list[Slug] = Field(default_factory=list)
    custom_tools: list[Slug] = Field(default_factory=list)  # deprecated alias of allowed_tools
    managed_auth_via_composio: bool | None = None

    @model_validator(mode="after")
    def _one_spelling(self) -> CreateCustomServer:
        if self.custom_tools and self.allowed_tools and self.custom_tools != self.allowed_tools:
            raise ValueError("allowed_tools and custom_tools (its deprecated spelling) disagree; send one")
        return self


class UpdateServer(RequestBody):
    name: Name | None = None
    toolkits: list[Slug] | None = None
    allowed_tools: list[Slug] | None = None
    auth_config_ids: list[ResourceId] | None = None
    managed_auth_via_composio: bool | None = None


class GenerateUrls(RequestBody):
    mcp_server_id: ResourceId
    user_ids: list[UserId] = Field(default_factory=list)
    connected_account_ids: list[ResourceId] = Field(default_factory=list)
    # Per URL: whether a call without a connected account answers with a Connect Link hint
    # (omitted: the server's managed_auth_via_composio).
    managed_auth_by_composio: bool | None = None


class CreateInstance(RequestBody):
    user_id: UserId = Field(min_length=1, max_length=255)


def _items(db: Session, state: AppState, rows: list[Any]) -> list[dict[str, Any]]:
    counts = user_urls.instance_counts(db, [r.id for r in rows])
    return [
        wire.server_item(r, state.settings.public_url, state.catalog_for(r.project_id), counts.get(r.id, 0))
        for r in rows
    ]


def _one(db: Session, state: AppState, row: Any) -> dict[str, Any]:
    return _items(db, state, [row])[0]


def _page(items: list[Any], page_no: float | None, limit: float | None) -> tuple[list[Any], int, int]:
    size = clamp_limit(limit, maximum=MAX_LIMIT, default=DEFAULT_LIMIT)
    number = int(page_no or 1)
    if number < 1:
        raise ValidationError("page_no must be >= 1")
    start = (number - 1) * size
    return items[start : start + size], number, max(1, math.ceil(len(items) / size))


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


@router.post(
    "/mcp/servers",
    summary="Create a new MCP server",
    status_code=201,
    responses=documented(r.McpServer, 404, 409, status=201, links=SERVER_LINKS),
)
def create_server(
    body: CreateServer,
    project: ProjectContext = Depends(require_project),
    state: AppState = Depends(app_state),
):
    data = ServerInput(
        name=body.name,
        toolkits=body.no_auth_apps,
        allowed_tools=body.allowed_tools,
        auth_config_ids=body.auth_config_ids,
        managed_auth=body.managed_auth_via_composio,
    )
    with state.db.session() as db:
        return _one(
            db,
            state,
            configs.create_server(db, state.catalog_for(project.project_id), project.project_id, data),
        )


@router.post(
    "/mcp/servers/custom",
    summary="Create a new custom MCP server with multiple apps",
    status_code=201,
    responses=documented(r.McpServer, 404, 409, status=201, links=SERVER_LINKS),
    openapi_extra=body_example({"name": "hn agent", "toolkits": ["hackernews"]}),
)
def create_custom_server(
    body: CreateCustomServer,
    project: ProjectContext = Depends(require_project),
    state: AppState = Depends(app_state),
):
    data = ServerInput(
        name=body.name,
        toolkits=body.toolkits,
        allowed_tools=body.allowed_tools or body.custom_tools,
        auth_config_ids=body.auth_config_ids,
        managed_auth=body.managed_auth_via_composio,
    )
    with state.db.session() as db:
        return _one(
            db,
            state,
            configs.create_server(db, state.catalog_for(project.project_id), project.project_id, data),
        )


@dataclass(frozen=True)
class ServerListQuery:
    """The filters and page both MCP server lists take."""

    name: str | None
    auth_config_ids: str | None
    order_by: Literal["created_at", "updated_at"] | None
    order_direction: Literal["asc", "desc"] | None
    page_no: float | None
    limit: float | None


def server_list_query(
    name: QueryText | None = None,
    auth_config_ids: QueryText | None = None,
    order_by: Literal["created_at", "updated_at"] | None = None,
    order_direction: Literal["asc", "desc"] | None = None,
    page_no: float | None = page_no_query(),
    limit: float | None = limit_query(maximum=MAX_LIMIT),
) -> ServerListQuery:
    return ServerListQuery(name, auth_config_ids, order_by, order_direction, page_no, limit)


def _list(
    state: AppState, project: ProjectContext, query: ServerListQuery, toolkits: list[str]
) -> dict[str, Any]:
    with state.db.session() as db:
        rows = configs.list_servers(
            db,
            project.project_id,
            name=query.name,
            toolkits=toolkits,
            auth_config_ids=_split(query.auth_config_ids),
            order_by=query.order_by or "created_at",
            descending=query.order_direction != "asc",
        )
        chunk, number, pages = _page(rows, query.page_no, query.limit)
        items = _items(db, state, chunk)
    return {"items": items, "current_page": number, "total_pages": pages, "total_items": len(rows)}


@router.get(
    "/mcp/servers",
    summary="List MCP servers with optional filters and pagination",
    responses=documented(r.McpServerPage),
)
def list_servers(
    toolkits: QueryText | None = None,
    query: ServerListQuery = Depends(server_list_query),
    project: ProjectContext = Depends(require_project),
    state: AppState = Depends(app_state),
):
    return _list(state, project, query, _split(toolkits))


@router.get(
    "/mcp/app/{app_key}",
    summary="List MCP servers for a specific app",
    responses=documented(r.McpServerPage, 404),
)
def list_servers_of_app(
    app_key: Slug,
    query: ServerListQuery = Depends(server_list_query),
    project: ProjectContext = Depends(require_project),
    state: AppState = Depends(app_state),
):
    return _list(state, project, query, [app_key])


@router.post(
    "/mcp/servers/generate",
    summary="Generate MCP URL with custom parameters",
    responses=documented(r.GeneratedUrls, 404),
)
def generate_urls(
    body: GenerateUrls,
    project: ProjectContext = Depends(require_project),
    state: AppState = Depends(app_state),
):
    public = state.settings.public_url
    with state.db.session() as db:
        server = ServerConfig.of(configs.get_server(db, project.project_id, body.mcp_server_id))
        accounts = _accounts(db, project.project_id, body.connected_account_ids)
        managed = body.managed_auth_by_composio
        user_links = [
            user_urls.user_url(public, user_urls.mint(db, server, user, managed_auth=managed))
            for user in body.user_ids
        ]
        account_links = [
            user_urls.user_url(public, user_urls.mint(db, server, owner, account_id, managed_auth=managed))
            for account_id, owner in accounts
        ]
    return {
        "mcp_url": wire.server_url(public, server.id),
        "user_ids_url": user_links,
        "connected_account_urls": account_links,
    }


def _accounts(db: Session, project_id: str, account_ids: list[str]) -> list[tuple[str, str]]:
    """(account id, its user id) for each id, in order; NotFound for ids outside the project."""
    owners = (
        dict(
            db.execute(
                select(ConnectedAccount.id, ConnectedAccount.user_id).where(
                    ConnectedAccount.project_id == project_id, ConnectedAccount.id.in_(account_ids)
                )
            ).all()
        )
        if account_ids
        else {}
    )
    for account_id in account_ids:
        if account_id not in owners:
            raise connected_account_not_found(
                account_id, suggested_fix="Check the id with GET /api/v3/connected_accounts."
            )
    return [(account_id, owners[account_id]) for account_id in account_ids]


@router.get(
    "/mcp/servers/{server_id}/instances",
    summary="List all instances for an MCP server",
    responses=documented(r.InstancePage, 404),
)
def list_instances(
    server_id: str,
    search: QueryText | None = None,
    order_direction: Literal["asc", "desc"] | None = None,
    order_by: Literal["created_at", "updated_at"] | None = None,
    page_no: float | None = page_no_query(),
    limit: float | None = limit_query(maximum=MAX_LIMIT),
    project: ProjectContext = Depends(require_project),
    state: AppState = Depends(app_state),
):
    with state.db.session() as db:
        server = configs.get_server(db, project.project_id, server_id)
        found = user_urls.instances(db, server.id, search=search, newest_first=order_direction != "asc")
        chunk, number, pages = _page(found, page_no, limit)
        return {
            "instances": [wire.instance_item(i) for i in chunk],
            "server_id": server.id,
            "server_name": server.name,
            "current_page": number,
            "total_pages": pages,
        }


@router.post(
    "/mcp/servers/{server_id}/instances",
    summary="Create a new MCP server instance",
    status_code=201,
    responses=documented(r.CreatedInstance, 404, status=201, links=INSTANCE_LINKS),
)
def create_instance(
    server_id: str,
    body: CreateInstance,
    project: ProjectContext = Depends(require_project),
    state: AppState = Depends(app_state),
):
    with state.db.session() as db:
        server = ServerConfig.of(configs.get_server(db, project.project_id, server_id))
        token = user_urls.mint(db, server, body.user_id)
        instance = next(i for i in user_urls.instances(db, server.id) if i.user_id == body.user_id)
    return {**wire.instance_item(instance), "url": user_urls.user_url(state.settings.public_url, token)}


@router.delete(
    "/mcp/servers/{server_id}/instances/{instance_id}",
    summary="Delete an MCP server instance",
    responses=documented(r.DeletedInstance, 404),
)
def delete_instance(
    server_id: str,
    instance_id: str,
    project: ProjectContext = Depends(require_project),
    state: AppState = Depends(app_state),
):
    with state.db.session() as db:
        server = configs.get_server(db, project.project_id, server_id)
        revoked = user_urls.revoke_user(db, server.id, instance_id)
    if not revoked:
        raise NotFound(
            f"No instance {instance_id!r} on MCP server {server_id}",
            slug="McpInstanceNotFound",
            suggested_fix="List instances with GET /api/v3/mcp/servers/{serverId}/instances.",
        )
    return {
        "message": f"Revoked {revoked} MCP URL(s) of user {instance_id!r}; connected accounts are kept",
        "deleted_connected_accounts": 0,
    }


@router.get(
    "/mcp/{server_id}", summary="Get MCP server details by ID", responses=documented(r.McpServer, 404)
)
def get_server(
    server_id: str, project: ProjectContext = Depends(require_project), state: AppState = Depends(app_state)
):
    with state.db.session() as db:
        return _one(db, state, configs.get_server(db, project.project_id, server_id))


@router.patch(
    "/mcp/{server_id}", summary="Update MCP server configuration", responses=documented(r.McpServer, 404, 409)
)
def update_server(
    server_id: str,
    body: UpdateServer,
    project: ProjectContext = Depends(require_project),
    state: AppState = Depends(app_state),
):
    data = ServerInput(
        name=body.name,
        toolkits=body.toolkits,
        allowed_tools=body.allowed_tools,
        auth_config_ids=body.auth_config_ids,
        managed_auth=body.managed_auth_via_composio,
    )
    with state.db.session() as db:
        return _one(
            db,
            state,
            configs.update_server(
                db, state.catalog_for(project.project_id), project.project_id, server_id, data
            ),
        )


@router.delete("/mcp/{server_id}", summary="Delete an MCP server", responses=documented(r.DeletedServer, 404))
def delete_server(
    server_id: str, project: ProjectContext = Depends(require_project), state: AppState = Depends(app_state)
):
    with state.db.session() as db:
        configs.delete_server(db, project.project_id, server_id)
    return {"id": server_id, "deleted": True}
