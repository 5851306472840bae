"""Session operations behind the routes (and the MCP server): create, open, update, delete, list, link, execute.

Every operation after `create_session` starts from a `SessionContext`
(`open_session`), which is where project scoping happens: a session id of
another project is a 404, like one that never existed.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from starlette.concurrency import run_in_threadpool

from valetkey.catalog.search import search_toolkits
from valetkey.catalog.service import page
from valetkey.core.context import ProjectContext
from valetkey.core.cursors import decode_cursor, encode_cursor
from valetkey.core.errors import BadRequest
from valetkey.core.ids import new_id
from valetkey.execution.state import ExecutionState
from valetkey.net.llm import llm_config
from valetkey.sessions import files, hooks, policy, records, serializers, update, validation
from valetkey.sessions.accounts import StartedLink, start_link
from valetkey.sessions.config import PRELOAD_ALL, SessionConfig
from valetkey.sessions.create_body import parse_create_body
from valetkey.sessions.custom_tools import CustomTools
from valetkey.sessions.execution import run_tool
from valetkey.sessions.experimental import parse_experimental
from valetkey.sessions.meta_tools import find, offered
from valetkey.sessions.meta_tools.search import search as search_tools
from valetkey.sessions.records import SessionContext, SessionRecord, insert_session, load_session
from valetkey.sessions.status import statuses
from valetkey.sessions.workbench import packages
from valetkey.sessions.workbench.pool import stop_session

PRELOAD_ALL_CAP = 1000


def _checked(state: ExecutionState, project_id: str, body: dict[str, Any]) -> SessionConfig:
    """The configuration `body` asks for, checked against the catalog and the project (worker thread)."""
    config = parse_create_body(body)
    if hooks.needs_model(config.hooks) and llm_config(state.settings) is None:
        raise BadRequest(
            "hooks: a condition_check hook is judged by the operator's model, and this server has none configured "
            "(set VALETKEY_LLM_BASE_URL and VALETKEY_LLM_MODEL)",
            slug="ValidationError",
            suggested_fix="The operator sets VALETKEY_LLM_BASE_URL and VALETKEY_LLM_MODEL (and VALETKEY_LLM_API_KEY) "
            "to an OpenAI-compatible chat completions API; prompt_injection_check hooks need no model.",
        )
    catalog = state.catalog_for(project_id)
    validation.check_catalog(catalog, config)
    config = validation.canonical_slugs(catalog, config)
    with state.db.session() as db:
        config = validation.resolve_connection_names(db, project_id, config)
        validation.check_references(db, project_id, config)
    return config


async def create_session(state: ExecutionState, project_id: str, body: dict[str, Any]) -> SessionRecord:
    def _store() -> SessionRecord:
        return insert_session(state, project_id, _checked(state, project_id, body))

    return await run_in_threadpool(_store)


async def update_session(ctx: SessionContext, patch: dict[str, Any]) -> SessionRecord:
    """The session's next config version: `patch` applied to the current one (`update.py`).

    With `expected_config_version` the update applies only at that version;
    without it, at the version just read, so a concurrent update is never
    silently overwritten either way (409 SessionConfigConflict).
    """
    record = ctx.session
    expected = update.expected_version(patch)
    if expected is not None and expected != record.version:
        raise records.version_conflict(record.id, expected, record.version)
    body = update.apply_patch(update.config_body(record.config), patch)

    def _store() -> SessionRecord:
        config = _checked(ctx.state, ctx.project_id, body)
        return records.replace_config(ctx.state, record, config, expected_version=record.version)

    return await run_in_threadpool(_store)


async def delete_session(state: ExecutionState, project: ProjectContext, session_id: str) -> None:
    await run_in_threadpool(records.delete_session, state, project.project_id, session_id)
    await stop_session(state, session_id)
    await run_in_threadpool(files.remove_session_files, state, project.project_id, session_id)
    await run_in_threadpool(packages.remove, state.settings, project.project_id, session_id)


async def config_history(ctx: SessionContext, *, limit: int, cursor: str | None) -> dict[str, Any]:
    """`GET .../config_history`: the session's config versions, newest first, paged by cursor."""
    offset = decode_cursor(cursor)
    versions, total = await run_in_threadpool(
        records.config_history, ctx.state, ctx.session.id, offset=offset, limit=limit
    )
    current = ctx.session.version
    items = [
        {
            "version": v.version,
            "config": serializers.wire_config(v.config),
            "is_current": v.version == current,
            "created_at": serializers.timestamp(v.superseded_at or v.created_at),
        }
        for v in versions
    ]
    next_offset = offset + len(items)
    return {
        "items": items,
        "next_cursor": encode_cursor(next_offset) if next_offset < total else None,
        "total_items": total,
        "total_pages": max(1, -(-total // limit)),
        "current_page": offset // limit + 1,
    }


async def open_session(
    state: ExecutionState, project: ProjectContext, session_id: str, request_id: str | None = None
) -> SessionContext:
    record = await run_in_threadpool(load_session, state, project.project_id, session_id)
    return SessionContext(state, project, record, request_id)


def with_request_custom_tools(ctx: SessionContext, experimental: dict[str, Any] | None) -> SessionContext:
    """`ctx` seeing the custom tools a request carried (checked like a create body's); unchanged without any."""
    found = parse_experimental(experimental)
    if not found:
        return ctx
    validation.check_custom_tools(ctx.catalog, found)
    return dataclasses.replace(ctx, request_custom=found)


def without_custom_tools(ctx: SessionContext) -> SessionContext:
    """`ctx` for a client with no SDK process to run custom tools in (MCP): they are not shown to it."""
    return dataclasses.replace(ctx, request_custom=CustomTools())


# -- tools and toolkits -------------------------------------------------------------------------


def session_tools(ctx: SessionContext) -> list[dict[str, Any]]:
    """What `session.tools()` gets: the offered meta tools, then any preloaded app tools."""
    items = [serializers.meta_tool_item(meta, ctx.session.id) for meta in offered(ctx.config)]
    return items + [ctx.catalog.wire.tools[(tool.slug, version)] for tool, version in _preloaded(ctx)]


def _preloaded(ctx: SessionContext) -> list[tuple[Any, str]]:
    preload, catalog = ctx.config.preload, ctx.catalog
    if preload == PRELOAD_ALL:
        tools = [
            t
            for toolkit in catalog.toolkits.values()
            for t in catalog.tools_at(toolkit)
            if policy.tool_allowed(ctx.config, t)
        ][:PRELOAD_ALL_CAP]
    else:
        tools = [catalog.resolve_tool(slug).tool for slug in preload]
        tools = [t for t in tools if policy.tool_allowed(ctx.config, t)]
    return [(t, catalog.toolkit(t.toolkit).latest_version) for t in tools]


async def toolkits_page(
    ctx: SessionContext,
    *,
    toolkits: list[str],
    is_connected: bool | None,
    search: str | None,
    limit: int,
    cursor: str | None,
) -> dict[str, Any]:
    """The session's toolkits (or those asked for), most popular first, with their connection."""
    catalog = ctx.catalog
    if toolkits:
        unknown = [s for s in toolkits if catalog.find_toolkit(s) is None]
        if unknown:
            raise BadRequest(f"toolkits: unknown toolkit(s) {', '.join(unknown)}", slug="ToolkitNotFound")
        chosen = list({catalog.toolkit(s).slug: catalog.toolkit(s) for s in toolkits}.values())
    else:
        chosen = sorted(
            (t for t in catalog.toolkits.values() if policy.toolkit_allowed(ctx.config, t.slug)),
            key=lambda t: (-t.popularity, t.name.lower()),
        )
    if search:
        chosen = search_toolkits(chosen, search)
    status_by = await statuses(ctx, chosen)
    if is_connected is not None:
        chosen = [t for t in chosen if (status_by[t.slug].usable_account is not None) == is_connected]
    items = [
        serializers.toolkit_item(
            ctx.state, status_by[t.slug], enabled=policy.toolkit_allowed(ctx.config, t.slug)
        )
        for t in chosen
    ]
    return page(items, limit, cursor)


# -- connections --------------------------------------------------------------------------------


async def link(
    ctx: SessionContext, toolkit_slug: str, *, callback_url: str | None, alias: str | None
) -> StartedLink:
    toolkit = ctx.catalog.toolkit(toolkit_slug)
    if not policy.toolkit_allowed(ctx.config, toolkit.slug):
        raise BadRequest(
            f"Toolkit {toolkit.slug} is not enabled in this session",
            slug="ToolkitNotInSession",
            suggested_fix="Create a session whose toolkits include it.",
        )
    return await run_in_threadpool(
        start_link, ctx.state, ctx.project_id, ctx.config, toolkit, callback_url=callback_url, alias=alias
    )


# -- execution ----------------------------------------------------------------------------------


async def execute_meta(ctx: SessionContext, slug: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """`{data, error, successful, log_id}` of a meta tool the session offers."""
    meta = find(slug)
    if meta is None:
        raise BadRequest(
            f"{slug} is not a meta tool",
            slug="MetaToolNotFound",
            suggested_fix=f"Use one of {', '.join(m.slug for m in offered(ctx.config))}.",
        )
    if not meta.offered(ctx.config):
        raise BadRequest(
            f"{meta.slug} is turned off in this session's configuration",
            slug="MetaToolDisabled",
            suggested_fix="Create a new session with it enabled; sessions are immutable.",
        )
    result = await meta.run(ctx, arguments)
    return {
        "data": result.data,
        "error": result.error,
        "successful": result.successful,
        "log_id": new_id("log"),
    }


async def execute(
    ctx: SessionContext, slug: str, arguments: dict[str, Any], *, account: str | None = None
) -> dict[str, Any]:
    """A meta tool or an app tool, as `POST .../execute` runs it."""
    if find(slug) is not None:
        return await execute_meta(ctx, slug, arguments)
    return await run_tool(ctx, slug, arguments, account=account)


async def search(ctx: SessionContext, use_cases: list[str]) -> dict[str, Any]:
    if not ctx.config.search_enabled:
        raise BadRequest("Search is turned off in this session's configuration", slug="MetaToolDisabled")
    return await search_tools(ctx, use_cases)


def with_result_type(result: dict[str, Any]) -> dict[str, Any]:
    """The session execute answer: the result plus `result_type` (completed, failed or blocked by a hook)."""
    return hooks.wire_outcome(result)
