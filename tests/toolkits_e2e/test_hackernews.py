"""Every Hacker News tool through the official SDK, a real server and the Hacker News emulator.

Hacker News needs no account, so there is no auth config to point at the
sandbox: the test server reaches the emulator through
``VALETKEY_UPSTREAM_OVERRIDES`` (`tests.support.toolkits.sandbox_overrides`),
which reroutes both hosts the toolkit uses, hn.algolia.com and the Firebase
API's hacker-news.firebaseio.com.
"""

from __future__ import annotations

import pytest


@pytest.fixture
def hn(connect):
    connection = connect("hackernews")
    assert connection.account_id is None
    yield connection


def titles(page):
    return [h["title"] for h in page["hits"]]


def test_front_page_latest_ask_and_show(hn):
    front = hn.ok("HACKERNEWS_GET_FRONTPAGE", {"size": 2})
    assert titles(front) == ["My YC app: Dropbox - Throw away your USB drive", "Rust 2.0 released"]
    assert (front["nbHits"], front["nbPages"], front["hitsPerPage"], front["page"]) == (3, 2, 2, 0)
    assert titles(hn.ok("HACKERNEWS_GET_FRONTPAGE", {"size": 2, "page": 1})) == ["A deep dive into TLS 1.3"]

    latest = hn.ok("HACKERNEWS_GET_LATEST_POSTS", {"size": 3, "page": 0})
    assert titles(latest) == [
        "Why async Rust is hard",
        "Show HN: A tiny SQLite viewer",
        "Ask HN: How do you keep up with papers?",
    ]
    assert all("story" in h["_tags"] for h in latest["hits"]) and latest["nbHits"] == 6
    assert titles(hn.ok("HACKERNEWS_GET_ASK_HN_POSTS")) == ["Ask HN: How do you keep up with papers?"]
    show = hn.ok("HACKERNEWS_GET_SHOW_HN_POSTS")["hits"]
    assert [h["story_text"] for h in show] == ["Built in a weekend."]
    sent = [r for r in hn.emulator.requests.all() if r.path == "/api/v1/search_by_date"]
    assert ("hitsPerPage", "3") in sent[0].query and ("tags", "story") in sent[0].query


def test_search_by_relevance_and_by_date_with_filters(hn):
    rust = hn.ok("HACKERNEWS_SEARCH_POSTS", {"query": "rust", "tags": "story"})
    assert titles(rust) == ["Rust 2.0 released", "Why async Rust is hard"]  # points first
    assert titles(hn.ok("HACKERNEWS_SEARCH_POSTS_BY_DATE", {"query": "rust", "tags": "story"})) == [
        "Why async Rust is hard",
        "Rust 2.0 released",
    ]  # newest first
    popular = hn.ok("HACKERNEWS_SEARCH_POSTS", {"query": "rust", "numeric_filters": "points>100"})
    assert titles(popular) == ["Rust 2.0 released"]
    by_pg = hn.ok("HACKERNEWS_SEARCH_POSTS_BY_DATE", {"tags": "comment,(author_pg,author_dang)", "size": 10})
    assert [h["author"] for h in by_pg["hits"]] == ["dang", "dang", "pg"]
    bad = hn.fails("HACKERNEWS_SEARCH_POSTS", {"query": "x", "numeric_filters": "karma>1"}, status=400)
    assert "numeric condition" in bad["error"]


def test_items_comments_and_users(hn):
    story = hn.ok("HACKERNEWS_GET_ITEM", {"id": 9001})
    assert story["title"] == "Rust 2.0 released" and [c["author"] for c in story["children"]] == [
        "tptacek",
        "dang",
    ]
    assert story["children"][0]["children"][0]["text"] == "Agreed."
    hn.fails("HACKERNEWS_GET_ITEM", {"id": 1}, status=404)

    comments = hn.ok("HACKERNEWS_GET_STORY_COMMENTS", {"story_id": 9001, "size": 2})
    assert [h["objectID"] for h in comments["hits"]] == ["9103", "9102"] and comments["nbHits"] == 3
    assert comments["hits"][1]["parent_id"] == 9101 and comments["nbPages"] == 2
    rest = hn.ok("HACKERNEWS_GET_STORY_COMMENTS", {"story_id": 9001, "size": 2, "page": 1})
    assert [h["comment_text"] for h in rest["hits"]] == ["Finally, <i>stable</i> async traits."]
    sent = [r for r in hn.emulator.requests.all() if ("tags", "comment,story_9001") in r.query]
    assert len(sent) == 2

    pg = hn.ok("HACKERNEWS_GET_USER", {"username": "pg"})
    assert pg["karma"] == 157_000 and pg["about"] == "Bug fixer."
    hn.fails("HACKERNEWS_GET_USER", {"username": "nobody-here"}, status=404)


def test_top_and_best_story_ids_come_from_the_firebase_api(hn):
    top = hn.ok("HACKERNEWS_GET_TOP_STORIES", {"size": 3})
    assert top == {"data": [8863, 9001, 9002]}
    assert hn.ok("HACKERNEWS_GET_BEST_STORIES", {"size": 2}) == {"data": [9001, 9002]}
    assert len(hn.ok("HACKERNEWS_GET_TOP_STORIES")["data"]) == 6  # default 30, fewer exist
    firebase = [r for r in hn.emulator.requests.all() if r.path.startswith("/v0/")]
    assert [r.path for r in firebase] == [
        "/v0/topstories.json",
        "/v0/beststories.json",
        "/v0/topstories.json",
    ]
    assert ("orderBy", '"$key"') in firebase[0].query and ("limitToFirst", "3") in firebase[0].query
