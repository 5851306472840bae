"""Execution logs: one row per tool execution or proxy call."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from valetkey.store.db import Base, UTCDateTime, utcnow


class ExecutionLog(Base):
    __tablename__ = "execution_logs"
    __table_args__ = (Index("ix_execution_logs_project_created", "project_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    tool_slug: Mapped[str] = mapped_column(String(200))
    toolkit_slug: Mapped[str] = mapped_column(String(80))
    toolkit_version: Mapped[str | None] = mapped_column(String(20), nullable=True)
    user_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    connected_account_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    # "tool" for an execution, "proxy" for a proxy call.
    kind: Mapped[str] = mapped_column(String(10), default="tool")
    # connected_account, custom_auth or no_auth, as the Composio log reports it.
    credential_source: Mapped[str | None] = mapped_column(String(20), nullable=True)
    request_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    successful: Mapped[bool] = mapped_column(Boolean)
    # "blocked" when a session hook stopped the call before any upstream request; None: `successful` says.
    status: Mapped[str | None] = mapped_column(String(10), nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    upstream_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    duration_ms: Mapped[float] = mapped_column(Float)
    # Request and response as sent and received, with credentials removed;
    # empty when the project's log_visibility_setting is dont_store_data.
    request: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    response: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
