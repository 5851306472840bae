"""Tool execution through the official composio SDK, and upstream timeouts."""

from __future__ import annotations

import uuid

import httpx
import pytest
from composio_client import BadRequestError

from tests.support.app import CLOSED_URL, database_url_for, start_server
from tests.support.execution import EXECUTE, make_account


def test_sdk_executes_a_no_auth_tool(composio, upstream):
    trace = uuid.uuid4().hex
    result = composio.tools.execute(
        "LOOPBACK_ECHO_GET",
        {"item_id": "42", "trace_id": trace},
        user_id="sdk-user",
        dangerously_skip_version_check=True,
    )
    assert result["successful"] is True and result["error"] is None
    assert result["data"]["path"] == "/echo/items/42"
    assert [s.path for s in upstream.requests if s.headers.get("x-trace-id") == trace] == ["/echo/items/42"]


def test_sdk_pinned_version_and_python_handler(composio):
    result = composio.tools.execute("LOOPBACK_PY_SUM", {"a": 1, "b": 2}, user_id="u", version="20250601_00")
    assert result["successful"] and result["data"] == {"sum": 3}
    old = composio.tools.execute("LOOPBACK_CREATE_ITEM", {"name": "n"}, user_id="u", version="20250101_00")
    assert old["successful"], old


def test_sdk_upstream_failure_is_a_result_not_an_exception(composio):
    result = composio.tools.execute(
        "LOOPBACK_STATUS", {"code": 404}, user_id="u", dangerously_skip_version_check=True
    )
    assert result["successful"] is False and result["error"].startswith("404 Not Found")


def test_sdk_error_without_a_connected_account_is_readable(composio):
    with pytest.raises(BadRequestError) as info:
        composio.tools.execute(
            "KEYED_WHOAMI", {}, user_id="no-such-user", dangerously_skip_version_check=True
        )
    error = info.value
    assert error.status_code == 400
    text = str(error)
    assert "No connected account found for user 'no-such-user' and toolkit 'keyed'" in text
    assert error.details["suggested_fix"].startswith("Connect user 'no-such-user' to keyed")
    assert error.request_id and error.request_id == error.details["request_id"]


def test_sdk_uses_the_stored_account(server, project, composio):
    user = "sdk-" + uuid.uuid4().hex[:6]
    make_account(server, project.id, user_id=user, secrets={"api_key": "sdk-key"})
    result = composio.tools.execute("KEYED_WHOAMI", {}, user_id=user, dangerously_skip_version_check=True)
    assert result["data"]["headers"]["x-api-key"] == "sdk-key"


@pytest.fixture(scope="module")
def impatient_server(toolkits_dir, request):
    """A server whose upstream timeout is half a second."""
    threaded, running = start_server(
        database_url_for("sqlite", request), catalog_dirs=[toolkits_dir], upstream_timeout=0.5
    )
    yield running
    threaded.stop()


def test_upstream_timeout_is_an_unsuccessful_result(impatient_server):
    project = impatient_server.new_project()
    with httpx.Client(
        base_url=impatient_server.url, headers={"x-api-key": project.api_key}, timeout=30
    ) as client:
        r = client.post(EXECUTE + "LOOPBACK_SLOW", json={"arguments": {"ms": 2000}, "user_id": "u"})
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["successful"] is False and "did not answer within 0.5 seconds" in body["error"]
        fast = client.post(EXECUTE + "LOOPBACK_SLOW", json={"arguments": {"ms": 10}, "user_id": "u"}).json()
        assert fast["successful"] is True


def test_unreachable_upstream_is_an_unsuccessful_result(client):
    closed = httpx.URL(CLOSED_URL)  # discard port: nothing listens (and the test egress policy allows it)
    r = client.post(
        EXECUTE + "KEYED_WHOAMI", json={"custom_auth_params": {"base_url": str(closed), "parameters": []}}
    )
    body = r.json()
    assert r.status_code == 200 and body["successful"] is False
    assert "Could not reach the upstream API" in body["error"]


def test_accounts_under_a_disabled_auth_config_cannot_execute(server, project, composio, client):
    user = "cfg-" + uuid.uuid4().hex[:6]
    account = make_account(server, project.id, user_id=user, secrets={"api_key": "k"})
    config_id = client.get(f"/api/v3.1/connected_accounts/{account}").json()["auth_config"]["id"]
    assert client.patch(f"/api/v3.1/auth_configs/{config_id}/DISABLED").status_code == 200

    with pytest.raises(BadRequestError) as info:
        composio.tools.execute("KEYED_WHOAMI", {}, user_id=user, dangerously_skip_version_check=True)
    assert "under a disabled auth config" in str(info.value)
    explicit = client.post(EXECUTE + "KEYED_WHOAMI", json={"arguments": {}, "connected_account_id": account})
    assert explicit.status_code == 422 and explicit.json()["error"]["slug"] == "AuthConfigDisabled"

    assert client.patch(f"/api/v3.1/auth_configs/{config_id}/ENABLED").status_code == 200
    result = composio.tools.execute("KEYED_WHOAMI", {}, user_id=user, dangerously_skip_version_check=True)
    assert result["successful"], result
