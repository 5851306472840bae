"""SSRF: every way a project key could make the server call an address it must not (issue 8, finding 1).

A dedicated server per database allows exactly the emulators it needs and
one "redirector" (allowed, answering a redirect to the trap) on loopback.
Trap listeners on 127.0.0.1 and ::1 count every connection: whatever a
vector tries, through any spelling of a loopback or metadata address, a
redirect or DNS rebinding, they stay at zero.
"""

from __future__ import annotations

import os
import socket
import tempfile
from pathlib import Path

import httpx
import pytest
from aiohttp.abc import AbstractResolver

from tests.support.app import database_url_for, egress_allowed, make_settings
from tests.support.listeners import Listener, twin_listeners
from tests.support.oauth import SANDBOX_CLIENT, V3, query_of
from tests.support.servers import ThreadedServer, _free_port
from valetkey.net.sync import guarded_client
from valetkey.net.upstream import UpstreamClient

# Names only the test resolvers know: a public-looking name for loopback, and one that rebinds.
TRAP_NAME = "trap.egress.test"
REBIND_NAME = "rebind.egress.test"


@pytest.fixture(scope="module")
def trap():
    v4, v6 = twin_listeners("127.0.0.1", "::1")
    yield v4, v6
    v4.close()
    v6.close()


def spellings(port: int) -> list[str]:
    """Base URLs that all mean a loopback (or metadata) address."""
    return [
        f"http://127.0.0.1:{port}",
        f"http://localhost:{port}",
        f"http://0.0.0.0:{port}",
        f"http://0x7f.0.0.1:{port}",
        f"http://2130706433:{port}",
        f"http://0177.0.0.1:{port}",
        f"http://127.1:{port}",
        f"http://[::1]:{port}",
        f"http://[::ffff:127.0.0.1]:{port}",
        f"http://{TRAP_NAME}:{port}",
        "http://169.254.169.254",
        "http://[::ffff:169.254.169.254]",
    ]


class NamedResolver(AbstractResolver):
    """The real resolver, except for the test names: TRAP_NAME is 127.0.0.1; REBIND_NAME answers
    `first` once, then `later` (a DNS server rebinding the name between a check and the connect)."""

    def __init__(self, first: str, later: str):
        self.first, self.later, self.rebind_calls = first, later, 0
        self._real: AbstractResolver | None = None  # made in the server's event loop, on first use

    async def resolve(self, host, port=0, family=socket.AF_INET):
        if host == TRAP_NAME:
            return [_result(host, "127.0.0.1", port)]
        if host == REBIND_NAME:
            self.rebind_calls += 1
            return [_result(host, self.first if self.rebind_calls == 1 else self.later, port)]
        if self._real is None:
            from aiohttp.resolver import DefaultResolver

            self._real = DefaultResolver()
        return await self._real.resolve(host, port, family)

    async def close(self):
        if self._real is not None:
            await self._real.close()


def _result(host: str, address: str, port: int) -> dict:
    return {"hostname": host, "host": address, "port": port, "family": socket.AF_INET, "proto": 0, "flags": 0}


def named_getaddrinfo(host, port, *args, **kwargs):
    if host == TRAP_NAME:
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
    return socket.getaddrinfo(host, port, *args, **kwargs)


class Counting:
    """ASGI wrapper counting requests that carry the self-SSRF probe marker."""

    def __init__(self, app):
        self.app, self.probes = app, 0

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and b"probe=self" in scope.get("query_string", b""):
            self.probes += 1
        await self.app(scope, receive, send)

    def __getattr__(self, name):
        return getattr(self.app, name)


@pytest.fixture(scope="module")
def guarded(backend, toolkits_dir, upstream, sandbox, trap, request):
    from valetkey.api.app import create_app

    redirector = Listener(
        "127.0.0.1", status="307 Temporary Redirect", headers={"Location": trap[0].url + "/x"}
    )
    allowed, refused = twin_listeners("127.0.0.2", "127.0.0.3")
    port = _free_port()
    settings = make_settings(
        Path(tempfile.mkdtemp(prefix="valetkey-home-")),
        database_url_for(backend, request),
        port,
        [toolkits_dir],
        egress_allow=(
            *egress_allowed(upstream.url, sandbox.url, redirector.url),
            f"127.0.0.2:{allowed.port}",
        ),
    )
    app = Counting(create_app(settings))
    threaded = ThreadedServer(app, port=port).start()
    state = app.app.state.valetkey
    resolver = NamedResolver("127.0.0.2", "127.0.0.3")
    state.http = UpstreamClient(timeout=5, egress=state.egress, resolver=resolver)
    state.oauth_http = guarded_client(state.egress, timeout=5, resolve=named_getaddrinfo)
    yield {
        "url": threaded.url,
        "app": app,
        "state": state,
        "resolver": resolver,
        "redirector": redirector,
        "allowed": allowed,
        "refused": refused,
    }
    threaded.stop()
    for listener in (redirector, allowed, refused):
        listener.close()


