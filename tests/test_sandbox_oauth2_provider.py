"""OAuth2Provider as a library: per-app quirks as data, custom mounting, expiry and thread safety."""

from __future__ import annotations

import secrets
import threading
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs, parse_qsl, urlsplit

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.support.servers import ThreadedServer
from valetkey.sandbox import (
    OAuth2Client,
    OAuth2Config,
    OAuth2Error,
    OAuth2Paths,
    OAuth2Provider,
    bearer_challenge,
    grant_for_request,
    oauth2_routes,
)
from valetkey.sandbox.oauth2_checks import s256_challenge

REDIRECT = "https://agent.example/callback"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def make_provider(**config) -> OAuth2Provider:
    provider = OAuth2Provider(OAuth2Config(**config), clock=FakeClock())
    provider.register_client(OAuth2Client("app", "app-secret", redirect_uris=(REDIRECT,)))
    return provider


def code_for(provider: OAuth2Provider, verifier: str | None = None, **params) -> str:
    request = {"response_type": "code", "client_id": "app", "redirect_uri": REDIRECT, "scope": "a b"} | params
    if verifier:
        request |= {"code_challenge": s256_challenge(verifier), "code_challenge_method": "S256"}
    location = provider.authorization_request(request)
    return parse_qs(urlsplit(location).query)["code"][0]


def exchange(provider, code, verifier=None, **form):
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "client_id": "app",
        "client_secret": "app-secret",
    } | form
    if verifier:
        data["code_verifier"] = verifier
    return provider.token_request(data)


def refresh(provider, token):
    return provider.token_request(
        {
            "grant_type": "refresh_token",
            "refresh_token": token,
            "client_id": "app",
            "client_secret": "app-secret",
        }
    )


def test_s256_challenge_matches_rfc7636_appendix_b():
    assert (
        s256_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
        == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    )


def test_access_token_expiry_follows_the_clock():
    clock = FakeClock()
    provider = OAuth2Provider(OAuth2Config(access_token_lifetime=30), clock=clock)
    provider.register_client(OAuth2Client("app", "app-secret", redirect_uris=(REDIRECT,)))
    body = exchange(provider, code_for(provider))
    grant = provider.validate_access_token(body["access_token"])
    assert grant.expires_at == clock.now + 30
    clock.now += 29.9
    assert provider.validate_access_token(body["access_token"]) is not None
    clock.now += 0.1
    assert provider.validate_access_token(body["access_token"]) is None


def test_refresh_token_lifetime():
    clock = FakeClock()
    provider = OAuth2Provider(OAuth2Config(refresh_token_lifetime=100), clock=clock)
    provider.register_client(OAuth2Client("app", "app-secret", redirect_uris=(REDIRECT,)))
    body = exchange(provider, code_for(provider))
    clock.now += 100
    with pytest.raises(OAuth2Error) as error:
        refresh(provider, body["refresh_token"])
    assert error.value.error == "invalid_grant"


def test_quirks_slack_like_response():
    def authed_user(grant):
        return {"id": grant.subject, "scope": "chat:write"}

    provider = make_provider(
        scope_separator=",",
        token_type="bot",
        access_token_lifetime=None,
        issue_refresh_tokens=False,
        access_token_prefix="xoxb-",
        extra_token_fields={"ok": True, "authed_user": authed_user},
    )
    body = exchange(provider, code_for(provider, scope="chat:write,channels:read"))
    assert body["access_token"].startswith("xoxb-")
    assert body["token_type"] == "bot"
    assert body["scope"] == "chat:write,channels:read"
    assert "expires_in" not in body and "refresh_token" not in body
    assert body["ok"] is True and body["authed_user"] == {"id": "sandbox-user", "scope": "chat:write"}
    grant = provider.validate_access_token(body["access_token"])
    assert grant.scopes == ("chat:write", "channels:read") and grant.expires_at is None


