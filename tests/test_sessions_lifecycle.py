"""A session's life through the official SDK: update (config versions, optimistic concurrency), history, delete.

Every update is a new config version; `expected_config_version` makes it
conditional, and a stale one is the SDK's `SessionConfigConflictError`. A
deleted session's routes, meta tools and MCP URL all answer 404.
"""

from __future__ import annotations

import threading

import httpx
import pytest
from composio.exceptions import SessionConfigConflictError
from composio_client.types.tool_router.session_config_history_response import SessionConfigHistoryResponse
from composio_client.types.tool_router.session_patch_response import SessionPatchResponse

from tests.support.errors import assert_error
from tests.support.execution import make_account
from tests.support.oauth import V3

SESSIONS = f"{V3}/tool_router/session"
MCP_HEADERS = {"accept": "application/json, text/event-stream", "mcp-protocol-version": "2025-06-18"}


def test_update_makes_a_new_version_that_execution_follows(composio, server, project):
    make_account(server, project.id, toolkit="keyed", user_id="u-up", secrets={"api_key": "k"})
    session = composio.create(user_id="u-up", toolkits=["keyed"])
    assert session.config_version == 1
    assert session.execute("KEYED_WHOAMI").result_type == "completed"

    config = session.update(toolkits={"enable": ["loopback"]})
    assert config.toolkits.enabled == ["loopback"] and session.config_version == 2
    refused = session.execute("KEYED_WHOAMI")
    assert refused.result_type == "failed" and "not enabled" in refused.error
    assert session.execute("LOOPBACK_STATUS", arguments={"code": 200}).result_type == "completed"

    again = composio.use(session.session_id)
    assert again.config_version == 2 and again.config.toolkits.enabled == ["loopback"]


def test_null_removes_an_override_and_omitted_fields_are_kept(composio):
    session = composio.create(
        user_id="u-null",
        toolkits=["keyed"],
        tags=["readOnlyHint"],
        manage_connections={"callback_url": "https://app.example.test/cb", "wait_for_connections": True},
    )
    config = session.update(toolkits=None)
    assert config.toolkits is None  # unrestricted again
    assert config.tags.enabled == ["readOnlyHint"]  # not in the update: kept
    # manage_connections merges field by field: a null field removes only that field.
    config = session.update(manage_connections={"callback_url": None})
    assert config.manage_connections.callback_url is None
    assert config.manage_connections.enable_wait_for_connections is True
    assert session.config_version == 3


def test_a_stale_expected_version_is_the_sdks_conflict_error(composio):
    session = composio.create(user_id="u-stale")
    other_view = composio.use(session.session_id)
    session.update(tags=["readOnlyHint"], expected_config_version=session.config_version)
    assert session.config_version == 2
    with pytest.raises(SessionConfigConflictError):
        other_view.update(tags=["destructiveHint"], expected_config_version=other_view.config_version)
    assert other_view.config_version == 1  # left as it was
    assert composio.use(session.session_id).config.tags.enabled == ["readOnlyHint"]
    fresh = composio.use(session.session_id)
    fresh.update(tags=["destructiveHint"], expected_config_version=fresh.config_version)
    assert fresh.config_version == 3


def test_concurrent_conditional_updates_have_one_winner(client):
    session_id = client.post(SESSIONS, json={"user_id": "u-race"}).json()["session_id"]
    statuses: list[int] = []
    start = threading.Barrier(6)

    def patch(tag: str) -> None:
        with httpx.Client(base_url=str(client.base_url), headers=client.headers, timeout=30) as c:
            start.wait()
            r = c.patch(f"{SESSIONS}/{session_id}", json={"tags": [tag], "expected_config_version": 1})
            statuses.append(r.status_code)

    tags = ["readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint", "createHint", "updateHint"]
    threads = [threading.Thread(target=patch, args=(tag,)) for tag in tags]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] + [409] * 5
    history = client.get(f"{SESSIONS}/{session_id}/config_history").json()
    assert [item["version"] for item in history["items"]] == [2, 1]


