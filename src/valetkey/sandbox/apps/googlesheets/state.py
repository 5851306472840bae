"""The Google Sheets emulator's data: spreadsheets of sheets, each a sparse grid of cells.

A cell keeps what was entered (`Cell.entered`, the FORMULA view) and its
value (a string, a number or a boolean). `enter` applies Sheets' input rules:
RAW keeps strings as they are; USER_ENTERED reads "42" and "1,234.5" as
numbers, "TRUE"/"FALSE" as booleans, "'007" as the text "007", and keeps
"=..." as a formula (whose value the emulator does not compute: it shows the
formula text).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from valetkey.sandbox.apps._google import google_email

from .a1 import GridRange, RangeError, parse_range

_NUMBER = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)?(\.\d+)?([eE][+-]?\d+)?$")
Value = str | float | bool


@dataclass
class Cell:
    entered: Value
    value: Value


@dataclass
class Sheet:
    sheet_id: int
    title: str
    rows: int = 1000
    columns: int = 26
    cells: dict[tuple[int, int], Cell] = field(default_factory=dict)

    def used_rows(self) -> int:
        return max((r for r, _ in self.cells), default=-1) + 1

    def used_columns(self) -> int:
        return max((c for _, c in self.cells), default=-1) + 1


@dataclass
class Spreadsheet:
    id: str
    title: str
    owner: str
    sheets: list[Sheet]
    locale: str = "en_US"
    time_zone: str = "Etc/GMT"
    next_sheet_id: int = 1

    def titles(self) -> list[str]:
        return [s.title for s in self.sheets]

    def sheet(self, title: str | None) -> Sheet | None:
        return self.sheets[0] if title is None else next((s for s in self.sheets if s.title == title), None)

    def sheet_by_id(self, sheet_id: Any) -> Sheet | None:
        return next((s for s in self.sheets if s.sheet_id == sheet_id), None)

    def new_sheet_id(self) -> int:
        self.next_sheet_id += secrets.randbelow(1_000_000_000) + 1
        return self.next_sheet_id

    def locate(self, text: str) -> tuple[Sheet, GridRange]:
        """The sheet and bounds of an A1 range; RangeError when it cannot be parsed or names no sheet."""
        title, bounds = parse_range(text, self.titles())
        sheet = self.sheet(title)
        if sheet is None:
            raise RangeError(text)
        return sheet, bounds


@dataclass
class SheetsState:
    spreadsheets: dict[str, Spreadsheet] = field(default_factory=dict)

    def create(self, owner: str, title: str, sheet_titles: list[str] | None = None) -> Spreadsheet:
        """A new spreadsheet; its first sheet has id 0 (as on Google), later ones random ids."""
        spreadsheet_id = "1" + "".join(
            secrets.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
            for _ in range(43)
        )
        titles = sheet_titles or ["Sheet1"]
        spreadsheet = Spreadsheet(spreadsheet_id, title, google_email(owner), [Sheet(0, titles[0])])
        for name in titles[1:]:
            spreadsheet.sheets.append(Sheet(spreadsheet.new_sheet_id(), name))
        self.spreadsheets[spreadsheet_id] = spreadsheet
        return spreadsheet


def enter(raw: Any, option: str) -> Cell:
    """A cell from a value of a ValueRange, under valueInputOption `option` (RAW or USER_ENTERED)."""
    if isinstance(raw, bool) or isinstance(raw, (int, float)):
        value = raw if isinstance(raw, bool) else float(raw)
        return Cell(value, value)
    text = "" if raw is None else str(raw)
    if option == "RAW":
        return Cell(text, text)
    if text.startswith("'"):
        return Cell(text, text[1:])
    if text.startswith("="):
        return Cell(text, text)
    if text.upper() in ("TRUE", "FALSE"):
        return Cell(text.upper() == "TRUE", text.upper() == "TRUE")
    stripped = text.strip()
    if stripped and _NUMBER.match(stripped) and any(ch.isdigit() for ch in stripped):
        number = float(stripped.replace(",", ""))
        return Cell(number, number)
    if stripped.endswith("%") and _NUMBER.match(stripped[:-1].strip() or "x"):
        number = float(stripped[:-1].replace(",", "")) / 100
        return Cell(number, number)
    return Cell(text, text)


def render(cell: Cell, option: str) -> Value:
    """A cell as valueRenderOption `option` shows it: FORMATTED_VALUE, UNFORMATTED_VALUE or FORMULA."""
    value = cell.entered if option == "FORMULA" else cell.value
    if isinstance(value, bool):
        return ("TRUE" if value else "FALSE") if option == "FORMATTED_VALUE" else value
    if isinstance(value, float):
        if option != "FORMATTED_VALUE":
            return int(value) if value.is_integer() else value
        return str(int(value)) if value.is_integer() else repr(value)
    return value


def initial_state() -> SheetsState:
    return SheetsState()


def seed(state: SheetsState, payload: dict[str, Any]) -> dict[str, Any]:
    """``{"spreadsheets": [{"owner", "title", "rows": [[...], ...]}]}`` -> created ids (rows go to Sheet1)."""
    created = []
    for item in payload.get("spreadsheets") or []:
        spreadsheet = state.create(str(item["owner"]), str(item.get("title") or "Untitled spreadsheet"))
        for r, row in enumerate(item.get("rows") or []):
            for c, raw in enumerate(row):
                spreadsheet.sheets[0].cells[(r, c)] = enter(raw, "USER_ENTERED")
        created.append(spreadsheet.id)
    return {"spreadsheets": created}
