"""Persisted custom toolkits through the official SDK: a remote MCP server registered as a project's toolkit.

The remote server is a real MCP server (`MCPServer`, the official SDK's FastMCP) on loopback that
refuses every request without its API key header. The flow is the SDK's: upsert -> sync (with the
connected account's key) -> connect an account -> tools.get / execute / session search and execute /
our MCP tools/call -> restart Valetkey -> still there -> delete -> gone. Another project never sees
the toolkit; app_url and auth schemes cannot change (409); the egress policy refuses a server the
operator did not allow.
"""

from __future__ import annotations

import base64
import inspect
import json
import os
import tempfile

import httpx
import pytest
from composio import Composio
from mcp.server.mcpserver import MCPServer

from tests.support.app import EGRESS_TARGETS, _free_port, egress_allowed, start_server
from tests.support.mcp import mcp_session, text_of
from tests.support.servers import ThreadedServer

API_KEY = "remote-secret-" + "7f3a9c"
V31 = "/api/v3.1"


class KeyedMCP:
    """An MCP server with two tools behind an `X-Api-Key` check; records what reached it."""

    def __init__(self) -> None:
        server = MCPServer("weather")
        self.calls: list[dict] = []
        self.seen_keys: list[str | None] = []

        @server.tool(description="The forecast for a city")
        def get_forecast(city: str, days: int = 1) -> dict:
            self.calls.append({"tool": "get_forecast", "city": city, "days": days})
            return {"city": city, "days": days, "forecast": "sunny"}

        @server.tool(name="shout-text", description="Upper-cases a text")
        def shout(text: str) -> str:
            self.calls.append({"tool": "shout-text", "text": text})
            return text.upper()

        inner = server.streamable_http_app()

        async def app(scope, receive, send):
            if scope["type"] == "http":
                key = dict(scope["headers"]).get(b"x-api-key")
                self.seen_keys.append(key.decode() if key else None)
                if key != API_KEY.encode():
                    body = b'{"error": "missing or wrong API key"}'
                    await send(
                        {
                            "type": "http.response.start",
                            "status": 401,
                            "headers": [(b"content-type", b"application/json")],
                        }
                    )
                    await send({"type": "http.response.body", "body": body})
                    return
            await inner(scope, receive, send)

        self.app = app


@pytest.fixture(scope="module")
def remote():
    keyed = KeyedMCP()
    threaded = ThreadedServer(keyed.app).start()
    keyed.url = f"{threaded.url}/mcp"
    yield keyed
    threaded.stop()


@pytest.fixture(scope="module")
def keyring():
    """One keyring for both runs of the server, as in production across a restart."""
    return "kcustom:" + base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")


@pytest.fixture(scope="module")
def database_url():
    return f"sqlite:///{tempfile.mkdtemp(prefix='valetkey-db-')}/valetkey.db"


def _start(database_url, keyring, remote):
    allow = egress_allowed(*EGRESS_TARGETS, remote.url)
    return start_server(database_url, [], encryption_keys=keyring, egress_allow=allow)


@pytest.fixture(scope="module")
def server(database_url, keyring, remote):
    threaded, running = _start(database_url, keyring, remote)
    holder = {"threaded": threaded, "running": running, "keyring": keyring}
    yield holder
    holder["threaded"].stop()


def sdk_for(running, api_key):
    return Composio(api_key=api_key, base_url=running.url)


def toolkit_config(remote, **changes):
    config = {
        "name": "Weather",
        "app_url": remote.url,
        "auth_schemes": [
            {
                "mode": "API_KEY",
                "headers": {"X-Api-Key": "{{generic_api_key}}"},
                "api_key_field": {"display_name": "Weather key", "description": "From the weather console"},
            }
        ],
    }
    config.update(changes)
    return config


