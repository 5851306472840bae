"""Helpers for the OAuth, Connect Link and refresh tests: auth configs on the sandbox, following redirects."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import httpx

V3 = "/api/v3.1"
SANDBOX_CLIENT = {"client_id": "sandbox-client", "client_secret": "sandbox-secret"}


def oauth_config(
    client: httpx.Client, toolkit: str = "oauthdemo", *, sandbox_url: str | None = None, **credentials
) -> str:
    """A custom OAUTH2 auth config with the sandbox's default client; `sandbox_url` moves its endpoints."""
    values = {**SANDBOX_CLIENT, **credentials}
    if sandbox_url:
        values.update(
            authorization_url=f"{sandbox_url}/oauth2/authorize",
            token_url=f"{sandbox_url}/oauth2/token",
            base_url=sandbox_url,
        )
    r = client.post(
        f"{V3}/auth_configs",
        json={
            "toolkit": {"slug": toolkit},
            "auth_config": {"type": "use_custom_auth", "auth_scheme": "OAUTH2", "credentials": values},
        },
    )
    assert r.status_code == 201, r.text
    return r.json()["auth_config"]["id"]


def oauth1_config(client: httpx.Client) -> str:
    r = client.post(
        f"{V3}/auth_configs",
        json={
            "toolkit": {"slug": "oauth1demo"},
            "auth_config": {
                "type": "use_custom_auth",
                "auth_scheme": "OAUTH1",
                "credentials": {
                    "consumer_key": "sandbox-consumer",
                    "consumer_secret": "sandbox-consumer-secret",
                },
            },
        },
    )
    assert r.status_code == 201, r.text
    return r.json()["auth_config"]["id"]


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query, keep_blank_values=True).items()}


@dataclass
class Hop:
    url: str
    status: int
    location: str | None


def follow(
    url: str, *, stop_at: str | None = None, max_hops: int = 10
) -> tuple[list[Hop], httpx.Response | None]:
    """Follow redirects like a browser would with a plain HTTP client, recording each hop.

    Stops before requesting a URL starting with `stop_at` (the app's callback URL, which need not exist).
    """
    hops: list[Hop] = []
    with httpx.Client(timeout=30, follow_redirects=False) as http:
        for _ in range(max_hops):
            if stop_at and url.startswith(stop_at):
                return hops, None
            response = http.get(url)
            location = response.headers.get("location")
            hops.append(Hop(url, response.status_code, location))
            if not response.is_redirect or not location:
                return hops, response
            url = str(httpx.URL(url).join(location))
    raise AssertionError(f"too many redirects: {hops}")


def connect_oauth(composio, config_id: str, *, user_id: str = "user-1", callback_url: str | None = None):
    """initiate + follow the redirect URL to the end; returns (request, final hop URL)."""
    request = composio.connected_accounts.initiate(
        user_id, config_id, callback_url=callback_url, allow_multiple=True
    )
    hops, _ = follow(request.redirect_url, stop_at=callback_url)
    return request, hops


def connect_sandbox_account(api, provider, *, lifetime: float = 3600) -> str:
    """An ACTIVE OAuth 2 account at the sandbox `provider` whose first token lives `lifetime` seconds.

    The provider's later tokens live an hour and its counters start at zero, so a test counts only
    the refreshes it causes.
    """
    from composio import Composio

    provider.providers.oauth2.configure(access_token_lifetime=lifetime)
    sdk = Composio(api_key=api.api_key, base_url=str(api.base_url))
    request, _ = connect_oauth(sdk, oauth_config(api, sandbox_url=provider.url))
    assert request.wait_for_connection(timeout=10).status == "ACTIVE"
    provider.providers.oauth2.configure(access_token_lifetime=3600)
    provider.providers.oauth2.stats.reset()
    return request.id
