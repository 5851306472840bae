"""Spreadsheets of the Sheets emulator: create, get (metadata), and batchUpdate requests.

batchUpdate applies its requests in order and all-or-nothing, as the API
does: the requests run on a copy that replaces the spreadsheet only when every
one succeeded; an error names the failing request (``Invalid
requests[1].deleteSheet: ...``). Supported requests: addSheet, deleteSheet,
duplicateSheet, updateSheetProperties, updateSpreadsheetProperties,
insertDimension, deleteDimension.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from valetkey.sandbox.apps._google import GoogleApi, GoogleCall, GoogleError

from .state import Cell, Sheet, SheetsState, Spreadsheet
from .values import READ, WRITE, spreadsheet_for


class RequestError(Exception):
    pass


def sheet_properties(sheet: Sheet, index: int) -> dict[str, Any]:
    return {
        "sheetId": sheet.sheet_id,
        "title": sheet.title,
        "index": index,
        "sheetType": "GRID",
        "gridProperties": {"rowCount": sheet.rows, "columnCount": sheet.columns},
    }


def render_spreadsheet(spreadsheet: Spreadsheet) -> dict[str, Any]:
    return {
        "spreadsheetId": spreadsheet.id,
        "properties": {
            "title": spreadsheet.title,
            "locale": spreadsheet.locale,
            "autoRecalc": "ON_CHANGE",
            "timeZone": spreadsheet.time_zone,
            "defaultFormat": {
                "backgroundColor": {"red": 1, "green": 1, "blue": 1},
                "verticalAlignment": "BOTTOM",
                "wrapStrategy": "OVERFLOW_CELL",
            },
        },
        "sheets": [{"properties": sheet_properties(s, i)} for i, s in enumerate(spreadsheet.sheets)],
        "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{spreadsheet.id}/edit",
    }


def create_spreadsheet(call: GoogleCall) -> Response:
    state: SheetsState = call.state
    body = call.body
    properties = body.get("properties") or {}
    titles = [
        str((s.get("properties") or {}).get("title") or f"Sheet{i + 1}")
        for i, s in enumerate(body.get("sheets") or [])
        if isinstance(s, dict)
    ]
    if len(set(titles)) != len(titles):
        raise GoogleError(400, "Invalid spreadsheet: sheet titles must be unique.")
    spreadsheet = state.create(
        call.email, str(properties.get("title") or "Untitled spreadsheet"), titles or None
    )
    spreadsheet.locale = str(properties.get("locale") or spreadsheet.locale)
    spreadsheet.time_zone = str(properties.get("timeZone") or spreadsheet.time_zone)
    return call.reply(render_spreadsheet(spreadsheet))


def get_spreadsheet(call: GoogleCall) -> Response:
    return call.reply(render_spreadsheet(spreadsheet_for(call)))


def _sheet(spreadsheet: Spreadsheet, sheet_id: Any) -> Sheet:
    sheet = spreadsheet.sheet_by_id(sheet_id)
    if sheet is None:
        raise RequestError(f"No grid with id: {sheet_id}")
    return sheet


def _title_free(spreadsheet: Spreadsheet, title: str, ignore: Sheet | None = None) -> None:
    if any(s.title == title and s is not ignore for s in spreadsheet.sheets):
        raise RequestError(f'A sheet with the name "{title}" already exists. Please enter another name.')


def add_sheet(spreadsheet: Spreadsheet, request: dict[str, Any]) -> dict[str, Any]:
    properties = request.get("properties") or {}
    title = str(properties.get("title") or f"Sheet{len(spreadsheet.sheets) + 1}")
    _title_free(spreadsheet, title)
    grid = properties.get("gridProperties") or {}
    sheet_id = properties.get("sheetId")
    if sheet_id is not None and spreadsheet.sheet_by_id(sheet_id) is not None:
        raise RequestError(f"Sheet with id {sheet_id} already exists.")
    sheet = Sheet(
        int(sheet_id) if sheet_id is not None else spreadsheet.new_sheet_id(),
        title,
        int(grid.get("rowCount", 1000)),
        int(grid.get("columnCount", 26)),
    )
    index = min(int(properties.get("index", len(spreadsheet.sheets))), len(spreadsheet.sheets))
    spreadsheet.sheets.insert(index, sheet)
    return {"addSheet": {"properties": sheet_properties(sheet, index)}}


def delete_sheet(spreadsheet: Spreadsheet, request: dict[str, Any]) -> dict[str, Any]:
    sheet = _sheet(spreadsheet, request.get("sheetId"))
    if len(spreadsheet.sheets) == 1:
        raise RequestError("You can't remove all the sheets in a document.")
    spreadsheet.sheets.remove(sheet)
    return {}


def duplicate_sheet(spreadsheet: Spreadsheet, request: dict[str, Any]) -> dict[str, Any]:
    source = _sheet(spreadsheet, request.get("sourceSheetId"))
    title = str(request.get("newSheetName") or f"Copy of {source.title}")
    _title_free(spreadsheet, title)
    sheet = Sheet(
        int(request["newSheetId"]) if request.get("newSheetId") is not None else spreadsheet.new_sheet_id(),
        title,
        source.rows,
        source.columns,
        copy.deepcopy(source.cells),
    )
    index = min(
        int(request.get("insertSheetIndex", spreadsheet.sheets.index(source) + 1)), len(spreadsheet.sheets)
    )
    spreadsheet.sheets.insert(index, sheet)
    return {"duplicateSheet": {"properties": sheet_properties(sheet, index)}}


def update_sheet_properties(spreadsheet: Spreadsheet, request: dict[str, Any]) -> dict[str, Any]:
    properties = request.get("properties") or {}
    fields = {f.strip() for f in str(request.get("fields") or "").split(",") if f.strip()}
    if not fields:
        raise RequestError("At least one field must be updated.")
    sheet = _sheet(spreadsheet, properties.get("sheetId"))
    if "title" in fields or "*" in fields:
        _title_free(spreadsheet, str(properties.get("title")), ignore=sheet)
        sheet.title = str(properties.get("title"))
    if ("index" in fields or "*" in fields) and properties.get("index") is not None:
        spreadsheet.sheets.remove(sheet)
        spreadsheet.sheets.insert(min(int(properties["index"]), len(spreadsheet.sheets)), sheet)
    grid = properties.get("gridProperties") or {}
    if "gridProperties.rowCount" in fields and grid.get("rowCount"):
        sheet.rows = int(grid["rowCount"])
    if "gridProperties.columnCount" in fields and grid.get("columnCount"):
        sheet.columns = int(grid["columnCount"])
    return {}


def update_spreadsheet_properties(spreadsheet: Spreadsheet, request: dict[str, Any]) -> dict[str, Any]:
    properties = request.get("properties") or {}
    fields = {f.strip() for f in str(request.get("fields") or "").split(",") if f.strip()}
    if not fields:
        raise RequestError("At least one field must be updated.")
    for name, attribute in (("title", "title"), ("locale", "locale"), ("timeZone", "time_zone")):
        if (name in fields or "*" in fields) and properties.get(name) is not None:
            setattr(spreadsheet, attribute, str(properties[name]))
    return {}


def _dimension(spreadsheet: Spreadsheet, request: dict[str, Any]) -> tuple[Sheet, str, int, int]:
    span = request.get("range") or {}
    sheet = _sheet(spreadsheet, span.get("sheetId"))
    dimension, start, end = span.get("dimension"), int(span.get("startIndex", 0)), span.get("endIndex")
    if dimension not in ("ROWS", "COLUMNS") or end is None or int(end) <= start:
        raise RequestError("Invalid range: dimension must be ROWS or COLUMNS and endIndex after startIndex.")
    return sheet, dimension, start, int(end)


def _moved(key: tuple[int, int], axis: int, at: int, by: int) -> tuple[int, int]:
    """A cell's (row, column) with coordinate `axis` (0 rows, 1 columns) moved `by` if it is `at` or past."""
    row, column = key
    if axis == 0 and row >= at:
        row += by
    elif axis == 1 and column >= at:
        column += by
    return row, column


