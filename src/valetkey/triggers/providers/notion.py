"""Notion: pages added to a database, or updated in it, found by polling its data source.

Notion API version 2025-09-03 (as the toolkit's tools): a database holds data
sources; `start` resolves the database's first data source (``GET
/databases/{id}``) and takes the watermark: now, and the pages already at that
moment. Each `poll` queries the data source (``POST /data_sources/{id}/query``,
every page) for pages whose ``created_time`` (page added) or
``last_edited_time`` (page updated) is on or after the watermark, oldest first.
Notion's timestamps have minute precision, so the watermark keeps the keys seen
at its minute (page id, and for updates the edit time) and a poll delivers
only what it has not seen.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from urllib.parse import quote

from valetkey.triggers.providers.base import PollResult, ProviderError, Registration, upstream_problem

MAX_PAGES = 20


def _field(registration: Registration) -> str:
    return str(registration.trigger.source.get("timestamp", "created_time"))


async def _call(reg: Registration, method: str, path: str, body: Any = None) -> dict[str, Any]:
    outcome = await reg.call(method, path, body, None)
    response = outcome.response
    if response is None or response.status != 200:
        raise upstream_problem(f"Notion {method} {path}", outcome)
    data = json.loads(response.content)
    return data if isinstance(data, dict) else {}


def _stamp(value: Any) -> str:
    """A Notion timestamp in one spelling (``2026-12-03T08:24:00.000Z``), so they compare as text."""
    moment = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00")).astimezone(dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _key(page: dict[str, Any], field: str) -> str:
    return str(page.get("id")) if field == "created_time" else f"{page.get('id')}@{page.get(field)}"


def _title(page: dict[str, Any]) -> str:
    for prop in (page.get("properties") or {}).values():
        if isinstance(prop, dict) and prop.get("type") == "title":
            return "".join(str(t.get("plain_text", "")) for t in prop.get("title") or [])
    return ""


class Notion:
    async def start(self, registration: Registration) -> dict[str, Any]:
        database_id = str(registration.config["database_id"])
        database = await _call(registration, "GET", f"/databases/{quote(database_id, safe='')}")
        sources = database.get("data_sources") or []
        if not sources:
            raise ProviderError(f"Notion database {database_id} has no data source")
        now = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
        state = {
            "data_source_id": str(sources[0]["id"]),
            "since": now.isoformat().replace("+00:00", "Z"),
            "seen": [],
        }
        pages = await self._query(registration, state)
        field = _field(registration)
        state["seen"] = sorted(_key(p, field) for p in pages)
        return state

    async def _query(self, reg: Registration, state: dict[str, Any]) -> list[dict[str, Any]]:
        field = _field(reg)
        body: dict[str, Any] = {
            "filter": {"timestamp": field, field: {"on_or_after": state["since"]}},
            "sorts": [{"timestamp": field, "direction": "ascending"}],
            "page_size": 100,
        }
        pages: list[dict[str, Any]] = []
        path = f"/data_sources/{quote(str(state['data_source_id']), safe='')}/query"
        for _ in range(MAX_PAGES):
            answer = await _call(reg, "POST", path, body)
            pages += [p for p in answer.get("results") or [] if isinstance(p, dict)]
            if not answer.get("has_more") or not answer.get("next_cursor"):
                break
            body["start_cursor"] = answer["next_cursor"]
        return pages

    async def poll(self, registration: Registration) -> PollResult:
        state = dict(registration.provider_state)
        if not state.get("data_source_id"):
            return PollResult([], await self.start(registration))
        field = _field(registration)
        pages = await self._query(registration, state)
        seen = set(state.get("seen") or [])
        fresh = [p for p in pages if _key(p, field) not in seen]
        latest = max([_stamp(p.get(field)) for p in pages] + [_stamp(state["since"])])
        at_latest = {_key(p, field) for p in pages if _stamp(p.get(field)) == latest}
        new_seen = at_latest | (seen if latest == _stamp(state["since"]) else set())
        events = [
            {
                "page_id": str(p.get("id", "")),
                "title": _title(p),
                "url": p.get("url"),
                "created_time": p.get("created_time"),
                "last_edited_time": p.get("last_edited_time"),
                "properties": p.get("properties") or {},
            }
            for p in fresh
        ]
        return PollResult(events, {**state, "since": latest, "seen": sorted(new_seen)})