def test_client_auth_methods_are_enforced():
    provider = make_provider(client_auth_methods=("client_secret_basic",))
    with pytest.raises(OAuth2Error) as error:
        exchange(provider, code_for(provider))
    assert error.value.error == "invalid_client" and error.value.status == 401
    basic = httpx.BasicAuth("app", "app-secret")._auth_header
    body = provider.token_request(
        {"grant_type": "authorization_code", "code": code_for(provider), "redirect_uri": REDIRECT}, basic
    )
    assert body["access_token"]


def test_basic_credentials_are_form_decoded():
    provider = make_provider()
    provider.register_client(OAuth2Client("a b", "s:e&c+r", redirect_uris=(REDIRECT,)))
    code = code_for(provider, client_id="a b")
    header = httpx.BasicAuth("a+b", "s%3Ae%26c%2Br")._auth_header  # RFC 6749 §2.3.1 encoding
    body = provider.token_request(
        {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}, header
    )
    assert body["access_token"]


def test_plain_pkce_and_require_pkce():
    provider = make_provider(require_pkce=True)
    location = provider.authorization_request(
        {"response_type": "code", "client_id": "app", "redirect_uri": REDIRECT}
    )
    assert "error=invalid_request" in location
    verifier = secrets.token_urlsafe(50)
    location = provider.authorization_request(
        {"response_type": "code", "client_id": "app", "redirect_uri": REDIRECT, "code_challenge": verifier}
    )
    code = parse_qs(urlsplit(location).query)["code"][0]
    assert exchange(provider, code, verifier)["access_token"]
    provider.configure(pkce_methods=("S256",))
    location = provider.authorization_request(
        {"response_type": "code", "client_id": "app", "redirect_uri": REDIRECT, "code_challenge": verifier}
    )
    assert "error=invalid_request" in location


def test_issue_tokens_without_a_flow_and_revoke_token():
    provider = make_provider()
    body = provider.issue_tokens("app", "bob", ("repo",))
    assert provider.validate_access_token(body["access_token"]).subject == "bob"
    assert provider.revoke_token(body["refresh_token"]) is True
    assert provider.validate_access_token(body["access_token"]) is None
    assert provider.validate_access_token(None) is None and provider.validate_access_token("") is None


def test_config_is_validated():
    with pytest.raises(ValueError):
        OAuth2Config(token_response_format="xml")
    with pytest.raises(ValueError):
        OAuth2Config(access_token_lifetime=0)
    with pytest.raises(ValueError):
        make_provider().fail_next("explode")


def test_many_concurrent_refreshes_are_counted_and_unique():
    provider = make_provider()
    starts = [exchange(provider, code_for(provider))["refresh_token"] for _ in range(16)]
    seen: list[str] = []
    lock = threading.Lock()

    def chain(token: str) -> str:
        for _ in range(25):
            body = refresh(provider, token)
            token = body["refresh_token"]
            with lock:
                seen.append(body["access_token"])
        return token

    with ThreadPoolExecutor(16) as pool:
        finals = list(pool.map(chain, starts))
    assert provider.stats.refreshes == 16 * 25
    assert provider.stats.token_errors == 0
    assert len(set(seen)) == len(seen) == 400
    assert all(provider.validate_access_token(token) for token in seen)
    assert len(set(finals)) == 16


def test_racing_refreshes_of_one_token_succeed_exactly_once():
    provider = make_provider()
    token = exchange(provider, code_for(provider))["refresh_token"]
    barrier = threading.Barrier(24)

    def attempt(_) -> bool:
        barrier.wait()
        try:
            refresh(provider, token)
            return True
        except OAuth2Error:
            return False

    with ThreadPoolExecutor(24) as pool:
        results = list(pool.map(attempt, range(24)))
    assert results.count(True) == 1
    assert provider.stats.refreshes == 1 and provider.stats.reuse_detections == 23


# -- mounting at an app's own paths, over HTTP --------------------------------------------


