"""Reading execution logs back: one by id, or a filtered page, in the Composio log shape.

The shapes follow the SDK's `composio.logs.get` (GET /logs/tool_execution/{id})
and `composio.logs.search` (POST /logs/tool_execution). Every query is scoped
to the calling project; another project's log id is simply not found.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, and_, not_, select
from sqlalchemy.orm import Session

from valetkey.core.errors import NotFound, ValidationError
from valetkey.execution.models import ExecutionLog

FILTER_COLUMNS = {
    "tool_slug": ExecutionLog.tool_slug,
    "toolkit_slug": ExecutionLog.toolkit_slug,
    "connected_account_id": ExecutionLog.connected_account_id,
    "user_id": ExecutionLog.user_id,
    "request_id": ExecutionLog.request_id,
    "log_id": ExecutionLog.id,
}
COLUMNS = [c.name for c in ExecutionLog.__table__.columns]


def row_dict(row: ExecutionLog) -> dict[str, Any]:
    return {name: getattr(row, name) for name in COLUMNS}


def get_log(db: Session, project_id: str, log_id: str) -> dict[str, Any]:
    row = db.get(ExecutionLog, log_id)
    if row is None or row.project_id != project_id:
        raise NotFound(f"Execution log {log_id} not found", slug="LogNotFound")
    return row_dict(row)


def search_logs(
    db: Session,
    project_id: str,
    *,
    filters: list[dict[str, Any]],
    time_range: dict[str, Any] | None,
    offset: int,
    limit: int,
) -> tuple[list[dict[str, Any]], bool]:
    """One page, newest first, and whether another page follows."""
    query = select(ExecutionLog).where(ExecutionLog.project_id == project_id)
    for clause in filters:
        query = query.where(_condition(clause))
    if time_range:
        start = _from_epoch_ms(time_range.get("from"))
        end = _from_epoch_ms(time_range.get("to"))
        if start is not None:
            query = query.where(ExecutionLog.created_at >= start)
        if end is not None:
            query = query.where(ExecutionLog.created_at <= end)
    query = (
        query.order_by(ExecutionLog.created_at.desc(), ExecutionLog.id.desc()).offset(offset).limit(limit + 1)
    )
    rows = [row_dict(r) for r in db.scalars(query)]
    return rows[:limit], len(rows) > limit


def full_entry(row: dict[str, Any]) -> dict[str, Any]:
    """GET /logs/tool_execution/{id}: the summary plus timings, context and the stored data."""
    created: dt.datetime = row["created_at"]
    end_ms = created.timestamp() * 1000
    return {
        **summary(row),
        "timings": {"start_time": round(end_ms - row["duration_ms"], 3), "end_time": round(end_ms, 3)},
        "context": {"session_id": None, "trace_id": None, "request_id": row["request_id"]},
        "source": {"host": None, "framework": None, "language": None},
        "data": {
            "tool_slug": row["tool_slug"],
            "toolkit_slug": row["toolkit_slug"],
            "toolkit_version": row["toolkit_version"],
            "user_id": row["user_id"],
            "connected_account_id": row["connected_account_id"],
            "successful": row["successful"],
            "status": row.get("status") or ("success" if row["successful"] else "failed"),
            "error": row["error"],
            "request": row["request"],
            "response": row["response"],
        },
    }


def summary(row: dict[str, Any]) -> dict[str, Any]:
    created: dt.datetime = row["created_at"]
    ok = row["successful"]
    blocked = row.get("status") == "blocked"
    return {
        "id": row["id"],
        "timestamp": created.isoformat().replace("+00:00", "Z"),
        "type": "tool.proxy" if row["kind"] == "proxy" else "tool.execution",
        # The wire status is success | failed (the SDK's enum); a hook's block is `metadata.result_type`.
        "status": "success" if ok else "failed",
        "level": "info" if ok else ("warn" if blocked else "error"),
        "message": row["error"] if not ok else f"{row['tool_slug']} succeeded",
        "metadata": {
            "credential_source": row["credential_source"],
            **({"result_type": "blocked"} if blocked else {}),
        },
        "metrics": {"duration_ms": row["duration_ms"], "upstream_status": row["upstream_status"]},
        "parent": None,
        "tool_slug": row["tool_slug"],
        "toolkit_slug": row["toolkit_slug"],
    }


def _condition(clause: dict[str, Any]) -> ColumnElement[bool]:
    field, operator, value = clause.get("field"), clause.get("operator", "=="), str(clause.get("value", ""))
    if field == "status":
        if value not in ("success", "failed", "blocked"):
            raise ValidationError("The status filter takes 'success', 'failed' or 'blocked'")
        if value == "blocked":
            matches: ColumnElement[bool] = ExecutionLog.status == "blocked"
        elif value == "success":
            matches = ExecutionLog.successful.is_(True)
        else:
            matches = and_(ExecutionLog.successful.is_(False), ExecutionLog.status.is_(None))
        return matches if operator in ("==", "contains") else not_(matches)
    column = FILTER_COLUMNS.get(field) if isinstance(field, str) else None
    if column is None:
        supported = ", ".join(["status", *FILTER_COLUMNS])
        raise ValidationError(f"Cannot filter logs by {field!r} (supported: {supported})")
    if operator == "==":
        return column == value
    if operator == "!=":
        return column.is_distinct_from(value)
    pattern = "%" + value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    if operator == "contains":
        return column.like(pattern, escape="\\")
    if operator == "not_contains":
        return not_(and_(column.is_not(None), column.like(pattern, escape="\\")))
    raise ValidationError(f"Unknown filter operator {operator!r} (use ==, !=, contains, not_contains)")


def _from_epoch_ms(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    return dt.datetime.fromtimestamp(float(value) / 1000, tz=dt.UTC)


def activity_points(
    db: Session, project_id: str, *, since: dt.datetime, limit: int = 100_000
) -> list[tuple[dt.datetime, bool]]:
    """(created_at, successful) of the project's executions since `since`, oldest first (for charts)."""
    query = (
        select(ExecutionLog.created_at, ExecutionLog.successful)
        .where(ExecutionLog.project_id == project_id, ExecutionLog.created_at >= since)
        .order_by(ExecutionLog.created_at)
        .limit(limit)
    )
    return [(at, bool(ok)) for at, ok in db.execute(query)]
