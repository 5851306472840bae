"""Auth configs over the official SDK and plain HTTP, on SQLite and PostgreSQL.

Every success response is parsed with the composio_client model for it, in
strict mode, so a shape drift fails here before it breaks a user's SDK.
"""

from __future__ import annotations

import json
import os

import httpx
import pytest
from composio_client._models import (
    AuthConfigCreateResponse,
    AuthConfigDeleteResponse,
    AuthConfigListResponse,
    AuthConfigRetrieveResponse,
    AuthConfigUpdateResponse,
    AuthConfigUpdateStatusResponse,
)
from sqlalchemy import select

from tests.support.errors import assert_error
from valetkey.connections.models import AuthConfig

V3 = "/api/v3"


def create(client, toolkit: str, **auth_config) -> dict:
    body = {"toolkit": {"slug": toolkit}}
    if auth_config:
        body["auth_config"] = auth_config
    r = client.post(f"{V3}/auth_configs", json=body)
    assert r.status_code == 201, r.text
    AuthConfigCreateResponse.model_validate(r.json())
    return r.json()["auth_config"]


def custom_oauth(client, **credentials) -> dict:
    values = {
        "client_id": "cid-123",
        "client_secret": "oauth-client-secret-" + os.urandom(6).hex(),
        **credentials,
    }
    return create(client, "authtest_oauth", type="use_custom_auth", auth_scheme="OAUTH2", credentials=values)


def get(client, config_id: str) -> dict:
    r = client.get(f"{V3}/auth_configs/{config_id}")
    assert r.status_code == 200, r.text
    AuthConfigRetrieveResponse.model_validate(r.json())
    return r.json()


@pytest.fixture
def other(server):
    keys = server.new_project()
    with httpx.Client(base_url=server.url, headers={"x-api-key": keys.api_key}, timeout=30) as c:
        yield c


@pytest.fixture
def managed_oauth_app(server):
    """An operator-configured OAuth app for authtest_oauth, in $VALETKEY_HOME/managed_auth.yaml."""
    path = server.settings.home / "managed_auth.yaml"
    path.write_text(
        "toolkits:\n"
        "  authtest_oauth:\n"
        "    client_id: operator-client\n"
        "    client_secret: operator-secret-value-0123\n"
        "    scopes: [read]\n"
    )
    yield path
    path.unlink()


def test_sdk_creates_and_reads_a_custom_api_key_config(composio):
    created = composio.auth_configs.create(
        toolkit="keyed", options={"type": "use_custom_auth", "auth_scheme": "API_KEY", "credentials": {}}
    )
    assert created.id.startswith("ac_")
    assert created.auth_scheme == "API_KEY" and created.is_composio_managed is False

    config = composio.auth_configs.get(created.id)
    assert config.toolkit.slug == "keyed"
    assert config.type == "custom" and config.status == "ENABLED"
    assert config.no_of_connections == 0
    assert [f["name"] for f in config.expected_input_fields] == ["api_key"]
    assert config.expected_input_fields[0]["is_secret"] is True


def test_custom_oauth_config_masks_secrets_and_seals_them(server, project, client):
    secret = "oauth-client-secret-" + os.urandom(8).hex()
    config = create(
        client,
        "AUTHTEST_OAUTH",
        type="use_custom_auth",
        authScheme="OAUTH2",
        name="Enterprise",
        credentials={
            "client_id": "cid-1",
            "client_secret": secret,
            "base_url": "https://ghe.example.com/api",
            "token_url": "https://ghe.example.com/token",
            "scopes": "repo, user",
        },
    )
    body = get(client, config["id"])
    assert body["name"] == "Enterprise" and body["toolkit"]["slug"] == "authtest_oauth"
    creds = body["credentials"]
    assert creds["client_id"] == "cid-1"
    assert creds["base_url"] == "https://ghe.example.com/api"
    assert creds["scopes"] == ["repo", "user"]
    assert creds["client_secret"] != secret and secret not in json.dumps(body)
    assert creds["client_secret"].endswith("...") or creds["client_secret"] == "REDACTED"

    with server.state.db.session() as db:
        row = db.scalars(select(AuthConfig).where(AuthConfig.id == config["id"])).one()
        assert row.project_id == project.id
        assert secret not in json.dumps(row.settings) and secret not in (row.credentials_encrypted or "")
        assert row.settings["credentials"]["base_url"] == "https://ghe.example.com/api"


