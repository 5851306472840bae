"""No request field is accepted and ignored: every REST body outside sessions, on SQLite and PostgreSQL.

A field the body does not declare is a 400 naming it; a field of the wire
format this server does not honour is a 400 naming it and saying so (sent at
its "not used" value it passes); the fields that are honoured are traced here
to their effect (tool access limits, scopes derived from tools, per-URL
managed auth, link pre-fill).
"""

from __future__ import annotations

import pytest

from tests.support.connect_link import bearer_config
from tests.support.errors import assert_error
from tests.support.execution import EXECUTE, make_account
from tests.support.mcp import create_server
from valetkey.connections.models import ConnectedAccount

V3 = "/api/v3"
V31 = "/api/v3.1"
NOT_A_FIELD = "is not a field of this request; this server refuses fields it would ignore"
NOT_SUPPORTED = "is not supported by this server"

AUTH_CONFIG = {
    "toolkit": {"slug": "keyed"},
    "auth_config": {"type": "use_custom_auth", "auth_scheme": "API_KEY"},
}
ACCOUNT = {"auth_config": {"id": "ac_x"}, "connection": {"user_id": "u"}}
PROXY = {"endpoint": "/echo/x", "method": "GET", "connected_account_id": "ca_x"}
UPLOAD = {"toolkit_slug": "keyed", "tool_slug": "KEYED_WHOAMI", "filename": "a.txt", "mimetype": "text/plain"}
UPLOAD["md5"] = "0" * 32

# (method, path, a valid body, where an unknown field goes: a dotted path into the body)
BODIES = [
    ("POST", f"{V3}/auth_configs", AUTH_CONFIG, "foo"),
    ("POST", f"{V3}/auth_configs", AUTH_CONFIG, "auth_config.foo"),
    ("POST", f"{V3}/auth_configs", AUTH_CONFIG, "toolkit.foo"),
    ("PATCH", f"{V3}/auth_configs/ac_x", {"type": "custom"}, "foo"),
    (
        "PATCH",
        f"{V3}/auth_configs/ac_x",
        {"type": "custom", "tool_access_config": {}},
        "tool_access_config.foo",
    ),
    ("POST", f"{V3}/connected_accounts", ACCOUNT, "foo"),
    ("POST", f"{V3}/connected_accounts", ACCOUNT, "connection.foo"),
    ("POST", f"{V3}/connected_accounts", {**ACCOUNT, "connection": {"state": {}}}, "connection.state.foo"),
    ("PATCH", f"{V3}/connected_accounts/ca_x/status", {"enabled": True}, "foo"),
    ("POST", f"{V3}/connected_accounts/ca_x/refresh", {}, "foo"),
    ("PATCH", f"{V3}/connected_accounts/ca_x", {"alias": "a"}, "foo"),
    ("POST", f"{V3}/connected_accounts/link", {"auth_config_id": "ac_x", "user_id": "u"}, "foo"),
    ("POST", f"{V31}/tools/execute/KEYED_WHOAMI", {"arguments": {}}, "foo"),
    ("POST", f"{V31}/tools/execute/KEYED_WHOAMI", {"custom_auth_params": {}}, "custom_auth_params.foo"),
    ("POST", f"{V31}/tools/execute/proxy", PROXY, "foo"),
    ("POST", f"{V31}/tools/execute/proxy", {**PROXY, "method": "PUT", "binary_body": {}}, "binary_body.foo"),
    ("POST", f"{V31}/files/upload/request", UPLOAD, "foo"),
    ("POST", f"{V31}/toolkits/multi", {"toolkits": ["keyed"]}, "foo"),
    ("POST", f"{V31}/tools/scopes/required", {"tools": ["KEYED_WHOAMI"]}, "foo"),
    ("POST", f"{V31}/logs/tool_execution", {"limit": 5}, "foo"),
    ("POST", f"{V31}/logs/tool_execution", {"time_range": {"from": 0}}, "time_range.since"),
    ("POST", f"{V3}/mcp/servers", {"name": "srv one", "auth_config_ids": []}, "foo"),
    ("POST", f"{V3}/mcp/servers/custom", {"name": "srv one"}, "foo"),
    ("PATCH", f"{V3}/mcp/mcp_x", {"name": "srv one"}, "foo"),
    ("POST", f"{V3}/mcp/servers/generate", {"mcp_server_id": "mcp_x"}, "foo"),
    ("POST", f"{V3}/mcp/servers/mcp_x/instances", {"user_id": "u"}, "foo"),
]


