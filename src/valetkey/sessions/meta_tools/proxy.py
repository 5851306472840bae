"""COMPOSIO_PROXY_EXECUTE: an authenticated HTTP request to a connected app's API, for the agent.

Offered when the session sets `proxy_execute: {"enable": true}`; runs
`sessions.proxy.session_proxy`, so the session's toolkits, account choice,
the proxy's same-origin rule and the egress policy all apply. An answer of
400 or more is a failed call carrying the API's status and body.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from valetkey.core.errors import ApiError
from valetkey.execution.schemas import ProxyBody
from valetkey.sessions.meta_tools.base import MetaResult, MetaTool, register
from valetkey.sessions.proxy import session_proxy
from valetkey.sessions.records import SessionContext

SLUG = "COMPOSIO_PROXY_EXECUTE"
METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH"]


async def run(ctx: SessionContext, arguments: dict[str, Any]) -> MetaResult:
    toolkit = arguments.get("toolkit_slug") or arguments.get("toolkit")
    if not isinstance(toolkit, str) or not toolkit:
        return MetaResult({}, "toolkit_slug: give the toolkit whose API to call, e.g. 'github'")
    try:
        request = ProxyBody.model_validate(
            {
                "endpoint": arguments.get("endpoint"),
                "method": str(arguments.get("method") or "GET").upper(),
                "body": arguments.get("body"),
                "parameters": arguments.get("parameters") or [],
            }
        )
    except ValidationError as exc:
        problem = exc.errors(include_url=False)[0]
        return MetaResult({}, f"{'.'.join(str(p) for p in problem['loc'])}: {problem['msg']}")
    account = arguments.get("account") if isinstance(arguments.get("account"), str) else None
    try:
        answer = await session_proxy(ctx, toolkit, request, account=account)
    except ApiError as exc:
        return MetaResult({}, exc.message + (f" {exc.suggested_fix}" if exc.suggested_fix else ""))
    if answer.get("blocked"):
        return MetaResult({}, answer["blocked"]["message"])
    status = answer["status"]
    return MetaResult(answer, None if status < 400 else f"The API answered {status}")


register(
    MetaTool(
        slug=SLUG,
        name="Proxy execute",
        description=(
            "Make an authenticated HTTP request to a connected app's API when no tool does what you need. "
            "The user's connected account signs the request; the endpoint is a path on the app's API."
        ),
        properties={
            "toolkit_slug": {"type": "string", "description": "The app, e.g. 'github'."},
            "endpoint": {"type": "string", "description": "A path on the app's API, e.g. '/user/repos'."},
            "method": {"type": "string", "enum": METHODS, "default": "GET"},
            "body": {"description": "The JSON body, for POST, PUT and PATCH."},
            "parameters": {
                "type": "array",
                "description": "Extra query parameters or headers.",
                "items": {
                    "type": "object",
                    "required": ["name", "value", "type"],
                    "properties": {
                        "name": {"type": "string"},
                        "value": {"type": "string"},
                        "type": {"type": "string", "enum": ["query", "header"]},
                    },
                },
            },
            "account": {
                "type": "string",
                "description": "A connected account id, when the user has several.",
            },
        },
        required=("toolkit_slug", "endpoint", "method"),
        run=run,
        offered=lambda config: config.proxy_execute is True,
        tags=("openWorldHint",),
    )
)
