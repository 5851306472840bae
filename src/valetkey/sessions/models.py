"""The session tables: the live session, and every configuration version it has had.

`tool_router_sessions` holds one row per session with its *current*
configuration (`config.to_json(SessionConfig)`) and `config_version`, which
starts at 1 and grows by one on each update (`PATCH`). An update is a
conditional UPDATE on the version it read, so two concurrent updates cannot
both win (optimistic concurrency; the loser gets 409). `user_id` is a column
so a project's sessions of one user can be found without parsing JSON.

`tool_router_session_configs` keeps each version's configuration, written
once and never changed: "a session's configuration is fixed" holds per
version, and `GET .../config_history` lists them. `superseded_at` is set when
the next version replaces it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from valetkey.store.db import Base, UTCDateTime, utcnow


class ToolRouterSession(Base):
    __tablename__ = "tool_router_sessions"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[str] = mapped_column(String(255))
    config: Mapped[dict[str, Any]] = mapped_column(JSON)
    config_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class ToolRouterSessionConfig(Base):
    __tablename__ = "tool_router_session_configs"

    session_id: Mapped[str] = mapped_column(
        ForeignKey("tool_router_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    config: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    superseded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
