"""Execution logs: one per call, readable at once, redacted, project-scoped, searchable."""

from __future__ import annotations

import uuid

import httpx

from tests.support.errors import assert_error
from tests.support.execution import EXECUTE, make_account
from valetkey.tenancy.models import Project

LOGS = "/api/v3.1/logs/tool_execution"


def execute(client, slug, arguments, **body):
    return client.post(EXECUTE + slug, json={"arguments": arguments, **body}).json()


def test_log_is_readable_right_after_execution(client):
    result = execute(client, "LOOPBACK_ECHO_GET", {"item_id": "1"}, user_id="log-user")
    log = client.get(f"{LOGS}/{result['log_id']}")
    assert log.status_code == 200, log.text
    entry = log.json()
    assert entry["id"] == result["log_id"] and entry["type"] == "tool.execution"
    assert entry["status"] == "success" and entry["level"] == "info"
    assert entry["metadata"]["credential_source"] == "no_auth"
    assert (
        entry["context"]["request_id"] == log.request.headers.get("x-request-id")
        or entry["context"]["request_id"]
    )
    assert entry["data"]["tool_slug"] == "LOOPBACK_ECHO_GET" and entry["data"]["user_id"] == "log-user"
    assert entry["data"]["request"]["url"].endswith("/echo/items/1")
    assert entry["data"]["response"]["status"] == 200


def test_failed_execution_is_logged_as_failed(client):
    result = execute(client, "LOOPBACK_STATUS", {"code": 500}, user_id="log-user")
    entry = client.get(f"{LOGS}/{result['log_id']}").json()
    assert entry["status"] == "failed" and entry["level"] == "error"
    assert entry["message"].startswith("500 Internal Server Error")
    assert entry["metrics"]["upstream_status"] == 500


def test_credentials_never_stored(server, client, project):
    user = "log-" + uuid.uuid4().hex[:6]
    make_account(server, project.id, user_id=user, secrets={"api_key": "top-secret-key"})
    result = execute(client, "KEYED_WHOAMI", {}, user_id=user)
    assert result["successful"]
    entry = client.get(f"{LOGS}/{result['log_id']}").json()
    assert entry["data"]["request"]["headers"]["X-Api-Key"] == "[redacted]"
    assert "top-secret-key" not in str(entry)
    # The proxy log too.
    proxied = client.post(
        "/api/v3.1/tools/execute/proxy",
        json={
            "endpoint": "/echo/p",
            "method": "GET",
            "connected_account_id": entry["data"]["connected_account_id"],
        },
    )
    assert proxied.status_code == 200
    page = client.post(
        LOGS, json={"filters": [{"field": "tool_slug", "operator": "==", "value": "PROXY"}]}
    ).json()
    [proxy_log] = page["logs"]
    assert proxy_log["type"] == "tool.proxy"
    assert "top-secret-key" not in str(client.get(f"{LOGS}/{proxy_log['id']}").json())


def test_search_filters_and_cursor(client):
    user = "search-" + uuid.uuid4().hex[:6]
    ids = [execute(client, "LOOPBACK_PY_SUM", {"a": i, "b": 0}, user_id=user)["log_id"] for i in range(3)]
    execute(client, "LOOPBACK_STATUS", {"code": 404}, user_id=user)
    body = {
        "limit": 2,
        "filters": [
            {"field": "user_id", "operator": "==", "value": user},
            {"field": "status", "operator": "==", "value": "success"},
        ],
    }
    first = client.post(LOGS, json=body).json()
    assert len(first["logs"]) == 2 and first["next_cursor"]
    second = client.post(LOGS, json={**body, "cursor": first["next_cursor"]}).json()
    assert len(second["logs"]) == 1 and second["next_cursor"] is None
    assert {log["id"] for log in first["logs"] + second["logs"]} == set(ids)
    failed = client.post(
        LOGS,
        json={
            "filters": [
                {"field": "user_id", "operator": "==", "value": user},
                {"field": "status", "operator": "==", "value": "failed"},
            ]
        },
    ).json()
    assert [log["tool_slug"] for log in failed["logs"]] == ["LOOPBACK_STATUS"]
    assert_error(
        client.post(LOGS, json={"filters": [{"field": "sandbox_id", "operator": "==", "value": "x"}]}), 400
    )
    assert_error(client.post(LOGS, json={"cursor": "not-a-cursor"}), 400)


def test_dont_store_data_keeps_only_metadata(server):
    keys = server.new_project()
    with server.state.db.session() as db:
        project = db.get(Project, keys.id)
        project.config = {**project.config, "log_visibility_setting": "dont_store_data"}
    with httpx.Client(base_url=server.url, headers={"x-api-key": keys.api_key}) as client:
        result = execute(client, "LOOPBACK_ECHO_GET", {"item_id": "private"}, user_id="u")
        entry = client.get(f"{LOGS}/{result['log_id']}").json()
    assert entry["status"] == "success" and entry["data"]["tool_slug"] == "LOOPBACK_ECHO_GET"
    assert entry["data"]["request"] is None and entry["data"]["response"] is None
    assert "private" not in str(entry)


def test_logs_are_project_scoped(server, client):
    result = execute(client, "LOOPBACK_PY_SUM", {"a": 1, "b": 1}, user_id="mine")
    other = server.new_project()
    with httpx.Client(base_url=server.url, headers={"x-api-key": other.api_key}) as theirs:
        assert_error(theirs.get(f"{LOGS}/{result['log_id']}"), 404)
        page = theirs.post(
            LOGS, json={"filters": [{"field": "log_id", "operator": "==", "value": result["log_id"]}]}
        )
        assert page.json()["logs"] == []
    assert_error(client.get(f"{LOGS}/log_doesnotexist"), 404)


def test_sdk_reads_and_searches_logs(composio):
    result = composio.tools.execute(
        "LOOPBACK_PY_SUM", {"a": 5, "b": 5}, user_id="sdk-logs", dangerously_skip_version_check=True
    )
    page = composio.logs.search(
        filters=[{"field": "user_id", "operator": "==", "value": "sdk-logs"}], limit=5
    )
    assert len(page.logs) >= 1
    log = composio.logs.get(page.logs[0].id)
    assert log.id == page.logs[0].id and log.status == "success"
    assert log.data["tool_slug"] == "LOOPBACK_PY_SUM"
    assert result["successful"]
