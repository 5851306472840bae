"""The `tool_router_sessions` table: one row per session, its configuration frozen as JSON.

A session never changes after it is created (the spec calls sessions
immutable), so the row is written once and only ever read. The config column
holds `config.to_json(SessionConfig)`; `user_id` is also a column so a
project's sessions of one user can be found without parsing JSON.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from valetkey.store.db import Base, UTCDateTime, utcnow


class ToolRouterSession(Base):
    __tablename__ = "tool_router_sessions"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[str] = mapped_column(String(255))
    config: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
