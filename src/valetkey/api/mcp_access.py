"""Who an MCP request acts for: resolving each kind of MCP URL to a toolset.

- Composio style, `/mcp/servers/{id}?user_id=...` (also `/v3/mcp/{id}`, the
  path of Composio's own URLs): the project's key in `x-api-key`; the user
  from `user_id` (default "default", as Composio does) or from the owner of
  `connected_account_id`.
- Session, `/mcp/sessions/{id}` (the URL a session's `mcp.url` names): the
  project's key; the session fixes the user and the tools.
- Per-user, `/mcp/u/{token}`: the token alone; it names the server, the
  user and possibly one account. Unknown and revoked tokens both answer 404.

Every answer is computed from the database on each request, so any server
process can serve any request (the endpoint is stateless).
"""

from __future__ import annotations

from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from valetkey.api.auth import enforce_rate_limit, require_project
from valetkey.api.state import AppState
from valetkey.connections.models import ConnectedAccount
from valetkey.core.context import ProjectContext
from valetkey.core.errors import BadRequest, NotFound, connected_account_not_found
from valetkey.mcp import configs, user_urls
from valetkey.mcp.config_tools import ConfigToolset
from valetkey.mcp.configs import ServerConfig
from valetkey.mcp.session_tools import SessionToolset
from valetkey.tenancy.models import DEFAULT_PROJECT_CONFIG, Project

DEFAULT_USER = "default"


def _request_id(request: Request) -> str | None:
    return request.scope.get("state", {}).get("request_id")


async def server_with_key(request: Request, state: AppState) -> ConfigToolset:
    project = await require_project(request, state)
    server_id = request.path_params["server_id"]
    user_id = request.query_params.get("user_id") or None
    account_id = request.query_params.get("connected_account_id") or None
    server, owner = await run_in_threadpool(_load_server, state, project.project_id, server_id, account_id)
    if account_id and user_id and owner != user_id:
        raise BadRequest(
            f"Connected account {account_id} does not belong to user {user_id!r}",
            suggested_fix="Pass either user_id or connected_account_id, or a matching pair.",
        )
    return ConfigToolset(
        state, project, server, owner or user_id or DEFAULT_USER, account_id, _request_id(request)
    )


def _load_server(
    state: AppState, project_id: str, server_id: str, account_id: str | None
) -> tuple[ServerConfig, str | None]:
    with state.db.session() as db:
        server = ServerConfig.of(configs.get_server(db, project_id, server_id))
        if not account_id:
            return server, None
        owner = db.scalars(
            select(ConnectedAccount.user_id).where(
                ConnectedAccount.project_id == project_id, ConnectedAccount.id == account_id
            )
        ).first()
    if owner is None:
        raise connected_account_not_found(account_id)
    return server, owner


async def session_with_key(request: Request, state: AppState) -> SessionToolset:
    from valetkey.sessions import service

    project = await require_project(request, state)
    context = await service.open_session(
        state, project, request.path_params["session_id"], _request_id(request)
    )
    # Custom tools run in the SDK's process; an MCP client has none, so it is never shown them.
    return SessionToolset(service.without_custom_tools(context))


async def user_token(request: Request, state: AppState) -> ConfigToolset:
    grant, project = await run_in_threadpool(_load_grant, state, request.path_params["token"])
    if grant is None or project is None:
        raise NotFound(
            "Unknown or revoked MCP URL",
            slug="McpUrlNotFound",
            suggested_fix="Ask the app that gave you this URL for a new one.",
        )
    request.scope.setdefault("state", {})["project_id"] = project.project_id
    await enforce_rate_limit(request, state, project.project_id)
    return ConfigToolset(
        state, project, grant.server, grant.user_id, grant.connected_account_id, _request_id(request)
    )


def _load_grant(state: AppState, token: str) -> tuple[user_urls.UserGrant | None, ProjectContext | None]:
    with state.db.session() as db:
        grant = user_urls.resolve(db, token)
        if grant is None:
            return None, None
        project = db.get(Project, grant.server.project_id)
        if project is None or project.deleted:
            return grant, None
        return grant, ProjectContext(
            project.id, project.org_id, {**DEFAULT_PROJECT_CONFIG, **(project.config or {})}
        )
