"""Scalekit's stateless model, natively: its tool names (`keyed_whoami`) resolve wherever Composio's
(`KEYED_WHOAMI`) do, and every account reports Scalekit's status beside Composio's."""

from __future__ import annotations

import json

from tests.support.execution import EXECUTE, make_account

V3 = "/api/v3"


def test_lower_case_tool_names_resolve_everywhere(server, project, client, upstream):
    account = make_account(server, project.id, secrets={"api_key": "sk-lower-1234567890"}, user_id="u")
    upper = client.get(f"{V3}/tools/KEYED_WHOAMI")
    lower = client.get(f"{V3}/tools/keyed_whoami")
    assert lower.status_code == 200, lower.text
    assert lower.json()["slug"] == upper.json()["slug"] == "KEYED_WHOAMI"

    listed = client.get(f"{V3}/tools", params={"tool_slugs": "keyed_whoami"})
    assert listed.status_code == 200, listed.text
    assert [t["slug"] for t in listed.json()["items"]] == ["KEYED_WHOAMI"]

    r = client.post(EXECUTE + "keyed_whoami", json={"connected_account_id": account, "arguments": {}})
    assert r.status_code == 200 and r.json()["successful"], r.text

    r = client.post(
        f"{V3}/mcp/servers",
        json={"name": "lower", "auth_config_ids": [], "allowed_tools": ["keyed_whoami"]},
    )
    assert r.status_code == 201, r.text
    assert r.json()["allowed_tools"] == ["KEYED_WHOAMI"]

    r = client.post(
        f"{V3}/auth_configs",
        json={
            "toolkit": {"slug": "keyed"},
            "auth_config": {
                "type": "use_custom_auth",
                "auth_scheme": "API_KEY",
                "tool_access_config": {"tools_available_for_execution": ["keyed_whoami"]},
            },
        },
    )
    assert r.status_code == 201, r.text
    assert r.json()["auth_config"]["restrict_to_following_tools"] == ["KEYED_WHOAMI"]


def test_scalekit_statuses_beside_composio(server, project, client):
    active = make_account(server, project.id, secrets={"api_key": "sk-status-1234567890"}, user_id="s")
    failed = make_account(server, project.id, status="FAILED", user_id="s")
    expired = make_account(server, project.id, status="EXPIRED", user_id="s")
    pending = make_account(server, project.id, status="INITIATED", user_id="s")

    def statuses(account_id: str) -> tuple[str, str]:
        body = client.get(f"{V3}/connected_accounts/{account_id}").json()
        return body["status"], body["scalekit_status"]

    assert statuses(active) == ("ACTIVE", "ACTIVE")
    assert statuses(failed) == ("FAILED", "ERROR")
    assert statuses(expired) == ("EXPIRED", "EXPIRED")
    assert statuses(pending) == ("INITIATED", "PENDING")
    r = client.patch(f"{V3}/connected_accounts/{active}/status", json={"enabled": False})
    assert r.status_code == 200, r.text
    assert statuses(active) == ("INACTIVE", "REVOKED")
    listed = client.get(f"{V3}/connected_accounts", params={"user_ids": "s"}).json()["items"]
    assert {a["scalekit_status"] for a in listed} == {"REVOKED", "ERROR", "EXPIRED", "PENDING"}


def _keyed_config(client, name: str | None) -> tuple[int, dict]:
    body = {"type": "use_custom_auth", "auth_scheme": "API_KEY"}
    if name:
        body["name"] = name
    r = client.post(f"{V3}/auth_configs", json={"toolkit": {"slug": "keyed"}, "auth_config": body})
    return r.status_code, r.json()


def _connect(client, config_id: str, user_id: str, key: str) -> str:
    r = client.post(
        f"{V3}/connected_accounts",
        json={
            "auth_config": {"id": config_id},
            "connection": {"user_id": user_id, "state": {"auth_scheme": "API_KEY", "val": {"api_key": key}}},
        },
    )
    assert r.status_code == 201, r.text
    return r.json()["id"]


