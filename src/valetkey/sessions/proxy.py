"""Proxy execute inside a session: the session picks the toolkit's account, the executor's proxy sends.

`POST .../proxy_execute` and the COMPOSIO_PROXY_EXECUTE meta tool both land
here. The toolkit must be in the session, the account is the one the
session's precedence picks (pinned, auth config override, newest; an explicit
choice when `multi_account.require_explicit_selection` asks for one), and the
request itself goes through `execution.proxy.proxy_request`: same origin
check, same egress policy, same credential injection and refresh, same
execution log. A session set to `proxy_execute: {"enable": false}` refuses it.
"""

from __future__ import annotations

from typing import Any

from valetkey.core.errors import BadRequest
from valetkey.execution.proxy import proxy_request
from valetkey.execution.schemas import ProxyBody
from valetkey.sessions import hooks, policy
from valetkey.sessions.accounts import choose_account
from valetkey.sessions.execution import block_recorder, not_connected
from valetkey.sessions.records import SessionContext


async def session_proxy(
    ctx: SessionContext, toolkit_slug: str, request: ProxyBody, *, account: str | None = None
) -> dict[str, Any]:
    """`{data, status, headers}` of the proxied call; BadRequest when the session may not make it.

    The session's hooks apply to it as to a tool call (slug `PROXY_EXECUTE`, the request as arguments): the
    answer then has `hook_results`, and is `{data: {}, blocked: {...}, hook_results}` when a hook blocked.
    """
    if ctx.config.proxy_execute is False:
        raise BadRequest(
            "Proxy execute is turned off in this session's configuration (proxy_execute.enable = false)",
            slug="ProxyExecuteDisabled",
            suggested_fix='Update the session with {"proxy_execute": {"enable": true}} to allow it.',
        )
    if request.custom_connection_data is not None or request.connected_account_id or request.user_id:
        raise BadRequest(
            "A session's proxy call uses the session's account: custom_connection_data, connected_account_id "
            "and user_id cannot be given",
            suggested_fix="Leave them out; pin the account in the session's connected_accounts instead.",
        )
    toolkit = ctx.catalog.find_toolkit(toolkit_slug)
    if toolkit is None:
        raise BadRequest(f"Unknown toolkit {toolkit_slug!r}", slug="ToolkitNotFound")
    if not policy.toolkit_allowed(ctx.config, toolkit.slug):
        raise BadRequest(
            f"Toolkit {toolkit.slug} is not enabled in this session",
            slug="ToolkitNotInSession",
            suggested_fix="Update the session so its toolkits include it.",
        )
    if toolkit.no_auth:
        raise BadRequest(
            f"Toolkit {toolkit.slug} needs no connection, so there are no credentials to proxy with",
            suggested_fix="Call its API directly.",
        )
    chosen = await choose_account(ctx.state, ctx.project_id, ctx.config, toolkit.slug, explicit=account)
    if chosen is None:
        raise BadRequest(not_connected(toolkit.slug, account), slug="ConnectedAccountNotFound")
    body = request.model_copy(update={"connected_account_id": chosen.id})

    async def send() -> dict[str, Any]:
        answer = await proxy_request(ctx.state, ctx.project, body, ctx.request_id)
        return {**answer, "successful": True, "error": None}

    arguments = request.model_dump(include={"endpoint", "method", "body", "parameters"}, mode="json")
    outcome = await hooks.guarded(
        ctx.config.hooks,
        hooks.judge_for(ctx.state.settings),
        tool_slug=PROXY_SLUG,
        toolkit=toolkit.slug,
        arguments=arguments,
        call=send,
        record_block=block_recorder(ctx, "proxy", PROXY_SLUG, toolkit.slug, arguments),
    )
    outcome.pop("successful", None)
    if not outcome.get("blocked"):
        outcome.pop("error", None)
    return outcome


PROXY_SLUG = "PROXY_EXECUTE"
