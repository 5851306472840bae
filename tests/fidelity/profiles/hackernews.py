"""Hacker News: no published machine-readable description; the documented request contract instead.

Neither the Algolia HN Search API (documented in prose at hn.algolia.com/api)
nor the official Firebase API (a README at github.com/HackerNews/API) has an
OpenAPI or other description in `shared/specs`, so every tool is listed in
`UNDESCRIBED` with that reason. What *is* checked is the documented request
contract, transcribed below from those pages: each tool's requests use only
the documented paths and query parameters.
"""

from __future__ import annotations

import re
from typing import Any

from tests.fidelity.checker import WireRequest
from tests.fidelity.profile import Drift, Fidelity, builtin_toolkit, renamed
from tests.fidelity.support import tool_by_slug, tool_request
from valetkey.catalog.model import Tool

ALGOLIA = (
    "no published description: the Algolia HN Search API is documented only in prose (hn.algolia.com/api)"
)
FIREBASE = (
    "no published description: the HN Firebase API is documented only in a README (github.com/HackerNews/API)"
)
UNDESCRIBED = {
    "HACKERNEWS_GET_FRONTPAGE": ALGOLIA,
    "HACKERNEWS_GET_LATEST_POSTS": ALGOLIA,
    "HACKERNEWS_SEARCH_POSTS": ALGOLIA,
    "HACKERNEWS_GET_ITEM": ALGOLIA,
    "HACKERNEWS_GET_USER": ALGOLIA,
    "HACKERNEWS_SEARCH_POSTS_BY_DATE": ALGOLIA,
    "HACKERNEWS_GET_STORY_COMMENTS": ALGOLIA,
    "HACKERNEWS_GET_ASK_HN_POSTS": ALGOLIA,
    "HACKERNEWS_GET_SHOW_HN_POSTS": ALGOLIA,
    "HACKERNEWS_GET_TOP_STORIES": FIREBASE,
    "HACKERNEWS_GET_BEST_STORIES": FIREBASE,
}
SEARCH_PARAMS = {"query", "tags", "numericFilters", "page", "hitsPerPage"}
#: (path pattern relative to the host's root, allowed query parameters), per the two APIs' documentation.
CONTRACT = [
    (r"/api/v1/search(_by_date)?", SEARCH_PARAMS),
    (r"/api/v1/items/\d+", set()),
    (r"/api/v1/users/[^/]+", set()),
    (r"/v0/(top|new|best|ask|show|job)stories\.json", {"orderBy", "limitToFirst", "print"}),
    (r"/v0/item/\d+\.json", {"print"}),
]


def contract_problems(method: str, path: str, query) -> list[str]:
    if method != "GET":
        return [f"{method} {path}: both APIs are read-only GETs"]
    for pattern, allowed in CONTRACT:
        if re.fullmatch(pattern, path):
            return [
                f"{path}: query parameter {name!r} is not documented"
                for name, _ in query
                if name not in allowed
            ]
    return [f"{path}: no documented endpoint has this path"]


def check(request: WireRequest) -> list[str]:
    return contract_problems(request.method, request.path, request.query)


def sent(tool: Tool, arguments: dict[str, Any]) -> WireRequest:
    """The request an HTTP tool sends, its path from the host's root (where the contract's paths start)."""
    root = tool.operation.base_url or builtin_toolkit("hackernews").base_url
    request = tool_request(tool, arguments, root)
    prefix = re.sub(r"^https?://[^/]+", "", root)
    return WireRequest(request.method, prefix + request.path, request.query)


DRIFTS = (
    Drift(
        "renamed query parameter",
        lambda tk: sent(
            renamed(tool_by_slug(tk, "HACKERNEWS_SEARCH_POSTS"), "size", "per_page"),
            {"query": "x", "size": 5},
        ),
        exact=("/api/v1/search: query parameter 'per_page' is not documented",),
    ),
    Drift(
        "wrong path",
        lambda tk: WireRequest("GET", "/api/v1/searches"),
        exact=("/api/v1/searches: no documented endpoint has this path",),
    ),
    Drift("wrong method", lambda tk: WireRequest("POST", "/api/v1/search")),
)

# Every tool is undescribed (no description), yet each is checked statically against the contract.
FIDELITY = Fidelity("hackernews", check, request=sent, drifts=DRIFTS)
