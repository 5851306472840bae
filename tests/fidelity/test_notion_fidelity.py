"""Every Notion tool's requests against Notion's published OpenAPI description (API 2025-09-03).

HTTP tools are checked statically (every argument, and only the required
ones) and live; the Python-handler tools (which build Notion's nested bodies)
are checked live, on every request they send to the emulator. The
description declares `Notion-Version` on most operations but not on
create-a-comment, although Notion requires it on every request, so it is
treated as a transport header like GitHub's API version header.

The static check of every tool and the drift tests (negative tests proving drift fails)
are parametrized over toolkits in ``test_fidelity.py``; this toolkit's reference, request
shape and drifts are in ``profiles/notion.py``.
"""

from __future__ import annotations

import pytest

from tests.fidelity.checker import check_request
from tests.fidelity.profiles.notion import NOTION_HEADERS, UNDESCRIBED, beyond_gaps
from tests.fidelity.support import (
    description,
    from_recorded,
)
from valetkey.catalog.loader import BUILTIN_DIR, load_toolkit
from valetkey.sandbox.apps.notion.state import ADA, PROJECTS, TASKS_DB, TASKS_SOURCE


@pytest.fixture(scope="module")
def spec():
    return description("notion", "notion-openapi.subset.json")


@pytest.fixture(scope="module")
def toolkit():
    return load_toolkit(BUILTIN_DIR / "notion")


LIVE_CALLS = [
    ("NOTION_GET_BOT_USER", {}),
    ("NOTION_LIST_USERS", {"page_size": 10}),
    ("NOTION_GET_USER", {"user_id": ADA}),
    (
        "NOTION_SEARCH",
        {
            "query": "Proj",
            "filter": {"property": "object", "value": "page"},
            "sort": {"direction": "descending", "timestamp": "last_edited_time"},
            "page_size": 5,
        },
    ),
    ("NOTION_GET_PAGE", {"page_id": PROJECTS}),
    ("NOTION_GET_PAGE_PROPERTY", {"page_id": PROJECTS, "property_id": "title", "page_size": 5}),
    ("NOTION_GET_DATABASE", {"database_id": TASKS_DB}),
    ("NOTION_GET_DATA_SOURCE", {"data_source_id": TASKS_SOURCE}),
    (
        "NOTION_CREATE_PAGE",
        {
            "parent_id": TASKS_SOURCE,
            "parent_type": "data_source_id",
            "title": "Row",
            "properties": [
                {"name": "Status", "value": "Done"},
                {"name": "Priority", "value": "2"},
                {"name": "Done", "value": "yes"},
                {"name": "Due", "value": "2025-01-01"},
            ],
            "content": "# H\n- b\n- [x] t",
            "icon_emoji": "✅",
        },
    ),
    ("NOTION_CREATE_PAGE", {"parent_id": PROJECTS, "title": "Child", "content": "text"}),
    ("NOTION_UPDATE_PAGE", {"page_id": PROJECTS, "title": "Projects 2", "icon_emoji": "📂"}),
    ("NOTION_ARCHIVE_PAGE", {"page_id": "{page}", "in_trash": True}),
    (
        "NOTION_QUERY_DATA_SOURCE",
        {
            "data_source_id": TASKS_SOURCE,
            "match": "any",
            "page_size": 10,
            "filters": [
                {"property": "Status", "condition": "equals", "value": "Done"},
                {"property": "Priority", "condition": "greater_than", "value": "1"},
                {"property": "Done", "condition": "equals", "value": "true"},
                {"property": "Due", "condition": "on_or_after", "value": "2024-01-01"},
                {"property": "Notes", "condition": "is_empty"},
            ],
            "sorts": [{"property": "Priority", "direction": "ascending"}],
        },
    ),
    ("NOTION_GET_BLOCK_CHILDREN", {"block_id": PROJECTS, "page_size": 10}),
    ("NOTION_APPEND_BLOCK_CHILDREN", {"block_id": PROJECTS, "content": "## Next\n1. one\n> q"}),
    ("NOTION_UPDATE_BLOCK", {"block_id": "{block}", "text": "edited"}),
    ("NOTION_DELETE_BLOCK", {"block_id": "{block}"}),
    ("NOTION_CREATE_COMMENT", {"page_id": PROJECTS, "text": "c"}),
    ("NOTION_CREATE_COMMENT", {"discussion_id": "{discussion}", "text": "reply"}),
    ("NOTION_LIST_COMMENTS", {"block_id": PROJECTS, "page_size": 10}),
    (
        "NOTION_CREATE_DATABASE",
        {
            "parent_page_id": PROJECTS,
            "title": "DB",
            "properties": [
                {"name": "Tag", "type": "multi_select", "options": "a,b"},
                {"name": "When", "type": "date"},
            ],
        },
    ),
]


def test_live_requests_of_every_tool_match_the_description(connect, spec, toolkit):
    notion = connect("notion")
    notion.emulator.requests.clear()
    problems, ids = [], {}
    for slug, arguments in LIVE_CALLS:
        arguments = {
            k: ids.get(v.strip("{}"), v) if isinstance(v, str) and v.startswith("{") else v
            for k, v in arguments.items()
        }
        before = len(notion.emulator.requests)
        result = notion.execute(slug, arguments)
        assert result["successful"], (slug, result["error"])
        data = result["data"]
        if slug == "NOTION_CREATE_PAGE":
            ids["page"] = data["id"]
        if slug == "NOTION_APPEND_BLOCK_CHILDREN":
            ids["block"] = data["results"][0]["id"]
        if slug == "NOTION_CREATE_COMMENT":
            ids["discussion"] = data["discussion_id"]
        for sent in notion.emulator.requests.all()[before:]:
            assert sent.header("notion-version") == "2025-09-03", slug
            assert sent.header("authorization").startswith("Bearer ntn_"), slug
            if slug in UNDESCRIBED and (sent.method, sent.path) == ("POST", "/v1/databases"):
                continue
            problems += check_request(spec, from_recorded(sent), transport_headers=NOTION_HEADERS)
    assert not beyond_gaps(problems), "\n".join(beyond_gaps(problems))
    assert problems, "the description gaps are gone: drop DESCRIPTION_GAPS entries that no longer match"
    assert {slug for slug, _ in LIVE_CALLS} == {t.slug for t in toolkit.tools}


def test_coverage_every_tool_is_described_or_listed_with_a_reason(spec, toolkit):
    described = {op.id for op in spec.operations}
    for tool in toolkit.tools:
        if tool.operation is not None:
            found = spec.find(
                tool.operation.method, "/v1" + tool.operation.path.replace("{", "").replace("}", "")
            )
            assert found is not None and found[0].id in described, tool.slug
        else:
            assert tool.handler and (tool.slug in UNDESCRIBED or tool.slug in {s for s, _ in LIVE_CALLS}), (
                tool.slug
            )
    assert spec.find("POST", "/v1/databases") is None  # still true of the published description
