"""What every dashboard route shares: the signed-in operator, CSRF checks, org scoping, HTML errors.

- **Sessions.** Signing in sets one cookie holding a random session token
  (`vk_dashboard`, or `__Host-vk_dashboard` with `Secure` when the server is
  reached over https: `VALETKEY_PUBLIC_URL` is https or the request came in
  as https). It is `HttpOnly` and `SameSite=Strict`, lives `SESSION_SECONDS`,
  and only its hash is stored (`tenancy.operators`).
- **CSRF.** Every POST carries `csrf_token`: the session's synchronizer
  token (an HMAC of the session token), compared in constant time. The
  sign-in form, before any session exists, uses a double-submit cookie.
- **Scoping.** An operator sees the organizations they belong to; any other
  organization's or project's page is a 404, the same answer as a project
  that does not exist.
- **Errors** render as an HTML page with the domain error's status and
  `suggested_fix`, never the JSON error object.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Coroutine, Mapping
from typing import Any, TypeVar

from fastapi import Request
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.responses import Response

from valetkey.api.state import AppState, state_of
from valetkey.core.errors import ApiError, Forbidden, NotFound
from valetkey.tenancy import operators
from valetkey.tenancy.models import Project
from valetkey.web import dashboard as pages

COOKIE = "vk_dashboard"
SECURE_COOKIE = "__Host-vk_dashboard"
LOGIN_CSRF_COOKIE = "vk_login_csrf"
MAX_FORM_FIELD = 64 * 1024
T = TypeVar("T")


class NotSignedIn(Exception):
    """No live session: the route answers with a redirect to the sign-in page."""


def is_secure(request: Request) -> bool:
    return request.url.scheme == "https" or state_of(request).settings.public_url.startswith("https://")


def cookie_name(request: Request) -> str:
    return SECURE_COOKIE if is_secure(request) else COOKIE


def session_token(request: Request) -> str | None:
    return request.cookies.get(cookie_name(request))


class DashboardRoute(APIRoute):
    """A dashboard route: domain errors become HTML pages, a missing session a redirect to sign in."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except NotSignedIn:
                return pages.redirect("/dashboard/login")
            except ApiError as exc:
                me = getattr(request.state, "operator", None)
                return pages.render(
                    "message.html",
                    {
                        "title": _TITLES.get(exc.status, "Something went wrong"),
                        "text": exc.message,
                        "fix": exc.suggested_fix,
                        "me": me,
                    },
                    status=exc.status,
                )

        return guarded


_TITLES = {404: "Not found", 403: "Refused", 409: "Conflict", 429: "Too many attempts", 400: "Cannot do that"}


async def db_call(request: Request, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """`fn(db, *args, **kwargs)` in a database session, off the event loop."""
    state = state_of(request)

    def work() -> T:
        with state.db.session() as db:
            return fn(db, *args, **kwargs)

    return await run_in_threadpool(work)


async def signed_in(request: Request) -> operators.SignedIn:
    token = session_token(request)
    if not token:
        raise NotSignedIn
    me = await db_call(request, operators.signed_in, token)
    if me is None:
        raise NotSignedIn
    request.state.operator = me
    return me


def check_csrf(expected: str, given: Any) -> None:
    if not isinstance(given, str) or not given or not hmac.compare_digest(expected, given):
        raise Forbidden(
            "The form's security token is missing or out of date",
            suggested_fix="Reload the page and submit the form again.",
            slug="CsrfRefused",
        )


async def checked_form(request: Request, me: operators.SignedIn) -> FormData:
    """The POSTed form after its CSRF token is checked against the session's."""
    form = await request.form(max_fields=200, max_part_size=MAX_FORM_FIELD)
    check_csrf(me.csrf_token, form.get("csrf_token"))
    return form


def field(form: FormData, name: str, default: str = "") -> str:
    value = form.get(name)
    return value.strip()[:MAX_FORM_FIELD] if isinstance(value, str) else default


def _project_of(db: Any, project_id: str, org_ids: frozenset[str]) -> Project:
    project = db.get(Project, project_id)
    if project is None or project.deleted or project.org_id not in org_ids:
        raise NotFound(f"Project {project_id} not found", suggested_fix="Pick a project from your list.")
    db.expunge(project)
    return project


async def project_for(request: Request, me: operators.SignedIn, project_id: str) -> Project:
    """The project if it belongs to one of the operator's organizations; otherwise 404."""
    return await db_call(request, _project_of, project_id, me.org_ids)


def page(
    template: str,
    *,
    me: operators.SignedIn,
    title: str,
    project: Project | None = None,
    section: str = "",
    status: int = 200,
    **context: Any,
) -> Response:
    values: Mapping[str, Any] = {"me": me, "title": title, "project": project, "section": section, **context}
    return pages.render(template, values, status=status)


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def state(request: Request) -> AppState:
    return state_of(request)
