"""OAuth 2.0 and 1.0a flows end to end: the official SDK, a running server, the sandbox provider."""

from __future__ import annotations

import httpx
import pytest

from tests.support.oauth import V3, connect_oauth, follow, oauth1_config, oauth_config, query_of

CALLBACK = "https://app.example.test/connected?user=u1&tab=apps#done"


def test_initiate_follow_redirects_and_wait_for_active(composio, client, sandbox, server):
    config_id = oauth_config(client)
    request = composio.connected_accounts.initiate("user-1", config_id, callback_url=CALLBACK)
    assert request.status == "INITIATED"
    authorize = httpx.URL(request.redirect_url)
    assert str(authorize).startswith(f"{sandbox.url}/oauth2/authorize")
    params = query_of(request.redirect_url)
    assert params["redirect_uri"] == f"{server.url}/api/v3/toolkits/auth/callback"
    assert params["code_challenge_method"] == "S256" and len(params["code_challenge"]) == 43
    assert params["scope"] == "read profile" and len(params["state"]) >= 43

    hops, _ = follow(request.redirect_url, stop_at="https://app.example.test")
    landing = hops[-1].location
    assert landing.startswith("https://app.example.test/connected?")
    assert query_of(landing) == {
        "user": "u1",
        "tab": "apps",
        "status": "success",
        "connected_account_id": request.id,
    }
    assert landing.endswith("#done")

    account = request.wait_for_connection(timeout=10)
    assert account.status == "ACTIVE"
    assert account.state.val.access_token  # masked by default, but present
    result = composio.tools.execute(
        "OAUTHDEMO_WHOAMI", user_id="user-1", arguments={}, dangerously_skip_version_check=True
    )
    assert result["successful"], result
    assert result["data"]["client_id"] == "sandbox-client"


def test_without_callback_url_the_user_sees_a_success_page(composio, client):
    request, hops = connect_oauth(composio, oauth_config(client))
    last = hops[-1]
    assert last.status == 200
    assert request.wait_for_connection(timeout=5).status == "ACTIVE"


def test_denied_consent_fails_fast_with_the_escaped_reason(composio, client, sandbox):
    config_id = oauth_config(client)
    request = composio.connected_accounts.initiate("user-1", config_id, callback_url=CALLBACK)
    sandbox.providers.oauth2.fail_next("deny")
    hops, _ = follow(request.redirect_url, stop_at="https://app.example.test")
    assert query_of(hops[-1].location)["status"] == "failed"
    from composio.exceptions import SDKError

    with pytest.raises(SDKError, match="FAILED"):
        request.wait_for_connection(timeout=5)
    account = client.get(f"{V3}/connected_accounts/{request.id}").json()
    assert account["status"] == "FAILED" and "access_denied" in account["status_reason"]


def test_provider_error_text_is_escaped_on_the_page(composio, client):
    request = composio.connected_accounts.initiate("user-1", oauth_config(client))
    state = query_of(request.redirect_url)["state"]
    evil = '<img src=x onerror="alert(1)">'
    # What a provider (or an attacker) puts in error_description reaches the page only escaped.
    page = client.get(
        "/api/v3/toolkits/auth/callback",
        params={"state": state, "error": "access_denied", "error_description": evil},
    )
    assert page.status_code == 400
    assert evil not in page.text and "&lt;img src=x" in page.text
    assert page.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]


def test_oauth1_three_legged_flow(composio, client):
    config_id = oauth1_config(client)
    request = composio.connected_accounts.initiate("user-1", config_id, callback_url=CALLBACK)
    assert "/oauth1/authorize?oauth_token=" in request.redirect_url
    hops, _ = follow(request.redirect_url, stop_at="https://app.example.test")
    assert query_of(hops[-1].location)["status"] == "success"
    account = request.wait_for_connection(timeout=5)
    assert account.status == "ACTIVE"

    # Tools of an OAuth 1.0a toolkit run with every request signed (consumer + token secrets);
    # the sandbox provider checks the HMAC-SHA1 signature, nonce and timestamp.
    for _ in range(2):
        result = composio.tools.execute(
            "OAUTH1DEMO_WHOAMI", {}, user_id="user-1", dangerously_skip_version_check=True
        )
        assert result["successful"], result
        assert result["data"]["consumer_key"] == "sandbox-consumer" and result["data"]["sub"]