def test_identifier_and_connection_name_pick_the_account(server, project, client, upstream):
    status, a = _keyed_config(client, "keyed-a")
    assert status == 201
    status, b = _keyed_config(client, "keyed-b")
    assert status == 201
    status, error = _keyed_config(client, "keyed-a")
    assert status == 409 and error["error"]["slug"] == "AuthConfigNameExists"
    # Default names never collide: the second gets a suffix.
    first, second = _keyed_config(client, None)[1], _keyed_config(client, None)[1]
    names = {
        client.get(f"{V3}/auth_configs/{c['auth_config']['id']}").json()["name"] for c in (first, second)
    }
    assert len(names) == 2
    r = client.patch(
        f"{V3}/auth_configs/{b['auth_config']['id']}", json={"type": "custom", "name": "keyed-a"}
    )
    assert r.status_code == 409, r.text

    _connect(client, a["auth_config"]["id"], "sam", "sk-sam-on-a-1234567890")
    _connect(client, b["auth_config"]["id"], "sam", "sk-sam-on-b-1234567890")
    for name, key in (("keyed-a", "sk-sam-on-a-1234567890"), ("keyed-b", "sk-sam-on-b-1234567890")):
        r = client.post(
            EXECUTE + "keyed_whoami",
            json={"identifier": "sam", "connection_name": name, "arguments": {}},
        )
        assert r.status_code == 200 and r.json()["successful"], r.text
        assert key in json.dumps(r.json()["data"])
    r = client.post(
        EXECUTE + "KEYED_WHOAMI", json={"identifier": "sam", "connection_name": "nope", "arguments": {}}
    )
    assert r.status_code == 404 and r.json()["error"]["slug"] == "AuthConfigNotFound"
    r = client.post(EXECUTE + "KEYED_WHOAMI", json={"identifier": "sam", "user_id": "other", "arguments": {}})
    assert r.status_code == 400


def test_proxy_with_identifier_and_connection_name(server, project, client, upstream):
    status, config = _keyed_config(client, "keyed-proxy")
    assert status == 201
    _connect(client, config["auth_config"]["id"], "pat", "sk-pat-proxy-1234567890")
    r = client.post(
        f"{V3}/tools/execute/proxy",
        json={
            "endpoint": "/echo/proxied",
            "method": "GET",
            "identifier": "pat",
            "connection_name": "keyed-proxy",
        },
    )
    assert r.status_code == 200, r.text
    assert "sk-pat-proxy-1234567890" in json.dumps(r.json()["data"])
    r = client.post(
        f"{V3}/tools/execute/proxy",
        json={"endpoint": "/echo/proxied", "method": "GET", "connection_name": "keyed-proxy"},
    )
    assert r.status_code == 400, r.text


SESSIONS = f"{V3}/tool_router/session"


def test_sessions_take_identifier_and_connection_name(server, project, client, upstream):
    status, a = _keyed_config(client, "sess-a")
    assert status == 201
    status, b = _keyed_config(client, "sess-b")
    assert status == 201
    a_id, b_id = a["auth_config"]["id"], b["auth_config"]["id"]
    on_a = _connect(client, a_id, "kim", "sk-kim-on-a-1234567890")
    _connect(client, b_id, "kim", "sk-kim-on-b-1234567890")

    r = client.post(SESSIONS, json={"identifier": "kim", "connection_name": "sess-a", "toolkits": ["keyed"]})
    assert r.status_code == 201, r.text
    session = r.json()
    assert session["config"]["user_id"] == "kim"
    assert session["config"]["connected_accounts"] == {"keyed": [on_a]}
    assert session["config"]["auth_configs"] == {"keyed": a_id}
    # The lower-case slug runs in the session, on the named connection's account.
    r = client.post(f"{SESSIONS}/{session['session_id']}/execute", json={"tool_slug": "keyed_whoami"})
    assert r.status_code == 200 and r.json()["error"] is None, r.text
    assert "sk-kim-on-a-1234567890" in json.dumps(r.json()["data"])

    # No account yet on the named config: the session connects new accounts there.
    r = client.post(SESSIONS, json={"user_id": "newbie", "connection_name": ["sess-b"]})
    assert r.status_code == 201, r.text
    assert r.json()["config"]["auth_configs"] == {"keyed": b_id}
    assert r.json()["config"].get("connected_accounts") in ({}, None)

    ambiguous = [
        ({"identifier": "kim", "user_id": "other"}, ["identifier", "user_id"]),
        ({"user_id": "kim", "connection_name": ["sess-a", "sess-b"]}, ["sess-a", "sess-b"]),
        (
            {"user_id": "kim", "connection_name": "sess-a", "auth_configs": {"keyed": b_id}},
            ["auth_configs.keyed"],
        ),
        (
            {"user_id": "kim", "connection_name": "sess-a", "connected_accounts": {"keyed": on_a}},
            ["connected_accounts.keyed"],
        ),
    ]
    for body, named in ambiguous:
        r = client.post(SESSIONS, json=body)
        assert r.status_code == 400, (body, r.text)
        message = r.json()["error"]["message"]
        assert all(n in message for n in named), (body, message)
    r = client.post(SESSIONS, json={"user_id": "kim", "connection_name": "nope"})
    assert r.status_code == 404 and r.json()["error"]["slug"] == "AuthConfigNotFound", r.text


