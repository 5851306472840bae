"""Notion polling triggers through the official SDK, against the sandbox's Notion emulator.

The trigger finds the database's data source (``GET /v1/databases/{id}``) and takes
its watermark when created (the pages there then are never delivered); pages
created and edited through the emulator's API are found by querying the data
source by ``created_time`` / ``last_edited_time``, oldest first, across result pages.
"""

from __future__ import annotations

import httpx
import pytest

from tests.support.receiver import Receiver
from tests.support.toolkits import _default_subject
from tests.support.triggers import connect_for_triggers, start_trigger_server, wait_until

TASKS_DB = "dbdbdbdb-0000-4000-8000-000000000001"
TASKS_SOURCE = "5005ce00-0000-4000-8000-000000000001"
SEEDED_TASK = "7a5c0000-0000-4000-8000-000000000001"


@pytest.fixture(scope="module")
def notion_server(backend, emulators, request):
    threaded, running = start_trigger_server(backend, request, emulators)
    yield running
    threaded.stop()


@pytest.fixture
def receiver():
    r = Receiver().start()
    yield r
    r.stop()


def test_pages_added_and_updated(notion_server, emulators, receiver):
    nat = connect_for_triggers(emulators, notion_server, "notion", receiver, user_id="nat")
    emulator = emulators.emulator("notion")
    token = emulator.issue_token(_default_subject(emulator))
    notion = httpx.Client(
        base_url=f"{emulators.url}/notion/v1",
        headers={"Authorization": f"Bearer {token}", "Notion-Version": "2025-09-03"},
        timeout=20,
    )

    def add(name: str) -> dict:
        created = notion.post(
            "/pages",
            json={
                "parent": {"type": "data_source_id", "data_source_id": TASKS_SOURCE},
                "properties": {"Name": {"title": [{"text": {"content": name}}]}},
            },
        )
        assert created.status_code == 200, created.text
        return created.json()

    added = nat.create("NOTION_PAGE_ADDED_TO_DATABASE", {"database_id": TASKS_DB})
    updated = nat.create("NOTION_PAGE_UPDATED_TRIGGER", {"database_id": TASKS_DB})

    def polled() -> bool:
        items = nat.sdk.triggers.list_active(trigger_ids=[added, updated]).items
        return len(items) == 2 and all(i.model_dump()["health"]["last_poll_at"] for i in items)

    wait_until(polled, what="both triggers' first poll")
    nat.nothing_more(0, settle=0.5)  # the seeded tasks are never delivered
    new = [add(f"Task {i}") for i in range(3)]
    raws = nat.events(6)  # each new page is added, and (created now) edited now
    nat.nothing_more(6)
    edit = notion.patch(
        f"/pages/{SEEDED_TASK}",
        json={"properties": {"Name": {"title": [{"text": {"content": "Spec done"}}]}}},
    )
    assert edit.status_code == 200, edit.text
    raws = nat.events(7)
    nat.nothing_more(7)

    by = {added: [], updated: []}
    for raw in raws:
        trigger_id = raw["metadata"]["trigger_id"]
        slug = "NOTION_PAGE_ADDED_TO_DATABASE" if trigger_id == added else "NOTION_PAGE_UPDATED_TRIGGER"
        by[trigger_id].append(nat.check(raw, slug, trigger_id))
    assert sorted(d["page_id"] for d in by[added]) == sorted(p["id"] for p in new)
    assert sorted(d["page_id"] for d in by[updated]) == sorted([p["id"] for p in new] + [SEEDED_TASK])
    assert {d["title"] for d in by[updated]} >= {"Task 0", "Spec done"}

    # Disabled: an edit made meanwhile is never delivered.
    nat.sdk.triggers.disable(updated)
    notion.patch(
        f"/pages/{new[0]['id']}", json={"properties": {"Name": {"title": [{"text": {"content": "x"}}]}}}
    )
    nat.nothing_more(7)
    notion.close()
    nat.api.close()
