"""Every Google Sheets tool's requests against Google's Sheets v4 discovery document.

The Sheets document has no ``servicePath``: its method paths start with
``v4/``, which the toolkit's base URL (``https://sheets.googleapis.com/v4``)
holds, so static requests are compared from the host root. Negative tests
prove drift fails. Subset: ``tests/fidelity/specs/google/sheets.v4.subset.json``.
"""

from __future__ import annotations

import pytest

from tests.fidelity.checker import FidelityError, WireRequest, assert_request_valid, check_request
from tests.fidelity.support import (
    description,
    drifted,
    from_upstream,
    problems_of_sent,
    sample_arguments,
    sent_since,
    tool_by_slug,
)
from valetkey.catalog.loader import BUILTIN_DIR, load_toolkit
from valetkey.catalog.model import ParamBinding
from valetkey.execution.request import build_request

UNDESCRIBED: dict[str, str] = {}  # every Sheets tool has a described method
HOST = "https://sheets.googleapis.com"


@pytest.fixture(scope="module")
def spec():
    return description("google", "sheets.v4.subset.json")


@pytest.fixture(scope="module")
def toolkit():
    return load_toolkit(BUILTIN_DIR / "googlesheets")


def sent(tool, arguments) -> WireRequest:
    """The request `tool` sends, with its path from the host root (``/v4/spreadsheets/...``)."""
    return from_upstream(build_request(tool.operation, HOST + "/v4", arguments), HOST)


def test_every_http_tool_with_every_argument_builds_a_described_request(spec, toolkit):
    problems = []
    for tool in toolkit.tools:
        if tool.operation is None:
            continue
        for optional in (True, False):
            problems += check_request(spec, sent(tool, sample_arguments(tool, optional=optional)))
    assert not problems, "\n".join(problems)


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


# -- drift is caught ---------------------------------------------------------


def test_a_renamed_query_parameter_or_a_wrong_enum_value_fails(spec, toolkit):
    tool = tool_by_slug(toolkit, "GOOGLESHEETS_UPDATE_VALUES")
    arguments = {"spreadsheet_id": "s", "range": "A1", "values": [["x"]], "valueInputOption": "RAW"}
    wrong = drifted(
        tool,
        params=tuple(b for b in tool.operation.params if b.arg != "valueInputOption")
        + (ParamBinding("valueInputOption", "query", "input_option"),),
    )
    with pytest.raises(FidelityError, match="query parameter 'input_option' is not declared"):
        assert_request_valid(spec, sent(wrong, arguments))
    problems = check_request(spec, sent(tool, {**arguments, "valueInputOption": "PARSED"}))
    assert any("valueInputOption" in p and "is not one of" in p for p in problems), problems


def test_a_wrong_path_or_method_fails(spec, toolkit):
    tool = tool_by_slug(toolkit, "GOOGLESHEETS_APPEND_VALUES")
    arguments = {"spreadsheet_id": "s", "range": "A1", "values": [["x"]], "valueInputOption": "RAW"}
    for wrong in (
        drifted(tool, path="/spreadsheets/{spreadsheet_id}/values/{range}:appendRows"),
        drifted(tool, method="DELETE"),  # (PUT would reach values.update: a range may hold ":append")
        drifted(tool, path="/spreadsheet/{spreadsheet_id}/values/{range}:append"),
    ):
        problems = check_request(spec, sent(wrong, arguments))
        assert problems and "no operation" in problems[0], wrong.operation


def test_a_renamed_body_field_fails(spec, toolkit):
    tool = tool_by_slug(toolkit, "GOOGLESHEETS_CREATE_SPREADSHEET")
    renamed = drifted(
        tool,
        params=tuple(b for b in tool.operation.params if b.arg != "title")
        + (ParamBinding("title", "body", "properties.name"),),
    )
    problems = check_request(spec, sent(renamed, {"title": "x"}))
    assert any("body property 'properties.name' is not declared" in p for p in problems), problems

    batch = tool_by_slug(toolkit, "GOOGLESHEETS_BATCH_UPDATE_SPREADSHEET")
    wrong = drifted(
        batch,
        params=tuple(b for b in batch.operation.params if b.arg != "requests")
        + (ParamBinding("requests", "body", "changes"),),
    )
    problems = check_request(spec, sent(wrong, {"spreadsheet_id": "s", "requests": [{"addSheet": {}}]}))
    assert any("body property 'changes' is not declared" in p for p in problems), problems
    typed = check_request(
        spec, sent(batch, {"spreadsheet_id": "s", "requests": [{"deleteSheet": {"sheetId": "x"}}]})
    )
    assert any("is not of type 'integer'" in p for p in typed), typed


def test_drift_in_a_python_tools_request_fails(spec):
    good = WireRequest("GET", "/v4/spreadsheets/s1/values/Sheet1%21A%3AC")
    assert check_request(spec, good) == []
    for wrong, message in (
        (WireRequest("GET", "/v4/spreadsheets/s1/value/Sheet1%21A%3AC"), "no operation"),
        (
            WireRequest("GET", "/v4/spreadsheets/s1/values/A1", (("render", "FORMULA"),)),
            "'render' is not declared",
        ),
    ):
        problems = check_request(spec, wrong)
        assert any(message in p for p in problems), (wrong, problems)