@pytest.fixture
def api(guarded):
    from valetkey.tenancy import service

    with guarded["state"].db.session() as db:
        org, _ = service.create_org(db, "org-egress-" + os.urandom(4).hex())
        project = service.create_project(db, org.id, "egress")
        key = service.create_project_key(db, project.id)
        api_key = key.key
    with httpx.Client(base_url=guarded["url"], headers={"x-api-key": api_key}, timeout=30) as c:
        yield c


def execute(api, slug: str = "KEYED_WHOAMI", **body) -> dict:
    r = api.post(f"{V3}/tools/execute/{slug}", json={"arguments": {}, **body})
    assert r.status_code == 200, r.text
    return r.json()


def assert_refused(result: dict) -> None:
    assert result["successful"] is False, result
    assert "VALETKEY_EGRESS_ALLOW" in result["error"], result["error"]


def refused_at_config(r: httpx.Response, base: str) -> bool:
    """True when a configured URL was refused at once (IP literals, localhost); names are judged when called."""
    if TRAP_NAME in base:
        assert r.status_code == 201, r.text
        return False
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert error["slug"] == "EgressRefused" and "VALETKEY_EGRESS_ALLOW" in error["message"], error
    return True


def key_config(api, **credentials) -> httpx.Response:
    return api.post(
        f"{V3}/auth_configs",
        json={
            "toolkit": {"slug": "keyed"},
            "auth_config": {"type": "use_custom_auth", "auth_scheme": "API_KEY", "credentials": credentials},
        },
    )


def connect_key(api, config_id: str, user_id: str, **val) -> httpx.Response:
    return api.post(
        f"{V3}/connected_accounts",
        json={
            "auth_config": {"id": config_id},
            "connection": {
                "user_id": user_id,
                "state": {"authScheme": "API_KEY", "val": {"api_key": "k", **val}},
            },
        },
    )


def test_the_emulators_the_server_allows_still_answer(api, upstream):
    result = execute(api, custom_connection_data={"authScheme": "API_KEY", "val": {"api_key": "inline"}})
    assert result["successful"], result


def test_execute_custom_connection_data_base_url(api, trap):
    for base in spellings(trap[0].port):
        result = execute(
            api, custom_connection_data={"authScheme": "API_KEY", "val": {"api_key": "k", "base_url": base}}
        )
        assert_refused(result)
    assert (trap[0].hits, trap[1].hits) == (0, 0)


def test_execute_custom_auth_params_base_url(api, trap):
    for base in spellings(trap[0].port):
        assert_refused(execute(api, custom_auth_params={"base_url": base, "parameters": []}))
    assert (trap[0].hits, trap[1].hits) == (0, 0)


def test_auth_config_base_url(api, trap):
    for index, base in enumerate(spellings(trap[0].port)):
        r = key_config(api, base_url=base)
        if refused_at_config(r, base):
            continue
        assert connect_key(api, r.json()["auth_config"]["id"], f"config-user-{index}").status_code == 201
        assert_refused(execute(api, user_id=f"config-user-{index}"))
    assert (trap[0].hits, trap[1].hits) == (0, 0)


def test_auth_config_update_base_url(api, trap):
    r = key_config(api)
    assert r.status_code == 201, r.text
    config_id = r.json()["auth_config"]["id"]
    for base in spellings(trap[0].port):
        patched = api.patch(
            f"{V3}/auth_configs/{config_id}", json={"type": "custom", "credentials": {"base_url": base}}
        )
        if TRAP_NAME not in base:
            assert patched.status_code == 400 and patched.json()["error"]["slug"] == "EgressRefused", (
                patched.text
            )


def test_account_state_base_url(api, trap):
    r = key_config(api)
    assert r.status_code == 201, r.text
    config_id = r.json()["auth_config"]["id"]
    for index, base in enumerate(spellings(trap[0].port)):
        if refused_at_config(connect_key(api, config_id, f"state-user-{index}", base_url=base), base):
            continue
        assert_refused(execute(api, user_id=f"state-user-{index}"))
    assert (trap[0].hits, trap[1].hits) == (0, 0)


def test_proxy_custom_connection_data(api, trap):
    for base in spellings(trap[0].port):
        r = api.post(
            f"{V3}/tools/execute/proxy",
            json={
                "endpoint": "/latest/meta-data",
                "method": "GET",
                "custom_connection_data": {
                    "authScheme": "API_KEY",
                    "toolkitSlug": "keyed",
                    "val": {"api_key": "k", "base_url": base},
                },
            },
        )
        assert r.status_code == 400, r.text
        error = r.json()["error"]
        assert error["slug"] == "EgressRefused" and "VALETKEY_EGRESS_ALLOW" in error["message"]
    assert (trap[0].hits, trap[1].hits) == (0, 0)


