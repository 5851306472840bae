"""HTTP routes of tool execution, proxy execute and execution logs.

Thin on purpose: each route authenticates the project, hands the parsed body
to the service layer and returns its dict. The execute route answers with a
prebuilt JSONResponse to skip FastAPI's response-model encoding on the
hottest path of the server.
"""

from __future__ import annotations

import json
import logging
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from valetkey.api.auth import require_project
from valetkey.api.responses import documented, link
from valetkey.api.schemas import execution as r
from valetkey.api.state import AppState, app_state
from valetkey.core.context import ProjectContext
from valetkey.core.cursors import decode_cursor, encode_cursor
from valetkey.core.validation import EpochMs, QueryText, RequestBody
from valetkey.execution.log_queries import full_entry, get_log, search_logs, summary
from valetkey.execution.proxy import proxy_request
from valetkey.execution.schemas import ExecuteBody, ProxyBody, inline_schema, parse_body
from valetkey.execution.service import execute_tool

log = logging.getLogger("valetkey.execution")


@asynccontextmanager
async def _lifespan(app):
    """Store the logs a crashed process left in the journal; write out queued ones before closing."""
    state = app.state.valetkey
    try:
        await state.log_writer.recover()
    except Exception:
        log.exception("could not replay the execution log journal; it is kept for the next start")
    yield
    await state.log_writer.close()


router = APIRouter(lifespan=_lifespan)
LOG_LINKS = {"GetExecutionLog": link("GET /logs/tool_execution/{log_id}", log_id="$response.body#/log_id")}


class _Json(JSONResponse):
    """Compact JSON that tolerates values a Python tool handler may return (dates, sets...)."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, separators=(",", ":"), default=str, ensure_ascii=False).encode()


def _request_id(request: Request) -> str | None:
    return request.scope.get("state", {}).get("request_id")


# Declared before /tools/execute/{tool_slug}, which would otherwise match "proxy".
@router.post(
    "/tools/execute/proxy",
    tags=["tools"],
    summary="Execute proxy request",
    responses=documented(r.ProxyResult, 404, 422, 502, 504),
)
async def proxy(
    body: ProxyBody,
    request: Request,
    project: ProjectContext = Depends(require_project),
    state: AppState = Depends(app_state),
):
    return _Json(await proxy_request(state, project, body, _request_id(request)))


@router.post(
    "/tools/execute/{tool_slug}",
    tags=["tools"],
    summary="Execute tool",
    responses=documented(r.ExecuteResult, 404, 422, 500, links=LOG_LINKS),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": inline_schema(ExecuteBody)}},
        }
    },
)
async def execute(tool_slug: str, request: Request):
    return await execute_response(request, tool_slug)


async def execute_response(request: Request, tool_slug: str) -> _Json:
    """The execute route's work; `api.fast_routes.ExecuteFastPath` calls it without FastAPI's router.

    The hottest route: no FastAPI dependencies (each sync one costs a thread
    hop) and the body parsed straight from bytes, after authentication so a
    caller without a key learns nothing from validation errors.
    """
    state: AppState = request.app.state.valetkey
    project = await require_project(request, state)
    body = await parse_body(request, ExecuteBody)
    return _Json(await execute_tool(state, project, tool_slug, body, _request_id(request)))


@router.get(
    "/logs/tool_execution/{log_id}",
    tags=["logs"],
    summary="Get a tool execution log",
    responses=documented(r.LogEntry, 404),
)
async def get_execution_log(
    log_id: str,
    project: ProjectContext = Depends(require_project),
    state: AppState = Depends(app_state),
):
    pending = state.log_writer.pending.get(log_id)
    if pending is not None and pending["project_id"] == project.project_id:
        return _Json(full_entry(pending), headers={"cache-control": "no-store"})
    row = await run_in_threadpool(_read, state, get_log, project.project_id, log_id)
    return _Json(full_entry(row))


class LogFilter(RequestBody):
    field: QueryText  # the fields `search_logs` can filter by; it names the supported ones otherwise
    operator: QueryText = "=="
    value: QueryText


class TimeRange(RequestBody):
    """Milliseconds since the epoch; finite and within datetime's range."""

    from_: EpochMs | None = Field(None, alias="from")
    to: EpochMs | None = None


class LogSearchBody(RequestBody):
    limit: int = Field(default=20, ge=1)  # more than 100 is served as 100
    cursor: QueryText | None = None
    filters: list[LogFilter] = Field(default_factory=list)
    time_range: TimeRange | None = None


@router.post(
    "/logs/tool_execution",
    tags=["logs"],
    summary="Search tool execution logs",
    responses=documented(r.LogPage),
)
async def search_execution_logs(
    body: LogSearchBody | None = None,
    project: ProjectContext = Depends(require_project),
    state: AppState = Depends(app_state),
):
    body = body or LogSearchBody()
    offset = decode_cursor(body.cursor)
    await state.log_writer.flush()
    rows, more = await run_in_threadpool(
        _read,
        state,
        search_logs,
        project.project_id,
        filters=[f.model_dump() for f in body.filters],
        time_range=body.time_range.model_dump(by_alias=True) if body.time_range else None,
        offset=offset,
        limit=min(body.limit, 100),
    )
    return _Json(
        {
            "logs": [summary(r) for r in rows],
            "next_cursor": encode_cursor(offset + len(rows)) if more else None,
        }
    )


def _read(state: AppState, query, *args: Any, **kwargs: Any) -> Any:
    with state.db.session() as db:
        return query(db, *args, **kwargs)
