"""The official composio SDK reading the catalog, unmodified."""

from __future__ import annotations

import pytest
from composio import Composio
from composio.exceptions import ToolNotFoundError

from valetkey.catalog.registry import load_catalog


def test_toolkits_get_one(composio):
    toolkit = composio.toolkits.get(slug="hackernews")
    assert toolkit.name == "Hacker News"
    assert toolkit.meta.version == "20250801_00"
    assert toolkit.meta.available_versions == ["20250801_00"]


def test_toolkits_get_list(composio):
    slugs = {t.slug for t in composio.toolkits.get()}
    assert {"hackernews", "loopback", "keyed"} <= slugs


def test_toolkits_get_many_and_categories(composio):
    assert [t.slug for t in composio.toolkits.get_many(["keyed"])] == ["keyed"]
    assert "developer-tools" in {c.id for c in composio.toolkits.list_categories()}


def test_toolkit_auth_fields(composio):
    fields = composio.toolkits.get_connected_account_initiation_fields(toolkit="keyed", auth_scheme="API_KEY")
    assert [f.name for f in fields] == ["api_key"]


def test_raw_tool_by_slug(composio):
    tool = composio.tools.get_raw_composio_tool_by_slug("HACKERNEWS_GET_USER")
    assert tool.slug == "HACKERNEWS_GET_USER"
    assert tool.input_parameters["required"] == ["username"]
    assert tool.toolkit.slug == "hackernews"


def test_unknown_tool_raises_tool_not_found(composio):
    with pytest.raises(ToolNotFoundError):
        composio.tools.get_raw_composio_tool_by_slug("HACKERNEWS_DOES_NOT_EXIST")


def test_raw_tools_of_a_toolkit(composio):
    tools = composio.tools.get_raw_composio_tools(toolkits=["hackernews"])
    assert {t.slug for t in tools} == {t.slug for t in load_catalog().tools_at("hackernews")}
    assert {"HACKERNEWS_GET_LATEST_POSTS", "HACKERNEWS_GET_ITEM", "HACKERNEWS_GET_USER"} <= {
        t.slug for t in tools
    }
    assert len(composio.tools.get_raw_composio_tools(toolkits=["LOOPBACK"], limit=2)) == 2


def test_raw_tools_by_slug_and_search(composio):
    assert [t.slug for t in composio.tools.get_raw_composio_tools(tools=["LOOPBACK_PY_SUM"])] == [
        "LOOPBACK_PY_SUM"
    ]
    found = composio.tools.get_raw_composio_tools(search="hacker news user profile")
    assert found[0].slug == "HACKERNEWS_GET_USER"


def test_tools_get_in_openai_format(composio):
    tools = composio.tools.get("user-1", toolkits=["hackernews"])
    assert len(tools) == len(load_catalog().tools_at("hackernews"))
    by_name = {t["function"]["name"]: t for t in tools}
    search = by_name["HACKERNEWS_SEARCH_POSTS"]
    assert search["type"] == "function"
    assert "query" in search["function"]["parameters"]["properties"]
    assert search["function"]["description"]


def test_version_pinning(server, project):
    pinned = Composio(
        api_key=project.api_key, base_url=server.url, toolkit_versions={"loopback": "20250101_00"}
    )
    old = pinned.tools.get_raw_composio_tool_by_slug("LOOPBACK_CREATE_ITEM")
    assert old.version == "20250101_00" and old.input_parameters["required"] == ["name"]
    (listed,) = [
        t
        for t in pinned.tools.get_raw_composio_tools(toolkits=["loopback"])
        if t.slug == "LOOPBACK_CREATE_ITEM"
    ]
    assert listed.version == "20250101_00"

    latest = Composio(api_key=project.api_key, base_url=server.url)
    new = latest.tools.get_raw_composio_tool_by_slug("LOOPBACK_CREATE_ITEM")
    assert new.version == "20250601_00" and "title" in new.input_parameters["required"]