def test_a_base_url_of_valetkey_itself_cannot_read_the_project(api, guarded):
    api_key = api.headers["x-api-key"]
    for base in (guarded["url"], guarded["url"].replace("127.0.0.1", "localhost")):
        r = api.post(
            f"{V3}/tools/execute/proxy",
            json={
                "endpoint": f"{base}{V3}/auth_configs?probe=self",
                "method": "GET",
                "parameters": [{"name": "x-api-key", "value": api_key, "type": "header"}],
                "custom_connection_data": {
                    "authScheme": "API_KEY",
                    "toolkitSlug": "keyed",
                    "val": {"api_key": "k", "base_url": base},
                },
            },
        )
        assert r.status_code == 400 and r.json()["error"]["slug"] == "EgressRefused", r.text
    assert guarded["app"].probes == 0


def test_oauth_token_url_blind_post(api, guarded, trap, sandbox):
    for index, base in enumerate(spellings(trap[0].port)):
        r = api.post(
            f"{V3}/auth_configs",
            json={
                "toolkit": {"slug": "oauthdemo"},
                "auth_config": {
                    "type": "use_custom_auth",
                    "auth_scheme": "OAUTH2",
                    "credentials": {**SANDBOX_CLIENT, "token_url": f"{base}/token"},
                },
            },
        )
        if refused_at_config(r, base):
            continue
        r = api.post(
            f"{V3}/connected_accounts",
            json={
                "auth_config": {"id": r.json()["auth_config"]["id"]},
                "connection": {"user_id": f"oauth-{index}"},
            },
        )
        assert r.status_code == 201, r.text
        account_id = r.json()["id"]
        state = query_of(r.json()["redirect_url"])["state"]
        page = api.get(f"{V3}/toolkits/auth/callback", params={"state": state, "code": "c"})
        assert page.status_code == 400, page.text
        account = api.get(f"{V3}/connected_accounts/{account_id}").json()
        reason = account["status_reason"]
        # httpx itself refuses to parse 0177.0.0.1; every other spelling meets the policy.
        assert account["status"] == "FAILED" and (
            "egress_refused" in reason or "not a valid URL" in reason
        ), reason
    assert (trap[0].hits, trap[1].hits) == (0, 0)


def test_a_redirect_from_an_allowed_host_is_not_followed(api, guarded, trap):
    redirector = guarded["redirector"]
    before = redirector.hits
    result = execute(api, custom_auth_params={"base_url": redirector.url, "parameters": []})
    assert redirector.hits == before + 1
    assert trap[0].hits == 0, "the redirect to the trap was followed"
    assert result["data"].get("status_code") in (None, 307) or result["successful"] is False
    # The OAuth token client does not follow one either.
    client = guarded["state"].oauth_http
    assert client.post(redirector.url + "/token", data={"code": "c"}).status_code == 307
    assert trap[0].hits == 0


def test_dns_rebinding_between_check_and_connect(api, guarded):
    """The resolver answers the allowed 127.0.0.2 once, then the refused 127.0.0.3: one resolution is
    both checked and connected to, so the second answer is never reached without being judged."""
    allowed, refused, resolver = guarded["allowed"], guarded["refused"], guarded["resolver"]
    base = f"http://{REBIND_NAME}:{allowed.port}"
    first = execute(api, custom_auth_params={"base_url": base, "parameters": []})
    assert allowed.hits == 1 and refused.hits == 0, first
    assert resolver.rebind_calls == 1
    # Once the cached answer is gone (the listener closed the connection), the name is resolved
    # again: the rebound answer is judged and refused.
    guarded["state"].http._session.connector.clear_dns_cache()
    assert_refused(execute(api, custom_auth_params={"base_url": base, "parameters": []}))
    assert resolver.rebind_calls == 2
    assert refused.hits == 0


def test_caller_set_host_and_hop_by_hop_headers_are_refused(api):
    for name in ("Host", "Content-Length", "Transfer-Encoding", "Connection", "Proxy-Authorization", "TE"):
        r = api.post(
            f"{V3}/tools/execute/proxy",
            json={
                "endpoint": "/echo/x",
                "method": "GET",
                "parameters": [{"name": name, "value": "evil.test", "type": "header"}],
                "custom_connection_data": {
                    "authScheme": "API_KEY",
                    "toolkitSlug": "keyed",
                    "val": {"api_key": "k"},
                },
            },
        )
        assert r.status_code == 400 and name.lower() in r.text.lower(), r.text
        r = api.post(
            f"{V3}/tools/execute/KEYED_WHOAMI",
            json={
                "arguments": {},
                "custom_auth_params": {"parameters": [{"name": name, "value": "x", "in": "header"}]},
            },
        )
        assert r.status_code == 400, r.text
