"""Every Google Sheets tool through the official SDK, a real server and the Sheets emulator."""

from __future__ import annotations

import pytest


@pytest.fixture
def sheets(connect):
    return connect("googlesheets")


def cells(connection, spreadsheet_id, title="Sheet1"):
    """The sheet's cells as {A1: value} for compact assertions."""
    from valetkey.sandbox.apps.googlesheets.a1 import column_letters

    sheet = connection.state.spreadsheets[spreadsheet_id].sheet(title)
    return {f"{column_letters(c)}{r + 1}": cell.value for (r, c), cell in sorted(sheet.cells.items())}


def test_write_append_read_back_and_clear(sheets):
    created = sheets.ok("GOOGLESHEETS_CREATE_SPREADSHEET", {"title": "Scores", "timeZone": "Europe/Paris"})
    sid = created["spreadsheetId"]
    assert (
        created["properties"]["title"] == "Scores" and created["sheets"][0]["properties"]["title"] == "Sheet1"
    )
    assert sheets.state.spreadsheets[sid].time_zone == "Europe/Paris"

    written = sheets.ok(
        "GOOGLESHEETS_UPDATE_VALUES",
        {
            "spreadsheet_id": sid,
            "range": "Sheet1!A1",
            "valueInputOption": "USER_ENTERED",
            "values": [["Name", "Score", "Joined"], ["Ana", "42", "TRUE"], ["Bo", 7.5, "'007"]],
        },
    )
    assert written["updatedRange"] == "Sheet1!A1:C3" and written["updatedCells"] == 9
    assert cells(sheets, sid) == {
        "A1": "Name",
        "B1": "Score",
        "C1": "Joined",
        "A2": "Ana",
        "B2": 42.0,
        "C2": True,
        "A3": "Bo",
        "B3": 7.5,
        "C3": "007",
    }
    raw = sheets.ok(
        "GOOGLESHEETS_UPDATE_VALUES",
        {
            "spreadsheet_id": sid,
            "range": "Sheet1!E1:E1",
            "valueInputOption": "RAW",
            "values": [["42"]],
            "includeValuesInResponse": True,
        },
    )
    assert cells(sheets, sid)["E1"] == "42" and raw["updatedData"]["values"] == [["42"]]
    too_big = sheets.fails(
        "GOOGLESHEETS_UPDATE_VALUES",
        {"spreadsheet_id": sid, "range": "Sheet1!E1:E2", "valueInputOption": "RAW", "values": [["a", "b"]]},
        status=400,
    )
    assert "tried writing to column [F]" in too_big["error"]

    appended = sheets.ok(
        "GOOGLESHEETS_APPEND_VALUES",
        {
            "spreadsheet_id": sid,
            "range": "Sheet1!A:C",
            "valueInputOption": "USER_ENTERED",
            "values": [["Cy", "13", "FALSE"], ["Di", "1,234.5", ""]],
        },
    )
    assert appended["tableRange"] == "Sheet1!A1:C3" and appended["updates"]["updatedRange"] == "Sheet1!A4:C5"
    read = sheets.ok("GOOGLESHEETS_VALUES_GET", {"spreadsheet_id": sid, "range": "Sheet1!A1:C10"})
    assert read["range"] == "Sheet1!A1:C10"
    assert read["values"] == [
        ["Name", "Score", "Joined"],
        ["Ana", "42", "TRUE"],
        ["Bo", "7.5", "007"],
        ["Cy", "13", "FALSE"],
        ["Di", "1234.5"],
    ]
    typed = sheets.ok(
        "GOOGLESHEETS_BATCH_GET",
        {
            "spreadsheet_id": sid,
            "ranges": ["B2:B5", "Sheet1!A:A", "Sheet1!Z1"],
            "valueRenderOption": "UNFORMATTED_VALUE",
            "majorDimension": "COLUMNS",
        },
    )
    first, names, empty = typed["valueRanges"]
    assert first["values"] == [[42, 7.5, 13, 1234.5]] and names["values"] == [
        ["Name", "Ana", "Bo", "Cy", "Di"]
    ]
    assert empty == {"range": "Sheet1!Z1", "majorDimension": "COLUMNS"}
    sheets.fails("GOOGLESHEETS_VALUES_GET", {"spreadsheet_id": sid, "range": "Nope!A1"}, status=400)
    sheets.fails("GOOGLESHEETS_VALUES_GET", {"spreadsheet_id": "missing", "range": "A1"}, status=404)

    found = sheets.ok(
        "GOOGLESHEETS_LOOKUP_SPREADSHEET_ROW",
        {"spreadsheet_id": sid, "query": "cy", "column": "Name", "range": "Sheet1!A:C"},
    )
    assert found == {
        "found": True,
        "row_number": 4,
        "values": ["Cy", "13", "FALSE"],
        "record": {"Name": "Cy", "Score": "13", "Joined": "FALSE"},
        "range": "Sheet1!4:4",
    }
    by_letter = sheets.ok(
        "GOOGLESHEETS_LOOKUP_SPREADSHEET_ROW",
        {"spreadsheet_id": sid, "query": "1234", "column": "B", "match": "contains"},
    )
    assert by_letter["row_number"] == 5
    assert sheets.ok("GOOGLESHEETS_LOOKUP_SPREADSHEET_ROW", {"spreadsheet_id": sid, "query": "Zed"}) == {
        "found": False
    }

    cleared = sheets.ok("GOOGLESHEETS_CLEAR_VALUES", {"spreadsheet_id": sid, "ranges": ["Sheet1!A4:C"]})
    assert cleared["clearedRanges"] == ["Sheet1!A4:C1000"]
    assert "A4" not in cells(sheets, sid) and "A3" in cells(sheets, sid)


