"""Sessions through the official SDK and raw HTTP: every create option, tools, toolkits, link.

Wire shapes are checked by parsing answers with the generated client models
(`composio_client.types.tool_router.*`), which is what the SDK does too.
"""

from __future__ import annotations

import httpx
import pytest
from composio_client.types.tool_router.session_create_response import SessionCreateResponse
from composio_client.types.tool_router.session_toolkits_response import SessionToolkitsResponse
from composio_client.types.tool_router.session_tools_response import SessionToolsResponse

from tests.support.errors import assert_error
from tests.support.execution import make_account
from tests.support.oauth import V3, follow, oauth_config, query_of

SESSIONS = f"{V3}/tool_router/session"
META = {
    "COMPOSIO_SEARCH_TOOLS",
    "COMPOSIO_MANAGE_CONNECTIONS",
    "COMPOSIO_MULTI_EXECUTE_TOOL",
    "COMPOSIO_GET_TOOL_SCHEMAS",
}


def create(client: httpx.Client, **body) -> dict:
    r = client.post(SESSIONS, json={"user_id": "user-1", **body})
    assert r.status_code == 201, r.text
    SessionCreateResponse.model_validate(r.json())
    return r.json()


def test_default_session_through_the_sdk(composio, server):
    session = composio.create(user_id="user_123")
    assert session.session_id.startswith("trs_")
    assert session.mcp.url == f"{server.url}/mcp/sessions/{session.session_id}"
    assert session.mcp.headers["x-api-key"]  # same origin as the API: the SDK attaches its key
    assert session.config.user_id == "user_123"
    assert session.config.manage_connections.enabled is True
    tools = session.tools()
    names = {t["function"]["name"] for t in tools}
    assert names == META
    for tool in tools:
        assert tool["type"] == "function" and tool["function"]["parameters"]["type"] == "object"
        assert tool["function"]["parameters"]["properties"]["session_id"]["default"] == session.session_id
    again = composio.use(session.session_id)
    assert again.config.user_id == "user_123"


def test_every_create_option_is_kept(composio, client, server, project):
    keyed = make_account(server, project.id, toolkit="keyed", user_id="user_123", secrets={"api_key": "k"})
    config_id = oauth_config(client)
    session = composio.create(
        user_id="user_123",
        toolkits={"enable": ["loopback", "keyed", "oauthdemo"]},
        tools={
            "loopback": {"disable": ["LOOPBACK_SLOW"]},
            "oauthdemo": ["OAUTHDEMO_WHOAMI"],
            "keyed": {"tags": {"enable": ["readOnlyHint"]}},
        },
        tags={"enable": ["readOnlyHint"], "disable": ["destructiveHint"]},
        auth_configs={"oauthdemo": config_id},
        connected_accounts={"keyed": keyed},
        manage_connections={"callback_url": "https://app.example.test/chat"},
    )
    config = session.config
    assert config.toolkits.enabled == ["loopback", "keyed", "oauthdemo"]
    assert config.tools["loopback"].disabled == ["LOOPBACK_SLOW"]
    assert config.tools["oauthdemo"].enabled == ["OAUTHDEMO_WHOAMI"]
    assert config.tags.enabled == ["readOnlyHint"] and config.tags.disabled == ["destructiveHint"]
    assert config.auth_configs == {"oauthdemo": config_id}
    assert config.connected_accounts == {"keyed": [keyed]}
    assert config.manage_connections.callback_url == "https://app.example.test/chat"
    fetched = client.get(f"{SESSIONS}/{session.session_id}").json()
    assert (
        fetched["config"]
        == create(
            client,
            user_id="user_123",
            toolkits={"enable": ["loopback", "keyed", "oauthdemo"]},
            tools={
                "loopback": {"disable": ["LOOPBACK_SLOW"]},
                "oauthdemo": {"enable": ["OAUTHDEMO_WHOAMI"]},
                "keyed": {"tags": {"enable": ["readOnlyHint"]}},
            },
            tags={"enable": ["readOnlyHint"], "disable": ["destructiveHint"]},
            auth_configs={"oauthdemo": config_id},
            connected_accounts={"keyed": [keyed]},
            manage_connections={"enable": True, "callback_url": "https://app.example.test/chat"},
        )["config"]
    )


