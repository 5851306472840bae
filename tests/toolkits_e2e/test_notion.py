"""Every Notion tool through the official SDK, a real server and the Notion emulator (API 2025-09-03)."""

from __future__ import annotations

import httpx
import pytest

from valetkey.sandbox.apps.notion.state import ADA, BOT_ID, PROJECTS, TASKS_DB, TASKS_SOURCE


@pytest.fixture
def notion(connect):
    """Ada's workspace through Notion's OAuth flow; every tool run is recorded for the coverage check."""
    return connect("notion")


def test_search_get_page_and_identity(notion):
    me = notion.ok("NOTION_GET_BOT_USER")
    assert me["id"] == BOT_ID and me["bot"]["workspace_name"] == "Valetkey Sandbox"
    found = notion.ok("NOTION_SEARCH", {"query": "proj", "filter": {"property": "object", "value": "page"}})
    assert [r["id"] for r in found["results"]] == [PROJECTS] and found["has_more"] is False
    first = notion.ok(
        "NOTION_SEARCH", {"page_size": 1, "sort": {"direction": "ascending", "timestamp": "last_edited_time"}}
    )
    assert first["has_more"] is True and first["next_cursor"]
    rest = notion.ok("NOTION_SEARCH", {"start_cursor": first["next_cursor"]})
    assert first["results"][0]["id"] not in [r["id"] for r in rest["results"]]
    sources = notion.ok("NOTION_SEARCH", {"filter": {"property": "object", "value": "data_source"}})
    assert [r["id"] for r in sources["results"]] == [TASKS_SOURCE]
    page = notion.ok("NOTION_GET_PAGE", {"page_id": PROJECTS})
    assert page["properties"]["title"]["title"][0]["plain_text"] == "Projects"
    missing = notion.fails("NOTION_GET_PAGE", {"page_id": "00000000-0000-4000-8000-000000000000"}, status=404)
    assert "object_not_found" in missing["data"]["message"]
    users = notion.ok("NOTION_LIST_USERS", {"page_size": 2})
    assert len(users["results"]) == 2 and users["has_more"] is True
    assert notion.ok("NOTION_GET_USER", {"user_id": ADA})["person"]["email"] == "ada@example.com"


def test_create_page_with_content_then_edit_and_trash_it(notion):
    created = notion.ok(
        "NOTION_CREATE_PAGE",
        {
            "parent_id": PROJECTS,
            "title": "Launch plan",
            "icon_emoji": "🚀",
            "content": "# Goals\n- Ship it\n1. Test\n- [ ] Announce\nPlain line",
        },
    )
    page = notion.state.pages[created["id"]]
    assert page.title == "Launch plan" and page.icon["emoji"] == "🚀"
    assert [notion.state.blocks[b].type for b in page.children] == [
        "heading_1",
        "bulleted_list_item",
        "numbered_list_item",
        "to_do",
        "paragraph",
    ]

    children = notion.ok("NOTION_GET_BLOCK_CHILDREN", {"block_id": created["id"], "page_size": 2})
    assert [b["type"] for b in children["results"]] == ["heading_1", "bulleted_list_item"] and children[
        "has_more"
    ]
    appended = notion.ok(
        "NOTION_APPEND_BLOCK_CHILDREN",
        {"block_id": created["id"], "content": "> Remember", "after": page.children[0]},
    )
    quote = appended["results"][0]["id"]
    assert page.children[1] == quote and notion.state.blocks[quote].type == "quote"
    todo = page.children[4]
    notion.ok("NOTION_UPDATE_BLOCK", {"block_id": todo, "text": "Announce on Friday", "checked": True})
    assert notion.state.blocks[todo].content["checked"] is True
    assert notion.state.blocks[todo].content["rich_text"][0]["plain_text"] == "Announce on Friday"
    bad = notion.execute("NOTION_UPDATE_BLOCK", {"block_id": page.children[0], "checked": True})
    assert bad["successful"] is False and "to_do" in bad["error"]
    deleted = notion.ok("NOTION_DELETE_BLOCK", {"block_id": quote})
    assert deleted["in_trash"] is True and notion.state.blocks[quote].in_trash

    renamed = notion.ok("NOTION_UPDATE_PAGE", {"page_id": created["id"], "title": "Launch plan v2"})
    assert renamed["properties"]["title"]["title"][0]["plain_text"] == "Launch plan v2"
    prop = notion.ok("NOTION_GET_PAGE_PROPERTY", {"page_id": created["id"], "property_id": "title"})
    assert prop["results"][0]["title"]["plain_text"] == "Launch plan v2"
    trashed = notion.ok("NOTION_ARCHIVE_PAGE", {"page_id": created["id"], "in_trash": True})
    assert trashed["in_trash"] is True and page.in_trash
    assert notion.ok("NOTION_SEARCH", {"query": "launch"})["results"] == []
    notion.ok("NOTION_ARCHIVE_PAGE", {"page_id": created["id"], "in_trash": False})
    assert not page.in_trash


