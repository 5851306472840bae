"""The generic OAuth 2.0 sandbox provider over real HTTP: the authorization code flow end to end."""

from __future__ import annotations

import base64
import secrets
import time
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.support.servers import ThreadedServer
from valetkey.sandbox import OAuth2Client, create_sandbox_app
from valetkey.sandbox.oauth2_checks import s256_challenge

REDIRECT = "http://127.0.0.1:8765/callback"


@pytest.fixture(scope="module")
def sandbox_server():
    app = create_sandbox_app()
    server = ThreadedServer(app).start()
    yield server, app.state.sandbox
    server.stop()


@pytest.fixture
def sandbox(sandbox_server):
    _, state = sandbox_server
    state.oauth2.reset()
    state.oauth2.configure(
        access_token_lifetime=3600.0, rotate_refresh_tokens=True, refresh_reuse_revokes_grant=False
    )
    return state


@pytest.fixture
def http(sandbox_server, sandbox):
    server, _ = sandbox_server
    with httpx.Client(base_url=server.url, timeout=10, follow_redirects=False) as client:
        yield client


def authorize(
    http, *, client_id="sandbox-client", redirect_uri=REDIRECT, verifier=None, **extra
) -> httpx.Response:
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "scope": "read write",
        "state": "st-" + secrets.token_hex(4),
    }
    if verifier is not None:
        params |= {"code_challenge": s256_challenge(verifier), "code_challenge_method": "S256"}
    params |= extra
    return http.get("/oauth2/authorize", params={k: v for k, v in params.items() if v is not None})


def callback_params(response: httpx.Response, redirect_uri=REDIRECT) -> dict[str, str]:
    assert response.status_code == 302, response.text
    location = response.headers["location"]
    assert location.startswith(redirect_uri + "?")
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def new_verifier() -> str:
    return secrets.token_urlsafe(48)


def get_code(http, verifier, **extra) -> str:
    return callback_params(authorize(http, verifier=verifier, **extra))["code"]


def token(http, data: dict, *, secret="sandbox-secret", client_id="sandbox-client") -> httpx.Response:
    body = {"client_id": client_id, **data}
    if secret is not None:
        body["client_secret"] = secret
    return http.post("/oauth2/token", data=body)


def exchange(http, code, verifier, **overrides) -> httpx.Response:
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "code_verifier": verifier,
    }
    data |= overrides
    return token(http, {k: v for k, v in data.items() if v is not None})


def refresh(http, refresh_token) -> httpx.Response:
    return token(http, {"grant_type": "refresh_token", "refresh_token": refresh_token})


def tokens_for(http) -> dict:
    verifier = new_verifier()
    response = exchange(http, get_code(http, verifier), verifier)
    assert response.status_code == 200, response.text
    return response.json()


def assert_oauth_error(response: httpx.Response, error: str, status: int = 400) -> None:
    assert response.status_code == status, response.text
    assert response.json()["error"] == error
    assert response.headers["cache-control"] == "no-store"


