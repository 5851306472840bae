"""Executing in a session: account precedence, isolation, meta tools, multi-execute, search scope.

`KEYED_WHOAMI` echoes the request the upstream saw, so the X-Api-Key header
in its answer says which connected account a call ran as.
"""

from __future__ import annotations

import httpx
import pytest
from composio_client.types.tool_router.session_search_response import SessionSearchResponse

from tests.support.errors import assert_error
from tests.support.execution import make_account
from tests.support.oauth import V3

SESSIONS = f"{V3}/tool_router/session"


def new_session(client: httpx.Client, **body) -> str:
    r = client.post(SESSIONS, json={"user_id": "alice", **body})
    assert r.status_code == 201, r.text
    return r.json()["session_id"]


def execute(client: httpx.Client, session_id: str, slug: str, arguments: dict | None = None, **extra) -> dict:
    r = client.post(
        f"{SESSIONS}/{session_id}/execute", json={"tool_slug": slug, "arguments": arguments or {}, **extra}
    )
    assert r.status_code == 200, r.text
    return r.json()


def meta(client: httpx.Client, session_id: str, slug: str, arguments: dict) -> dict:
    r = client.post(f"{SESSIONS}/{session_id}/execute_meta", json={"slug": slug, "arguments": arguments})
    assert r.status_code == 200, r.text
    return r.json()


def key_used(result: dict) -> str:
    assert result["result_type"] == "completed", result
    return result["data"]["headers"]["x-api-key"]


def keyed(server, project, user: str, key: str, **kw) -> str:
    return make_account(server, project.id, toolkit="keyed", user_id=user, secrets={"api_key": key}, **kw)


def config_of(server, account_id: str) -> str:
    from valetkey.connections.models import ConnectedAccount

    with server.state.db.session() as db:
        return db.get(ConnectedAccount, account_id).auth_config_id


# -- account precedence -------------------------------------------------------------------------


def test_default_uses_the_users_most_recent_account(client, server, project):
    keyed(server, project, "alice", "old-key", age_seconds=60)
    keyed(server, project, "alice", "new-key")
    assert key_used(execute(client, new_session(client), "KEYED_WHOAMI")) == "new-key"


def test_pinned_account_wins_over_newer_ones(client, server, project):
    pinned = keyed(server, project, "alice", "pinned-key", age_seconds=60)
    keyed(server, project, "alice", "newer-key")
    session = new_session(client, connected_accounts={"keyed": [pinned]})
    assert key_used(execute(client, session, "KEYED_WHOAMI")) == "pinned-key"


def test_auth_config_override_uses_only_accounts_on_that_config(client, server, project):
    on_config = keyed(server, project, "alice", "config-key", age_seconds=60)
    keyed(server, project, "alice", "other-config-key")
    session = new_session(client, auth_configs={"keyed": config_of(server, on_config)})
    assert key_used(execute(client, session, "KEYED_WHOAMI")) == "config-key"


def test_auth_config_override_without_an_account_is_not_connected(client, server, project):
    lonely_config = config_of(server, keyed(server, project, "bob", "bobs-key"))
    keyed(server, project, "alice", "alices-key")
    session = new_session(client, auth_configs={"keyed": lonely_config})
    result = execute(client, session, "KEYED_WHOAMI")
    assert result["result_type"] == "failed" and "COMPOSIO_MANAGE_CONNECTIONS" in result["error"]


def test_a_session_never_uses_another_users_accounts(client, server, project):
    keyed(server, project, "bob", "bobs-key")
    session = new_session(client)
    result = execute(client, session, "KEYED_WHOAMI")
    assert result["result_type"] == "failed" and "bobs-key" not in str(result)
    bobs = keyed(server, project, "bob", "bobs-other-key")
    result = execute(client, session, "KEYED_WHOAMI", account=bobs)
    assert result["result_type"] == "failed" and "cannot be used" in result["error"]


