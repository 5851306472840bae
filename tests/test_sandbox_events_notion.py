"""The Notion emulator's data source query by last_edited_time, as a poller for new and edited pages uses it."""

from __future__ import annotations

import httpx
import pytest

from tests.support.servers import ThreadedServer

SOURCE = "5005ce00-0000-4000-8000-000000000001"  # the seeded Tasks data source
QUERY = f"/notion/v1/data_sources/{SOURCE}/query"


@pytest.fixture(scope="module")
def sandbox():
    from valetkey.sandbox import create_sandbox_app

    app = create_sandbox_app()
    threaded = ThreadedServer(app).start()
    yield threaded.url, app.state.sandbox.apps["notion"]
    threaded.stop()


@pytest.fixture
def notion(sandbox):
    url, emulator = sandbox
    emulator.reset()
    token = emulator.issue_token("ada")
    headers = {"Authorization": f"Bearer {token}", "Notion-Version": "2025-09-03"}
    with httpx.Client(base_url=url, headers=headers, timeout=10) as c:
        c.emulator = emulator  # type: ignore[attr-defined]
        yield c


def add_task(notion: httpx.Client, name: str) -> dict:
    created = notion.post(
        "/notion/v1/pages",
        json={
            "parent": {"type": "data_source_id", "data_source_id": SOURCE},
            "properties": {"Name": {"title": [{"text": {"content": name}}]}},
        },
    )
    assert created.status_code == 200, created.text
    return created.json()


def age(notion: httpx.Client, page_id: str, when: str) -> None:
    """Move a page's timestamps into the past (the emulator's clock has one-second steps)."""
    with notion.emulator.store.transaction() as state:  # type: ignore[attr-defined]
        page = state.pages[page_id]
        page.created_time = page.last_edited_time = when


def query(notion: httpx.Client, body: dict) -> httpx.Response:
    return notion.post(QUERY, json=body)


def test_filter_and_sort_by_last_edited_time_finds_new_and_edited_pages(notion):
    seeded = [p["id"] for p in query(notion, {}).json()["results"]]
    old = add_task(notion, "old")
    touched = add_task(notion, "touched later")
    for page_id in [*seeded, old["id"], touched["id"]]:
        age(notion, page_id, "2025-01-01T10:00:00.000Z")
    fresh = add_task(notion, "fresh")
    edit = notion.patch(
        f"/notion/v1/pages/{touched['id']}",
        json={"properties": {"Name": {"title": [{"text": {"content": "touched"}}]}}},
    )
    assert edit.status_code == 200
    watermark = "2025-06-01T00:00:00Z"
    body = {
        "filter": {"timestamp": "last_edited_time", "last_edited_time": {"on_or_after": watermark}},
        "sorts": [{"timestamp": "last_edited_time", "direction": "ascending"}],
    }
    found = query(notion, body).json()["results"]
    assert {p["id"] for p in found} == {fresh["id"], touched["id"]}
    assert [p["last_edited_time"] for p in found] == sorted(p["last_edited_time"] for p in found)
    assert all(p["last_edited_time"] >= watermark for p in found)
    before = query(
        notion, {"filter": {"timestamp": "last_edited_time", "last_edited_time": {"before": watermark}}}
    ).json()["results"]
    assert old["id"] in {p["id"] for p in before} and fresh["id"] not in {p["id"] for p in before}
    # created_time filters, a date (not date-time) operand, and a compound with a property filter.
    created = query(
        notion,
        {
            "filter": {
                "and": [
                    {"timestamp": "created_time", "created_time": {"after": "2025-06-01"}},
                    {"property": "Name", "title": {"equals": "fresh"}},
                ]
            }
        },
    ).json()["results"]
    assert [p["id"] for p in created] == [fresh["id"]]
    on_day = query(
        notion, {"filter": {"timestamp": "created_time", "created_time": {"equals": "2025-01-01"}}}
    ).json()["results"]
    assert {p["id"] for p in on_day} == {*seeded, old["id"], touched["id"]}
    recent = query(
        notion, {"filter": {"timestamp": "last_edited_time", "last_edited_time": {"past_week": {}}}}
    )
    assert {p["id"] for p in recent.json()["results"]} == {fresh["id"], touched["id"]}
    ahead = query(notion, {"filter": {"timestamp": "created_time", "created_time": {"next_week": {}}}})
    assert ahead.json()["results"] == []
    descending = query(notion, {"sorts": [{"timestamp": "last_edited_time", "direction": "descending"}]})
    times = [p["last_edited_time"] for p in descending.json()["results"]]
    assert times == sorted(times, reverse=True)


def test_bad_timestamp_filters_and_sorts_are_400(notion):
    bad = [
        {"filter": {"timestamp": "edited", "edited": {"after": "2025-01-01"}}},
        {"filter": {"timestamp": "last_edited_time", "last_edited_time": {"after": "yesterday"}}},
        {"filter": {"timestamp": "last_edited_time", "last_edited_time": {"around": "2025-01-01"}}},
        {"sorts": [{"timestamp": "updated_time"}]},
        {"filter": {"timestamp": "last_edited_time", "last_edited_time": {"past_week": {"days": 3}}}},
        {"sorts": [{"timestamp": "last_edited_time", "direction": "up"}]},
    ]
    for body in bad:
        answer = query(notion, body)
        assert answer.status_code == 400, body
        assert answer.json()["code"] == "validation_error"
