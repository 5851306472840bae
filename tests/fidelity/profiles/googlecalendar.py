"""Google Calendar: Google's Calendar v3 discovery document (``specs/google/calendar.v3.subset.json``)."""

from __future__ import annotations

from tests.fidelity.checker import WireRequest, check_request
from tests.fidelity.profile import Drift, Fidelity, plus, rebound, replaced
from tests.fidelity.support import description, drifted, tool_by_slug, tool_request

UNDESCRIBED: dict[str, str] = {}  # every Calendar tool has a described method


def spec():
    return description("google", "calendar.v3.subset.json")


def check(request: WireRequest) -> list[str]:
    return check_request(spec(), request)


MOVE = {"calendar_id": "primary", "event_id": "e1", "destination": "c2"}
INSERT = WireRequest(
    "POST",
    "/calendar/v3/calendars/primary/events",
    (),
    {},
    {"summary": "s", "start": {"dateTime": "2025-03-04T15:00:00", "timeZone": "UTC"}},
    "application/json",
)


def _move(toolkit, **change) -> WireRequest:
    return tool_request(drifted(tool_by_slug(toolkit, "GOOGLECALENDAR_MOVE_EVENT"), **change), MOVE)


DRIFTS = (
    Drift(
        "renamed query parameter",
        lambda tk: tool_request(
            plus(tool_by_slug(tk, "GOOGLECALENDAR_EVENTS_LIST"), "maxResults", "query", "max_results"),
            {"calendarId": "primary", "maxResults": 5},
        ),
        ("query parameter 'max_results' is not declared",),
    ),
    Drift(
        "wrong path",
        lambda tk: _move(tk, path="/calendars/{calendar_id}/events/{event_id}/relocate"),
        ("no operation",),
        first=True,
    ),
    Drift("wrong method", lambda tk: _move(tk, method="PATCH"), ("no operation",), first=True),
    Drift(
        "wrong collection name",
        lambda tk: _move(tk, path="/calendar/{calendar_id}/events/{event_id}/move"),
        ("no operation",),
        first=True,
    ),
    Drift(
        "renamed body field",
        lambda tk: tool_request(
            plus(tool_by_slug(tk, "GOOGLECALENDAR_CREATE_CALENDAR"), "summary", "body", "title"),
            {"summary": "x"},
        ),
        ("body property 'title' is not declared",),
    ),
    Drift(
        "wrong enum value",
        lambda tk: tool_request(
            tool_by_slug(tk, "GOOGLECALENDAR_EVENTS_LIST"), {"calendarId": "primary", "orderBy": "start"}
        ),
        ("orderBy", "is not one of"),
    ),
    Drift(
        "missing required query parameter",
        lambda tk: tool_request(
            rebound(tool_by_slug(tk, "GOOGLECALENDAR_MOVE_EVENT"), "destination", "query", "target"),
            {"calendar_id": "p", "event_id": "e", "destination": "c"},
        ),
        ("required query parameter 'destination' is missing",),
    ),
    Drift("python tool: the undrifted insert", lambda tk: INSERT, exact=()),
    Drift(
        "python tool: renamed body field",
        lambda tk: replaced(INSERT, body={"summary": "s", "start_time": "x"}),
        ("body property 'start_time'",),
    ),
    Drift(
        "python tool: wrong enum value",
        lambda tk: replaced(INSERT, query=(("sendUpdates", "everyone"),)),
        ("is not one of",),
    ),
    Drift(
        "python tool: undescribed method",
        lambda tk: WireRequest("POST", "/calendar/v3/freebusy", (), {}, {"timeMin": "x"}, "application/json"),
        ("no operation",),
    ),
)

FIDELITY = Fidelity("googlecalendar", check, undescribed=UNDESCRIBED, drifts=DRIFTS)
