"""Dashboard pages for sessions, MCP servers, triggers and outbound webhooks.

Each calls its feature's service functions: `sessions.listing`,
`mcp.configs` and `mcp.user_urls`, `triggers.instances`, `webhooks.subscriptions`
and `webhooks.events` (delivery attempts and replay). A per-user MCP URL holds
a token: it is shown once, in the response to the POST that minted it.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from valetkey.api.routers import dashboard_base as base
from valetkey.core.errors import NotFound, ValidationError
from valetkey.core.validation import USER_ID_MAX
from valetkey.mcp import configs as mcp_configs
from valetkey.mcp import user_urls
from valetkey.sessions.listing import list_sessions
from valetkey.sessions.serializers import mcp_url
from valetkey.triggers import instances as triggers
from valetkey.web import dashboard as pages
from valetkey.webhooks import events as webhook_events
from valetkey.webhooks import subscriptions

router = APIRouter(
    prefix="/dashboard/projects/{project_id}", include_in_schema=False, route_class=base.DashboardRoute
)
PAGE = 50


# ---- sessions ------------------------------------------------------------------------------------


@router.get("/sessions")
async def sessions_page(project_id: str, request: Request, user: str = "") -> Response:
    me = await base.signed_in(request)
    project = await base.project_for(request, me, project_id)
    records, total = await base.db_call(
        request, list_sessions, project.id, user_id=user.strip()[:USER_ID_MAX] or None, limit=PAGE
    )
    public = base.state(request).settings.public_url
    rows = [
        {
            "id": r.id,
            "user_id": r.user_id,
            "created_at": r.created_at,
            "version": r.version,
            "toolkits": list(r.config.toolkits.enabled or ()),
            "mcp_url": mcp_url(public, r.id),
        }
        for r in records
    ]
    return base.page(
        "sessions.html",
        me=me,
        title="Sessions",
        project=project,
        section="/sessions",
        sessions=rows,
        total=total,
        user=user,
    )


# ---- MCP servers ---------------------------------------------------------------------------------


def _servers(db: Any, project_id: str) -> list[dict[str, Any]]:
    servers = mcp_configs.list_servers(db, project_id)
    return [
        {
            "id": s.id,
            "name": s.name,
            "toolkits": list(s.toolkits or []),
            "managed_auth": s.managed_auth,
            "allowed_tools": list(s.allowed_tools or []),
            "created_at": s.created_at,
            "users": user_urls.instances(db, s.id),
        }
        for s in servers
    ]


async def _mcp_page(request: Request, project_id: str, **extra: Any) -> Response:
    me = await base.signed_in(request)
    project = await base.project_for(request, me, project_id)
    servers = await base.db_call(request, _servers, project.id)
    return base.page(
        "mcp.html", me=me, title="MCP servers", project=project, section="/mcp", servers=servers, **extra
    )


@router.get("/mcp")
async def mcp_page(project_id: str, request: Request) -> Response:
    return await _mcp_page(request, project_id)


@router.post("/mcp/{server_id}/urls")
async def mint_mcp_url(project_id: str, server_id: str, request: Request) -> Response:
    me = await base.signed_in(request)
    form = await base.checked_form(request, me)
    project = await base.project_for(request, me, project_id)
    user_id = base.field(form, "user_id")[:USER_ID_MAX]
    if not user_id:
        raise ValidationError("A user id is required", suggested_fix="Enter the end user's id in your app.")

    def mint(db: Any) -> str:
        server = mcp_configs.get_server(db, project.id, server_id)
        return user_urls.mint(db, mcp_configs.ServerConfig.of(server), user_id)

    token = await base.db_call(request, mint)
    url = user_urls.user_url(base.state(request).settings.public_url, token)
    return await _mcp_page(
        request, project.id, new_url={"server_id": server_id, "user_id": user_id, "url": url}
    )


@router.post("/mcp/{server_id}/users/revoke")
async def revoke_mcp_user(project_id: str, server_id: str, request: Request) -> Response:
    me = await base.signed_in(request)
    form = await base.checked_form(request, me)
    project = await base.project_for(request, me, project_id)

    def revoke(db: Any) -> int:
        mcp_configs.get_server(db, project.id, server_id)
        return user_urls.revoke_user(db, server_id, base.field(form, "user_id")[:USER_ID_MAX])

    await base.db_call(request, revoke)
    return pages.redirect(f"/dashboard/projects/{project.id}/mcp")


# ---- triggers ------------------------------------------------------------------------------------


@router.get("/triggers")
async def triggers_page(project_id: str, request: Request) -> Response:
    me = await base.signed_in(request)
    project = await base.project_for(request, me, project_id)

    def read(db: Any) -> dict[str, Any]:
        return triggers.list_active(
            db,
            project.id,
            trigger_ids=[],
            trigger_names=[],
            connected_account_ids=[],
            auth_config_ids=[],
            user_ids=[],
            show_disabled=True,
            limit=PAGE,
            cursor=None,
        )

    page = await base.db_call(request, read)
    return base.page(
        "triggers.html",
        me=me,
        title="Triggers",
        project=project,
        section="/triggers",
        triggers=page["items"],
        total=page["total_items"],
    )


@router.post("/triggers/{trigger_id}/{action}")
async def change_trigger(project_id: str, trigger_id: str, action: str, request: Request) -> Response:
    me = await base.signed_in(request)
    await base.checked_form(request, me)
    project = await base.project_for(request, me, project_id)
    state = base.state(request)
    if action in ("enable", "disable"):
        await triggers.set_status(state, project.id, trigger_id, action, None)
    elif action == "delete":
        await triggers.delete(state, project.id, trigger_id)
    else:
        raise NotFound(f"No action {action!r} on triggers")
    return pages.redirect(f"/dashboard/projects/{project.id}/triggers")


# ---- outbound webhooks ---------------------------------------------------------------------------


@router.get("/webhooks")
async def webhooks_page(project_id: str, request: Request, status: str = "", event: str = "") -> Response:
    me = await base.signed_in(request)
    project = await base.project_for(request, me, project_id)
    vault = base.state(request).vault

    def read(db: Any) -> dict[str, Any]:
        subs = subscriptions.list_page(db, vault, project.id, limit=10, cursor=None)
        found = webhook_events.list_events(db, project.id, limit=PAGE, cursor=None, status=status or None)
        attempts = webhook_events.list_attempts(db, project.id, event)["items"] if event else []
        return {"subscriptions": subs["items"], "events": found["items"], "attempts": attempts}

    data = await base.db_call(request, read)
    for event_row in data["events"]:
        event_row.pop("payload", None)  # the payload is the event's data: shown on the event's own line only
    return base.page(
        "webhooks.html",
        me=me,
        title="Webhooks",
        project=project,
        section="/webhooks",
        status_filter=status,
        selected=event,
        statuses=list(webhook_events.STATUSES),
        **data,
    )


@router.post("/webhooks/events/{event_id}/replay")
async def replay_event(project_id: str, event_id: str, request: Request) -> Response:
    me = await base.signed_in(request)
    await base.checked_form(request, me)
    project = await base.project_for(request, me, project_id)
    await base.db_call(request, webhook_events.replay, project.id, event_id)
    return pages.redirect(f"/dashboard/projects/{project.id}/webhooks?event={event_id}")
