"""The Hacker News new-post trigger through the official SDK, against the sandbox's HN emulator.

Hacker News needs no account: the trigger is created with only a `user_id` and
answers `connected_account_id: ""`. It polls the Firebase story lists (the
emulator serves them under ``{sandbox}/hackernews/v0``); the watermark taken at
creation (``maxitem``) keeps the seeded stories out; posts made through the
emulator's ``/_sandbox/hackernews/items`` are delivered once each, as signed V3
webhooks, and a list that fails (the emulator's armed faults) loses nothing.
"""

from __future__ import annotations

import httpx
import pytest

from tests.support.receiver import Receiver
from tests.support.sandbox_events import hackernews_post
from tests.support.triggers import connect_for_triggers, start_trigger_server, wait_until

SLUG = "HACKERNEWS_NEW_POST"


@pytest.fixture(scope="module")
def hn_server(backend, emulators, request):
    threaded, running = start_trigger_server(backend, request, emulators)
    yield running
    threaded.stop()


@pytest.fixture
def receiver():
    r = Receiver().start()
    yield r
    r.stop()


def _polled(account, *trigger_ids: str) -> bool:
    items = account.sdk.triggers.list_active(trigger_ids=list(trigger_ids), show_disabled=True).items
    return len(items) == len(trigger_ids) and all(i.model_dump()["health"]["last_poll_at"] for i in items)


def _polls_after(account, trigger_id: str, moment: str | None) -> bool:
    [item] = account.sdk.triggers.list_active(trigger_ids=[trigger_id], show_disabled=True).items
    last = item.model_dump()["health"]["last_poll_at"]
    return bool(last and (moment is None or last > moment))


def _last_poll(account, trigger_id: str) -> str | None:
    [item] = account.sdk.triggers.list_active(trigger_ids=[trigger_id], show_disabled=True).items
    return item.model_dump()["health"]["last_poll_at"]


def test_new_posts_are_delivered_once_without_an_account(hn_server, emulators, receiver):
    hana = connect_for_triggers(emulators, hn_server, "hackernews", receiver, user_id="hana")
    assert hana.connection.account_id is None
    post = lambda **item: hackernews_post(emulators.url, item)  # noqa: E731

    newest = hana.create(SLUG)  # the default list: newstories
    show = hana.create(SLUG, {"list": "show", "interval": 5})
    assert hana.create(SLUG) == newest  # same type, user and config: the same instance
    [row] = hana.sdk.triggers.list_active(trigger_ids=[newest]).items
    wire = row.model_dump()
    assert wire["connected_account_id"] == "" and wire["user_id"] == "hana"
    assert wire["trigger_config"] == {} and wire["auth_config_id"] == ""

    wait_until(lambda: _polled(hana, newest, show), what="both triggers' first poll")
    hana.nothing_more(0, settle=0.5)  # the seeded stories are never delivered

    story = post(by="ada", title="Valetkey: triggers offline", url="https://example.com/valetkey")
    show_hn = post(by="grace", title="Show HN: A Hacker News emulator", text="Offline <i>polls</i>.")
    post(by="linus", parent=story["id"], text="Nice.")  # a comment: not a post
    raws = hana.events(3)
    hana.nothing_more(3)
    by: dict[str, list[dict]] = {newest: [], show: []}
    for raw in raws:
        by[raw["metadata"]["trigger_id"]].append(hana.check(raw, SLUG, raw["metadata"]["trigger_id"]))
    assert sorted(d["id"] for d in by[newest]) == [story["id"], show_hn["id"]]
    [shown] = by[show]
    assert shown["id"] == show_hn["id"] and shown["title"] == "Show HN: A Hacker News emulator"
    assert shown["url"] is None and shown["text"] == "Offline <i>polls</i>." and shown["by"] == "grace"
    [first] = [d for d in by[newest] if d["id"] == story["id"]]
    assert first["url"] == "https://example.com/valetkey" and first["type"] == "story"
    assert first["score"] == 1 and first["time"] == story["time"]
    assert first["hn_url"] == f"https://news.ycombinator.com/item?id={story['id']}"

    # More polls find the same lists again: nothing is delivered twice.
    moment = _last_poll(hana, newest)
    wait_until(lambda: _polls_after(hana, newest, moment), what="another poll")
    hana.nothing_more(3, settle=0.5)
    hana.api.close()


