"""HTTP routes for auth configs (`/auth_configs`), thin over `valetkey.connections.configs`."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import AliasChoices, ConfigDict, Field

from valetkey.api.auth import require_project
from valetkey.api.responses import body_example, documented, link
from valetkey.api.schemas import connections as r
from valetkey.api.state import AppState, app_state
from valetkey.connections import configs, schemes, serializers, views
from valetkey.connections.models import MANAGED
from valetkey.core.context import ProjectContext
from valetkey.core.cursors import decode_cursor, encode_cursor
from valetkey.core.errors import ValidationError
from valetkey.core.validation import Name, QueryText, RequestBody, Slug, Unsupported, limit_query

router = APIRouter(tags=["auth_configs"])
_ID = {"nanoid": "$response.body#/auth_config/id"}
CONFIG_LINKS = {
    "GetAuthConfig": link("GET /auth_configs/{nanoid}", **_ID),
    "UpdateAuthConfig": link("PATCH /auth_configs/{nanoid}", **_ID),
    "SetAuthConfigStatus": link("PATCH /auth_configs/{nanoid}/{status}", **_ID),
    "DeleteAuthConfig": link("DELETE /auth_configs/{nanoid}", **_ID),
    "ConnectAccount": {
        **link("POST /connected_accounts"),
        "requestBody": {
            "auth_config": {"id": "$response.body#/auth_config/id"},
            "connection": {"user_id": "u1"},
        },
    },
    "CreateConnectLink": {
        **link("POST /connected_accounts/link"),
        "requestBody": {"auth_config_id": "$response.body#/auth_config/id", "user_id": "u1"},
    },
}
CREATE_EXAMPLE = body_example(
    {
        "toolkit": {"slug": "github"},
        "auth_config": {
            "type": "use_custom_auth",
            "auth_scheme": "OAUTH2",
            "credentials": {"client_id": "client-id", "client_secret": "client-secret"},
        },
    }
)


_PROXY = "an auth proxy in front of the provider; calls go straight to the provider through the egress policy"
_SHARED = "credentials inherited by every connected account of the config"
_ROUTER = "the tool router flag; sessions use any enabled auth config of the project"


class ToolkitRef(RequestBody):
    slug: Slug = Field(min_length=1, max_length=80)


class ToolAccessConfig(RequestBody):
    tools_for_connected_account_creation: list[Slug] | None = Field(
        None, description="Tools whose scopes become the config's OAuth scopes (OAuth schemes only)."
    )
    tools_available_for_execution: list[Slug] | None = Field(
        None, description="The only tools accounts of this config may execute (empty: every tool)."
    )


class ProxyConfig(RequestBody):
    proxy_url: str
    proxy_auth_key: str | None = None


Scopes = str | list[str] | None
UserScopes = Annotated[
    str | list[str] | None,
    Unsupported("user-token scopes (Slack user_scope) are not requested by this server's OAuth flow"),
]


class CreateCredentials(RequestBody):
    """`credentials`: the scheme's config fields (checked against the toolkit) plus scopes."""

    model_config = ConfigDict(extra="allow")
    scopes: Scopes = None
    user_scopes: UserScopes = None


class AuthConfigOptions(RequestBody):
    type: Literal["use_composio_managed_auth", "use_custom_auth"]
    name: Name | None = Field(None, max_length=200)
    auth_scheme: str | None = Field(None, validation_alias=AliasChoices("auth_scheme", "authScheme"))
    credentials: CreateCredentials | None = None
    tool_access_config: ToolAccessConfig | None = None
    restrict_to_following_tools: list[Slug] | None = None
    is_enabled_for_tool_router: Annotated[bool | None, Unsupported(_ROUTER)] = None
    proxy_config: Annotated[ProxyConfig | None, Unsupported(_PROXY)] = None
    shared_credentials: Annotated[dict[str, Any] | None, Unsupported(_SHARED)] = None


class CreateAuthConfig(RequestBody):
    toolkit: ToolkitRef
    auth_config: AuthConfigOptions | None = None


class UpdateAuthConfig(RequestBody):
    type: Literal["custom", "default"]
    name: Name | None = Field(None, max_length=200)
    credentials: CreateCredentials | None = None
    scopes: Scopes = None
    user_scopes: UserScopes = None
    tool_access_config: ToolAccessConfig | None = None
    restrict_to_following_tools: list[Slug] | None = None
    is_enabled_for_tool_router: Annotated[bool | None, Unsupported(_ROUTER)] = None
    proxy_config: Annotated[ProxyConfig | None, Unsupported(_PROXY)] = None
    shared_credentials: Annotated[dict[str, Any] | None, Unsupported(_SHARED)] = None


def _access(body: AuthConfigOptions | UpdateAuthConfig) -> dict[str, Any]:
    """The tool access fields as `configs` takes them (unset fields left out)."""
    out: dict[str, Any] = {}
    if body.tool_access_config is not None:
        out["tool_access_config"] = body.tool_access_config.model_dump(exclude_none=True)
    if body.restrict_to_following_tools is not None:
        out["restrict_to_following_tools"] = body.restrict_to_following_tools
    return out


