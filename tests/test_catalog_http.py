"""The catalog over HTTP: every endpoint, filters, pagination, errors, and the wire format.

Each successful response is parsed with the composio_client model the official
SDK uses for it, so a shape the SDK cannot read fails here first.
"""

from __future__ import annotations

import pytest
from composio_client.types.tool_list_response import ToolListResponse
from composio_client.types.tool_retrieve_enum_response import ToolRetrieveEnumResponse
from composio_client.types.tool_retrieve_required_scopes_response import ToolRetrieveRequiredScopesResponse
from composio_client.types.tool_retrieve_response import ToolRetrieveResponse
from composio_client.types.toolkit_list_response import ToolkitListResponse
from composio_client.types.toolkit_retrieve_categories_response import ToolkitRetrieveCategoriesResponse
from composio_client.types.toolkit_retrieve_changelog_response import ToolkitRetrieveChangelogResponse
from composio_client.types.toolkit_retrieve_multi_response import ToolkitRetrieveMultiResponse
from composio_client.types.toolkit_retrieve_response import ToolkitRetrieveResponse
from pydantic import TypeAdapter

from tests.support.errors import assert_error
from valetkey.catalog.registry import load_catalog

V = "/api/v3.1"


def ok(response, model):
    assert response.status_code == 200, response.text
    if isinstance(model, TypeAdapter):
        return model.validate_python(response.json())
    return model.model_validate(response.json())


# -- toolkits -------------------------------------------------------------------

HN_TOOLS = len(load_catalog().tools_at("hackernews"))


def test_list_toolkits(client):
    page = ok(client.get(f"{V}/toolkits"), ToolkitListResponse)
    slugs = [t.slug for t in page.items]
    assert {"hackernews", "loopback", "keyed"} <= set(slugs)
    hn = next(t for t in page.items if t.slug == "hackernews")
    assert hn.no_auth is True and hn.meta.tools_count == HN_TOOLS and hn.meta.version == "20250801_00"
    assert {c.id for c in hn.meta.categories} == {"news-and-media", "developer-tools"}
    keyed = next(t for t in page.items if t.slug == "keyed")
    assert keyed.no_auth is False and keyed.auth_schemes == ["API_KEY"]


def test_list_toolkits_both_prefixes(client):
    assert client.get("/api/v3/toolkits").json() == client.get(f"{V}/toolkits").json()


def test_toolkit_pagination(client):
    first = ok(
        client.get(f"{V}/toolkits", params={"limit": 2, "sort_by": "alphabetically"}), ToolkitListResponse
    )
    assert len(first.items) == 2 and first.next_cursor and first.current_page == 1
    assert first.total_items >= 3 and first.total_pages >= 2
    second = ok(
        client.get(
            f"{V}/toolkits", params={"limit": 2, "sort_by": "alphabetically", "cursor": first.next_cursor}
        ),
        ToolkitListResponse,
    )
    assert second.current_page == 2
    names = [t.name for t in first.items + second.items]
    assert names == sorted(names, key=str.lower)
    assert not {t.slug for t in first.items} & {t.slug for t in second.items}


def test_toolkit_filters(client):
    by_category = ok(client.get(f"{V}/toolkits", params={"category": "news-and-media"}), ToolkitListResponse)
    assert [t.slug for t in by_category.items] == ["hackernews"]
    by_name = ok(client.get(f"{V}/toolkits", params={"category": "News & Media"}), ToolkitListResponse)
    assert [t.slug for t in by_name.items] == ["hackernews"]
    searched = ok(client.get(f"{V}/toolkits", params={"search": "hacker"}), ToolkitListResponse)
    assert searched.items[0].slug == "hackernews"
    assert ok(client.get(f"{V}/toolkits", params={"managed_by": "project"}), ToolkitListResponse).items == []


def test_toolkit_list_bad_params(client):
    assert (
        "managed_by" in assert_error(client.get(f"{V}/toolkits", params={"managed_by": "me"}), 400)["message"]
    )
    assert "limit" in assert_error(client.get(f"{V}/toolkits", params={"limit": 0}), 400)["message"]
    assert "limit" in assert_error(client.get(f"{V}/toolkits", params={"limit": "lots"}), 400)["message"]
    assert_error(client.get(f"{V}/toolkits", params={"cursor": "%%%"}), 400, contains="cursor")


