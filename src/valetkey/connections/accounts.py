"""Connected accounts: initiate, read, enable/disable, refresh, update and delete.

Non-redirect schemes (API_KEY, BEARER_TOKEN, BASIC, custom fields, NO_AUTH)
are complete here: the caller's values are checked against the scheme, the
toolkit's verification request (if any) decides ACTIVE or FAILED, and the
secret values are sealed. OAUTH2/OAUTH1 hand over to `oauth_seams` at the
points where a redirect flow starts, refreshes or is revoked.

Database work is plain functions over a Session (run in a worker thread);
`initiate_account` and `refresh_account` are async because verification is
an HTTP request on the shared client.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from fastapi.concurrency import run_in_threadpool
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from valetkey.connections import oauth_seams, schemes
from valetkey.connections.configs import get_auth_config
from valetkey.connections.credentials import (
    account_credentials,
    config_overrides,
    open_account_state,
    open_config_secrets,
    seal_account_state,
)
from valetkey.connections.models import AuthConfig, ConnectedAccount
from valetkey.connections.serializers import INITIATED_TTL
from valetkey.connections.state import ConnectionsState
from valetkey.connections.verification import verify_credentials
from valetkey.core.errors import BadRequest, Conflict, NotFound, ValidationError, connected_account_not_found
from valetkey.core.ids import new_id
from valetkey.store.db import affected_rows, table_of, utcnow

LIST_STATUSES = ("INITIALIZING", "INITIATED", "ACTIVE", "FAILED", "EXPIRED", "INACTIVE", "REVOKED")


@dataclass(frozen=True)
class InitiateInput:
    auth_config_id: str
    user_id: str = "default"
    # `state.auth_scheme` as sent (may be None) and `state.val`.
    auth_scheme: str | None = None
    values: Mapping[str, Any] = field(default_factory=dict)
    callback_url: str | None = None
    alias: str | None = None


@dataclass(frozen=True)
class AccountFilters:
    user_ids: Sequence[str] = ()
    auth_config_ids: Sequence[str] = ()
    toolkit_slugs: Sequence[str] = ()
    statuses: Sequence[str] = ()
    connected_account_ids: Sequence[str] = ()


def not_found(account_id: str) -> NotFound:
    return connected_account_not_found(
        account_id, suggested_fix="List connected accounts with GET /api/v3/connected_accounts."
    )


def set_status(account: ConnectedAccount, status: str, reason: str | None, now: dt.datetime) -> None:
    account.status = status
    account.status_reason = reason
    account.status_changed_at = now


# ---- reading ---------------------------------------------------------------------------------


def expire_stale_initiations(
    db: Session, *, project_id: str | None = None, now: dt.datetime | None = None
) -> int:
    """Mark INITIATED accounts older than 10 minutes EXPIRED. Reads also apply the rule lazily;
    this makes it stick (and lets a status filter see it). Safe to run from any process."""
    now = now or utcnow()
    query = (
        update(ConnectedAccount)
        .where(
            ConnectedAccount.status == "INITIATED", ConnectedAccount.status_changed_at <= now - INITIATED_TTL
        )
        .values(
            status="EXPIRED",
            status_reason="The connection was not completed within 10 minutes",
            status_changed_at=now,
        )
    )
    if project_id is not None:
        query = query.where(ConnectedAccount.project_id == project_id)
    return affected_rows(db.execute(query))


def get_account(db: Session, project_id: str, account_id: str) -> tuple[ConnectedAccount, AuthConfig]:
    row = db.execute(
        select(ConnectedAccount, AuthConfig)
        .join(AuthConfig, AuthConfig.id == ConnectedAccount.auth_config_id)
        .where(ConnectedAccount.project_id == project_id, ConnectedAccount.id == account_id)
    ).first()
    if row is None:
        raise not_found(account_id)
    return row[0], row[1]


def list_accounts(
    db: Session,
    project_id: str,
    filters: AccountFilters,
    *,
    limit: int,
    offset: int,
    order_by: str = "created_at",
    descending: bool = True,
) -> tuple[list[tuple[ConnectedAccount, AuthConfig]], int]:
    expire_stale_initiations(db, project_id=project_id)
    query = (
        select(ConnectedAccount, AuthConfig)
        .join(AuthConfig, AuthConfig.id == ConnectedAccount.auth_config_id)
        .where(ConnectedAccount.project_id == project_id)
    )
    if filters.user_ids:
        query = query.where(ConnectedAccount.user_id.in_(list(filters.user_ids)))
    if filters.auth_config_ids:
        query = query.where(ConnectedAccount.auth_config_id.in_(list(filters.auth_config_ids)))
    if filters.toolkit_slugs:
        query = query.where(ConnectedAccount.toolkit_slug.in_([s.lower() for s in filters.toolkit_slugs]))
    if filters.connected_account_ids:
        query = query.where(ConnectedAccount.id.in_(list(filters.connected_account_ids)))
    if filters.statuses:
        wanted = {"INITIATED" if s == "INITIALIZING" else s for s in filters.statuses}
        query = query.where(ConnectedAccount.status.in_(sorted(wanted)))
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    column = ConnectedAccount.updated_at if order_by == "updated_at" else ConnectedAccount.created_at
    ordering = (
        (column.desc(), ConnectedAccount.id.desc())
        if descending
        else (column.asc(), ConnectedAccount.id.asc())
    )
    rows = db.execute(query.order_by(*ordering).offset(offset).limit(limit)).all()
    return [(r[0], r[1]) for r in rows], int(total)


# ---- changing --------------------------------------------------------------------------------


def set_account_enabled(db: Session, project_id: str, account_id: str, enabled: bool) -> ConnectedAccount:
    """Disable: INACTIVE, cannot execute. Enable: back to the status it had before."""
    account, _ = get_account(db, project_id, account_id)
    now = utcnow()
    if not enabled and not account.is_disabled:
        account.status_before_disable = account.status
        account.is_disabled = True
        set_status(account, "INACTIVE", "Disabled through the API", now)
    elif enabled and account.is_disabled:
        account.is_disabled = False
        restored = account.status_before_disable or "ACTIVE"
        account.status_before_disable = None
        set_status(account, restored, None, now)
    db.flush()
    return account


def _check_alias(
    db: Session, project_id: str, user_id: str, toolkit: str, alias: str, *, exclude: str | None
) -> None:
    query = select(ConnectedAccount.id).where(
        ConnectedAccount.project_id == project_id,
        ConnectedAccount.user_id == user_id,
        ConnectedAccount.toolkit_slug == toolkit,
        ConnectedAccount.alias == alias,
    )
    if exclude:
        query = query.where(ConnectedAccount.id != exclude)
    if db.scalar(query.limit(1)) is not None:
        raise Conflict(
            f"Alias '{alias}' is already used by another {toolkit} account of user '{user_id}'",
            slug="AliasAlreadyExists",
            suggested_fix="Choose another alias, or clear the other one.",
        )


def patch_account(
    db: Session,
    state: ConnectionsState,
    project_id: str,
    account_id: str,
    *,
    alias: str | None,
    auth_scheme: str | None,
    values: Mapping[str, Any] | None,
) -> ConnectedAccount:
    """Change an account's alias and/or its non-OAuth credential values (omitted values are kept;
    None removes one). New credentials are not re-verified here: call refresh for that."""
    account, _config = get_account(db, project_id, account_id)
    if alias is not None:
        alias = alias.strip()
        if alias:
            _check_alias(db, project_id, account.user_id, account.toolkit_slug, alias, exclude=account.id)
        account.alias = alias or None
    if values is not None:
        mode = schemes.normalize_mode(auth_scheme or account.auth_scheme, where="connection.state")
        if mode != account.auth_scheme or mode in schemes.REDIRECT_SCHEMES:
            raise ValidationError(
                f"Connected account {account_id} uses {account.auth_scheme}; cannot update {mode} "
                "credentials",
            )
        toolkit = schemes.toolkit_of(state.catalog_for(project_id), account.toolkit_slug)
        scheme = schemes.scheme_of(toolkit, mode)
        current = {
            **(account.data or {}),
            **open_account_state(state.vault, project_id, account.id, account.state_encrypted),
        }
        for name, value in values.items():
            if value is None:
                current.pop(name, None)
            elif name != "status":
                current[name] = value
        checked = schemes.check_account_values(scheme, current)
        account.data = checked.public
        account.state_encrypted = seal_account_state(state.vault, project_id, account.id, checked.secret)
    db.flush()
    return account


# ---- async flows -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Prepared:
    config: AuthConfig
    toolkit: Any
    scheme: Any
    config_credentials: dict[str, Any]


def _prepare(state: ConnectionsState, project_id: str, data: InitiateInput) -> _Prepared:
    with state.db.session() as db:
        config = get_auth_config(db, project_id, data.auth_config_id)
        if config.status != "ENABLED":
            raise BadRequest(
                f"Auth config {config.id} is disabled",
                slug="AuthConfigDisabled",
                suggested_fix=f"Enable it (PATCH /api/v3/auth_configs/{config.id}/ENABLED) first.",
            )
        if data.alias:
            _check_alias(db, project_id, data.user_id, config.toolkit_slug, data.alias, exclude=None)
    toolkit = schemes.toolkit_of(state.catalog_for(project_id), config.toolkit_slug)
    scheme = schemes.scheme_of(toolkit, config.auth_scheme)
    if data.auth_scheme:
        asked = schemes.normalize_mode(data.auth_scheme, where="connection.state.auth_scheme")
        if asked != config.auth_scheme:
            raise BadRequest(
                f"Auth config {config.id} uses the {config.auth_scheme} scheme, but the connection state says {asked}",
                slug="AuthSchemeMismatch",
                suggested_fix=f'Send "connection": {{"state": {{"authScheme": "{config.auth_scheme}", "val": {{...}}}}}}.',
            )
    credentials = {
        **(config.settings or {}).get("credentials", {}),
        **open_config_secrets(state.vault, config),
    }
    if config.is_composio_managed and config.auth_scheme in schemes.REDIRECT_SCHEMES:
        app = state.managed_apps.get(config.toolkit_slug)
        credentials.update(app.credentials() if app else {})
    return _Prepared(config, toolkit, scheme, credentials)


async def initiate_account(
    state: ConnectionsState, project_id: str, data: InitiateInput
) -> tuple[ConnectedAccount, str | None]:
    """Create a connected account. Non-redirect schemes come back ACTIVE (or FAILED after a failed
    verification); redirect schemes come back INITIATED with the URL to send the user to."""
    schemes.check_egress(state.egress, data.values, "connection.state.val")
    prepared = await run_in_threadpool(_prepare, state, project_id, data)
    config, scheme = prepared.config, prepared.scheme
    account_id = new_id("ca")
    redirect_url = None
    if scheme.mode in schemes.REDIRECT_SCHEMES:
        public_values = {
            k: str(v) for k, v in data.values.items() if k != "status" and isinstance(v, (str, int))
        }
        started = await oauth_seams.start_redirect_flow(
            state,
            project_id=project_id,
            account_id=account_id,
            user_id=data.user_id,
            toolkit=prepared.toolkit,
            scheme=scheme,
            config=config,
            config_credentials=prepared.config_credentials,
            values=public_values,
            callback_url=data.callback_url,
        )
        public, secret, status, reason, redirect_url = (
            started.public,
            started.secret,
            "INITIATED",
            None,
            started.redirect_url,
        )
    else:
        checked = schemes.check_account_values(scheme, data.values)
        public, secret = checked.public, checked.secret
        values = {**config_overrides(config.settings), **checked.merged()}
        result = await verify_credentials(state.http, prepared.toolkit, scheme, values)
        status, reason = ("ACTIVE", None) if result.ok else ("FAILED", result.reason)
        if result.account_label:
            public = {**public, "account_label": result.account_label}

    def _store() -> ConnectedAccount:
        now = utcnow()
        account = ConnectedAccount(
            id=account_id,
            project_id=project_id,
            user_id=data.user_id,
            toolkit_slug=config.toolkit_slug,
            auth_config_id=config.id,
            auth_scheme=scheme.mode,
            status=status,
            status_reason=reason,
            status_changed_at=now,
            alias=data.alias or None,
            data=public,
            state_encrypted=seal_account_state(state.vault, project_id, account_id, secret),
            created_at=now,
            updated_at=now,
        )
        with state.db.session() as db:
            get_auth_config(db, project_id, config.id)  # still there (not deleted meanwhile)
            db.add(account)
        return account

    return await run_in_threadpool(_store), redirect_url


async def refresh_account(
    state: ConnectionsState, project_id: str, account_id: str, redirect_url: str | None = None
) -> tuple[ConnectedAccount, str | None]:
    """Non-redirect schemes: run the verification request again (ACTIVE or FAILED).
    Redirect schemes: the OAuth seam decides (token refresh or a new consent)."""

    def _load() -> tuple[ConnectedAccount, AuthConfig]:
        with state.db.session() as db:
            return get_account(db, project_id, account_id)

    account, config = await run_in_threadpool(_load)
    if account.is_disabled:
        raise BadRequest(
            f"Connected account {account_id} is disabled",
            slug="ConnectedAccountDisabled",
            suggested_fix="Enable it first (PATCH /api/v3/connected_accounts/{id}/status).",
        )
    if account.auth_scheme in schemes.REDIRECT_SCHEMES:
        url = await oauth_seams.refresh_redirect_account(
            state, account=account, config=config, redirect_url=redirect_url
        )
        reloaded, _ = await run_in_threadpool(_load)
        return reloaded, url
    toolkit = schemes.toolkit_of(state.catalog_for(project_id), account.toolkit_slug)
    scheme = schemes.scheme_of(toolkit, account.auth_scheme)
    values = account_credentials(state.vault, account, auth_config_settings=config.settings)
    result = await verify_credentials(state.http, toolkit, scheme, values)

    def _save() -> ConnectedAccount:
        with state.db.session() as db:
            fresh, _ = get_account(db, project_id, account_id)
            set_status(
                fresh, "ACTIVE" if result.ok else "FAILED", None if result.ok else result.reason, utcnow()
            )
            if result.account_label:
                fresh.data = {**(fresh.data or {}), "account_label": result.account_label}
            db.flush()
            return fresh

    return await run_in_threadpool(_save), None


async def delete_account(state: ConnectionsState, project_id: str, account_id: str) -> None:
    """Delete an account, first asking the provider to revoke its tokens where that is supported."""

    def _load() -> tuple[ConnectedAccount, AuthConfig]:
        with state.db.session() as db:
            return get_account(db, project_id, account_id)

    account, config = await run_in_threadpool(_load)
    await revoke_quietly(state, account, config)

    def _delete() -> None:
        with state.db.session() as db:
            db.execute(
                table_of(ConnectedAccount)
                .delete()
                .where(ConnectedAccount.project_id == project_id, ConnectedAccount.id == account_id)
            )

    await run_in_threadpool(_delete)


async def revoke_quietly(state: ConnectionsState, account: ConnectedAccount, config: AuthConfig) -> None:
    if account.auth_scheme not in schemes.REDIRECT_SCHEMES:
        return
    secrets = open_account_state(state.vault, account.project_id, account.id, account.state_encrypted)
    await oauth_seams.revoke_at_provider(state, account=account, config=config, secrets=secrets)