def test_toolkit_list_and_disable_forms(composio):
    assert composio.create(user_id="u", toolkits=["loopback", "keyed"]).config.toolkits.enabled == [
        "loopback",
        "keyed",
    ]
    disabled = composio.create(user_id="u", toolkits={"disable": ["keyed"]})
    assert disabled.config.toolkits.disabled == ["keyed"]
    slugs = {t.slug for t in disabled.toolkits(limit=50).items}
    assert "keyed" not in slugs and "loopback" in slugs


def test_manage_connections_off_drops_the_meta_tool(composio):
    session = composio.create(user_id="u", manage_connections=False)
    assert session.config.manage_connections.enabled is False
    assert "COMPOSIO_MANAGE_CONNECTIONS" not in {t["function"]["name"] for t in session.tools()}
    with pytest.raises(Exception, match="turned off"):
        session.execute_meta("COMPOSIO_MANAGE_CONNECTIONS", arguments={"toolkits": ["keyed"]})


def test_preload_exposes_app_tools(composio):
    session = composio.create(user_id="u", toolkits=["keyed"], preload={"tools": ["KEYED_WHOAMI"]})
    assert "KEYED_WHOAMI" in {t["function"]["name"] for t in session.tools()}


@pytest.mark.parametrize(
    "body, contains",
    [
        ({"toolkits": {"enable": ["keyed"], "disable": ["loopback"]}}, "not both"),
        ({"toolkits": ["nope"]}, "unknown toolkit"),
        ({"tools": {"keyed": ["GITHUB_CREATE_ISSUE"]}}, "not tools of keyed"),
        ({"tags": ["fastHint"]}, "unknown tag"),
        ({"auth_configs": {"keyed": "ac_missing"}}, "not found"),
        ({"connected_accounts": {"keyed": "ca_missing"}}, "not found"),
        ({"connected_accounts": {"keyed": ["ca_a", "ca_b"]}}, "only one account"),
        ({"user_id": ""}, "user_id"),
        ({"manage_connections": {"callback_url": "javascript:alert(1)"}}, "callback_url"),
        # Nothing silently ignored: a misspelt or unknown field is named.
        ({"toolkit": ["keyed"]}, "toolkit: is not a session setting"),
        ({"manage_connection": False}, "manage_connection: is not a session setting"),
        # ...and so is an option the SDK declares but this server does not act on.
        (
            {"workbench": {"enable": True, "auto_offload_threshold": 20000}},
            "workbench.auto_offload_threshold: is not supported by this server",
        ),
        ({"workbench": {"enable": True, "sandbox_size": "huge"}}, "workbench.sandbox_size: must be one of"),
        ({"instant": {"toolkits": {"enable": ["keyed"]}}}, "instant: is not supported by this server"),
        ({"hooks": [{"type": "before_execute", "id": "h"}]}, "hooks[0].handler: is required"),
        (
            {"experimental": {"assistive_prompt": {"user_timezone": "UTC"}}},
            "experimental.assistive_prompt: is not",
        ),
        ({"experimental": {"custom_tools": [{"slug": "LOCAL_X"}]}}, "custom_tools[0].slug: must not start"),
        ({"experimental": {"fast": True}}, "experimental.fast: is not a session setting"),
        # Unknown keys inside a section are named too, never dropped.
        (
            {"manage_connections": {"callbak_url": "https://x.test"}},
            "manage_connections.callbak_url: is not a",
        ),
        ({"multi_account": {"enable": True, "max": 3}}, "multi_account.max: is not a session setting"),
        ({"toolkits": {"enable": ["keyed"], "only": True}}, "toolkits.only: is not a session setting"),
        ({"tools": {"keyed": {"enabled": ["KEYED_WHOAMI"]}}}, "tools.keyed.enabled: is not a session"),
        ({"preload": {"tool": ["KEYED_WHOAMI"]}}, "preload.tool: is not a session setting"),
        ({"proxy_execute": {"enabled": True}}, "proxy_execute.enabled: is not a session setting"),
        ({"toolkits": {"require_approval": ["keyed"]}}, "toolkits.require_approval: is not supported"),
        ({"multi_account": {"enable": True, "max_accounts_per_toolkit": 11}}, "from 2 to 10"),
    ],
)
def test_bad_configs_fail_creation_clearly(client, body, contains):
    assert_error(client.post(SESSIONS, json={"user_id": "u", **body}), 400, contains=contains)


