"""Scalekit's spelling of tool names (`keyed_whoami`) resolves wherever Composio's (`KEYED_WHOAMI`) does."""

from __future__ import annotations

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
