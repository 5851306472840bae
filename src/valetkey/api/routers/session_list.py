"""GET /tool_router/session: a project's sessions, newest first (a Valetkey extension; `valetkey sessions list`).

Composio has no listing of sessions; the route sits at the collection's path,
beside POST (create), and answers the usual page shape.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from starlette.concurrency import run_in_threadpool

from valetkey.api.auth import require_project
from valetkey.api.responses import documented
from valetkey.api.schemas import sessions as r
from valetkey.api.state import AppState, app_state
from valetkey.core.context import ProjectContext
from valetkey.core.cursors import decode_cursor, encode_cursor
from valetkey.core.validation import QueryText, UserId, clamp_limit, limit_query
from valetkey.sessions.listing import list_sessions
from valetkey.sessions.serializers import session_view

router = APIRouter(tags=["tool_router"])


@router.get(
    "/tool_router/session",
    summary="List sessions (Valetkey extension)",
    responses=documented(r.SessionPage),
)
async def list_project_sessions(
    user_id: UserId | None = None,
    limit: float | None = limit_query(maximum=100),
    cursor: QueryText | None = None,
    project: ProjectContext = Depends(require_project),
    state: AppState = Depends(app_state),
) -> dict[str, Any]:
    size = clamp_limit(limit, maximum=100, default=20)
    offset = decode_cursor(cursor)

    def read() -> tuple[list[Any], int]:
        with state.db.session() as db:
            return list_sessions(db, project.project_id, user_id=user_id, limit=size, offset=offset)

    records, total = await run_in_threadpool(read)
    items = [
        {
            **session_view(rec, state.settings.public_url),
            "user_id": rec.user_id,
            "created_at": rec.created_at.isoformat().replace("+00:00", "Z"),
        }
        for rec in records
    ]
    more = offset + len(items) < total
    return {
        "items": items,
        "next_cursor": encode_cursor(offset + len(items)) if more else None,
        "total_items": total,
    }