def test_upsert_sync_connect_execute_restart_delete(server, remote):
    running = server["running"]
    keys = running.new_project()
    composio = sdk_for(running, keys.api_key)
    custom = composio.experimental.custom_toolkits

    created = custom.upsert(slug="weather desk", toolkit_config=toolkit_config(remote))
    assert created.slug == "CUSTOM_WEATHER_DESK"
    # Re-upserting updates the display metadata; the same app_url and schemes are a no-op.
    again = custom.upsert(slug="weather desk", toolkit_config=toolkit_config(remote, name="Weather Desk"))
    assert again.slug == "CUSTOM_WEATHER_DESK"

    # Without an account the server refuses the listing (it wants its key): a clear error, nothing stored.
    with pytest.raises(Exception) as refused:
        custom.sync("CUSTOM_WEATHER_DESK")
    assert "502" in str(refused.value) and "Could not list the tools of CUSTOM_WEATHER_DESK" in str(
        refused.value
    )
    assert remote.seen_keys[-1] is None  # no key was sent: there was no account to take it from

    config = composio.auth_configs.create(
        toolkit="CUSTOM_WEATHER_DESK",
        options={"type": "use_custom_auth", "auth_scheme": "API_KEY", "credentials": {}},
    )
    account = composio.connected_accounts.initiate(
        "alice", config.id, config={"auth_scheme": "API_KEY", "val": {"generic_api_key": API_KEY}}
    )
    assert account.status == "ACTIVE"

    synced = custom.sync("CUSTOM_WEATHER_DESK", connected_account_id=account.id)
    assert synced.slug == "CUSTOM_WEATHER_DESK" and synced.synced_count == 2
    assert len(synced.version) == 11 and synced.version[8] == "_"

    # The catalog: the toolkit and its tools, for this project.
    toolkit = composio.toolkits.get("CUSTOM_WEATHER_DESK")
    assert toolkit.name == "Weather Desk" and toolkit.model_dump()["type"] == "custom"
    listed = composio.tools.get_raw_composio_tools(toolkits=["CUSTOM_WEATHER_DESK"])
    assert sorted(t.slug for t in listed) == [
        "CUSTOM_WEATHER_DESK_GET_FORECAST",
        "CUSTOM_WEATHER_DESK_SHOUT_TEXT",
    ]
    forecast = composio.tools.get_raw_composio_tool_by_slug("CUSTOM_WEATHER_DESK_GET_FORECAST")
    assert forecast.input_parameters["required"] == ["city"]
    assert forecast.description == "The forecast for a city"

    # Execute: tools/call on the remote server with the account's key; an execution log is written.
    result = composio.tools.execute(
        "CUSTOM_WEATHER_DESK_GET_FORECAST",
        {"city": "Oslo", "days": 2},
        user_id="alice",
        dangerously_skip_version_check=True,
    )
    assert result["successful"] is True, result
    assert result["data"]["forecast"] == "sunny" and result["data"]["city"] == "Oslo"
    assert remote.calls[-1] == {"tool": "get_forecast", "city": "Oslo", "days": 2}
    shouted = composio.tools.execute(
        "CUSTOM_WEATHER_DESK_SHOUT_TEXT", {"text": "hi"}, user_id="alice", dangerously_skip_version_check=True
    )
    assert shouted["successful"] is True and remote.calls[-1] == {"tool": "shout-text", "text": "hi"}

    # Sessions: search finds the custom tool, execute runs it; our MCP server runs it too.
    session = composio.create(user_id="alice", toolkits=["CUSTOM_WEATHER_DESK"])
    found = session.search(query="weather forecast for a city")
    slugs = json.dumps(found.model_dump())
    assert "CUSTOM_WEATHER_DESK_GET_FORECAST" in slugs
    ran = session.execute("CUSTOM_WEATHER_DESK_GET_FORECAST", arguments={"city": "Bergen"})
    dumped = ran.model_dump()
    assert dumped["data"].get("city") == "Bergen", dumped
    assert remote.calls[-1]["city"] == "Bergen"

    # Restart: the toolkit, its tools and the account survive.
    server["threaded"].stop()
    database_url = running.settings.database_url
    threaded, running = _start(database_url, server["keyring"], remote)
    server.update(threaded=threaded, running=running)
    composio = sdk_for(running, keys.api_key)
    after = composio.tools.execute(
        "CUSTOM_WEATHER_DESK_GET_FORECAST",
        {"city": "Tromsø"},
        user_id="alice",
        dangerously_skip_version_check=True,
    )
    assert after["successful"] is True and after["data"]["city"] == "Tromsø"

    # Delete: tools, auth configs and accounts go; the slug is unknown afterwards.
    gone = composio.experimental.custom_toolkits.delete("CUSTOM_WEATHER_DESK")
    assert gone.slug == "CUSTOM_WEATHER_DESK" and gone.revoke_job_ids == []
    assert gone.auth_configs_deleted == 1 and gone.connected_accounts_deleted == 1
    with httpx.Client(base_url=running.url, headers={"x-api-key": keys.api_key}) as client:
        assert client.get(f"{V31}/toolkits/CUSTOM_WEATHER_DESK").status_code == 404
        assert client.get(f"{V31}/tools/CUSTOM_WEATHER_DESK_GET_FORECAST").status_code == 404
        assert client.get(f"{V31}/connected_accounts/{account.id}").status_code == 404
        again = client.delete(f"{V31}/custom/toolkits/CUSTOM_WEATHER_DESK")
        assert again.status_code == 404


