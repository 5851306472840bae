"""The `mcp_servers` and `mcp_user_urls` tables.

An MCP server config fixes what an MCP endpoint serves: a set of toolkits,
optionally narrowed to `allowed_tools`, and the auth configs whose connected
accounts it may use. A user URL is a bearer token in the path
(`/mcp/u/{token}`) that stands for "this server, as this user" (optionally
pinned to one connected account); only its SHA-256 is stored, and revoking
sets `revoked_at` rather than deleting, so a revoked URL stays explainable.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from valetkey.store.db import Base, UTCDateTime, utcnow


class McpServer(Base):
    __tablename__ = "mcp_servers"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    toolkits: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Empty means every tool of `toolkits` at their latest version.
    allowed_tools: Mapped[list[str]] = mapped_column(JSON, default=list)
    auth_config_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    # When true, a call without a connected account answers with a Connect Link to follow.
    managed_auth: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class McpUserUrl(Base):
    __tablename__ = "mcp_user_urls"
    __table_args__ = (Index("ix_mcp_user_urls_server_user", "server_id", "user_id"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    server_id: Mapped[str] = mapped_column(ForeignKey("mcp_servers.id", ondelete="CASCADE"))
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[str] = mapped_column(String(255))
    # Set when the URL was generated for one connected account rather than a user.
    connected_account_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    # managed_auth_by_composio as generated: overrides the server's managed_auth; None follows it.
    managed_auth: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
