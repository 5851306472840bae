"""Every Google Calendar tool's requests against Google's Calendar v3 discovery document.

Statically, the request the executor builds for each HTTP tool (every argument
set, then only the required ones); live, every request the Calendar emulator
received while each tool, Python ones included, ran through the SDK and a real
server. Subset: ``tests/fidelity/specs/google/calendar.v3.subset.json``.

The static check of every tool and the drift tests (negative tests proving drift fails)
are parametrized over toolkits in ``test_fidelity.py``; this toolkit's reference, request
shape and drifts are in ``profiles/googlecalendar.py``.
"""

from __future__ import annotations

import pytest

from tests.fidelity.profiles.googlecalendar import UNDESCRIBED
from tests.fidelity.support import (
    description,
    problems_of_sent,
    sent_since,
)
from valetkey.catalog.loader import BUILTIN_DIR, load_toolkit

#: Methods only Python tools call (besides methods HTTP tools call too).
PYTHON_ONLY = {"calendar.events.insert", "calendar.events.patch"}


@pytest.fixture(scope="module")
def spec():
    return description("google", "calendar.v3.subset.json")


@pytest.fixture(scope="module")
def toolkit():
    return load_toolkit(BUILTIN_DIR / "googlecalendar")


def test_the_subset_holds_exactly_the_methods_tools_use_and_tool_scopes_are_accepted(spec, toolkit):
    used = set()
    for tool in toolkit.tools:
        if tool.operation is not None:
            found = spec.find(tool.operation.method, tool.operation.path.replace("{", "").replace("}", ""))
            assert found is not None, f"{tool.slug}: no method in the description"
            used.add(found[0].id)
            assert set(tool.scopes) <= set(found[0].scopes), f"{tool.slug}: scopes Calendar does not accept"
    assert {op.id for op in spec.operations} == used | PYTHON_ONLY


def live_calls(calendar):
    created: dict[str, str] = {}
    team: dict[str, str] = {}

    def remember(store, key):
        return lambda data: store.__setitem__(key, data["id"])

    return [
        (
            "GOOGLECALENDAR_LIST_CALENDARS",
            lambda: {"maxResults": 10, "minAccessRole": "reader", "showHidden": True, "showDeleted": False},
            None,
        ),
        (
            "GOOGLECALENDAR_CREATE_CALENDAR",
            lambda: {"summary": "Team", "description": "d", "timeZone": "UTC", "location": "HQ"},
            remember(team, "id"),
        ),
        (
            "GOOGLECALENDAR_CREATE_EVENT",
            lambda: {
                "summary": "Review",
                "start_datetime": "2025-03-04T15:00:00",
                "timezone": "Europe/Paris",
                "event_duration_hour": 1,
                "attendees": ["bob@example.com"],
                "description": "d",
                "location": "l",
                "recurrence": ["RRULE:FREQ=DAILY;COUNT=2"],
                "send_updates": "all",
                "transparency": "opaque",
                "visibility": "private",
            },
            remember(created, "id"),
        ),
        (
            "GOOGLECALENDAR_EVENTS_LIST",
            lambda: {
                "calendarId": "primary",
                "timeMin": "2025-03-01T00:00:00Z",
                "timeMax": "2025-04-01T00:00:00Z",
                "q": "review",
                "singleEvents": True,
                "orderBy": "startTime",
                "maxResults": 5,
                "showDeleted": False,
                "timeZone": "UTC",
                "updatedMin": "2020-01-01T00:00:00Z",
            },
            None,
        ),
        (
            "GOOGLECALENDAR_GET_EVENT",
            lambda: {"calendar_id": "primary", "event_id": created["id"], "timeZone": "UTC"},
            None,
        ),
        (
            "GOOGLECALENDAR_PATCH_EVENT",
            lambda: {
                "calendar_id": "primary",
                "event_id": created["id"],
                "event_duration_minutes": 45,
                "summary": "Review 2",
                "status": "tentative",
                "send_updates": "none",
            },
            None,
        ),
        (
            "GOOGLECALENDAR_QUICK_ADD",
            lambda: {"calendar_id": "primary", "text": "Lunch tomorrow at noon", "send_updates": "none"},
            None,
        ),
        (
            "GOOGLECALENDAR_FREE_BUSY_QUERY",
            lambda: {
                "timeMin": "2025-03-04T00:00:00Z",
                "timeMax": "2025-03-05T00:00:00Z",
                "timeZone": "UTC",
                "items": [{"id": "primary"}],
            },
            None,
        ),
        (
            "GOOGLECALENDAR_FIND_FREE_SLOTS",
            lambda: {
                "items": ["primary", "bob@example.com"],
                "timezone": "UTC",
                "time_min": "2025-03-04T08:00:00Z",
                "time_max": "2025-03-04T18:00:00Z",
                "min_duration_minutes": 30,
            },
            None,
        ),
        (
            "GOOGLECALENDAR_MOVE_EVENT",
            lambda: {
                "calendar_id": "primary",
                "event_id": created["id"],
                "destination": team["id"],
                "send_updates": "none",
            },
            None,
        ),
        (
            "GOOGLECALENDAR_DELETE_EVENT",
            lambda: {"calendar_id": team["id"], "event_id": created["id"], "send_updates": "all"},
            None,
        ),
    ]


def test_live_requests_of_every_tool_match_the_description(connect, spec, toolkit):
    calendar = connect("googlecalendar")
    calendar.emulator.requests.clear()
    problems, checked = [], set()
    for slug, arguments, after in live_calls(calendar):
        before = len(calendar.emulator.requests)
        data = calendar.ok(slug, arguments())
        if after:
            after(data)
        sent = sent_since(calendar.emulator, before)
        problems += problems_of_sent(spec, slug, sent, authorization_prefix="Bearer ya29.")
        checked.add(slug)
    assert not problems, "\n".join(problems)
    assert checked == {t.slug for t in toolkit.tools} - set(UNDESCRIBED)
