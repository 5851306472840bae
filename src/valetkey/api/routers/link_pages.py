"""The hosted Connect Link pages at `{VALETKEY_PUBLIC_URL}/link/{token}`.

- OAuth schemes: a branded page (project logo and display name) whose
  "Continue" button uses the link up and sends the browser to the provider.
- API key, bearer, basic and custom-field schemes: a form. Missing fields
  and values the toolkit's verification request rejects are shown in place,
  escaped, and the link stays usable; a verified submission activates the
  account and lands on the callback URL with `status` and
  `connected_account_id`.

No cookies and no scripts: the unguessable token in the path is the only
capability, so there is no session to forge across sites.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from valetkey.api.state import AppState, state_of
from valetkey.connections import link, schemes
from valetkey.connections.oauth_endpoints import config_credentials, oauth_app
from valetkey.connections.oauth_start import start_flow
from valetkey.connections.verification import verify_credentials
from valetkey.core.errors import ApiError
from valetkey.web import pages

log = logging.getLogger("valetkey.web")
router = APIRouter(include_in_schema=False)
MAX_FIELD = 4096


def _unusable(exc: link.LinkUnusable) -> Response:
    status = 404 if exc.title == "Link not found" else 410
    return pages.message(exc.title, exc.reason, status=status, tone="error")


def _toolkit_view(toolkit: Any) -> dict[str, str]:
    return {"name": toolkit.name, "logo": toolkit.logo}


async def _open(request: Request, token: str) -> link.OpenLink | Response:
    try:
        return await run_in_threadpool(link.open_link, state_of(request), token)
    except link.LinkUnusable as exc:
        return _unusable(exc)


@router.get("/link/{token}")
async def link_page(token: str, request: Request) -> Response:
    opened = await _open(request, token)
    if isinstance(opened, Response):
        return opened
    if opened.scheme.mode in schemes.REDIRECT_SCHEMES:
        return await run_in_threadpool(_oauth_page, state_of(request), opened, token)
    return _form_page(opened, token, values=opened.account.data.get("prefill") or {})


def _oauth_page(state: AppState, opened: link.OpenLink, token: str) -> Response:
    try:
        app = oauth_app(
            opened.scheme,
            opened.config,
            config_credentials(state, opened.config),
            opened.account.data.get("prefill") or {},
        )
    except ApiError as exc:
        return pages.message(
            "Cannot connect right now", exc.message, status=503, tone="error", branding=opened.branding
        )
    context = {
        "title": f"Connect {opened.toolkit.name}",
        "brand": opened.branding,
        "toolkit": _toolkit_view(opened.toolkit),
        "scopes": opened.account.data.get("requested_scopes") or [],
        "action": f"/link/{token}/continue",
    }
    # The form's POST starts a redirect chain (provider, our callback, the app's callback URL);
    # Chromium checks every hop against form-action, so each origin must be listed.
    return pages.render("link_oauth.html", context, form_targets=[app.authorization_url, opened.callback_url])


def _form_page(
    opened: link.OpenLink,
    token: str,
    *,
    values: dict[str, str],
    error: str | None = None,
    field_errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    context = {
        "title": f"Connect {opened.toolkit.name}",
        "brand": opened.branding,
        "toolkit": _toolkit_view(opened.toolkit),
        "scheme_name": opened.scheme.name or opened.scheme.mode,
        "fields": opened.scheme.account_fields,
        "values": values,
        "error": error,
        "field_errors": field_errors or {},
        "hint_url": opened.scheme.auth_hint_url or None,
        "action": f"/link/{token}",
    }
    return pages.render("link_form.html", context, status=status, form_targets=[opened.callback_url])


@router.post("/link/{token}/continue")
async def link_continue(token: str, request: Request) -> Response:
    state = state_of(request)
    opened = await _open(request, token)
    if isinstance(opened, Response):
        return opened
    if opened.scheme.mode not in schemes.REDIRECT_SCHEMES:
        return pages.redirect(f"/link/{token}")

    def _consume() -> bool:
        with state.db.session() as db:
            return link.consume_link(db, opened.link_id)

    if not await run_in_threadpool(_consume):
        return _unusable(link.LinkUnusable("Link already used", "This connection link was already used."))
    try:
        credentials = await run_in_threadpool(config_credentials, state, opened.config)
        started = await start_flow(
            state,
            project_id=opened.project_id,
            account_id=opened.account_id,
            scheme=opened.scheme,
            config=opened.config,
            credentials=credentials,
            values=opened.account.data.get("prefill") or {},
            callback_url=opened.callback_url,
        )
    except ApiError as exc:
        log.warning("connect link %s could not start its flow: %s", opened.link_id, exc.message)
        return pages.message(
            "Cannot connect right now", exc.message, status=502, tone="error", branding=opened.branding
        )
    return pages.redirect(started.redirect_url)


@router.post("/link/{token}")
async def link_submit(token: str, request: Request) -> Response:
    state = state_of(request)
    opened = await _open(request, token)
    if isinstance(opened, Response):
        return opened
    if opened.scheme.mode in schemes.REDIRECT_SCHEMES:
        return pages.redirect(f"/link/{token}")
    form = await request.form()
    declared = {f.name: f for f in opened.scheme.account_fields}
    values = {name: str(form.get(name) or "").strip()[:MAX_FIELD] for name in declared}
    values = {k: v for k, v in values.items() if v}
    shown = {k: v for k, v in values.items() if not declared[k].secret}
    missing = {
        f.name: f"{f.display_name} is required."
        for f in opened.scheme.account_fields
        if f.required and f.default is None and not values.get(f.name)
    }
    if missing:
        return _form_page(
            opened,
            token,
            values=shown,
            field_errors=missing,
            status=400,
            error="Please fill in the highlighted fields.",
        )
    try:
        checked = schemes.check_account_values(opened.scheme, values)
    except ApiError as exc:
        return _form_page(opened, token, values=shown, error=exc.message, status=400)
    result = await verify_credentials(
        state.http, opened.toolkit, opened.scheme, link.verification_values(opened, checked)
    )
    if not result.ok:
        # Provider text is shown as-is but escaped by the template: it cannot inject markup.
        reason = result.reason or "The credentials were rejected."
        return _form_page(
            opened,
            token,
            values=shown,
            status=400,
            error=f"{opened.toolkit.name} did not accept these credentials: {reason}",
        )
    if not await run_in_threadpool(link.activate_with_values, state, opened, checked, result.account_label):
        return _unusable(link.LinkUnusable("Link already used", "This connection link was already used."))
    log.info("connect link %s activated account %s", opened.link_id, opened.account_id)
    return pages.landing(
        opened.callback_url, opened.account_id, opened.toolkit.name, success=True, brand=opened.branding
    )
