"""Revoking a connected account (`connected_accounts.revoke`) and `complete_auth`, through the SDK.

Revocation asks the sandbox OAuth provider (RFC 7009) to revoke the refresh token, then the
access token; only when it confirmed both does the account become REVOKED, its tokens erased.
"""

from __future__ import annotations

import pytest
from composio import exceptions as sdk_errors
from composio_client import NotFoundError

from tests.support.errors import assert_error
from tests.support.oauth import V3, connect_oauth, oauth_config
from valetkey.connections.credentials import account_credentials
from valetkey.connections.models import ConnectedAccount


def connected(composio, client, **credentials) -> str:
    request, _ = connect_oauth(composio, oauth_config(client, **credentials))
    assert request.wait_for_connection(timeout=5).status == "ACTIVE"
    return request.id


def tokens_of(server, account_id: str) -> dict:
    with server.state.db.session() as db:
        account = db.get(ConnectedAccount, account_id)
        return account_credentials(server.state.vault, account) if account.state_encrypted else {}


def test_revoke_ends_the_grant_at_the_provider_and_marks_the_account_revoked(
    composio, client, server, sandbox
):
    account_id = connected(composio, client)
    tokens = tokens_of(server, account_id)
    oauth2 = sandbox.providers.oauth2
    assert oauth2.validate_access_token(tokens["access_token"]) is not None
    revocations = oauth2.stats.revocations

    result = composio.connected_accounts.revoke(account_id)

    assert list(result.revoked_tokens) == ["refresh_token", "access_token"]
    assert result.connected_account.id == account_id and result.connected_account.status == "REVOKED"
    assert oauth2.stats.revocations == revocations + 2
    assert oauth2.validate_access_token(tokens["access_token"]) is None
    account = composio.connected_accounts.get(account_id)
    assert account.status == "REVOKED" and "revoked" in (account.status_reason or "").lower()
    assert tokens_of(server, account_id) == {}  # nothing left to execute, refresh or leak with
    listed = client.get(f"{V3}/connected_accounts", params={"statuses": "REVOKED"}).json()["items"]
    assert [a["id"] for a in listed] == [account_id]
    run = client.post(f"{V3}/tools/execute/OAUTHDEMO_WHOAMI", json={"connected_account_id": account_id})
    assert run.status_code >= 400 and "REVOKED" in run.text

    again = composio.connected_accounts.revoke(account_id)  # already revoked: nothing sent upstream
    assert again.revoked_tokens == [] and again.connected_account.status == "REVOKED"
    assert oauth2.stats.revocations == revocations + 2


def test_a_provider_that_refuses_changes_nothing(composio, client, server):
    config_id = oauth_config(client)
    request, _ = connect_oauth(composio, config_id)
    account_id = request.wait_for_connection(timeout=5).id
    # The OAuth app's secret changed since: the provider refuses the client (RFC 7009 §2.1).
    wrong = {"client_id": "sandbox-client", "client_secret": "not-the-secret"}
    assert client.patch(
        f"{V3}/auth_configs/{config_id}", json={"type": "custom", "credentials": wrong}
    ).is_success
    r = client.post(f"{V3}/connected_accounts/{account_id}/revoke")
    error = assert_error(r, 502, contains="did not revoke the refresh token")
    assert "refused (HTTP 401)" in error["message"]
    assert error["slug"] == "RevocationFailed" and error["suggested_fix"]
    assert composio.connected_accounts.get(account_id).status == "ACTIVE"
    assert tokens_of(server, account_id)["access_token"]


def test_an_api_key_account_cannot_be_revoked_programmatically(composio, client):
    config = client.post(
        f"{V3}/auth_configs",
        json={
            "toolkit": {"slug": "keyed"},
            "auth_config": {"type": "use_custom_auth", "auth_scheme": "API_KEY"},
        },
    ).json()["auth_config"]["id"]
    created = client.post(
        f"{V3}/connected_accounts",
        json={
            "auth_config": {"id": config},
            "connection": {"state": {"auth_scheme": "API_KEY", "val": {"api_key": "k1"}}},
        },
    )
    assert created.status_code == 201, created.text
    account_id = created.json()["id"]
    with pytest.raises(sdk_errors.ComposioConnectedAccountRevocationNotSupportedError):
        composio.connected_accounts.revoke(account_id)
    error = assert_error(client.post(f"{V3}/connected_accounts/{account_id}/revoke"), 400, contains="API_KEY")
    assert error["slug"] == "RevocationNotSupported" and error["suggested_fix"]
    assert composio.connected_accounts.get(account_id).status == "ACTIVE"


def test_an_unfinished_connection_is_not_revokable(composio, client):
    request = composio.connected_accounts.initiate("user-1", oauth_config(client), allow_multiple=True)
    with pytest.raises(sdk_errors.ComposioConnectedAccountNotRevokableError):
        composio.connected_accounts.revoke(request.id)


def test_revoke_is_tenant_scoped(composio, client, server):
    account_id = connected(composio, client)
    other = server.new_project()
    import httpx

    with httpx.Client(base_url=server.url, headers={"x-api-key": other.api_key}) as stranger:
        assert_error(stranger.post(f"{V3}/connected_accounts/{account_id}/revoke"), 404)
    assert_error(client.post(f"{V3}/connected_accounts/ca_missing/revoke"), 404)
    assert composio.connected_accounts.get(account_id).status == "ACTIVE"


def test_complete_auth_explains_there_is_nothing_to_complete(composio, client):
    with pytest.raises(NotFoundError) as caught:
        composio.connected_accounts.complete_auth(user_id="user-1", session_uri="sess_anything")
    assert "callback verifier" in str(caught.value)
    error = assert_error(
        client.post(f"{V3}/connected_accounts/complete_auth", json={"user_id": "u", "session_uri": "s"}), 404
    )
    assert error["slug"] == "AuthSessionNotFound" and "wait_for_connection" in error["suggested_fix"]
    assert_error(client.post(f"{V3}/connected_accounts/complete_auth", json={"user_id": "u"}), 400)
    assert_error(
        client.post(
            f"{V3}/connected_accounts/complete_auth", json={"user_id": "u", "session_uri": "s", "x": 1}
        ),
        400,
    )
