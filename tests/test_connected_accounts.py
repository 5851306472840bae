"""Connected accounts for the non-redirect schemes, over the official SDK and plain HTTP.

Responses are parsed strictly with the composio_client models; secrets are
checked to appear neither in the database file nor in the logs.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import warnings

import httpx
import pytest
from composio import exceptions as sdk_errors
from composio_client._models import (
    ConnectedAccountCreateResponse,
    ConnectedAccountDeleteResponse,
    ConnectedAccountListResponse,
    ConnectedAccountRefreshResponse,
    ConnectedAccountRetrieveResponse,
    ConnectedAccountUpdateStatusResponse,
)
from sqlalchemy import select

from tests.support.errors import assert_error
from valetkey.connections.models import ConnectedAccount
from valetkey.core.ids import new_id
from valetkey.store.db import utcnow

V3 = "/api/v3.1"


def make_config(client, toolkit: str, scheme: str | None = None, **extra) -> str:
    auth_config = {"type": "use_custom_auth", **({"auth_scheme": scheme} if scheme else {}), **extra}
    if toolkit == "loopback":
        auth_config = {"type": "use_composio_managed_auth"}
    r = client.post(f"{V3}/auth_configs", json={"toolkit": {"slug": toolkit}, "auth_config": auth_config})
    assert r.status_code == 201, r.text
    return r.json()["auth_config"]["id"]


def connect(
    client,
    config_id: str,
    val: dict | None = None,
    *,
    user_id: str = "user-1",
    scheme: str | None = None,
    **connection,
) -> dict:
    state = {"val": val or {}}
    if scheme:
        state["auth_scheme"] = scheme
    r = client.post(
        f"{V3}/connected_accounts",
        json={
            "auth_config": {"id": config_id},
            "connection": {"user_id": user_id, "state": state, **connection},
        },
    )
    assert r.status_code == 201, r.text
    if r.json()["status"] != "FAILED":  # the spec has no FAILED state for API_KEY/BASIC/BEARER_TOKEN
        ConnectedAccountCreateResponse.model_validate(r.json())
    return r.json()


def fetch(client, account_id: str, *, strict: bool = True) -> dict:
    r = client.get(f"{V3}/connected_accounts/{account_id}")
    assert r.status_code == 200, r.text
    if strict:
        ConnectedAccountRetrieveResponse.model_validate(r.json())
    return r.json()


def secret(label: str) -> str:
    return f"{label}-{os.urandom(8).hex()}"


@pytest.fixture
def other(server):
    keys = server.new_project()
    with httpx.Client(base_url=server.url, headers={"x-api-key": keys.api_key}, timeout=30) as c:
        yield c


def test_sdk_api_key_connection_is_active_at_once(composio, client):
    config_id = make_config(client, "keyed", "API_KEY")
    key = secret("sk-live")
    request = composio.connected_accounts.initiate(
        "user-sdk", config_id, config={"auth_scheme": "API_KEY", "val": {"api_key": key}}
    )
    assert request.status == "ACTIVE" and request.id.startswith("ca_") and request.redirect_url is None

    account = request.wait_for_connection(timeout=5)
    assert account.status == "ACTIVE" and account.toolkit.slug == "keyed"
    assert composio.connected_accounts.wait_for_connection(request.id, timeout=5).id == request.id
    fetched = composio.connected_accounts.get(request.id)
    assert fetched.auth_config.id == config_id and fetched.is_disabled is False
    body = fetch(client, request.id)
    assert body["state"]["authScheme"] == "API_KEY"
    assert body["state"]["val"]["api_key"] == key[:4] + "..."
    assert key not in json.dumps(body)
    assert client.get(f"{V3}/auth_configs/{config_id}").json()["no_of_connections"] == 1


def test_masking_follows_the_project_setting(client):
    config_id = make_config(client, "keyed", "API_KEY")
    key = secret("sk-unmasked")
    account = connect(client, config_id, {"api_key": key})
    r = client.patch(f"{V3}/org/project/config", json={"mask_secret_keys_in_connected_account": False})
    assert r.status_code == 200, r.text
    assert fetch(client, account["id"])["state"]["val"]["api_key"] == key
    listed = client.get(f"{V3}/connected_accounts").json()["items"]
    assert listed[0]["state"]["val"]["api_key"] == key
    client.patch(f"{V3}/org/project/config", json={"mask_secret_keys_in_connected_account": True})
    assert fetch(client, account["id"])["state"]["val"]["api_key"] != key


def test_bearer_and_basic_pass_verification_with_the_credentials_placed(client, upstream):
    config_id = make_config(client, "authtest_verified", "BEARER_TOKEN")
    token = secret("bearer")
    upstream.clear()
    created = connect(client, config_id, {"token": token}, scheme="BEARER_TOKEN")
    assert created["connectionData"]["val"]["status"] == "ACTIVE"
    seen = [r for r in upstream.requests if r.path == "/echo/verify/bearer"]
    assert seen and seen[-1].headers["authorization"] == f"Bearer {token}"
    body = fetch(client, created["id"])
    assert body["state"]["val"]["account_label"] == "/echo/verify/bearer"
    assert body["state"]["val"]["token"] != token

    basic_id = make_config(client, "authtest_verified", "BASIC")
    password = secret("pw")
    basic = connect(client, basic_id, {"username": "ada", "password": password}, scheme="BASIC")
    assert basic["status"] == "ACTIVE"
    seen = [r for r in upstream.requests if r.path == "/echo/verify/basic"]
    assert seen[-1].headers["authorization"].startswith("Basic ")
    val = fetch(client, basic["id"])["state"]["val"]
    assert val["username"] == "ada" and val["password"] != password


def test_custom_fields_defaults_and_missing_fields(client, upstream):
    config_id = make_config(client, "authtest_verified", "API_KEY")
    upstream.clear()
    account = connect(client, config_id, {"api_key": secret("k"), "subdomain": "acme"})
    assert account["status"] == "ACTIVE"
    assert upstream.requests[-1].headers["x-workspace"] == "acme.eu"
    val = fetch(client, account["id"])["state"]["val"]
    assert val["subdomain"] == "acme" and val["region"] == "eu"

    r = client.post(
        f"{V3}/connected_accounts",
        json={
            "auth_config": {"id": config_id},
            "connection": {"user_id": "u", "state": {"auth_scheme": "API_KEY", "val": {"api_key": "k"}}},
        },
    )
    error = assert_error(r, 400, contains="subdomain")
    assert "val" in error["suggested_fix"]


def test_verification_failure_is_failed_with_a_reason(composio, client):
    config_id = make_config(client, "authtest_rejecting", "API_KEY")
    key = secret("bad-key")
    request = composio.connected_accounts.initiate(
        "user-f", config_id, config={"auth_scheme": "API_KEY", "val": {"api_key": key}}
    )
    assert request.status == "FAILED"
    with pytest.raises(sdk_errors.SDKError):
        request.wait_for_connection(timeout=5)
    body = fetch(client, request.id, strict=False)
    assert body["status"] == "FAILED"
    assert "401" in body["status_reason"] and "rejected" in body["status_reason"]
    assert key not in json.dumps(body)
    # Refresh re-runs the verification; still refused.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        refreshed = composio.connected_accounts.refresh(request.id)
    assert refreshed.status == "FAILED"


def test_no_auth_toolkit_connects_without_values(client):
    config_id = make_config(client, "loopback")
    account = connect(client, config_id)
    assert account["status"] == "ACTIVE"
    assert fetch(client, account["id"])["state"] == {"authScheme": "NO_AUTH", "val": {"status": "ACTIVE"}}


def test_initiation_errors(client):
    keyed = make_config(client, "keyed", "API_KEY")
    assert_error(connect_raw(client, keyed, {"api_key": "k"}, scheme="BASIC"), 400, contains="API_KEY")
    assert_error(connect_raw(client, keyed, {}), 400, contains="api_key")
    assert_error(connect_raw(client, keyed, {"api_key": {"nested": 1}}), 400, contains="string")
    assert_error(connect_raw(client, "ac_doesnotexist", {"api_key": "k"}), 404)
    assert_error(client.post(f"{V3}/connected_accounts", json={"connection": {}}), 400)
    client.patch(f"{V3}/auth_configs/{keyed}/DISABLED")
    assert_error(connect_raw(client, keyed, {"api_key": "k"}), 400, contains="disabled")


def connect_raw(client, config_id: str, val: dict, *, scheme: str | None = None) -> httpx.Response:
    state = {"val": val, **({"authScheme": scheme} if scheme else {})}
    return client.post(
        f"{V3}/connected_accounts",
        json={"auth_config": {"id": config_id}, "connection": {"user_id": "u-err", "state": state}},
    )


def test_list_filters_and_cursor(client):
    keyed = make_config(client, "keyed", "API_KEY")
    rejecting = make_config(client, "authtest_rejecting", "API_KEY")
    a1 = connect(client, keyed, {"api_key": secret("a")}, user_id="alice")
    a2 = connect(client, rejecting, {"api_key": secret("a")}, user_id="alice")
    b1 = connect(client, keyed, {"api_key": secret("b")}, user_id="bob")

    def ids(**params) -> list[str]:
        r = client.get(f"{V3}/connected_accounts", params=params)
        assert r.status_code == 200, r.text
        return [i["id"] for i in r.json()["items"]]

    assert set(ids(user_ids="alice")) == {a1["id"], a2["id"]}
    assert set(ids(user_ids="alice,bob", auth_config_ids=keyed)) == {a1["id"], b1["id"]}
    assert ids(toolkit_slugs="authtest_rejecting") == [a2["id"]]
    assert ids(statuses="FAILED") == [a2["id"]]
    assert set(ids(statuses=["ACTIVE"], user_ids=["alice", "bob"])) == {a1["id"], b1["id"]}
    assert ids(connected_account_ids=b1["id"]) == [b1["id"]]
    assert ids(order_direction="asc")[0] == a1["id"]

    ConnectedAccountListResponse.model_validate(
        client.get(f"{V3}/connected_accounts", params={"statuses": "ACTIVE"}).json()
    )
    first = client.get(f"{V3}/connected_accounts", params={"limit": 2}).json()
    assert len(first["items"]) == 2 and first["total_items"] == 3 and first["next_cursor"]
    rest = client.get(f"{V3}/connected_accounts", params={"limit": 2, "cursor": first["next_cursor"]}).json()
    assert len(rest["items"]) == 1 and rest["next_cursor"] is None
    assert_error(
        client.get(f"{V3}/connected_accounts", params={"statuses": "SLEEPING"}), 400, contains="SLEEPING"
    )
    everything = client.get(f"{V3}/connected_accounts", params={"limit": 5000})  # clamped, not refused
    assert everything.status_code == 200 and len(everything.json()["items"]) == 3
    assert_error(client.get(f"{V3}/connected_accounts", params={"limit": 2.5}), 400, contains="limit")


def test_sdk_list_enable_disable_refresh_delete(composio, client):
    config_id = make_config(client, "authtest_verified", "BEARER_TOKEN")
    request = composio.connected_accounts.initiate(
        "carol", config_id, config={"auth_scheme": "BEARER_TOKEN", "val": {"token": secret("t")}}
    )
    listed = composio.connected_accounts.list(user_ids=["carol"], statuses=["ACTIVE"])
    assert [i.id for i in listed.items] == [request.id]

    ConnectedAccountUpdateStatusResponse.model_validate(
        composio.connected_accounts.disable(request.id).model_dump()
    )
    body = fetch(client, request.id)
    assert body["status"] == "INACTIVE" and body["is_disabled"] is True
    assert composio.connected_accounts.list(user_ids=["carol"], statuses=["ACTIVE"]).items == []
    assert_error(client.post(f"{V3}/connected_accounts/{request.id}/refresh"), 400, contains="disabled")
    composio.connected_accounts.enable(request.id)
    assert fetch(client, request.id)["status"] == "ACTIVE"

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        refreshed = composio.connected_accounts.refresh(request.id)
    ConnectedAccountRefreshResponse.model_validate(refreshed.model_dump())
    assert refreshed.status == "ACTIVE" and refreshed.redirect_url is None

    updated = composio.connected_accounts.update(request.id, alias="work")
    assert updated.success is True and fetch(client, request.id)["alias"] == "work"

    ConnectedAccountDeleteResponse.model_validate(composio.connected_accounts.delete(request.id).model_dump())
    assert_error(client.get(f"{V3}/connected_accounts/{request.id}"), 404)
    assert_error(client.delete(f"{V3}/connected_accounts/{request.id}"), 404)


def test_patch_credentials_then_refresh(client):
    config_id = make_config(client, "keyed", "API_KEY")
    account = connect(client, config_id, {"api_key": secret("old")})
    new_key = secret("new")
    r = client.patch(
        f"{V3}/connected_accounts/{account['id']}",
        json={"connection": {"state": {"authScheme": "API_KEY", "val": {"api_key": new_key}}}},
    )
    assert r.status_code == 200 and r.json()["status"] == "ACTIVE"
    assert fetch(client, account["id"])["state"]["val"]["api_key"] == new_key[:4] + "..."
    assert_error(
        client.patch(
            f"{V3}/connected_accounts/{account['id']}",
            json={"connection": {"state": {"authScheme": "BASIC", "val": {"username": "x"}}}},
        ),
        400,
    )


def test_allow_multiple(composio, client):
    config_id = make_config(client, "keyed", "API_KEY")
    first = composio.connected_accounts.initiate(
        "dave", config_id, config={"auth_scheme": "API_KEY", "val": {"api_key": secret("1")}}
    )
    with pytest.raises(sdk_errors.ComposioMultipleConnectedAccountsError):
        composio.connected_accounts.initiate(
            "dave", config_id, config={"auth_scheme": "API_KEY", "val": {"api_key": secret("2")}}
        )
    second = composio.connected_accounts.initiate(
        "dave",
        config_id,
        allow_multiple=True,
        config={"auth_scheme": "API_KEY", "val": {"api_key": secret("2")}},
    )
    assert second.id != first.id and second.status == "ACTIVE"
    assert len(composio.connected_accounts.list(user_ids=["dave"], auth_config_ids=[config_id]).items) == 2


def test_alias_is_unique_per_user_and_toolkit(client):
    config_id = make_config(client, "keyed", "API_KEY")
    connect(client, config_id, {"api_key": "k1"}, user_id="erin", alias="work")
    r = client.post(
        f"{V3}/connected_accounts",
        json={
            "auth_config": {"id": config_id},
            "connection": {"user_id": "erin", "alias": "work", "state": {"val": {"api_key": "k2"}}},
        },
    )
    assert_error(r, 409, contains="work")
    connect(client, config_id, {"api_key": "k3"}, user_id="frank", alias="work")


def test_initiated_accounts_expire_after_ten_minutes(server, project, client):
    config_id = make_config(client, "keyed", "API_KEY")
    fresh_id, stale_id = new_id("ca"), new_id("ca")
    with server.state.db.session() as db:
        for account_id, age in ((fresh_id, 1), (stale_id, 11)):
            changed = utcnow() - dt.timedelta(minutes=age)
            db.add(
                ConnectedAccount(
                    id=account_id,
                    project_id=project.id,
                    user_id="gina",
                    toolkit_slug="keyed",
                    auth_config_id=config_id,
                    auth_scheme="API_KEY",
                    status="INITIATED",
                    status_changed_at=changed,
                    created_at=changed,
                    updated_at=changed,
                    data={},
                )
            )
    assert fetch(client, fresh_id, strict=False)["status"] == "INITIATED"
    assert fetch(client, stale_id)["status"] == "EXPIRED"
    expired = client.get(
        f"{V3}/connected_accounts", params={"statuses": "EXPIRED", "user_ids": "gina"}
    ).json()
    assert [i["id"] for i in expired["items"]] == [stale_id]


def test_another_project_gets_404_everywhere_and_sees_nothing(client, other):
    config_id = make_config(client, "keyed", "API_KEY")
    account = connect(client, config_id, {"api_key": secret("iso")}, user_id="hank")
    aid = account["id"]
    for response in (
        other.get(f"{V3}/connected_accounts/{aid}"),
        other.patch(f"{V3}/connected_accounts/{aid}/status", json={"enabled": False}),
        other.post(f"{V3}/connected_accounts/{aid}/refresh"),
        other.patch(f"{V3}/connected_accounts/{aid}", json={"alias": "stolen"}),
        other.delete(f"{V3}/connected_accounts/{aid}"),
        connect_raw(other, config_id, {"api_key": "k"}),
    ):
        assert_error(response, 404)
    for params in ({}, {"user_ids": "hank"}, {"auth_config_ids": config_id}, {"connected_account_ids": aid}):
        assert other.get(f"{V3}/connected_accounts", params=params).json()["items"] == []
    body = fetch(client, aid)
    assert body["status"] == "ACTIVE" and body["alias"] is None


def test_secrets_never_reach_the_database_file_or_the_logs(server, client, caplog):
    caplog.set_level(logging.DEBUG)
    key, password, client_secret = secret("leak-key"), secret("leak-pw"), secret("leak-client-secret")
    keyed = make_config(client, "keyed", "API_KEY")
    connect(client, keyed, {"api_key": key})
    basic = make_config(client, "authtest_verified", "BASIC")
    connect(client, basic, {"username": "ivy", "password": password})
    make_config(
        client, "authtest_oauth", "OAUTH2", credentials={"client_id": "c", "client_secret": client_secret}
    )
    rejecting = make_config(client, "authtest_rejecting", "API_KEY")
    connect(client, rejecting, {"api_key": key})

    for value in (key, password, client_secret):
        assert value not in caplog.text
    if server.backend == "sqlite":
        path = server.settings.database_url.removeprefix("sqlite:///")
        server.state.db.engine.dispose()  # flush the WAL into the main file
        raw = b"".join(open(p, "rb").read() for p in (path, path + "-wal") if os.path.exists(p))
        for value in (key, password, client_secret):
            assert value.encode() not in raw
    else:
        with server.state.db.session() as db:
            dump = json.dumps([[str(c) for c in row] for row in db.execute(select(ConnectedAccount)).all()])
        assert key not in dump


def test_tool_execution_uses_the_account_and_the_config_base_url(composio, client, upstream):
    key = secret("exec-key")
    config_id = make_config(
        client, "authtest_verified", "API_KEY", credentials={"base_url": upstream.url + "/echo/enterprise"}
    )
    composio.connected_accounts.initiate(
        "ivan",
        config_id,
        config={"auth_scheme": "API_KEY", "val": {"api_key": key, "subdomain": "acme", "region": "us"}},
    )
    upstream.clear()
    result = composio.tools.execute(
        "AUTHTEST_VERIFIED_WHOAMI", arguments={}, user_id="ivan", dangerously_skip_version_check=True
    )
    assert result["successful"], result
    seen = upstream.requests[-1]
    assert seen.path == "/echo/enterprise/echo/whoami"
    assert seen.headers["x-api-key"] == key and seen.headers["x-workspace"] == "acme.us"

    account_id = composio.connected_accounts.list(user_ids=["ivan"]).items[0].id
    composio.connected_accounts.disable(account_id)
    disabled = client.post(
        f"{V3}/tools/execute/AUTHTEST_VERIFIED_WHOAMI",
        json={"user_id": "ivan", "arguments": {}, "version": "20250101_00"},
    )
    assert disabled.status_code >= 400 or disabled.json()["successful"] is False