@pytest.fixture(scope="module")
def app_emulator():
    """A GitHub-like app: OAuth at GitHub's paths, form-encoded tokens unless JSON is asked for,
    and an API route guarded by bearer tokens."""
    provider = OAuth2Provider(
        OAuth2Config(
            token_response_format="negotiate",
            token_type="bearer",
            scope_separator=",",
            access_token_lifetime=None,
            issue_refresh_tokens=False,
            access_token_prefix="gho_",
        )
    )
    provider.register_client(OAuth2Client("gh-app", "gh-secret", allow_loopback_redirects=True))

    async def user(request: Request):
        grant = grant_for_request(provider, request)
        if grant is None:
            return bearer_challenge("invalid_token", "bad credentials")
        if not grant.has_scopes("read:user"):
            return bearer_challenge("insufficient_scope", "needs read:user", scope="read:user")
        return JSONResponse({"login": grant.subject})

    routes = oauth2_routes(
        provider,
        paths=OAuth2Paths(
            authorize="/login/oauth/authorize",
            token="/login/oauth/access_token",
            revoke=None,
            userinfo=None,
        ),
    )
    routes.append(Route("/api/user", user))
    server = ThreadedServer(Starlette(routes=routes)).start()
    yield server.url, provider
    server.stop()


def test_custom_paths_quirky_format_and_bearer_guard(app_emulator):
    url, provider = app_emulator
    redirect = "http://127.0.0.1:9999/cb"
    with httpx.Client(base_url=url, follow_redirects=False) as http:
        assert http.get("/oauth2/authorize").status_code == 404
        params = {
            "response_type": "code",
            "client_id": "gh-app",
            "redirect_uri": redirect,
            "scope": "repo,read:user",
            "state": "abc",
        }
        location = http.get("/login/oauth/authorize", params=params).headers["location"]
        query = parse_qs(urlsplit(location).query)
        assert query["state"] == ["abc"]
        data = {
            "grant_type": "authorization_code",
            "code": query["code"][0],
            "redirect_uri": redirect,
            "client_id": "gh-app",
            "client_secret": "gh-secret",
        }
        response = http.post("/login/oauth/access_token", data=data)
        assert response.headers["content-type"].startswith("application/x-www-form-urlencoded")
        body = dict(parse_qsl(response.text))
        assert body["token_type"] == "bearer" and body["scope"] == "repo,read:user"
        assert body["access_token"].startswith("gho_") and "expires_in" not in body

        assert http.get("/api/user", headers={"Authorization": f"Bearer {body['access_token']}"}).json() == {
            "login": "sandbox-user"
        }
        denied = http.get("/api/user", headers={"Authorization": "Bearer nope"})
        assert denied.status_code == 401 and 'error="invalid_token"' in denied.headers["www-authenticate"]

        narrow = provider.issue_tokens("gh-app", "eve", ("repo",))["access_token"]
        forbidden = http.get("/api/user", headers={"Authorization": f"Bearer {narrow}"})
        assert forbidden.status_code == 403 and 'scope="read:user"' in forbidden.headers["www-authenticate"]

        # JSON when asked for; errors follow the same format
        data["code"] = "used-or-unknown"
        error = http.post("/login/oauth/access_token", data=data, headers={"Accept": "application/json"})
        assert error.status_code == 400 and error.json()["error"] == "invalid_grant"


def test_racing_refreshes_over_http(sandbox_http):
    http, provider = sandbox_http
    provider.register_client(OAuth2Client("race", "race-secret", allow_loopback_redirects=True))
    token = provider.issue_tokens("race", "u", ("read",))["refresh_token"]
    data = {
        "grant_type": "refresh_token",
        "refresh_token": token,
        "client_id": "race",
        "client_secret": "race-secret",
    }
    before = provider.stats.refreshes
    with ThreadPoolExecutor(12) as pool:
        statuses = list(pool.map(lambda _: http.post("/oauth2/token", data=data).status_code, range(12)))
    assert sorted(statuses) == [200] + [400] * 11
    assert provider.stats.refreshes - before == 1


@pytest.fixture
def sandbox_http():
    from valetkey.sandbox import create_sandbox_app

    app = create_sandbox_app()
    server = ThreadedServer(app).start()
    with httpx.Client(base_url=server.url, timeout=10) as http:
        yield http, app.state.sandbox.oauth2
    server.stop()
