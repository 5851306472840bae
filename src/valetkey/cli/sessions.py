"""``valetkey sessions list``: the project's Tool Router sessions, newest first."""

from __future__ import annotations

from typing import Any

import typer

from valetkey.cli import output
from valetkey.cli.output import pick
from valetkey.cli.remote import connect

app = typer.Typer(no_args_is_help=True, help="The project's Tool Router sessions.")


def _toolkits(row: dict[str, Any]) -> str:
    toolkits = (row.get("config") or {}).get("toolkits") or {}
    if toolkits.get("enabled") is not None:
        return ", ".join(toolkits["enabled"]) or "none"
    disabled = toolkits.get("disabled") or []
    return "all but " + ", ".join(disabled) if disabled else "all"


@app.command("list")
def sessions_list(
    user_id: str = typer.Option(None, "--user-id", "-u", help="Only this user's sessions."),
    limit: int = typer.Option(None, "--limit", min=1, help="At most this many sessions (default: all)."),
    as_json: bool = typer.Option(False, "--json", help="Print the server's JSON."),
) -> None:
    """List sessions with their user, toolkits and MCP URL."""
    with connect() as remote:
        items = remote.pages("/tool_router/session", limit=limit, user_id=user_id)
    if as_json:
        output.print_json(items)
        return
    output.table(
        items,
        [
            ("id", pick("session_id")),
            ("user", pick("user_id")),
            ("toolkits", _toolkits),
            ("version", pick("config_version")),
            ("created", pick("created_at")),
            ("mcp url", pick("mcp", "url")),
        ],
    )
