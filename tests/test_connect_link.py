"""Hosted Connect Links over plain HTTP: the SDK's link(), the pages' headers, single use, forms."""

from __future__ import annotations

import httpx
import pytest
from composio_client.types.link_create_response import LinkCreateResponse
from sqlalchemy import update

from tests.support.connect_link import bearer_config, brand
from tests.support.oauth import V3, follow, oauth_config, query_of
from valetkey.connections.flow_models import ConnectLink
from valetkey.store.db import utcnow

APP = "https://app.example.test"


def assert_page_headers(response: httpx.Response) -> None:
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["referrer-policy"] == "no-referrer"
    csp = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp and "script-src" not in csp
    assert response.headers["x-frame-options"] == "DENY"


def test_link_for_oauth_continues_to_the_provider_once(composio, client, server, sandbox):
    brand(client)
    config_id = oauth_config(client)
    request = composio.connected_accounts.link("user-l", config_id, callback_url=f"{APP}/back?from=link")
    assert request.status == "INITIATED" and request.redirect_url.startswith(f"{server.url}/link/lnk_")
    raw = client.post(
        f"{V3}/connected_accounts/link", json={"auth_config_id": config_id, "user_id": "user-raw"}
    )
    LinkCreateResponse.model_validate(raw.json())

    with httpx.Client(timeout=10) as browser:
        page = browser.get(request.redirect_url)
        assert page.status_code == 200
        assert_page_headers(page)
        assert "Connect OAuth Demo to Acme Agents" in page.text and "read" in page.text
        assert sandbox.url in page.headers["content-security-policy"]  # form-action allows the provider
        go = browser.post(request.redirect_url + "/continue")
        assert go.status_code == 303 and go.headers["location"].startswith(f"{sandbox.url}/oauth2/authorize")
        again = browser.post(request.redirect_url + "/continue")
        assert again.status_code == 410
        assert browser.get(request.redirect_url).status_code == 410
    hops, _ = follow(go.headers["location"], stop_at=APP)
    landing = hops[-1].location
    assert query_of(landing) == {"from": "link", "status": "success", "connected_account_id": request.id}
    assert request.wait_for_connection(timeout=5).status == "ACTIVE"


def test_link_form_validates_in_place_then_activates(composio, client, sandbox):
    config_id = bearer_config(client)
    request = composio.connected_accounts.link("user-f", config_id, callback_url=f"{APP}/done")
    good = sandbox.providers.oauth2.issue_tokens("sandbox-client", "form-user", ("read",))["access_token"]
    with httpx.Client(timeout=10) as browser:
        empty = browser.post(request.redirect_url, data={})
        assert empty.status_code == 400 and "Access token is required." in empty.text
        assert_page_headers(empty)
        evil = '<script>alert("x")</script>'
        wrong = browser.post(request.redirect_url, data={"token": "not-a-token", "workspace": evil})
        assert wrong.status_code == 400 and "did not accept these credentials" in wrong.text
        assert evil not in wrong.text and "&lt;script&gt;" in wrong.text  # the value is echoed, escaped
        assert "not-a-token" not in wrong.text  # secrets are never echoed back
        ok = browser.post(request.redirect_url, data={"token": good, "workspace": "acme"})
        assert ok.status_code == 303
        assert query_of(ok.headers["location"]) == {"status": "success", "connected_account_id": request.id}
        assert (
            browser.post(request.redirect_url, data={"token": good, "workspace": "acme"}).status_code == 410
        )
    account = request.wait_for_connection(timeout=5)
    assert account.status == "ACTIVE"
    assert client.get(f"{V3}/connected_accounts/{request.id}").json()["data"]["account_label"] == "form-user"
    result = composio.tools.execute(
        "LINKDEMO_WHOAMI", user_id="user-f", arguments={}, dangerously_skip_version_check=True
    )
    assert result["successful"] and result["data"]["sub"] == "form-user"


def test_unknown_and_expired_links(composio, client, server):
    with httpx.Client(timeout=10) as browser:
        unknown = browser.get(f"{server.url}/link/lnk_{'x' * 43}")
        assert unknown.status_code == 404
        assert_page_headers(unknown)
        request = composio.connected_accounts.link("user-e", bearer_config(client))
        with server.state.db.session() as db:
            db.execute(
                update(ConnectLink).where(ConnectLink.account_id == request.id).values(expires_at=utcnow())
            )
        assert browser.get(request.redirect_url).status_code == 410


@pytest.mark.parametrize("bad", ["javascript:alert(1)", "/relative", "data:text/html,hi"])
def test_link_refuses_a_callback_url_that_is_not_absolute_http(client, bad):
    r = client.post(
        f"{V3}/connected_accounts/link",
        json={"auth_config_id": bearer_config(client), "user_id": "u", "callback_url": bad},
    )
    assert r.status_code == 400, r.text
