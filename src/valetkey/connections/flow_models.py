"""Server-side records of redirect flows in progress and of hosted Connect Links.

Both hold a bearer secret that travels through a browser (the OAuth `state`,
the link token). Only its SHA-256 is stored, so a database leak cannot replay
a flow; each row is single-use, enforced by a conditional UPDATE on
`consumed_at` (see `valetkey.connections.flows` and `valetkey.connections.link`).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from valetkey.store.db import Base, UTCDateTime, utcnow
from valetkey.vault.columns import OAUTH_FLOW_SECRET, SealedColumn, register_sealed_column


class OAuthFlow(Base):
    """One OAuth authorization in progress: from the redirect to the provider until the callback.

    The account id is not a foreign key: the flow is recorded while the
    account row is still being created; a callback for a deleted account
    is refused like an unknown one.
    """

    __tablename__ = "oauth_flows"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    state_hash: Mapped[str] = mapped_column(String(64), unique=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[str] = mapped_column(String(40), index=True)
    # OAUTH2 or OAUTH1
    kind: Mapped[str] = mapped_column(String(10))
    # Sealed: the PKCE code_verifier (OAuth 2) or the request token and its secret (OAuth 1).
    secret_encrypted: Mapped[str | None] = mapped_column(Text, nullable=True)
    # The redirect_uri sent to the provider, repeated verbatim in the token request.
    redirect_uri: Mapped[str] = mapped_column(Text)
    # Where the user lands afterwards: bound here, never taken from the callback request.
    callback_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    consumed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ConnectLink(Base):
    """A hosted Connect Link: an opaque, expiring, single-use token for one INITIATED account."""

    __tablename__ = "connect_links"
    __table_args__ = (Index("ix_connect_links_expires_at", "expires_at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[str] = mapped_column(
        ForeignKey("connected_accounts.id", ondelete="CASCADE"), index=True
    )
    callback_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    consumed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


register_sealed_column(SealedColumn(OAuthFlow, "secret_encrypted", OAUTH_FLOW_SECRET))
