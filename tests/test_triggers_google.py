"""Google Calendar and Drive polling triggers: sync tokens and change page tokens as watermarks.
The APIs are a loopback stand-in answering as Google documents, until the sandbox's emulators
serve syncToken and changes."""

from __future__ import annotations

import time

import jsonschema
import pytest
from composio import Composio
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.support.app import database_url_for, start_server
from tests.support.execution import make_account
from tests.support.receiver import Receiver
from tests.support.servers import ThreadedServer


class FakeGoogle:
    def __init__(self):
        self.version = 100
        self.events: dict[str, dict] = {}
        self.expired: set[str] = set()
        self.changes: list[dict] = []

        async def events(request):
            q = request.query_params
            sync = q.get("syncToken")
            if sync in self.expired:
                return JSONResponse(
                    {"error": {"code": 410, "message": "Sync token is no longer valid"}}, status_code=410
                )
            since = int(sync[1:]) if sync else -1
            items = [
                e for e in self.events.values() if e["_v"] > since and (sync or e["status"] != "cancelled")
            ]
            return JSONResponse(
                {
                    "items": [{k: v for k, v in e.items() if k != "_v"} for e in items],
                    "nextSyncToken": f"s{self.version}",
                }
            )

        async def start_token(request):
            return JSONResponse({"startPageToken": str(len(self.changes) + 1)})

        async def changes(request):
            token = int(request.query_params["pageToken"])
            page = self.changes[token - 1 : token + 1]
            body: dict = {"changes": page}
            if token + 1 <= len(self.changes):
                body["nextPageToken"] = str(token + 2)
            else:
                body["newStartPageToken"] = str(len(self.changes) + 1)
            return JSONResponse(body)

        self.server = ThreadedServer(
            Starlette(
                routes=[
                    Route("/calendar/v3/calendars/{cal}/events", events),
                    Route("/drive/v3/changes/startPageToken", start_token),
                    Route("/drive/v3/changes", changes),
                ]
            )
        ).start()
        self.url = self.server.url

    def calendar_event(self, event_id: str, summary: str, status: str = "confirmed") -> None:
        self.version += 1
        stamp = f"2026-12-03T08:{self.version % 60:02d}:00Z"
        previous = self.events.get(event_id)
        self.events[event_id] = {
            "id": event_id,
            "summary": summary,
            "status": status,
            "_v": self.version,
            "created": previous["created"] if previous else stamp,
            "updated": stamp,
            "start": {"dateTime": "2026-12-04T10:00:00Z"},
            "end": {"dateTime": "2026-12-04T11:00:00Z"},
        }

    def drive_change(self, file_id: str, name: str, removed: bool = False) -> None:
        self.changes.append(
            {
                "kind": "drive#change",
                "changeType": "file",
                "fileId": file_id,
                "removed": removed,
                "time": "2026-12-03T08:00:00Z",
                **({} if removed else {"file": {"id": file_id, "name": name, "mimeType": "text/plain"}}),
            }
        )


@pytest.fixture(scope="module")
def google():
    fake = FakeGoogle()
    yield fake
    fake.server.stop()


@pytest.fixture(scope="module")
def google_server(backend, request):
    threaded, running = start_server(
        database_url_for(backend, request),
        webhook_allow_private=True,
        webhook_retry_schedule=(0, 1, 1),
        poll_interval=0.5,
    )
    yield running
    threaded.stop()


@pytest.fixture
def receiver():
    r = Receiver().start()
    yield r
    r.stop()


def payloads(sdk, deliveries, secret):
    return [
        sdk.triggers.verify_webhook(
            id=d.headers["webhook-id"],
            payload=d.body,
            signature=d.headers["webhook-signature"],
            timestamp=d.headers["webhook-timestamp"],
            secret=secret,
        )["raw_payload"]
        for d in deliveries
    ]


def test_calendar_changes_by_sync_token(google_server, google, receiver):
    keys = google_server.new_project()
    sdk = Composio(api_key=keys.api_key, base_url=google_server.url)
    secret = sdk.triggers.set_webhook_subscription(webhook_url=receiver.url)["secret"]
    make_account(
        google_server,
        keys.id,
        toolkit="googlecalendar",
        scheme="OAUTH2",
        user_id="cal",
        secrets={"access_token": "ya29.fake", "base_url": google.url + "/calendar/v3"},
    )
    e1, before = "e1" + keys.id, "before" + keys.id  # the stand-in serves both backends' runs
    google.calendar_event(before, "Already there")
    trigger_id = sdk.triggers.create(
        "GOOGLECALENDAR_GOOGLE_CALENDAR_EVENT_CHANGE_TRIGGER", user_id="cal", trigger_config={}
    ).trigger_id
    time.sleep(1.2)
    assert receiver.received == []
    google.calendar_event(e1, "Standup")
    google.calendar_event(before, "Moved")
    got = payloads(sdk, receiver.wait_for(2), secret)
    by_id = {p["data"]["event_id"]: p["data"] for p in got}
    assert by_id[e1]["change"] == "created" and by_id[before]["change"] == "updated"
    google.calendar_event(e1, "Standup", status="cancelled")
    third = payloads(sdk, receiver.wait_for(3)[2:], secret)[0]
    assert third["data"]["change"] == "cancelled" and third["metadata"]["trigger_id"] == trigger_id
    for p in got + [third]:
        jsonschema.validate(
            p["data"], sdk.triggers.get_type("GOOGLECALENDAR_GOOGLE_CALENDAR_EVENT_CHANGE_TRIGGER").payload
        )
    time.sleep(1.2)
    assert len(receiver.received) == 3
    google.expired.add(f"s{google.version}")  # Google expires the watermark: reported, replaced
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        health = sdk.triggers.list_active(trigger_ids=[trigger_id]).items[0].model_dump()["health"]
        if health["consecutive_errors"]:
            break
        time.sleep(0.1)
    assert "sync token" in health["last_error"]


def test_drive_changes_by_page_token(google_server, google, receiver):
    keys = google_server.new_project()
    sdk = Composio(api_key=keys.api_key, base_url=google_server.url)
    secret = sdk.triggers.set_webhook_subscription(webhook_url=receiver.url)["secret"]
    make_account(
        google_server,
        keys.id,
        toolkit="googledrive",
        scheme="OAUTH2",
        user_id="drv",
        secrets={"access_token": "ya29.fake", "base_url": google.url},
    )
    google.drive_change("old", "before.txt")
    sdk.triggers.create("GOOGLEDRIVE_GOOGLE_DRIVE_CHANGES", user_id="drv", trigger_config={"interval": 1})
    time.sleep(1.2)
    assert receiver.received == []
    for i in range(3):
        google.drive_change(f"f{i}", f"file{i}.txt")  # two pages of changes
    google.drive_change("f0", "", removed=True)
    got = payloads(sdk, receiver.wait_for(4), secret)
    time.sleep(1.2)
    assert len(receiver.received) == 4
    assert sorted((p["data"]["file_id"], p["data"]["removed"]) for p in got) == [
        ("f0", False),
        ("f0", True),
        ("f1", False),
        ("f2", False),
    ]
    for p in got:
        jsonschema.validate(p["data"], sdk.triggers.get_type("GOOGLEDRIVE_GOOGLE_DRIVE_CHANGES").payload)
