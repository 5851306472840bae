"""MCP server configs over the REST API: the official SDK's `composio.mcp` calls and the wire models.

Every response is parsed with its `composio_client` model, so a field the
SDK needs cannot go missing unnoticed.
"""

from __future__ import annotations

import warnings

import pytest
from composio_client.types import (
    McpCreateInstanceResponse,
    McpCreateResponse,
    McpDeleteInstanceResponse,
    McpDeleteResponse,
    McpListInstancesResponse,
    McpListResponse,
    McpRetrieveAppResponse,
    McpRetrieveResponse,
    McpUpdateResponse,
)
from composio_client.types.mcp.custom_create_response import CustomCreateResponse
from composio_client.types.mcp.generate_url_response import GenerateURLResponse

from tests.support.execution import make_account
from tests.support.mcp import V3, create_server
from valetkey.connections.models import ConnectedAccount


def _config_of(server, account_id: str) -> str:
    with server.state.db.session() as db:
        return db.get(ConnectedAccount, account_id).auth_config_id


def test_sdk_create_get_update_list_generate_delete(server, project, composio):
    config = _config_of(server, make_account(server, project.id, user_id="u1", secrets={"api_key": "k"}))
    created = composio.mcp.create(
        "sdk server",
        toolkits=["loopback", {"toolkit": "keyed", "auth_config_id": config}],
        allowed_tools=["LOOPBACK_PY_SUM", "KEYED_WHOAMI"],
    )
    assert created.allowed_tools == ["LOOPBACK_PY_SUM", "KEYED_WHOAMI"]
    assert created.auth_config_ids == [config]
    assert created.mcp_url == f"{server.url}/mcp/servers/{created.id}"

    fetched = composio.mcp.get(created.id)
    assert fetched.toolkits == ["loopback", "keyed"] and fetched.server_instance_count == 0
    assert fetched.managed_auth_via_composio is True

    updated = composio.mcp.update(created.id, name="renamed server", allowed_tools=["LOOPBACK_PY_SUM"])
    assert updated.name == "renamed server" and updated.allowed_tools == ["LOOPBACK_PY_SUM"]

    listed = composio.mcp.list(toolkits="keyed")
    assert [item.id for item in listed["items"]] == [created.id]
    assert composio.mcp.list(name="nothing-like-it")["items"] == []

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        instance = composio.mcp.generate("user-7", created.id)
    assert instance["url"].startswith(f"{server.url}/mcp/u/vkm_")
    assert instance["type"] == "streamable_http" and instance["user_id"] == "user-7"
    assert composio.mcp.get(created.id).server_instance_count == 1

    assert composio.mcp.delete(created.id) == {"id": created.id, "deleted": True}
    assert composio.mcp.list()["items"] == []


