"""COMPOSIO_WAIT_FOR_CONNECTIONS: wait until the user has connected the asked toolkits, or a timeout.

Offered when the session sets `manage_connections.enable_wait_for_connections`.
An agent that shared Connect Links from COMPOSIO_MANAGE_CONNECTIONS calls it
instead of asking the user to say "done": it re-reads the toolkits'
statuses (the same `status.statuses` every listing uses) every
`POLL_SECONDS` until each is connected, then answers; at the timeout it
answers with what is still missing. Bounded: at most `MAX_TIMEOUT` seconds.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from valetkey.sessions import policy
from valetkey.sessions.meta_tools.base import MetaResult, MetaTool, register
from valetkey.sessions.records import SessionContext
from valetkey.sessions.status import statuses

SLUG = "COMPOSIO_WAIT_FOR_CONNECTIONS"
MAX_TOOLKITS = 20
DEFAULT_TIMEOUT = 60.0
MAX_TIMEOUT = 120.0
POLL_SECONDS = 0.5


def _timeout(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        return DEFAULT_TIMEOUT
    return max(0.0, min(float(value), MAX_TIMEOUT))


async def run(ctx: SessionContext, arguments: dict[str, Any]) -> MetaResult:
    asked = arguments.get("toolkits")
    if isinstance(asked, str):
        asked = [asked]
    if not isinstance(asked, list) or not asked or not all(isinstance(t, str) and t for t in asked):
        return MetaResult(
            {}, "toolkits: give the toolkit slugs whose connections to wait for, e.g. ['github']"
        )
    if len(asked) > MAX_TOOLKITS:
        return MetaResult({}, f"toolkits: at most {MAX_TOOLKITS} per call")
    toolkits, problems = [], {}
    for slug in dict.fromkeys(asked):
        toolkit = ctx.catalog.find_toolkit(slug)
        if toolkit is None:
            problems[slug.lower()] = f"Unknown toolkit '{slug}'."
        elif not policy.toolkit_allowed(ctx.config, toolkit.slug):
            problems[toolkit.slug] = f"{toolkit.slug} is not enabled in this session."
        else:
            toolkits.append(toolkit)
    deadline = time.monotonic() + _timeout(arguments.get("timeout_seconds"))
    while True:
        now = await statuses(ctx, toolkits)
        waiting = [slug for slug, status in now.items() if not status.connected]
        if not waiting or time.monotonic() >= deadline:
            break
        await asyncio.sleep(min(POLL_SECONDS, max(0.0, deadline - time.monotonic())))
    results: dict[str, dict[str, Any]] = {
        slug: {"toolkit": slug, "status": "failed", "error": error} for slug, error in problems.items()
    }
    for slug, status in now.items():
        entry: dict[str, Any] = {"toolkit": slug, "status": "active" if status.connected else "pending"}
        if status.account is not None and status.connected and not status.no_auth:
            entry["connected_account_id"] = status.account.id
        results[slug] = entry
    pending = [s for s, e in results.items() if e["status"] != "active"]
    data = {
        "results": results,
        "all_connected": not pending,
        "message": "Every toolkit is connected; continue with the task."
        if not pending
        else f"Not connected yet: {', '.join(pending)}. Ask the user to finish connecting, then call this again.",
    }
    return MetaResult(data, None if not pending else f"Still waiting for: {', '.join(pending)}")


register(
    MetaTool(
        slug=SLUG,
        name="Wait for connections",
        description=(
            "After sharing Connect Links from COMPOSIO_MANAGE_CONNECTIONS, wait until the user has connected "
            f"those apps (up to timeout_seconds, at most {int(MAX_TIMEOUT)}). Answers which toolkits are "
            "connected and which are still pending."
        ),
        properties={
            "toolkits": {
                "type": "array",
                "minItems": 1,
                "maxItems": MAX_TOOLKITS,
                "items": {"type": "string"},
                "description": "Toolkit slugs to wait for, e.g. ['github'].",
            },
            "timeout_seconds": {
                "type": "number",
                "minimum": 0,
                "maximum": MAX_TIMEOUT,
                "default": DEFAULT_TIMEOUT,
                "description": "How long to wait at most.",
            },
        },
        required=("toolkits",),
        run=run,
        offered=lambda config: (
            config.manage_connections.enabled and config.manage_connections.wait_for_connections
        ),
        tags=("readOnlyHint",),
    )
)
