"""How listings print: a rich table for people, ``--json`` for scripts (the server's items, unchanged)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from typing import Any

from rich.console import Console
from rich.table import Table

err = Console(stderr=True)
PIPED_WIDTH = 200  # a table piped to a file or grep is not cut to 80 columns


def _out() -> Console:
    """Standard output as it is now (CliRunner and pipes swap it); a terminal's width, else wide."""
    return Console(width=None if sys.stdout.isatty() else PIPED_WIDTH)


Column = tuple[str, Callable[[dict[str, Any]], Any]]


def print_json(value: Any) -> None:
    print(json.dumps(value, indent=2, default=str))


def table(rows: Sequence[dict[str, Any]], columns: Sequence[Column], *, title: str | None = None) -> None:
    grid = Table(title=title, show_lines=False)
    for name, _ in columns:
        grid.add_column(name, overflow="fold")
    for row in rows:
        grid.add_row(*("" if (v := get(row)) is None else str(v) for _, get in columns))
    _out().print(grid)
    if not rows:
        err.print("(none)")


def fields(pairs: Sequence[tuple[str, Any]]) -> None:
    """A record's fields, one per line."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column(overflow="fold")
    for name, value in pairs:
        grid.add_row(name, "" if value is None else str(value))
    _out().print(grid)


def pick(*path: str) -> Callable[[dict[str, Any]], Any]:
    """A getter for a nested field (``pick("toolkit", "slug")``); None when any step is missing."""

    def get(row: dict[str, Any]) -> Any:
        value: Any = row
        for step in path:
            value = value.get(step) if isinstance(value, dict) else None
        return value

    return get