def test_default_scopes_come_from_the_toolkit(client):
    config = custom_oauth(client)
    assert get(client, config["id"])["credentials"]["scopes"] == ["read", "profile"]


def test_creation_errors_are_clear_4xx(client):
    missing = client.post(
        f"{V3}/auth_configs",
        json={
            "toolkit": {"slug": "authtest_oauth"},
            "auth_config": {
                "type": "use_custom_auth",
                "auth_scheme": "OAUTH2",
                "credentials": {"client_id": "x"},
            },
        },
    )
    assert_error(missing, 400, contains="client_secret")

    unknown_field = client.post(
        f"{V3}/auth_configs",
        json={
            "toolkit": {"slug": "authtest_oauth"},
            "auth_config": {
                "type": "use_custom_auth",
                "auth_scheme": "OAUTH2",
                "credentials": {"client_id": "x", "client_secret": "y", "clientSecret": "z"},
            },
        },
    )
    assert_error(unknown_field, 400, contains="clientSecret")

    bad_url = client.post(
        f"{V3}/auth_configs",
        json={
            "toolkit": {"slug": "authtest_oauth"},
            "auth_config": {
                "type": "use_custom_auth",
                "auth_scheme": "OAUTH2",
                "credentials": {"client_id": "x", "client_secret": "y", "base_url": "ftp:/nope"},
            },
        },
    )
    assert_error(bad_url, 400, contains="base_url")

    wrong_scheme = client.post(
        f"{V3}/auth_configs",
        json={
            "toolkit": {"slug": "keyed"},
            "auth_config": {"type": "use_custom_auth", "auth_scheme": "BASIC"},
        },
    )
    assert_error(wrong_scheme, 400, contains="API_KEY")

    assert_error(
        client.post(
            f"{V3}/auth_configs",
            json={
                "toolkit": {"slug": "keyed"},
                "auth_config": {"type": "use_custom_auth", "auth_scheme": "MAGIC"},
            },
        ),
        400,
        contains="MAGIC",
    )
    assert_error(client.post(f"{V3}/auth_configs", json={"toolkit": {"slug": "no_such_toolkit"}}), 404)
    assert_error(client.post(f"{V3}/auth_configs", json={"auth_config": {"type": "use_custom_auth"}}), 400)
    assert_error(
        client.post(
            f"{V3}/auth_configs", json={"toolkit": {"slug": "keyed"}, "auth_config": {"type": "bogus"}}
        ),
        400,
    )
    assert_error(
        client.post(f"{V3}/auth_configs", content=b"{not json", headers={"content-type": "application/json"}),
        400,
    )


def test_managed_auth_without_an_operator_app_says_create_a_custom_config(client, composio):
    error = assert_error(
        client.post(f"{V3}/auth_configs", json={"toolkit": {"slug": "keyed"}}),
        400,
        contains="custom auth config",
    )
    assert error["slug"] == "DefaultAuthConfigNotFound"
    assert "use_custom_auth" in error["suggested_fix"]


def test_managed_auth_with_an_operator_app(client, managed_oauth_app):
    config = create(client, "authtest_oauth", type="use_composio_managed_auth")
    assert config["is_composio_managed"] is True and config["auth_scheme"] == "OAUTH2"
    body = get(client, config["id"])
    assert body["type"] == "default" and body["is_composio_managed"] is True
    # The operator's app never shows up in a project's config.
    assert body["credentials"] == {"scopes": ["read"]}
    assert "operator" not in json.dumps(body)

    scoped = create(
        client, "authtest_oauth", type="use_composio_managed_auth", credentials={"scopes": ["a", "b"]}
    )
    assert get(client, scoped["id"])["credentials"]["scopes"] == ["a", "b"]
    assert_error(
        client.post(
            f"{V3}/auth_configs",
            json={
                "toolkit": {"slug": "authtest_oauth"},
                "auth_config": {"type": "use_composio_managed_auth", "credentials": {"client_secret": "x"}},
            },
        ),
        400,
        contains="custom",
    )


def test_no_auth_toolkits_get_a_managed_config(client):
    config = create(client, "loopback")
    assert config["auth_scheme"] == "NO_AUTH" and config["is_composio_managed"] is True


