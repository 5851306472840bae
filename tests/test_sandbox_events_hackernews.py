"""The Hacker News emulator's new-story feeds: newstories, maxitem and a way to post, for a poller."""

from __future__ import annotations

import httpx
import pytest

from tests.support.sandbox_events import hackernews_post
from tests.support.servers import ThreadedServer


@pytest.fixture(scope="module")
def sandbox():
    from valetkey.sandbox import create_sandbox_app

    app = create_sandbox_app()
    threaded = ThreadedServer(app).start()
    yield threaded.url, app.state.sandbox.apps["hackernews"]
    threaded.stop()


@pytest.fixture
def hn(sandbox):
    url, emulator = sandbox
    emulator.reset()
    with httpx.Client(base_url=url, timeout=10) as c:
        yield c


def post(hn: httpx.Client, **item) -> dict:
    return hackernews_post(str(hn.base_url).rstrip("/"), item)


def test_a_new_story_gets_maxitem_plus_one_and_heads_newstories(hn):
    before = hn.get("/hackernews/v0/maxitem.json").json()
    newest = hn.get("/hackernews/v0/newstories.json").json()
    assert newest == sorted(newest, reverse=True) and before >= newest[0]
    story = post(hn, by="ada", title="Show HN: An offline trigger sandbox", url="https://example.com/sandbox")
    assert story["id"] == before + 1 and story["type"] == "story" and story["score"] == 1
    assert hn.get("/hackernews/v0/maxitem.json").json() == story["id"]
    assert hn.get("/hackernews/v0/newstories.json").json()[0] == story["id"]
    assert hn.get("/hackernews/v0/showstories.json").json()[0] == story["id"]
    item = hn.get(f"/hackernews/v0/item/{story['id']}.json").json()
    assert item["title"] == "Show HN: An offline trigger sandbox" and item["by"] == "ada"
    assert item["time"] > max(hn.get(f"/hackernews/v0/item/{i}.json").json()["time"] for i in newest)
    # A poller that remembers maxitem walks the ids above it.
    found = [hn.get(f"/hackernews/v0/item/{i}.json").json() for i in range(before + 1, story["id"] + 1)]
    assert [f["id"] for f in found] == [story["id"]]
    # Algolia sees it too.
    hits = hn.get("/hackernews/api/v1/search_by_date", params={"tags": "story"}).json()["hits"]
    assert hits[0]["objectID"] == str(story["id"])


def test_comments_are_items_but_not_stories(hn):
    story = post(hn, by="ada", title="Ask HN: How do you test webhooks?", text="Offline, ideally.")
    comment = post(hn, by="grace", parent=story["id"], text="With emulators.")
    assert comment["id"] == story["id"] + 1 and comment["parent"] == story["id"]
    assert hn.get(f"/hackernews/v0/item/{story['id']}.json").json()["kids"] == [comment["id"]]
    assert comment["id"] not in hn.get("/hackernews/v0/newstories.json").json()
    assert hn.get("/hackernews/v0/askstories.json").json()[0] == story["id"]
    assert hn.get("/hackernews/v0/maxitem.json").json() == comment["id"]


def test_bad_posts_and_unknown_lists(hn):
    assert hn.post("/_sandbox/hackernews/items", json={"title": "no author"}).status_code == 400
    assert hn.post("/_sandbox/hackernews/items", json={"by": "ada"}).status_code == 400
    assert (
        hn.post("/_sandbox/hackernews/items", json={"by": "ada", "parent": 1, "text": "x"}).status_code == 400
    )
    assert hn.post("/_sandbox/hackernews/items", content=b"[1]").status_code == 400
    assert hn.get("/hackernews/v0/nostories.json").json() is None


def test_armed_faults_fail_the_next_calls_to_one_endpoint(hn):
    armed = hn.post(
        "/_sandbox/hackernews/faults",
        json={"kind": "server_error", "endpoint": "topstories", "status": 502, "count": 2},
    )
    assert armed.status_code == 201, armed.text
    assert hn.get("/hackernews/v0/newstories.json").status_code == 200  # another endpoint: untouched
    assert [hn.get("/hackernews/v0/topstories.json").status_code for _ in range(3)] == [502, 502, 200]
    refused = hn.post("/_sandbox/hackernews/faults", json={"kind": "server_error", "endpoint": "nope"})
    assert refused.status_code == 400
    hn.post("/_sandbox/hackernews/faults", json={"kind": "server_error", "endpoint": "item"})
    assert hn.get("/_sandbox/hackernews/faults").json()["faults"][0]["endpoint"] == "item"
    assert hn.delete("/_sandbox/hackernews/faults").status_code == 204
    assert hn.get("/hackernews/v0/item/8863.json").status_code == 200
