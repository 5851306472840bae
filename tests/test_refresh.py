"""Token refresh: before expiry, after a 401, invalid_grant, transient failures, the background sweep.

Each test gets its own sandbox provider (auth-config endpoint overrides point
the account at it), so its counters are exact. The module's server runs
with the background job off, so refreshes happen only where a test causes them.
"""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
from sqlalchemy import select

from tests.support.app import database_url_for, start_server
from tests.support.oauth import V3, connect_oauth, oauth_config
from valetkey.connections import refresh_job
from valetkey.connections.credentials import account_credentials
from valetkey.connections.models import ConnectedAccount

TOOL = "OAUTHDEMO_WHOAMI"


@pytest.fixture(scope="module")
def quiet_server(backend, toolkits_dir, request):
    """A server whose background refresher is off: every refresh in these tests is caused by the test."""
    threaded, running = start_server(
        database_url_for(backend, request),
        catalog_dirs=[toolkits_dir],
        refresh_interval=0,
        refresh_failure_limit=3,
    )
    yield running
    threaded.stop()


@pytest.fixture
def sdk(quiet_server, api):
    from composio import Composio

    return Composio(api_key=api.api_key, base_url=quiet_server.url)


def connected(sdk, api, provider, *, lifetime: float | None = 3600, user_id: str = "user-1") -> str:
    """An ACTIVE account on `provider` whose first access token lives `lifetime` seconds."""
    provider.providers.oauth2.configure(access_token_lifetime=lifetime)
    request, _ = connect_oauth(sdk, oauth_config(api, sandbox_url=provider.url), user_id=user_id)
    assert request.wait_for_connection(timeout=10).status == "ACTIVE"
    provider.providers.oauth2.configure(access_token_lifetime=3600)
    provider.providers.oauth2.stats.reset()
    return request.id


def execute(api, account_id: str) -> httpx.Response:
    return api.post(f"{V3}/tools/execute/{TOOL}", json={"connected_account_id": account_id, "arguments": {}})


def stored(server, account_id: str) -> tuple[ConnectedAccount, dict]:
    with server.state.db.session() as db:
        row = db.scalar(select(ConnectedAccount).where(ConnectedAccount.id == account_id))
    return row, account_credentials(server.state.vault, row)


def test_short_lived_token_is_refreshed_transparently_on_the_next_execution(quiet_server, sdk, api, provider):
    account_id = connected(sdk, api, provider, lifetime=1)
    before, old = stored(quiet_server, account_id)
    time.sleep(1.2)  # the access token is now expired at the provider
    result = execute(api, account_id).json()
    assert result["successful"], result
    stats = provider.providers.oauth2.stats
    assert stats.refreshes == 1
    after, new = stored(quiet_server, account_id)
    assert new["access_token"] != old["access_token"]
    assert (
        new["refresh_token"] != old["refresh_token"]
    )  # the sandbox rotates refresh tokens: the new one was saved
    assert after.expires_at > before.expires_at
    # The fresh token lives an hour: the next execution uses it as is.
    assert execute(api, account_id).json()["successful"]
    assert stats.refreshes == 1


def test_an_upstream_401_refreshes_once_and_retries(quiet_server, sdk, api, provider):
    account_id = connected(sdk, api, provider)
    _, values = stored(quiet_server, account_id)
    assert provider.providers.oauth2.revoke_token(
        values["access_token"]
    )  # the provider forgets the token early
    result = execute(api, account_id).json()
    assert result["successful"], result
    assert provider.providers.oauth2.stats.refreshes == 1


def test_a_refused_retry_is_reported_and_not_looped(quiet_server, sdk, api, provider):
    account_id = connected(sdk, api, provider)
    _, values = stored(quiet_server, account_id)
    provider.providers.oauth2.revoke_token(values["access_token"])
    provider.providers.oauth2.fail_next("server_error", 1, grant_type="refresh_token")
    result = execute(api, account_id).json()
    assert result["successful"] is False and "401" in str(result["error"])
    assert provider.providers.oauth2.stats.refreshes == 0  # one failed attempt, no second try