def _with(body: dict, dotted: str, value) -> dict:
    """A copy of `body` with `value` at the dotted path (intermediate objects made as needed)."""
    out = {k: (dict(v) if isinstance(v, dict) else v) for k, v in body.items()}
    node = out
    *parents, leaf = dotted.split(".")
    for name in parents:
        node[name] = dict(node.get(name) or {})
        node = node[name]
    node[leaf] = value
    return out


@pytest.mark.parametrize(
    ("method", "path", "body", "field"), BODIES, ids=lambda v: v if isinstance(v, str) else ""
)
def test_an_unknown_field_is_refused_naming_it(client, method, path, body, field):
    error = assert_error(client.request(method, path, json=_with(body, field, "x")), 400)
    assert error["message"].startswith(f"`{field}` {NOT_A_FIELD}"), error["message"]
    assert error["slug"] == "ValidationError"
    assert {"field": field, "in": "body", "message": NOT_A_FIELD} in error["errors"]


# (method, path, body with the unsupported field at a value that does something, the field)
UNSUPPORTED = [
    (
        "POST",
        f"{V3}/auth_configs",
        _with(AUTH_CONFIG, "auth_config.shared_credentials", {"api_key": "k"}),
        "auth_config.shared_credentials",
    ),
    (
        "POST",
        f"{V3}/auth_configs",
        _with(AUTH_CONFIG, "auth_config.proxy_config", {"proxy_url": "https://p.example"}),
        "auth_config.proxy_config",
    ),
    (
        "POST",
        f"{V3}/auth_configs",
        _with(AUTH_CONFIG, "auth_config.is_enabled_for_tool_router", True),
        "auth_config.is_enabled_for_tool_router",
    ),
    (
        "POST",
        f"{V3}/auth_configs",
        _with(AUTH_CONFIG, "auth_config.credentials", {"user_scopes": ["chat:write"]}),
        "auth_config.credentials.user_scopes",
    ),
    (
        "PATCH",
        f"{V3}/auth_configs/ac_x",
        {"type": "custom", "shared_credentials": {"a": "b"}},
        "shared_credentials",
    ),
    (
        "PATCH",
        f"{V3}/auth_configs/ac_x",
        {"type": "custom", "proxy_config": {"proxy_url": "https://p.example"}},
        "proxy_config",
    ),
    ("PATCH", f"{V3}/auth_configs/ac_x", {"type": "default", "user_scopes": "im:read"}, "user_scopes"),
    (
        "PATCH",
        f"{V3}/auth_configs/ac_x",
        {"type": "custom", "is_enabled_for_tool_router": True},
        "is_enabled_for_tool_router",
    ),
    ("POST", f"{V3}/connected_accounts", {**ACCOUNT, "validate_credentials": True}, "validate_credentials"),
    (
        "POST",
        f"{V3}/connected_accounts",
        _with(ACCOUNT, "connection.deprecated_is_v1_rerouted", True),
        "connection.deprecated_is_v1_rerouted",
    ),
    (
        "POST",
        f"{V3}/connected_accounts",
        _with(ACCOUNT, "connection.experimental", {"account_type": "SHARED"}),
        "connection.experimental.account_type",
    ),
    (
        "POST",
        f"{V3}/connected_accounts",
        _with(ACCOUNT, "connection.experimental", {"acl_config_for_shared": {"allow_all_users": True}}),
        "connection.experimental.acl_config_for_shared",
    ),
    ("POST", f"{V3}/connected_accounts/ca_x/refresh", {"validate_credentials": True}, "validate_credentials"),
    (
        "PATCH",
        f"{V3}/connected_accounts/ca_x",
        {"experimental": {"acl_config_for_shared": {"allowed_user_ids": ["bob"]}}},
        "experimental.acl_config_for_shared",
    ),
    (
        "POST",
        f"{V3}/connected_accounts/link",
        {"auth_config_id": "ac_x", "user_id": "u", "experimental": {"account_type": "SHARED"}},
        "experimental.account_type",
    ),
    ("POST", f"{V31}/tools/execute/KEYED_WHOAMI", {"arguments": {}, "text": "who am I"}, "text"),
    ("POST", f"{V31}/tools/execute/KEYED_WHOAMI", {"arguments": {}, "allow_tracing": True}, "allow_tracing"),
    (
        "POST",
        f"{V31}/tools/execute/KEYED_WHOAMI",
        {"custom_auth_params": {"body": {"token": "t"}}},
        "custom_auth_params.body",
    ),
    (
        "POST",
        f"{V31}/tools/execute/proxy",
        {**PROXY, "method": "PUT", "binary_body": {"url": "https://f.example/x"}},
        "binary_body.url",
    ),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "field"), UNSUPPORTED, ids=lambda v: v if isinstance(v, str) else ""
)
def test_a_field_the_server_does_not_honour_is_refused_naming_it(client, method, path, body, field):
    error = assert_error(client.request(method, path, json=body), 400)
    assert error["message"].startswith(f"`{field}` {NOT_SUPPORTED}: "), error["message"]
    assert "omit it" in error["message"]
    assert [e["field"] for e in error["errors"]] == [field]


