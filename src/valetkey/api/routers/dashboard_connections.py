"""Dashboard pages for a project's auth configs and connected accounts (over `valetkey.connections`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from valetkey.api.routers import dashboard_base as base
from valetkey.connections import accounts, configs, link, schemes
from valetkey.connections.models import MANAGED
from valetkey.core.errors import NotFound, ValidationError
from valetkey.store.db import utcnow
from valetkey.web import dashboard as pages

router = APIRouter(
    prefix="/dashboard/projects/{project_id}", include_in_schema=False, route_class=base.DashboardRoute
)
CUSTOM = "use_custom_auth"
PAGE = 100


# ---- auth configs --------------------------------------------------------------------------------


def _configs(db: Any, project_id: str) -> list[dict[str, Any]]:
    rows, _ = configs.list_auth_configs(db, project_id, limit=configs.MAX_LIMIT)
    counts = configs.active_connection_counts(db, [c.id for c in rows])
    return [
        {
            "id": c.id,
            "name": c.name,
            "toolkit": c.toolkit_slug,
            "scheme": c.auth_scheme,
            "type": "managed" if c.type == MANAGED else "custom",
            "status": c.status,
            "accounts": counts.get(c.id, 0),
            "created_at": c.created_at,
        }
        for c in rows
    ]


@router.get("/auth-configs")
async def auth_configs_page(project_id: str, request: Request, created: str = "") -> Response:
    me = await base.signed_in(request)
    project = await base.project_for(request, me, project_id)
    rows = await base.db_call(request, _configs, project.id)
    toolkits = sorted(
        (t for t in base.state(request).catalog.toolkits.values() if t.auth_schemes), key=lambda t: t.name
    )
    return base.page(
        "auth_configs.html",
        me=me,
        title="Auth configs",
        project=project,
        section="/auth-configs",
        configs=rows,
        toolkits=toolkits,
        flash=next(
            (f"Auth config “{c['name']}” created." for c in rows if created and c["id"] == created), None
        ),
    )


def _toolkit(request: Request, slug: str) -> Any:
    toolkit = base.state(request).catalog.toolkit(slug)
    if toolkit is None:
        raise NotFound(f"Toolkit {slug!r} not found", suggested_fix="Pick a toolkit from the list.")
    return toolkit


def _form_context(toolkit: Any, scheme: Any) -> dict[str, Any]:
    # The scheme's own fields, then the endpoint overrides every custom config takes.
    declared = {f.name for f in scheme.config_fields}
    extras = [
        {
            "name": name,
            "display_name": name.replace("_", " ").capitalize(),
            "secret": False,
            "required": False,
            "description": "Optional override of the toolkit's endpoint (self-hosted or sandbox instances).",
        }
        for name in schemes.URL_OVERRIDES
        if name not in declared and (name == "base_url" or scheme.mode in schemes.REDIRECT_SCHEMES)
    ]
    fields = [
        {
            "name": f.name,
            "display_name": f.display_name,
            "secret": f.secret,
            "required": f.required and f.default is None,
            "description": f.description,
        }
        for f in scheme.config_fields
    ]
    return {
        "toolkit": toolkit,
        "scheme": scheme,
        "fields": fields + extras,
        "oauth": scheme.mode in schemes.REDIRECT_SCHEMES,
    }


@router.get("/auth-configs/new")
async def new_auth_config(project_id: str, request: Request, toolkit: str = "", scheme: str = "") -> Response:
    me = await base.signed_in(request)
    project = await base.project_for(request, me, project_id)
    kit = _toolkit(request, toolkit)
    chosen = schemes.scheme_of(kit, scheme) if scheme else schemes.default_scheme(kit)
    return base.page(
        "auth_config_new.html",
        me=me,
        title=f"New {kit.name} auth config",
        project=project,
        section="/auth-configs",
        values={},
        **_form_context(kit, chosen),
    )


@router.post("/auth-configs")
async def create_auth_config(project_id: str, request: Request) -> Response:
    me = await base.signed_in(request)
    form = await base.checked_form(request, me)
    project = await base.project_for(request, me, project_id)
    kit = _toolkit(request, base.field(form, "toolkit"))
    scheme = schemes.scheme_of(kit, base.field(form, "auth_scheme"))
    context = _form_context(kit, scheme)
    known = {f["name"] for f in context["fields"]}
    unknown = sorted(k[5:] for k in form if k.startswith("cred_") and k[5:] not in known)
    if unknown:
        raise ValidationError(
            f"Unknown field(s) for the {scheme.mode} scheme: {', '.join(unknown)}",
            suggested_fix=f"Accepted fields: {', '.join(sorted(known))}.",
        )
    credentials = {f["name"]: base.field(form, "cred_" + f["name"]) for f in context["fields"]}
    credentials = {k: v for k, v in credentials.items() if v}
    scopes = base.field(form, "scopes")
    if scopes and context["oauth"]:
        credentials["scopes"] = scopes
    data = configs.AuthConfigInput(
        type=CUSTOM, name=base.field(form, "name") or None, auth_scheme=scheme.mode, credentials=credentials
    )
    state = base.state(request)
    try:
        config = await base.db_call(
            request, configs.create_auth_config, state.vault, state.managed_apps, project.id, kit, data
        )
    except ValidationError as exc:
        shown = {
            k: v
            for k, v in credentials.items()
            if not any(f["name"] == k and f["secret"] for f in context["fields"])
        }
        return base.page(
            "auth_config_new.html",
            me=me,
            title=f"New {kit.name} auth config",
            project=project,
            section="/auth-configs",
            values=shown,
            error=f"{exc.message}. {exc.suggested_fix or ''}".strip(),
            status=400,
            **context,
        )
    return pages.redirect(f"/dashboard/projects/{project.id}/auth-configs?created={config.id}")


@router.post("/auth-configs/{config_id}/{action}")
async def change_auth_config(project_id: str, config_id: str, action: str, request: Request) -> Response:
    me = await base.signed_in(request)
    await base.checked_form(request, me)
    project = await base.project_for(request, me, project_id)
    if action in ("enable", "disable"):
        status = "ENABLED" if action == "enable" else "DISABLED"
        await base.db_call(request, configs.set_auth_config_status, project.id, config_id, status)
    elif action == "delete":
        # As DELETE /auth_configs/{id}: revoke the accounts' tokens at the provider (best effort), then delete.
        def load(db: Any) -> tuple[Any, list[Any]]:
            config = configs.get_auth_config(db, project.id, config_id)
            return config, configs.config_accounts(db, config)

        config, linked = await base.db_call(request, load)
        for account in linked:
            await accounts.revoke_quietly(base.state(request), account, config)
        await base.db_call(request, configs.delete_auth_config, project.id, config_id)
    else:
        raise NotFound(f"No action {action!r} on auth configs")
    return pages.redirect(f"/dashboard/projects/{project.id}/auth-configs")


# ---- connected accounts --------------------------------------------------------------------------


def _accounts(db: Any, project_id: str, user: str, status: str) -> dict[str, Any]:
    filters = accounts.AccountFilters(user_ids=[user] if user else (), statuses=[status] if status else ())
    rows, total = accounts.list_accounts(db, project_id, filters, limit=PAGE, offset=0)
    now = utcnow()
    from valetkey.connections.serializers import wire_status

    enabled, _ = configs.list_auth_configs(db, project_id, show_disabled=False, limit=configs.MAX_LIMIT)
    return {
        "accounts": [
            {
                "id": a.id,
                "user_id": a.user_id,
                "toolkit": a.toolkit_slug,
                "scheme": a.auth_scheme,
                "status": wire_status(a, now),
                "status_reason": a.status_reason,
                "disabled": a.is_disabled,
                "auth_config_id": c.id,
                "auth_config_name": c.name,
                "created_at": a.created_at,
                "label": (a.data or {}).get("account_label"),
            }
            for a, c in rows
        ],
        "total": total,
        "enabled_configs": [{"id": c.id, "name": c.name, "toolkit": c.toolkit_slug} for c in enabled],
    }


async def _accounts_page(
    request: Request, project_id: str, *, user: str = "", status: str = "", **extra: Any
) -> Response:
    me = await base.signed_in(request)
    project = await base.project_for(request, me, project_id)
    data = await base.db_call(request, _accounts, project.id, user[:255], status[:20])
    template = "accounts_table.html" if base.is_htmx(request) and not extra else "accounts.html"
    return base.page(
        template,
        me=me,
        title="Connected accounts",
        project=project,
        section="/accounts",
        user=user,
        status_filter=status,
        statuses=["ACTIVE", "INITIATED", "FAILED", "EXPIRED", "INACTIVE"],
        **data,
        **extra,
    )


@router.get("/accounts")
async def accounts_page(project_id: str, request: Request, user: str = "", status: str = "") -> Response:
    return await _accounts_page(request, project_id, user=user.strip(), status=status.strip().upper())


async def _new_link(request: Request, project_id: str, config_id: str, user_id: str) -> link.NewLink:
    if not user_id:
        raise ValidationError("A user id is required", suggested_fix="Enter the end user's id in your app.")
    state = base.state(request)
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(
        lambda: link.create_link(
            state,
            project_id,
            auth_config_id=config_id,
            user_id=user_id,
            callback_url=None,
            alias=None,
            prefill=None,
        )
    )


@router.post("/accounts/link")
async def connect_link(project_id: str, request: Request) -> Response:
    me = await base.signed_in(request)
    form = await base.checked_form(request, me)
    project = await base.project_for(request, me, project_id)
    user_id = base.field(form, "user_id")[:255]
    made = await _new_link(request, project.id, base.field(form, "auth_config_id"), user_id)
    return await _accounts_page(
        request,
        project.id,
        user=user_id,
        new_link={"url": made.url, "user_id": user_id, "expires_at": made.expires_at},
    )


@router.post("/accounts/{account_id}/{action}")
async def change_account(project_id: str, account_id: str, action: str, request: Request) -> Response:
    me = await base.signed_in(request)
    await base.checked_form(request, me)
    project = await base.project_for(request, me, project_id)
    state = base.state(request)
    if action in ("enable", "disable"):
        await base.db_call(request, accounts.set_account_enabled, project.id, account_id, action == "enable")
    elif action == "delete":
        await accounts.delete_account(state, project.id, account_id)
    elif action == "reconnect":
        account, config = await base.db_call(request, accounts.get_account, project.id, account_id)
        made = await _new_link(request, project.id, config.id, account.user_id)
        return await _accounts_page(
            request,
            project.id,
            user=account.user_id,
            new_link={"url": made.url, "user_id": account.user_id, "expires_at": made.expires_at},
        )
    else:
        raise NotFound(f"No action {action!r} on connected accounts")
    return pages.redirect(f"/dashboard/projects/{project.id}/accounts")