def test_full_authorization_code_flow(http, sandbox):
    verifier = new_verifier()
    response = authorize(http, verifier=verifier, state="xyz-123")
    params = callback_params(response)
    assert params["state"] == "xyz-123"

    response = exchange(http, params["code"], verifier)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert body["scope"] == "read write"
    assert body["access_token"] != body["refresh_token"]

    me = http.get("/oauth2/userinfo", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.json() == {"sub": "sandbox-user", "client_id": "sandbox-client", "scope": "read write"}
    grant = sandbox.oauth2.validate_access_token(body["access_token"])
    assert (
        grant.subject == "sandbox-user"
        and grant.has_scopes("read", "write")
        and not grant.has_scopes("admin")
    )
    assert sandbox.oauth2.stats.code_exchanges == 1


def test_subject_is_selectable_and_default_scopes_apply(http):
    verifier = new_verifier()
    code = get_code(http, verifier, sandbox_user="alice", scope=None)
    body = exchange(http, code, verifier).json()
    assert body["scope"] == "read"
    me = http.get("/oauth2/userinfo", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.json()["sub"] == "alice"


def test_redirect_keeps_existing_query(http):
    redirect = REDIRECT + "?tenant=t1"
    response = authorize(http, redirect_uri=redirect, state="s")
    query = parse_qs(urlsplit(response.headers["location"]).query)
    assert query["tenant"] == ["t1"] and query["state"] == ["s"] and query["code"]


def test_wrong_pkce_verifier_fails(http):
    code = get_code(http, new_verifier())
    assert_oauth_error(exchange(http, code, new_verifier()), "invalid_grant")


def test_missing_verifier_when_challenge_was_sent_fails(http):
    code = get_code(http, new_verifier())
    assert_oauth_error(exchange(http, code, None), "invalid_grant")


def test_verifier_without_challenge_fails(http):
    code = callback_params(authorize(http))["code"]
    assert_oauth_error(exchange(http, code, new_verifier()), "invalid_grant")


def test_plain_flow_without_pkce_works_for_confidential_client(http):
    code = callback_params(authorize(http))["code"]
    assert exchange(http, code, None).status_code == 200


def test_code_reuse_fails_and_revokes_its_tokens(http, sandbox):
    verifier = new_verifier()
    code = get_code(http, verifier)
    first = exchange(http, code, verifier).json()
    assert_oauth_error(exchange(http, code, verifier), "invalid_grant")
    assert sandbox.oauth2.validate_access_token(first["access_token"]) is None
    assert_oauth_error(refresh(http, first["refresh_token"]), "invalid_grant")
    assert sandbox.oauth2.stats.reuse_detections == 1


def test_expired_code_fails(http, sandbox):
    sandbox.oauth2.configure(code_lifetime=0.05)
    try:
        verifier = new_verifier()
        code = get_code(http, verifier)
        time.sleep(0.1)
        assert_oauth_error(exchange(http, code, verifier), "invalid_grant")
    finally:
        sandbox.oauth2.configure(code_lifetime=60.0)


def test_redirect_uri_mismatch_at_token_fails(http):
    verifier = new_verifier()
    code = get_code(http, verifier)
    assert_oauth_error(exchange(http, code, verifier, redirect_uri=REDIRECT + "/"), "invalid_grant")


def test_missing_redirect_uri_at_token_fails(http):
    verifier = new_verifier()
    code = get_code(http, verifier)
    assert_oauth_error(exchange(http, code, verifier, redirect_uri=None), "invalid_grant")


def test_registered_clients_match_redirect_uris_exactly(http, sandbox):
    sandbox.oauth2.register_client(
        OAuth2Client("exact", "exact-secret", redirect_uris=("https://app.example/cb",))
    )
    ok = authorize(http, client_id="exact", redirect_uri="https://app.example/cb")
    assert callback_params(ok, "https://app.example/cb")["code"]
    for bad in ("https://app.example/cb/", "https://app.example/cb?x=1", "https://app.example/CB", REDIRECT):
        response = authorize(http, client_id="exact", redirect_uri=bad)
        assert response.status_code == 400, bad  # never redirect to an unregistered URI
        assert response.json()["error"] == "invalid_request"


def test_unknown_client_at_authorize_does_not_redirect(http):
    response = authorize(http, client_id="nobody")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_client"


def test_non_loopback_redirect_refused_for_default_client(http):
    assert authorize(http, redirect_uri="https://evil.example/cb").status_code == 400


def test_wrong_client_secret_fails(http):
    verifier = new_verifier()
    code = get_code(http, verifier)
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "code_verifier": verifier,
    }
    response = token(http, data, secret="wrong")
    assert_oauth_error(response, "invalid_client", 401)
    basic = base64.b64encode(b"sandbox-client:wrong").decode()
    response = http.post("/oauth2/token", data=data, headers={"Authorization": f"Basic {basic}"})
    assert_oauth_error(response, "invalid_client", 401)
    assert response.headers["www-authenticate"].startswith("Basic")


def test_http_basic_client_authentication(http):
    verifier = new_verifier()
    code = get_code(http, verifier)
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "code_verifier": verifier,
    }
    response = http.post("/oauth2/token", data=data, auth=("sandbox-client", "sandbox-secret"))
    assert response.status_code == 200, response.text


