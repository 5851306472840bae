"""Cell values of the Sheets emulator: get, batchGet, update, append, batchClear.

Reads trim trailing empty rows and columns and leave out ``values`` when
nothing is there, as the API does. Writes start at the range's top-left cell,
refuse data that does not fit a bounded range, and grow the grid when they
run past it. Append looks for the table in the range (the last row with data
in its columns) and writes below it; INSERT_ROWS shifts the rows underneath.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from valetkey.sandbox.apps._google import GoogleApi, GoogleCall, GoogleError

from .a1 import GridRange, RangeError, column_letters, format_range
from .state import Sheet, SheetsState, Spreadsheet, enter, render

SCOPE = "https://www.googleapis.com/auth/"
READ = tuple(
    SCOPE + s for s in ("spreadsheets", "spreadsheets.readonly", "drive", "drive.readonly", "drive.file")
)
WRITE = tuple(SCOPE + s for s in ("spreadsheets", "drive", "drive.file"))
INPUT_OPTIONS = ("RAW", "USER_ENTERED")
RENDER_OPTIONS = ("FORMATTED_VALUE", "UNFORMATTED_VALUE", "FORMULA")


def spreadsheet_for(call: GoogleCall) -> Spreadsheet:
    state: SheetsState = call.state
    spreadsheet = state.spreadsheets.get(call.params["spreadsheetId"])
    if spreadsheet is None or spreadsheet.owner != call.email:
        raise GoogleError(404, "Requested entity was not found.")
    return spreadsheet


def locate(spreadsheet: Spreadsheet, text: str) -> tuple[Sheet, GridRange]:
    try:
        return spreadsheet.locate(text)
    except RangeError:
        raise GoogleError(400, f"Unable to parse range: {text}") from None


def bounded(sheet: Sheet, bounds: GridRange) -> tuple[tuple[int, int], tuple[int, int]]:
    """Rows and columns (start, end) of a range, open ends closed by the grid's size."""
    rows = (bounds.row_start or 0, bounds.row_end if bounds.row_end is not None else sheet.rows)
    cols = (bounds.col_start or 0, bounds.col_end if bounds.col_end is not None else sheet.columns)
    return rows, cols


def read(sheet: Sheet, bounds: GridRange, major: str, option: str) -> tuple[str, list[list[Any]]]:
    rows, cols = bounded(sheet, bounds)
    grid = [[sheet.cells.get((r, c)) for c in range(*cols)] for r in range(*rows)]
    if major == "COLUMNS":
        grid = [list(column) for column in zip(*grid, strict=False)] if grid else []
    values = [[render(cell, option) if cell else "" for cell in line] for line in grid]
    for line in values:
        while line and line[-1] == "":
            line.pop()
    while values and not values[-1]:
        values.pop()
    return format_range(
        sheet.title, (rows[0], min(rows[1], sheet.rows)), (cols[0], min(cols[1], sheet.columns))
    ), values


def value_range(spreadsheet: Spreadsheet, text: str, call: GoogleCall) -> dict[str, Any]:
    major = call.query("majorDimension") or "ROWS"
    option = call.query("valueRenderOption") or "FORMATTED_VALUE"
    if major not in ("ROWS", "COLUMNS") or option not in RENDER_OPTIONS:
        raise GoogleError(400, "Invalid value for majorDimension or valueRenderOption")
    sheet, bounds = locate(spreadsheet, text)
    name, values = read(sheet, bounds, major, option)
    body: dict[str, Any] = {"range": name, "majorDimension": major}
    if values:
        body["values"] = values
    return body


def get_values(call: GoogleCall) -> Response:
    return call.reply(value_range(spreadsheet_for(call), call.params["range"], call))


def batch_get(call: GoogleCall) -> Response:
    spreadsheet = spreadsheet_for(call)
    ranges = call.query_list("ranges")
    return call.reply(
        {
            "spreadsheetId": spreadsheet.id,
            "valueRanges": [value_range(spreadsheet, text, call) for text in ranges],
        }
    )


def _input_option(call: GoogleCall) -> str:
    option = call.query("valueInputOption")
    if option is None:
        raise GoogleError(400, "'valueInputOption' is required but not specified")
    if option not in INPUT_OPTIONS:
        raise GoogleError(
            400,
            f"Invalid value at 'value_input_option' (type.googleapis.com/"
            f'google.apps.sheets.v4.ValueInputOption), "{option}"',
        )
    return option


def _rows(call: GoogleCall) -> list[list[Any]]:
    values = call.body.get("values") or []
    if not isinstance(values, list) or not all(isinstance(row, list) for row in values):
        raise GoogleError(400, "Invalid JSON payload received. 'values' must be a list of lists.")
    if call.body.get("majorDimension") == "COLUMNS":
        width = max((len(row) for row in values), default=0)
        values = [[col[r] if r < len(col) else None for col in values] for r in range(width)]
    return values


