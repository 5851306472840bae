"""Every Google Calendar tool through the official SDK, a real server and the Calendar emulator.

The connected user is alice@example.com (the Google emulators' default
subject); bob@example.com has a meeting on 2025-03-03 13:00-14:00 UTC that
free/busy can see. Each test checks answers *and* the emulator's state.
"""

from __future__ import annotations

import datetime as dt

import httpx
import pytest

ALICE = "alice@example.com"
BOB = "bob@example.com"
CALENDAR = "https://www.googleapis.com/auth/calendar"


@pytest.fixture
def calendar(connect):
    return connect("googlecalendar")


def events_of(connection, calendar_id=ALICE):
    return connection.state.calendars[calendar_id].events


def test_event_lifecycle_across_calendars(calendar):
    calendars = calendar.ok("GOOGLECALENDAR_LIST_CALENDARS", {})["items"]
    assert [(c["id"], c.get("primary"), c["accessRole"]) for c in calendars] == [(ALICE, True, "owner")]
    team = calendar.ok("GOOGLECALENDAR_CREATE_CALENDAR", {"summary": "Team", "timeZone": "Europe/Paris"})
    assert (
        team["id"].endswith("@group.calendar.google.com")
        and calendar.state.calendars[team["id"]].owner == ALICE
    )
    writable = calendar.ok("GOOGLECALENDAR_LIST_CALENDARS", {"minAccessRole": "writer", "maxResults": 1})
    assert len(writable["items"]) == 1 and writable["nextPageToken"]

    created = calendar.ok(
        "GOOGLECALENDAR_CREATE_EVENT",
        {
            "summary": "Design review",
            "start_datetime": "2025-03-04T15:00:00",
            "timezone": "Europe/Paris",
            "event_duration_hour": 1,
            "event_duration_minutes": 30,
            "attendees": ["bob@example.com"],
            "location": "Room 4",
            "description": "Bring sketches",
        },
    )
    event = events_of(calendar)[created["id"]]
    assert event.start == dt.datetime(2025, 3, 4, 14, 0, tzinfo=dt.UTC)  # 15:00 Paris = 14:00 UTC
    assert event.end - event.start == dt.timedelta(minutes=90)
    assert created["attendees"] == [{"email": BOB, "responseStatus": "needsAction"}]
    assert created["organizer"] == {"email": ALICE, "self": True} and created["htmlLink"].startswith(
        "https://"
    )

    listed = calendar.ok(
        "GOOGLECALENDAR_EVENTS_LIST",
        {
            "calendarId": "primary",
            "timeMin": "2025-03-04T00:00:00Z",
            "timeMax": "2025-03-05T00:00:00Z",
            "q": "design",
        },
    )
    assert [e["id"] for e in listed["items"]] == [created["id"]] and "nextPageToken" not in listed
    outside = calendar.ok(
        "GOOGLECALENDAR_EVENTS_LIST",
        {"calendarId": "primary", "timeMin": "2025-03-04T14:30:00Z", "timeMax": "2025-03-04T14:31:00Z"},
    )
    assert len(outside["items"]) == 1  # overlaps the range
    assert calendar.ok("GOOGLECALENDAR_EVENTS_LIST", {"calendarId": "primary", "q": "retro"})["items"] == []

    fetched = calendar.ok("GOOGLECALENDAR_GET_EVENT", {"calendar_id": "primary", "event_id": created["id"]})
    assert fetched["location"] == "Room 4" and fetched["start"] == {
        "dateTime": "2025-03-04T15:00:00",
        "timeZone": "Europe/Paris",
    }
    missing = calendar.fails(
        "GOOGLECALENDAR_GET_EVENT", {"calendar_id": "primary", "event_id": "nope"}, status=404
    )
    assert '"reason": "notFound"' in missing["data"]["message"]

    patched = calendar.ok(
        "GOOGLECALENDAR_PATCH_EVENT",
        {
            "calendar_id": "primary",
            "event_id": created["id"],
            "summary": "Design review (moved)",
            "start_datetime": "2025-03-04T16:00:00Z",
            "event_duration_hour": 2,
        },
    )
    assert patched["summary"] == "Design review (moved)" and patched["location"] == "Room 4"
    assert event.start == dt.datetime(2025, 3, 4, 16, tzinfo=dt.UTC) and event.end.hour == 18
    shorter = calendar.ok(
        "GOOGLECALENDAR_PATCH_EVENT",
        {"calendar_id": "primary", "event_id": created["id"], "event_duration_minutes": 45},
    )
    assert shorter["end"]["dateTime"].startswith("2025-03-04T16:45") and event.sequence == 2

    quick = calendar.ok(
        "GOOGLECALENDAR_QUICK_ADD",
        {"calendar_id": "primary", "text": "Lunch with Ana on 2025-03-05 at 12:30pm for 45 minutes"},
    )
    assert quick["summary"] == "Lunch with Ana" and quick["start"]["dateTime"].startswith("2025-03-05T12:30")
    assert events_of(calendar)[quick["id"]].end - events_of(calendar)[quick["id"]].start == dt.timedelta(
        minutes=45
    )

    moved = calendar.ok(
        "GOOGLECALENDAR_MOVE_EVENT",
        {"calendar_id": "primary", "event_id": quick["id"], "destination": team["id"]},
    )
    assert moved["organizer"]["email"] == team["id"]
    assert quick["id"] in events_of(calendar, team["id"]) and quick["id"] not in events_of(calendar)
    calendar.fails(
        "GOOGLECALENDAR_MOVE_EVENT",
        {
            "calendar_id": team["id"],
            "event_id": quick["id"],
            "destination": "someone-else@group.calendar.google.com",
        },
        status=404,
    )

    calendar.ok("GOOGLECALENDAR_DELETE_EVENT", {"calendar_id": team["id"], "event_id": quick["id"]})
    assert events_of(calendar, team["id"])[quick["id"]].status == "cancelled"
    assert calendar.ok("GOOGLECALENDAR_EVENTS_LIST", {"calendarId": team["id"]})["items"] == []
    shown = calendar.ok("GOOGLECALENDAR_EVENTS_LIST", {"calendarId": team["id"], "showDeleted": True})[
        "items"
    ]
    assert [e["status"] for e in shown] == ["cancelled"]
    calendar.fails(
        "GOOGLECALENDAR_DELETE_EVENT", {"calendar_id": team["id"], "event_id": quick["id"]}, status=410
    )


