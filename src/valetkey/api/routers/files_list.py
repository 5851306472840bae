"""`GET /files/list`: the project's staged files, filtered by toolkit and tool (`files.listing`)."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool

from valetkey.api.auth import require_project
from valetkey.api.responses import documented
from valetkey.api.schemas import platform as r
from valetkey.api.state import AppState, app_state
from valetkey.core.context import ProjectContext
from valetkey.core.cursors import decode_cursor, encode_cursor
from valetkey.core.validation import QueryText, clamp_limit, limit_query
from valetkey.files.listing import list_files

router = APIRouter(tags=["files"])
MAX_LIMIT = 1000


@router.get("/files/list", responses=documented(r.FilePage))
async def files_list(
    toolkit_slug: QueryText | None = None,
    tool_slug: QueryText | None = None,
    limit: float | None = limit_query(maximum=MAX_LIMIT),
    cursor: QueryText | None = None,
    project: ProjectContext = Depends(require_project),
    state: AppState = Depends(app_state),
):
    size, offset = clamp_limit(limit, maximum=MAX_LIMIT, default=100), decode_cursor(cursor)
    files = await run_in_threadpool(
        list_files, state.files.storage, project.project_id, toolkit_slug=toolkit_slug, tool_slug=tool_slug
    )
    page = files[offset : offset + size]
    items = [{k: v for k, v in asdict(f).items() if k != "stored_at"} for f in page]
    return {
        "items": items,
        "next_cursor": encode_cursor(offset + size) if offset + size < len(files) else None,
        "total_items": len(files),
        "current_page": offset // size + 1,
        "total_pages": max(1, -(-len(files) // size)),
    }