def write(
    sheet: Sheet,
    top: int,
    left: int,
    values: list[list[Any]],
    option: str,
    limit: tuple[int | None, int | None] = (None, None),
) -> dict[str, Any]:
    height, width = len(values), max((len(row) for row in values), default=0)
    if limit[0] is not None and top + height > limit[0]:
        raise GoogleError(
            400,
            f"Requested writing within range [{format_range(sheet.title, (top, limit[0]), (left, left + max(width, 1)))}], "
            f"but tried writing to row [{top + height}]",
        )
    if limit[1] is not None and left + width > limit[1]:
        raise GoogleError(
            400,
            f"Requested writing within range, but tried writing to column "
            f"[{column_letters(left + width - 1)}]",
        )
    for r, row in enumerate(values):
        for c, raw in enumerate(row):
            if raw is None:
                continue
            cell = enter(raw, option)
            if cell.entered == "":
                sheet.cells.pop((top + r, left + c), None)
            else:
                sheet.cells[(top + r, left + c)] = cell
    sheet.rows, sheet.columns = max(sheet.rows, top + height), max(sheet.columns, left + width)
    cells = sum(len(row) for row in values)
    if not cells:
        return {"updatedCells": 0}
    return {
        "updatedRange": format_range(sheet.title, (top, top + height), (left, left + width)),
        "updatedRows": height,
        "updatedColumns": width,
        "updatedCells": cells,
    }


def update_values(call: GoogleCall) -> Response:
    spreadsheet = spreadsheet_for(call)
    option = _input_option(call)
    sheet, bounds = locate(spreadsheet, call.params["range"])
    rows = _rows(call)
    single_cell = (
        bounds.row_end == (bounds.row_start or 0) + 1 and bounds.col_end == (bounds.col_start or 0) + 1
    )
    limit = (
        (None, None) if single_cell else (bounds.row_end, bounds.col_end)
    )  # one cell only anchors the data
    result = write(sheet, bounds.row_start or 0, bounds.col_start or 0, rows, option, limit)
    body = {"spreadsheetId": spreadsheet.id, **result}
    if call.flag("includeValuesInResponse") and "updatedRange" in result:
        body["updatedData"] = value_range(spreadsheet, result["updatedRange"], call)
    return call.reply(body)


def append_values(call: GoogleCall) -> Response:
    spreadsheet = spreadsheet_for(call)
    option = _input_option(call)
    insert = call.query("insertDataOption") or "OVERWRITE"
    if insert not in ("OVERWRITE", "INSERT_ROWS"):
        raise GoogleError(400, f"Invalid value at 'insert_data_option', \"{insert}\"")
    sheet, bounds = locate(spreadsheet, call.params["range"])
    rows = _rows(call)
    (top, _), (left, right) = bounded(sheet, bounds)
    right = max(right if bounds.col_end is not None else sheet.used_columns(), left + 1)
    filled = [r for (r, c) in sheet.cells if r >= top and left <= c < right]
    end = max(filled) + 1 if filled else top
    table_start = min(filled) if filled else top
    if insert == "INSERT_ROWS" and rows:
        moved = {(r + len(rows) if r >= end else r, c): cell for (r, c), cell in sheet.cells.items()}
        sheet.cells = moved
        sheet.rows += len(rows)
    result = write(sheet, end, left, rows, option)
    body: dict[str, Any] = {
        "spreadsheetId": spreadsheet.id,
        "updates": {"spreadsheetId": spreadsheet.id, **result},
    }
    if filled:
        body["tableRange"] = format_range(sheet.title, (table_start, end), (left, right))
    if call.flag("includeValuesInResponse") and "updatedRange" in result:
        body["updates"]["updatedData"] = value_range(spreadsheet, result["updatedRange"], call)
    return call.reply(body)


def batch_clear(call: GoogleCall) -> Response:
    spreadsheet = spreadsheet_for(call)
    ranges = call.body.get("ranges")
    if not isinstance(ranges, list) or not ranges:
        raise GoogleError(400, "Invalid JSON payload received. 'ranges' must list at least one range.")
    cleared = []
    for text in ranges:
        sheet, bounds = locate(spreadsheet, str(text))
        rows, cols = bounded(sheet, bounds)
        for key in [k for k in sheet.cells if rows[0] <= k[0] < rows[1] and cols[0] <= k[1] < cols[1]]:
            del sheet.cells[key]
        cleared.append(
            format_range(
                sheet.title, (rows[0], min(rows[1], sheet.rows)), (cols[0], min(cols[1], sheet.columns))
            )
        )
    return call.reply({"spreadsheetId": spreadsheet.id, "clearedRanges": cleared})


def routes(api: GoogleApi) -> list[Route]:
    base = "/v4/spreadsheets/{spreadsheetId}/values"
    return [
        api.route("GET", base + ":batchGet", batch_get, scopes=READ),
        api.route("POST", base + ":batchClear", batch_clear, scopes=WRITE),
        api.route("POST", base + "/{range}:append", append_values, scopes=WRITE),
        api.route("GET", base + "/{range}", get_values, scopes=READ),
        api.route("PUT", base + "/{range}", update_values, scopes=WRITE),
    ]