def test_invalid_grant_marks_the_account_expired_with_the_reason(quiet_server, sdk, api, provider):
    account_id = connected(sdk, api, provider, lifetime=1)
    time.sleep(1.1)
    provider.providers.oauth2.fail_next("invalid_grant", 1, grant_type="refresh_token")
    r = execute(api, account_id)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["slug"] == "ConnectedAccountExpired"
    account = api.get(f"{V3}/connected_accounts/{account_id}").json()
    assert account["status"] == "EXPIRED"
    assert "invalid_grant" in account["status_reason"]
    from composio.exceptions import SDKError

    with pytest.raises(SDKError, match="EXPIRED"):
        sdk.connected_accounts.wait_for_connection(account_id, timeout=5)


def test_transient_failures_past_the_threshold_expire_the_account(quiet_server, sdk, api, provider):
    account_id = connected(sdk, api, provider, lifetime=1)
    provider.providers.oauth2.fail_next("server_error", 10, grant_type="refresh_token", status=503)
    for attempt in range(1, 3):
        counts = asyncio.run(refresh_job.sweep(quiet_server.state))
        assert counts.get("failed", 0) >= 1
        row, _ = stored(quiet_server, account_id)
        assert row.status == "ACTIVE" and row.refresh_failures == attempt
    asyncio.run(refresh_job.sweep(quiet_server.state))  # the third failure in a row (limit 3 on this server)
    row, _ = stored(quiet_server, account_id)
    assert row.status == "EXPIRED" and "3 times" in row.status_reason


def test_the_background_sweep_keeps_idle_accounts_fresh(quiet_server, sdk, api, provider):
    account_id = connected(sdk, api, provider, lifetime=60)  # inside the 300 s margin
    before, _ = stored(quiet_server, account_id)
    counts = asyncio.run(refresh_job.sweep(quiet_server.state))
    assert counts.get("refreshed", 0) >= 1
    assert provider.providers.oauth2.stats.refreshes == 1
    after, _ = stored(quiet_server, account_id)
    assert after.expires_at > before.expires_at and after.status == "ACTIVE"
    asyncio.run(refresh_job.sweep(quiet_server.state))  # now an hour away: not due
    assert provider.providers.oauth2.stats.refreshes == 1


def test_refresh_endpoint_performs_a_real_refresh(quiet_server, sdk, api, provider):
    account_id = connected(sdk, api, provider)
    _, old = stored(quiet_server, account_id)
    r = api.post(f"{V3}/connected_accounts/{account_id}/refresh")
    assert r.status_code == 200, r.text
    assert r.json() == {"id": account_id, "status": "ACTIVE", "redirect_url": None}
    assert provider.providers.oauth2.stats.refreshes == 1
    assert stored(quiet_server, account_id)[1]["access_token"] != old["access_token"]


def test_refresh_of_an_expired_account_returns_a_new_consent_url(quiet_server, sdk, api, provider):
    account_id = connected(sdk, api, provider, lifetime=1)
    time.sleep(1.1)
    provider.providers.oauth2.fail_next("invalid_grant", 1, grant_type="refresh_token")
    assert execute(api, account_id).status_code == 422
    r = api.post(
        f"{V3}/connected_accounts/{account_id}/refresh",
        json={"redirect_url": "https://app.example.test/back"},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "INITIATED" and body["redirect_url"].startswith(
        f"{provider.url}/oauth2/authorize"
    )
    from tests.support.oauth import follow, query_of

    hops, _ = follow(body["redirect_url"], stop_at="https://app.example.test")
    assert query_of(hops[-1].location) == {"status": "success", "connected_account_id": account_id}
    assert api.get(f"{V3}/connected_accounts/{account_id}").json()["status"] == "ACTIVE"
    assert execute(api, account_id).json()["successful"]
