"""Hacker News: no published machine-readable description to check against.

Neither the Algolia HN Search API (documented in prose at hn.algolia.com/api)
nor the official Firebase API (a README at github.com/HackerNews/API) has an
OpenAPI or other description in `shared/specs`, so every tool is listed in
`UNDESCRIBED` with that reason. What *is* checked is the documented request
contract, transcribed below from those pages: each tool's requests (built
statically and as the emulator received them) use only the documented paths
and query parameters.

The static check of every tool and the drift tests (negative tests proving drift fails)
are parametrized over toolkits in ``test_fidelity.py``; this toolkit's reference, request
shape and drifts are in ``profiles/hackernews.py``.
"""

from __future__ import annotations

import pytest

from tests.fidelity.profiles.hackernews import UNDESCRIBED, contract_problems
from valetkey.catalog.loader import BUILTIN_DIR, load_toolkit


@pytest.fixture(scope="module")
def toolkit():
    return load_toolkit(BUILTIN_DIR / "hackernews")


def test_coverage_every_tool_is_listed_with_a_reason(toolkit):
    assert set(UNDESCRIBED) == {t.slug for t in toolkit.tools}
    assert all(reason.startswith("no published description") for reason in UNDESCRIBED.values())


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
