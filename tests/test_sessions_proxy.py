"""Session proxy execute, COMPOSIO_PROXY_EXECUTE, COMPOSIO_WAIT_FOR_CONNECTIONS and multi-account rules.

`session.proxy_execute(...)` uses the account the session picks (the
upstream recorder shows which X-Api-Key it saw) and the executor's proxy, so
the same-origin rule and the egress policy hold inside a session too.
"""

from __future__ import annotations

import threading
import time
import uuid

import httpx
import pytest

from tests.support.errors import assert_error
from tests.support.execution import make_account, seen
from tests.support.oauth import V3

SESSIONS = f"{V3}/tool_router/session"


def keyed(server, project, user: str, key: str, **kw) -> str:
    return make_account(server, project.id, toolkit="keyed", user_id=user, secrets={"api_key": key}, **kw)


def test_sdk_proxy_execute_uses_the_sessions_account(composio, server, project, upstream):
    pinned = keyed(server, project, "p-user", "pinned-key", age_seconds=60)
    keyed(server, project, "p-user", "newer-key")
    session = composio.create(user_id="p-user", connected_accounts={"keyed": pinned})
    tag = uuid.uuid4().hex
    result = session.proxy_execute(
        toolkit="keyed",
        endpoint=f"/echo/session-proxy/{tag}",
        method="POST",
        body={"hello": "world"},
        parameters=[{"name": "page", "value": "2", "in": "query"}],
    )
    assert result["status"] == 200 and result.get("result_type", "completed") == "completed"  # 0.30 adds it
    [request] = seen(upstream, tag)
    assert request.headers["x-api-key"] == "pinned-key" and request.query == {"page": ["2"]}
    assert request.body == {"hello": "world"}


def test_proxy_stays_on_the_toolkits_host_and_in_the_session(client, server, project, upstream):
    keyed(server, project, "p2", "k2")
    session_id = client.post(SESSIONS, json={"user_id": "p2", "toolkits": ["keyed"]}).json()["session_id"]
    url = f"{SESSIONS}/{session_id}/proxy_execute"
    before = len(upstream.requests)
    foreign = client.post(
        url, json={"toolkit_slug": "keyed", "endpoint": "http://example.com/x", "method": "GET"}
    )
    assert_error(foreign, 400, contains="not this toolkit's API host")
    outside = client.post(url, json={"toolkit_slug": "oauthdemo", "endpoint": "/x", "method": "GET"})
    assert_error(outside, 400, contains="not enabled in this session")
    smuggled = client.post(
        url, json={"toolkit_slug": "keyed", "endpoint": "/x", "method": "GET", "connected_account_id": "ca_x"}
    )
    assert_error(smuggled, 400, contains="connected_account_id")
    assert len(upstream.requests) == before


def test_proxy_without_a_connection_and_when_turned_off(client, server, project):
    session_id = client.post(SESSIONS, json={"user_id": "nobody"}).json()["session_id"]
    body = {"toolkit_slug": "keyed", "endpoint": "/echo/x", "method": "GET"}
    assert_error(
        client.post(f"{SESSIONS}/{session_id}/proxy_execute", json=body),
        400,
        contains="COMPOSIO_MANAGE_CONNECTIONS",
    )
    keyed(server, project, "off-user", "k")
    off = client.post(SESSIONS, json={"user_id": "off-user", "proxy_execute": False}).json()
    assert off["config"]["proxy_execute"] == {"enable": False}
    assert_error(
        client.post(f"{SESSIONS}/{off['session_id']}/proxy_execute", json=body), 400, contains="turned off"
    )


def test_proxy_meta_tool_is_offered_only_when_enabled(composio, server, project, upstream):
    keyed(server, project, "meta-user", "meta-key")
    plain = composio.create(user_id="meta-user")
    assert "COMPOSIO_PROXY_EXECUTE" not in {t["function"]["name"] for t in plain.tools()}
    session = composio.create(user_id="meta-user", proxy_execute=True)
    assert "COMPOSIO_PROXY_EXECUTE" in {t["function"]["name"] for t in session.tools()}
    tag = uuid.uuid4().hex
    result = session.execute_meta(
        "COMPOSIO_PROXY_EXECUTE",
        arguments={"toolkit_slug": "keyed", "endpoint": f"/echo/meta/{tag}", "method": "GET"},
    )
    assert result.result_type == "completed" and result.data["status"] == 200
    assert seen(upstream, tag)[0].headers["x-api-key"] == "meta-key"
    failed = session.execute_meta(
        "COMPOSIO_PROXY_EXECUTE",
        arguments={"toolkit_slug": "keyed", "endpoint": "/status/404", "method": "GET"},
    )
    assert failed.result_type == "failed" and "404" in failed.error


# -- waiting for connections --------------------------------------------------------------------


def test_wait_for_connections_is_offered_only_when_asked(composio):
    plain = composio.create(user_id="w0")
    assert "COMPOSIO_WAIT_FOR_CONNECTIONS" not in {t["function"]["name"] for t in plain.tools()}
    waiting = composio.create(user_id="w0", manage_connections={"wait_for_connections": True})
    assert "COMPOSIO_WAIT_FOR_CONNECTIONS" in {t["function"]["name"] for t in waiting.tools()}
    assert waiting.config.manage_connections.enable_wait_for_connections is True


