"""Auth configs and connected accounts.

Secret material (client secrets, tokens, API keys) lives only in the
`*_encrypted` columns, sealed by the vault; everything else is plain data.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from valetkey.store.db import Base, UTCDateTime, utcnow

ACCOUNT_STATUSES = ("INITIATED", "ACTIVE", "EXPIRED", "FAILED", "INACTIVE")


class AuthConfig(Base):
    __tablename__ = "auth_configs"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    toolkit_slug: Mapped[str] = mapped_column(String(80), index=True)
    name: Mapped[str] = mapped_column(String(200))
    # "use_composio_managed_auth" or "use_custom_auth"
    type: Mapped[str] = mapped_column(String(40))
    auth_scheme: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="ENABLED")
    # Non-secret settings (scopes, base_url overrides...) and sealed secrets.
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    credentials_encrypted: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


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
    status: Mapped[str] = mapped_column(String(20), default="INITIATED")
    status_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    is_disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    # Non-secret connection data (instance URL, scopes granted, account labels).
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    state_encrypted: Mapped[str | None] = mapped_column(Text, nullable=True)
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
