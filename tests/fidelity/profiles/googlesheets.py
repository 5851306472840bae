"""Google Sheets: Google's Sheets v4 discovery document (``specs/google/sheets.v4.subset.json``).

The document has no ``servicePath``: its method paths start with ``v4/``,
which the toolkit's base URL (``https://sheets.googleapis.com/v4``) holds, so
requests are compared from the host root (`sent`).
"""

from __future__ import annotations

from typing import Any

from tests.fidelity.checker import WireRequest, check_request
from tests.fidelity.profile import Drift, Fidelity, rebound
from tests.fidelity.support import description, drifted, from_upstream, tool_by_slug
from valetkey.catalog.model import Tool
from valetkey.execution.request import build_request

UNDESCRIBED: dict[str, str] = {}  # every Sheets tool has a described method
HOST = "https://sheets.googleapis.com"


def spec():
    return description("google", "sheets.v4.subset.json")


def check(request: WireRequest) -> list[str]:
    return check_request(spec(), request)


def sent(tool: Tool, arguments: dict[str, Any]) -> WireRequest:
    """The request `tool` sends, with its path from the host root (``/v4/spreadsheets/...``)."""
    return from_upstream(build_request(tool.operation, HOST + "/v4", arguments), HOST)


VALUES = {"spreadsheet_id": "s", "range": "A1", "values": [["x"]], "valueInputOption": "RAW"}


def _append(toolkit, **change) -> WireRequest:
    return sent(drifted(tool_by_slug(toolkit, "GOOGLESHEETS_APPEND_VALUES"), **change), VALUES)


DRIFTS = (
    Drift(
        "renamed query parameter",
        lambda tk: sent(
            rebound(
                tool_by_slug(tk, "GOOGLESHEETS_UPDATE_VALUES"), "valueInputOption", "query", "input_option"
            ),
            VALUES,
        ),
        ("query parameter 'input_option' is not declared",),
    ),
    Drift(
        "wrong enum value",
        lambda tk: sent(
            tool_by_slug(tk, "GOOGLESHEETS_UPDATE_VALUES"), {**VALUES, "valueInputOption": "PARSED"}
        ),
        ("valueInputOption", "is not one of"),
    ),
    Drift(
        "wrong path",
        lambda tk: _append(tk, path="/spreadsheets/{spreadsheet_id}/values/{range}:appendRows"),
        ("no operation",),
        first=True,
    ),
    # (PUT would reach values.update: a range may hold ":append")
    Drift("wrong method", lambda tk: _append(tk, method="DELETE"), ("no operation",), first=True),
    Drift(
        "wrong collection name",
        lambda tk: _append(tk, path="/spreadsheet/{spreadsheet_id}/values/{range}:append"),
        ("no operation",),
        first=True,
    ),
    Drift(
        "renamed body field",
        lambda tk: sent(
            rebound(tool_by_slug(tk, "GOOGLESHEETS_CREATE_SPREADSHEET"), "title", "body", "properties.name"),
            {"title": "x"},
        ),
        ("body property 'properties.name' is not declared",),
    ),
    Drift(
        "renamed body field of a batch update",
        lambda tk: sent(
            rebound(tool_by_slug(tk, "GOOGLESHEETS_BATCH_UPDATE_SPREADSHEET"), "requests", "body", "changes"),
            {"spreadsheet_id": "s", "requests": [{"addSheet": {}}]},
        ),
        ("body property 'changes' is not declared",),
    ),
    Drift(
        "wrongly typed value inside a batch update",
        lambda tk: sent(
            tool_by_slug(tk, "GOOGLESHEETS_BATCH_UPDATE_SPREADSHEET"),
            {"spreadsheet_id": "s", "requests": [{"deleteSheet": {"sheetId": "x"}}]},
        ),
        ("is not of type 'integer'",),
    ),
    Drift(
        "python tool: the undrifted read",
        lambda tk: WireRequest("GET", "/v4/spreadsheets/s1/values/Sheet1%21A%3AC"),
        exact=(),
    ),
    Drift(
        "python tool: wrong path",
        lambda tk: WireRequest("GET", "/v4/spreadsheets/s1/value/Sheet1%21A%3AC"),
        ("no operation",),
    ),
    Drift(
        "python tool: undeclared query parameter",
        lambda tk: WireRequest("GET", "/v4/spreadsheets/s1/values/A1", (("render", "FORMULA"),)),
        ("'render' is not declared",),
    ),
)

FIDELITY = Fidelity("googlesheets", check, request=sent, undescribed=UNDESCRIBED, drifts=DRIFTS)
