"""The Catalog's lookups: toolkits, tools, version resolution, search (no server)."""

from __future__ import annotations

from pathlib import Path

import pytest

from valetkey.catalog.registry import load_catalog
from valetkey.core.errors import BadRequest, NotFound
from valetkey.search import rank_tools


@pytest.fixture(scope="module")
def catalog():
    return load_catalog([Path(__file__).parent / "toolkits"])


def test_toolkit_lookup_ignores_case(catalog):
    assert catalog.toolkit("LoopBack").slug == "loopback"
    with pytest.raises(NotFound) as caught:
        catalog.toolkit("nope")
    assert caught.value.suggested_fix


def test_latest_is_the_default(catalog):
    for version in (None, "latest"):
        resolved = catalog.resolve_tool("LOOPBACK_CREATE_ITEM", version)
        assert resolved.version == "20250601_00"
        assert resolved.toolkit.slug == "loopback"
        assert "title" in resolved.tool.input_schema["required"]


def test_pinned_version_gets_that_definition(catalog):
    resolved = catalog.resolve_tool("LOOPBACK_CREATE_ITEM", "20250101_00")
    assert resolved.version == "20250101_00"
    assert resolved.tool.input_schema["required"] == ["name"]
    # A tool unchanged between versions resolves to the same definition in both.
    assert (
        catalog.resolve_tool("LOOPBACK_SLOW", "20250101_00").tool
        is catalog.resolve_tool("LOOPBACK_SLOW").tool
    )


def test_unknown_version_names_the_available_ones(catalog):
    with pytest.raises(BadRequest) as caught:
        catalog.resolve_tool("LOOPBACK_SLOW", "20240101_00")
    assert "20250101_00, 20250601_00" in caught.value.message


def test_unknown_tool_is_not_found(catalog):
    with pytest.raises(NotFound):
        catalog.resolve_tool("LOOPBACK_NOPE")


def test_tool_slugs_accept_any_case(catalog):
    assert catalog.resolve_tool("loopback_echo_get").tool.slug == "LOOPBACK_ECHO_GET"


def test_tools_at_each_version(catalog):
    old = {t.slug: t for t in catalog.tools_at("loopback", "20250101_00")}
    new = {t.slug: t for t in catalog.tools_at("loopback")}
    assert old.keys() == new.keys()
    assert old["LOOPBACK_CREATE_ITEM"] is not new["LOOPBACK_CREATE_ITEM"]
    assert catalog.tool_versions("LOOPBACK_CREATE_ITEM") == ("20250101_00", "20250601_00")


def test_search_ranks_name_and_slug_matches_first(catalog):
    tools = [t for k in catalog.toolkits.values() for t in catalog.tools_at(k)]
    found = [t.slug for t in rank_tools(catalog, tools, "search hacker news posts")]
    assert found[0] == "HACKERNEWS_SEARCH_POSTS"
    assert rank_tools(catalog, tools, "zzzzqqq") == []
    assert len(rank_tools(catalog, tools, "")) == len(tools)
