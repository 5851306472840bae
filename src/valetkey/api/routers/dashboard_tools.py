"""Dashboard pages for the toolkit catalog, the playground and execution logs.

The playground runs a tool exactly as `POST /tools/execute/{slug}` does
(`execution.service.execute_tool`, with the project's settings), as the user
the operator picks, and shows the request and response with secrets masked:
the upstream request and response as logged (credentials already removed) and
the arguments and result with values under secret-looking names masked.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pydantic
from fastapi import APIRouter, Request
from starlette.responses import Response

from valetkey.api.routers import dashboard_base as base
from valetkey.core.context import ProjectContext
from valetkey.core.errors import ApiError, NotFound
from valetkey.execution.log_queries import activity_points, full_entry, get_log, search_logs
from valetkey.execution.schemas import ExecuteBody
from valetkey.execution.service import execute_tool
from valetkey.store.db import utcnow
from valetkey.tenancy.models import DEFAULT_PROJECT_CONFIG
from valetkey.web.charts import activity_chart, bucketize
from valetkey.web.masking import mask_secrets

router = APIRouter(
    prefix="/dashboard/projects/{project_id}", include_in_schema=False, route_class=base.DashboardRoute
)
WINDOWS = {"1h": (3600, 12, "%H:%M"), "24h": (86400, 24, "%H:%M"), "7d": (7 * 86400, 28, "%m-%d")}
LOG_PAGE = 50


# ---- catalog ---------------------------------------------------------------------------------------


@router.get("/toolkits")
async def toolkits_page(project_id: str, request: Request, q: str = "") -> Response:
    me = await base.signed_in(request)
    project = await base.project_for(request, me, project_id)
    needle = q.strip().lower()[:100]
    kits = sorted(base.state(request).catalog.toolkits.values(), key=lambda t: (-t.popularity, t.name))
    if needle:
        kits = [t for t in kits if needle in t.slug.lower() or needle in t.name.lower()]
    return base.page(
        "toolkits.html", me=me, title="Toolkits", project=project, section="/toolkits", toolkits=kits, q=q
    )


@router.get("/toolkits/{slug}")
async def toolkit_page(project_id: str, slug: str, request: Request) -> Response:
    me = await base.signed_in(request)
    project = await base.project_for(request, me, project_id)
    toolkit = base.state(request).catalog.toolkit(slug)
    tools = sorted(toolkit.tools, key=lambda t: t.slug)
    return base.page(
        "toolkit.html",
        me=me,
        title=toolkit.name,
        project=project,
        section="/toolkits",
        toolkit=toolkit,
        tools=tools,
    )


# ---- playground ------------------------------------------------------------------------------------


def _tool_options(request: Request) -> list[str]:
    return sorted(t.slug for kit in base.state(request).catalog.toolkits.values() for t in kit.tools)


@router.get("/playground")
async def playground_page(project_id: str, request: Request, tool: str = "", user_id: str = "") -> Response:
    me = await base.signed_in(request)
    project = await base.project_for(request, me, project_id)
    chosen = None
    if tool:
        try:
            chosen = base.state(request).catalog.resolve_tool(tool.strip()).tool
        except ApiError:
            chosen = None
    example = {name: "" for name in (chosen.input_schema.get("required") or [])} if chosen else {}
    return base.page(
        "playground.html",
        me=me,
        title="Playground",
        project=project,
        section="/playground",
        tools=_tool_options(request),
        tool=chosen,
        form={
            "tool": tool,
            "user_id": user_id,
            "arguments": json.dumps(example, indent=2),
            "connected_account_id": "",
        },
    )


def _logged(db: Any, project_id: str, log_id: str) -> dict[str, Any] | None:
    try:
        return get_log(db, project_id, log_id)
    except NotFound:
        return None


@router.post("/playground")
async def playground_run(project_id: str, request: Request) -> Response:
    me = await base.signed_in(request)
    form = await base.checked_form(request, me)
    project = await base.project_for(request, me, project_id)
    state = base.state(request)
    values = {k: base.field(form, k) for k in ("tool", "user_id", "connected_account_id", "arguments")}
    context: dict[str, Any] = {"form": values, "tools": _tool_options(request)}
    tool = None
    try:
        tool = state.catalog.resolve_tool(values["tool"]).tool
        try:
            arguments = json.loads(values["arguments"] or "{}")
        except ValueError as exc:
            raise ApiError(
                f"The arguments are not JSON: {exc}", suggested_fix="Write a JSON object."
            ) from None
        body = ExecuteBody.model_validate(
            {
                "arguments": arguments,
                "user_id": values["user_id"] or None,
                "connected_account_id": values["connected_account_id"] or None,
            }
        )
        caller = ProjectContext(
            project.id, project.org_id, {**DEFAULT_PROJECT_CONFIG, **(project.config or {})}
        )
        result = await execute_tool(
            state, caller, tool.slug, body, request.scope.get("state", {}).get("request_id")
        )
    except pydantic.ValidationError as exc:
        context["error"] = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in exc.errors()
        )
        return _playground(me, project, tool, context, status=400)
    except ApiError as exc:
        context["error"] = f"{exc.message}. {exc.suggested_fix or ''}".strip()
        return _playground(me, project, tool, context, status=exc.status)
    log_id = result.get("log_id")
    entry = state.log_writer.pending.get(log_id) if log_id else None
    if entry is None and log_id:
        entry = await base.db_call(request, _logged, project.id, log_id)
    context["run"] = {
        "request": mask_secrets(
            {
                "tool": tool.slug,
                "user_id": body.user_id,
                "connected_account_id": body.connected_account_id,
                "arguments": arguments,
            }
        ),
        "upstream_request": mask_secrets((entry or {}).get("request")),
        "upstream_response": mask_secrets((entry or {}).get("response")),
        "result": mask_secrets({k: result.get(k) for k in ("successful", "error", "data")}),
        "log_id": log_id,
    }
    return _playground(me, project, tool, context)


def _playground(me: Any, project: Any, tool: Any, context: dict[str, Any], status: int = 200) -> Response:
    return base.page(
        "playground.html",
        me=me,
        title="Playground",
        project=project,
        section="/playground",
        tool=tool,
        status=status,
        **context,
    )


# ---- execution logs --------------------------------------------------------------------------------


def _logs(db: Any, project_id: str, filters: list[dict[str, Any]], window: str) -> dict[str, Any]:
    seconds, count, label = WINDOWS[window]
    now = utcnow()
    since = now - dt.timedelta(seconds=seconds)
    rows, more = search_logs(
        db,
        project_id,
        filters=filters,
        time_range={"from": since.timestamp() * 1000},
        offset=0,
        limit=LOG_PAGE,
    )
    points = activity_points(db, project_id, since=since)
    buckets = bucketize(points, end=now, buckets=count, seconds=seconds // count)
    return {
        "logs": rows,
        "more": more,
        "chart": activity_chart(buckets, label_format=label),
        "buckets": buckets,
        "totals": {"executions": len(points), "errors": sum(1 for _, ok in points if not ok)},
    }


@router.get("/logs")
async def logs_page(
    project_id: str, request: Request, tool: str = "", user: str = "", status: str = "", window: str = "24h"
) -> Response:
    me = await base.signed_in(request)
    project = await base.project_for(request, me, project_id)
    window = window if window in WINDOWS else "24h"
    filters: list[dict[str, Any]] = []
    if tool.strip():
        filters.append({"field": "tool_slug", "operator": "contains", "value": tool.strip().upper()[:200]})
    if user.strip():
        filters.append({"field": "user_id", "operator": "==", "value": user.strip()[:255]})
    if status in ("success", "failed"):
        filters.append({"field": "status", "operator": "==", "value": status})
    data = await base.db_call(request, _logs, project.id, filters, window)
    template = "logs_results.html" if base.is_htmx(request) else "logs.html"
    return base.page(
        template,
        me=me,
        title="Execution logs",
        project=project,
        section="/logs",
        filters={"tool": tool, "user": user, "status": status, "window": window},
        windows=list(WINDOWS),
        **data,
    )


@router.get("/logs/{log_id}")
async def log_page(project_id: str, log_id: str, request: Request) -> Response:
    me = await base.signed_in(request)
    project = await base.project_for(request, me, project_id)
    pending = base.state(request).log_writer.pending.get(log_id)  # queued, not yet written out
    if pending is not None and pending["project_id"] == project.id:
        row = pending
    else:
        row = await base.db_call(request, get_log, project.id, log_id)
    entry = full_entry(row)
    entry["data"] = mask_secrets(entry["data"])
    return base.page(
        "log.html", me=me, title=f"Log {log_id}", project=project, section="/logs", entry=entry, row=row
    )
