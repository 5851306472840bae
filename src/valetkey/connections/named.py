"""Accounts named the Scalekit way: a user (`identifier`) on a connection (an auth config's name).

Scalekit keeps one connected account per (connection, identifier) and re-sends a fresh
authorization link for it while it waits; Valetkey's Connect Links make an INITIATED
account with one single-use link. `find_account` picks the account a name pair means
(the ACTIVE one, else the newest), and `reissue_link` gives a waiting account a new
link instead of making another account each time a link is asked for.
"""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from valetkey.connections.configs import config_by_name
from valetkey.connections.flow_models import ConnectLink
from valetkey.connections.link import LINK_TTL, TOKEN_PREFIX, NewLink, link_url
from valetkey.connections.models import AuthConfig, ConnectedAccount
from valetkey.connections.serializers import INITIATED_TTL
from valetkey.connections.state import ConnectionsState
from valetkey.core.errors import NotFound, connected_account_not_found
from valetkey.core.ids import hash_secret, new_id
from valetkey.store.db import affected_rows, utcnow


def find_account(
    db: Session,
    project_id: str,
    *,
    connection_name: str | None,
    identifier: str | None,
    account_id: str | None,
) -> tuple[ConnectedAccount, AuthConfig]:
    """The account an id names, or the user's account on the named auth config (ACTIVE first, then
    the most recently changed); NotFound otherwise. Another project's accounts never match."""
    if account_id:
        row = db.execute(
            select(ConnectedAccount, AuthConfig)
            .join(AuthConfig, AuthConfig.id == ConnectedAccount.auth_config_id)
            .where(ConnectedAccount.id == account_id, ConnectedAccount.project_id == project_id)
        ).first()
        if row is None:
            raise connected_account_not_found(account_id)
        return row[0], row[1]
    if not connection_name or not identifier:
        raise NotFound(
            "Name the account with connection_name and identifier, or its id",
            slug="ConnectedAccountNotFound",
        )
    config = config_by_name(db, project_id, connection_name)
    accounts = list(
        db.scalars(
            select(ConnectedAccount).where(
                ConnectedAccount.project_id == project_id,
                ConnectedAccount.auth_config_id == config.id,
                ConnectedAccount.user_id == identifier,
            )
        )
    )
    if not accounts:
        raise NotFound(
            f"No connected account for {identifier!r} on connection {connection_name!r}",
            slug="ConnectedAccountNotFound",
        )
    accounts.sort(
        key=lambda a: (a.status == "ACTIVE" and not a.is_disabled, a.updated_at, a.id), reverse=True
    )
    return accounts[0], config


def reissue_link(
    state: ConnectionsState, project_id: str, account_id: str, ttl: dt.timedelta = LINK_TTL
) -> NewLink | None:
    """A fresh Connect Link for an account still waiting for its user (INITIATED); None if it is not.

    The account waits as long as its new link (its INITIATED clock restarts), and earlier unused
    links of it stop working: the newest link is the one the user was sent.
    """
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    with state.db.session() as db:
        restarted = db.execute(
            update(ConnectedAccount)
            .where(
                ConnectedAccount.id == account_id,
                ConnectedAccount.project_id == project_id,
                ConnectedAccount.status == "INITIATED",
                ConnectedAccount.is_disabled.is_(False),
            )
            .values(status_changed_at=now + max(ttl - INITIATED_TTL, dt.timedelta(0)), updated_at=now)
            .execution_options(synchronize_session=False)
        )
        if affected_rows(restarted) != 1:
            return None
        db.execute(
            update(ConnectLink)
            .where(ConnectLink.account_id == account_id, ConnectLink.consumed_at.is_(None))
            .values(expires_at=now)
            .execution_options(synchronize_session=False)
        )
        db.add(
            ConnectLink(
                id=new_id("lnk"),
                token_hash=hash_secret(token),
                project_id=project_id,
                account_id=account_id,
                callback_url=None,
                expires_at=now + ttl,
                created_at=now,
            )
        )
    return NewLink(account_id, token, now + ttl, link_url(state.settings.public_url, token))
