"""Auth configs and connected accounts.

Secret material (client secrets, tokens, API keys) lives only in the
`*_encrypted` columns, sealed by the vault; everything else is plain data.

`AuthConfig.settings` holds the non-secret side of an auth config::

    {
      "credentials": {"client_id": ..., "base_url": ..., ...},  # non-secret credential fields
      "scopes": [...], "user_scopes": [...],                     # OAuth scopes to request
      "tool_access_config": {...}, "restrict_to_following_tools": [...],
      "is_enabled_for_tool_router": bool, "proxy_config": {...} | None,
    }

`credentials.base_url`, `.authorization_url` and `.token_url` override where the
toolkit's API and OAuth endpoints live (enterprise and self-hosted instances).
The secret credential fields (client_secret...) are sealed in
`credentials_encrypted`. A managed auth config (`is_composio_managed`) stores
no OAuth app secrets at all: they come from the operator's configuration
(`valetkey.connections.managed`) at the moment they are used.

`ConnectedAccount.data` holds the non-secret values of a connection (subdomain,
username, account label...); `state_encrypted` seals the secret ones (API key,
password, access and refresh tokens).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from valetkey.store.db import Base, UTCDateTime, utcnow
from valetkey.vault.columns import (
    AUTH_CONFIG_CREDENTIALS,
    CONNECTED_ACCOUNT_STATE,
    SealedColumn,
    register_sealed_column,
)

ACCOUNT_STATUSES = ("INITIATED", "ACTIVE", "EXPIRED", "FAILED", "INACTIVE")
AUTH_CONFIG_STATUSES = ("ENABLED", "DISABLED")
# Auth config `type` as stored; the wire calls them "default" and "custom".
MANAGED = "use_composio_managed_auth"
CUSTOM = "use_custom_auth"


class AuthConfig(Base):
    __tablename__ = "auth_configs"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    toolkit_slug: Mapped[str] = mapped_column(String(80), index=True)
    name: Mapped[str] = mapped_column(String(200))
    # MANAGED or CUSTOM
    type: Mapped[str] = mapped_column(String(40))
    auth_scheme: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="ENABLED")
    # Non-secret settings (see the module docstring) and sealed secrets.
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    credentials_encrypted: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @property
    def is_composio_managed(self) -> bool:
        return self.type == MANAGED


class ConnectedAccount(Base):
    __tablename__ = "connected_accounts"
    __table_args__ = (
        Index("ix_connected_accounts_lookup", "project_id", "user_id", "toolkit_slug", "status"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[str] = mapped_column(String(255))
    toolkit_slug: Mapped[str] = mapped_column(String(80))
    auth_config_id: Mapped[str] = mapped_column(ForeignKey("auth_configs.id", ondelete="CASCADE"), index=True)
    # Copied from the auth config when the account is made, so reads need no join.
    auth_scheme: Mapped[str] = mapped_column(String(20), default="NO_AUTH")
    status: Mapped[str] = mapped_column(String(20), default="INITIATED")
    status_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    # When `status` last changed: INITIATED accounts expire 10 minutes after it.
    status_changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    is_disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    # What enabling a disabled (INACTIVE) account restores.
    status_before_disable: Mapped[str | None] = mapped_column(String(20), nullable=True)
    alias: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # Non-secret connection data (instance URL, scopes granted, account labels).
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    state_encrypted: Mapped[str | None] = mapped_column(Text, nullable=True)
    # When the access token expires (OAuth), for the refresher.
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Failed refresh attempts in a row (network, 5xx); past a threshold the account EXPIRES.
    refresh_failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The token refresh in flight, if any (`valetkey.connections.refresh`): who claimed it and until when.
    # A lease, not a lock: the provider is called outside any transaction, and a lease whose
    # holder died lapses at `refresh_lease_until`.
    refresh_lease_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    refresh_lease_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


register_sealed_column(SealedColumn(AuthConfig, "credentials_encrypted", AUTH_CONFIG_CREDENTIALS))
register_sealed_column(SealedColumn(ConnectedAccount, "state_encrypted", CONNECTED_ACCOUNT_STATE))


# Status changes publish the expiry event and reach the features that follow accounts (connections/lifecycle.py).
import valetkey.connections.lifecycle  # noqa: E402, F401