def test_public_client_needs_pkce_and_no_secret(http):
    assert callback_params(authorize(http, client_id="sandbox-public-client"))["error"] == "invalid_request"
    verifier = new_verifier()
    code = callback_params(authorize(http, client_id="sandbox-public-client", verifier=verifier))["code"]
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "code_verifier": verifier,
    }
    assert token(http, data, client_id="sandbox-public-client", secret=None).status_code == 200


def test_refresh_rotates_and_old_refresh_token_stops_working(http, sandbox):
    first = tokens_for(http)
    response = refresh(http, first["refresh_token"])
    assert response.status_code == 200, response.text
    second = response.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    assert_oauth_error(refresh(http, first["refresh_token"]), "invalid_grant")
    assert refresh(http, second["refresh_token"]).status_code == 200
    assert sandbox.oauth2.stats.refreshes == 2


def test_refresh_without_rotation_keeps_refresh_token(http, sandbox):
    sandbox.oauth2.configure(rotate_refresh_tokens=False)
    first = tokens_for(http)
    body = refresh(http, first["refresh_token"]).json()
    assert "refresh_token" not in body
    assert refresh(http, first["refresh_token"]).status_code == 200


def test_refresh_token_reuse_can_revoke_the_grant(http, sandbox):
    sandbox.oauth2.configure(refresh_reuse_revokes_grant=True)
    first = tokens_for(http)
    second = refresh(http, first["refresh_token"]).json()
    assert_oauth_error(refresh(http, first["refresh_token"]), "invalid_grant")
    assert_oauth_error(refresh(http, second["refresh_token"]), "invalid_grant")
    assert sandbox.oauth2.validate_access_token(second["access_token"]) is None


def test_refresh_cannot_widen_scopes(http):
    first = tokens_for(http)
    response = token(
        http, {"grant_type": "refresh_token", "refresh_token": first["refresh_token"], "scope": "admin"}
    )
    assert_oauth_error(response, "invalid_scope")
    narrowed = token(
        http, {"grant_type": "refresh_token", "refresh_token": first["refresh_token"], "scope": "read"}
    )
    assert narrowed.json()["scope"] == "read"


def test_revoke_access_and_refresh_tokens(http, sandbox):
    first = tokens_for(http)
    auth = {"client_id": "sandbox-client", "client_secret": "sandbox-secret"}
    assert http.post("/oauth2/revoke", data={**auth, "token": first["access_token"]}).status_code == 200
    me = http.get("/oauth2/userinfo", headers={"Authorization": f"Bearer {first['access_token']}"})
    assert me.status_code == 401
    assert 'error="invalid_token"' in me.headers["www-authenticate"]
    assert refresh(http, first["refresh_token"]).status_code == 200

    second = tokens_for(http)
    response = http.post(
        "/oauth2/revoke", data={**auth, "token": second["refresh_token"], "token_type_hint": "refresh_token"}
    )
    assert response.status_code == 200
    assert_oauth_error(refresh(http, second["refresh_token"]), "invalid_grant")
    assert sandbox.oauth2.validate_access_token(second["access_token"]) is None  # RFC 7009 §2.1
    # unknown tokens are not an error; unauthenticated revocation is
    assert http.post("/oauth2/revoke", data={**auth, "token": "nope"}).status_code == 200
    assert http.post("/oauth2/revoke", data={"client_id": "sandbox-client", "token": "x"}).status_code == 401
    assert sandbox.oauth2.stats.revocations == 3