def test_expired_pinned_account_is_not_replaced_by_another(client, server, project):
    pinned = keyed(server, project, "alice", "pinned-key")
    session = new_session(client, connected_accounts={"keyed": [pinned]})
    keyed(server, project, "alice", "fresh-key")
    from valetkey.connections.models import ConnectedAccount

    with server.state.db.session() as db:
        db.get(ConnectedAccount, pinned).status = "EXPIRED"
    assert execute(client, session, "KEYED_WHOAMI")["result_type"] == "failed"


# -- filters at execution -----------------------------------------------------------------------


def test_tools_outside_the_session_do_not_run(client, upstream):
    session = new_session(
        client, toolkits=["loopback"], tools={"loopback": {"disable": ["LOOPBACK_ECHO_GET"]}}
    )
    upstream.clear()
    result = execute(client, session, "LOOPBACK_ECHO_GET", {"item_id": "x"})
    assert result["result_type"] == "failed" and "not enabled" in result["error"]
    assert execute(client, session, "KEYED_WHOAMI")["result_type"] == "failed"
    assert upstream.requests == []


def test_unknown_meta_or_tool_slug(client):
    session = new_session(client)
    assert execute(client, session, "NOPE_TOOL")["result_type"] == "failed"
    r = client.post(f"{SESSIONS}/{session}/execute_meta", json={"slug": "COMPOSIO_NOPE", "arguments": {}})
    assert_error(r, 400, contains="not a meta tool")


# -- multi execute ------------------------------------------------------------------------------


def test_multi_execute_runs_in_parallel_and_reports_failures_per_call(client, server, project):
    keyed(server, project, "alice", "alices-key")
    session = new_session(client, toolkits=["keyed", "loopback"])
    result = meta(
        client,
        session,
        "COMPOSIO_MULTI_EXECUTE_TOOL",
        {
            "tools": [
                {"tool_slug": "KEYED_WHOAMI", "arguments": {}},
                {"tool_slug": "LOOPBACK_STATUS", "arguments": {"code": 404}},
                {"tool_slug": "LOOPBACK_PY_SUM", "arguments": {"a": 1, "b": 2}},
                {"tool_slug": "GITHUB_CREATE_ISSUE", "arguments": {}},
            ]
        },
    )
    data = result["data"]
    assert result["result_type"] == "failed" and result["error"] == "2 out of 4 tools failed"
    assert (data["total_count"], data["success_count"], data["error_count"]) == (4, 2, 2)
    first, second, third, fourth = data["results"]
    assert [r["index"] for r in data["results"]] == [0, 1, 2, 3]
    assert (
        first["response"]["successful"] and first["response"]["data"]["headers"]["x-api-key"] == "alices-key"
    )
    assert not second["response"]["successful"] and second["error"]
    assert third["response"]["successful"], third
    assert "not enabled" in fourth["error"]


def test_multi_execute_caps_at_20(client):
    session = new_session(client, toolkits=["loopback"])
    calls = [{"tool_slug": "LOOPBACK_PY_SUM", "arguments": {"a": i, "b": 1}} for i in range(21)]
    result = meta(client, session, "COMPOSIO_MULTI_EXECUTE_TOOL", {"tools": calls})
    assert result["result_type"] == "failed" and "at most 20" in result["error"]
    result = meta(client, session, "COMPOSIO_MULTI_EXECUTE_TOOL", {"tools": calls[:20]})
    assert result["result_type"] == "completed", result["error"]
    assert [r["response"]["successful"] for r in result["data"]["results"]] == [True] * 20


# -- search and schemas -------------------------------------------------------------------------