def insert_dimension(spreadsheet: Spreadsheet, request: dict[str, Any]) -> dict[str, Any]:
    sheet, dimension, start, end = _dimension(spreadsheet, request)
    axis, count = (0 if dimension == "ROWS" else 1), end - start
    sheet.cells = {_moved(key, axis, start, count): cell for key, cell in sheet.cells.items()}
    if axis == 0:
        sheet.rows += count
    else:
        sheet.columns += count
    return {}


def delete_dimension(spreadsheet: Spreadsheet, request: dict[str, Any]) -> dict[str, Any]:
    sheet, dimension, start, end = _dimension(spreadsheet, request)
    axis, count = (0 if dimension == "ROWS" else 1), end - start
    kept: dict[tuple[int, int], Cell] = {}
    for key, cell in sheet.cells.items():
        if start <= key[axis] < end:
            continue
        kept[_moved(key, axis, end, -count)] = cell
    sheet.cells = kept
    if axis == 0:
        sheet.rows = max(1, sheet.rows - count)
    else:
        sheet.columns = max(1, sheet.columns - count)
    return {}


KINDS: dict[str, Callable[[Spreadsheet, dict[str, Any]], dict[str, Any]]] = {
    "addSheet": add_sheet,
    "deleteSheet": delete_sheet,
    "duplicateSheet": duplicate_sheet,
    "updateSheetProperties": update_sheet_properties,
    "updateSpreadsheetProperties": update_spreadsheet_properties,
    "insertDimension": insert_dimension,
    "deleteDimension": delete_dimension,
}


def batch_update(call: GoogleCall) -> Response:
    original = spreadsheet_for(call)
    requests = call.body.get("requests")
    if not isinstance(requests, list) or not requests:
        raise GoogleError(400, "Must specify at least one request.")
    working = copy.deepcopy(original)
    replies = []
    for position, request in enumerate(requests):
        kinds = [k for k, v in (request or {}).items() if v is not None] if isinstance(request, dict) else []
        if len(kinds) != 1:
            raise GoogleError(400, f"Invalid requests[{position}]: exactly one kind of request must be set.")
        kind = kinds[0]
        if kind not in KINDS:
            raise GoogleError(400, f"Invalid requests[{position}]: the emulator does not support {kind}.")
        try:
            replies.append(KINDS[kind](working, request[kind] or {}))
        except (RequestError, ValueError, TypeError) as error:
            raise GoogleError(400, f"Invalid requests[{position}].{kind}: {error}") from None
    call.state.spreadsheets[original.id] = working
    return call.reply({"spreadsheetId": original.id, "replies": replies})


def routes(api: GoogleApi) -> list[Route]:
    return [
        api.route("POST", "/v4/spreadsheets", create_spreadsheet, scopes=WRITE),
        api.route("POST", "/v4/spreadsheets/{spreadsheetId}:batchUpdate", batch_update, scopes=WRITE),
        api.route("GET", "/v4/spreadsheets/{spreadsheetId}", get_spreadsheet, scopes=READ),
    ]
