"""``valetkey logs tail``: the newest tool execution logs, and with ``--follow`` new ones as they come (polling)."""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import Any

import typer

from valetkey.cli import output
from valetkey.cli.remote import Remote, connect

app = typer.Typer(no_args_is_help=True, help="Tool execution logs.")
PAGE = 100  # the server's largest page


def newest(
    remote: Remote, filters: list[dict[str, Any]], *, count: int | None = None, since_ms: int | None = None
) -> list[dict[str, Any]]:
    """The `count` newest logs (all of them since `since_ms` when `count` is None), oldest first, as a tail prints."""
    logs: list[dict[str, Any]] = []
    cursor = None
    body: dict[str, Any] = {"filters": filters}
    if since_ms is not None:
        body["time_range"] = {"from": since_ms}
    while count is None or len(logs) < count:
        limit = PAGE if count is None else min(PAGE, count - len(logs))
        page = remote.post("/logs/tool_execution", {**body, "limit": limit, "cursor": cursor})
        logs.extend(page.get("logs") or [])
        cursor = page.get("next_cursor")
        if not cursor:
            break
    return sorted(logs, key=lambda log: (log.get("timestamp") or "", log.get("id") or ""))


def _epoch_ms(timestamp: str) -> int:
    return int(dt.datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp() * 1000)


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
    filters = [{"field": "tool_slug", "operator": "==", "value": tool}] if tool else []
    if failed:
        filters.append({"field": "status", "operator": "==", "value": "failed"})
    seen: set[str] = set()
    # Each poll asks for everything since the newest log printed (from that millisecond on, so
    # logs sharing it are not lost; those already printed are skipped by id).
    since: int | None = None

    def show(logs: list[dict[str, Any]]) -> None:
        nonlocal since
        for log in logs:
            if log.get("timestamp"):
                since = max(since or 0, _epoch_ms(str(log["timestamp"])))
            if log.get("id") in seen:
                continue
            seen.add(str(log.get("id")))
            print(json.dumps(log) if as_json else _line(log), flush=True)

    with connect() as remote:
        show(newest(remote, filters, count=lines))
        if since is None:
            since = int(time.time() * 1000) - 60_000  # nothing yet: from a minute ago (clock skew)
        done = 0
        try:
            while follow and (polls is None or done < polls):
                time.sleep(interval)
                show(newest(remote, filters, since_ms=since))
                done += 1
        except KeyboardInterrupt:
            output.err.print("stopped")