def test_sheets_are_added_renamed_copied_and_deleted_all_or_nothing(sheets):
    sid = sheets.ok("GOOGLESHEETS_CREATE_SPREADSHEET", {"title": "Plan"})["spreadsheetId"]
    sheets.ok(
        "GOOGLESHEETS_UPDATE_VALUES",
        {"spreadsheet_id": sid, "range": "A1", "valueInputOption": "RAW", "values": [["a"], ["b"], ["c"]]},
    )
    answer = sheets.ok(
        "GOOGLESHEETS_BATCH_UPDATE_SPREADSHEET",
        {
            "spreadsheet_id": sid,
            "requests": [
                {"addSheet": {"properties": {"title": "Q3"}}},
                {"duplicateSheet": {"sourceSheetId": 0, "newSheetName": "Backup"}},
                {"updateSpreadsheetProperties": {"properties": {"title": "Plan 2025"}, "fields": "title"}},
                {
                    "deleteDimension": {
                        "range": {"sheetId": 0, "dimension": "ROWS", "startIndex": 0, "endIndex": 1}
                    }
                },
            ],
        },
    )
    q3 = answer["replies"][0]["addSheet"]["properties"]
    backup = answer["replies"][1]["duplicateSheet"]["properties"]
    assert answer["replies"][2:] == [{}, {}]
    info = sheets.ok("GOOGLESHEETS_GET_SPREADSHEET_INFO", {"spreadsheet_id": sid})
    assert info["properties"]["title"] == "Plan 2025"
    assert [s["properties"]["title"] for s in info["sheets"]] == ["Sheet1", "Backup", "Q3"]
    assert cells(sheets, sid) == {"A1": "b", "A2": "c"} and cells(sheets, sid, "Backup") == {
        "A1": "a",
        "A2": "b",
        "A3": "c",
    }

    sheets.ok(
        "GOOGLESHEETS_APPEND_VALUES",
        {
            "spreadsheet_id": sid,
            "range": "Sheet1",
            "valueInputOption": "RAW",
            "insertDataOption": "INSERT_ROWS",
            "values": [["d"]],
        },
    )
    assert cells(sheets, sid) == {"A1": "b", "A2": "c", "A3": "d"}

    failed = sheets.fails(
        "GOOGLESHEETS_BATCH_UPDATE_SPREADSHEET",
        {
            "spreadsheet_id": sid,
            "requests": [
                {
                    "updateSheetProperties": {
                        "properties": {"sheetId": q3["sheetId"], "title": "Renamed"},
                        "fields": "title",
                    }
                },
                {"deleteSheet": {"sheetId": 424242}},
            ],
        },
        status=400,
    )
    assert "requests[1].deleteSheet: No grid with id: 424242" in failed["error"]
    titles = [s.title for s in sheets.state.spreadsheets[sid].sheets]
    assert titles == ["Sheet1", "Backup", "Q3"]  # the rename did not happen either
    sheets.ok(
        "GOOGLESHEETS_BATCH_UPDATE_SPREADSHEET",
        {
            "spreadsheet_id": sid,
            "requests": [
                {
                    "updateSheetProperties": {
                        "properties": {"sheetId": q3["sheetId"], "title": "Renamed"},
                        "fields": "title",
                    }
                },
                {"deleteSheet": {"sheetId": backup["sheetId"]}},
            ],
        },
    )
    assert [s.title for s in sheets.state.spreadsheets[sid].sheets] == ["Sheet1", "Renamed"]


def test_a_read_only_token_cannot_write(connect):
    reader = connect("googlesheets", scopes=["https://www.googleapis.com/auth/spreadsheets.readonly"])
    denied = reader.fails("GOOGLESHEETS_CREATE_SPREADSHEET", {"title": "x"}, status=403)
    assert "insufficient authentication scopes" in denied["error"]
