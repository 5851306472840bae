"""Listing a project's Tool Router sessions, newest first (the dashboard and `valetkey sessions list`).

Read-only and separate from `records` (which owns writing and versioning):
each item is the session's current config version as a `SessionRecord`.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from valetkey.sessions import config as session_config
from valetkey.sessions.models import ToolRouterSession
from valetkey.sessions.records import SessionRecord


def list_sessions(
    db: Session, project_id: str, *, user_id: str | None = None, limit: int = 20, offset: int = 0
) -> tuple[list[SessionRecord], int]:
    query = select(ToolRouterSession).where(ToolRouterSession.project_id == project_id)
    if user_id:
        query = query.where(ToolRouterSession.user_id == user_id)
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db.scalars(
        query.order_by(ToolRouterSession.created_at.desc(), ToolRouterSession.id.desc())
        .offset(offset)
        .limit(limit)
    ).all()
    return [
        SessionRecord(r.id, r.project_id, session_config.from_json(r.config), r.created_at, r.config_version)
        for r in rows
    ], int(total)
