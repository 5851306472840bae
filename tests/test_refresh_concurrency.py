"""Single-flight refresh: many concurrent executions on an expired token, exactly one refresh upstream.

The provider is slowed down on refresh (300 ms), which keeps the race window
wide open: every execution notices the expired token before the first
refresh finishes. Counted at the sandbox, the only honest place to count.
"""

from __future__ import annotations

import asyncio
import base64
import os
import time

import httpx
import pytest

from tests.support.app import PROVIDER_PORT, database_url_for, start_server
from tests.support.oauth import V3, connect_oauth, oauth_config
from tests.support.sandbox import start_sandbox

CONCURRENCY = 50


@pytest.fixture
def provider():
    threaded, running = start_sandbox(port=PROVIDER_PORT)  # the port test servers may call
    yield running
    threaded.stop()


def expired_account(server_url: str, api_key: str, provider) -> str:
    """Connect through `provider` with a 1-second token and wait until it has expired."""
    from composio import Composio

    oauth2 = provider.providers.oauth2
    oauth2.configure(access_token_lifetime=1)
    with httpx.Client(base_url=server_url, headers={"x-api-key": api_key}, timeout=30) as api:
        config_id = oauth_config(api, sandbox_url=provider.url)
    request, _ = connect_oauth(Composio(api_key=api_key, base_url=server_url), config_id)
    assert request.wait_for_connection(timeout=10).status == "ACTIVE"
    oauth2.configure(access_token_lifetime=3600)
    time.sleep(1.2)
    oauth2.stats.reset()
    oauth2.fail_next("slow", 1, grant_type="refresh_token", delay_ms=300)
    return request.id


async def _execute_many(targets: list[tuple[str, str]], account_id: str) -> list[dict]:
    """POST one execution per (server_url, api_key) entry, all at once."""

    async def one(http: httpx.AsyncClient, url: str, key: str) -> dict:
        r = await http.post(
            f"{url}{V3}/tools/execute/OAUTHDEMO_WHOAMI",
            headers={"x-api-key": key},
            json={"connected_account_id": account_id, "arguments": {}},
        )
        assert r.status_code == 200, r.text
        return r.json()

    limits = httpx.Limits(max_connections=CONCURRENCY * 2)
    async with httpx.AsyncClient(timeout=60, limits=limits) as http:
        return await asyncio.gather(*(one(http, url, key) for url, key in targets))


@pytest.fixture
def quiet_server(backend, toolkits_dir, request):
    """A server without the background refresh sweep: on a slow machine the sweep could renew the
    1-second token before the executions do, and the test would count no refresh."""
    threaded, running = start_server(
        database_url_for(backend, request), catalog_dirs=[toolkits_dir], refresh_interval=0
    )
    yield running
    threaded.stop()


def test_fifty_concurrent_executions_on_an_expired_token_refresh_once(quiet_server, provider):
    server = quiet_server
    project = server.new_project()
    account_id = expired_account(server.url, project.api_key, provider)
    started = time.perf_counter()
    results = asyncio.run(_execute_many([(server.url, project.api_key)] * CONCURRENCY, account_id))
    print(f"{CONCURRENCY} concurrent executions took {time.perf_counter() - started:.2f}s")
    started = time.perf_counter()
    asyncio.run(_execute_many([(server.url, project.api_key)] * CONCURRENCY, account_id))
    print(f"again, fresh token: {time.perf_counter() - started:.2f}s")
    assert all(r["successful"] for r in results), [r for r in results if not r["successful"]][:3]
    stats = provider.providers.oauth2.stats
    assert stats.refreshes == 1, stats.as_dict()
    assert stats.token_requests == 1  # no second attempt, failed or not


def test_two_processes_on_one_database_refresh_once(backend, toolkits_dir, request, provider):
    """Two server instances (separate engines, pools and in-process locks) sharing one database."""
    url = database_url_for(backend, request)
    keyring = "ktwoproc:" + base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip(
        "="
    )  # one keyring, as in production
    first_thread, first = start_server(
        url, catalog_dirs=[toolkits_dir], refresh_interval=0, encryption_keys=keyring
    )
    second_thread, second = start_server(
        url, catalog_dirs=[toolkits_dir], refresh_interval=0, encryption_keys=keyring
    )
    try:
        keys = first.new_project()
        account_id = expired_account(first.url, keys.api_key, provider)
        half = CONCURRENCY // 2
        targets = [(first.url, keys.api_key)] * half + [(second.url, keys.api_key)] * half
        results = asyncio.run(_execute_many(targets, account_id))
        assert all(r["successful"] for r in results), [r for r in results if not r["successful"]][:3]
        assert provider.providers.oauth2.stats.refreshes == 1, provider.providers.oauth2.stats.as_dict()
    finally:
        first_thread.stop()
        second_thread.stop()