def test_categories(client):
    page = ok(client.get(f"{V}/toolkits/categories"), ToolkitRetrieveCategoriesResponse)
    assert {"id": "news-and-media", "name": "News & Media"} in [c.model_dump() for c in page.items]


def test_get_toolkit(client):
    hn = ok(client.get(f"{V}/toolkits/HackerNews"), ToolkitRetrieveResponse)
    assert hn.slug == "hackernews" and hn.base_url == "https://hn.algolia.com/api/v1"
    assert hn.meta.version == "20250801_00" and hn.meta.available_versions == ["20250801_00"]
    assert hn.auth_config_details == []


def test_get_toolkit_auth_config_details(client):
    keyed = ok(client.get(f"{V}/toolkits/keyed"), ToolkitRetrieveResponse)
    (detail,) = keyed.auth_config_details
    assert detail.mode == "API_KEY"
    (field,) = detail.fields.connected_account_initiation.required
    assert field.name == "api_key" and field.is_secret and field.display_name == "API key"
    assert detail.fields.auth_config_creation.required == []


def test_get_toolkit_versions(client):
    latest = ok(client.get(f"{V}/toolkits/loopback"), ToolkitRetrieveResponse)
    assert latest.meta.version == "20250601_00"
    assert latest.meta.available_versions == ["20250601_00", "20250101_00"]
    pinned = ok(
        client.get(f"{V}/toolkits/loopback", params={"version": "20250101_00"}), ToolkitRetrieveResponse
    )
    assert pinned.meta.version == "20250101_00"
    error = assert_error(
        client.get(f"{V}/toolkits/loopback", params={"version": "20240101_00"}), 400, contains="version"
    )
    assert "20250101_00" in error["message"]


def test_get_unknown_toolkit(client):
    error = assert_error(client.get(f"{V}/toolkits/nope"), 404, contains="nope")
    assert error["suggested_fix"]


def test_multi(client):
    page = ok(
        client.post(f"{V}/toolkits/multi", json={"toolkits": ["keyed", "HACKERNEWS"]}),
        ToolkitRetrieveMultiResponse,
    )
    assert [t.slug for t in page.items] == ["keyed", "hackernews"]
    assert_error(client.post(f"{V}/toolkits/multi", json={"toolkits": ["nope"]}), 400, contains="toolkits")
    assert_error(client.post(f"{V}/toolkits/multi", json={"limit": -1}), 400, contains="limit")


def test_changelog(client):
    log = ok(client.get(f"{V}/toolkits/changelog"), ToolkitRetrieveChangelogResponse)
    loopback = next(i for i in log.items if i.slug == "loopback")
    assert [v.version for v in loopback.versions] == ["20250601_00", "20250101_00"]
    assert "title" in loopback.versions[0].changelog


# -- tools -----------------------------------------------------------------------


def test_list_tools_of_a_toolkit(client):
    page = ok(client.get(f"{V}/tools", params={"toolkit_slug": "hackernews"}), ToolListResponse)
    assert len(page.items) == HN_TOOLS
    item = next(t for t in page.items if t.slug == "HACKERNEWS_GET_ITEM")
    assert item.toolkit.slug == "hackernews" and item.no_auth is True
    assert item.input_parameters["required"] == ["id"]
    assert item.output_parameters["properties"]["data"]["properties"]["children"]["type"] == "array"
    assert "readOnlyHint" in item.tags and item.version == "20250801_00"


def test_list_tools_of_several_toolkits(client):
    page = ok(
        client.get(f"{V}/tools", params={"toolkit_slug": "keyed,HACKERNEWS", "limit": 100}), ToolListResponse
    )
    assert {t.toolkit.slug for t in page.items} == {"keyed", "hackernews"}
    assert len(page.items) == HN_TOOLS + 1


def test_tools_pagination(client):
    seen, cursor = [], None
    while True:
        params = {"toolkit_slug": "loopback", "limit": 3, **({"cursor": cursor} if cursor else {})}
        page = ok(client.get(f"{V}/tools", params=params), ToolListResponse)
        seen += [t.slug for t in page.items]
        cursor = page.next_cursor
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 8
    assert page.total_pages == 3 and page.current_page == 3