def test_wait_returns_when_the_user_connects(composio, server, project):
    session = composio.create(user_id="w1", manage_connections={"wait_for_connections": True})
    timer = threading.Timer(0.8, lambda: keyed(server, project, "w1", "late-key"))
    timer.start()
    started = time.monotonic()
    result = session.execute_meta(
        "COMPOSIO_WAIT_FOR_CONNECTIONS", arguments={"toolkits": ["keyed", "loopback"], "timeout_seconds": 20}
    )
    timer.join()
    assert result.result_type == "completed", result.error
    assert result.data["all_connected"] is True and time.monotonic() - started < 15
    assert result.data["results"]["keyed"]["status"] == "active"
    assert result.data["results"]["loopback"]["status"] == "active"  # no auth needed


def test_wait_times_out_with_what_is_missing(composio):
    session = composio.create(user_id="w2", manage_connections={"wait_for_connections": True})
    result = session.execute_meta(
        "COMPOSIO_WAIT_FOR_CONNECTIONS", arguments={"toolkits": ["keyed", "nope"], "timeout_seconds": 0.5}
    )
    assert result.result_type == "failed" and "keyed" in result.error
    assert result.data["results"]["keyed"]["status"] == "pending"
    assert result.data["results"]["nope"]["status"] == "failed"


# -- multi-account ------------------------------------------------------------------------------


def test_require_explicit_selection_refuses_to_guess(composio, server, project):
    first = keyed(server, project, "m1", "first-key", age_seconds=60)
    keyed(server, project, "m1", "second-key")
    session = composio.create(user_id="m1", multi_account={"enable": True})  # the SDK defaults it to explicit
    assert session.config.multi_account.require_explicit_selection is True
    guessed = session.execute("KEYED_WHOAMI")
    assert (
        guessed.result_type == "failed"
        and "requires choosing one" in guessed.error
        and first in guessed.error
    )
    chosen = session.execute("KEYED_WHOAMI", account=first)
    assert chosen.result_type == "completed" and chosen.data["headers"]["x-api-key"] == "first-key"
    relaxed = composio.create(
        user_id="m1", multi_account={"enable": True, "require_explicit_selection": False}
    )
    assert relaxed.execute("KEYED_WHOAMI").data["headers"]["x-api-key"] == "second-key"


def test_max_accounts_per_toolkit_caps_new_connections(client, server, project):
    keyed(server, project, "m2", "a")
    keyed(server, project, "m2", "b")
    capped = client.post(
        SESSIONS,
        json={"user_id": "m2", "multi_account": {"enable": True, "max_accounts_per_toolkit": 2}},
    ).json()
    assert_error(
        client.post(f"{SESSIONS}/{capped['session_id']}/link", json={"toolkit": "keyed"}),
        400,
        contains="max_accounts_per_toolkit",
    )
    three = make_account(server, project.id, toolkit="keyed", user_id="m2", secrets={"api_key": "c"})
    ids = [keyed(server, project, "m2", "d"), three]
    r = client.post(
        SESSIONS,
        json={
            "user_id": "m2",
            "multi_account": {"enable": True, "max_accounts_per_toolkit": 2},
            "connected_accounts": {"keyed": [*ids, keyed(server, project, "m2", "e")]},
        },
    )
    assert_error(r, 400, contains="max_accounts_per_toolkit")


@pytest.mark.parametrize("bad", [{"enable": "yes"}, {"enable": True, "max_accounts_per_toolkit": 1}])
def test_multi_account_values_are_checked(client, bad):
    assert_error(
        client.post(SESSIONS, json={"user_id": "m3", "multi_account": bad}), 400, contains="multi_account"
    )


def test_raw_http_proxy_is_refused_for_another_project(client, server):
    session_id = client.post(SESSIONS, json={"user_id": "p9"}).json()["session_id"]
    other = server.new_project()
    with httpx.Client(base_url=server.url, headers={"x-api-key": other.api_key}, timeout=30) as stranger:
        r = stranger.post(
            f"{SESSIONS}/{session_id}/proxy_execute",
            json={"toolkit_slug": "keyed", "endpoint": "/x", "method": "GET"},
        )
        assert_error(r, 404)


def test_an_account_is_chosen_by_id_or_alias(composio, server, project):
    from valetkey.connections.models import ConnectedAccount

    work = keyed(server, project, "m4", "work-key", age_seconds=60)
    keyed(server, project, "m4", "home-key")
    with server.state.db.session() as db:
        db.get(ConnectedAccount, work).alias = "work"
    session = composio.create(user_id="m4", multi_account={"enable": True})
    by_alias = session.execute("KEYED_WHOAMI", account="work")
    assert by_alias.result_type == "completed" and by_alias.data["headers"]["x-api-key"] == "work-key"
    assert session.execute("KEYED_WHOAMI", account="nope").result_type == "failed"


def test_a_session_proxy_body_the_proxy_refuses_is_a_400_not_a_500(client, server, project, upstream):
    """The session route rebuilds the proxy's body; the proxy's own checks (no body on GET, body or
    binary_body) answer as body validation errors, not 500s (found by the fuzzer)."""
    keyed(server, project, "p-bad", "kb")
    session_id = client.post(SESSIONS, json={"user_id": "p-bad", "toolkits": ["keyed"]}).json()["session_id"]
    url = f"{SESSIONS}/{session_id}/proxy_execute"
    before = len(upstream.requests)
    binary = {"base64": "aGk=", "content_type": "text/plain"}
    for body, fragment in (
        ({"method": "GET", "body": {"a": 1}}, "carries no body"),
        ({"method": "POST", "body": {"a": 1}, "binary_body": binary}, "not both"),
    ):
        r = client.post(url, json={"toolkit_slug": "keyed", "endpoint": "/echo/x", **body})
        assert_error(r, 400, contains=fragment)
    assert len(upstream.requests) == before
