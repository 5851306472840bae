"""Executing an app tool inside a session: the session's filter, the session's account, the executor.

The executor (`valetkey.execution.service.execute_tool`) does the work; this
module only decides whether the session may run the tool and with which
account (`policy.py` precedence), and turns request problems into a failed
result an agent can read, instead of an HTTP error that would stop its loop.
"""

from __future__ import annotations

from typing import Any

from valetkey.core.errors import ApiError
from valetkey.execution.recording import record_blocked
from valetkey.execution.schemas import ExecuteBody
from valetkey.execution.service import execute_tool, needs_connection
from valetkey.sessions import custom_tools, hooks, policy
from valetkey.sessions.accounts import choose_account
from valetkey.sessions.records import SessionContext


def failed(message: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
    """A result for a call that did not reach the app (no log entry: `log_id` is empty)."""
    return {"data": data or {}, "error": message, "successful": False, "log_id": ""}


def not_connected(toolkit: str, explicit: str | None = None) -> str:
    if explicit:
        return (
            f"Account {explicit} cannot be used for {toolkit} in this session (not the user's, not allowed by "
            f"the session, or not ACTIVE)."
        )
    return (
        f"No active {toolkit} connection for this user in this session. Call COMPOSIO_MANAGE_CONNECTIONS with "
        f"toolkits=['{toolkit}'], share the link with the user, and retry once they have connected."
    )


async def run_tool(
    ctx: SessionContext, slug: str, arguments: dict[str, Any] | None, *, account: str | None = None
) -> dict[str, Any]:
    """`{data, error, successful, log_id}` of one app tool call in the session, under its hooks.

    With hooks that apply, the answer also has `hook_results`, and `blocked` when one blocked the call
    (`hooks.guarded`); the session's filter is checked before any hook runs.
    """
    if slug.upper().startswith(custom_tools.PREFIX):
        known = ctx.custom.find(slug)
        return failed(
            custom_tools.runs_in_the_sdk(known.slug)
            if known
            else f"{slug} is not a custom tool of this session (custom tools are named LOCAL_* and run in the SDK)."
        )
    try:
        resolved = ctx.catalog.resolve_tool(slug)
    except ApiError as exc:
        return failed(exc.message)
    tool, toolkit = resolved.tool, resolved.toolkit
    if not policy.tool_allowed(ctx.config, tool):
        return failed(
            f"{tool.slug} is not enabled in this session. Search with COMPOSIO_SEARCH_TOOLS for tools "
            f"this session offers."
        )
    return await hooks.guarded(
        ctx.config.hooks,
        hooks.judge_for(ctx.state.settings),
        tool_slug=tool.slug,
        toolkit=toolkit.slug,
        arguments=arguments or {},
        call=lambda: _run_app_tool(ctx, tool, toolkit, arguments, account),
        record_block=block_recorder(ctx, "tool", tool.slug, toolkit.slug, arguments or {}),
    )


def block_recorder(
    ctx: SessionContext, kind: str, tool_slug: str, toolkit_slug: str, arguments: dict[str, Any]
) -> hooks.BlockRecorder:
    """Writes the execution log of a call of this session a hook blocked (status blocked, nothing sent)."""

    def record(reason: dict[str, Any], hook_results: list[dict[str, Any]]) -> str:
        return record_blocked(
            ctx.state,
            ctx.project,
            kind=kind,
            tool_slug=tool_slug,
            toolkit_slug=toolkit_slug,
            user_id=ctx.config.user_id,
            request_id=ctx.request_id,
            arguments=arguments,
            reason=reason,
            hook_results=hook_results,
        )

    return record


async def _run_app_tool(
    ctx: SessionContext, tool: Any, toolkit: Any, arguments: dict[str, Any] | None, account: str | None
) -> dict[str, Any]:
    account_id = None
    if needs_connection(tool, toolkit) or account:
        try:
            chosen = await choose_account(
                ctx.state, ctx.project_id, ctx.config, toolkit.slug, explicit=account
            )
        except ApiError as exc:
            return failed(exc.message + (f" {exc.suggested_fix}" if exc.suggested_fix else ""))
        if chosen is None:
            return failed(not_connected(toolkit.slug, account))
        account_id = chosen.id
    body = ExecuteBody(arguments=arguments or {}, user_id=ctx.config.user_id, connected_account_id=account_id)
    try:
        return await execute_tool(ctx.state, ctx.project, tool.slug, body, ctx.request_id)
    except ApiError as exc:
        message = exc.message + (f" ({exc.suggested_fix})" if exc.suggested_fix else "")
        return failed(message, exc.extra or None)
