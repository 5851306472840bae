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


def _call(tool: Tool) -> str:
    needs = required_inputs(tool)
    return f"Call COMPOSIO_MULTI_EXECUTE_TOOL with tool_slug {tool.slug}" + (
        f" and arguments {', '.join(needs)} (required)." if needs else "."
    )


def plan_steps(
    primary: Sequence[Tool],
    related: Sequence[Tool],
    statuses: Mapping[str, ToolkitStatus],
    task_steps: Sequence[str] = (),
    step_tools: Sequence[Tool | None] = (),
    max_steps: int = 3,
) -> list[str]:
    """The plan of one use case; `task_steps` are its clauses when it asks for several things
    (`search.steps.clauses`), `step_tools` the best tool of each (when there are at most `max_steps`)."""
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
    if len(task_steps) > max_steps:
        queries = ", ".join(f"{{'use_case': {part!r}}}" for part in task_steps)
        steps.append(
            f"This use case has {len(task_steps)} steps, more than one search answers ({max_steps} primary "
            f"tools): call COMPOSIO_SEARCH_TOOLS again with one use case per step, queries=[{queries}]."
        )
    elif len(task_steps) > 1:
        steps.append(f"This use case has {len(task_steps)} steps; run them in order.")
        for number, (part, tool) in enumerate(zip(task_steps, step_tools, strict=True), start=1):
            steps.append(
                f"Step {number}, {part}: "
                + (_call(tool) if tool is not None else "no tool in this session matches; ask the user.")
            )
    elif primary:
        steps.append(_call(primary[0]))
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
