"""HTTP routes for connected accounts (`/connected_accounts`), thin over `valetkey.connections.accounts`.

The hosted Connect Link (`POST /connected_accounts/link`) belongs to the OAuth work.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Query
from fastapi.concurrency import run_in_threadpool
from pydantic import AliasChoices, Field, model_validator

from valetkey.api.auth import require_project
from valetkey.api.responses import Success, documented, link
from valetkey.api.routers.auth_configs import page_limit
from valetkey.api.schemas import connections as r
from valetkey.api.state import AppState, app_state
from valetkey.connections import accounts, configs, serializers, views
from valetkey.core.context import ProjectContext
from valetkey.core.cursors import decode_cursor, encode_cursor
from valetkey.core.errors import ValidationError
from valetkey.core.validation import (
    Name,
    QueryText,
    RequestBody,
    ResourceId,
    Unsupported,
    UserId,
    limit_query,
)
from valetkey.store.db import utcnow
from valetkey.triggers import instances

router = APIRouter(tags=["connected_accounts"])


def account_links(pointer: str) -> dict[str, dict[str, Any]]:
    """Links from a response naming a connected account (at `pointer`) to the routes that use it."""
    return {
        "GetConnectedAccount": link("GET /connected_accounts/{nanoid}", nanoid=pointer),
        "PatchConnectedAccount": link("PATCH /connected_accounts/{nanoid}", nanoid=pointer),
        "SetConnectedAccountStatus": link("PATCH /connected_accounts/{nanoId}/status", nanoId=pointer),
        "RefreshConnectedAccount": link("POST /connected_accounts/{nanoid}/refresh", nanoid=pointer),
        "DeleteConnectedAccount": link("DELETE /connected_accounts/{nanoid}", nanoid=pointer),
    }


_SHARED = "shared connected accounts (account_type SHARED) and their access lists"


class AuthConfigRef(RequestBody):
    id: ResourceId = Field(min_length=1, max_length=40)


class ConnectionState(RequestBody):
    auth_scheme: str | None = Field(None, validation_alias=AliasChoices("auth_scheme", "authScheme"))
    # Free-form by design: the scheme's fields, checked against the toolkit by `accounts`.
    val: dict[str, Any] = Field(default_factory=dict)


class SharedAccess(RequestBody):
    allow_all_users: bool | None = None
    allowed_user_ids: list[UserId] | None = None
    not_allowed_user_ids: list[UserId] | None = None


class Experimental(RequestBody):
    account_type: Annotated[
        Literal["PRIVATE", "SHARED"] | None, Unsupported(_SHARED, unused=("PRIVATE",))
    ] = None
    acl_config_for_shared: Annotated[SharedAccess | None, Unsupported(_SHARED)] = None


class PatchExperimental(RequestBody):
    acl_config_for_shared: Annotated[SharedAccess | None, Unsupported(_SHARED)] = None


class Connection(RequestBody):
    state: ConnectionState | None = None
    data: dict[str, Any] | None = None  # deprecated spelling of state.val
    user_id: UserId = Field("default", min_length=1, max_length=255)
    alias: Name | None = Field(None, max_length=200)
    callback_url: str | None = Field(None, max_length=2048)
    redirect_uri: str | None = Field(None, max_length=2048)  # deprecated spelling of callback_url
    experimental: Experimental | None = None
    deprecated_is_v1_rerouted: Annotated[
        bool | None, Unsupported("rerouting v1 integrations is internal to the hosted platform")
    ] = None

    @model_validator(mode="after")
    def _one_spelling(self) -> Connection:
        if self.state is not None and self.data:
            raise ValueError(
                "send the connection's values once: state.val, or data (its deprecated spelling)"
            )
        if self.callback_url and self.redirect_uri and self.callback_url != self.redirect_uri:
            raise ValueError("callback_url and redirect_uri (its deprecated spelling) disagree; send one")
        return self


class CreateConnectedAccount(RequestBody):
    auth_config: AuthConfigRef
    connection: Connection = Field(default_factory=Connection)
    validate_credentials: Annotated[
        bool | None, Unsupported("checking credentials with the provider before saving them")
    ] = None


class StatusChange(RequestBody):
    enabled: bool


class RefreshBody(RequestBody):
    redirect_url: str | None = Field(None, max_length=2048)
    validate_credentials: Annotated[
        bool | None, Unsupported("checking credentials with the provider on refresh")
    ] = None


class PatchConnection(RequestBody):
    state: ConnectionState


class PatchConnectedAccount(RequestBody):
    alias: Name | None = Field(None, max_length=200)
    connection: PatchConnection | None = None
    experimental: PatchExperimental | None = None


def _masking(project: ProjectContext) -> bool:
    return project.setting("mask_secret_keys_in_connected_account") is not False


def _split(values: list[str] | None) -> list[str]:
    return [part.strip() for value in values or () for part in value.split(",") if part.strip()]


@router.post(
    "/connected_accounts",
    status_code=201,
    responses=documented(
        r.CreatedConnectedAccount, 404, 409, 502, status=201, links=account_links("$response.body#/id")
    ),
)
async def create_connected_account(
    body: CreateConnectedAccount,
    project: ProjectContext = Depends(require_project),
    state: AppState = Depends(app_state),
):
    connection = body.connection
    values = connection.state.val if connection.state else (connection.data or {})
    data = accounts.InitiateInput(
        auth_config_id=body.auth_config.id,
        user_id=connection.user_id,
        auth_scheme=connection.state.auth_scheme if connection.state else None,
        values=values,
        callback_url=connection.callback_url or connection.redirect_uri,
        alias=(connection.alias or "").strip() or None,
    )
    account, redirect_url = await accounts.initiate_account(state, project.project_id, data)
    return views.account_created_view(
        state, account, redirect_url=redirect_url, mask=_masking(project), now=utcnow()
    )


@router.get("/connected_accounts", responses=documented(r.ConnectedAccountPage))
def list_connected_accounts(
    user_ids: list[UserId] | None = Query(None),
    auth_config_ids: list[QueryText] | None = Query(None),
    toolkit_slugs: list[QueryText] | None = Query(None),
    statuses: list[QueryText] | None = Query(None),
    connected_account_ids: list[QueryText] | None = Query(None),
    order_by: Literal["created_at", "updated_at"] = "created_at",
    order_direction: Literal["asc", "desc"] = "desc",
    limit: float | None = limit_query(maximum=configs.MAX_LIMIT),
    cursor: QueryText | None = None,
    project: ProjectContext = Depends(require_project),
    state: AppState = Depends(app_state),
):
    wanted = [s.upper() for s in _split(statuses)]
    unknown = sorted(set(wanted) - set(accounts.LIST_STATUSES))
    if unknown:
        raise ValidationError(
            f"Unknown status filter: {', '.join(unknown)}",
            suggested_fix=f"Use any of: {', '.join(accounts.LIST_STATUSES)}.",
        )
    filters = accounts.AccountFilters(
        user_ids=_split(user_ids),
        auth_config_ids=_split(auth_config_ids),
        toolkit_slugs=_split(toolkit_slugs),
        statuses=wanted,
        connected_account_ids=_split(connected_account_ids),
    )
    size, offset = page_limit(limit), decode_cursor(cursor)
    with state.db.session() as db:
        rows, total = accounts.list_accounts(
            db,
            project.project_id,
            filters,
            limit=size,
            offset=offset,
            order_by=order_by,
            descending=order_direction == "desc",
        )
    now, mask = utcnow(), _masking(project)
    items = [views.account_view(state, account, config, mask=mask, now=now) for account, config in rows]
    next_cursor = encode_cursor(offset + size) if offset + size < total else None
    return views.page(items, total=total, offset=offset, limit=size, next_cursor=next_cursor)


@router.get("/connected_accounts/{nanoid}", responses=documented(r.ConnectedAccount, 404))
def get_connected_account(
    nanoid: str, project: ProjectContext = Depends(require_project), state: AppState = Depends(app_state)
):
    with state.db.session() as db:
        account, config = accounts.get_account(db, project.project_id, nanoid)
    return views.account_view(state, account, config, mask=_masking(project), now=utcnow())


@router.patch("/connected_accounts/{nanoId}/status", responses=documented(Success, 404))
def set_connected_account_status(
    nanoId: str,
    body: StatusChange,
    project: ProjectContext = Depends(require_project),
    state: AppState = Depends(app_state),
):
    with state.db.session() as db:
        accounts.set_account_enabled(db, project.project_id, nanoId, body.enabled)
    return {"success": True}


@router.post("/connected_accounts/{nanoid}/refresh", responses=documented(r.RefreshedAccount, 404, 422, 502))
async def refresh_connected_account(
    nanoid: str,
    redirect_url: str | None = Query(None, max_length=2048),
    body: RefreshBody | None = Body(None),
    project: ProjectContext = Depends(require_project),
    state: AppState = Depends(app_state),
):
    in_body = body.redirect_url if body else None
    if redirect_url and in_body and redirect_url != in_body:
        raise ValidationError(
            "redirect_url is in both the query and the body with different values; send it once",
            suggested_fix="Send redirect_url in the query or in the body, not both.",
        )
    account, url = await accounts.refresh_account(state, project.project_id, nanoid, redirect_url or in_body)
    return {"id": account.id, "status": serializers.wire_status(account, utcnow()), "redirect_url": url}


@router.patch("/connected_accounts/{nanoid}", responses=documented(r.PatchedAccount, 404, 409))
async def patch_connected_account(
    nanoid: str,
    body: PatchConnectedAccount,
    project: ProjectContext = Depends(require_project),
    state: AppState = Depends(app_state),
):
    state_in = body.connection.state if body.connection else None

    def _patch():
        with state.db.session() as db:
            return accounts.patch_account(
                db,
                state,
                project.project_id,
                nanoid,
                alias=body.alias,
                auth_scheme=state_in.auth_scheme if state_in else None,
                values=state_in.val if state_in else None,
            )

    account = await run_in_threadpool(_patch)
    return {"success": True, "id": account.id, "status": serializers.wire_status(account, utcnow())}


@router.delete("/connected_accounts/{nanoid}", responses=documented(Success, 404))
async def delete_connected_account(
    nanoid: str, project: ProjectContext = Depends(require_project), state: AppState = Depends(app_state)
):
    # Its triggers first, while the account can still remove their hooks at the app.
    await instances.delete_all(state, project.project_id, account_id=nanoid)
    await accounts.delete_account(state, project.project_id, nanoid)
    return {"success": True}