def test_all_day_and_recurring_events_page_in_start_order(calendar):
    day = calendar.ok("GOOGLECALENDAR_CREATE_EVENT", {"summary": "Offsite", "start_datetime": "2025-04-10"})
    assert day["start"] == {"date": "2025-04-10"} and day["end"] == {"date": "2025-04-11"}
    weekly = calendar.ok(
        "GOOGLECALENDAR_CREATE_EVENT",
        {
            "summary": "Standup",
            "start_datetime": "2025-04-01T09:00:00Z",
            "end_datetime": "2025-04-01T09:15:00Z",
            "recurrence": ["RRULE:FREQ=WEEKLY;COUNT=3"],
        },
    )
    arguments = {
        "calendarId": "primary",
        "singleEvents": True,
        "orderBy": "startTime",
        "maxResults": 2,
        "timeMin": "2025-03-31T00:00:00Z",
        "timeMax": "2025-05-01T00:00:00Z",
    }
    first = calendar.ok("GOOGLECALENDAR_EVENTS_LIST", arguments)
    assert [e["start"].get("dateTime", e["start"].get("date"))[:10] for e in first["items"]] == [
        "2025-04-01",
        "2025-04-08",
    ]
    assert all(e["recurringEventId"] == weekly["id"] for e in first["items"])
    second = calendar.ok("GOOGLECALENDAR_EVENTS_LIST", {**arguments, "pageToken": first["nextPageToken"]})
    assert [e["summary"] for e in second["items"]] == ["Offsite", "Standup"] and "nextPageToken" not in second
    unordered = calendar.fails(
        "GOOGLECALENDAR_EVENTS_LIST", {"calendarId": "primary", "orderBy": "startTime"}, status=400
    )
    assert "ordering is not available" in unordered["error"]


