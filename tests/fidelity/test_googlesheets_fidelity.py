"""Every Google Sheets tool's requests against Google's Sheets v4 discovery document.

The Sheets document has no ``servicePath``: its method paths start with
``v4/``, which the toolkit's base URL (``https://sheets.googleapis.com/v4``)
holds, so static requests are compared from the host root. Subset: ``tests/fidelity/specs/google/sheets.v4.subset.json``.

The static check of every tool and the drift tests (negative tests proving drift fails)
are parametrized over toolkits in ``test_fidelity.py``; this toolkit's reference, request
shape and drifts are in ``profiles/googlesheets.py``.
"""

from __future__ import annotations

import pytest

from tests.fidelity.profiles.googlesheets import UNDESCRIBED
from tests.fidelity.support import (
    description,
    problems_of_sent,
    sent_since,
)
from valetkey.catalog.loader import BUILTIN_DIR, load_toolkit


@pytest.fixture(scope="module")
def spec():
    return description("google", "sheets.v4.subset.json")


@pytest.fixture(scope="module")
def toolkit():
    return load_toolkit(BUILTIN_DIR / "googlesheets")


def test_the_subset_holds_exactly_the_methods_tools_use_and_tool_scopes_are_accepted(spec, toolkit):
    used = set()
    for tool in toolkit.tools:
        if tool.operation is not None:
            found = spec.find(
                tool.operation.method, "/v4" + tool.operation.path.replace("{", "").replace("}", "")
            )
            assert found is not None, f"{tool.slug}: no method in the description"
            used.add(found[0].id)
            assert set(tool.scopes) <= set(found[0].scopes), f"{tool.slug}: scopes Sheets does not accept"
    assert {op.id for op in spec.operations} == used


def test_live_requests_of_every_tool_match_the_description(connect, spec, toolkit):
    sheets = connect("googlesheets")
    sheets.emulator.requests.clear()
    ids: dict[str, str] = {}
    calls = [
        ("GOOGLESHEETS_CREATE_SPREADSHEET", lambda: {"title": "T", "locale": "en_GB", "timeZone": "UTC"}),
        ("GOOGLESHEETS_GET_SPREADSHEET_INFO", lambda: {"spreadsheet_id": ids["id"]}),
        (
            "GOOGLESHEETS_UPDATE_VALUES",
            lambda: {
                "spreadsheet_id": ids["id"],
                "range": "Sheet1!A1",
                "values": [["k", "v"], ["a", 1], ["b", True]],
                "valueInputOption": "USER_ENTERED",
                "includeValuesInResponse": True,
            },
        ),
        (
            "GOOGLESHEETS_APPEND_VALUES",
            lambda: {
                "spreadsheet_id": ids["id"],
                "range": "Sheet1!A:B",
                "values": [["c", "3"]],
                "valueInputOption": "RAW",
                "insertDataOption": "INSERT_ROWS",
                "includeValuesInResponse": False,
            },
        ),
        (
            "GOOGLESHEETS_VALUES_GET",
            lambda: {
                "spreadsheet_id": ids["id"],
                "range": "'Sheet1'!A1:B4",
                "majorDimension": "COLUMNS",
                "valueRenderOption": "FORMULA",
            },
        ),
        (
            "GOOGLESHEETS_BATCH_GET",
            lambda: {
                "spreadsheet_id": ids["id"],
                "ranges": ["Sheet1!A:A", "B1:B2"],
                "majorDimension": "ROWS",
                "valueRenderOption": "UNFORMATTED_VALUE",
            },
        ),
        (
            "GOOGLESHEETS_LOOKUP_SPREADSHEET_ROW",
            lambda: {
                "spreadsheet_id": ids["id"],
                "query": "b",
                "column": "k",
                "match": "exact",
                "case_sensitive": True,
            },
        ),
        (
            "GOOGLESHEETS_BATCH_UPDATE_SPREADSHEET",
            lambda: {
                "spreadsheet_id": ids["id"],
                "requests": [
                    {"addSheet": {"properties": {"title": "New", "index": 1}}},
                    {"updateSpreadsheetProperties": {"properties": {"title": "T2"}, "fields": "title"}},
                    {
                        "insertDimension": {
                            "range": {"sheetId": 0, "dimension": "COLUMNS", "startIndex": 0, "endIndex": 1}
                        }
                    },
                ],
            },
        ),
        ("GOOGLESHEETS_CLEAR_VALUES", lambda: {"spreadsheet_id": ids["id"], "ranges": ["Sheet1!A1:C2"]}),
    ]
    problems, checked = [], set()
    for slug, arguments in calls:
        before = len(sheets.emulator.requests)
        data = sheets.ok(slug, arguments())
        ids.setdefault("id", data.get("spreadsheetId"))
        requests = sent_since(sheets.emulator, before)
        problems += problems_of_sent(spec, slug, requests, authorization_prefix="Bearer ya29.")
        checked.add(slug)
    assert not problems, "\n".join(problems)
    assert checked == {t.slug for t in toolkit.tools} - set(UNDESCRIBED)
