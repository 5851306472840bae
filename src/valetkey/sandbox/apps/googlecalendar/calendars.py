"""Calendars of the Calendar emulator: the user's calendar list, secondary calendars, free/busy."""

from __future__ import annotations

import datetime as dt
from typing import Any

from starlette.routing import Route

from valetkey.sandbox.apps._google import GoogleApi, GoogleCall, GoogleError, not_found, page_slice

from .events import answering, expand_recurring
from .state import ROLES, Calendar, CalendarState, parse_instant

SCOPE = "https://www.googleapis.com/auth/calendar"
LIST_READ = (SCOPE, SCOPE + ".readonly", SCOPE + ".calendarlist", SCOPE + ".calendarlist.readonly")
CALENDAR_READ = (SCOPE, SCOPE + ".readonly", SCOPE + ".calendars", SCOPE + ".calendars.readonly")
CALENDAR_WRITE = (SCOPE, SCOPE + ".calendars", SCOPE + ".app.created")
FREEBUSY = (SCOPE, SCOPE + ".readonly", SCOPE + ".freebusy", SCOPE + ".events.freebusy")
COLORS = ("#9fe1e7", "#ac725e", "#d06b64", "#f83a22", "#fa573c", "#ff7537")


def render_calendar(calendar: Calendar) -> dict[str, Any]:
    body = {
        "kind": "calendar#calendar",
        "etag": f'"{abs(hash(calendar.id)) % 10**12}"',
        "id": calendar.id,
        "summary": calendar.summary,
        "timeZone": calendar.time_zone,
        "conferenceProperties": {"allowedConferenceSolutionTypes": ["hangoutsMeet"]},
    }
    if calendar.description is not None:
        body["description"] = calendar.description
    if calendar.location is not None:
        body["location"] = calendar.location
    return body


def list_calendars(call: GoogleCall) -> dict[str, Any]:
    state: CalendarState = call.state
    user = state.ensure_user(call.grant.subject)
    minimum = call.query("minAccessRole")
    if minimum is not None and minimum not in ROLES:
        raise GoogleError(400, f"Invalid value for: {minimum} is not a valid value", location="minAccessRole")
    entries = [
        e
        for e in state.lists[user].values()
        if (call.flag("showDeleted") or not e.deleted)
        and (call.flag("showHidden") or not e.hidden)
        and (minimum is None or ROLES.index(e.role) >= ROLES.index(minimum))
    ]
    page, token = page_slice(entries, call.query("pageToken"), call.integer("maxResults", 100, 250))
    items = []
    for position, entry in enumerate(page):
        calendar = state.calendars[entry.calendar_id]
        item = {
            **render_calendar(calendar),
            "kind": "calendar#calendarListEntry",
            "colorId": str(position % 24 + 1),
            "backgroundColor": COLORS[position % len(COLORS)],
            "foregroundColor": "#000000",
            "selected": True,
            "accessRole": entry.role,
            "defaultReminders": [],
            "conferenceProperties": {"allowedConferenceSolutionTypes": ["hangoutsMeet"]},
        }
        if calendar.id == user:
            item["primary"] = True
        if entry.hidden:
            item["hidden"] = True
        items.append(item)
    body = {"kind": "calendar#calendarList", "etag": f'"{len(entries)}"', "items": items}
    if token:
        body["nextPageToken"] = token
    return body


def insert_calendar(call: GoogleCall) -> dict[str, Any]:
    state: CalendarState = call.state
    user = state.ensure_user(call.grant.subject)
    body = call.body
    if not body.get("summary"):
        raise required("summary")
    calendar = state.add_calendar(
        Calendar(
            state.new_calendar_id(),
            str(body["summary"]),
            user,
            str(body.get("timeZone") or state.calendars[user].time_zone),
            body.get("description"),
            body.get("location"),
        )
    )
    return render_calendar(calendar)


def get_calendar(call: GoogleCall) -> dict[str, Any]:
    state: CalendarState = call.state
    user = state.ensure_user(call.grant.subject)
    entry = state.entry(user, call.params["calendarId"])
    if entry is None or entry.role == "freeBusyReader":
        raise not_found("Not Found")
    return render_calendar(state.calendars[entry.calendar_id])


def _utc(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def free_busy(call: GoogleCall) -> dict[str, Any]:
    """Busy ranges of each asked calendar: the caller's, or any user's primary (free/busy is public here)."""
    state: CalendarState = call.state
    user = state.ensure_user(call.grant.subject)
    body = call.body
    bounds = []
    for name in ("timeMin", "timeMax"):
        if not body.get(name):
            raise required(name)
        try:
            bounds.append(parse_instant(str(body[name])))
        except ValueError:
            raise GoogleError(400, "Bad Request", reason="badRequest", location=name) from None
    low, high = bounds
    if high <= low:
        raise GoogleError(
            400, "The specified time range is empty.", reason="timeRangeEmpty", location="timeMax"
        )
    items = body.get("items")
    if not isinstance(items, list) or not all(isinstance(i, dict) and i.get("id") for i in items):
        raise required("items")
    calendars: dict[str, Any] = {}
    for item in items:
        asked = str(item["id"])
        resolved = state.resolve(user, asked)
        calendar = state.calendars.get(resolved)
        if calendar is None or not (state.entry(user, asked) is not None or resolved in state.lists):
            calendars[asked] = {"errors": [{"domain": "global", "reason": "notFound"}], "busy": []}
            continue
        busy = sorted(
            (max(e.start, low), min(e.end, high))
            for e in _instances(calendar, high)
            if e.busy and e.end > low and e.start < high
        )
        calendars[asked] = {"busy": [{"start": _utc(s), "end": _utc(e)} for s, e in busy]}
    return {"kind": "calendar#freeBusy", "timeMin": _utc(low), "timeMax": _utc(high), "calendars": calendars}


def _instances(calendar: Calendar, until: dt.datetime) -> list[Any]:
    return expand_recurring(list(calendar.events.values()), until)


def required(name: str) -> GoogleError:
    return GoogleError(400, "Required", reason="required", location=name)


def routes(api: GoogleApi) -> list[Route]:
    return [
        api.route("GET", "/calendar/v3/users/me/calendarList", answering(list_calendars), scopes=LIST_READ),
        api.route("POST", "/calendar/v3/calendars", answering(insert_calendar), scopes=CALENDAR_WRITE),
        api.route(
            "GET", "/calendar/v3/calendars/{calendarId}", answering(get_calendar), scopes=CALENDAR_READ
        ),
        api.route("POST", "/calendar/v3/freeBusy", answering(free_busy), scopes=FREEBUSY),
    ]