def test_pinned_account_must_belong_to_the_session_user(client, server, project):
    other = make_account(
        server, project.id, toolkit="keyed", user_id="someone-else", secrets={"api_key": "k"}
    )
    assert_error(
        client.post(SESSIONS, json={"user_id": "u", "connected_accounts": {"keyed": [other]}}),
        400,
        contains="another user",
    )


def test_another_projects_key_gets_404(client, server):
    session = create(client)
    other = server.new_project()
    with httpx.Client(base_url=server.url, headers={"x-api-key": other.api_key}, timeout=30) as stranger:
        for method, path in [
            ("GET", ""),
            ("GET", "/tools"),
            ("GET", "/toolkits"),
            ("POST", "/execute"),
            ("POST", "/execute_meta"),
            ("POST", "/link"),
            ("POST", "/search"),
            ("PATCH", ""),
            ("DELETE", ""),
            ("GET", "/config_history"),
            ("POST", "/proxy_execute"),
            ("POST", "/attach"),
        ]:
            r = stranger.request(
                method,
                f"{SESSIONS}/{session['session_id']}{path}",
                json={
                    "tool_slug": "KEYED_WHOAMI",
                    "slug": "COMPOSIO_SEARCH_TOOLS",
                    "toolkit": "keyed",
                    "queries": [{"use_case": "x"}],
                    "toolkit_slug": "keyed",
                    "endpoint": "/x",
                    "method": "GET",
                },
            )
            assert_error(r, 404, contains="not found")
    assert_error(client.get(f"{SESSIONS}/trs_doesnotexist"), 404)


def test_tools_endpoint_shape(client):
    session = create(client)
    r = client.get(f"{SESSIONS}/{session['session_id']}/tools")
    parsed = SessionToolsResponse.model_validate(r.json())
    assert {t.slug for t in parsed.items} == META
    assert all(t.toolkit.slug == "composio" for t in parsed.items)


def test_toolkits_connection_status_filter_and_cursor(composio, server, project):
    account = make_account(server, project.id, toolkit="keyed", user_id="u1", secrets={"api_key": "k"})
    session = composio.create(user_id="u1", toolkits=["keyed", "oauthdemo", "loopback", "linkdemo"])
    listing = session.toolkits()
    by_slug = {t.slug: t for t in listing.items}
    assert set(by_slug) == {"keyed", "oauthdemo", "loopback", "linkdemo"}
    assert (
        by_slug["keyed"].connection.is_active and by_slug["keyed"].connection.connected_account.id == account
    )
    assert by_slug["oauthdemo"].connection.is_active is False
    assert by_slug["loopback"].is_no_auth and by_slug["loopback"].connection is None
    assert [t.slug for t in session.toolkits(is_connected=True).items] == ["keyed"]
    assert "keyed" not in {t.slug for t in session.toolkits(is_connected=False).items}
    seen, cursor = [], None
    while True:
        page = session.toolkits(limit=1, next_cursor=cursor)
        seen += [t.slug for t in page.items]
        cursor = page.next_cursor
        if not cursor:
            break
    assert sorted(seen) == sorted(by_slug) and page.total_pages == 4


def test_toolkits_raw_shape(client):
    session = create(client, toolkits=["keyed"])
    r = client.get(f"{SESSIONS}/{session['session_id']}/toolkits", params={"toolkits": "keyed,oauthdemo"})
    parsed = SessionToolkitsResponse.model_validate(r.json())
    assert {i.slug: i.enabled for i in parsed.items} == {"keyed": True, "oauthdemo": False}