def test_a_failing_list_loses_nothing(hn_server, emulators, receiver):
    hana = connect_for_triggers(emulators, hn_server, "hackernews", receiver, user_id="hana")
    sandbox = httpx.Client(base_url=emulators.url, timeout=10)
    trigger_id = hana.create(SLUG)
    wait_until(lambda: _polled(hana, trigger_id), what="the first poll")
    armed = sandbox.post(
        "/_sandbox/hackernews/faults",
        json={"kind": "server_error", "endpoint": "newstories", "status": 503, "count": 10_000},
    )
    assert armed.status_code == 201, armed.text

    def health() -> dict:
        [item] = hana.sdk.triggers.list_active(trigger_ids=[trigger_id]).items
        return item.model_dump()["health"]

    wait_until(lambda: health()["consecutive_errors"] >= 1, what="a failed poll")
    story = hackernews_post(emulators.url, {"by": "ada", "title": "Posted while the list fails"})
    wait_until(lambda: health()["consecutive_errors"] >= 3, what="more failed polls")
    assert "503" in health()["last_error"]
    hana.nothing_more(0, settle=0.3)
    assert sandbox.delete("/_sandbox/hackernews/faults").status_code == 204  # the list is back
    [raw] = hana.events(1)  # the watermark held: the post made meanwhile, and nothing seeded
    assert hana.check(raw, SLUG, trigger_id)["id"] == story["id"]
    wait_until(lambda: health()["consecutive_errors"] == 0, what="a healthy poll")
    hana.nothing_more(1, settle=0.5)
    sandbox.close()
    hana.api.close()


def test_disabled_delivers_nothing_and_enabled_starts_afresh(hn_server, emulators, receiver):
    hana = connect_for_triggers(emulators, hn_server, "hackernews", receiver, user_id="hana")
    trigger_id = hana.create(SLUG, {"list": "new"})
    wait_until(lambda: _polled(hana, trigger_id), what="the first poll")

    hana.sdk.triggers.disable(trigger_id)
    [row] = hana.sdk.triggers.list_active(trigger_ids=[trigger_id], show_disabled=True).items
    assert row.model_dump()["status"] == "disabled"
    hackernews_post(emulators.url, {"by": "ada", "title": "Posted while disabled"})
    hana.nothing_more(0, settle=1.0)

    hana.sdk.triggers.enable(trigger_id)  # a fresh watermark: the post made meanwhile stays out
    moment = _last_poll(hana, trigger_id)
    wait_until(lambda: _polls_after(hana, trigger_id, moment), what="a poll after enabling")
    hana.nothing_more(0, settle=0.5)
    story = hackernews_post(emulators.url, {"by": "ada", "title": "Posted after enabling"})
    [raw] = hana.events(1)
    assert hana.check(raw, SLUG, trigger_id)["id"] == story["id"]

    hana.sdk.triggers.delete(trigger_id)
    assert hana.sdk.triggers.list_active(trigger_ids=[trigger_id], show_disabled=True).items == []
    hackernews_post(emulators.url, {"by": "ada", "title": "Posted after deleting"})
    hana.nothing_more(1, settle=0.5)
    hana.api.close()


def test_a_toolkit_that_needs_an_account_still_requires_one(hn_server, emulators, receiver):
    hana = connect_for_triggers(emulators, hn_server, "hackernews", receiver, user_id="hana")
    refused = hana.api.post(
        "/api/v3/trigger_instances/NOTION_PAGE_ADDED_TO_DATABASE/upsert",
        json={"user_id": "hana", "trigger_config": {"database_id": "db"}},
    )
    assert refused.status_code == 400, refused.text
    assert refused.json()["error"]["slug"] == "NoConnectedAccount"
    unknown = hana.api.post(
        f"/api/v3/trigger_instances/{SLUG}/upsert",
        json={"user_id": "hana", "trigger_config": {"list": "jobs"}},
    )
    assert unknown.status_code == 400 and unknown.json()["error"]["field"] == "trigger_config.list"
    assert hana.api.get("/api/v3/trigger_instances/active").json()["items"] == []
    hana.api.close()


# -- the provider's bookkeeping, on a fake Firebase --------------------------------------------


