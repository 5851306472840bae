"""Project usage from the execution logs: `experimental.usage.summary()` and `.breakdown()` in the SDK.

Valetkey meters nothing else and bills nothing, so the entity types are what the logs count:
``tool_calls`` (tool executions) and ``proxy_calls`` (proxy requests), each in ``calls``, and the
instant charge is always zero. A log records no session, so a `session_id` filter (or the
``sessions`` entity type) is refused with a 400 rather than answered with wrong numbers.
Ranges follow Composio: epoch milliseconds, `from` inclusive, `to` exclusive, `to` defaulting
to now and `from` to 30 days before `to`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from valetkey.core.errors import NotFound, ValidationError
from valetkey.execution.models import ExecutionLog

ENTITY_KINDS = {"tool_calls": "tool", "proxy_calls": "proxy"}
UNIT = "calls"
GROUP_COLUMNS = {
    "tool_slug": ExecutionLog.tool_slug,
    "toolkit_slug": ExecutionLog.toolkit_slug,
    "user_id": ExecutionLog.user_id,
    "connected_account_id": ExecutionLog.connected_account_id,
}
DEFAULT_WINDOW = dt.timedelta(days=30)


@dataclass(frozen=True)
class UsageQuery:
    start_ms: float | None = None
    end_ms: float | None = None
    user_ids: Sequence[str] = ()
    session_ids: Sequence[str] = ()
    entity_types: Sequence[str] | None = None  # summary only: None means all
    group_by: str | None = None
    order_by: str = "total_quantity"
    descending: bool = True
    limit: int = 100


def summary(db: Session, project_id: str, query: UsageQuery) -> dict[str, Any]:
    """Totals per entity type over the window."""
    wanted = list(query.entity_types) if query.entity_types is not None else list(ENTITY_KINDS)
    for entity in wanted:
        _kind(entity)
    entities = {}
    for entity in wanted:
        count = db.scalar(
            select(func.count()).select_from(ExecutionLog).where(*_where(project_id, entity, query))
        )
        entities[entity] = {"unit": UNIT, "total_quantity": str(count or 0), "event_count": int(count or 0)}
    return {"entities": entities, "instant_charge": "0"}


def breakdown(db: Session, project_id: str, entity_type: str, query: UsageQuery) -> dict[str, Any]:
    """One entity type's total over the window, grouped by a column (default tool_slug)."""
    _kind(entity_type, in_path=True)
    group_name = query.group_by or "tool_slug"
    column = GROUP_COLUMNS.get(group_name)
    if column is None:
        raise ValidationError(
            f"group_by: {group_name!r} is not a column of the execution logs",
            suggested_fix=f"Group by one of: {', '.join(GROUP_COLUMNS)}.",
        )
    where = _where(project_id, entity_type, query)
    count = func.count().label("n")
    key = func.coalesce(column, "").label("key")
    rows = db.execute(select(key, count).select_from(ExecutionLog).where(*where).group_by(key)).all()
    counted = [(str(k), int(n)) for k, n in rows]
    by_key = query.order_by == "key"
    counted.sort(key=lambda kn: (kn[0], kn[1]) if by_key else (kn[1], kn[0]), reverse=query.descending)
    total = sum(n for _, n in counted)
    groups = [{"key": k, "total_quantity": str(n), "event_count": n} for k, n in counted]
    return {
        "entity_type": entity_type,
        "unit": UNIT,
        "total_quantity": str(total),
        "event_count": total,
        "groups": groups[: query.limit],
    }


def _kind(entity_type: str, *, in_path: bool = False) -> str:
    """The log kind an entity type counts; unknown: 404 when it names the resource (the path), else 400."""
    kind = ENTITY_KINDS.get(entity_type)
    if kind is None:
        error = NotFound if in_path else ValidationError
        raise error(
            f"entity_type: {entity_type!r} is not metered here; the execution logs count "
            f"{', '.join(ENTITY_KINDS)}",
            suggested_fix=f"Ask for one of: {', '.join(ENTITY_KINDS)}.",
        )
    return kind


def _where(project_id: str, entity_type: str, query: UsageQuery) -> list[ColumnElement[bool]]:
    if query.session_ids:
        raise ValidationError(
            "filters.session_id: execution logs do not record the session a call came from",
            suggested_fix="Filter by user_id, or omit filters.session_id.",
        )
    end = _instant(query.end_ms) if query.end_ms is not None else dt.datetime.now(dt.UTC)
    start = _instant(query.start_ms) if query.start_ms is not None else end - DEFAULT_WINDOW
    if start > end:
        raise ValidationError("from: the range starts after it ends", suggested_fix="Pass from <= to.")
    conditions = [
        ExecutionLog.project_id == project_id,
        ExecutionLog.kind == _kind(entity_type),
        ExecutionLog.created_at >= start,
        ExecutionLog.created_at < end,
    ]
    if query.user_ids:
        conditions.append(ExecutionLog.user_id.in_(list(query.user_ids)))
    return conditions


def _instant(ms: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(ms / 1000, tz=dt.UTC)
