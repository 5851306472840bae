"""Hacker News: new posts on a story list, found by polling the official Firebase API.

No account: the calls carry no credentials. The API is the toolkit's second host
(``https://hacker-news.firebaseio.com/v0``, the type's ``source.base_url``).
`start` takes the watermark: ``maxitem.json``, the highest item id at that
moment, so nothing posted before the trigger existed is ever delivered. Each
`poll` reads the list (``/{list}stories.json``: new, top, best, ask, show or
job), keeps the ids above the watermark not yet delivered, and fetches each
(``/item/{id}.json``), oldest first, at most `MAX_ITEMS` a poll (the rest come
next poll). The ids delivered stay in the state (the newest `MAX_SEEN`, more
than a list holds; the watermark rises past the ones forgotten), so a post is
delivered once even when it leaves a list and comes back. Any failed call fails the whole poll and the state is kept: the
next poll finds the same posts again. An item Firebase does not serve yet
(``null``) is tried again next poll; a deleted or dead one is skipped.
"""

from __future__ import annotations

import json
from typing import Any

from valetkey.triggers.providers.base import PollResult, ProviderError, Registration, upstream_problem

FIREBASE = "https://hacker-news.firebaseio.com/v0"
LISTS = ("new", "top", "best", "ask", "show", "job")
MAX_ITEMS = 100
MAX_SEEN = 2000
POST_TYPES = ("story", "job", "poll")


def _base(reg: Registration) -> str:
    return str(reg.trigger.source.get("base_url", FIREBASE)).rstrip("/")


async def _get(reg: Registration, path: str) -> Any:
    outcome = await reg.call("GET", _base(reg) + path, None, None)
    response = outcome.response
    if response is None or response.status != 200:
        raise upstream_problem(f"Hacker News GET {path}", outcome)
    try:
        return json.loads(response.content)
    except ValueError:
        raise ProviderError(f"Hacker News GET {path}: the answer is not JSON") from None


def _list(reg: Registration) -> str:
    name = str(reg.config.get("list", "new"))
    if name not in LISTS:  # the config schema's enum already refuses it
        raise ProviderError(f"Hacker News has no {name!r} story list")
    return name


def post(item: dict[str, Any]) -> dict[str, Any]:
    """The event data: the Firebase item's fields, with the post's page on HN."""
    return {
        "id": int(item["id"]),
        "title": item.get("title"),
        "url": item.get("url"),
        "by": str(item.get("by", "")),
        "score": item.get("score"),
        "time": int(item.get("time", 0)),
        "type": str(item.get("type", "story")),
        "text": item.get("text"),
        "descendants": item.get("descendants"),
        "hn_url": f"https://news.ycombinator.com/item?id={int(item['id'])}",
    }


class HackerNews:
    async def start(self, registration: Registration) -> dict[str, Any]:
        _list(registration)
        highest = await _get(registration, "/maxitem.json")
        if not isinstance(highest, int):
            raise ProviderError("Hacker News GET /maxitem.json: not an item id")
        return {"since_id": highest, "seen": []}

    async def poll(self, registration: Registration) -> PollResult:
        state = dict(registration.provider_state)
        if "since_id" not in state:
            return PollResult([], await self.start(registration))
        since, seen = int(state["since_id"]), {int(i) for i in state.get("seen") or []}
        ids = await _get(registration, f"/{_list(registration)}stories.json")
        if not isinstance(ids, list):
            raise ProviderError("Hacker News story list: not a list of ids")
        fresh = sorted({i for i in ids if isinstance(i, int) and i > since and i not in seen})
        events: list[dict[str, Any]] = []
        for item_id in fresh[:MAX_ITEMS]:
            item = await _get(registration, f"/item/{item_id}.json")
            if item is None:
                continue  # not served yet: found again next poll
            seen.add(item_id)
            if isinstance(item, dict) and not item.get("deleted") and not item.get("dead"):
                if item.get("type") in POST_TYPES and "id" in item:
                    events.append(post(item))
        ordered = sorted(seen)
        if len(ordered) > MAX_SEEN:  # the watermark rises past the ids forgotten: never delivered twice
            since, ordered = ordered[-MAX_SEEN - 1], ordered[-MAX_SEEN:]
        return PollResult(events, {"since_id": since, "seen": ordered})
