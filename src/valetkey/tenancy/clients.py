"""Client credentials per project, for the Scalekit SDK's client-credentials grant.

`valetkey projects credentials PROJECT_ID` issues a pair (`issue`): the client
id is public, the secret a high-entropy bearer value shown once and stored as
its SHA-256 (like API keys). The Scalekit origin's `/oauth/token` exchanges a
pair for a short-lived access token (`grant`), also stored hashed; every gRPC
call and proxy request carries one (`project_for_token`). Revoking a pair
(`revoke`) ends its tokens at once: a token is honoured only while its pair is
live and its project not deleted.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from valetkey.core.errors import NotFound
from valetkey.core.ids import hash_secret, new_id, new_secret
from valetkey.store.db import utcnow
from valetkey.tenancy.models import ClientAccessToken, ClientCredential, Project

# How long an access token works; the SDK fetches a new one when a call answers UNAUTHENTICATED.
ACCESS_TOKEN_TTL = dt.timedelta(minutes=30)
TOKEN_PREFIX = "vkat_"  # noqa: S105 (a prefix, not a secret)


@dataclass(frozen=True)
class NewCredential:
    """A pair at the one moment its secret exists in clear."""

    client_id: str
    client_secret: str
    project_id: str


@dataclass(frozen=True)
class AccessToken:
    token: str
    expires_in: int  # seconds


def issue(db: Session, project_id: str) -> NewCredential:
    project = db.get(Project, project_id)
    if project is None or project.deleted:
        raise NotFound(f"Project {project_id} not found", slug="ProjectNotFound")
    secret = new_secret("vks")
    row = ClientCredential(
        id=new_id("vkc"),
        project_id=project_id,
        secret_hash=hash_secret(secret),
        hint=secret[:4] + "…" + secret[-4:],
    )
    db.add(row)
    db.flush()
    return NewCredential(row.id, secret, project_id)


def revoke(db: Session, project_id: str, client_id: str) -> None:
    row = db.get(ClientCredential, client_id)
    if row is None or row.project_id != project_id:
        raise NotFound(f"Client {client_id} not found in project {project_id}", slug="ClientNotFound")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
    db.execute(delete(ClientAccessToken).where(ClientAccessToken.client_id == client_id))


def _live_credential(db: Session, client_id: str) -> ClientCredential | None:
    return db.execute(
        select(ClientCredential)
        .join(Project, Project.id == ClientCredential.project_id)
        .where(
            ClientCredential.id == client_id,
            ClientCredential.revoked_at.is_(None),
            Project.deleted.is_(False),
        )
    ).scalar_one_or_none()


def grant(db: Session, client_id: str, client_secret: str) -> AccessToken | None:
    """A new access token for a live pair whose secret matches; None otherwise (say nothing more)."""
    row = _live_credential(db, client_id)
    if row is None or not hmac.compare_digest(row.secret_hash, hash_secret(client_secret)):
        return None
    now = utcnow()
    # Expired tokens of this client go as it gets a new one, so the table stays the size of live use.
    db.execute(
        delete(ClientAccessToken).where(
            ClientAccessToken.client_id == client_id, ClientAccessToken.expires_at <= now
        )
    )
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    db.add(
        ClientAccessToken(
            token_hash=hash_secret(token), client_id=client_id, expires_at=now + ACCESS_TOKEN_TTL
        )
    )
    db.flush()
    return AccessToken(token, int(ACCESS_TOKEN_TTL.total_seconds()))


def project_for_token(db: Session, token: str) -> Project | None:
    """The project a live, unexpired access token acts for."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    return db.execute(
        select(Project)
        .join(ClientCredential, ClientCredential.project_id == Project.id)
        .join(ClientAccessToken, ClientAccessToken.client_id == ClientCredential.id)
        .where(
            ClientAccessToken.token_hash == hash_secret(token),
            ClientAccessToken.expires_at > utcnow(),
            ClientCredential.revoked_at.is_(None),
            Project.deleted.is_(False),
        )
    ).scalar_one_or_none()
