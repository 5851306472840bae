"""POST /tools/execute/{slug} over HTTP against the loopback upstream recorder."""

from __future__ import annotations

import time
import uuid

import pytest

from tests.support.errors import assert_error
from tests.support.execution import EXECUTE, make_account, seen


def run(client, slug, arguments=None, **body):
    return client.post(EXECUTE + slug, json={"arguments": arguments or {}, **body})


def test_upstream_sees_exactly_the_request(client, upstream):
    trace = uuid.uuid4().hex
    r = run(
        client,
        "LOOPBACK_ECHO_GET",
        {"item_id": "a/b c", "page_size": 5, "filter": "x&y", "trace_id": trace},
        user_id="u1",
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["successful"] is True and body["error"] is None and body["log_id"].startswith("log_")
    [request] = [s for s in upstream.requests if s.headers.get("x-trace-id") == trace]
    assert request.method == "GET"
    assert request.path == "/echo/items/a/b c"  # the recorder decodes; the slash travelled as %2F
    assert request.query == {"per_page": ["5"], "filter": ["x&y"]}
    assert request.headers["accept"] == "application/json"
    assert body["data"]["query"] == {"per_page": ["5"], "filter": ["x&y"]}


def test_json_body_and_version_pinning(client, upstream):
    name = uuid.uuid4().hex
    latest = run(
        client,
        "LOOPBACK_CREATE_ITEM",
        {"name": name, "title": "T", "tags": ["a"], "details": {"size": 2}},
        user_id="u1",
        version="20250601_00",
    )
    assert latest.json()["successful"], latest.text
    [request] = [s for s in upstream.requests if isinstance(s.body, dict) and s.body.get("name") == name]
    assert request.method == "POST" and request.path == "/echo/items"
    assert request.body == {"name": name, "title": "T", "tags": ["a"], "details": {"size": 2}}
    assert request.headers["content-type"] == "application/json"
    # The old version does not require a title; the latest does.
    old = run(client, "LOOPBACK_CREATE_ITEM", {"name": name}, user_id="u1", version="20250101_00")
    assert old.json()["successful"], old.text
    error = assert_error(
        run(client, "LOOPBACK_CREATE_ITEM", {"name": name}, user_id="u1"), 400, contains="title"
    )
    assert error["errors"][0]["field"] == "title"
    assert_error(
        run(client, "LOOPBACK_CREATE_ITEM", {"name": name}, version="19990101_00"), 400, contains="version"
    )


def test_validation_error_names_the_nested_field(client):
    error = assert_error(
        run(
            client,
            "LOOPBACK_CREATE_ITEM",
            {"name": "n", "title": "t", "details": {"size": "big"}},
            user_id="u",
        ),
        400,
    )
    assert error["errors"] == [{"field": "details.size", "message": error["errors"][0]["message"]}]
    assert "details.size" in error["message"] and error["suggested_fix"]
    error = assert_error(
        run(client, "LOOPBACK_ECHO_GET", {"item_id": "x", "page_size": 0}), 400, contains="page_size"
    )


def test_unknown_tool_is_404(client):
    assert_error(run(client, "LOOPBACK_NOPE"), 404, contains="LOOPBACK_NOPE")


def test_idempotent_tool_is_retried(client, upstream):
    key = uuid.uuid4().hex
    r = run(client, "LOOPBACK_FLAKY_READ", {"key": key, "fail": 2}, user_id="u")
    assert r.json()["successful"], r.text
    assert len(seen(upstream, key)) == 3


def test_non_idempotent_tool_is_not_retried(client, upstream):
    key = uuid.uuid4().hex
    r = run(client, "LOOPBACK_FLAKY_WRITE", {"key": key, "fail": 1, "payload": {"a": 1}}, user_id="u")
    body = r.json()
    assert r.status_code == 200 and body["successful"] is False
    assert body["error"].startswith("503") and "try again" in body["error"]
    [request] = seen(upstream, key)
    assert request.method == "POST" and request.query == {"fail": ["1"]} and request.body == {"a": 1}


def test_retry_after_is_honoured_and_capped(client, upstream):
    started = time.monotonic()
    before = len(seen(upstream, "/status/503"))
    r = run(client, "LOOPBACK_STATUS", {"code": 503, "retry_after": 1}, user_id="u")
    elapsed = time.monotonic() - started
    assert r.json()["successful"] is False
    assert len(seen(upstream, "/status/503")) - before == 3
    assert elapsed >= 2.0  # two waits of one second
    # A Retry-After beyond the cap: give up at once with the upstream's answer.
    before = len(seen(upstream, "/status/429"))
    started = time.monotonic()
    body = run(client, "LOOPBACK_STATUS", {"code": 429, "retry_after": 3600}, user_id="u").json()
    assert time.monotonic() - started < 2
    assert len(seen(upstream, "/status/429")) - before == 1
    assert body["error"].startswith("429 Too Many Requests")


@pytest.mark.parametrize("code", [400, 404, 500])
def test_upstream_errors_are_unsuccessful_results(client, code):
    r = run(client, "LOOPBACK_STATUS", {"code": code}, user_id="u")
    assert r.status_code == 200
    body = r.json()
    assert body["successful"] is False
    assert body["error"].startswith(str(code)) and f"upstream says {code}" in body["error"]
    assert body["data"]["status_code"] == code
    assert body["log_id"]


def test_python_handler_tool(client):
    body = run(client, "LOOPBACK_PY_SUM", {"a": 2, "b": 40}, user_id="u").json()
    assert body == {"data": {"sum": 42}, "error": None, "successful": True, "log_id": body["log_id"]}


def test_text_input_is_refused_clearly(client):
    r = client.post(EXECUTE + "LOOPBACK_ECHO_GET", json={"text": "get item 1", "user_id": "u"})
    assert_error(r, 400, contains="arguments")


# --- connected accounts -------------------------------------------------------


def test_no_connected_account_error(client):
    error = assert_error(run(client, "KEYED_WHOAMI", user_id="nobody"), 400, contains="no connected account")
    assert "nobody" in error["message"] and "keyed" in error["message"]
    assert "connected_accounts" in error["suggested_fix"]


def test_stored_credentials_are_injected(server, client, project, upstream):
    user = "u-" + uuid.uuid4().hex[:8]
    make_account(server, project.id, user_id=user, secrets={"api_key": "old-key"}, age_seconds=60)
    newest = make_account(server, project.id, user_id=user, secrets={"api_key": "new-key"})
    make_account(server, project.id, user_id=user, secrets={"api_key": "off"}, disabled=True)
    make_account(server, project.id, user_id=user, secrets={"api_key": "dead"}, status="INACTIVE")
    body = run(client, "KEYED_WHOAMI", user_id=user).json()
    assert body["successful"], body
    assert body["data"]["headers"]["x-api-key"] == "new-key"
    log = client.get(f"/api/v3.1/logs/tool_execution/{body['log_id']}").json()
    assert log["data"]["connected_account_id"] == newest
    assert "new-key" not in str(log)  # the credential never reaches the log


def test_explicit_account_states(server, client, project):
    inactive = make_account(server, project.id, status="INACTIVE", secrets={"api_key": "k"})
    assert_error(run(client, "KEYED_WHOAMI", connected_account_id=inactive), 422, contains="INACTIVE")
    disabled = make_account(server, project.id, disabled=True, secrets={"api_key": "k"})
    assert_error(run(client, "KEYED_WHOAMI", connected_account_id=disabled), 422, contains="disabled")
    assert_error(run(client, "KEYED_WHOAMI", connected_account_id="ca_doesnotexist"), 404)
    other_toolkit = make_account(server, project.id, toolkit="loopback", scheme="NO_AUTH")
    assert_error(run(client, "KEYED_WHOAMI", connected_account_id=other_toolkit), 400, contains="loopback")
    user = "u-" + uuid.uuid4().hex[:6]
    make_account(server, project.id, user_id=user, status="EXPIRED")
    assert_error(run(client, "KEYED_WHOAMI", user_id=user), 400, contains="EXPIRED")


def test_another_projects_account_is_not_found(server, client):
    other = server.new_project()
    foreign = make_account(server, other.id, secrets={"api_key": "theirs"})
    error = assert_error(run(client, "KEYED_WHOAMI", connected_account_id=foreign), 404)
    assert other.id not in error["message"]
    # Same answer as for an id that never existed.
    missing = assert_error(run(client, "KEYED_WHOAMI", connected_account_id="ca_nosuchaccount"), 404)
    assert error["message"].replace(foreign, "X") == missing["message"].replace("ca_nosuchaccount", "X")


def test_custom_connection_data_and_auth_params(client, upstream):
    body = run(
        client,
        "KEYED_WHOAMI",
        custom_connection_data={
            "authScheme": "API_KEY",
            "toolkitSlug": "keyed",
            "val": {"api_key": "inline"},
        },
    ).json()
    assert body["successful"] and body["data"]["headers"]["x-api-key"] == "inline"
    body = run(
        client,
        "KEYED_WHOAMI",
        custom_auth_params={
            "parameters": [
                {"name": "X-Api-Key", "value": "param", "in": "header"},
                {"name": "sig", "value": "s", "in": "query"},
            ]
        },
    ).json()
    assert body["data"]["headers"]["x-api-key"] == "param" and body["data"]["query"] == {"sig": ["s"]}


def test_authentication_comes_before_body_validation(server, client):
    import httpx

    with httpx.Client(base_url=server.url) as anonymous:
        assert_error(anonymous.post(EXECUTE + "LOOPBACK_ECHO_GET", content=b"not json"), 401)
    error = assert_error(client.post(EXECUTE + "LOOPBACK_ECHO_GET", json={"arguments": "nope"}), 400)
    assert "arguments" in error["message"]
    assert_error(client.post(EXECUTE + "LOOPBACK_ECHO_GET", content=b"{broken"), 400)


def test_null_for_an_optional_argument_is_treated_as_absent(client, upstream):
    """CrewAI's text mode sends every optional argument, null when it has no value."""
    trace = uuid.uuid4().hex
    r = run(
        client,
        "LOOPBACK_ECHO_GET",
        {"item_id": "n1", "page_size": None, "filter": None, "trace_id": trace},
        user_id="u-null",
    )
    assert r.status_code == 200, r.text
    assert r.json()["successful"] is True
    [request] = [s for s in upstream.requests if s.headers.get("x-trace-id") == trace]
    assert request.query == {}  # neither per_page nor filter was sent
    # A required argument's null is still an error, naming it.
    assert_error(run(client, "LOOPBACK_ECHO_GET", {"item_id": None}), 400, contains="item_id")


def test_drop_null_optionals_keeps_nullable_and_required_properties():
    from valetkey.execution.validation import drop_null_optionals

    schema = {
        "type": "object",
        "required": ["must"],
        "properties": {
            "must": {"type": "integer"},
            "maybe": {"type": "integer"},
            "nullable": {"type": ["string", "null"]},
            "either": {"anyOf": [{"type": "string"}, {"type": "null"}]},
            "free": {},
            "nested": {"type": "object", "properties": {"inner": {"type": "string"}}},
        },
    }
    given = {
        "must": None,
        "maybe": None,
        "nullable": None,
        "either": None,
        "free": None,
        "nested": {"inner": None},
    }
    assert drop_null_optionals(schema, given) == {
        "must": None,
        "nullable": None,
        "either": None,
        "free": None,
        "nested": {},
    }
    assert drop_null_optionals(schema, {"unknown": None}) == {
        "unknown": None
    }  # not declared: left to validation


def test_a_failed_newest_account_says_why(server, client, project):
    user = "u-" + uuid.uuid4().hex[:6]
    account = make_account(server, project.id, user_id=user, status="FAILED")
    from valetkey.connections.models import ConnectedAccount

    with server.state.db.session() as db:
        db.get(ConnectedAccount, account).status_reason = "The provider refused the token (HTTP 401)"
    error = assert_error(run(client, "KEYED_WHOAMI", user_id=user), 400, contains="FAILED")
    assert "The provider refused the token (HTTP 401)" in error["message"]
    assert "composio." not in error["suggested_fix"]  # written for any client
