"""COMPOSIO_MANAGE_CONNECTIONS: each asked toolkit's status, and a Connect Link where one is needed.

Links are made exactly as the session `/link` endpoint makes them
(`accounts.start_link`: the precedence of docs_configuring-sessions picks the
auth config, the managed one is created when the installation has it), with
the session's `manage_connections.callback_url`. One toolkit failing (no
auth config possible, not in the session) is reported on that toolkit only.
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool

from valetkey.core.errors import ApiError
from valetkey.sessions import policy
from valetkey.sessions.accounts import start_link
from valetkey.sessions.meta_tools.base import MetaResult, MetaTool, register
from valetkey.sessions.records import SessionContext
from valetkey.sessions.status import ToolkitStatus, statuses

SLUG = "COMPOSIO_MANAGE_CONNECTIONS"
MAX_TOOLKITS = 20


async def manage(ctx: SessionContext, toolkits: list[str], *, reinitiate: bool = False) -> MetaResult:
    results: dict[str, dict[str, Any]] = {}
    known = []
    for slug in toolkits:
        toolkit = ctx.catalog.find_toolkit(slug)
        if toolkit is None:
            results[slug.lower()] = {
                "toolkit": slug,
                "status": "failed",
                "error": f"Unknown toolkit '{slug}'.",
            }
        elif not policy.toolkit_allowed(ctx.config, toolkit.slug):
            results[toolkit.slug] = {
                "toolkit": toolkit.slug,
                "status": "failed",
                "error": f"{toolkit.slug} is not enabled in this session.",
            }
        else:
            known.append(toolkit)
    for slug, status in (await statuses(ctx, known)).items():
        results[slug] = await _one(ctx, status, reinitiate)
    counts: dict[str, int] = {}
    for entry in results.values():
        counts[entry["status"]] = counts.get(entry["status"], 0) + 1
    failed = [f"{slug}: {entry['error']}" for slug, entry in results.items() if entry["status"] == "failed"]
    data = {"results": results, "summary": {"total": len(results), **counts}, "message": _message(results)}
    return MetaResult(
        data, f"{len(failed)} of {len(results)} toolkits failed: {'; '.join(failed)}" if failed else None
    )


async def _one(ctx: SessionContext, status: ToolkitStatus, reinitiate: bool) -> dict[str, Any]:
    slug = status.toolkit.slug
    if status.no_auth:
        return {"toolkit": slug, "status": "no_auth_required"}
    if status.account is not None and status.has_account and not reinitiate:
        return {
            "toolkit": slug,
            "status": "active",
            "connected_account_id": status.account.id,
            "auth_config_id": status.account.facts.auth_config_id,
        }
    try:
        started = await run_in_threadpool(start_link, ctx.state, ctx.project_id, ctx.config, status.toolkit)
    except ApiError as exc:
        return {
            "toolkit": slug,
            "status": "failed",
            "error": exc.message + (f" {exc.suggested_fix}" if exc.suggested_fix else ""),
        }
    return {
        "toolkit": slug,
        "status": "initiated",
        "redirect_url": started.redirect_url,
        "connected_account_id": started.account_id,
        "instruction": f"Ask the user to open {started.redirect_url} to connect {status.toolkit.name}, "
        f"and continue once they say they are done.",
    }


def _message(results: dict[str, dict[str, Any]]) -> str:
    links = [
        f"{slug}: {entry['redirect_url']}"
        for slug, entry in results.items()
        if entry["status"] == "initiated"
    ]
    if links:
        return "Share these links with the user to connect: " + "; ".join(links)
    return (
        "Every requested toolkit is ready."
        if all(e["status"] in ("active", "no_auth_required") for e in results.values())
        else "Some toolkits failed."
    )


async def run(ctx: SessionContext, arguments: dict[str, Any]) -> MetaResult:
    toolkits = arguments.get("toolkits")
    if isinstance(toolkits, str):
        toolkits = [toolkits]
    if not isinstance(toolkits, list) or not toolkits or not all(isinstance(t, str) and t for t in toolkits):
        return MetaResult({}, "toolkits: give the list of toolkit slugs to check or connect, e.g. ['github']")
    if len(toolkits) > MAX_TOOLKITS:
        return MetaResult({}, f"toolkits: at most {MAX_TOOLKITS} per call")
    return await manage(
        ctx, list(dict.fromkeys(toolkits)), reinitiate=arguments.get("reinitiate_all") is True
    )


register(
    MetaTool(
        slug=SLUG,
        name="Manage connections",
        description=(
            "Check whether the user's apps are connected and get a Connect Link for those that are not. "
            "Give the returned redirect_url to the user, wait until they say they connected, then continue. "
            "Set reinitiate_all to get a fresh link even for connected apps."
        ),
        properties={
            "toolkits": {
                "type": "array",
                "minItems": 1,
                "maxItems": MAX_TOOLKITS,
                "items": {"type": "string"},
                "description": "Toolkit slugs to check or connect, e.g. ['github', 'gmail'].",
            },
            "reinitiate_all": {
                "type": "boolean",
                "default": False,
                "description": "Start a new connection even when one is active.",
            },
        },
        required=("toolkits",),
        run=run,
        offered=lambda config: config.manage_connections.enabled,
    )
)
