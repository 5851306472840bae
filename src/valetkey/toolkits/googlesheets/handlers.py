"""Google Sheets tools built on reads: finding a row by value."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from valetkey.execution.handlers import ToolContext, ToolError
from valetkey.toolkits._google import call


def _column_index(letters: str) -> int:
    index = 0
    for char in letters.upper():
        index = index * 26 + ord(char) - 64
    return index - 1


def _first_row(resolved: str) -> int:
    """The 1-based sheet row where a resolved range (``Sheet1!A1:F20``) starts."""
    cells = resolved.rpartition("!")[2]
    match = re.match(r"[A-Za-z]*(\d+)", cells)
    return int(match.group(1)) if match else 1


async def lookup_row(arguments: dict[str, Any], context: ToolContext) -> Any:
    spreadsheet = quote(arguments["spreadsheet_id"], safe="")
    table = arguments.get("range")
    if not table:
        info = await call(
            context, "GET", f"/spreadsheets/{spreadsheet}", params={"fields": "sheets.properties.title"}
        )
        table = "'" + info["sheets"][0]["properties"]["title"].replace("'", "''") + "'"
    answer = await call(context, "GET", f"/spreadsheets/{spreadsheet}/values/{quote(table, safe='')}")
    rows = answer.get("values") or []
    if not rows:
        return {"found": False}
    headers = [str(h) for h in rows[0]]
    column = arguments.get("column")
    wanted: int | None = None
    if column:
        if column in headers:
            wanted = headers.index(column)
        elif re.fullmatch(r"[A-Za-z]{1,3}", column):
            wanted = _column_index(column) - _column_index(
                re.sub(r"[^A-Za-z].*", "", answer["range"].rpartition("!")[2]) or "A"
            )
        else:
            raise ToolError(f"No column {column!r}: headers are {headers}")
    sensitive, contains = arguments.get("case_sensitive", False), arguments.get("match") == "contains"
    needle = arguments["query"] if sensitive else arguments["query"].lower()

    def hit(cell: Any) -> bool:
        text = str(cell) if sensitive else str(cell).lower()
        return needle in text if contains else text == needle

    first = _first_row(answer["range"])
    sheet = answer["range"].rpartition("!")[0]
    for offset, row in enumerate(rows[1:], start=1):
        cells = (
            [row[wanted]] if wanted is not None and wanted < len(row) else ([] if wanted is not None else row)
        )
        if any(hit(cell) for cell in cells):
            number = first + offset
            return {
                "found": True,
                "row_number": number,
                "values": [str(v) for v in row],
                "record": {h: (str(row[i]) if i < len(row) else "") for i, h in enumerate(headers) if h},
                "range": f"{sheet}!{number}:{number}",
            }
    return {"found": False}