def test_unsupported_fields_at_their_unused_values_pass(client):
    options = {
        **AUTH_CONFIG["auth_config"],
        "shared_credentials": {},
        "is_enabled_for_tool_router": False,
        "proxy_config": None,
        "restrict_to_following_tools": [],
        "credentials": {"user_scopes": []},
    }
    r = client.post(f"{V3}/auth_configs", json={"toolkit": {"slug": "keyed"}, "auth_config": options})
    assert r.status_code == 201, r.text
    config_id = r.json()["auth_config"]["id"]
    connection = {
        "user_id": "u-unused",
        "state": {"auth_scheme": "API_KEY", "val": {"api_key": "k-1"}},
        "deprecated_is_v1_rerouted": False,
        "experimental": {"account_type": "PRIVATE", "acl_config_for_shared": {}},
    }
    r = client.post(
        f"{V3}/connected_accounts",
        json={"auth_config": {"id": config_id}, "connection": connection, "validate_credentials": False},
    )
    assert r.status_code == 201, r.text
    r = client.post(
        EXECUTE + "KEYED_WHOAMI", json={"arguments": {}, "user_id": "u-unused", "allow_tracing": False}
    )
    assert r.status_code == 200 and r.json()["successful"], r.text


# -- honoured: tool access ---------------------------------------------------------------------


def _config_of(client, account_id: str) -> str:
    return client.get(f"{V3}/connected_accounts/{account_id}").json()["auth_config"]["id"]


def test_tools_available_for_execution_limits_what_accounts_run(server, project, client):
    account = make_account(
        server, project.id, toolkit="authtest_oauth", scheme="OAUTH2", secrets={"access_token": "tok-1"}
    )
    config_id = _config_of(client, account)
    limit = {
        "type": "custom",
        "tool_access_config": {"tools_available_for_execution": ["authtest_oauth_whoami"]},
    }
    assert client.patch(f"{V3}/auth_configs/{config_id}", json=limit).status_code == 200
    shown = client.get(f"{V3}/auth_configs/{config_id}").json()
    assert shown["tool_access_config"]["tools_available_for_execution"] == ["AUTHTEST_OAUTH_WHOAMI"]
    assert shown["restrict_to_following_tools"] == ["AUTHTEST_OAUTH_WHOAMI"]

    allowed = client.post(
        EXECUTE + "AUTHTEST_OAUTH_WHOAMI", json={"arguments": {}, "connected_account_id": account}
    )
    assert allowed.status_code == 200 and allowed.json()["successful"], allowed.text
    refused = client.post(
        EXECUTE + "AUTHTEST_OAUTH_LIST_REPOS", json={"arguments": {}, "connected_account_id": account}
    )
    error = assert_error(refused, 403, contains="AUTHTEST_OAUTH_LIST_REPOS is not available")
    assert error["slug"] == "ToolNotAllowed"

    # An empty list lifts the limit again.
    lift = {"type": "custom", "tool_access_config": {"tools_available_for_execution": []}}
    assert client.patch(f"{V3}/auth_configs/{config_id}", json=lift).status_code == 200
    again = client.post(
        EXECUTE + "AUTHTEST_OAUTH_LIST_REPOS", json={"arguments": {}, "connected_account_id": account}
    )
    assert again.status_code == 200 and again.json()["successful"], again.text


def test_tool_access_names_only_tools_of_the_toolkit(client):
    body = _with(
        AUTH_CONFIG, "auth_config.tool_access_config", {"tools_available_for_execution": ["GITHUB_STAR"]}
    )
    assert_error(
        client.post(f"{V3}/auth_configs", json=body),
        400,
        contains="GITHUB_STAR is not a tool of toolkit keyed",
    )
    both = _with(AUTH_CONFIG, "auth_config.restrict_to_following_tools", ["KEYED_WHOAMI"])
    both["auth_config"]["tool_access_config"] = {"tools_available_for_execution": []}
    assert_error(client.post(f"{V3}/auth_configs", json=both), 400, contains="disagree")