def _registered(running, remote, slug="shared"):
    keys = running.new_project()
    composio = sdk_for(running, keys.api_key)
    composio.experimental.custom_toolkits.upsert(slug=slug, toolkit_config=toolkit_config(remote))
    config = composio.auth_configs.create(
        toolkit=f"CUSTOM_{slug.upper()}",
        options={"type": "use_custom_auth", "auth_scheme": "API_KEY", "credentials": {}},
    )
    account = composio.connected_accounts.initiate(
        "bob", config.id, config={"auth_scheme": "API_KEY", "val": {"generic_api_key": API_KEY}}
    )
    composio.experimental.custom_toolkits.sync(f"CUSTOM_{slug.upper()}", connected_account_id=account.id)
    return keys, composio


def test_another_project_never_sees_it(server, remote):
    running = server["running"]
    owner, _ = _registered(running, remote, "private")
    other = running.new_project()
    with httpx.Client(base_url=running.url, headers={"x-api-key": other.api_key}) as client:
        assert client.get(f"{V31}/toolkits/CUSTOM_PRIVATE").status_code == 404
        assert client.get(f"{V31}/tools/CUSTOM_PRIVATE_GET_FORECAST").status_code == 404
        listed = client.get(f"{V31}/toolkits", params={"managed_by": "project"}).json()
        assert listed["items"] == []
        tools = client.get(f"{V31}/tools", params={"search": "forecast city", "limit": 1000}).json()
        assert not [t for t in tools["items"] if t["slug"].startswith("CUSTOM_")]
        run = client.post(
            f"{V31}/tools/execute/CUSTOM_PRIVATE_GET_FORECAST",
            json={"arguments": {"city": "x"}, "user_id": "bob"},
        )
        assert run.status_code == 404
        assert client.post(f"{V31}/custom/toolkits/sync", json={"slug": "CUSTOM_PRIVATE"}).status_code == 404
        assert client.delete(f"{V31}/custom/toolkits/CUSTOM_PRIVATE").status_code == 404
    with httpx.Client(base_url=running.url, headers={"x-api-key": owner.api_key}) as client:
        mine = client.get(f"{V31}/toolkits", params={"managed_by": "project"}).json()
        assert [t["slug"] for t in mine["items"]] == [
            "custom_private"
        ]  # the catalog spells toolkits in lower case