def test_unconditional_concurrent_updates_lose_nothing(client):
    """Without a precondition each update still applies to the version it read: none is overwritten unseen."""
    session_id = client.post(SESSIONS, json={"user_id": "u-race2"}).json()["session_id"]
    codes: list[int] = []

    def patch(i: int) -> None:
        with httpx.Client(base_url=str(client.base_url), headers=client.headers, timeout=30) as c:
            codes.append(
                c.patch(f"{SESSIONS}/{session_id}", json={"search": {"enable": i % 2 == 0}}).status_code
            )

    threads = [threading.Thread(target=patch, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert set(codes) <= {200, 409} and 200 in codes
    current = client.get(f"{SESSIONS}/{session_id}").json()["config_version"]
    assert current == 1 + codes.count(200)


def test_config_history_lists_every_version_newest_first(composio, client):
    session = composio.create(user_id="u-hist", toolkits=["keyed"])
    session.update(toolkits=["loopback"])
    session.update(search={"enable": False})
    history = session.list_config_history()
    assert [item.version for item in history.items] == [3, 2, 1]
    assert [item.is_current for item in history.items] == [True, False, False]
    assert history.items[0].config.search.enable is False
    assert history.items[1].config.toolkits.enabled == ["loopback"]
    assert history.items[2].config.toolkits.enabled == ["keyed"]
    first = session.list_config_history(limit=2)
    assert [i.version for i in first.items] == [3, 2] and first.next_cursor
    rest = session.list_config_history(limit=2, cursor=first.next_cursor)
    assert [i.version for i in rest.items] == [1] and rest.next_cursor is None
    raw = client.get(f"{SESSIONS}/{session.session_id}/config_history")
    SessionConfigHistoryResponse.model_validate(raw.json())


def test_patch_answers_the_sdks_patch_shape(client):
    session_id = client.post(SESSIONS, json={"user_id": "u-shape"}).json()["session_id"]
    r = client.patch(f"{SESSIONS}/{session_id}", json={"preload": {"tools": ["KEYED_WHOAMI"]}})
    assert r.status_code == 200, r.text
    parsed = SessionPatchResponse.model_validate(r.json())
    assert parsed.config_version == 2 and parsed.config.preload.tools == ["KEYED_WHOAMI"]


@pytest.mark.parametrize(
    "patch, contains",
    [
        ({"toolkit": ["keyed"]}, "toolkit: is not a session setting"),
        ({"user_id": "someone-else"}, "user_id: cannot be changed"),
        ({"toolkits": ["nope"]}, "unknown toolkit"),
        ({"tools": {"keyed": ["GITHUB_CREATE_ISSUE"]}}, "not tools of keyed"),
        ({"connected_accounts": {"keyed": "ca_missing"}}, "not found"),
        ({"expected_config_version": 0}, "expected_config_version: must be a positive integer"),
        (
            {"workbench": {"enable": True, "auto_offload_threshold": 1}},
            "auto_offload_threshold: is not supported",
        ),
        ({"instant": {"toolkits": {"enable": ["keyed"]}}}, "instant: is not supported"),
        ({"manage_connections": {"enable_connection_removal": True}}, "enable_connection_removal"),
        ({"tags": {"require_approval": ["destructiveHint"]}}, "tags.require_approval: is not supported"),
    ],
)
def test_bad_updates_are_refused_and_change_nothing(client, patch, contains):
    session_id = client.post(SESSIONS, json={"user_id": "u-bad", "toolkits": ["keyed"]}).json()["session_id"]
    assert_error(client.patch(f"{SESSIONS}/{session_id}", json=patch), 400, contains=contains)
    after = client.get(f"{SESSIONS}/{session_id}").json()
    assert after["config_version"] == 1 and after["config"]["toolkits"] == {"enabled": ["keyed"]}


def test_delete_ends_the_session_everywhere(composio, client):
    session = composio.create(user_id="u-del")
    url, headers = session.mcp.url, session.mcp.headers
    listed = httpx.post(
        url, json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"}, headers={**MCP_HEADERS, **headers}
    )
    assert listed.status_code == 200
    assert session.delete() == {"session_id": session.session_id, "deleted": True}
    base = f"{SESSIONS}/{session.session_id}"
    assert_error(client.get(base), 404, contains="not found")
    assert_error(client.get(f"{base}/tools"), 404)
    assert_error(client.get(f"{base}/config_history"), 404)
    assert_error(client.patch(base, json={"tags": ["readOnlyHint"]}), 404)
    assert_error(
        client.post(f"{base}/execute_meta", json={"slug": "COMPOSIO_SEARCH_TOOLS", "arguments": {}}), 404
    )
    assert_error(
        client.post(
            f"{V3}/tools/execute/COMPOSIO_SEARCH_TOOLS",
            json={"arguments": {"queries": [{"use_case": "x"}], "session_id": session.session_id}},
        ),
        404,
    )
    gone = httpx.post(
        url, json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"}, headers={**MCP_HEADERS, **headers}
    )
    assert gone.status_code == 404
    with pytest.raises(Exception, match="not found"):
        composio.sessions.delete(session.session_id)  # already deleted: the backend 404


def test_another_project_can_neither_update_nor_delete(client, server):
    session_id = client.post(SESSIONS, json={"user_id": "u-own"}).json()["session_id"]
    other = server.new_project()
    with httpx.Client(base_url=server.url, headers={"x-api-key": other.api_key}, timeout=30) as stranger:
        assert_error(stranger.patch(f"{SESSIONS}/{session_id}", json={"tags": ["readOnlyHint"]}), 404)
        assert_error(stranger.delete(f"{SESSIONS}/{session_id}"), 404)
        assert_error(stranger.get(f"{SESSIONS}/{session_id}/config_history"), 404)
    assert client.get(f"{SESSIONS}/{session_id}").json()["config_version"] == 1


def test_malformed_lifecycle_requests_are_4xx_error_objects(client):
    session_id = client.post(SESSIONS, json={"user_id": "u-bad-req"}).json()["session_id"]
    base = f"{SESSIONS}/{session_id}"
    assert_error(client.patch(base, content=b"not json", headers={"content-type": "application/json"}), 400)
    assert_error(client.patch(base, json=["toolkits"]), 400, contains="JSON object")
    assert_error(client.get(f"{base}/config_history", params={"cursor": "%%%"}), 400, contains="cursor")
    assert_error(client.delete(f"{SESSIONS}/{'x' * 300}"), 404)
    assert client.post(f"{base}/attach", json={}).status_code == 200  # nothing to bind: the session as is
    assert_error(client.post(f"{base}/attach", json={"custom_tools": []}), 400, contains="custom_tools")
    assert client.get(base).json()["config_version"] == 1