def test_the_sdk_limits_tools_through_update(composio, client):
    config = composio.auth_configs.create(
        toolkit="keyed", options={"type": "use_custom_auth", "auth_scheme": "API_KEY", "credentials": {}}
    )
    composio.auth_configs.update(
        config.id,
        options={"type": "custom", "tool_access_config": {"tools_available_for_execution": ["KEYED_WHOAMI"]}},
    )
    shown = composio.auth_configs.get(config.id)
    assert shown.tool_access_config.tools_available_for_execution == ["KEYED_WHOAMI"]


# -- honoured: scopes from tools ---------------------------------------------------------------


def test_tools_for_account_creation_set_the_oauth_scopes(server, client):
    body = {
        "toolkit": {"slug": "authtest_oauth"},
        "auth_config": {
            "type": "use_custom_auth",
            "auth_scheme": "OAUTH2",
            "credentials": {"client_id": "cid", "client_secret": "secret-value-1234"},
            "tool_access_config": {"tools_for_connected_account_creation": ["AUTHTEST_OAUTH_LIST_REPOS"]},
        },
    }
    r = client.post(f"{V3}/auth_configs", json=body)
    assert r.status_code == 201, r.text
    config_id = r.json()["auth_config"]["id"]
    shown = client.get(f"{V3}/auth_configs/{config_id}").json()
    # The tool's scopes replace the toolkit's defaults (read, profile).
    assert shown["credentials"]["scopes"] == ["profile", "repo"]
    assert shown["tool_access_config"]["tools_for_connected_account_creation"] == [
        "AUTHTEST_OAUTH_LIST_REPOS"
    ]

    # On update, with explicit scopes too: the union.
    patch = {
        "type": "custom",
        "credentials": {"scopes": ["email"]},
        "tool_access_config": {"tools_for_connected_account_creation": ["AUTHTEST_OAUTH_WHOAMI"]},
    }
    assert client.patch(f"{V3}/auth_configs/{config_id}", json=patch).status_code == 200
    assert client.get(f"{V3}/auth_configs/{config_id}").json()["credentials"]["scopes"] == [
        "email",
        "profile",
    ]

    # The link a user follows asks for exactly those scopes.
    link = client.post(
        f"{V3}/connected_accounts/link", json={"auth_config_id": config_id, "user_id": "u-scopes"}
    )
    assert link.status_code == 201, link.text
    with server.state.db.session() as db:
        account = db.get(ConnectedAccount, link.json()["connected_account_id"])
        assert account is not None and account.data["requested_scopes"] == ["email", "profile"]


def test_scopes_on_a_scheme_without_them_are_refused(client):
    scoped = _with(AUTH_CONFIG, "auth_config.credentials", {"scopes": ["read"]})
    assert_error(
        client.post(f"{V3}/auth_configs", json=scoped), 400, contains="`credentials.scopes` is not supported"
    )
    by_tools = _with(
        AUTH_CONFIG,
        "auth_config.tool_access_config",
        {"tools_for_connected_account_creation": ["KEYED_WHOAMI"]},
    )
    assert_error(client.post(f"{V3}/auth_configs", json=by_tools), 400, contains="requests no OAuth scopes")


# -- honoured or refused: connected accounts and links -----------------------------------------


def test_deprecated_spellings_may_not_disagree(client, project, server):
    state = {"auth_scheme": "API_KEY", "val": {"api_key": "k"}}
    both = _with(ACCOUNT, "connection.state", state)
    both["connection"]["data"] = {"api_key": "other"}
    assert_error(client.post(f"{V3}/connected_accounts", json=both), 400, contains="deprecated spelling")
    urls = _with(ACCOUNT, "connection.callback_url", "https://app.example/a")
    urls["connection"]["redirect_uri"] = "https://app.example/b"
    assert_error(client.post(f"{V3}/connected_accounts", json=urls), 400, contains="disagree")
    account = make_account(server, project.id, secrets={"api_key": "k"})
    r = client.post(
        f"{V3}/connected_accounts/{account}/refresh",
        params={"redirect_url": "https://app.example/a"},
        json={"redirect_url": "https://app.example/b"},
    )
    assert_error(r, 400, contains="both the query and the body")