def test_app_url_and_auth_schemes_cannot_change(server, remote):
    running = server["running"]
    keys = running.new_project()
    with httpx.Client(base_url=running.url, headers={"x-api-key": keys.api_key}) as client:
        first = client.post(
            f"{V31}/custom/toolkits/upsert", json={"slug": "fixed", "toolkit_config": toolkit_config(remote)}
        )
        assert first.status_code == 200 and first.json() == {"slug": "CUSTOM_FIXED"}
        moved = client.post(
            f"{V31}/custom/toolkits/upsert",
            json={"slug": "fixed", "toolkit_config": toolkit_config(remote, app_url=remote.url + "/other")},
        )
        assert moved.status_code == 409 and "cannot change" in moved.json()["error"]["message"]
        rekeyed = client.post(
            f"{V31}/custom/toolkits/upsert",
            json={
                "slug": "fixed",
                "toolkit_config": toolkit_config(remote, auth_schemes=[{"mode": "NO_AUTH"}]),
            },
        )
        assert rekeyed.status_code == 409
        unknown = client.post(
            f"{V31}/custom/toolkits/upsert",
            json={"slug": "fixed", "toolkit_config": toolkit_config(remote), "extra": 1},
        )
        assert unknown.status_code == 400
        bad_slug = client.post(
            f"{V31}/custom/toolkits/upsert",
            json={"slug": "no-dashes", "toolkit_config": toolkit_config(remote)},
        )
        assert bad_slug.status_code == 400
        plain = client.post(
            f"{V31}/custom/toolkits/upsert",
            json={
                "slug": "plain",
                "toolkit_config": toolkit_config(remote, app_url="http://mcp.example.com/mcp"),
            },
        )
        assert plain.status_code == 400 and "https" in plain.json()["error"]["message"]
        builtin = client.delete(f"{V31}/custom/toolkits/github")
        assert builtin.status_code == 403


def test_the_egress_policy_refuses_a_server_the_operator_did_not_allow(server, remote):
    running = server["running"]
    keys = running.new_project()
    refused_url = f"http://127.0.0.1:{_free_port()}/mcp"
    with httpx.Client(base_url=running.url, headers={"x-api-key": keys.api_key}, timeout=30) as client:
        created = client.post(
            f"{V31}/custom/toolkits/upsert",
            json={"slug": "blocked", "toolkit_config": toolkit_config(remote, app_url=refused_url)},
        )
        assert created.status_code == 200
        synced = client.post(f"{V31}/custom/toolkits/sync", json={"slug": "CUSTOM_BLOCKED"})
        assert synced.status_code == 502
        message = synced.json()["error"]["message"]
        assert "refused" in message and "VALETKEY_EGRESS_ALLOW" in message


async def test_our_mcp_server_runs_a_custom_tool(server, remote):
    running = server["running"]
    _, composio = _registered(running, remote, "viamcp")
    session = (
        composio.create(
            user_id="bob", toolkits=["CUSTOM_VIAMCP"], preload={"tools": ["CUSTOM_VIAMCP_GET_FORECAST"]}
        )
        if "preload" in inspect.signature(composio.create).parameters
        else composio.create(user_id="bob", toolkits=["CUSTOM_VIAMCP"])
    )
    async with mcp_session(session.mcp.url, session.mcp.headers) as mcp:
        names = [tool.name for tool in (await mcp.list_tools()).tools]
        if "CUSTOM_VIAMCP_GET_FORECAST" in names:
            result = await mcp.call_tool("CUSTOM_VIAMCP_GET_FORECAST", {"city": "Lima"})
        else:
            result = await mcp.call_tool(
                "COMPOSIO_MULTI_EXECUTE_TOOL",
                {"tools": [{"tool_slug": "CUSTOM_VIAMCP_GET_FORECAST", "arguments": {"city": "Lima"}}]},
            )
    assert result.is_error is False, text_of(result)
    assert "Lima" in text_of(result) and remote.calls[-1]["city"] == "Lima"