def test_search_only_returns_what_the_session_allows(client, server, project):
    keyed(server, project, "alice", "k")
    session = new_session(client, toolkits=["keyed", "loopback"], tags=["readOnlyHint"])
    r = client.post(
        f"{SESSIONS}/{session}/search",
        json={"queries": [{"use_case": "create an item"}, {"use_case": "who am I keyed"}]},
    )
    parsed = SessionSearchResponse.model_validate(r.json())
    create_hits, whoami_hits = parsed.results
    assert "LOOPBACK_CREATE_ITEM" not in create_hits.primary_tool_slugs  # not read-only
    assert whoami_hits.primary_tool_slugs[0] == "KEYED_WHOAMI"
    assert whoami_hits.recommended_plan_steps and parsed.session.id == session
    statuses = {s.toolkit: s for s in parsed.toolkit_connection_statuses}
    assert statuses["keyed"].has_active_connection is True
    assert set(parsed.tool_schemas) <= {
        "KEYED_WHOAMI",
        "LOOPBACK_ECHO_GET",
        "LOOPBACK_FLAKY_READ",
        "LOOPBACK_STATUS",
        "LOOPBACK_SLOW",
        "LOOPBACK_PY_SUM",
    }
    assert parsed.tool_schemas["KEYED_WHOAMI"].input_schema == {"type": "object", "properties": {}}


def test_search_meta_tool_reports_missing_connections_and_pitfalls(client):
    session = new_session(client, toolkits=["keyed", "loopback"])
    result = meta(client, session, "COMPOSIO_SEARCH_TOOLS", {"queries": [{"use_case": "keyed who am i"}]})
    data = result["data"]
    assert data["toolkit_connection_statuses"][0] == {
        **data["toolkit_connection_statuses"][0],
        "toolkit": "keyed",
        "has_active_connection": False,
    }
    assert any("COMPOSIO_MANAGE_CONNECTIONS" in step for step in data["results"][0]["recommended_plan_steps"])
    status = meta(
        client, session, "COMPOSIO_SEARCH_TOOLS", {"queries": [{"use_case": "loopback status code"}]}
    )
    pitfalls = status["data"]["results"][0]["known_pitfalls"]
    assert any("LOOPBACK_STATUS requires code" in p for p in pitfalls), pitfalls


def test_get_tool_schemas_respects_the_session(client):
    session = new_session(client, toolkits=["loopback"])
    result = meta(
        client, session, "COMPOSIO_GET_TOOL_SCHEMAS", {"tool_slugs": ["LOOPBACK_STATUS", "KEYED_WHOAMI"]}
    )
    assert list(result["data"]["tool_schemas"]) == ["LOOPBACK_STATUS"]
    assert result["data"]["not_found"] == ["KEYED_WHOAMI"]
    assert result["data"]["tool_schemas"]["LOOPBACK_STATUS"]["input_schema"]["required"] == ["code"]


# -- manage connections -------------------------------------------------------------------------


def test_manage_connections_reports_each_toolkit(client, server, project):
    keyed(server, project, "alice", "k")
    session = new_session(client, toolkits=["keyed", "oauthdemo", "loopback", "linkdemo"])
    link_config = client.post(
        f"{V3}/auth_configs",
        json={
            "toolkit": {"slug": "linkdemo"},
            "auth_config": {"type": "use_custom_auth", "auth_scheme": "BEARER_TOKEN"},
        },
    ).json()["auth_config"]["id"]
    result = meta(
        client,
        session,
        "COMPOSIO_MANAGE_CONNECTIONS",
        {"toolkits": ["keyed", "loopback", "linkdemo", "oauthdemo", "slack"]},
    )
    results = result["data"]["results"]
    assert results["keyed"]["status"] == "active"
    assert results["loopback"]["status"] == "no_auth_required"
    assert results["linkdemo"]["status"] == "initiated" and results["linkdemo"]["redirect_url"].startswith(
        f"{server.url}/link/lnk_"
    )
    account = client.get(f"{V3}/connected_accounts/{results['linkdemo']['connected_account_id']}").json()
    assert account["auth_config"]["id"] == link_config and account["user_id"] == "alice"
    assert results["oauthdemo"]["status"] == "failed" and "managed" in results["oauthdemo"]["error"]
    assert results["slack"]["status"] == "failed" and "not enabled" in results["slack"]["error"]
    assert result["result_type"] == "failed" and result["error"].startswith("2 of 5 toolkits failed")


# -- meta tools as plain tools (the provider's user_id path) -------------------------------------


