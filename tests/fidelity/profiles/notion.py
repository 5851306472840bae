"""Notion: its published OpenAPI description (API 2025-09-03, ``specs/notion``).

The description declares `Notion-Version` on most operations but not on
create-a-comment, although Notion requires it on every request, so it is
treated as a transport header like GitHub's API version header. Tool paths
are relative to ``/v1`` (`sent` puts it back).
"""

from __future__ import annotations

import re
from typing import Any

from tests.fidelity.checker import TRANSPORT_HEADERS, WireRequest, check_request
from tests.fidelity.profile import Drift, Fidelity, plus, replaced
from tests.fidelity.support import description, drifted, tool_by_slug, tool_request
from valetkey.catalog.model import Tool

NOTION_HEADERS = TRANSPORT_HEADERS | {"notion-version"}
#: Tools with no operation in Notion's description, and why.
UNDESCRIBED = {
    "NOTION_CREATE_DATABASE": "POST /v1/databases is not in the published 2025-09-03 description "
    "(it describes data sources, not database creation); its request is "
    "checked against the emulator only.",
}

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


def spec():
    return description("notion", "notion-openapi.subset.json")


def beyond_gaps(problems: list[str]) -> list[str]:
    return [
        p
        for p in problems
        if not any(f"({op})" in p and re.search(pattern, p) for op, pattern in DESCRIPTION_GAPS)
    ]


def check(request: WireRequest) -> list[str]:
    """Problems of a request whose path starts at the host root (``/v1/...``)."""
    return check_request(spec(), request, transport_headers=NOTION_HEADERS)


def sent(tool: Tool, arguments: dict[str, Any]) -> WireRequest:
    """The request `tool` sends, its path from the host root; every HTTP tool pins the API version."""
    assert tool.operation.headers == {"Notion-Version": "2025-09-03"}, tool.slug
    request = tool_request(tool, arguments)
    return replaced(request, path="/v1" + request.path)


def _page(toolkit, **change) -> WireRequest:
    return sent(drifted(tool_by_slug(toolkit, "NOTION_GET_PAGE"), **change), {"page_id": "p"})


HANDLER_PAGE = WireRequest(
    "POST",
    "/v1/pages",
    (),
    {"notion-version": "2025-09-03"},
    {"parent": {"page_id": "p"}, "props": {}},
    "application/json",
)

DRIFTS = (
    Drift(
        "renamed query parameter",
        lambda tk: sent(
            plus(tool_by_slug(tk, "NOTION_GET_BLOCK_CHILDREN"), "page_size", "query", "limit"),
            {"block_id": "b", "page_size": 5},
        ),
        ("query parameter 'limit' is not declared",),
    ),
    Drift(
        "renamed body field",
        lambda tk: sent(plus(tool_by_slug(tk, "NOTION_SEARCH"), "query", "body", "text"), {"query": "x"}),
        ("body property 'text' is not declared",),
    ),
    Drift("wrong path", lambda tk: _page(tk, path="/page/{page_id}"), ("no operation",), first=True),
    Drift("wrong method", lambda tk: _page(tk, method="POST"), ("no operation",), first=True),
    Drift(
        "wrong value",
        lambda tk: sent(
            tool_by_slug(tk, "NOTION_SEARCH"), {"filter": {"property": "object", "value": "database"}}
        ),
        ("filter",),
    ),
    Drift(
        "python tool: missing required body field",
        lambda tk: HANDLER_PAGE,
        ("'properties' is a required property",),
        considered=beyond_gaps,
    ),
    Drift(
        "python tool: renamed body field",
        lambda tk: HANDLER_PAGE,
        ("body property 'props' is not declared",),
        considered=beyond_gaps,
    ),
)

FIDELITY = Fidelity("notion", check, request=sent, undescribed=UNDESCRIBED, drifts=DRIFTS)
