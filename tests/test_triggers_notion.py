"""Notion polling triggers: pages added to a database and pages updated, with minute-precision
timestamps deduplicated at the watermark. The API is a loopback stand-in (version 2025-09-03:
databases and their data sources) until the sandbox's Notion emulator filters by timestamp."""

from __future__ import annotations

import datetime as dt
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


def minute(offset: int = 0) -> str:
    now = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0) + dt.timedelta(minutes=offset)
    return now.isoformat().replace("+00:00", ".000Z")


class FakeNotion:
    def __init__(self):
        self.pages: list[dict] = []

        async def database(request):
            return JSONResponse(
                {
                    "object": "database",
                    "id": request.path_params["id"],
                    "data_sources": [{"id": "ds-" + request.path_params["id"], "name": "Tasks"}],
                }
            )

        async def query(request):
            body = await request.json()
            field = body["filter"]["timestamp"]
            since = body["filter"][field]["on_or_after"].replace(".000Z", "Z")
            rows = sorted(
                (
                    p
                    for p in self.pages
                    if p["_ds"] == request.path_params["ds"] and p[field].replace(".000Z", "Z") >= since
                ),
                key=lambda p: p[field],
            )
            offset = int(body.get("start_cursor") or 0)
            page = rows[offset : offset + 2]
            more = offset + 2 < len(rows)
            return JSONResponse(
                {
                    "object": "list",
                    "results": [{k: v for k, v in p.items() if k != "_ds"} for p in page],
                    "has_more": more,
                    "next_cursor": str(offset + 2) if more else None,
                }
            )

        self.server = ThreadedServer(
            Starlette(
                routes=[
                    Route("/v1/databases/{id}", database),
                    Route("/v1/data_sources/{ds}/query", query, methods=["POST"]),
                ]
            )
        ).start()
        self.url = self.server.url

    def add(self, database: str, page_id: str, title: str) -> dict:
        page = {
            "object": "page",
            "id": page_id,
            "_ds": "ds-" + database,
            "created_time": minute(),
            "last_edited_time": minute(),
            "url": f"https://www.notion.so/{page_id}",
            "properties": {"Name": {"type": "title", "title": [{"plain_text": title}]}},
        }
        self.pages.append(page)
        return page

    def edit(self, page: dict, offset: int = 1) -> None:
        page["last_edited_time"] = minute(offset)


@pytest.fixture(scope="module")
def notion():
    fake = FakeNotion()
    yield fake
    fake.server.stop()


@pytest.fixture(scope="module")
def notion_server(backend, request):
    threaded, running = start_server(
        database_url_for(backend, request),
        webhook_allow_private=True,
        webhook_retry_schedule=(0, 1, 1),
        poll_interval=0.5,
    )
    yield running
    threaded.stop()


def test_pages_added_and_updated(notion_server, notion):
    receiver = Receiver().start()
    keys = notion_server.new_project()
    db_id = "db" + keys.id
    sdk = Composio(api_key=keys.api_key, base_url=notion_server.url)
    secret = sdk.triggers.set_webhook_subscription(webhook_url=receiver.url)["secret"]
    make_account(
        notion_server,
        keys.id,
        toolkit="notion",
        scheme="OAUTH2",
        user_id="nat",
        secrets={"access_token": "secret_fake", "base_url": notion.url + "/v1"},
    )
    try:
        old = notion.add(db_id, "p-old" + keys.id, "Already there")  # same minute as the watermark
        added = sdk.triggers.create(
            "NOTION_PAGE_ADDED_TO_DATABASE", user_id="nat", trigger_config={"database_id": db_id}
        ).trigger_id
        updated = sdk.triggers.create(
            "NOTION_PAGE_UPDATED_TRIGGER", user_id="nat", trigger_config={"database_id": db_id}
        ).trigger_id
        time.sleep(1.2)
        assert receiver.received == []
        new = [notion.add(db_id, f"p{i}" + keys.id, f"Task {i}") for i in range(3)]  # two result pages
        deliveries = receiver.wait_for(6)  # each new page is added, and (created now) edited now
        time.sleep(1.2)
        assert len(receiver.received) == 6
        notion.edit(old)
        seventh = receiver.wait_for(7)[6]
        time.sleep(1.2)
        assert len(receiver.received) == 7
        raws = [
            sdk.triggers.verify_webhook(
                id=d.headers["webhook-id"],
                payload=d.body,
                signature=d.headers["webhook-signature"],
                timestamp=d.headers["webhook-timestamp"],
                secret=secret,
            )["raw_payload"]
            for d in deliveries + [seventh]
        ]
        added_ids = sorted(r["data"]["page_id"] for r in raws if r["metadata"]["trigger_id"] == added)
        assert added_ids == sorted(p["id"] for p in new)
        edits = [r["data"]["page_id"] for r in raws if r["metadata"]["trigger_id"] == updated]
        assert sorted(edits) == sorted([p["id"] for p in new] + [old["id"]])
        assert {r["data"]["title"] for r in raws} >= {"Task 0", "Already there"}
        for r in raws:
            jsonschema.validate(r["data"], sdk.triggers.get_type(r["metadata"]["trigger_slug"]).payload)
    finally:
        receiver.stop()
