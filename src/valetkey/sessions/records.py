"""A stored session as a frozen value, the context every session operation runs in, and its storage.

`SessionRecord` is what the database row means (one config version of the
session); `SessionContext` adds who is asking (the project), the running
server's state and the request id, and is what meta tools, execution and the
MCP server receive. An update writes the next version only if the stored one
is still the version it started from (`replace_config`), so of two
concurrent updates one wins and the other gets a 409.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select, update

from valetkey.core.context import ProjectContext
from valetkey.core.errors import Conflict, NotFound
from valetkey.core.ids import new_id
from valetkey.execution.state import ExecutionState
from valetkey.sessions import config as session_config
from valetkey.sessions.config import SessionConfig
from valetkey.sessions.custom_tools import CustomTools
from valetkey.sessions.models import ToolRouterSession, ToolRouterSessionConfig
from valetkey.store.db import affected_rows, utcnow

ID_PREFIX = "trs"


@dataclass(frozen=True)
class SessionRecord:
    id: str
    project_id: str
    config: SessionConfig
    created_at: dt.datetime
    version: int = 1

    @property
    def user_id(self) -> str:
        return self.config.user_id


@dataclass(frozen=True)
class ConfigVersion:
    """One entry of a session's config history."""

    version: int
    config: SessionConfig
    created_at: dt.datetime
    superseded_at: dt.datetime | None


@dataclass(frozen=True)
class SessionContext:
    state: ExecutionState
    project: ProjectContext
    session: SessionRecord
    request_id: str | None = None
    # The custom tools a request carried (the SDK sends them on every call); None: the stored ones.
    request_custom: CustomTools | None = None

    @property
    def config(self) -> SessionConfig:
        return self.session.config

    @property
    def custom(self) -> CustomTools:
        """The custom tools this request may search and name: the request's own, else the session's."""
        return self.request_custom if self.request_custom is not None else self.session.config.custom

    @property
    def catalog(self) -> Any:
        """The catalog as the session's project sees it (with its custom toolkits)."""
        return self.state.catalog_for(self.project.project_id)

    @property
    def project_id(self) -> str:
        return self.project.project_id


def session_not_found(session_id: str) -> NotFound:
    return NotFound(
        f"Session {session_id} not found",
        slug="SessionNotFound",
        suggested_fix="Create a session with POST /api/v3/tool_router/session (the SDKs' create).",
    )


def insert_session(state: ExecutionState, project_id: str, config: SessionConfig) -> SessionRecord:
    """Store a new session (runs in a worker thread)."""
    record = SessionRecord(new_id(ID_PREFIX, 16), project_id, config, utcnow())
    stored = session_config.to_json(config)
    with state.db.session() as db:
        db.add(
            ToolRouterSession(
                id=record.id,
                project_id=project_id,
                user_id=config.user_id,
                config=stored,
                config_version=1,
                created_at=record.created_at,
            )
        )
        db.flush()
        db.add(
            ToolRouterSessionConfig(
                session_id=record.id, version=1, config=stored, created_at=record.created_at
            )
        )
    return record


def version_conflict(session_id: str, expected: int, current: int | None = None) -> Conflict:
    now = f" (it is at version {current})" if current is not None else ""
    return Conflict(
        f"Session {session_id} configuration is no longer at version {expected}{now}",
        slug="SessionConfigConflict",
        suggested_fix="Fetch the session again (GET /api/v3/tool_router/session/{id}) and retry the update against its "
        "current config_version.",
    )


def replace_config(
    state: ExecutionState, record: SessionRecord, config: SessionConfig, *, expected_version: int
) -> SessionRecord:
    """Store `config` as the version after `expected_version`; Conflict when the session moved on (worker thread)."""
    now = utcnow()
    stored = session_config.to_json(config)
    with state.db.session() as db:
        changed = affected_rows(
            db.execute(
                update(ToolRouterSession)
                .where(
                    ToolRouterSession.id == record.id,
                    ToolRouterSession.project_id == record.project_id,
                    ToolRouterSession.config_version == expected_version,
                )
                .values(config=stored, config_version=expected_version + 1, updated_at=now)
                .execution_options(synchronize_session=False)
            )
        )
        if changed != 1:
            current = db.scalar(
                select(ToolRouterSession.config_version).where(
                    ToolRouterSession.id == record.id, ToolRouterSession.project_id == record.project_id
                )
            )
            if current is None:
                raise session_not_found(record.id)
            raise version_conflict(record.id, expected_version, current)
        db.execute(
            update(ToolRouterSessionConfig)
            .where(
                ToolRouterSessionConfig.session_id == record.id,
                ToolRouterSessionConfig.version == expected_version,
            )
            .values(superseded_at=now)
            .execution_options(synchronize_session=False)
        )
        db.add(
            ToolRouterSessionConfig(
                session_id=record.id, version=expected_version + 1, config=stored, created_at=now
            )
        )
    return SessionRecord(record.id, record.project_id, config, record.created_at, expected_version + 1)


def delete_session(state: ExecutionState, project_id: str, session_id: str) -> None:
    """Remove the session and its history; NotFound when the project has no such session (worker thread)."""
    with state.db.session() as db:
        row = db.get(ToolRouterSession, session_id) if len(session_id) <= 40 else None
        if row is None or row.project_id != project_id:
            raise session_not_found(session_id[:40])
        db.execute(delete(ToolRouterSessionConfig).where(ToolRouterSessionConfig.session_id == session_id))
        db.delete(row)


def config_history(
    state: ExecutionState, session_id: str, *, offset: int, limit: int
) -> tuple[list[ConfigVersion], int]:
    """A page of the session's config versions, newest first, and how many there are (worker thread)."""
    where = ToolRouterSessionConfig.session_id == session_id
    with state.db.session() as db:
        total = db.scalar(select(func.count()).select_from(ToolRouterSessionConfig).where(where)) or 0
        rows = db.scalars(
            select(ToolRouterSessionConfig)
            .where(where)
            .order_by(ToolRouterSessionConfig.version.desc())
            .offset(offset)
            .limit(limit)
        ).all()
        return [
            ConfigVersion(r.version, session_config.from_json(r.config), r.created_at, r.superseded_at)
            for r in rows
        ], total


def load_session(state: ExecutionState, project_id: str, session_id: str) -> SessionRecord:
    """The project's session `session_id`; NotFound for any other (runs in a worker thread)."""
    if not isinstance(session_id, str) or len(session_id) > 40:
        raise session_not_found(str(session_id)[:40])
    with state.db.session() as db:
        row = db.get(ToolRouterSession, session_id)
        if row is None or row.project_id != project_id:
            raise session_not_found(session_id)
        return SessionRecord(
            row.id, row.project_id, session_config.from_json(row.config), row.created_at, row.config_version
        )