def _bool(value: str | bool | None, name: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    lowered = value.strip().lower()
    if lowered in ("true", "1"):
        return True
    if lowered in ("false", "0"):
        return False
    raise ValidationError(f"{name} must be true or false")


def page_limit(value: float | None, default: int = configs.DEFAULT_LIMIT) -> int:
    if value is None:
        return default
    if value != int(value) or value < 1:
        raise ValidationError("limit must be a whole number, at least 1")
    return min(int(value), configs.MAX_LIMIT)  # more than the maximum is served as the maximum


@router.post(
    "/auth_configs",
    status_code=201,
    responses=documented(r.CreatedAuthConfig, 404, 409, status=201, links=CONFIG_LINKS),
    openapi_extra=CREATE_EXAMPLE,
)
def create_auth_config(
    body: CreateAuthConfig,
    project: ProjectContext = Depends(require_project),
    state: AppState = Depends(app_state),
):
    toolkit = schemes.toolkit_of(state.catalog_for(project.project_id), body.toolkit.slug)
    options = body.auth_config or AuthConfigOptions(type=MANAGED)
    credentials = options.credentials.model_dump(exclude_none=True) if options.credentials else None
    schemes.check_egress(state.egress, credentials, "credentials")
    data = configs.AuthConfigInput(
        type=options.type,
        name=options.name,
        auth_scheme=options.auth_scheme,
        credentials=credentials,
        **_access(options),
    )
    with state.db.session() as db:
        config = configs.create_auth_config(
            db, state.vault, state.managed_apps, project.project_id, toolkit, data
        )
        return serializers.auth_config_created(config)


@router.get("/auth_configs", responses=documented(r.AuthConfigPage))
def list_auth_configs(
    is_composio_managed: QueryText | None = None,
    toolkit_slug: QueryText | None = None,
    show_disabled: QueryText | None = None,
    search: QueryText | None = Query(None, max_length=200),
    limit: float | None = limit_query(maximum=configs.MAX_LIMIT),
    cursor: QueryText | None = None,
    project: ProjectContext = Depends(require_project),
    state: AppState = Depends(app_state),
):
    size, offset = page_limit(limit), decode_cursor(cursor)
    slugs = [s.strip() for s in (toolkit_slug or "").split(",") if s.strip()]
    with state.db.session() as db:
        rows, total = configs.list_auth_configs(
            db,
            project.project_id,
            toolkit_slugs=slugs,
            is_composio_managed=_bool(is_composio_managed, "is_composio_managed"),
            show_disabled=_bool(show_disabled, "show_disabled"),
            search=search,
            limit=size,
            offset=offset,
        )
        counts = configs.active_connection_counts(db, [r.id for r in rows])
    items = [views.auth_config_view(state, r, counts.get(r.id, 0)) for r in rows]
    next_cursor = encode_cursor(offset + size) if offset + size < total else None
    return views.page(items, total=total, offset=offset, limit=size, next_cursor=next_cursor)


@router.get("/auth_configs/{nanoid}", responses=documented(r.AuthConfig, 404))
def get_auth_config(
    nanoid: str, project: ProjectContext = Depends(require_project), state: AppState = Depends(app_state)
):
    with state.db.session() as db:
        config = configs.get_auth_config(db, project.project_id, nanoid)
        count = configs.active_connection_counts(db, [config.id]).get(config.id, 0)
    return views.auth_config_view(state, config, count)


@router.patch("/auth_configs/{nanoid}", responses=documented(r.AuthConfigChanged, 404, 409))
def update_auth_config(
    nanoid: str,
    body: UpdateAuthConfig,
    project: ProjectContext = Depends(require_project),
    state: AppState = Depends(app_state),
):
    credentials = body.credentials.model_dump(exclude_none=True) if body.credentials else None
    schemes.check_egress(state.egress, credentials, "credentials")
    patch = configs.AuthConfigPatch(
        type=body.type, name=body.name, credentials=credentials, scopes=body.scopes, **_access(body)
    )
    with state.db.session() as db:
        existing = configs.get_auth_config(db, project.project_id, nanoid)
        toolkit = schemes.toolkit_of(state.catalog_for(project.project_id), existing.toolkit_slug)
        configs.update_auth_config(db, state.vault, toolkit, project.project_id, nanoid, patch)
    return {"success": True, "message": f"Auth config {nanoid} updated"}


@router.delete("/auth_configs/{nanoid}", responses=documented(r.AuthConfigChanged, 404))
async def delete_auth_config(
    nanoid: str, project: ProjectContext = Depends(require_project), state: AppState = Depends(app_state)
):
    """Delete the config and its accounts, first revoking their tokens at the provider (best effort)."""
    from starlette.concurrency import run_in_threadpool

    from valetkey.connections.accounts import revoke_quietly

    def _load():
        with state.db.session() as db:
            config = configs.get_auth_config(db, project.project_id, nanoid)
            return config, configs.config_accounts(db, config)

    config, accounts = await run_in_threadpool(_load)
    for account in accounts:
        await revoke_quietly(state, account, config)

    def _delete():
        with state.db.session() as db:
            configs.delete_auth_config(db, project.project_id, nanoid)

    await run_in_threadpool(_delete)
    return {"success": True, "message": f"Auth config {nanoid} deleted"}


@router.patch("/auth_configs/{nanoid}/{status}", responses=documented(r.AuthConfigChanged, 404))
def set_auth_config_status(
    nanoid: str,
    status: Literal["ENABLED", "DISABLED"],
    project: ProjectContext = Depends(require_project),
    state: AppState = Depends(app_state),
):
    with state.db.session() as db:
        configs.set_auth_config_status(db, project.project_id, nanoid, status)
    return {"success": True, "message": f"Auth config {nanoid} is {status}"}