def test_connect_links_take_identifier_and_connection_name(server, project, client):
    status, config = _keyed_config(client, "link-by-name")
    assert status == 201
    r = client.post(
        f"{V3}/connected_accounts/link", json={"identifier": "lee", "connection_name": "link-by-name"}
    )
    assert r.status_code == 201, r.text
    account = client.get(f"{V3}/connected_accounts/{r.json()['connected_account_id']}").json()
    assert account["user_id"] == "lee" and account["auth_config"]["id"] == config["auth_config"]["id"]

    config_id = config["auth_config"]["id"]
    for body, named in (
        (
            {"user_id": "lee", "auth_config_id": config_id, "connection_name": "link-by-name"},
            "connection_name",
        ),
        ({"user_id": "lee", "identifier": "other", "auth_config_id": config_id}, "identifier"),
        ({"user_id": "lee"}, "auth_config_id"),
        ({"connection_name": "link-by-name"}, "user_id"),
    ):
        r = client.post(f"{V3}/connected_accounts/link", json=body)
        assert r.status_code == 400, (body, r.text)
        assert named in r.json()["error"]["message"], r.text
    r = client.post(f"{V3}/connected_accounts/link", json={"identifier": "lee", "connection_name": "nope"})
    assert r.status_code == 404 and r.json()["error"]["slug"] == "AuthConfigNotFound"


async def test_lower_case_slugs_reach_sessions_and_mcp(server, project, client, upstream):
    from tests.support.mcp import create_server, mcp_session, text_of, user_url

    status, config = _keyed_config(client, "mcp-lower")
    assert status == 201
    _connect(client, config["auth_config"]["id"], "max", "sk-max-mcp-1234567890")
    r = client.post(
        SESSIONS,
        json={"user_id": "max", "tools": {"keyed": ["keyed_whoami"]}, "preload": {"tools": ["keyed_whoami"]}},
    )
    assert r.status_code == 201, r.text
    session = r.json()
    r = client.post(
        f"{SESSIONS}/{session['session_id']}/execute_meta",
        json={
            "slug": "COMPOSIO_MULTI_EXECUTE_TOOL",
            "arguments": {"tools": [{"tool_slug": "keyed_whoami", "arguments": {}}]},
        },
    )
    assert r.status_code == 200 and "sk-max-mcp-1234567890" in json.dumps(r.json()["data"]), r.text

    made = create_server(
        client, "lower-mcp", auth_config_ids=[config["auth_config"]["id"]], allowed_tools=["keyed_whoami"]
    )
    url = user_url(client, made["id"], "max")
    async with mcp_session(url) as mcp:
        assert [t.name for t in (await mcp.list_tools()).tools] == ["KEYED_WHOAMI"]
        assert "sk-max-mcp-1234567890" in text_of(await mcp.call_tool("keyed_whoami", {}))
    headers = {**session["mcp"]["headers"], "x-api-key": project.api_key}
    async with mcp_session(session["mcp"]["url"], headers) as mcp:
        listed = await mcp.call_tool(
            "COMPOSIO_MULTI_EXECUTE_TOOL", {"tools": [{"tool_slug": "keyed_whoami", "arguments": {}}]}
        )
        assert "sk-max-mcp-1234567890" in text_of(listed)
        assert "KEYED_WHOAMI" in [t.name for t in (await mcp.list_tools()).tools]
        assert "sk-max-mcp-1234567890" in text_of(await mcp.call_tool("keyed_whoami", {}))
