"""Google Calendar and Google Drive: changes found by polling with the APIs' own sync tokens.

- Calendar: `start` lists the calendar's events once (every page) only to get the
  ``nextSyncToken``: events already there are never delivered. Each `poll` lists
  ``events?syncToken=...`` (every page): each changed event is one event
  (``change``: ``created``, ``updated`` or ``cancelled``), and the new
  ``nextSyncToken`` is the watermark. A token Google expired (410 Gone) is
  reported and replaced by a fresh full sync's.
- Drive: `start` takes ``changes/startPageToken``; each `poll` lists
  ``changes?pageToken=...`` until Google answers ``newStartPageToken``, the next
  watermark; each change is one event.

The calendar's base URL already ends in ``/calendar/v3`` (the toolkit's); Drive's is the host.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from valetkey.triggers.providers.base import PollResult, ProviderError, Registration, upstream_problem

MAX_PAGES = 50


class StaleToken(ProviderError):
    def __init__(self, message: str, provider_state: dict[str, Any]):
        super().__init__(message)
        self.provider_state = provider_state


async def _page(reg: Registration, path: str, query: dict[str, str]) -> tuple[int, dict[str, Any]]:
    outcome = await reg.call("GET", path, None, query)
    if outcome.status == 410:
        return 410, {}
    response = outcome.response
    if response is None or response.status != 200:
        raise upstream_problem(f"Google GET {path}", outcome)
    data = json.loads(response.content)
    return 200, data if isinstance(data, dict) else {}


def _calendar_path(config: dict[str, Any]) -> str:
    return f"/calendars/{quote(str(config.get('calendarId') or 'primary'), safe='')}/events"


class GoogleCalendar:
    async def start(self, registration: Registration) -> dict[str, Any]:
        path, token = _calendar_path(registration.config), None
        for _ in range(MAX_PAGES):
            query = {"maxResults": "2500", "showDeleted": "true", **({"pageToken": token} if token else {})}
            _, page = await _page(registration, path, query)
            if page.get("nextSyncToken"):
                return {"sync_token": str(page["nextSyncToken"])}
            token = page.get("nextPageToken")
            if not token:
                break
        raise ProviderError("Google Calendar gave no nextSyncToken for the calendar")

    async def poll(self, registration: Registration) -> PollResult:
        sync = registration.provider_state.get("sync_token")
        if not sync:
            return PollResult([], await self.start(registration))
        path, token, changed = _calendar_path(registration.config), None, []
        for _ in range(MAX_PAGES):
            query = {"syncToken": str(sync), "showDeleted": "true", **({"pageToken": token} if token else {})}
            status, page = await _page(registration, path, query)
            if status == 410:
                fresh = await self.start(registration)
                raise StaleToken("Google expired the calendar's sync token; syncing again from now", fresh)
            changed += [item for item in page.get("items") or [] if isinstance(item, dict)]
            if page.get("nextSyncToken"):
                return PollResult(
                    [_calendar_event(e) for e in changed], {"sync_token": str(page["nextSyncToken"])}
                )
            token = page.get("nextPageToken")
            if not token:
                break
        raise ProviderError("Google Calendar's change list ended without a nextSyncToken")


def _calendar_event(item: dict[str, Any]) -> dict[str, Any]:
    if item.get("status") == "cancelled":
        change = "cancelled"
    elif item.get("created") and item.get("created") == item.get("updated"):
        change = "created"
    else:
        change = "updated"
    return {
        "event_id": str(item.get("id", "")),
        "change": change,
        "status": item.get("status"),
        "summary": item.get("summary"),
        "description": item.get("description"),
        "start": item.get("start"),
        "end": item.get("end"),
        "created": item.get("created"),
        "updated": item.get("updated"),
        "html_link": item.get("htmlLink"),
        "organizer": (item.get("organizer") or {}).get("email"),
    }


class GoogleDrive:
    async def start(self, registration: Registration) -> dict[str, Any]:
        _, page = await _page(registration, "/drive/v3/changes/startPageToken", {"supportsAllDrives": "true"})
        if not page.get("startPageToken"):
            raise ProviderError("Google Drive gave no startPageToken")
        return {"page_token": str(page["startPageToken"])}

    async def poll(self, registration: Registration) -> PollResult:
        token = registration.provider_state.get("page_token")
        if not token:
            return PollResult([], await self.start(registration))
        changes: list[dict[str, Any]] = []
        for _ in range(MAX_PAGES):
            query = {
                "pageToken": str(token),
                "pageSize": "1000",
                "supportsAllDrives": "true",
                "includeItemsFromAllDrives": "true",
                "includeRemoved": "true",
            }
            _, page = await _page(registration, "/drive/v3/changes", query)
            changes += [c for c in page.get("changes") or [] if isinstance(c, dict)]
            if page.get("newStartPageToken"):
                return PollResult(
                    [_drive_change(c) for c in changes], {"page_token": str(page["newStartPageToken"])}
                )
            token = page.get("nextPageToken")
            if not token:
                break
        raise ProviderError("Google Drive's change list ended without a newStartPageToken")


def _drive_change(change: dict[str, Any]) -> dict[str, Any]:
    file = change.get("file") or {}
    return {
        "file_id": str(change.get("fileId") or file.get("id") or ""),
        "removed": bool(change.get("removed", False)),
        "time": change.get("time"),
        "change_type": change.get("changeType", "file"),
        "file": {
            k: file.get(k)
            for k in ("id", "name", "mimeType", "modifiedTime", "trashed", "webViewLink")
            if k in file
        },
    }
