"""Organizations own projects; projects scope every other resource.

API keys are stored as SHA-256 hashes of high-entropy secrets, with only a
short hint kept for display. A key is shown once, when it is made.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from valetkey.store.db import Base, UTCDateTime, utcnow

DEFAULT_PROJECT_CONFIG: dict[str, Any] = {
    "is_2FA_enabled": False,
    "mask_secret_keys_in_connected_account": True,
    "log_visibility_setting": "show_all",
    "require_mcp_api_key": False,
    "logo_url": None,
    "display_name": None,
}


class Organization(Base):
    __tablename__ = "organizations"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class OrgApiKey(Base):
    __tablename__ = "org_api_keys"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hint: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Project(Base):
    __tablename__ = "projects"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    config: Mapped[dict[str, Any]] = mapped_column(JSON, default=lambda: dict(DEFAULT_PROJECT_CONFIG))
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def setting(self, name: str) -> Any:
        return {**DEFAULT_PROJECT_CONFIG, **(self.config or {})}.get(name)


class ProjectApiKey(Base):
    __tablename__ = "project_api_keys"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hint: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class RateLimitCounter(Base):
    """Requests counted for one limiter key (a project, an org, a client address) in one fixed window.

    Every API process adds to the same row with one atomic upsert, so a limit
    holds across processes; `window` is the window's index since the epoch.
    """

    __tablename__ = "rate_limit_counters"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    window: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    count: Mapped[int] = mapped_column(Integer, default=0)
    # Epoch second after which the row weighs on no decision (the end of the next window): swept then.
    expires_at: Mapped[int] = mapped_column(BigInteger, index=True)


class ClientCredential(Base):
    """A client id and secret for the Scalekit SDK's client-credentials grant (`valetkey.tenancy.clients`).

    The secret is a high-entropy bearer value stored as its SHA-256, like API keys; revoked rows stay
    (for audit) with `revoked_at` set, and their access tokens stop working with them.
    """

    __tablename__ = "client_credentials"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # the client_id
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    hint: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True, default=None)


class ClientAccessToken(Base):
    """A short-lived access token issued to a client credential by `/oauth/token` (stored hashed)."""

    __tablename__ = "client_access_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    client_id: Mapped[str] = mapped_column(
        ForeignKey("client_credentials.id", ondelete="CASCADE"), index=True
    )
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
