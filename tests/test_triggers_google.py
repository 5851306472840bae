"""Google Calendar and Drive polling triggers through the official SDK, against the sandbox emulators.

Calendar: the trigger takes a sync token when created and follows ``events.list``
with ``syncToken`` (created, updated, cancelled); an expired token (410) is reported
and replaced. Drive: a start page token, then ``changes.list`` (files created,
edited, deleted). The events are made through each emulator's API.
"""

from __future__ import annotations

import httpx
import pytest

from tests.support.receiver import Receiver
from tests.support.toolkits import _default_subject
from tests.support.triggers import connect_for_triggers, start_trigger_server, wait_until

CALENDAR = "GOOGLECALENDAR_GOOGLE_CALENDAR_EVENT_CHANGE_TRIGGER"
DRIVE = "GOOGLEDRIVE_GOOGLE_DRIVE_CHANGES"


@pytest.fixture(scope="module")
def google_server(backend, emulators, request):
    threaded, running = start_trigger_server(backend, request, emulators)
    yield running
    threaded.stop()


@pytest.fixture
def receiver():
    r = Receiver().start()
    yield r
    r.stop()


def api_client(emulators, slug: str, scope: str) -> httpx.Client:
    emulator = emulators.emulator(slug)
    token = emulator.issue_token(_default_subject(emulator), (scope,))
    return httpx.Client(base_url=emulators.url, headers={"Authorization": f"Bearer {token}"}, timeout=20)


def first_poll(account, trigger_id: str) -> None:
    wait_until(
        lambda: (
            account.sdk.triggers.list_active(trigger_ids=[trigger_id])
            .items[0]
            .model_dump()["health"]["last_poll_at"]
        ),
        what="the first poll",
    )


def test_calendar_changes_by_sync_token(google_server, emulators, receiver):
    cal = connect_for_triggers(emulators, google_server, "googlecalendar", receiver, user_id="cal")
    calendar = api_client(emulators, "googlecalendar", "https://www.googleapis.com/auth/calendar")
    events = "/googlecalendar/calendar/v3/calendars/primary/events"

    def insert(summary: str) -> dict:
        body = {
            "summary": summary,
            "start": {"dateTime": "2026-12-04T10:00:00Z"},
            "end": {"dateTime": "2026-12-04T11:00:00Z"},
        }
        created = calendar.post(events, json=body)
        assert created.status_code == 200, created.text
        return created.json()

    before = insert("Already there")
    trigger_id = cal.create(CALENDAR)
    first_poll(cal, trigger_id)
    cal.nothing_more(0, settle=0.5)  # what was there when the trigger was created is never delivered
    standup = insert("Standup")
    assert calendar.patch(f"{events}/{before['id']}", json={"summary": "Moved"}).status_code == 200
    got = {r["data"]["event_id"]: cal.check(r, CALENDAR, trigger_id) for r in cal.events(2)}
    assert got[standup["id"]]["change"] == "created" and got[before["id"]]["change"] == "updated"
    assert calendar.delete(f"{events}/{standup['id']}").status_code == 204
    third = cal.check(cal.events(3)[2], CALENDAR, trigger_id)
    assert third["change"] == "cancelled" and third["event_id"] == standup["id"]
    cal.nothing_more(3)

    # Google expires the sync token (410 fullSyncRequired): reported in the health, and replaced.
    assert httpx.post(f"{emulators.url}/_sandbox/googlecalendar/sync/expire", json={}).status_code == 200

    def errored():
        health = cal.sdk.triggers.list_active(trigger_ids=[trigger_id]).items[0].model_dump()["health"]
        return health if health["consecutive_errors"] else None

    assert "sync token" in wait_until(errored, what="the poll error")["last_error"]
    calendar.close()
    cal.api.close()


def test_drive_changes_by_page_token(google_server, emulators, receiver):
    drv = connect_for_triggers(emulators, google_server, "googledrive", receiver, user_id="drv")
    drive = api_client(emulators, "googledrive", "https://www.googleapis.com/auth/drive")
    files = "/googledrive/drive/v3/files"
    old = drive.post(files, json={"name": "before.txt", "mimeType": "text/plain"})
    assert old.status_code == 200, old.text
    trigger_id = drv.create(DRIVE, {"interval": 1})
    first_poll(drv, trigger_id)
    drv.nothing_more(0, settle=0.5)
    made = [
        drive.post(files, json={"name": f"file{i}.txt", "mimeType": "text/plain"}).json() for i in range(3)
    ]
    got = [drv.check(r, DRIVE, trigger_id) for r in drv.events(3)]
    assert sorted(d["file_id"] for d in got) == sorted(f["id"] for f in made)
    assert all(d["removed"] is False for d in got)
    assert drive.delete(f"{files}/{made[0]['id']}").status_code == 204
    gone = drv.check(drv.events(4)[3], DRIVE, trigger_id)
    assert gone["file_id"] == made[0]["id"] and gone["removed"] is True
    drv.nothing_more(4)
    drive.close()
    drv.api.close()
