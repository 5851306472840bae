"""Rows to responses: opens what must be shown masked, then defers to `serializers`.

A value that cannot be opened (its key was removed from the keyring) must not
turn a listing into a 500: it is left out of the response and logged by
record id, never by content.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from typing import Any

from valetkey.connections import serializers
from valetkey.connections.credentials import open_account_state, open_config_secrets
from valetkey.connections.models import AuthConfig, ConnectedAccount
from valetkey.connections.state import ConnectionsState
from valetkey.core.errors import ApiError
from valetkey.vault import VaultError

log = logging.getLogger("valetkey.connections")


def catalog_toolkit(state: ConnectionsState, slug: str, project_id: str | None = None) -> Any:
    """The toolkit (in the project's view when one is named), or None if the catalog no longer has it
    (rows outlive catalog changes)."""
    try:
        return (state.catalog_for(project_id) if project_id else state.catalog).toolkit(slug)
    except (ApiError, KeyError, LookupError):
        return None


def _config_secrets(state: ConnectionsState, config: AuthConfig) -> dict[str, Any]:
    try:
        return open_config_secrets(state.vault, config)
    except VaultError as exc:
        log.warning("cannot open credentials of auth config %s: %s", config.id, exc)
        return {}


def _account_secrets(state: ConnectionsState, account: ConnectedAccount) -> dict[str, Any]:
    try:
        return open_account_state(state.vault, account.project_id, account.id, account.state_encrypted)
    except VaultError as exc:
        log.warning("cannot open state of connected account %s: %s", account.id, exc)
        return {}


def auth_config_view(state: ConnectionsState, config: AuthConfig, connections: int) -> dict[str, Any]:
    toolkit = catalog_toolkit(state, config.toolkit_slug, config.project_id)
    scheme = toolkit.scheme(config.auth_scheme) if toolkit is not None else None
    return serializers.auth_config_out(
        config,
        toolkit=toolkit,
        scheme=scheme,
        secrets=_config_secrets(state, config),
        connections=connections,
    )


def account_view(
    state: ConnectionsState, account: ConnectedAccount, config: AuthConfig, *, mask: bool, now: dt.datetime
) -> dict[str, Any]:
    return serializers.account_out(
        account, config, secrets=_account_secrets(state, account), mask=mask, now=now
    )


def account_created_view(
    state: ConnectionsState,
    account: ConnectedAccount,
    *,
    redirect_url: str | None,
    mask: bool,
    now: dt.datetime,
) -> dict[str, Any]:
    return serializers.account_created(
        account, secrets=_account_secrets(state, account), mask=mask, redirect_url=redirect_url, now=now
    )


def page(
    items: Sequence[Any], *, total: int, offset: int, limit: int, next_cursor: str | None
) -> dict[str, Any]:
    return {
        "items": list(items),
        "next_cursor": next_cursor,
        "total_items": total,
        "current_page": offset // limit + 1 if limit else 1,
        "total_pages": max(1, -(-total // limit)) if limit else 1,
    }