def test_link_prefills_only_public_fields_of_the_scheme(client):
    config_id = bearer_config(client)
    link = {"auth_config_id": config_id, "user_id": "u-prefill"}
    ok = client.post(f"{V3}/connected_accounts/link", json={**link, "connection_data": {"workspace": "acme"}})
    assert ok.status_code == 201, ok.text
    secret = client.post(f"{V3}/connected_accounts/link", json={**link, "connection_data": {"token": "t"}})
    error = assert_error(secret, 400, contains="`connection_data.token` is not supported by this server")
    assert "workspace" in error["message"]
    unknown = client.post(
        f"{V3}/connected_accounts/link", json={**link, "connection_data": {"colour": "red"}}
    )
    assert_error(unknown, 400, contains="`connection_data.colour`")


def test_proxy_refuses_a_body_it_would_drop(client):
    body = {**PROXY, "body": {"a": 1}}
    assert_error(client.post(f"{V31}/tools/execute/proxy", json=body), 400, contains="carries no body")
    both = {**PROXY, "method": "POST", "body": {"a": 1}, "binary_body": {"base64": "eA=="}}
    assert_error(client.post(f"{V31}/tools/execute/proxy", json=both), 400, contains="not both")


# -- honoured: MCP generate's managed auth, per URL --------------------------------------------


def test_generate_sets_managed_auth_per_url(server, client):
    from valetkey.mcp.user_urls import PATH, resolve

    created = create_server(client, "managed urls", toolkits=["keyed"])
    assert created["managed_auth_via_composio"] is True
    r = client.post(
        f"{V3}/mcp/servers/generate",
        json={"mcp_server_id": created["id"], "user_ids": ["u-m"], "managed_auth_by_composio": False},
    )
    assert r.status_code == 200, r.text
    default = client.post(
        f"{V3}/mcp/servers/generate", json={"mcp_server_id": created["id"], "user_ids": ["u-m"]}
    )
    with server.state.db.session() as db:
        unmanaged = resolve(db, r.json()["user_ids_url"][0].split(PATH)[1])
        following = resolve(db, default.json()["user_ids_url"][0].split(PATH)[1])
    assert unmanaged is not None and unmanaged.server.managed_auth is False
    assert following is not None and following.server.managed_auth is True


def test_custom_tools_may_not_disagree_with_allowed_tools(client):
    body = {
        "name": "two lists",
        "toolkits": ["keyed"],
        "allowed_tools": ["KEYED_WHOAMI"],
        "custom_tools": ["X_Y"],
    }
    assert_error(client.post(f"{V3}/mcp/servers/custom", json=body), 400, contains="deprecated spelling")


# -- the OpenAPI document says so ----------------------------------------------------------------


def test_request_bodies_are_closed_in_the_openapi_document(client):
    spec = client.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]

    def resolve(schema: dict) -> dict:
        ref = schema.get("$ref") or next((a["$ref"] for a in schema.get("anyOf", []) if "$ref" in a), None)
        return schemas[ref.rsplit("/", 1)[1]] if ref else schema

    checked = []
    for path, operations in spec["paths"].items():
        if not path.startswith(V31) or "/tool_router/" in path or "/org/" in path:
            continue
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if content is not None:
                assert resolve(content["schema"])["additionalProperties"] is False, (method, path)
                checked.append((method, path))
    assert len(checked) >= 17, checked
    options = schemas["AuthConfigOptions"]["properties"]
    assert "Not supported by this server" in options["shared_credentials"]["description"]


def test_execute_takes_credentials_from_one_place(client):
    custom = {"authScheme": "API_KEY", "toolkitSlug": "keyed", "val": {"api_key": "k"}}
    both = {"arguments": {}, "connected_account_id": "ca_x", "custom_connection_data": custom}
    error = assert_error(client.post(EXECUTE + "KEYED_WHOAMI", json=both), 400, contains="send one of them")
    assert "connected_account_id and custom_connection_data" in error["message"]
    users = {"arguments": {}, "user_id": "a", "entity_id": "b"}
    assert_error(client.post(EXECUTE + "KEYED_WHOAMI", json=users), 400, contains="disagree")
    proxy = {**PROXY, "custom_connection_data": custom}
    assert_error(client.post(f"{V31}/tools/execute/proxy", json=proxy), 400, contains="send one of them")
    # custom_connection_data alone is honoured: its key reaches the upstream.
    alone = client.post(EXECUTE + "KEYED_WHOAMI", json={"arguments": {}, "custom_connection_data": custom})
    assert alone.status_code == 200 and alone.json()["successful"], alone.text
