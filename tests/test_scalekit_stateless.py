"""Scalekit's stateless model, natively: its tool names (`keyed_whoami`) resolve wherever Composio's
(`KEYED_WHOAMI`) do, and every account reports Scalekit's status beside Composio's."""

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