def test_several_configs_per_toolkit_and_list_filters(client):
    a = custom_oauth(client)
    b = custom_oauth(client)
    k = create(client, "keyed", type="use_custom_auth", auth_scheme="API_KEY", name="Searchable name")
    r = client.get(f"{V3}/auth_configs", params={"toolkit_slug": "authtest_oauth"})
    listed = AuthConfigListResponse.model_validate(r.json())
    assert {i.id for i in listed.items} == {a["id"], b["id"]} and listed.total_items == 2

    both = client.get(f"{V3}/auth_configs", params={"toolkit_slug": "authtest_oauth,keyed"}).json()
    assert both["total_items"] == 3
    assert [
        i["id"] for i in client.get(f"{V3}/auth_configs", params={"search": "searchable"}).json()["items"]
    ] == [k["id"]]
    assert client.get(f"{V3}/auth_configs", params={"is_composio_managed": "true"}).json()["items"] == []

    first = client.get(f"{V3}/auth_configs", params={"limit": 2}).json()
    assert len(first["items"]) == 2 and first["next_cursor"] and first["total_pages"] == 2
    second = client.get(f"{V3}/auth_configs", params={"limit": 2, "cursor": first["next_cursor"]}).json()
    assert len(second["items"]) == 1 and second["next_cursor"] is None and second["current_page"] == 2
    assert {i["id"] for i in first["items"] + second["items"]} == {a["id"], b["id"], k["id"]}

    assert_error(client.get(f"{V3}/auth_configs", params={"limit": 0}), 400)
    assert_error(client.get(f"{V3}/auth_configs", params={"cursor": "garbage!"}), 400)
    assert_error(client.get(f"{V3}/auth_configs", params={"show_disabled": "maybe"}), 400)


def test_sdk_update_rotates_credentials_and_scopes(composio, client):
    config = custom_oauth(client)
    new_secret = "rotated-secret-" + os.urandom(6).hex()
    result = composio.auth_configs.update(
        config["id"],
        options={"type": "custom", "credentials": {"client_secret": new_secret, "scopes": ["x"]}},
    )
    assert result.success is True
    AuthConfigUpdateResponse.model_validate(result.model_dump())
    body = get(client, config["id"])
    assert body["credentials"]["scopes"] == ["x"] and body["credentials"]["client_id"] == "cid-123"
    assert new_secret not in json.dumps(body)

    renamed = client.patch(f"{V3}/auth_configs/{config['id']}", json={"type": "custom", "name": "Renamed"})
    assert renamed.status_code == 200 and get(client, config["id"])["name"] == "Renamed"
    # Sending back the masked value keeps the stored secret.
    masked = body["credentials"]["client_secret"]
    assert (
        client.patch(
            f"{V3}/auth_configs/{config['id']}",
            json={"type": "custom", "credentials": {"client_secret": masked}},
        ).status_code
        == 200
    )
    assert get(client, config["id"])["credentials"]["client_secret"] == masked

    assert_error(
        client.patch(f"{V3}/auth_configs/{config['id']}", json={"type": "default", "name": "x"}),
        400,
        contains="custom",
    )
    assert_error(client.patch(f"{V3}/auth_configs/{config['id']}", json={"name": "x"}), 400)
    assert_error(
        client.patch(
            f"{V3}/auth_configs/{config['id']}", json={"type": "custom", "credentials": {"nope": "x"}}
        ),
        400,
        contains="nope",
    )


def test_enable_disable_and_delete_through_the_sdk(composio, client):
    config = create(client, "keyed", type="use_custom_auth", auth_scheme="API_KEY")
    AuthConfigUpdateStatusResponse.model_validate(composio.auth_configs.disable(config["id"]).model_dump())
    assert get(client, config["id"])["status"] == "DISABLED"
    hidden = client.get(f"{V3}/auth_configs", params={"show_disabled": "false"}).json()["items"]
    assert config["id"] not in [i["id"] for i in hidden]
    composio.auth_configs.enable(config["id"])
    assert get(client, config["id"])["status"] == "ENABLED"
    assert_error(client.patch(f"{V3}/auth_configs/{config['id']}/PAUSED"), 400)

    deleted = composio.auth_configs.delete(config["id"])
    AuthConfigDeleteResponse.model_validate(deleted.model_dump())
    assert_error(client.get(f"{V3}/auth_configs/{config['id']}"), 404)
    assert_error(client.delete(f"{V3}/auth_configs/{config['id']}"), 404)


