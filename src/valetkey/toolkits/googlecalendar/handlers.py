"""Google Calendar tools that take friendly arguments and shape Google's Event resource.

`create_event` and `patch_event` accept a start plus an end *or* a duration,
one time zone and a list of attendee emails, and build the nested
``start``/``end``/``attendees`` objects the API wants; `find_free_slots`
asks ``freeBusy`` and returns the gaps. Everything else in the toolkit is
declarative YAML.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote

from valetkey.execution.handlers import ToolContext, ToolError
from valetkey.toolkits._google import call

DEFAULT_DURATION = dt.timedelta(minutes=30)


def _events_path(calendar_id: str, event_id: str | None = None) -> str:
    path = f"/calendars/{quote(calendar_id, safe='')}/events"
    return path + (f"/{quote(event_id, safe='')}" if event_id else "")


def _is_date(text: str) -> bool:
    return len(text) == 10 and text[4] == "-" and text[7] == "-"


def _parse(text: str, name: str) -> dt.datetime | dt.date:
    try:
        return dt.date.fromisoformat(text) if _is_date(text) else dt.datetime.fromisoformat(text)
    except ValueError:
        raise ToolError(
            f"{name} {text!r} is not an ISO 8601 date or date-time (2025-03-04T15:00:00)"
        ) from None


def _duration(arguments: dict[str, Any]) -> dt.timedelta | None:
    hours, minutes = arguments.get("event_duration_hour"), arguments.get("event_duration_minutes")
    if hours is None and minutes is None:
        return None
    return dt.timedelta(hours=hours or 0, minutes=minutes or 0)


def event_times(arguments: dict[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    """Google's ``start`` and ``end`` objects from start_datetime, end_datetime or a duration, timezone."""
    start = _parse(arguments["start_datetime"], "start_datetime")
    timezone = arguments.get("timezone")
    if not isinstance(start, dt.datetime):  # an all-day event; Google's end date is exclusive
        end_text = arguments.get("end_datetime")
        end = _parse(end_text, "end_datetime") if end_text else start + dt.timedelta(days=1)
        end_date = end.date() if isinstance(end, dt.datetime) else end
        return {"date": start.isoformat()}, {"date": end_date.isoformat()}
    if arguments.get("end_datetime"):
        end = _parse(arguments["end_datetime"], "end_datetime")
        if not isinstance(end, dt.datetime):
            raise ToolError("end_datetime must be a date-time when start_datetime is one")
    else:
        end = start + (_duration(arguments) or DEFAULT_DURATION)
    if (start.tzinfo is None) != (end.tzinfo is None):
        raise ToolError("start_datetime and end_datetime must both have an offset, or neither")
    if end <= start:
        raise ToolError("The event must end after it starts")
    zone = timezone or ("UTC" if start.tzinfo is None else None)

    def moment(value: dt.datetime) -> dict[str, str]:
        out = {"dateTime": value.isoformat()}
        if zone:
            out["timeZone"] = zone
        return out

    return moment(start), moment(end)


def _details(arguments: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for name in ("summary", "description", "location", "recurrence", "transparency", "visibility", "status"):
        if arguments.get(name) is not None:
            body[name] = arguments[name]
    if arguments.get("attendees") is not None:
        body["attendees"] = [{"email": email} for email in arguments["attendees"]]
    return body


async def create_event(arguments: dict[str, Any], context: ToolContext) -> Any:
    start, end = event_times(arguments)
    body = {**_details(arguments), "start": start, "end": end}
    return await call(
        context,
        "POST",
        _events_path(arguments.get("calendar_id") or "primary"),
        json=body,
        params={"sendUpdates": arguments.get("send_updates")},
    )


async def patch_event(arguments: dict[str, Any], context: ToolContext) -> Any:
    """PATCH only what was given; a new duration alone is measured from the event's current start."""
    path = _events_path(arguments["calendar_id"], arguments["event_id"])
    body = _details(arguments)
    times = dict(arguments)
    if not times.get("start_datetime") and (
        times.get("end_datetime") or _duration(times) or times.get("timezone")
    ):
        current = await call(context, "GET", path)
        start = current.get("start") or {}
        times["start_datetime"] = start.get("dateTime") or start.get("date")
        if not (times.get("end_datetime") or _duration(times)):
            end = current.get("end") or {}
            times["end_datetime"] = end.get("dateTime") or end.get("date")
        times.setdefault("timezone", start.get("timeZone"))
    if times.get("start_datetime"):
        body["start"], body["end"] = event_times(times)
    if not body:
        raise ToolError("Nothing to change: pass at least one field to update")
    return await call(
        context, "PATCH", path, json=body, params={"sendUpdates": arguments.get("send_updates")}
    )


def _instant(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _rfc3339(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def free_gaps(
    busy: list[tuple[dt.datetime, dt.datetime]], start: dt.datetime, end: dt.datetime, minimum: dt.timedelta
) -> tuple[list[tuple[dt.datetime, dt.datetime]], list[tuple[dt.datetime, dt.datetime]]]:
    """(merged busy ranges, free gaps at least `minimum` long) inside [start, end)."""
    merged: list[list[dt.datetime]] = []
    for lo, hi in sorted(busy):
        lo, hi = max(lo, start), min(hi, end)
        if hi <= lo:
            continue
        if merged and lo <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    free, cursor = [], start
    for lo, hi in merged:
        if lo - cursor >= minimum:
            free.append((cursor, lo))
        cursor = max(cursor, hi)
    if end - cursor >= minimum:
        free.append((cursor, end))
    return [(lo, hi) for lo, hi in merged], free


async def find_free_slots(arguments: dict[str, Any], context: ToolContext) -> Any:
    calendars = arguments.get("items") or ["primary"]
    start, end = _instant(arguments["time_min"]), _instant(arguments["time_max"])
    if end <= start:
        raise ToolError("time_max must be after time_min")
    query = {"timeMin": _rfc3339(start), "timeMax": _rfc3339(end), "items": [{"id": c} for c in calendars]}
    if arguments.get("timezone"):
        query["timeZone"] = arguments["timezone"]
    answer = await call(context, "POST", "/freeBusy", json=query)
    busy = [
        (_instant(r["start"]), _instant(r["end"]))
        for info in (answer.get("calendars") or {}).values()
        for r in info.get("busy") or []
    ]
    minimum = dt.timedelta(minutes=arguments.get("min_duration_minutes") or 1)
    merged, free = free_gaps(busy, start, end, minimum)
    return {
        "timeMin": query["timeMin"],
        "timeMax": query["timeMax"],
        "free_slots": [
            {
                "start": _rfc3339(lo),
                "end": _rfc3339(hi),
                "duration_minutes": int((hi - lo).total_seconds() // 60),
            }
            for lo, hi in free
        ],
        "busy": [{"start": _rfc3339(lo), "end": _rfc3339(hi)} for lo, hi in merged],
        "calendars": answer.get("calendars") or {},
    }
