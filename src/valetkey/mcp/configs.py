"""MCP server configs: create, read, update, delete and list, scoped to one project.

A config names toolkits, optionally narrows them to `allowed_tools`, and
lists the auth configs whose accounts it may act with. Inputs are normalised
on the way in (canonical tool slugs, toolkits implied by tools and auth
configs added), so what is stored is exactly what the endpoint serves.
Lookups filter by project: another project's id reads as "not found".
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from valetkey.catalog.model import Tool
from valetkey.connections.models import AuthConfig
from valetkey.core.errors import BadRequest, Conflict, NotFound, ValidationError
from valetkey.mcp.models import McpServer, McpUserUrl

NAME = re.compile(r"^[a-zA-Z0-9- ]{4,30}$")


@dataclass(frozen=True)
class ServerConfig:
    """A stored config, detached from the database session."""

    id: str
    project_id: str
    name: str
    toolkits: tuple[str, ...]
    allowed_tools: tuple[str, ...]
    auth_config_ids: tuple[str, ...]
    managed_auth: bool

    @classmethod
    def of(cls, row: McpServer) -> ServerConfig:
        return cls(
            row.id,
            row.project_id,
            row.name,
            tuple(row.toolkits or ()),
            tuple(row.allowed_tools or ()),
            tuple(row.auth_config_ids or ()),
            bool(row.managed_auth),
        )


@dataclass(frozen=True)
class ServerInput:
    """What create and update accept; None leaves a field unchanged on update."""

    name: str | None = None
    toolkits: Sequence[str] | None = None
    allowed_tools: Sequence[str] | None = None
    auth_config_ids: Sequence[str] | None = None
    managed_auth: bool | None = None


def not_found(server_id: str) -> NotFound:
    return NotFound(
        f"MCP server {server_id} not found",
        slug="McpServerNotFound",
        suggested_fix="List your MCP servers with GET /api/v3/mcp/servers.",
    )


def get_server(db: Session, project_id: str, server_id: str) -> McpServer:
    row = db.scalars(
        select(McpServer).where(McpServer.project_id == project_id, McpServer.id == server_id)
    ).first()
    if row is None:
        raise not_found(server_id)
    return row


def create_server(db: Session, catalog: Any, project_id: str, data: ServerInput) -> McpServer:
    name = _checked_name(db, project_id, data.name or "", exclude=None)
    toolkits, tools, configs = _normalised(
        db, catalog, project_id, data.toolkits or (), data.allowed_tools or (), data.auth_config_ids or ()
    )
    row = McpServer(
        id=str(uuid.uuid4()),
        project_id=project_id,
        name=name,
        toolkits=toolkits,
        allowed_tools=tools,
        auth_config_ids=configs,
        managed_auth=True if data.managed_auth is None else data.managed_auth,
    )
    db.add(row)
    db.flush()
    return row


def update_server(db: Session, catalog: Any, project_id: str, server_id: str, data: ServerInput) -> McpServer:
    row = get_server(db, project_id, server_id)
    if data.name is not None:
        row.name = _checked_name(db, project_id, data.name, exclude=row.id)
    if data.toolkits is not None or data.allowed_tools is not None or data.auth_config_ids is not None:
        # Toolkits given anew replace the old ones; otherwise the explicit ones stay.
        toolkits = row.toolkits if data.toolkits is None else data.toolkits
        tools = row.allowed_tools if data.allowed_tools is None else data.allowed_tools
        configs = row.auth_config_ids if data.auth_config_ids is None else data.auth_config_ids
        row.toolkits, row.allowed_tools, row.auth_config_ids = _normalised(
            db, catalog, project_id, toolkits, tools, configs
        )
    if data.managed_auth is not None:
        row.managed_auth = data.managed_auth
    db.flush()
    return row


def delete_server(db: Session, project_id: str, server_id: str) -> None:
    row = get_server(db, project_id, server_id)
    db.execute(delete(McpUserUrl).where(McpUserUrl.server_id == row.id))
    db.delete(row)


def list_servers(
    db: Session,
    project_id: str,
    *,
    name: str | None = None,
    toolkits: Sequence[str] = (),
    auth_config_ids: Sequence[str] = (),
    order_by: str = "created_at",
    descending: bool = True,
) -> list[McpServer]:
    """Servers matching every filter given: a name fragment, any of `toolkits`, any of `auth_config_ids`."""
    column = McpServer.updated_at if order_by == "updated_at" else McpServer.created_at
    query = select(McpServer).where(McpServer.project_id == project_id)
    if name:
        query = query.where(func.lower(McpServer.name).contains(name.lower(), autoescape=True))
    query = query.order_by(column.desc() if descending else column.asc(), McpServer.id)
    rows = list(db.scalars(query))
    # JSON list filters run here: portable across SQLite and PostgreSQL, and a project has few servers.
    if toolkits:
        wanted = {t.lower() for t in toolkits}
        rows = [r for r in rows if wanted & set(r.toolkits or ())]
    if auth_config_ids:
        rows = [r for r in rows if set(auth_config_ids) & set(r.auth_config_ids or ())]
    return rows


def served_tools(catalog: Any, config: ServerConfig) -> list[Tool]:
    """The tools an endpoint of `config` lists: the allowed ones, else every tool of its toolkits (latest)."""
    if config.allowed_tools:
        out = []
        for slug in config.allowed_tools:
            canonical = catalog.canonical_tool_slug(slug)
            if canonical is not None:  # a tool removed from the catalog since is skipped, not an error
                out.append(catalog.resolve_tool(canonical).tool)
        return out
    return [
        tool
        for slug in config.toolkits
        if catalog.find_toolkit(slug) is not None
        for tool in catalog.tools_at(slug)
    ]


def _checked_name(db: Session, project_id: str, name: str, *, exclude: str | None) -> str:
    name = name.strip()
    if not NAME.match(name):
        raise ValidationError(
            "name: 4-30 characters, letters, digits, spaces and hyphens only",
            suggested_fix="Pick a name like 'github-agent'.",
        )
    query = select(McpServer.id).where(McpServer.project_id == project_id, McpServer.name == name)
    if exclude:
        query = query.where(McpServer.id != exclude)
    if db.scalars(query).first() is not None:
        raise Conflict(
            f"An MCP server named {name!r} already exists in this project",
            slug="McpServerNameTaken",
            suggested_fix="Choose another name, or update the existing server.",
        )
    return name


def _normalised(
    db: Session,
    catalog: Any,
    project_id: str,
    toolkits: Sequence[str],
    tools: Sequence[str],
    config_ids: Sequence[str],
) -> tuple[list[str], list[str], list[str]]:
    """Canonical (toolkits, allowed_tools, auth_config_ids); toolkits implied by tools and configs added."""
    found: list[str] = []
    for slug in toolkits:
        toolkit = catalog.find_toolkit(slug)
        if toolkit is None:
            raise BadRequest(
                f"toolkits: unknown toolkit {slug!r}",
                slug="ToolkitNotFound",
                suggested_fix="List toolkits with GET /api/v3/toolkits and use their slugs.",
            )
        found.append(toolkit.slug)
    canonical_tools = []
    for slug in tools:
        canonical = catalog.canonical_tool_slug(slug)
        if canonical is None:
            raise BadRequest(
                f"allowed_tools: unknown tool {slug!r}",
                slug="ToolNotFound",
                suggested_fix="List tools with GET /api/v3/tools?toolkit_slug=... and use their slugs.",
            )
        canonical_tools.append(canonical)
        found.append(catalog.toolkit_of_tool(canonical).slug)
    configs = list(dict.fromkeys(config_ids))
    if configs:
        rows = {
            c.id: c.toolkit_slug
            for c in db.scalars(
                select(AuthConfig).where(AuthConfig.project_id == project_id, AuthConfig.id.in_(configs))
            )
        }
        missing = [c for c in configs if c not in rows]
        if missing:
            raise BadRequest(
                f"auth_config_ids: auth config {missing[0]} not found",
                slug="AuthConfigNotFound",
                suggested_fix="List auth configs with GET /api/v3/auth_configs.",
            )
        found += [rows[c] for c in configs]
    if not found:
        raise ValidationError(
            "An MCP server needs at least one toolkit, tool or auth config",
            suggested_fix="Pass toolkits (e.g. ['github']) or auth_config_ids.",
        )
    return list(dict.fromkeys(found)), list(dict.fromkeys(canonical_tools)), configs