def test_another_project_cannot_see_or_touch_a_config(client, other):
    config = custom_oauth(client)
    cid = config["id"]
    for response in (
        other.get(f"{V3}/auth_configs/{cid}"),
        other.patch(f"{V3}/auth_configs/{cid}", json={"type": "custom", "name": "mine now"}),
        other.patch(f"{V3}/auth_configs/{cid}/DISABLED"),
        other.delete(f"{V3}/auth_configs/{cid}"),
    ):
        error = assert_error(response, 404)
        assert "ac_" in error["message"]  # the same message an id that never existed gets
    assert cid not in json.dumps(other.get(f"{V3}/auth_configs").json())
    assert other.get(f"{V3}/auth_configs", params={"search": cid}).json()["items"] == []
    assert get(client, cid)["name"] != "mine now" and get(client, cid)["status"] == "ENABLED"


def test_toolkit_endpoint_lists_auth_fields_for_the_sdk(composio):
    creation = composio.toolkits.get_auth_config_creation_fields(
        "authtest_oauth", "OAUTH2", required_only=True
    )
    assert [f.name for f in creation] == ["client_id", "client_secret"]
    initiation = composio.toolkits.get_connected_account_initiation_fields("authtest_verified", "API_KEY")
    assert [f.name for f in initiation] == ["api_key", "subdomain", "region"]
    required = composio.toolkits.get_connected_account_initiation_fields(
        "authtest_verified", "API_KEY", required_only=True
    )
    assert [f.name for f in required] == ["api_key", "subdomain"]


def test_managed_apps_from_file_and_environment(tmp_path):
    from valetkey.connections.managed import ManagedAuthError, load_managed_apps

    path = tmp_path / "managed_auth.yaml"
    path.write_text(
        "toolkits:\n  google_drive:\n    client_id: file-id\n    client_secret: file-secret-123\n"
    )
    env = {
        "VALETKEY_MANAGED_AUTH_GOOGLE_DRIVE_CLIENT_SECRET": "env-secret-456",
        "VALETKEY_MANAGED_AUTH_GITHUB_CLIENT_ID": "gh-id",
        "VALETKEY_MANAGED_AUTH_GITHUB_CLIENT_SECRET": "gh-secret",
        "VALETKEY_MANAGED_AUTH_GITHUB_SCOPES": "repo, read:user",
        "VALETKEY_MANAGED_AUTH_GITHUB_BASE_URL": "https://ghe.example.com/api/v3",
    }
    apps = load_managed_apps(path, env)
    assert (
        apps["google_drive"].client_id == "file-id" and apps["google_drive"].client_secret == "env-secret-456"
    )
    assert apps["github"].scopes == ("repo", "read:user")
    assert apps["github"].credentials()["base_url"] == "https://ghe.example.com/api/v3"
    assert "gh-secret" not in repr(apps["github"])

    with pytest.raises(ManagedAuthError, match="client_secret"):
        load_managed_apps(tmp_path / "missing.yaml", {"VALETKEY_MANAGED_AUTH_X_CLIENT_ID": "only-id"})
    path.write_text("toolkits:\n  x:\n    client_id: a\n    client_secret: b\n    colour: red\n")
    with pytest.raises(ManagedAuthError, match="colour"):
        load_managed_apps(path, {})


def test_toolkit_endpoints_advertise_operator_managed_schemes(client, managed_oauth_app):
    detail = client.get("/api/v3.1/toolkits/authtest_oauth").json()
    assert detail["composio_managed_auth_schemes"] == ["OAUTH2"]
    listed = {t["slug"]: t for t in client.get("/api/v3.1/toolkits", params={"limit": 1000}).json()["items"]}
    assert listed["authtest_oauth"]["composio_managed_auth_schemes"] == ["OAUTH2"]
    assert listed["github"]["composio_managed_auth_schemes"] == []
    multi = client.post("/api/v3.1/toolkits/multi", json={"toolkits": ["authtest_oauth"]}).json()
    assert multi["items"][0]["composio_managed_auth_schemes"] == ["OAUTH2"]