def test_database_rows_query_and_typed_properties(notion):
    database = notion.ok("NOTION_GET_DATABASE", {"database_id": TASKS_DB})
    assert database["data_sources"] == [{"id": TASKS_SOURCE, "name": "Tasks"}]
    columns = notion.ok("NOTION_GET_DATA_SOURCE", {"data_source_id": TASKS_SOURCE})["properties"]
    assert columns["Status"]["type"] == "select"

    row = notion.ok(
        "NOTION_CREATE_PAGE",
        {
            "parent_id": TASKS_DB,
            "parent_type": "database_id",
            "title": "Write docs",
            "properties": [
                {"name": "Status", "value": "Done"},
                {"name": "Priority", "value": "3"},
                {"name": "Done", "value": "true"},
                {"name": "Due", "value": "2025-03-01"},
                {"name": "Notes", "value": "first draft"},
            ],
        },
    )
    stored = notion.state.pages[row["id"]].properties
    assert stored["Status"]["select"]["name"] == "Done" and stored["Priority"]["number"] == 3
    assert stored["Done"]["checkbox"] is True and stored["Due"]["date"]["start"] == "2025-03-01"
    wrong = notion.execute(
        "NOTION_CREATE_PAGE",
        {
            "parent_id": TASKS_SOURCE,
            "parent_type": "data_source_id",
            "title": "x",
            "properties": [{"name": "Nope", "value": "1"}],
        },
    )
    assert wrong["successful"] is False and "Status" in wrong["error"]

    done = notion.ok(
        "NOTION_QUERY_DATA_SOURCE",
        {
            "data_source_id": TASKS_SOURCE,
            "filters": [{"property": "Status", "condition": "equals", "value": "Done"}],
        },
    )
    assert [r["id"] for r in done["results"]] == [row["id"]]
    urgent = notion.ok(
        "NOTION_QUERY_DATA_SOURCE",
        {
            "data_source_id": TASKS_SOURCE,
            "match": "any",
            "filters": [
                {"property": "Priority", "condition": "greater_than", "value": "2"},
                {"property": "Name", "condition": "contains", "value": "spec"},
            ],
            "sorts": [{"property": "Priority", "direction": "descending"}],
        },
    )
    names = [r["properties"]["Name"]["title"][0]["plain_text"] for r in urgent["results"]]
    assert names == ["Write docs", "Write spec"]
    paged = notion.ok("NOTION_QUERY_DATA_SOURCE", {"data_source_id": TASKS_SOURCE, "page_size": 2})
    assert paged["has_more"] is True
    tail = notion.ok(
        "NOTION_QUERY_DATA_SOURCE", {"data_source_id": TASKS_SOURCE, "start_cursor": paged["next_cursor"]}
    )
    assert len(tail["results"]) == 1

    notion.ok(
        "NOTION_UPDATE_PAGE",
        {
            "page_id": row["id"],
            "properties": [{"name": "Status", "value": "Doing"}, {"name": "Priority", "value": "1.5"}],
        },
    )
    assert stored["Status"]["select"]["name"] == "Doing" and stored["Priority"]["number"] == 1.5
    priority = notion.ok("NOTION_GET_PAGE_PROPERTY", {"page_id": row["id"], "property_id": "pr%3Fo"})
    assert priority == {"object": "property_item", "id": "pr%3Fo", "type": "number", "number": 1.5}

    made = notion.ok(
        "NOTION_CREATE_DATABASE",
        {
            "parent_page_id": PROJECTS,
            "title": "Bugs",
            "properties": [
                {"name": "Severity", "type": "select", "options": "low, high"},
                {"name": "Open", "type": "checkbox"},
            ],
        },
    )
    source = notion.state.data_sources[made["data_sources"][0]["id"]]
    assert list(source.properties) == ["Name", "Severity", "Open"]
    assert [o["name"] for o in source.properties["Severity"]["select"]["options"]] == ["low", "high"]


def test_comments(notion):
    started = notion.ok("NOTION_CREATE_COMMENT", {"page_id": PROJECTS, "text": "Looks good"})
    reply = notion.ok("NOTION_CREATE_COMMENT", {"discussion_id": started["discussion_id"], "text": "Thanks"})
    assert reply["discussion_id"] == started["discussion_id"]
    listed = notion.ok("NOTION_LIST_COMMENTS", {"block_id": PROJECTS})
    assert [c["rich_text"][0]["plain_text"] for c in listed["results"]] == ["Looks good", "Thanks"]
    assert notion.state.comments[started["id"]].created_by == ADA
    failed = notion.execute("NOTION_CREATE_COMMENT", {"text": "orphan"})
    assert failed["successful"] is False


def test_internal_integration_token_and_errors_like_notion(connect, sandbox, request):
    internal = connect("notion", "BEARER_TOKEN")
    assert internal.ok("NOTION_GET_BOT_USER")["type"] == "bot"
    api = f"{sandbox.url}/notion/v1"
    with httpx.Client(timeout=10) as client:
        bad = client.get(
            f"{api}/users/me", headers={"Authorization": "Bearer ntn_bad", "Notion-Version": "2025-09-03"}
        )
        assert bad.status_code == 401
        assert {k: bad.json()[k] for k in ("object", "status", "code")} == {
            "object": "error",
            "status": 401,
            "code": "unauthorized",
        }
        token = internal.emulator.issue_token("ada")
        unversioned = client.get(f"{api}/users/me", headers={"Authorization": f"Bearer {token}"})
        assert (unversioned.status_code, unversioned.json()["code"]) == (400, "missing_version")
        invalid = client.post(
            f"{api}/pages",
            json={"parent": {}},
            headers={"Authorization": f"Bearer {token}", "Notion-Version": "2025-09-03"},
        )
        assert (invalid.status_code, invalid.json()["code"]) == (400, "validation_error")
        internal.emulator.seed_with({"rate_limit_per_second": 1})
        client.get(
            f"{api}/users", headers={"Authorization": f"Bearer {token}", "Notion-Version": "2025-09-03"}
        )
        limited = client.get(
            f"{api}/users", headers={"Authorization": f"Bearer {token}", "Notion-Version": "2025-09-03"}
        )
        assert limited.status_code == 429 and limited.json()["code"] == "rate_limited"
        assert limited.headers["retry-after"] == "1"
