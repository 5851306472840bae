"""The Calendar emulator's incremental sync: nextSyncToken, syncToken, 410 for an unusable token."""

from __future__ import annotations

import httpx
import pytest

from tests.support.servers import ThreadedServer

SCOPE = "https://www.googleapis.com/auth/calendar"
EVENTS = "/googlecalendar/calendar/v3/calendars/primary/events"


@pytest.fixture(scope="module")
def sandbox():
    from valetkey.sandbox import create_sandbox_app

    app = create_sandbox_app()
    threaded = ThreadedServer(app).start()
    yield threaded.url, app.state.sandbox.apps["googlecalendar"]
    threaded.stop()


@pytest.fixture
def calendar(sandbox):
    url, emulator = sandbox
    emulator.reset()
    token = emulator.issue_token("alice@example.com", (SCOPE,))
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=10) as c:
        yield c


def insert(calendar: httpx.Client, summary: str) -> dict:
    body = {
        "summary": summary,
        "start": {"dateTime": "2026-05-01T10:00:00Z"},
        "end": {"dateTime": "2026-05-01T11:00:00Z"},
    }
    created = calendar.post(EVENTS, json=body)
    assert created.status_code == 200, created.text
    return created.json()


def test_a_full_sync_ends_with_a_sync_token_and_incremental_syncs_see_only_changes(calendar):
    kept = insert(calendar, "standing meeting")
    full = calendar.get(EVENTS).json()
    assert [e["id"] for e in full["items"]] == [kept["id"]] and "nextPageToken" not in full
    token = full["nextSyncToken"]
    assert calendar.get(EVENTS, params={"syncToken": token}).json()["items"] == []
    added = insert(calendar, "new one")
    calendar.patch(f"{EVENTS}/{kept['id']}", json={"summary": "renamed"})
    delta = calendar.get(EVENTS, params={"syncToken": token}).json()
    assert sorted(e["id"] for e in delta["items"]) == sorted([added["id"], kept["id"]])
    assert {e["summary"] for e in delta["items"]} == {"new one", "renamed"}
    token = delta["nextSyncToken"]
    assert calendar.delete(f"{EVENTS}/{added['id']}").status_code == 204
    [gone] = calendar.get(EVENTS, params={"syncToken": token}).json()["items"]
    assert gone["id"] == added["id"] and gone["status"] == "cancelled"  # deletions come through


def test_pages_carry_the_sync_token_on_the_last_page_only(calendar):
    for i in range(3):
        insert(calendar, f"e{i}")
    first = calendar.get(EVENTS, params={"maxResults": 2}).json()
    assert "nextSyncToken" not in first and first["nextPageToken"]
    last = calendar.get(EVENTS, params={"maxResults": 2, "pageToken": first["nextPageToken"]}).json()
    assert len(last["items"]) == 1 and last["nextSyncToken"]


def test_moved_events_show_as_cancelled_in_the_source_calendar(calendar):
    other = calendar.post("/googlecalendar/calendar/v3/calendars", json={"summary": "Team"}).json()
    event = insert(calendar, "moving")
    token = calendar.get(EVENTS).json()["nextSyncToken"]
    moved = calendar.post(f"{EVENTS}/{event['id']}/move", params={"destination": other["id"]})
    assert moved.status_code == 200
    [gone] = calendar.get(EVENTS, params={"syncToken": token}).json()["items"]
    assert gone == {"kind": "calendar#event", "etag": gone["etag"], "id": event["id"], "status": "cancelled"}


def test_unusable_tokens_are_410_full_sync_required_and_filters_are_refused(calendar):
    token = calendar.get(EVENTS).json()["nextSyncToken"]
    for bad in ("garbage", "", token[:-3]):
        answer = calendar.get(EVENTS, params={"syncToken": bad})
        assert answer.status_code == 410, bad
        error = answer.json()["error"]
        assert error["errors"][0]["reason"] == "fullSyncRequired" and error["code"] == 410
    assert calendar.get(EVENTS, params={"syncToken": token, "q": "x"}).status_code == 400
    assert (
        calendar.get(EVENTS, params={"syncToken": token, "timeMin": "2026-01-01T00:00:00Z"}).status_code
        == 400
    )
    assert calendar.post("/_sandbox/googlecalendar/sync/expire").status_code == 200
    assert calendar.get(EVENTS, params={"syncToken": token}).status_code == 410
    # Another calendar's token is not this calendar's.
    other = calendar.post("/googlecalendar/calendar/v3/calendars", json={"summary": "Other"}).json()
    foreign = calendar.get(f"/googlecalendar/calendar/v3/calendars/{other['id']}/events").json()[
        "nextSyncToken"
    ]
    assert calendar.get(EVENTS, params={"syncToken": foreign}).status_code == 410
