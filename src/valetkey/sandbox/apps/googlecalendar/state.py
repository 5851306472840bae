"""The Google Calendar emulator's data: calendars, who has them on their list, events.

Times are kept as aware datetimes (`Event.start`/`end`) next to the JSON the
client sent (`Event.fields`), so range filters and free/busy compare instants
while answers echo what was written. Users appear on first use: any token
subject becomes an account with a primary calendar whose id is the user's
email, as on Google.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from valetkey.sandbox.apps._google import google_email

ROLES = ("freeBusyReader", "reader", "writer", "owner")


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def rfc3339(value: dt.datetime) -> str:
    """UTC with millisecond precision, the way Google writes `created` and `updated`."""
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def zone(name: str | None) -> dt.tzinfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


@dataclass
class Event:
    id: str
    calendar_id: str
    fields: dict[str, Any]
    start: dt.datetime
    end: dt.datetime
    creator: str
    created: dt.datetime = field(default_factory=now)
    updated: dt.datetime = field(default_factory=now)
    status: str = "confirmed"
    sequence: int = 0
    # The calendar-wide change number of the event's last change (what sync tokens compare).
    change: int = 0
    # Set on generated occurrences of a recurring event.
    recurring_event_id: str | None = None

    @property
    def busy(self) -> bool:
        return self.status != "cancelled" and self.fields.get("transparency", "opaque") == "opaque"


@dataclass
class Calendar:
    id: str
    summary: str
    owner: str
    time_zone: str = "UTC"
    description: str | None = None
    location: str | None = None
    events: dict[str, Event] = field(default_factory=dict)
    # Events moved to another calendar: id -> change number; incremental syncs show them cancelled.
    moved_away: dict[str, int] = field(default_factory=dict)

    @property
    def tz(self) -> dt.tzinfo:
        return zone(self.time_zone) or dt.UTC


@dataclass
class ListEntry:
    calendar_id: str
    role: str
    hidden: bool = False
    deleted: bool = False


@dataclass
class CalendarState:
    calendars: dict[str, Calendar] = field(default_factory=dict)
    # user email -> their calendar list, in insertion order.
    lists: dict[str, dict[str, ListEntry]] = field(default_factory=dict)
    # Change numbers for sync tokens; tokens of another epoch (a reset, an expiry) are 410 Gone.
    changes: int = 0
    sync_epoch: str = field(default_factory=lambda: secrets.token_hex(6))

    def touch(self, event: Event) -> Event:
        """Record a change to `event` (created, edited, cancelled, moved in) for incremental sync."""
        self.changes += 1
        event.change = self.changes
        return event

    def ensure_user(self, subject: str) -> str:
        email = google_email(subject)
        if email not in self.lists:
            self.lists[email] = {}
            self.add_calendar(Calendar(email, email, email))
        return email

    def add_calendar(self, calendar: Calendar) -> Calendar:
        self.calendars[calendar.id] = calendar
        self.lists.setdefault(calendar.owner, {})[calendar.id] = ListEntry(calendar.id, "owner")
        return calendar

    def share(self, calendar_id: str, email: str, role: str) -> None:
        self.lists.setdefault(email, {})[calendar_id] = ListEntry(calendar_id, role)

    def resolve(self, user: str, calendar_id: str) -> str:
        return user if calendar_id == "primary" else calendar_id

    def entry(self, user: str, calendar_id: str) -> ListEntry | None:
        entry = self.lists.get(user, {}).get(self.resolve(user, calendar_id))
        return entry if entry is not None and not entry.deleted else None

    def new_calendar_id(self) -> str:
        return secrets.token_hex(16) + "@group.calendar.google.com"

    @staticmethod
    def new_event_id() -> str:
        # Google event ids: base32hex characters (a-v, 0-9), 5 to 1024 long.
        return "".join(secrets.choice("abcdefghijklmnopqrstuv0123456789") for _ in range(26))


def parse_moment(value: Any, calendar: Calendar, what: str) -> tuple[dt.datetime, bool]:
    """(instant, all_day) of an EventDateTime; ValueError with Google's message when unusable."""
    if not isinstance(value, dict):
        raise ValueError(f"Missing {what} time.")
    if value.get("date"):
        day = dt.date.fromisoformat(str(value["date"]))
        tz = zone(value.get("timeZone")) or calendar.tz
        return dt.datetime.combine(day, dt.time(), tz), True
    text = value.get("dateTime")
    if not text:
        raise ValueError(f"Missing {what} time.")
    moment = dt.datetime.fromisoformat(str(text))
    if moment.tzinfo is None:
        declared = zone(value.get("timeZone"))
        if declared is None:
            raise ValueError(f"Missing time zone definition for {what} time.")
        moment = moment.replace(tzinfo=declared)
    return moment, False


def parse_instant(text: str) -> dt.datetime:
    """An RFC 3339 timestamp that must carry an offset (timeMin, timeMax)."""
    value = dt.datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise ValueError(text)
    return value


def initial_state() -> CalendarState:
    """A colleague, bob@example.com, whose primary calendar (free/busy visible to all) holds one meeting."""
    state = CalendarState()
    bob = state.ensure_user("bob@example.com")
    calendar = state.calendars[bob]
    start = dt.datetime(2025, 3, 3, 13, 0, tzinfo=dt.UTC)
    event = Event(
        "bobsyncmeeting0001",
        bob,
        {
            "summary": "Bob's design review",
            "start": {"dateTime": "2025-03-03T13:00:00Z"},
            "end": {"dateTime": "2025-03-03T14:00:00Z"},
        },
        start,
        start + dt.timedelta(hours=1),
        bob,
    )
    calendar.events[event.id] = state.touch(event)
    return state


def seed(state: CalendarState, payload: dict[str, Any]) -> dict[str, Any]:
    """``{"users": ["ana@example.com"], "events": [{"calendar": email, "summary", "start", "end"}]}``."""
    for user in payload.get("users") or []:
        state.ensure_user(str(user))
    created = []
    for item in payload.get("events") or []:
        owner = state.ensure_user(str(item["calendar"]))
        calendar = state.calendars[owner]
        start, end = parse_instant(item["start"]), parse_instant(item["end"])
        event = Event(
            state.new_event_id(),
            owner,
            {
                "summary": item.get("summary", ""),
                "start": {"dateTime": item["start"]},
                "end": {"dateTime": item["end"]},
            },
            start,
            end,
            owner,
        )
        calendar.events[event.id] = state.touch(event)
        created.append(event.id)
    return {"events": created}
