"""A short, deterministic plan for a searched use case: steps, pitfalls, difficulty.

COMPOSIO_SEARCH_TOOLS answers with "an execution plan and common pitfalls".
Hosted Composio writes them with a model; here they come from what the
catalog knows for sure (required inputs, destructive tags, paging
parameters, connection status), so they are never wrong, only terse.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from valetkey.catalog.model import Tool
from valetkey.sessions.status import ToolkitStatus

PAGING = (
    "page",
    "per_page",
    "cursor",
    "page_token",
    "pageToken",
    "next_cursor",
    "limit",
    "offset",
    "start_cursor",
)
LOOKUP_WORDS = ("LIST", "GET", "SEARCH", "FIND", "FETCH")


def required_inputs(tool: Tool) -> list[str]:
    return [str(name) for name in tool.input_schema.get("required", [])]


def plan_steps(
    primary: Sequence[Tool], related: Sequence[Tool], statuses: Mapping[str, ToolkitStatus]
) -> list[str]:
    steps: list[str] = []
    missing = [
        slug
        for slug in dict.fromkeys(t.toolkit for t in primary)
        if slug in statuses and not statuses[slug].connected
    ]
    if missing:
        steps.append(
            f"Connect {', '.join(missing)}: call COMPOSIO_MANAGE_CONNECTIONS with toolkits={missing}, "
            f"share the returned link with the user and wait for them to confirm."
        )
    lookups = [t.slug for t in related if any(w in t.slug.split("_") for w in LOOKUP_WORDS)][:2]
    if lookups:
        steps.append(f"If an id or name is unknown, look it up first with {' or '.join(lookups)}.")
    if primary:
        main = primary[0]
        needs = required_inputs(main)
        steps.append(
            f"Call COMPOSIO_MULTI_EXECUTE_TOOL with tool_slug {main.slug}"
            + (f" and arguments {', '.join(needs)} (required)." if needs else ".")
        )
    steps.append(
        "Read each result's `successful` and `error`; fix the arguments and retry only the failed calls."
    )
    return steps


def pitfalls(primary: Sequence[Tool]) -> list[str]:
    notes: list[str] = []
    for tool in primary:
        needs = required_inputs(tool)
        if needs:
            notes.append(f"{tool.slug} requires {', '.join(needs)}; ask the user rather than guess them.")
        if "destructiveHint" in tool.tags:
            notes.append(f"{tool.slug} changes or deletes data irreversibly; confirm with the user first.")
        paging = [p for p in PAGING if p in tool.input_schema.get("properties", {})]
        if paging:
            notes.append(f"{tool.slug} returns one page at a time; use {paging[0]} to read further pages.")
    return notes


def difficulty(primary: Sequence[Tool], statuses: Mapping[str, ToolkitStatus]) -> str:
    connected = all(statuses[t.toolkit].connected for t in primary if t.toolkit in statuses)
    if len(primary) <= 1 and connected:
        return "easy - a single tool with a ready connection"
    return (
        "medium - connect the toolkits first, then run the tools in order"
        if not connected
        else "medium - several candidate tools; pick the one matching the task"
    )
