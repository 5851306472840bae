"""A1 notation: ``Sheet1!A1:C10``, ``'My sheet'!B:B``, ``A2:C``, ``3:5``, ``D4``, ``Sheet1``.

`parse_range` gives the sheet title (None: the first sheet) and a zero-based
`GridRange` whose open ends are None (``A:A`` has no row bounds). `format_range`
writes one back the way the Sheets API reports ranges (``Sheet1!A1:C3``,
quoting titles that need it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CELL = re.compile(r"^([A-Za-z]*)(\d*)$")


class RangeError(ValueError):
    pass


@dataclass(frozen=True)
class GridRange:
    """Zero-based, end-exclusive bounds; None means unbounded on that side."""

    row_start: int | None
    row_end: int | None
    col_start: int | None
    col_end: int | None


def column_index(letters: str) -> int:
    index = 0
    for char in letters.upper():
        index = index * 26 + ord(char) - 64
    return index - 1


def column_letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def split_sheet(text: str) -> tuple[str | None, str]:
    text = text.strip()
    if text.startswith("'"):
        end = 1
        while True:
            end = text.find("'", end)
            if end == -1:
                raise RangeError(text)
            if text[end + 1 : end + 2] == "'":
                end += 2
                continue
            break
        title = text[1:end].replace("''", "'")
        rest = text[end + 1 :]
        if rest and not rest.startswith("!"):
            raise RangeError(text)
        return title, rest[1:]
    if "!" in text:
        title, _, cells = text.rpartition("!")
        return title, cells
    return None, text


def _cell(text: str) -> tuple[int | None, int | None]:
    match = _CELL.match(text)
    if not match or not (match.group(1) or match.group(2)):
        raise RangeError(text)
    letters, digits = match.groups()
    if digits and int(digits) < 1:
        raise RangeError(text)
    return (int(digits) - 1 if digits else None), (column_index(letters) if letters else None)


def parse_range(text: str, sheet_titles: list[str]) -> tuple[str | None, GridRange]:
    """(sheet title or None for the first sheet, bounds). A bare word naming a sheet is that whole sheet."""
    title, cells = split_sheet(text)
    if title is None and cells in sheet_titles:
        return cells, GridRange(None, None, None, None)
    if cells == "":
        if title is None:
            raise RangeError(text)
        return title, GridRange(None, None, None, None)
    first, _, second = cells.partition(":")
    row0, col0 = _cell(first)
    if not second:
        if row0 is None or col0 is None:
            raise RangeError(text)
        return title, GridRange(row0, row0 + 1, col0, col0 + 1)
    row1, col1 = _cell(second)
    if (col0 is None) != (col1 is None) and row0 is None:  # "A:3" is not a range
        raise RangeError(text)
    rows = sorted(r for r in (row0, row1) if r is not None)
    cols = sorted(c for c in (col0, col1) if c is not None)
    row_start = rows[0] if row0 is not None else None
    row_end = rows[-1] + 1 if row1 is not None else None
    col_start = cols[0] if col0 is not None else None
    col_end = cols[-1] + 1 if col1 is not None else None
    if row0 is not None and row1 is None and col1 is not None:  # "A2:C": from row 2 down
        row_end = None
    return title, GridRange(row_start, row_end, col_start, col_end)


def quote_title(title: str) -> str:
    return title if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", title) else "'" + title.replace("'", "''") + "'"


def format_range(title: str, rows: tuple[int, int], cols: tuple[int, int]) -> str:
    """``Title!A1:C3`` for zero-based, end-exclusive rows and columns (one cell: ``Title!B2``)."""
    start = f"{column_letters(cols[0])}{rows[0] + 1}"
    end = f"{column_letters(cols[1] - 1)}{rows[1]}"
    return f"{quote_title(title)}!{start}" + ("" if start == end else f":{end}")
