"""The MCP endpoint through the official `mcp` client: server-config URLs (key + user_id) and per-user URLs.

Checks what a model sees (tools, schemas, behaviour annotations, results and
readable errors) and what must never happen (one user's URL acting with
another user's account, another project's key using a server, a revoked URL
still working).
"""

from __future__ import annotations

import json

import httpx
import pytest
from mcp.shared.exceptions import MCPError

from tests.support.app import start_server
from tests.support.execution import make_account
from tests.support.mcp import V3, create_server, mcp_session, text_of, user_url
from valetkey.connections.models import ConnectedAccount


@pytest.fixture
def loopback(client):
    return create_server(client, "loopback tools", toolkits=["loopback"])


def composio_style(server, server_id: str, user_id: str) -> str:
    return f"{server.url}/mcp/servers/{server_id}?user_id={user_id}"


async def test_lists_and_calls_through_a_server_url_with_key(server, project, loopback):
    async with mcp_session(
        composio_style(server, loopback["id"], "u1"), {"x-api-key": project.api_key}
    ) as mcp:
        tools = {t.name: t for t in (await mcp.list_tools()).tools}
        assert "LOOPBACK_PY_SUM" in tools and "LOOPBACK_ECHO_GET" in tools
        result = await mcp.call_tool("LOOPBACK_PY_SUM", {"a": 2, "b": 3})
    assert result.is_error is False
    assert result.structured_content == {"sum": 5}
    assert json.loads(text_of(result)) == {"sum": 5}


async def test_the_composio_path_serves_the_same_tools(server, project, loopback):
    url = f"{server.url}/v3/mcp/{loopback['id']}?user_id=u1"
    async with mcp_session(url, {"x-api-key": project.api_key}) as mcp:
        assert "LOOPBACK_PY_SUM" in {t.name for t in (await mcp.list_tools()).tools}


async def test_tools_carry_schemas_titles_and_behaviour_annotations(server, client, loopback):
    async with mcp_session(user_url(client, loopback["id"], "u1")) as mcp:
        tools = {t.name: t for t in (await mcp.list_tools()).tools}
    echo, create, replace = (
        tools["LOOPBACK_ECHO_GET"],
        tools["LOOPBACK_CREATE_ITEM"],
        tools["LOOPBACK_REPLACE_ITEM"],
    )
    assert echo.title == "Echo get item"
    assert echo.input_schema["required"] == ["item_id"]
    assert echo.output_schema["type"] == "object"
    assert echo.annotations.read_only_hint is True and echo.annotations.open_world_hint is True
    assert create.annotations.read_only_hint is False and create.annotations.destructive_hint is False
    assert create.annotations.idempotent_hint is False
    assert replace.annotations.idempotent_hint is True
    # Latest version: CREATE_ITEM requires a title since 20250601_00.
    assert set(create.input_schema["required"]) == {"name", "title"}


async def test_allowed_tools_narrow_the_list(server, client):
    narrow = create_server(client, "narrow one", toolkits=["loopback"], allowed_tools=["loopback_py_sum"])
    assert narrow["allowed_tools"] == ["LOOPBACK_PY_SUM"]
    async with mcp_session(user_url(client, narrow["id"], "u1")) as mcp:
        assert [t.name for t in (await mcp.list_tools()).tools] == ["LOOPBACK_PY_SUM"]
        # A tool outside the server is a protocol error (the spec's "unknown tool"), not a tool result.
        with pytest.raises(MCPError, match="Unknown tool: LOOPBACK_STATUS"):
            await mcp.call_tool("LOOPBACK_STATUS", {"code": 200})


async def test_failures_are_readable_error_results(server, client, loopback):
    async with mcp_session(user_url(client, loopback["id"], "u1")) as mcp:
        upstream = await mcp.call_tool("LOOPBACK_STATUS", {"code": 404})
        invalid = await mcp.call_tool("LOOPBACK_PY_SUM", {"a": "two"})
    assert upstream.is_error is True and "404" in text_of(upstream)
    assert invalid.is_error is True
    assert "Invalid arguments for LOOPBACK_PY_SUM" in text_of(invalid)


async def test_missing_account_says_how_to_connect(server, project, client):
    keyed = create_server(client, "keyed tools", toolkits=["keyed"])
    make_account(server, project.id, user_id="someone-else", secrets={"api_key": "k-other"})
    async with mcp_session(user_url(client, keyed["id"], "u-without")) as mcp:
        result = await mcp.call_tool("KEYED_WHOAMI", {})
    assert result.is_error is True
    text = text_of(result)
    assert "No connected account found for user 'u-without'" in text
    # The project has an auth config for keyed (made with the other user's account): a Connect Link to it.
    assert f"{server.url}/link/lnk_" in text


async def test_a_users_url_only_ever_uses_that_users_account(server, project, client, upstream):
    keyed = create_server(client, "keyed isolation", toolkits=["keyed"])
    make_account(server, project.id, user_id="alice", secrets={"api_key": "key-alice"})
    make_account(server, project.id, user_id="bob", secrets={"api_key": "key-bob"}, age_seconds=-5)
    for user, key in (("alice", "key-alice"), ("bob", "key-bob")):
        async with mcp_session(user_url(client, keyed["id"], user)) as mcp:
            result = await mcp.call_tool("KEYED_WHOAMI", {})
        assert result.is_error is False, text_of(result)
        assert result.structured_content["headers"]["x-api-key"] == key
    async with mcp_session(user_url(client, keyed["id"], "carol")) as mcp:
        result = await mcp.call_tool("KEYED_WHOAMI", {})
    assert result.is_error is True and "key-" not in text_of(result)


