"""The shared Google emulator pieces (`valetkey.sandbox.apps._google`): OAuth quirks, errors, paging."""

from __future__ import annotations

import base64
import hashlib
import secrets
from urllib.parse import parse_qs, urlsplit

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from valetkey.sandbox.apps._google import (
    GoogleApi,
    GoogleError,
    GoogleOAuth2Provider,
    google_oauth_routes,
    page_slice,
)
from valetkey.sandbox.emulator import StateStore
from valetkey.sandbox.oauth2_types import OAuth2Client

SCOPE = "https://www.googleapis.com/auth/demo"
REDIRECT = "http://127.0.0.1:9/callback"


@pytest.fixture
def provider():
    provider = GoogleOAuth2Provider()
    provider.register_client(OAuth2Client("cid", "secret", allow_loopback_redirects=True))
    return provider


@pytest.fixture
def client(provider):
    api = GoogleApi(StateStore(dict), provider, "demo.googleapis.com")

    def hello(call):
        if call.query("fail"):
            raise GoogleError(404, "Requested entity was not found.")
        return call.reply({"email": call.email, "body": call.body})

    routes = google_oauth_routes(provider) + [api.route("POST", "/demo/v1/hello", hello, scopes=(SCOPE,))]
    return TestClient(Starlette(routes=routes))


def authorize(client, path="/o/oauth2/v2/auth", **extra):
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    params = {
        "response_type": "code",
        "client_id": "cid",
        "redirect_uri": REDIRECT,
        "scope": f"openid {SCOPE}",
        "state": "s",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        **extra,
    }
    response = client.get(path, params=params, follow_redirects=False)
    assert response.status_code == 302, response.text
    code = parse_qs(urlsplit(response.headers["location"]).query)["code"][0]
    token = client.post(
        "/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "code_verifier": verifier,
            "client_id": "cid",
            "client_secret": "secret",
        },
    )
    assert token.status_code == 200, token.text
    return token.json()


def test_offline_access_gives_a_refresh_token_once_unless_prompt_consent(client):
    assert "refresh_token" not in authorize(client)
    first = authorize(client, access_type="offline")
    assert first["refresh_token"].startswith("1//") and first["access_token"].startswith("ya29.")
    assert first["expires_in"] == 3599 and first["scope"] == f"openid {SCOPE}"
    assert "refresh_token" not in authorize(client, path="/o/oauth2/auth", access_type="offline")
    assert "refresh_token" in authorize(client, access_type="offline", prompt="consent")


def test_refresh_does_not_rotate(client):
    refresh = authorize(client, access_type="offline", prompt="consent")["refresh_token"]
    for _ in range(2):
        answer = client.post(
            "/token",
            data={
                "grant_type": "refresh_token",
                "refresh_token": refresh,
                "client_id": "cid",
                "client_secret": "secret",
            },
        )
        assert answer.status_code == 200 and "refresh_token" not in answer.json()


def test_revoke_ends_the_grant_without_client_authentication(client):
    tokens = authorize(client, access_type="offline", prompt="consent")
    assert client.post("/revoke", data={"token": tokens["access_token"]}).status_code == 200
    refused = client.post(
        "/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": tokens["refresh_token"],
            "client_id": "cid",
            "client_secret": "secret",
        },
    )
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"
    again = client.post("/revoke", params={"token": tokens["access_token"]})
    assert again.status_code == 400 and again.json()["error"] == "invalid_token"


def test_userinfo_and_tokeninfo(client):
    token = authorize(client)["access_token"]
    info = client.get("/oauth2/v3/userinfo", headers={"Authorization": f"Bearer {token}"}).json()
    assert info["email"] == "alice@example.com" and info["sub"].isdigit()
    assert client.get("/tokeninfo", params={"access_token": token}).json()["scope"] == f"openid {SCOPE}"
    assert client.get("/tokeninfo", params={"access_token": "nope"}).status_code == 400


def test_api_errors_have_googles_shape(client, provider):
    missing = client.post("/demo/v1/hello")
    assert missing.status_code == 401 and missing.json()["error"]["errors"][0]["reason"] == "required"
    bad = client.post("/demo/v1/hello", headers={"Authorization": "Bearer nope"})
    error = bad.json()["error"]
    assert bad.status_code == 401 and error["status"] == "UNAUTHENTICATED"
    assert error["errors"][0] == {
        "message": "Invalid Credentials",
        "domain": "global",
        "reason": "authError",
        "location": "Authorization",
        "locationType": "header",
    }
    assert 'error="invalid_token"' in bad.headers["www-authenticate"]
    weak = provider.issue_tokens("cid", "bob", ("openid",))["access_token"]
    denied = client.post("/demo/v1/hello", headers={"Authorization": f"Bearer {weak}"})
    assert denied.status_code == 403 and denied.json()["error"]["status"] == "PERMISSION_DENIED"
    good = provider.issue_tokens("cid", "bob", (SCOPE,))["access_token"]
    headers = {"Authorization": f"Bearer {good}"}
    assert client.post("/demo/v1/hello", headers=headers, json={"a": 1}).json() == {
        "email": "bob@example.com",
        "body": {"a": 1},
    }
    assert client.post("/demo/v1/hello", headers=headers, content=b"{nope").json()["error"]["code"] == 400
    gone = client.post("/demo/v1/hello?fail=1", headers=headers).json()["error"]
    assert gone == {
        "code": 404,
        "message": "Requested entity was not found.",
        "status": "NOT_FOUND",
        "errors": [{"message": "Requested entity was not found.", "domain": "global", "reason": "notFound"}],
    }


def test_page_slice_walks_every_item_once():
    items, token, seen = list(range(7)), None, []
    while True:
        page, token = page_slice(items, token, 3)
        seen += page
        if token is None:
            break
    assert seen == items
    with pytest.raises(GoogleError):
        page_slice(items, "%%%", 3)