def test_tool_slugs_override_filters(client):
    page = ok(
        client.get(
            f"{V}/tools", params={"tool_slugs": "LOOPBACK_SLOW,keyed_whoami", "toolkit_slug": "hackernews"}
        ),
        ToolListResponse,
    )
    assert [t.slug for t in page.items] == ["LOOPBACK_SLOW", "KEYED_WHOAMI"]
    assert_error(client.get(f"{V}/tools", params={"tool_slugs": "LOOPBACK_NOPE"}), 400, contains="tool_slugs")


def test_tool_filters(client):
    important = ok(
        client.get(f"{V}/tools", params={"toolkit_slug": "loopback", "important": "true"}), ToolListResponse
    )
    assert [t.slug for t in important.items] == ["LOOPBACK_ECHO_GET"]
    tagged = ok(
        client.get(f"{V}/tools", params={"toolkit_slug": "loopback", "tags": "idempotentHint"}),
        ToolListResponse,
    )
    assert {t.slug for t in tagged.items} == {"LOOPBACK_REPLACE_ITEM", "LOOPBACK_PY_SUM"}
    repeated = client.get(
        f"{V}/tools",
        params=[("toolkit_slug", "loopback"), ("tags", "idempotentHint"), ("tags", "destructiveHint")],
    )
    assert {t.slug for t in ok(repeated, ToolListResponse).items} == {
        "LOOPBACK_REPLACE_ITEM",
        "LOOPBACK_PY_SUM",
    }
    scoped = ok(
        client.get(f"{V}/tools", params={"toolkit_slug": "loopback", "scopes": "write:items"}),
        ToolListResponse,
    )
    assert scoped.items == []


def test_tool_search(client):
    for param in ("query", "search"):
        page = ok(client.get(f"{V}/tools", params={param: "search hacker news posts"}), ToolListResponse)
        assert page.items[0].slug == "HACKERNEWS_SEARCH_POSTS"
    within = ok(
        client.get(f"{V}/tools", params={"query": "item", "toolkit_slug": "hackernews"}), ToolListResponse
    )
    assert {t.toolkit.slug for t in within.items} == {"hackernews"}
    assert within.items[0].slug == "HACKERNEWS_GET_ITEM"


def test_tool_list_versions(client):
    def create_item(params):
        page = ok(
            client.get(f"{V}/tools", params={"tool_slugs": "LOOPBACK_CREATE_ITEM", **params}),
            ToolListResponse,
        )
        return page.items[0]

    assert create_item({}).version == "20250601_00"
    assert create_item({"toolkit_versions": "latest"}).version == "20250601_00"
    old = create_item({"toolkit_versions[loopback]": "20250101_00"})
    assert old.version == "20250101_00" and old.input_parameters["required"] == ["name"]
    assert old.available_versions == ["20250101_00", "20250601_00"]
    listed = ok(
        client.get(
            f"{V}/tools", params={"toolkit_slug": "loopback", "toolkit_versions[LOOPBACK]": "20250101_00"}
        ),
        ToolListResponse,
    )
    assert {t.version for t in listed.items} == {"20250101_00"}
    error = assert_error(
        client.get(
            f"{V}/tools", params={"toolkit_slug": "loopback", "toolkit_versions[loopback]": "20990101_00"}
        ),
        400,
    )
    assert "toolkit_versions" in error["message"] and "20250601_00" in error["message"]
    assert_error(
        client.get(f"{V}/tools", params={"toolkit_versions": "newest"}), 400, contains="toolkit_versions"
    )


def test_list_tools_unknown_toolkit(client):
    assert_error(client.get(f"{V}/tools", params={"toolkit_slug": "nope"}), 400, contains="toolkit_slug")


def test_get_tool(client):
    tool = ok(client.get(f"{V}/tools/LOOPBACK_ECHO_GET"), ToolRetrieveResponse)
    assert tool.slug == "LOOPBACK_ECHO_GET" and tool.version == "20250601_00"
    assert tool.deprecated.available_versions == ["20250101_00", "20250601_00"]
    assert ok(client.get(f"{V}/tools/loopback_echo_get"), ToolRetrieveResponse).slug == "LOOPBACK_ECHO_GET"