async def test_server_auth_configs_restrict_the_accounts_used(server, project, client):
    account = make_account(server, project.id, user_id="dana", secrets={"api_key": "key-dana"})
    other = make_account(server, project.id, user_id="dana-2", secrets={"api_key": "key-2"})
    with server.state.db.session() as db:
        other_config = db.get(ConnectedAccount, other).auth_config_id
        own_config = db.get(ConnectedAccount, account).auth_config_id
    restricted = create_server(client, "restricted", auth_config_ids=[other_config])
    assert restricted["toolkits"] == ["keyed"]
    async with mcp_session(user_url(client, restricted["id"], "dana")) as mcp:
        refused = await mcp.call_tool("KEYED_WHOAMI", {})
    assert refused.is_error is True and "under this MCP server's auth configs." in text_of(refused)
    assert "/link/lnk_" in text_of(refused)  # managed auth: a Connect Link on the server's own auth config
    client.patch(f"{V3}/mcp/{restricted['id']}", json={"auth_config_ids": [own_config]}).raise_for_status()
    async with mcp_session(user_url(client, restricted["id"], "dana")) as mcp:
        allowed = await mcp.call_tool("KEYED_WHOAMI", {})
    assert allowed.is_error is False and allowed.structured_content["headers"]["x-api-key"] == "key-dana"


async def test_connected_account_urls_are_pinned_to_their_owner(server, project, client):
    keyed = create_server(client, "pinned", toolkits=["keyed"])
    erin = make_account(server, project.id, user_id="erin", secrets={"api_key": "key-erin-old"})
    make_account(server, project.id, user_id="erin", secrets={"api_key": "key-erin-new"}, age_seconds=-5)
    urls = client.post(
        f"{V3}/mcp/servers/generate", json={"mcp_server_id": keyed["id"], "connected_account_ids": [erin]}
    ).json()
    async with mcp_session(urls["connected_account_urls"][0]) as mcp:
        result = await mcp.call_tool("KEYED_WHOAMI", {})
    assert result.structured_content["headers"]["x-api-key"] == "key-erin-old"
    url = f"{server.url}/mcp/servers/{keyed['id']}?connected_account_id={erin}"
    async with mcp_session(url, {"x-api-key": project.api_key}) as mcp:
        result = await mcp.call_tool("KEYED_WHOAMI", {})
    assert result.structured_content["headers"]["x-api-key"] == "key-erin-old"


def _initialize(url: str, headers: dict[str, str] | None = None) -> httpx.Response:
    body = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": "probe", "version": "1"},
        },
    }
    return httpx.post(
        url, json=body, headers={"accept": "application/json, text/event-stream", **(headers or {})}
    )


def test_server_urls_need_the_projects_key(server, project, loopback):
    url = composio_style(server, loopback["id"], "u1")
    assert _initialize(url).status_code == 401
    assert _initialize(url, {"x-api-key": "wrong"}).status_code == 401
    other = server.new_project()
    refused = _initialize(url, {"x-api-key": other.api_key})
    assert refused.status_code == 404 and refused.json()["error"]["slug"] == "McpServerNotFound"
    assert _initialize(url, {"x-api-key": project.api_key}).status_code == 200


def test_revoked_and_unknown_user_urls_answer_404(server, client, loopback):
    url = user_url(client, loopback["id"], "frank")
    assert _initialize(url).status_code == 200
    listed = client.get(f"{V3}/mcp/servers/{loopback['id']}/instances").json()
    assert [i["instance_id"] for i in listed["instances"]] == ["frank"]
    deleted = client.delete(f"{V3}/mcp/servers/{loopback['id']}/instances/frank")
    assert deleted.status_code == 200 and deleted.json()["deleted_connected_accounts"] == 0
    assert _initialize(url).status_code == 404
    assert _initialize(url[:-4] + "AAAA").status_code == 404
    assert client.get(f"{V3}/mcp/servers/{loopback['id']}/instances").json()["instances"] == []


def test_deleting_a_server_ends_its_urls(server, client):
    doomed = create_server(client, "doomed", toolkits=["loopback"])
    url = user_url(client, doomed["id"], "gina")
    assert client.delete(f"{V3}/mcp/{doomed['id']}").json() == {"id": doomed["id"], "deleted": True}
    assert _initialize(url).status_code == 404


async def test_any_server_process_answers_any_request(server, project, client, loopback, request):
    """Stateless: a second process on the same database serves a URL minted by the first, mid-conversation."""
    if server.backend != "postgres":
        pytest.skip("two processes share a database in the PostgreSQL run")
    threaded, second = start_server(
        server.settings.database_url, catalog_dirs=server.settings.catalog_dirs, encryption_keys=None
    )
    try:
        url = user_url(client, loopback["id"], "hana")
        async with mcp_session(url) as mcp:
            await mcp.list_tools()
        async with mcp_session(url.replace(server.url, second.url)) as mcp:
            result = await mcp.call_tool("LOOPBACK_PY_SUM", {"a": 1, "b": 1})
        assert result.structured_content == {"sum": 2}
    finally:
        threaded.stop()