def test_free_busy_sees_new_events_and_free_slots_are_the_gaps(calendar):
    calendar.ok(
        "GOOGLECALENDAR_CREATE_EVENT",
        {
            "summary": "Focus",
            "start_datetime": "2025-03-03T10:00:00Z",
            "end_datetime": "2025-03-03T11:00:00Z",
        },
    )
    calendar.ok(
        "GOOGLECALENDAR_CREATE_EVENT",
        {"summary": "Optional talk", "start_datetime": "2025-03-03T11:00:00Z", "transparency": "transparent"},
    )
    window = {"timeMin": "2025-03-03T09:00:00Z", "timeMax": "2025-03-03T15:00:00Z"}
    busy = calendar.ok(
        "GOOGLECALENDAR_FREE_BUSY_QUERY",
        {**window, "items": [{"id": "primary"}, {"id": BOB}, {"id": "ghost@example.com"}]},
    )
    assert busy["calendars"]["primary"]["busy"] == [
        {"start": "2025-03-03T10:00:00Z", "end": "2025-03-03T11:00:00Z"}
    ]
    assert busy["calendars"][BOB]["busy"] == [
        {"start": "2025-03-03T13:00:00Z", "end": "2025-03-03T14:00:00Z"}
    ]
    assert busy["calendars"]["ghost@example.com"]["errors"] == [{"domain": "global", "reason": "notFound"}]

    slots = calendar.ok(
        "GOOGLECALENDAR_FIND_FREE_SLOTS",
        {"items": ["primary", BOB], "time_min": window["timeMin"], "time_max": window["timeMax"]},
    )
    assert [(s["start"][11:16], s["end"][11:16]) for s in slots["free_slots"]] == [
        ("09:00", "10:00"),
        ("11:00", "13:00"),
        ("14:00", "15:00"),
    ]
    long_enough = calendar.ok(
        "GOOGLECALENDAR_FIND_FREE_SLOTS",
        {
            "items": ["primary", BOB],
            "min_duration_minutes": 90,
            "time_min": window["timeMin"],
            "time_max": window["timeMax"],
        },
    )
    assert [(s["start"][11:16], s["duration_minutes"]) for s in long_enough["free_slots"]] == [("11:00", 120)]


def test_scopes_and_tokens_are_enforced_like_google(connect, sandbox):
    reader = connect("googlecalendar", scopes=[CALENDAR + ".readonly"])
    assert reader.ok("GOOGLECALENDAR_EVENTS_LIST", {"calendarId": "primary"})["items"] == []
    refused = reader.fails(
        "GOOGLECALENDAR_CREATE_EVENT", {"start_datetime": "2025-03-03T10:00:00Z"}, status=403
    )
    assert "insufficient authentication scopes" in refused["error"]
    answer = httpx.get(
        f"{sandbox.url}/googlecalendar/calendar/v3/users/me/calendarList",
        headers={"Authorization": "Bearer ya29.bogus"},
    )
    assert answer.status_code == 401 and answer.json()["error"]["status"] == "UNAUTHENTICATED"
    assert "invalid_token" in answer.headers["www-authenticate"]


def test_malformed_event_times_are_google_400s(calendar, sandbox):
    token = calendar.emulator.issue_token(ALICE, (CALENDAR,))
    answer = httpx.post(
        f"{sandbox.url}/googlecalendar/calendar/v3/calendars/primary/events",
        headers={"Authorization": f"Bearer {token}"},
        json={"summary": "x", "start": {"dateTime": "not a time"}, "end": {"dateTime": "nope"}},
    )
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["code"] == 400
