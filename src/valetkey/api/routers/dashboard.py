"""The operator dashboard (`/dashboard`): sign-in, organizations and projects, API keys, static files.

Pages for a project's features are in `dashboard_connections`, `dashboard_tools`
and `dashboard_activity`; what they share (sessions, CSRF, scoping, HTML errors)
is `dashboard_base`.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import func, select
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from valetkey.api.routers import dashboard_base as base
from valetkey.api.state import state_of
from valetkey.connections.models import AuthConfig, ConnectedAccount
from valetkey.core.errors import NotFound, TooManyRequests
from valetkey.execution.models import ExecutionLog
from valetkey.store.db import utcnow
from valetkey.tenancy import operators, service
from valetkey.tenancy.models import Organization, Project, ProjectApiKey
from valetkey.web import dashboard as pages

router = APIRouter(prefix="/dashboard", include_in_schema=False, route_class=base.DashboardRoute)


@router.get("/static/{name}")
async def static(name: str) -> Response:
    response = pages.static_file(name)
    if response is None:
        raise NotFound(f"No static file {name}")
    return response


# ---- signing in and out --------------------------------------------------------------------------


def _login_page(
    request: Request, *, email: str = "", error: str | None = None, status: int = 200
) -> Response:
    token = secrets.token_urlsafe(24)
    response = pages.render(
        "login.html",
        {"title": "Sign in", "me": None, "login_csrf": token, "email": email, "error": error, "next": ""},
        status=status,
    )
    response.set_cookie(
        base.LOGIN_CSRF_COOKIE,
        token,
        max_age=3600,
        path="/dashboard/login",
        secure=base.is_secure(request),
        httponly=True,
        samesite="strict",
    )
    return response


@router.get("/login")
async def login_page(request: Request) -> Response:
    return _login_page(request)


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.post("/login")
async def login(request: Request) -> Response:
    form = await request.form(max_fields=10, max_part_size=4096)
    base.check_csrf(request.cookies.get(base.LOGIN_CSRF_COOKIE) or "", form.get("csrf_token"))
    email = base.field(form, "email")[:320]
    password = form.get("password")
    password = password if isinstance(password, str) else ""
    limiter = state_of(request).login_failures
    keys = ["login:" + _client(request), "login-email:" + email.lower()]
    if limiter.enabled:
        for key in keys:
            if await run_in_threadpool(limiter.is_blocked, key):
                raise TooManyRequests(
                    "Too many failed sign-ins from this address or for this email",
                    suggested_fix=f"Wait {limiter.window} seconds before trying again.",
                )
    operator = await base.db_call(request, operators.authenticate, email, password)
    if operator is None:
        if limiter.enabled:
            for key in keys:
                await run_in_threadpool(limiter.hit, key)
        return _login_page(request, email=email, error="Wrong email or password.", status=401)
    token = await base.db_call(request, operators.open_session, operator.id)
    response = pages.redirect("/dashboard")
    response.set_cookie(
        base.cookie_name(request),
        token,
        max_age=operators.SESSION_SECONDS,
        path="/",
        secure=base.is_secure(request),
        httponly=True,
        samesite="strict",
    )
    response.delete_cookie(base.LOGIN_CSRF_COOKIE, path="/dashboard/login")
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    me = await base.signed_in(request)
    await base.checked_form(request, me)
    token = base.session_token(request) or ""
    await base.db_call(request, operators.close_session, token)
    response = pages.redirect("/dashboard/login")
    response.delete_cookie(base.cookie_name(request), path="/", secure=base.is_secure(request), httponly=True)
    return response


# ---- organizations and projects ------------------------------------------------------------------


def _orgs(db: Any, org_ids: frozenset[str]) -> list[dict[str, Any]]:
    rows = db.scalars(
        select(Organization).where(Organization.id.in_(sorted(org_ids))).order_by(Organization.name)
    )
    return [{"id": o.id, "name": o.name, "projects": service.list_projects(db, o.id)} for o in rows]


@router.get("")
async def home(request: Request) -> Response:
    me = await base.signed_in(request)
    orgs = await base.db_call(request, _orgs, me.org_ids)
    return base.page("orgs.html", me=me, title="Organizations and projects", orgs=orgs)


@router.post("/orgs/{org_id}/projects")
async def create_project(org_id: str, request: Request) -> Response:
    me = await base.signed_in(request)
    form = await base.checked_form(request, me)
    if org_id not in me.org_ids:
        raise NotFound(f"Organization {org_id} not found")

    def make(db: Any) -> str:
        project = service.create_project(db, org_id, base.field(form, "name"))
        return project.id

    project_id = await base.db_call(request, make)
    return pages.redirect(f"/dashboard/projects/{project_id}")


def _overview(db: Any, project_id: str) -> dict[str, Any]:
    since = utcnow() - dt.timedelta(hours=24)
    count = lambda q: int(db.scalar(select(func.count()).select_from(q.subquery())) or 0)  # noqa: E731
    return {
        "keys": service.project_keys(db, project_id),
        "counts": {
            "auth_configs": count(select(AuthConfig.id).where(AuthConfig.project_id == project_id)),
            "accounts": count(select(ConnectedAccount.id).where(ConnectedAccount.project_id == project_id)),
            "executions": count(
                select(ExecutionLog.id).where(
                    ExecutionLog.project_id == project_id, ExecutionLog.created_at >= since
                )
            ),
        },
    }


async def _project_page(request: Request, me: operators.SignedIn, project: Project, **extra: Any) -> Response:
    data = await base.db_call(request, _overview, project.id)
    return base.page("project.html", me=me, title=project.name, project=project, section="", **data, **extra)


@router.get("/projects/{project_id}")
async def project_page(project_id: str, request: Request) -> Response:
    me = await base.signed_in(request)
    return await _project_page(request, me, await base.project_for(request, me, project_id))


@router.post("/projects/{project_id}/keys")
async def create_key(project_id: str, request: Request) -> Response:
    me = await base.signed_in(request)
    form = await base.checked_form(request, me)
    project = await base.project_for(request, me, project_id)
    name = base.field(form, "name")[:120] or "default"
    new_key = await base.db_call(request, service.create_project_key, project.id, name)
    return await _project_page(request, me, project, new_key=new_key)


@router.post("/projects/{project_id}/keys/regenerate")
async def regenerate_keys(project_id: str, request: Request) -> Response:
    me = await base.signed_in(request)
    await base.checked_form(request, me)
    project = await base.project_for(request, me, project_id)

    def regenerate(db: Any) -> service.NewKey:
        return service.regenerate_key(db, db.get(Project, project.id))

    new_key = await base.db_call(request, regenerate)
    state_of(request).key_cache.evict_project(project.id)
    return await _project_page(request, me, project, new_key=new_key, flash="Every previous key is revoked.")


@router.post("/projects/{project_id}/keys/{key_id}/revoke")
async def revoke_key(project_id: str, key_id: str, request: Request) -> Response:
    me = await base.signed_in(request)
    await base.checked_form(request, me)
    project = await base.project_for(request, me, project_id)

    def revoke(db: Any) -> None:
        key = db.get(ProjectApiKey, key_id)
        if key is None or key.project_id != project.id:
            raise NotFound(f"API key {key_id} not found")
        db.delete(key)

    await base.db_call(request, revoke)
    state_of(request).key_cache.evict_project(project.id)
    return pages.redirect(f"/dashboard/projects/{project.id}")
