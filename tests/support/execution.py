"""Helpers for execution tests: connected accounts written straight to the database."""

from __future__ import annotations

import datetime as dt
from typing import Any

from valetkey.connections.models import AuthConfig, ConnectedAccount
from valetkey.core.ids import new_id
from valetkey.vault import CONNECTED_ACCOUNT_STATE, AssociatedData

EXECUTE = "/api/v3.1/tools/execute/"


def make_account(
    server,
    project_id: str,
    *,
    toolkit: str = "keyed",
    scheme: str = "API_KEY",
    user_id: str = "user-1",
    status: str = "ACTIVE",
    disabled: bool = False,
    secrets: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None,
    age_seconds: float = 0,
) -> str:
    """An auth config plus a connected account with `secrets` sealed by the server's vault."""
    account_id = new_id("ca")
    config_id = new_id("ac")
    created = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=age_seconds)
    sealed = None
    if secrets:
        aad = AssociatedData(CONNECTED_ACCOUNT_STATE, project_id, account_id)
        sealed = server.state.vault.encrypt_json(secrets, aad=aad)
    with server.state.db.session() as db:
        db.add(
            AuthConfig(
                id=config_id,
                project_id=project_id,
                toolkit_slug=toolkit,
                name=f"{toolkit} config",
                type="use_custom_auth",
                auth_scheme=scheme,
                settings={},
            )
        )
        db.flush()
        db.add(
            ConnectedAccount(
                id=account_id,
                project_id=project_id,
                user_id=user_id,
                toolkit_slug=toolkit,
                auth_config_id=config_id,
                status=status,
                is_disabled=disabled,
                data=data or {},
                state_encrypted=sealed,
                created_at=created,
                updated_at=created,
            )
        )
    return account_id


def seen(upstream, path_part: str) -> list:
    return [r for r in upstream.requests if path_part in r.path]