def _firebase(items: dict[int, object], lists: dict[str, list[int]], calls: list[str]):
    """An `AppCall` answering Firebase paths from `items` and `lists`; records the paths."""
    import json as _json

    from multidict import CIMultiDict

    from valetkey.net.upstream import UpstreamOutcome, UpstreamResponse

    async def call(method: str, url: str, body, query) -> UpstreamOutcome:
        path = url.removeprefix("https://hacker-news.firebaseio.com/v0")
        calls.append(path)
        if path == "/maxitem.json":
            answer: object = max(items)
        elif path.endswith("stories.json"):
            answer = lists[path[1 : -len("stories.json")]]
        else:
            answer = items.get(int(path.removeprefix("/item/").removesuffix(".json")))
        response = UpstreamResponse(200, "OK", CIMultiDict(), _json.dumps(answer).encode())
        return UpstreamOutcome(response, None, "", 1, 1.0)

    return call


def _registration(call, state: dict, config: dict | None = None):
    from types import SimpleNamespace

    from valetkey.triggers.providers.base import Registration

    trigger = SimpleNamespace(source={"base_url": "https://hacker-news.firebaseio.com/v0"})
    return Registration(trigger, "ti_x", config or {}, "", "", call, state)  # type: ignore[arg-type]


def _story(i: int, **extra) -> dict:
    return {"id": i, "type": "story", "by": "ada", "time": 1_760_000_000 + i, "title": f"#{i}", **extra}


async def test_the_poller_delivers_each_post_once_and_retries_items_not_served_yet():
    from valetkey.triggers.providers.hackernews import HackerNews

    items: dict[int, object] = {1: _story(1), 2: _story(2)}
    lists = {"new": [2, 1], "top": [1, 2]}
    calls: list[str] = []
    poller = HackerNews()
    call = _firebase(items, lists, calls)
    state = await poller.start(_registration(call, {}))
    assert state == {"since_id": 2, "seen": []}

    items.update({3: _story(3), 4: None, 5: _story(5, dead=True), 6: _story(6, type="comment")})
    lists["new"] = [6, 5, 4, 3, 2, 1]
    result = await poller.poll(_registration(call, state))
    assert [e["id"] for e in result.events] == [3]  # 4 not served yet, 5 dead, 6 not a post
    assert result.provider_state == {"since_id": 2, "seen": [3, 5, 6]}

    items[4] = _story(4, url="https://example.com/4", score=7)
    again = await poller.poll(_registration(call, result.provider_state))
    [four] = again.events
    assert four["id"] == 4 and four["url"] == "https://example.com/4" and four["score"] == 7
    calls.clear()
    assert (await poller.poll(_registration(call, again.provider_state))).events == []
    assert calls == ["/newstories.json"]  # nothing new: no item is fetched

    # Another list, the same rule: only posts above the watermark, each once.
    top = await poller.poll(_registration(call, {"since_id": 2, "seen": []}, {"list": "top"}))
    assert [e["id"] for e in top.events] == []  # the top list holds only 1 and 2
    lists["top"] = [4, 1, 3]
    top = await poller.poll(_registration(call, top.provider_state, {"list": "top"}))
    assert [e["id"] for e in top.events] == [3, 4]


async def test_the_poller_forgets_old_ids_by_raising_its_watermark(monkeypatch):
    from valetkey.triggers.providers import hackernews

    monkeypatch.setattr(hackernews, "MAX_SEEN", 3)
    monkeypatch.setattr(hackernews, "MAX_ITEMS", 2)
    items: dict[int, object] = {i: _story(i) for i in range(1, 11)}
    lists = {"new": list(range(10, 0, -1))}
    call = _firebase(items, lists, [])
    poller = hackernews.HackerNews()
    first = await poller.poll(_registration(call, {"since_id": 4, "seen": []}))
    assert [e["id"] for e in first.events] == [5, 6]  # oldest first, MAX_ITEMS a poll
    second = await poller.poll(_registration(call, first.provider_state))
    assert [e["id"] for e in second.events] == [7, 8]
    assert second.provider_state == {"since_id": 5, "seen": [6, 7, 8]}
    third = await poller.poll(_registration(call, second.provider_state))
    assert [e["id"] for e in third.events] == [9, 10]
    assert (await poller.poll(_registration(call, third.provider_state))).events == []
