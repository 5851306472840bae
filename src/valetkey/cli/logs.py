"""``valetkey logs tail``: the newest tool execution logs, and with ``--follow`` new ones as they come (polling)."""

from __future__ import annotations

import time
from typing import Any

import typer

from valetkey.cli import output
from valetkey.cli.remote import Remote, connect

app = typer.Typer(no_args_is_help=True, help="Tool execution logs.")
PAGE = 100  # the server's largest page


def newest(remote: Remote, count: int, filters: list[dict[str, str]]) -> list[dict[str, Any]]:
    """The `count` newest logs, oldest first (the order a tail prints)."""
    logs: list[dict[str, Any]] = []
    cursor = None
    while len(logs) < count:
        page = remote.post(
            "/logs/tool_execution",
            {"limit": min(PAGE, count - len(logs)), "cursor": cursor, "filters": filters},
        )
        logs.extend(page.get("logs") or [])
        cursor = page.get("next_cursor")
        if not cursor:
            break
    return sorted(logs[:count], key=lambda log: (log.get("timestamp") or "", log.get("id") or ""))


def _line(log: dict[str, Any]) -> str:
    metrics = log.get("metrics") or {}
    status = log.get("status")
    return (
        f"{log.get('timestamp')}  {status:<7}  {log.get('tool_slug')}  {metrics.get('duration_ms')} ms  "
        f"{log.get('id')}" + ("" if status == "success" else f"  {log.get('message')}")
    )


@app.command("tail")
def tail(
    lines: int = typer.Option(20, "--lines", "-n", min=1, help="How many of the newest logs to print first."),
    follow: bool = typer.Option(
        False, "--follow", "-f", help="Keep polling and print new logs as they come."
    ),
    interval: float = typer.Option(2.0, min=0.1, help="Seconds between polls with --follow."),
    polls: int = typer.Option(
        None, min=1, help="With --follow, stop after this many polls (default: until Ctrl-C)."
    ),
    tool: str = typer.Option(None, "--tool", help="Only this tool's logs."),
    failed: bool = typer.Option(False, "--failed", help="Only failed executions."),
    as_json: bool = typer.Option(
        False, "--json", help="One JSON object per line (the server's log summaries)."
    ),
) -> None:
    """Print the newest execution logs; with --follow, keep printing new ones."""
    import json

    filters = [{"field": "tool_slug", "operator": "==", "value": tool}] if tool else []
    if failed:
        filters.append({"field": "status", "operator": "==", "value": "failed"})
    seen: set[str] = set()

    def show(logs: list[dict[str, Any]]) -> None:
        for log in logs:
            if log.get("id") in seen:
                continue
            seen.add(str(log.get("id")))
            print(json.dumps(log) if as_json else _line(log), flush=True)

    with connect() as remote:
        show(newest(remote, lines, filters))
        done = 0
        try:
            while follow and (polls is None or done < polls):
                time.sleep(interval)
                show(newest(remote, PAGE, filters))
                done += 1
        except KeyboardInterrupt:
            output.err.print("stopped")