def test_wire_shapes_parse_with_the_client_models(server, project, client):
    config = _config_of(server, make_account(server, project.id, user_id="u1", secrets={"api_key": "k"}))
    plain = client.post(
        f"{V3}/mcp/servers",
        json={"name": "plain one", "auth_config_ids": [config], "no_auth_apps": ["hackernews"]},
    )
    assert plain.status_code == 201, plain.text
    created = McpCreateResponse.model_validate(plain.json())
    assert created.toolkits == ["hackernews", "keyed"]
    custom = CustomCreateResponse.model_validate(create_server(client, "custom one", toolkits=["loopback"]))
    assert custom.commands.claude.startswith("claude mcp add --transport http")

    McpRetrieveResponse.model_validate(client.get(f"{V3}/mcp/{created.id}").json())
    McpUpdateResponse.model_validate(
        client.patch(f"{V3}/mcp/{created.id}", json={"name": "plain two"}).json()
    )
    page = McpListResponse.model_validate(client.get(f"{V3}/mcp/servers", params={"limit": 1}).json())
    assert len(page.items) == 1 and page.total_pages == 2 and page.current_page == 1
    second = McpListResponse.model_validate(
        client.get(f"{V3}/mcp/servers", params={"limit": 1, "page_no": 2}).json()
    )
    assert {page.items[0].id, second.items[0].id} == {created.id, custom.id}
    oldest_first = client.get(f"{V3}/mcp/servers", params={"order_direction": "asc"}).json()
    assert [i["id"] for i in oldest_first["items"]] == [created.id, custom.id]
    by_app = McpRetrieveAppResponse.model_validate(client.get(f"{V3}/mcp/app/hackernews").json())
    assert [i.id for i in by_app.items] == [created.id]
    by_config = client.get(f"{V3}/mcp/servers", params={"auth_config_ids": config}).json()
    assert [i["id"] for i in by_config["items"]] == [created.id]

    generated = GenerateURLResponse.model_validate(
        client.post(
            f"{V3}/mcp/servers/generate",
            json={"mcp_server_id": custom.id, "user_ids": ["a", "b"], "managed_auth_by_composio": True},
        ).json()
    )
    assert len(generated.user_ids_url) == 2 and len(set(generated.user_ids_url)) == 2
    made = client.post(f"{V3}/mcp/servers/{custom.id}/instances", json={"user_id": "c"})
    assert made.status_code == 201
    instance = McpCreateInstanceResponse.model_validate(made.json())
    assert instance.instance_id == "c" and made.json()["url"].startswith(f"{server.url}/mcp/u/")
    instances = McpListInstancesResponse.model_validate(
        client.get(f"{V3}/mcp/servers/{custom.id}/instances").json()
    )
    assert sorted(i.instance_id for i in instances.instances) == ["a", "b", "c"]
    McpDeleteInstanceResponse.model_validate(
        client.delete(f"{V3}/mcp/servers/{custom.id}/instances/a").json()
    )
    McpDeleteResponse.model_validate(client.delete(f"{V3}/mcp/{custom.id}").json())


@pytest.mark.parametrize(
    "body, slug",
    [
        ({"name": "x", "toolkits": ["loopback"]}, "ValidationError"),
        ({"name": "bad/name!", "toolkits": ["loopback"]}, "ValidationError"),
        ({"name": "no toolkits"}, "ValidationError"),
        ({"name": "unknown kit", "toolkits": ["nope"]}, "ToolkitNotFound"),
        ({"name": "unknown tool", "allowed_tools": ["NOPE_TOOL"]}, "ToolNotFound"),
        ({"name": "unknown config", "auth_config_ids": ["ac_missing"]}, "AuthConfigNotFound"),
    ],
)
def test_invalid_configs_are_refused(client, body, slug):
    response = client.post(f"{V3}/mcp/servers/custom", json=body)
    assert response.status_code == 400 and response.json()["error"]["slug"] == slug


def test_names_are_unique_and_servers_private_to_their_project(server, client):
    mine = create_server(client, "unique name", toolkits=["loopback"])
    assert (
        client.post(
            f"{V3}/mcp/servers/custom", json={"name": "unique name", "toolkits": ["loopback"]}
        ).status_code
        == 409
    )
    other = server.new_project()
    headers = {"x-api-key": other.api_key}
    for method, path in (
        ("GET", f"/mcp/{mine['id']}"),
        ("DELETE", f"/mcp/{mine['id']}"),
        ("GET", f"/mcp/servers/{mine['id']}/instances"),
    ):
        assert client.request(method, V3 + path, headers=headers).status_code == 404
    generate = client.post(
        f"{V3}/mcp/servers/generate", headers=headers, json={"mcp_server_id": mine["id"], "user_ids": ["x"]}
    )
    assert generate.status_code == 404
    assert client.get(f"{V3}/mcp/servers", headers=headers).json()["items"] == []
    assert client.get(f"/api/v3/mcp/{mine['id']}").status_code == 200  # both prefixes


def test_generate_refuses_accounts_of_other_projects(server, client):
    mine = create_server(client, "accounts check", toolkits=["keyed"])
    other = server.new_project()
    foreign = make_account(server, other.id, user_id="x", secrets={"api_key": "k"})
    response = client.post(
        f"{V3}/mcp/servers/generate", json={"mcp_server_id": mine["id"], "connected_account_ids": [foreign]}
    )
    assert response.status_code == 404
