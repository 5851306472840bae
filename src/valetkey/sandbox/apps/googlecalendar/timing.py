"""Turning text and rules into times: quick-add sentences and simple recurrence rules.

Google's quick add understands a lot of English; the emulator understands the
common shapes an agent writes: a day ("today", "tomorrow", a weekday,
"2025-03-04"), a time ("at 3pm", "at 15:30", "12:30"), a duration ("for 2
hours", "for 45 minutes"). Without a time the event is all-day. Recurrence:
``RRULE:FREQ=DAILY|WEEKLY`` with ``INTERVAL``, ``COUNT`` or ``UNTIL``, which is
what `singleEvents=true` has to expand for agendas.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DATE = re.compile(r"\b(?:on\s+)?(\d{4}-\d{2}-\d{2})\b", re.I)
_RELATIVE = re.compile(
    r"\b(today|tomorrow|(?:on\s+|next\s+)?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday))\b",
    re.I,
)
_TIME = re.compile(
    r"\b(?:at\s+)?(\d{1,2})(?::(\d{2}))?\s*(am|pm)\b|\b(?:at\s+)?(\d{1,2}):(\d{2})\b|\bat\s+(\d{1,2})\b", re.I
)
_DURATION = re.compile(r"\bfor\s+(\d+)\s*(hours?|hrs?|h|minutes?|mins?|m)\b", re.I)


@dataclass(frozen=True)
class QuickEvent:
    summary: str
    day: dt.date
    start: dt.time | None  # None: all-day
    duration: dt.timedelta


def parse_quick_add(text: str, today: dt.date) -> QuickEvent:
    rest = text
    day = today
    if match := _DATE.search(rest):
        day = dt.date.fromisoformat(match.group(1))
        rest = rest[: match.start()] + rest[match.end() :]
    elif match := _RELATIVE.search(rest):
        word = match.group(1).lower().split()[-1]
        if word == "tomorrow":
            day = today + dt.timedelta(days=1)
        elif word in WEEKDAYS:
            ahead = (WEEKDAYS.index(word) - today.weekday()) % 7 or 7
            day = today + dt.timedelta(days=ahead)
        rest = rest[: match.start()] + rest[match.end() :]
    start = None
    if match := _TIME.search(rest):
        if match.group(1):
            hour, minute = int(match.group(1)) % 12, int(match.group(2) or 0)
            hour += 12 if match.group(3).lower() == "pm" else 0
        elif match.group(4):
            hour, minute = int(match.group(4)), int(match.group(5))
        else:
            hour, minute = int(match.group(6)), 0
        if hour < 24 and minute < 60:
            start = dt.time(hour, minute)
            rest = rest[: match.start()] + rest[match.end() :]
    duration = dt.timedelta(hours=1)
    if match := _DURATION.search(rest):
        amount, unit = int(match.group(1)), match.group(2).lower()
        duration = dt.timedelta(hours=amount) if unit.startswith("h") else dt.timedelta(minutes=amount)
        rest = rest[: match.start()] + rest[match.end() :]
    summary = re.sub(r"\s+", " ", rest).strip(" ,.-") or text.strip()
    return QuickEvent(summary, day, start, duration)


def occurrences(
    rules: list[str], start: dt.datetime, until: dt.datetime, limit: int = 730
) -> Iterator[dt.datetime]:
    """Start instants of a recurring event's occurrences before `until` (the first one included).

    Unsupported rules yield only the first occurrence, as a single event.
    """
    rule = next((r[len("RRULE:") :] for r in rules if r.upper().startswith("RRULE:")), None)
    parts = dict(p.split("=", 1) for p in rule.upper().split(";") if "=" in p) if rule else {}
    step = {"DAILY": dt.timedelta(days=1), "WEEKLY": dt.timedelta(weeks=1)}.get(parts.get("FREQ", ""))
    if step is None:
        if start < until:
            yield start
        return
    step *= max(1, int(parts.get("INTERVAL", "1")))
    count = int(parts["COUNT"]) if "COUNT" in parts else limit
    last = _until(parts.get("UNTIL"), start)
    moment = start
    for _ in range(min(count, limit)):
        if moment >= until or (last is not None and moment > last):
            return
        yield moment
        moment += step


def _until(value: str | None, start: dt.datetime) -> dt.datetime | None:
    if not value:
        return None
    text = value.rstrip("Z")
    if "T" in text:
        moment = dt.datetime.strptime(text, "%Y%m%dT%H%M%S")
        return moment.replace(tzinfo=dt.UTC if value.endswith("Z") else start.tzinfo)
    return dt.datetime.combine(dt.datetime.strptime(text, "%Y%m%d").date(), dt.time(23, 59, 59), start.tzinfo)