def test_meta_tools_through_tools_execute(composio, client, server, project):
    keyed(server, project, "alice", "alices-key")
    session = new_session(client, toolkits=["keyed"])
    tool = composio.tools.get_raw_composio_tool_by_slug("COMPOSIO_MULTI_EXECUTE_TOOL")
    assert tool.toolkit.slug == "composio" and "session_id" in tool.input_parameters["properties"]
    out = composio.tools.execute(
        "COMPOSIO_MULTI_EXECUTE_TOOL",
        {"session_id": session, "tools": [{"tool_slug": "KEYED_WHOAMI", "arguments": {}}]},
        user_id="alice",
        dangerously_skip_version_check=True,
    )
    assert (
        out["successful"]
        and out["data"]["results"][0]["response"]["data"]["headers"]["x-api-key"] == "alices-key"
    )
    r = client.post(
        f"{V3}/tools/execute/COMPOSIO_MULTI_EXECUTE_TOOL",
        json={
            "user_id": "mallory",
            "arguments": {"session_id": session, "tools": [{"tool_slug": "KEYED_WHOAMI"}]},
        },
    )
    assert_error(r, 400, contains="another user_id")
    fresh = client.post(
        f"{V3}/tools/execute/COMPOSIO_SEARCH_TOOLS",
        json={"user_id": "carol", "arguments": {"queries": [{"use_case": "keyed whoami"}]}},
    ).json()
    assert fresh["successful"] and fresh["data"]["session"]["generate_id"] is True
    assert client.get(f"{SESSIONS}/{fresh['data']['session']['id']}").json()["config"]["user_id"] == "carol"
    assert_error(client.get(f"{V3}/tools/COMPOSIO_NOT_A_TOOL"), 404)
    other = server.new_project()
    with httpx.Client(base_url=server.url, headers={"x-api-key": other.api_key}, timeout=30) as stranger:
        r = stranger.post(
            f"{V3}/tools/execute/COMPOSIO_SEARCH_TOOLS",
            json={"user_id": "alice", "arguments": {"session_id": session, "queries": [{"use_case": "x"}]}},
        )
        assert_error(r, 404)


@pytest.mark.parametrize(
    "slug",
    [
        "COMPOSIO_SEARCH_TOOLS",
        "COMPOSIO_MULTI_EXECUTE_TOOL",
        "COMPOSIO_MANAGE_CONNECTIONS",
        "COMPOSIO_GET_TOOL_SCHEMAS",
    ],
)
def test_meta_tools_explain_bad_arguments(client, slug):
    result = meta(client, new_session(client), slug, {})
    assert result["result_type"] == "failed" and result["error"]


def test_search_plans_a_task_of_several_steps_one_tool_each(client):
    session = new_session(client, toolkits=["keyed", "loopback"])
    task = "check who am i on keyed, then create an item in loopback"
    result = meta(client, session, "COMPOSIO_SEARCH_TOOLS", {"queries": [{"use_case": task}]})
    found = result["data"]["results"][0]
    assert found["primary_tool_slugs"][:2] == ["KEYED_WHOAMI", "LOOPBACK_CREATE_ITEM"]
    plan = found["recommended_plan_steps"]
    assert "This use case has 2 steps; run them in order." in plan
    assert any(s.startswith("Step 1, check who am i on keyed: ") and "KEYED_WHOAMI" in s for s in plan), plan
    assert any(
        s.startswith("Step 2, create an item in loopback: ") and "LOOPBACK_CREATE_ITEM" in s for s in plan
    )


def test_search_says_so_when_a_task_has_more_steps_than_primary_tools(client):
    session = new_session(client, toolkits=["keyed", "loopback"])
    task = "check who am i on keyed, create an item, update the item, read the flaky item and delete it"
    result = meta(client, session, "COMPOSIO_SEARCH_TOOLS", {"queries": [{"use_case": task}]})
    plan = result["data"]["results"][0]["recommended_plan_steps"]
    [advice] = [s for s in plan if "more than one search answers" in s]
    assert advice.startswith("This use case has 5 steps") and "{'use_case': 'update the item'}" in advice
