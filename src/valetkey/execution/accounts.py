"""Which connected account an execution runs as.

An explicit `connected_account_id` wins; otherwise the user's most recently
connected ACTIVE, enabled account for the tool's toolkit. An id from another
project is reported exactly like an id that does not exist, so a key never
learns about other projects' accounts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from valetkey.connections.configs import config_by_name
from valetkey.connections.models import AuthConfig, ConnectedAccount
from valetkey.core.errors import ApiError, BadRequest, connected_account_not_found


@dataclass(frozen=True)
class ResolvedAccount:
    """What execution needs of an account, read in one query and detached from the session."""

    id: str
    project_id: str
    user_id: str
    toolkit_slug: str
    auth_config_id: str
    auth_scheme: str
    # Non-secret settings of the auth config (e.g. a base_url override).
    auth_config_settings: dict[str, Any]
    data: dict[str, Any]
    state_encrypted: str | None
    # When an OAuth access token expires, so execution can refresh it first.
    expires_at: dt.datetime | None = None


def connect_fix(toolkit: str, user_id: str | None) -> str:
    who = f"user '{user_id}'" if user_id else "the user"
    return (
        f"Connect {who} to {toolkit} first: create an auth config for {toolkit} (POST /api/v3/auth_configs), "
        f"start a connection with POST /api/v3/connected_accounts (the SDKs' connected_accounts.initiate) "
        f"and let the user finish it; or pass an existing connected_account_id."
    )


def resolve_account(
    db: Session,
    project_id: str,
    toolkit: str,
    *,
    connected_account_id: str | None,
    user_id: str | None,
    connection_name: str | None = None,
) -> ResolvedAccount:
    if connected_account_id:
        return _explicit(db, project_id, toolkit, connected_account_id)
    if not user_id:
        raise BadRequest(
            f"A user_id or connected_account_id is required: tools of {toolkit} act on behalf of a connected user",
            suggested_fix="Pass user_id (the id of your end user) or connected_account_id.",
        )
    query = _query(project_id)
    if connection_name is not None:
        config = config_by_name(db, project_id, connection_name)
        if config.toolkit_slug != toolkit:
            raise BadRequest(
                f"Connection {connection_name!r} is an auth config of {config.toolkit_slug}, "
                f"but this tool belongs to {toolkit}",
                suggested_fix=f"Name a connection (auth config) of {toolkit}.",
            )
        query = query.where(ConnectedAccount.auth_config_id == config.id)
    row = db.execute(
        query.where(
            ConnectedAccount.user_id == user_id,
            ConnectedAccount.toolkit_slug == toolkit,
            ConnectedAccount.status == "ACTIVE",
            ConnectedAccount.is_disabled.is_(False),
            AuthConfig.status == "ENABLED",
        )
        .order_by(ConnectedAccount.created_at.desc(), ConnectedAccount.id.desc())
        .limit(1)
    ).first()
    if row is None:
        raise _none_usable(db, project_id, toolkit, user_id)
    return _snapshot(row)


def _explicit(db: Session, project_id: str, toolkit: str, account_id: str) -> ResolvedAccount:
    row = db.execute(_query(project_id).where(ConnectedAccount.id == account_id)).first()
    if row is None:
        raise connected_account_not_found(
            account_id,
            suggested_fix="Check the id with GET /api/v3/connected_accounts; it may have been deleted.",
        )
    account = row
    if account.toolkit_slug != toolkit:
        raise BadRequest(
            f"Connected account {account_id} is for {account.toolkit_slug}, but this tool belongs to {toolkit}",
            suggested_fix=f"Pass a connected account of {toolkit}, or omit connected_account_id to use the user's.",
        )
    _ensure_usable(account)
    return _snapshot(row)


def _ensure_usable(account: Any) -> None:
    if account.is_disabled:
        raise ApiError(
            f"Connected account {account.id} is disabled",
            status=422,
            slug="ConnectedAccountDisabled",
            suggested_fix="Enable it again (PATCH /api/v3/connected_accounts/{id}/status) or use another account.",
        )
    if account.auth_config_status != "ENABLED":
        raise ApiError(
            f"Connected account {account.id} belongs to auth config {account.auth_config_id}, which is disabled",
            status=422,
            slug="AuthConfigDisabled",
            suggested_fix="Enable the auth config (PATCH /api/v3/auth_configs/{id}/ENABLED) or use another account.",
        )
    if account.status != "ACTIVE":
        raise ApiError(
            f"Connected account {account.id} is {account.status}, not ACTIVE",
            status=422,
            slug="ConnectedAccountNotActive",
            suggested_fix="Ask the user to reconnect (connected_accounts.refresh or a new initiate) and retry.",
        )


def _none_usable(db: Session, project_id: str, toolkit: str, user_id: str) -> ApiError:
    """The 'no connected account' error, saying why when the user has unusable ones."""
    unusable = db.execute(
        select(
            ConnectedAccount.id,
            ConnectedAccount.status,
            ConnectedAccount.status_reason,
            ConnectedAccount.is_disabled,
            AuthConfig.status.label("config_status"),
        )
        .join(AuthConfig, AuthConfig.id == ConnectedAccount.auth_config_id)
        .where(
            ConnectedAccount.project_id == project_id,
            ConnectedAccount.user_id == user_id,
            ConnectedAccount.toolkit_slug == toolkit,
        )
        .order_by(ConnectedAccount.created_at.desc())
        .limit(1)
    ).first()
    message = f"No connected account found for user '{user_id}' and toolkit '{toolkit}'"
    if unusable is not None:
        if unusable.is_disabled:
            state = "disabled"
        elif unusable.config_status != "ENABLED":
            state = "under a disabled auth config"
        else:
            state = unusable.status
        reason = f": {unusable.status_reason}" if unusable.status_reason and state == unusable.status else ""
        message += f" (the latest one, {unusable.id}, is {state}{reason})"
    return BadRequest(message, slug="NoConnectedAccount", suggested_fix=connect_fix(toolkit, user_id))


def _query(project_id: str) -> Select[*tuple[Any, ...]]:
    """Only the columns execution uses: one indexed lookup joined to its auth config."""
    return (
        select(
            ConnectedAccount.id,
            ConnectedAccount.project_id,
            ConnectedAccount.user_id,
            ConnectedAccount.toolkit_slug,
            ConnectedAccount.auth_config_id,
            ConnectedAccount.status,
            ConnectedAccount.is_disabled,
            ConnectedAccount.data,
            ConnectedAccount.state_encrypted,
            ConnectedAccount.expires_at,
            AuthConfig.auth_scheme,
            AuthConfig.status.label("auth_config_status"),
            AuthConfig.settings.label("auth_config_settings"),
        )
        .join(AuthConfig, AuthConfig.id == ConnectedAccount.auth_config_id)
        .where(ConnectedAccount.project_id == project_id)
    )


def _snapshot(row: Any) -> ResolvedAccount:
    return ResolvedAccount(
        id=row.id,
        project_id=row.project_id,
        user_id=row.user_id,
        toolkit_slug=row.toolkit_slug,
        auth_config_id=row.auth_config_id,
        auth_scheme=row.auth_scheme,
        auth_config_settings=dict(row.auth_config_settings or {}),
        data=dict(row.data or {}),
        state_encrypted=row.state_encrypted,
        expires_at=row.expires_at,
    )
