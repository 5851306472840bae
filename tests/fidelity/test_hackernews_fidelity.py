"""Hacker News: no published machine-readable description to check against.

Neither the Algolia HN Search API (documented in prose at hn.algolia.com/api)
nor the official Firebase API (a README at github.com/HackerNews/API) has an
OpenAPI or other description in `shared/specs`, so every tool is listed in
`UNDESCRIBED` with that reason. What *is* checked is the documented request
contract, transcribed below from those pages: each tool's requests (built
statically and as the emulator received them) use only the documented paths
and query parameters. The negative tests prove drift from it fails.
"""

from __future__ import annotations

import dataclasses
import re

import pytest

from tests.fidelity.support import sample_arguments, tool_request
from valetkey.catalog.loader import BUILTIN_DIR, load_toolkit
from valetkey.catalog.model import ParamBinding

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


@pytest.fixture(scope="module")
def toolkit():
    return load_toolkit(BUILTIN_DIR / "hackernews")


def built(tool, arguments):
    """(method, path from the host root, query) of the request an HTTP tool sends."""
    request = tool_request(tool, arguments, "https://host.invalid")
    return request.method, request.path, request.query


def test_coverage_every_tool_is_listed_with_a_reason(toolkit):
    assert set(UNDESCRIBED) == {t.slug for t in toolkit.tools}
    assert all(reason.startswith("no published description") for reason in UNDESCRIBED.values())


def test_every_http_tool_sends_only_documented_requests(toolkit):
    problems = []
    for tool in toolkit.tools:
        if tool.operation is None:
            continue
        root = tool.operation.base_url or toolkit.base_url
        prefix = re.sub(r"^https?://[^/]+", "", root)
        for optional in (True, False):
            request = tool_request(tool, {**sample_arguments(tool, optional=optional)}, root)
            problems += [
                f"{tool.slug}: {p}"
                for p in contract_problems(request.method, prefix + request.path, request.query)
            ]
    assert not problems, "\n".join(problems)


def test_what_the_emulator_received_follows_the_contract(connect):
    hn = connect("hackernews")
    hn.ok("HACKERNEWS_GET_STORY_COMMENTS", {"story_id": 9001})
    hn.ok("HACKERNEWS_GET_TOP_STORIES", {"size": 2})
    hn.ok(
        "HACKERNEWS_SEARCH_POSTS",
        {"query": "rust", "tags": "story", "numeric_filters": "points>1", "size": 5},
    )
    recorded = hn.emulator.requests.all()
    assert len(recorded) == 3
    for request in recorded:
        assert contract_problems(request.method, request.path, request.query) == []


def test_drift_is_caught(toolkit):
    search = next(t for t in toolkit.tools if t.slug == "HACKERNEWS_SEARCH_POSTS")
    renamed = tuple(
        ParamBinding(b.arg, b.location, "per_page") if b.arg == "size" else b for b in search.operation.params
    )
    drifted = dataclasses.replace(search, operation=dataclasses.replace(search.operation, params=renamed))
    method, path, query = built(drifted, {"query": "x", "size": 5})
    assert contract_problems(method, "/api/v1" + path, query) == [
        "/api/v1/search: query parameter 'per_page' is not documented"
    ]
    assert contract_problems("GET", "/api/v1/searches", ()) == [
        "/api/v1/searches: no documented endpoint has this path"
    ]
    assert contract_problems("POST", "/api/v1/search", ())
