"""Every Notion tool's requests against Notion's published OpenAPI description (API 2025-09-03).

HTTP tools are checked statically (every argument, and only the required
ones) and live; the Python-handler tools (which build Notion's nested bodies)
are checked live, on every request they send to the emulator. The
description declares `Notion-Version` on most operations but not on
create-a-comment, although Notion requires it on every request, so it is
treated as a transport header like GitHub's API version header.
"""

from __future__ import annotations

import dataclasses

import pytest

from tests.fidelity.checker import TRANSPORT_HEADERS, check_request
from tests.fidelity.support import (
    description,
    drifted,
    from_recorded,
    sample_arguments,
    tool_by_slug,
    tool_request,
)
from valetkey.catalog.loader import BUILTIN_DIR, load_toolkit
from valetkey.catalog.model import ParamBinding
from valetkey.sandbox.apps.notion.state import ADA, PROJECTS, TASKS_DB, TASKS_SOURCE

NOTION_HEADERS = TRANSPORT_HEADERS | {"notion-version"}
#: Tools with no operation in Notion's description, and why.
UNDESCRIBED = {
    "NOTION_CREATE_DATABASE": "POST /v1/databases is not in the published 2025-09-03 description "
    "(it describes data sources, not database creation); its request is "
    "checked against the emulator only.",
}


@pytest.fixture(scope="module")
def spec():
    return description("notion", "notion-openapi.subset.json")


@pytest.fixture(scope="module")
def toolkit():
    return load_toolkit(BUILTIN_DIR / "notion")


#: Where the published description (a simplified one, shipped for Notion's MCP server) is narrower
#: than the real API the tools follow: (operation id, pattern of the checker's message). Listed in
#: PROVENANCE.md; every other mismatch fails.
DESCRIPTION_GAPS = [
    ("post-page", r"body\.parent: \{'data_source_id'"),  # parentRequest predates data sources
    ("post-page", r"body property 'parent\.data_source_id'"),
    ("post-page", r"body\.children\.\d+: .* is not of type 'string'"),  # blocks typed as strings
    ("post-page", r"body\.icon: .* is not of type 'string'"),  # icon typed as a JSON string
    ("patch-page", r"body\.icon: Additional properties .*'type'"),  # emoji object without `type`
    ("patch-page", r"body property 'icon\.type'"),
    (
        "patch-block-children",
        r"body\.children\.\d+: .* is not valid under any of the given schemas",
    ),  # 2 block types only
    (
        "update-a-block",
        r"body property '(paragraph|heading_[123]|bulleted_list_item|numbered_list_item|to_do|quote)'",
    ),
    ("create-a-comment", r"'parent' is a required property"),  # replies by discussion_id not described
    ("create-a-comment", r"body property 'discussion_id'"),
]


def beyond_gaps(problems: list[str]) -> list[str]:
    import re

    return [
        p
        for p in problems
        if not any(f"({op})" in p and re.search(pattern, p) for op, pattern in DESCRIPTION_GAPS)
    ]


def check(spec, request):
    return check_request(
        spec, dataclasses.replace(request, path="/v1" + request.path), transport_headers=NOTION_HEADERS
    )


def test_every_http_tool_with_every_argument_builds_a_described_request(spec, toolkit):
    problems = []
    for tool in toolkit.tools:
        if tool.operation is None:
            continue
        for optional in (True, False):
            problems += check(spec, tool_request(tool, sample_arguments(tool, optional=optional)))
            assert tool.operation.headers == {"Notion-Version": "2025-09-03"}, tool.slug
    assert not problems, "\n".join(problems)


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


# -- drift is caught ---------------------------------------------------------


def test_a_renamed_query_or_body_parameter_fails(spec, toolkit):
    children = tool_by_slug(toolkit, "NOTION_GET_BLOCK_CHILDREN")
    wrong = drifted(
        children, params=(*children.operation.params, ParamBinding("page_size", "query", "limit"))
    )
    problems = check(spec, tool_request(wrong, {"block_id": "b", "page_size": 5}))
    assert any("query parameter 'limit' is not declared" in p for p in problems), problems

    search = tool_by_slug(toolkit, "NOTION_SEARCH")
    renamed = drifted(search, params=(*search.operation.params, ParamBinding("query", "body", "text")))
    problems = check(spec, tool_request(renamed, {"query": "x"}))
    assert any("body property 'text' is not declared" in p for p in problems), problems


def test_a_wrong_path_method_or_value_fails(spec, toolkit):
    page = tool_by_slug(toolkit, "NOTION_GET_PAGE")
    for wrong in (drifted(page, path="/page/{page_id}"), drifted(page, method="POST")):
        problems = check(spec, tool_request(wrong, {"page_id": "p"}))
        assert problems and "no operation" in problems[0], problems
    search = tool_by_slug(toolkit, "NOTION_SEARCH")
    problems = check(spec, tool_request(search, {"filter": {"property": "object", "value": "database"}}))
    assert any("filter" in p for p in problems), problems


def test_a_handler_request_that_drifts_fails(spec):
    from tests.fidelity.checker import WireRequest

    bad = WireRequest(
        "POST",
        "/v1/pages",
        (),
        {"notion-version": "2025-09-03"},
        {"parent": {"page_id": "p"}, "props": {}},
        "application/json",
    )
    problems = beyond_gaps(check_request(spec, bad, transport_headers=NOTION_HEADERS))
    assert any("'properties' is a required property" in p for p in problems), problems
    assert any("body property 'props' is not declared" in p for p in problems), problems
