"""`POST /project/usage/summary` and `POST /project/usage/{entity_type}`, over `execution.usage`."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from valetkey.api.auth import require_project
from valetkey.api.responses import documented
from valetkey.api.schemas import platform as r
from valetkey.api.state import AppState, app_state
from valetkey.core.context import ProjectContext
from valetkey.core.validation import EpochMs, QueryText, Slug, UserId
from valetkey.execution import usage

router = APIRouter(tags=["usage"])
MAX_GROUPS = 1000


class UsageFilters(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_id: list[UserId] | None = Field(None, max_length=1000)
    session_id: list[QueryText] | None = Field(None, max_length=1000)


class SummaryBody(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: EpochMs | None = Field(None, alias="from")
    to: EpochMs | None = None
    entity_types: list[Slug] | None = Field(None, max_length=100)
    filters: UsageFilters | None = None


class BreakdownBody(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: EpochMs | None = Field(None, alias="from")
    to: EpochMs | None = None
    group_by: Slug | None = None
    order_by: Literal["key", "total_quantity", "event_count"] | None = None
    order_direction: Literal["asc", "desc"] | None = None
    limit: int | None = Field(None, ge=1)  # above the maximum is clamped to it, not refused
    filters: UsageFilters | None = None


def _filters(filters: UsageFilters | None) -> dict[str, Any]:
    return {
        "user_ids": (filters.user_id or []) if filters else [],
        "session_ids": (filters.session_id or []) if filters else [],
    }


async def _read(state: AppState, fn: Any, *args: Any) -> Any:
    await state.log_writer.flush()  # calls still in the writer's queue count too

    def _run() -> Any:
        with state.db.session() as db:
            return fn(db, *args)

    return await run_in_threadpool(_run)


@router.post("/project/usage/summary", responses=documented(r.UsageSummary))
async def usage_summary(
    body: SummaryBody | None = None,
    project: ProjectContext = Depends(require_project),
    state: AppState = Depends(app_state),
):
    body = body or SummaryBody()
    query = usage.UsageQuery(
        start_ms=body.from_, end_ms=body.to, entity_types=body.entity_types, **_filters(body.filters)
    )
    return await _read(state, usage.summary, project.project_id, query)


@router.post("/project/usage/{entity_type}", responses=documented(r.UsageBreakdown, 404))
async def usage_breakdown(
    entity_type: str,
    body: BreakdownBody | None = None,
    project: ProjectContext = Depends(require_project),
    state: AppState = Depends(app_state),
):
    body = body or BreakdownBody()
    query = usage.UsageQuery(
        start_ms=body.from_,
        end_ms=body.to,
        group_by=body.group_by,
        order_by=body.order_by or "total_quantity",
        descending=body.order_direction != "asc",
        limit=min(body.limit or 100, MAX_GROUPS),
        **_filters(body.filters),
    )
    return await _read(state, usage.breakdown, project.project_id, entity_type, query)
