"""Events of the Calendar emulator: list (ranges, search, order, expansion, pages), get,
insert, quick add, patch, move, delete, rendered as Google's Event resource."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import secrets
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from valetkey.sandbox.apps._google import GoogleApi, GoogleCall, GoogleError, not_found, page_slice
from valetkey.sandbox.emulator import StateStore

from .state import Calendar, CalendarState, Event, now, parse_instant, parse_moment, rfc3339
from .timing import occurrences, parse_quick_add

SCOPE = "https://www.googleapis.com/auth/calendar"
READ = (SCOPE, SCOPE + ".readonly", SCOPE + ".events", SCOPE + ".events.readonly")
WRITE = (SCOPE, SCOPE + ".events")
EDITABLE = (
    "summary",
    "description",
    "location",
    "start",
    "end",
    "attendees",
    "recurrence",
    "transparency",
    "visibility",
    "colorId",
    "reminders",
)


def calendar_for(call: GoogleCall, *, write: bool = False) -> Calendar:
    """The path's calendar if it is on the caller's list (404 otherwise), with write access if asked."""
    state: CalendarState = call.state
    user = state.ensure_user(call.grant.subject)
    entry = state.entry(user, call.params["calendarId"])
    if entry is None or entry.calendar_id not in state.calendars:
        raise not_found("Not Found")
    if write and entry.role not in ("writer", "owner"):
        raise GoogleError(
            403, "You need to have writer access to this calendar.", reason="requiredAccessLevel"
        )
    return state.calendars[entry.calendar_id]


def event_for(call: GoogleCall, calendar: Calendar) -> Event:
    event = calendar.events.get(call.params["eventId"])
    if event is None:
        raise not_found("Not Found")
    return event


def render(event: Event, viewer: str) -> dict[str, Any]:
    eid = base64.urlsafe_b64encode(f"{event.id} {event.calendar_id}".encode()).decode().rstrip("=")
    body: dict[str, Any] = {
        "kind": "calendar#event",
        "etag": f'"{int(event.updated.timestamp() * 1000)}{event.sequence}"',
        "id": event.id,
        "status": event.status,
        "htmlLink": f"https://www.google.com/calendar/event?eid={eid}",
        "created": rfc3339(event.created),
        "updated": rfc3339(event.updated),
    }
    body.update({k: v for k, v in event.fields.items() if k in EDITABLE and k != "attendees"})
    body["creator"] = {"email": event.creator, **({"self": True} if event.creator == viewer else {})}
    body["organizer"] = {
        "email": event.calendar_id,
        **({"self": True} if event.calendar_id == viewer else {}),
    }
    if event.fields.get("attendees"):
        body["attendees"] = [
            {
                "email": a.get("email"),
                "responseStatus": a.get("responseStatus", "needsAction"),
                **({"organizer": True} if a.get("email") == event.calendar_id else {}),
                **({"self": True} if a.get("email") == viewer else {}),
                **({"optional": True} if a.get("optional") else {}),
            }
            for a in event.fields["attendees"]
        ]
    if event.recurring_event_id:
        body["recurringEventId"] = event.recurring_event_id
        body["originalStartTime"] = body["start"]
    body.setdefault("reminders", {"useDefault": True})
    body.update(
        iCalUID=f"{event.recurring_event_id or event.id}@google.com",
        sequence=event.sequence,
        eventType="default",
    )
    return body


def _times(fields: dict[str, Any], calendar: Calendar) -> tuple[dt.datetime, dt.datetime]:
    try:
        start, _all_day = parse_moment(fields.get("start"), calendar, "start")
        end, _ = parse_moment(fields.get("end"), calendar, "end")
    except ValueError as error:
        message = str(error) if "time" in str(error) else "Bad Request"
        raise GoogleError(
            400, message, reason="required" if message.startswith("Missing") else "badRequest"
        ) from None
    if end <= start:
        raise GoogleError(400, "The specified time range is empty.", reason="timeRangeEmpty")
    return start, end


def _check_attendees(fields: dict[str, Any]) -> None:
    attendees = fields.get("attendees")
    if attendees is None:
        return
    if not isinstance(attendees, list) or not all(
        isinstance(a, dict) and "@" in str(a.get("email", "")) for a in attendees
    ):
        raise GoogleError(400, "Invalid attendee email.", reason="invalid")


def _range_filter(call: GoogleCall) -> tuple[dt.datetime | None, dt.datetime | None]:
    bounds = []
    for name in ("timeMin", "timeMax"):
        text = call.query(name)
        try:
            bounds.append(parse_instant(text) if text else None)
        except ValueError:
            raise GoogleError(400, "Bad Request", reason="badRequest", location=name) from None
    return bounds[0], bounds[1]


def _matches(event: Event, q: str) -> bool:
    haystack = [event.fields.get(k) or "" for k in ("summary", "description", "location")]
    haystack += [a.get("email", "") for a in event.fields.get("attendees") or []] + [event.calendar_id]
    return all(any(word in h.lower() for h in haystack) for word in q.lower().split())


def expand_recurring(events: list[Event], until: dt.datetime) -> list[Event]:
    out = []
    for event in events:
        rules = event.fields.get("recurrence") or []
        if not rules:
            out.append(event)
            continue
        length = event.end - event.start
        for start in occurrences(rules, event.start, until):
            suffix = start.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
            fields = {k: v for k, v in event.fields.items() if k != "recurrence"}
            fields["start"] = {"dateTime": start.isoformat(), **_zone_of(event.fields.get("start"))}
            fields["end"] = {"dateTime": (start + length).isoformat(), **_zone_of(event.fields.get("end"))}
            out.append(
                dataclasses.replace(
                    event,
                    id=f"{event.id}_{suffix}",
                    fields=fields,
                    start=start,
                    end=start + length,
                    recurring_event_id=event.id,
                )
            )
    return out


def _zone_of(moment: Any) -> dict[str, str]:
    return {"timeZone": moment["timeZone"]} if isinstance(moment, dict) and moment.get("timeZone") else {}


#: Parameters Google refuses next to a syncToken.
NOT_WITH_SYNC = (
    "iCalUID",
    "orderBy",
    "privateExtendedProperty",
    "q",
    "sharedExtendedProperty",
    "timeMin",
    "timeMax",
    "updatedMin",
)


def sync_token(state: CalendarState, calendar: Calendar) -> str:
    raw = f"{state.sync_epoch}:{state.changes}:{calendar.id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _since(call: GoogleCall, calendar: Calendar, token: str) -> int:
    """The change number a sync token stands for; 410 ``fullSyncRequired`` for one that is unusable."""
    for name in NOT_WITH_SYNC:
        if call.query(name) is not None:
            raise GoogleError(
                400, f"Sync token cannot be used with {name}.", reason="invalidParameter", location=name
            )
    try:
        epoch, number, calendar_id = (
            base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode().split(":", 2)
        )
        since = int(number)
    except (ValueError, UnicodeDecodeError):
        since, epoch, calendar_id = -1, "", ""
    state: CalendarState = call.state
    if since < 0 or epoch != state.sync_epoch or calendar_id != calendar.id:
        raise GoogleError(
            410,
            "Sync token is no longer valid, a full sync is required.",
            reason="fullSyncRequired",
            domain="calendar",
        )
    return since


def list_events(call: GoogleCall) -> dict[str, Any]:
    calendar = calendar_for(call)
    user = call.state.ensure_user(call.grant.subject)
    token = call.query("syncToken")
    since = _since(call, calendar, token) if token is not None else None
    low, high = _range_filter(call)
    single, order = call.flag("singleEvents"), call.query("orderBy")
    if order not in (None, "startTime", "updated"):
        raise GoogleError(400, f"Invalid value for: {order} is not a valid value", location="orderBy")
    if order == "startTime" and not single:
        raise GoogleError(
            400, "The requested ordering is not available for the particular query.", reason="badRequest"
        )
    events = list(calendar.events.values())
    if single:
        events = expand_recurring(events, high or (now() + dt.timedelta(days=366)))
    if since is not None:
        # An incremental sync: what changed since the token, deletions included.
        events = [e for e in events if e.change > since]
    elif not call.flag("showDeleted"):
        events = [e for e in events if e.status != "cancelled"]
    if low is not None:
        events = [e for e in events if e.end > low]
    if high is not None:
        events = [e for e in events if e.start < high]
    if updated_min := call.query("updatedMin"):
        try:
            events = [e for e in events if e.updated >= parse_instant(updated_min)]
        except ValueError:
            raise GoogleError(400, "Bad Request", reason="badRequest", location="updatedMin") from None
    if q := call.query("q"):
        events = [e for e in events if _matches(e, q)]
    if order == "startTime":
        events.sort(key=lambda e: (e.start, e.id))
    elif order == "updated":
        events.sort(key=lambda e: (e.updated, e.id))
    items = [render(e, user) for e in events]
    if since is not None:
        items += [
            {"kind": "calendar#event", "etag": f'"{change}"', "id": event_id, "status": "cancelled"}
            for event_id, change in calendar.moved_away.items()
            if change > since
        ]
    page, next_page = page_slice(items, call.query("pageToken"), call.integer("maxResults", 250, 2500))
    body = {
        "kind": "calendar#events",
        "etag": f'"{len(calendar.events)}"',
        "summary": calendar.summary,
        "description": calendar.description or "",
        "updated": rfc3339(now()),
        "timeZone": call.query("timeZone") or calendar.time_zone,
        "accessRole": call.state.entry(user, calendar.id).role,
        "defaultReminders": [],
        "items": page,
    }
    if next_page:
        body["nextPageToken"] = next_page
    else:
        # The last page of a listing carries the token for the next incremental sync.
        body["nextSyncToken"] = sync_token(call.state, calendar)
    return body


def get_event(call: GoogleCall) -> dict[str, Any]:
    calendar = calendar_for(call)
    return render(event_for(call, calendar), call.state.ensure_user(call.grant.subject))


def insert_event(call: GoogleCall) -> dict[str, Any]:
    calendar = calendar_for(call, write=True)
    user = call.state.ensure_user(call.grant.subject)
    fields = {k: v for k, v in call.body.items() if k in EDITABLE}
    _check_attendees(fields)
    start, end = _times(fields, calendar)
    event = Event(
        call.state.new_event_id(),
        calendar.id,
        fields,
        start,
        end,
        user,
        status=call.body.get("status") or "confirmed",
    )
    calendar.events[event.id] = call.state.touch(event)
    return render(event, user)


def quick_add(call: GoogleCall) -> dict[str, Any]:
    calendar = calendar_for(call, write=True)
    user = call.state.ensure_user(call.grant.subject)
    text = call.query("text")
    if not text:
        raise GoogleError(400, "Required parameter: text", reason="required", location="text")
    parsed = parse_quick_add(text, now().astimezone(calendar.tz).date())
    if parsed.start is None:
        fields = {
            "summary": parsed.summary,
            "start": {"date": parsed.day.isoformat()},
            "end": {"date": (parsed.day + dt.timedelta(days=1)).isoformat()},
        }
    else:
        start = dt.datetime.combine(parsed.day, parsed.start, calendar.tz)
        fields = {
            "summary": parsed.summary,
            "start": {"dateTime": start.isoformat(), "timeZone": calendar.time_zone},
            "end": {"dateTime": (start + parsed.duration).isoformat(), "timeZone": calendar.time_zone},
        }
    start, end = _times(fields, calendar)
    event = Event(call.state.new_event_id(), calendar.id, fields, start, end, user)
    calendar.events[event.id] = call.state.touch(event)
    return render(event, user)


def patch_event(call: GoogleCall) -> dict[str, Any]:
    calendar = calendar_for(call, write=True)
    event = event_for(call, calendar)
    changes = call.body
    fields = {**event.fields, **{k: v for k, v in changes.items() if k in EDITABLE}}
    _check_attendees(fields)
    event.start, event.end = _times(fields, calendar)
    event.fields = fields
    if changes.get("status") in ("confirmed", "tentative", "cancelled"):
        event.status = changes["status"]
    event.sequence += 1 if {"start", "end"} & set(changes) else 0
    event.updated = now()
    call.state.touch(event)
    return render(event, call.state.ensure_user(call.grant.subject))


def move_event(call: GoogleCall) -> dict[str, Any]:
    source = calendar_for(call, write=True)
    event = event_for(call, source)
    state: CalendarState = call.state
    user = state.ensure_user(call.grant.subject)
    destination = call.query("destination")
    if not destination:
        raise GoogleError(400, "Required parameter: destination", reason="required", location="destination")
    entry = state.entry(user, destination)
    if entry is None:
        raise not_found("Not Found")
    if entry.role not in ("writer", "owner"):
        raise GoogleError(
            403, "You need to have writer access to this calendar.", reason="requiredAccessLevel"
        )
    target = state.calendars[entry.calendar_id]
    del source.events[event.id]
    event.calendar_id, event.updated = target.id, now()
    target.events[event.id] = state.touch(event)
    source.moved_away[event.id] = event.change
    target.moved_away.pop(event.id, None)
    return render(event, user)


def delete_event(call: GoogleCall) -> None:
    calendar = calendar_for(call, write=True)
    event = event_for(call, calendar)
    if event.status == "cancelled":
        raise GoogleError(410, "Resource has been deleted", reason="deleted")
    event.status, event.updated = "cancelled", now()
    call.state.touch(event)
    return None


def answering(handler: Callable[[GoogleCall], Any]) -> Callable[[GoogleCall], Response]:
    """A handler returning a body (None: 204) as one returning the response."""
    return lambda call: call.reply(handler(call))


def routes(api: GoogleApi) -> list[Route]:
    base = "/calendar/v3/calendars/{calendarId}/events"
    return [
        api.route("GET", base, answering(list_events), scopes=READ),
        api.route("POST", base, answering(insert_event), scopes=WRITE),
        api.route("POST", base + "/quickAdd", answering(quick_add), scopes=WRITE),
        api.route("GET", base + "/{eventId}", answering(get_event), scopes=READ),
        api.route("PATCH", base + "/{eventId}", answering(patch_event), scopes=WRITE),
        api.route("POST", base + "/{eventId}/move", answering(move_event), scopes=WRITE),
        api.route("DELETE", base + "/{eventId}", answering(delete_event), scopes=WRITE),
    ]


def admin_routes(store: StateStore[CalendarState]) -> list[BaseRoute]:
    async def expire(request: Request) -> Response:
        with store.transaction() as state:
            state.sync_epoch = secrets.token_hex(6)
        return JSONResponse({"expired": True})

    return [Route("/sync/expire", expire, methods=["POST"])]
