"""Per-user pre-authenticated MCP URLs: `{public_url}/mcp/u/{token}`.

The token is the only credential (about 256 bits from `secrets`), so the
URL can go into any MCP client's config without an API key. Only its
SHA-256 is stored; a URL is shown once, when minted. A user may hold
several live URLs for one server (each `generate` call mints one); revoking
the user's instance revokes them all. An "instance" in the Composio API is
one user of one server: the users with at least one live URL.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, replace

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from valetkey.core.ids import hash_secret, new_id
from valetkey.mcp.configs import ServerConfig
from valetkey.mcp.models import McpServer, McpUserUrl
from valetkey.store.db import affected_rows, utcnow

PATH = "/mcp/u/"
TOKEN_PREFIX = "vkm_"  # noqa: S105 (not a secret)


@dataclass(frozen=True)
class UserGrant:
    """What a live token stands for."""

    server: ServerConfig
    user_id: str
    connected_account_id: str | None


@dataclass(frozen=True)
class Instance:
    id: str
    user_id: str
    server_id: str
    created_at: dt.datetime
    updated_at: dt.datetime


def user_url(public_url: str, token: str) -> str:
    return public_url.rstrip("/") + PATH + token


def mint(
    db: Session,
    server: ServerConfig,
    user_id: str,
    connected_account_id: str | None = None,
    *,
    managed_auth: bool | None = None,
) -> str:
    """A new token for `user_id` on `server`; returns the token (never stored in clear).

    `managed_auth` (generate's `managed_auth_by_composio`) overrides the server's setting for
    this URL: whether a call lacking a connected account answers with a Connect Link hint.
    """
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    db.add(
        McpUserUrl(
            id=new_id("mcpu"),
            server_id=server.id,
            project_id=server.project_id,
            user_id=user_id,
            connected_account_id=connected_account_id,
            managed_auth=managed_auth,
            token_hash=hash_secret(token),
            created_at=utcnow(),
        )
    )
    db.flush()
    return token


def resolve(db: Session, token: str) -> UserGrant | None:
    """The grant behind a live token; None for unknown and revoked tokens alike."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    row = db.execute(
        select(McpUserUrl, McpServer)
        .join(McpServer, McpServer.id == McpUserUrl.server_id)
        .where(McpUserUrl.token_hash == hash_secret(token), McpUserUrl.revoked_at.is_(None))
    ).first()
    if row is None:
        return None
    url, server = row
    config = ServerConfig.of(server)
    if url.managed_auth is not None:
        config = replace(config, managed_auth=bool(url.managed_auth))
    return UserGrant(config, url.user_id, url.connected_account_id)


def revoke_user(db: Session, server_id: str, user_id: str) -> int:
    """Revoke every live URL of `user_id` on the server; the number revoked."""
    result = db.execute(
        update(McpUserUrl)
        .where(
            McpUserUrl.server_id == server_id, McpUserUrl.user_id == user_id, McpUserUrl.revoked_at.is_(None)
        )
        .values(revoked_at=utcnow())
    )
    return affected_rows(result)


def instances(
    db: Session, server_id: str, *, search: str | None = None, newest_first: bool = True
) -> list[Instance]:
    """One entry per user with a live URL: first and latest URL times."""
    query = (
        select(
            McpUserUrl.user_id,
            func.min(McpUserUrl.id),
            func.min(McpUserUrl.created_at),
            func.max(McpUserUrl.created_at),
        )
        .where(McpUserUrl.server_id == server_id, McpUserUrl.revoked_at.is_(None))
        .group_by(McpUserUrl.user_id)
    )
    if search:
        query = query.where(func.lower(McpUserUrl.user_id).contains(search.lower(), autoescape=True))
    found = [
        Instance(row_id, user, server_id, first, last) for user, row_id, first, last in db.execute(query)
    ]
    found.sort(key=lambda i: (i.created_at, i.user_id), reverse=newest_first)
    return found


def instance_counts(db: Session, server_ids: list[str]) -> dict[str, int]:
    if not server_ids:
        return {}
    rows = db.execute(
        select(McpUserUrl.server_id, func.count(func.distinct(McpUserUrl.user_id)))
        .where(McpUserUrl.server_id.in_(server_ids), McpUserUrl.revoked_at.is_(None))
        .group_by(McpUserUrl.server_id)
    )
    return {server_id: count for server_id, count in rows}
