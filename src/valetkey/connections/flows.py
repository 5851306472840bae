"""OAuth flow records: the `state` parameter, kept server-side and single-use.

`state` is 256 random bits. The browser carries it to the provider and back;
the database keeps only its SHA-256, with the sealed PKCE verifier (or OAuth 1
request-token secret), the redirect URI sent to the provider and the
`callback_url` bound when the flow started. The callback looks the flow up
by hash and consumes it with one conditional UPDATE, so of two concurrent
callbacks with the same state exactly one proceeds, and a replayed, forged
or expired state is refused before anything else is read from the request.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from valetkey.connections.flow_models import OAuthFlow
from valetkey.core.ids import hash_secret, new_id
from valetkey.store.db import affected_rows, utcnow
from valetkey.vault import OAUTH_FLOW_SECRET, AssociatedData, Vault

# Matches the 10 minutes an INITIATED account lives.
FLOW_TTL = dt.timedelta(minutes=10)
CALLBACK_PATH = "/api/v3/toolkits/auth/callback"


def callback_redirect_uri(public_url: str) -> str:
    """The one redirect URI Valetkey registers with providers (exact match, no query)."""
    return public_url.rstrip("/") + CALLBACK_PATH


def new_state() -> str:
    return secrets.token_urlsafe(32)


def _aad(project_id: str, flow_id: str) -> AssociatedData:
    return AssociatedData(OAUTH_FLOW_SECRET, project_id, flow_id)


def record_flow(
    db: Session,
    vault: Vault,
    *,
    project_id: str,
    account_id: str,
    kind: str,
    redirect_uri: str,
    callback_url: str | None,
    secret: dict[str, Any],
    state: str,
    now: dt.datetime | None = None,
) -> str:
    """Store a new flow for `state`; returns the flow id."""
    now = now or utcnow()
    flow_id = new_id("oaf")
    db.add(
        OAuthFlow(
            id=flow_id,
            state_hash=hash_secret(state),
            project_id=project_id,
            account_id=account_id,
            kind=kind,
            secret_encrypted=vault.encrypt_json(secret, aad=_aad(project_id, flow_id)) if secret else None,
            redirect_uri=redirect_uri,
            callback_url=callback_url,
            expires_at=now + FLOW_TTL,
            created_at=now,
        )
    )
    db.flush()
    return flow_id


@dataclass(frozen=True)
class ConsumedFlow:
    id: str
    project_id: str
    account_id: str
    kind: str
    redirect_uri: str
    callback_url: str | None
    secret: dict[str, Any] = field(repr=False)


class FlowRefused(Exception):
    """The state is unknown, already used or expired. `reason` is safe to show."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


def consume_flow(
    db: Session, vault: Vault, state: str | None, *, now: dt.datetime | None = None
) -> ConsumedFlow:
    """Claim the flow for `state` exactly once; FlowRefused otherwise."""
    if not state or len(state) > 200:
        raise FlowRefused("This sign-in link is missing its state parameter.")
    now = now or utcnow()
    digest = hash_secret(state)
    claimed = affected_rows(
        db.execute(
            update(OAuthFlow)
            .where(
                OAuthFlow.state_hash == digest, OAuthFlow.consumed_at.is_(None), OAuthFlow.expires_at > now
            )
            .values(consumed_at=now)
            .execution_options(synchronize_session=False)
        )
    )
    row = db.scalar(select(OAuthFlow).where(OAuthFlow.state_hash == digest))
    if row is None:
        raise FlowRefused("This sign-in request is not known to this server.")
    if claimed != 1:
        if row.consumed_at is not None:
            raise FlowRefused("This sign-in request was already completed. Start again from the app.")
        raise FlowRefused("This sign-in request has expired. Start again from the app.")
    secret = (
        vault.decrypt_json(row.secret_encrypted, aad=_aad(row.project_id, row.id))
        if row.secret_encrypted
        else {}
    )
    return ConsumedFlow(
        row.id, row.project_id, row.account_id, row.kind, row.redirect_uri, row.callback_url, secret
    )


def purge_old_flows(
    db: Session, *, now: dt.datetime | None = None, keep: dt.timedelta = dt.timedelta(days=1)
) -> int:
    """Delete flows expired for longer than `keep` (consumed ones included)."""
    now = now or utcnow()
    return affected_rows(db.execute(delete(OAuthFlow).where(OAuthFlow.expires_at < now - keep)))
