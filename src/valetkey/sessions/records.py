"""A stored session as a frozen value, and the context every session operation runs in.

`SessionRecord` is what the database row means; `SessionContext` adds who is
asking (the project), the running server's state and the request id, and is
what meta tools, execution and the MCP server receive.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from valetkey.core.context import ProjectContext
from valetkey.core.errors import NotFound
from valetkey.core.ids import new_id
from valetkey.execution.state import ExecutionState
from valetkey.sessions import config as session_config
from valetkey.sessions.config import SessionConfig
from valetkey.sessions.models import ToolRouterSession
from valetkey.store.db import utcnow

ID_PREFIX = "trs"


@dataclass(frozen=True)
class SessionRecord:
    id: str
    project_id: str
    config: SessionConfig
    created_at: dt.datetime

    @property
    def user_id(self) -> str:
        return self.config.user_id


@dataclass(frozen=True)
class SessionContext:
    state: ExecutionState
    project: ProjectContext
    session: SessionRecord
    request_id: str | None = None

    @property
    def config(self) -> SessionConfig:
        return self.session.config

    @property
    def catalog(self) -> Any:
        return self.state.catalog

    @property
    def project_id(self) -> str:
        return self.project.project_id


def session_not_found(session_id: str) -> NotFound:
    return NotFound(
        f"Session {session_id} not found",
        slug="SessionNotFound",
        suggested_fix="Create one with composio.create(user_id=...) (POST /api/v3/tool_router/session).",
    )


def insert_session(state: ExecutionState, project_id: str, config: SessionConfig) -> SessionRecord:
    """Store a new session (runs in a worker thread)."""
    record = SessionRecord(new_id(ID_PREFIX, 16), project_id, config, utcnow())
    with state.db.session() as db:
        db.add(
            ToolRouterSession(
                id=record.id,
                project_id=project_id,
                user_id=config.user_id,
                config=session_config.to_json(config),
                created_at=record.created_at,
            )
        )
    return record


def load_session(state: ExecutionState, project_id: str, session_id: str) -> SessionRecord:
    """The project's session `session_id`; NotFound for any other (runs in a worker thread)."""
    if not isinstance(session_id, str) or len(session_id) > 40:
        raise session_not_found(str(session_id)[:40])
    with state.db.session() as db:
        row = db.get(ToolRouterSession, session_id)
        if row is None or row.project_id != project_id:
            raise session_not_found(session_id)
        return SessionRecord(row.id, row.project_id, session_config.from_json(row.config), row.created_at)
