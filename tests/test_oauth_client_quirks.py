"""Provider quirks are data: the OAuth 2.0 client against sandbox providers configured like real ones.

Each case is a sandbox provider on loopback with one provider's habits
(form-encoded token responses, body-only client auth, comma scopes, extra
token fields) and an `OAuthApp` whose quirks come from a toolkit-style dict.
"""

from __future__ import annotations

import datetime as dt
import inspect

import httpx
import pytest

from tests.support.servers import ThreadedServer
from valetkey.connections import oauth2_client
from valetkey.connections.oauth2_client import TokenError
from valetkey.connections.oauth_endpoints import OAuthApp
from valetkey.sandbox.app import DEFAULT_OAUTH2_CLIENT, Sandbox, create_sandbox_app
from valetkey.sandbox.oauth2 import OAuth2Provider
from valetkey.sandbox.oauth2_types import OAuth2Config

REDIRECT = "http://127.0.0.1:9/callback"
NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def serve(config: OAuth2Config) -> tuple[ThreadedServer, OAuth2Provider]:
    sandbox = Sandbox(oauth2=OAuth2Provider(config))
    kwargs = {"with_apps": False} if "with_apps" in inspect.signature(create_sandbox_app).parameters else {}
    threaded = ThreadedServer(create_sandbox_app(sandbox, **kwargs)).start()
    return threaded, sandbox.oauth2


def app_for(url: str, **quirks) -> OAuthApp:
    return OAuthApp(
        toolkit="t",
        mode="OAUTH2",
        quirks=quirks,
        authorization_url=f"{url}/oauth2/authorize",
        token_url=f"{url}/oauth2/token",
        refresh_url=f"{url}/oauth2/token",
        client_id=DEFAULT_OAUTH2_CLIENT.client_id,
        client_secret=DEFAULT_OAUTH2_CLIENT.client_secret,
        scopes=("read", "write"),
    )


def consent(app: OAuthApp, verifier: str | None) -> str:
    url = oauth2_client.authorization_url(app, redirect_uri=REDIRECT, state="s" * 43, code_verifier=verifier)
    answer = httpx.get(url, timeout=10)
    assert answer.status_code == 302, answer.text
    return httpx.URL(answer.headers["location"]).params["code"]


@pytest.fixture
def http():
    with httpx.Client(timeout=10) as client:
        yield client


def test_form_encoded_tokens_body_client_auth_comma_scopes_and_public_extras(http):
    threaded, _provider = serve(
        OAuth2Config(
            token_response_format="form",
            client_auth_methods=("client_secret_post",),
            scope_separator=",",
            extra_token_fields={"instance_url": "https://acme.my.example.com", "id_token": "opaque-id-token"},
        )
    )
    try:
        app = app_for(
            threaded.url,
            token_auth_method="client_secret_post",
            scope_separator=",",
            public_token_fields=["instance_url", "access_token"],
        )
        assert "scope=read%2Cwrite" in oauth2_client.authorization_url(
            app, redirect_uri=REDIRECT, state="x", code_verifier=None
        )
        verifier = oauth2_client.new_code_verifier()
        tokens = oauth2_client.exchange_code(
            http, app, code=consent(app, verifier), redirect_uri=REDIRECT, code_verifier=verifier, now=NOW
        )
        assert tokens.public["instance_url"] == "https://acme.my.example.com"
        assert "access_token" not in tokens.public  # tokens are never public, whatever a definition says
        assert tokens.secret["id_token"] == "opaque-id-token"  # unknown extras are kept, sealed
        assert tokens.expires_at == NOW + dt.timedelta(hours=1)
        refreshed = oauth2_client.refresh_tokens(
            http, app, refresh_token=tokens.refresh_token, previous=tokens.secret, now=NOW
        )
        assert (
            refreshed.access_token != tokens.access_token and refreshed.refresh_token != tokens.refresh_token
        )
    finally:
        threaded.stop()


def test_basic_client_auth_refused_where_only_post_is_allowed(http):
    threaded, _ = serve(OAuth2Config(client_auth_methods=("client_secret_post",)))
    try:
        app = app_for(threaded.url)  # client_secret_basic by default
        with pytest.raises(TokenError) as refused:
            oauth2_client.exchange_code(
                http, app, code=consent(app, None), redirect_uri=REDIRECT, code_verifier=None, now=NOW
            )
        assert refused.value.error == "invalid_client" and not refused.value.transient
    finally:
        threaded.stop()


def test_nested_token_object_and_non_rotating_refresh(http):
    threaded, _provider = serve(
        OAuth2Config(
            rotate_refresh_tokens=False,
            extra_token_fields={
                "authed_user": lambda grant: {"access_token": "xoxp-user-" + grant.subject, "scope": "read"}
            },
        )
    )
    try:
        app = app_for(threaded.url, token_response_path="authed_user")
        tokens = oauth2_client.exchange_code(
            http, app, code=consent(app, None), redirect_uri=REDIRECT, code_verifier=None, now=NOW
        )
        assert tokens.access_token == "xoxp-user-sandbox-user"
        plain = app_for(threaded.url)
        first = oauth2_client.exchange_code(
            http, plain, code=consent(plain, None), redirect_uri=REDIRECT, code_verifier=None, now=NOW
        )
        again = oauth2_client.refresh_tokens(
            http, plain, refresh_token=first.refresh_token, previous=first.secret, now=NOW
        )
        assert again.refresh_token == first.refresh_token  # kept when the provider does not rotate
    finally:
        threaded.stop()


def test_transient_and_final_token_errors(http):
    threaded, provider = serve(OAuth2Config())
    try:
        app = app_for(threaded.url)
        provider.fail_next("server_error", 1, status=503)
        with pytest.raises(TokenError) as unavailable:
            oauth2_client.refresh_tokens(http, app, refresh_token="r", previous={}, now=NOW)
        assert unavailable.value.transient
        with pytest.raises(TokenError) as gone:
            oauth2_client.refresh_tokens(http, app, refresh_token="unknown", previous={}, now=NOW)
        assert gone.value.error == "invalid_grant" and not gone.value.transient
    finally:
        threaded.stop()
    with pytest.raises(TokenError) as down:
        oauth2_client.refresh_tokens(http, app, refresh_token="r", previous={}, now=NOW)
    assert down.value.transient