def test_get_tool_versions(client):
    old = ok(
        client.get(f"{V}/tools/LOOPBACK_CREATE_ITEM", params={"version": "20250101_00"}), ToolRetrieveResponse
    )
    assert old.input_parameters["required"] == ["name"]
    pinned = ok(
        client.get(f"{V}/tools/LOOPBACK_CREATE_ITEM", params={"toolkit_versions[loopback]": "20250101_00"}),
        ToolRetrieveResponse,
    )
    assert pinned.version == "20250101_00"
    # An explicit `version` wins over toolkit_versions.
    both = client.get(
        f"{V}/tools/LOOPBACK_CREATE_ITEM",
        params={"version": "20250601_00", "toolkit_versions[loopback]": "20250101_00"},
    )
    assert ok(both, ToolRetrieveResponse).version == "20250601_00"
    error = assert_error(
        client.get(f"{V}/tools/LOOPBACK_CREATE_ITEM", params={"version": "20200101_00"}),
        400,
        contains="version",
    )
    assert "20250101_00, 20250601_00" in error["message"]


def test_get_unknown_tool(client):
    error = assert_error(client.get(f"{V}/tools/LOOPBACK_NOPE"), 404, contains="LOOPBACK_NOPE")
    assert error["suggested_fix"]


def test_tool_enum(client):
    slugs = ok(client.get(f"{V}/tools/enum"), TypeAdapter(ToolRetrieveEnumResponse))
    assert "HACKERNEWS_GET_USER" in slugs and "LOOPBACK_PY_SUM" in slugs and slugs == sorted(slugs)


def test_required_scopes(client):
    body = ok(
        client.post(f"{V}/tools/scopes/required", json={"tools": ["LOOPBACK_SLOW", "LOOPBACK_ECHO_GET"]}),
        ToolRetrieveRequiredScopesResponse,
    )
    assert body.scopes_required == [] and [p.tool for p in body.per_tool_requirements] == [
        "LOOPBACK_SLOW",
        "LOOPBACK_ECHO_GET",
    ]
    assert_error(
        client.post(f"{V}/tools/scopes/required", json={"tools": ["LOOPBACK_SLOW", "KEYED_WHOAMI"]}),
        400,
        contains="one toolkit",
    )
    assert_error(client.post(f"{V}/tools/scopes/required", json={"tools": []}), 400, contains="tools")


# -- authentication ---------------------------------------------------------------

ENDPOINTS = [
    ("GET", "/toolkits"),
    ("GET", "/toolkits/categories"),
    ("GET", "/toolkits/changelog"),
    ("GET", "/toolkits/hackernews"),
    ("POST", "/toolkits/multi"),
    ("GET", "/tools"),
    ("GET", "/tools/enum"),
    ("GET", "/tools/HACKERNEWS_GET_ITEM"),
    ("POST", "/tools/scopes/required"),
]


@pytest.mark.parametrize("method,path", ENDPOINTS)
def test_every_endpoint_needs_a_project_key(anon, method, path):
    for prefix in ("/api/v3", "/api/v3.1"):
        kwargs = {"json": {"tools": ["HACKERNEWS_GET_ITEM"]}} if method == "POST" else {}
        assert_error(anon.request(method, prefix + path, **kwargs), 401, contains="no authentication")
        bad = anon.request(method, prefix + path, headers={"x-api-key": "ak_wrong"}, **kwargs)
        assert_error(bad, 401, contains="invalid api key")


def test_limits_above_the_maximum_are_clamped_not_refused(client, composio):
    """The TypeScript SDK's tools.get(userId, {tools: [...]}) sends limit=9999: it gets the largest page."""
    tools = client.get(f"{V}/tools", params={"toolkit_slug": "loopback", "limit": 9999})
    assert tools.status_code == 200, tools.text
    assert tools.json()["items"] and tools.json()["next_cursor"] is None
    for path in ("/toolkits", "/auth_configs", "/connected_accounts", "/mcp/servers"):
        r = client.get(f"{V}{path}", params={"limit": 9999})
        assert r.status_code == 200, (path, r.text)
    logs = client.post(f"{V}/logs/tool_execution", json={"limit": 5000})
    assert logs.status_code == 200, logs.text
    session = composio.create(user_id="clamp-user")
    for sub in ("/tools", "/toolkits", "/config_history"):
        r = client.get(f"{V}/tool_router/session/{session.session_id}{sub}", params={"limit": 9999})
        assert r.status_code == 200, (sub, r.text)
    assert_error(client.get(f"{V}/tools", params={"limit": 0}), 400, contains="limit")
    assert_error(client.get(f"{V}/tools", params={"limit": "inf"}), 400, contains="limit")