def test_authorize_through_the_sandbox_to_active(composio, client, server, sandbox):
    config_id = oauth_config(client)
    session = composio.create(
        user_id="user-auth",
        toolkits=["oauthdemo"],
        auth_configs={"oauthdemo": config_id},
        manage_connections={"callback_url": "https://app.example.test/chat"},
    )
    request = session.authorize("oauthdemo")
    assert request.redirect_url.startswith(f"{server.url}/link/lnk_")
    with httpx.Client(timeout=10) as browser:
        go = browser.post(request.redirect_url + "/continue")
        assert go.status_code == 303 and go.headers["location"].startswith(f"{sandbox.url}/oauth2/authorize")
    hops, _ = follow(go.headers["location"], stop_at="https://app.example.test")
    assert query_of(hops[-1].location)["status"] == "success"
    account = request.wait_for_connection(timeout=5)
    assert account.status == "ACTIVE" and account.auth_config.id == config_id
    toolkit = session.toolkits().items[0]
    assert toolkit.connection.is_active and toolkit.connection.connected_account.id == request.id
    result = session.execute("OAUTHDEMO_WHOAMI")
    assert result.result_type == "completed", result.error


def test_link_without_any_auth_config_or_managed_auth_is_a_clear_error(composio):
    session = composio.create(user_id="u", toolkits=["oauthdemo"])
    with pytest.raises(Exception, match="managed"):
        session.authorize("oauthdemo")


@pytest.fixture
def managed_oauthdemo(server):
    """The operator's managed OAuth app for oauthdemo (the sandbox's client), in $VALETKEY_HOME."""
    path = server.settings.home / "managed_auth.yaml"
    path.write_text(
        "toolkits:\n  oauthdemo:\n    client_id: sandbox-client\n    client_secret: sandbox-secret\n"
    )
    yield path
    path.unlink()


def test_link_uses_the_managed_auth_config_when_the_operator_has_one(client, managed_oauthdemo):
    session = create(client, user_id="u-managed", toolkits=["oauthdemo"])
    r = client.post(f"{SESSIONS}/{session['session_id']}/link", json={"toolkit": "oauthdemo"})
    assert r.status_code == 201, r.text
    configs = client.get(f"{V3}/auth_configs", params={"toolkit_slug": "oauthdemo"}).json()["items"]
    assert [c["is_composio_managed"] for c in configs] == [True]
    again = client.post(f"{SESSIONS}/{session['session_id']}/link", json={"toolkit": "oauthdemo"})
    assert again.status_code == 201  # reuses it: still one auth config
    assert len(client.get(f"{V3}/auth_configs", params={"toolkit_slug": "oauthdemo"}).json()["items"]) == 1


def test_link_refuses_a_toolkit_outside_the_session(client):
    session = create(client, toolkits=["keyed"])
    assert_error(
        client.post(f"{SESSIONS}/{session['session_id']}/link", json={"toolkit": "oauthdemo"}),
        400,
        contains="not enabled",
    )


def test_session_call_options_this_server_lacks_are_refused(composio, client):
    session = composio.create(user_id="u-opts", toolkits=["oauthdemo", "keyed"])
    base = f"{SESSIONS}/{session.session_id}"
    assert_error(
        client.post(f"{base}/search", json={"queries": [{"use_case": "x"}], "model": "gpt"}),
        400,
        contains="model",
    )
    assert (
        client.post(
            f"{base}/search", json={"queries": [{"use_case": "x"}], "search_strategy": "auto"}
        ).status_code
        == 200
    )
    shared = {"toolkit": "keyed", "experimental": {"account_type": "SHARED"}}
    assert_error(client.post(f"{base}/link", json=shared), 400, contains="shared connections")
    approval = {"tool_slug": "KEYED_WHOAMI", "arguments": {}, "request_state": "s"}
    assert_error(client.post(f"{base}/execute", json=approval), 400, contains="approval")


def test_a_condition_hook_without_a_model_is_refused_never_stored_and_ignored(composio):
    """A condition_check hook needs the operator's model; without one, creating or updating says what to set."""
    import inspect

    if "hooks" not in inspect.signature(composio.create).parameters:
        pytest.skip("this SDK version has no session hooks")
    hook = {
        "type": "before_execute",
        "id": "no-email",
        "applies_to": "all",
        "handler": {"type": "condition_check", "condition": "Sending email", "action": "block"},
    }
    with pytest.raises(Exception, match="VALETKEY_LLM_BASE_URL"):
        composio.create(user_id="u-hook", hooks=[hook])
    session = composio.create(user_id="u-hook")
    with pytest.raises(Exception, match="has none configured"):
        session.update(hooks=[hook])
    session.update(hooks=None)  # removing hooks is no change
    assert session.config_version == 2