def test_access_token_expires_with_tiny_lifetime(http, sandbox):
    sandbox.oauth2.configure(access_token_lifetime=0.2)
    body = tokens_for(http)
    assert body["expires_in"] == 0.2
    headers = {"Authorization": f"Bearer {body['access_token']}"}
    assert http.get("/oauth2/userinfo", headers=headers).status_code == 200
    time.sleep(0.3)
    assert http.get("/oauth2/userinfo", headers=headers).status_code == 401
    renewed = refresh(http, body["refresh_token"]).json()
    assert (
        http.get(
            "/oauth2/userinfo", headers={"Authorization": f"Bearer {renewed['access_token']}"}
        ).status_code
        == 200
    )


def test_denial_by_query_flag_and_by_fault(http, sandbox):
    params = callback_params(authorize(http, sandbox_deny="1", state="s1"))
    assert params["error"] == "access_denied" and params["state"] == "s1" and "code" not in params
    sandbox.oauth2.fail_next("deny")
    assert callback_params(authorize(http))["error"] == "access_denied"
    assert "code" in callback_params(authorize(http))
    assert sandbox.oauth2.stats.denials == 2


def test_fault_invalid_grant_on_next_refreshes_only(http, sandbox):
    first = tokens_for(http)
    sandbox.oauth2.fail_next("invalid_grant", 2, grant_type="refresh_token")
    assert_oauth_error(refresh(http, first["refresh_token"]), "invalid_grant")
    assert tokens_for(http)  # code exchanges are not affected
    assert_oauth_error(refresh(http, first["refresh_token"]), "invalid_grant")
    assert refresh(http, first["refresh_token"]).status_code == 200
    assert sandbox.oauth2.stats.faults_triggered == 2


def test_fault_server_error(http, sandbox):
    sandbox.oauth2.fail_next("server_error", status=502)
    verifier = new_verifier()
    code = get_code(http, verifier)
    response = exchange(http, code, verifier)
    assert response.status_code == 502
    assert response.json()["error"] == "server_error"


def test_fault_slow(http, sandbox):
    first = tokens_for(http)
    sandbox.oauth2.fail_next("slow", delay_ms=400, grant_type="refresh_token")
    started = time.monotonic()
    second = refresh(http, first["refresh_token"])
    assert second.status_code == 200
    assert time.monotonic() - started >= 0.4
    started = time.monotonic()
    assert refresh(http, second.json()["refresh_token"]).status_code == 200
    assert time.monotonic() - started < 0.4


def test_slow_and_failing_faults_combine(http, sandbox):
    first = tokens_for(http)
    sandbox.oauth2.fail_next("slow", delay_ms=200)
    sandbox.oauth2.fail_next("server_error", status=503)
    started = time.monotonic()
    assert refresh(http, first["refresh_token"]).status_code == 503
    assert time.monotonic() - started >= 0.2
    assert refresh(http, first["refresh_token"]).status_code == 200


def test_stats_count_exactly_one_refresh(http, sandbox):
    first = tokens_for(http)
    refresh(http, first["refresh_token"])
    stats = sandbox.oauth2.stats.as_dict()
    assert stats["refreshes"] == 1
    assert stats["token_requests"] == 2
    assert stats["code_exchanges"] == 1
    assert stats["authorizations"] == 1


def test_token_endpoint_rejects_bad_requests(http):
    assert_oauth_error(token(http, {"grant_type": "password"}), "unsupported_grant_type")
    assert_oauth_error(token(http, {}), "invalid_request")
    assert_oauth_error(token(http, {"grant_type": "authorization_code"}), "invalid_request")
    response = http.post("/oauth2/token", json={"grant_type": "refresh_token"})
    assert_oauth_error(response, "invalid_request")
    response = http.post(
        "/oauth2/token",
        content="grant_type=a&grant_type=b&client_id=sandbox-client",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert_oauth_error(response, "invalid_request")


def test_unsupported_response_type_is_redirected(http):
    assert callback_params(authorize(http, response_type="token"))["error"] == "unsupported_response_type"


def test_health(http):
    assert http.get("/health").json() == {"status": "ok"}
