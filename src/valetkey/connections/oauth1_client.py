"""The OAuth 1.0a client side (RFC 5849): temporary credentials, authorization, token credentials.

Three legs: a signed POST for a request token (carrying our callback URL),
the user's consent at the provider, and a signed POST exchanging the request
token plus `oauth_verifier` for token credentials. Signing is HMAC-SHA1 with
the same pure functions the sandbox verifies with
(`valetkey.net.oauth1`), so client and emulator share one
reading of the RFC.
"""

from __future__ import annotations

from typing import Any

import httpx

from valetkey.connections.oauth2_client import TokenError, parse_body, refused
from valetkey.connections.oauth_endpoints import OAuthApp
from valetkey.net.egress import EgressRefused
from valetkey.net.oauth1 import sign_request

CREDENTIAL_FIELDS = ("oauth_token", "oauth_token_secret")


def _post(http: httpx.Client, url: str, authorization: str) -> dict[str, Any]:
    try:
        response = http.post(url, headers={"Authorization": authorization, "Accept": "application/json"})
    except EgressRefused as exc:
        raise refused(exc) from None
    except httpx.InvalidURL as exc:
        raise TokenError("invalid_request", f"the provider URL is not a valid URL: {exc}") from None
    except httpx.HTTPError as exc:
        raise TokenError(
            "temporarily_unavailable", f"provider unreachable: {type(exc).__name__}", transient=True
        ) from None
    body = parse_body(response)
    if response.status_code >= 400:
        problem = str(body.get("oauth_problem") or body.get("error") or f"http_{response.status_code}")
        raise TokenError(
            problem,
            str(body.get("error_description") or ""),
            transient=response.status_code >= 500,
            status=response.status_code,
        )
    if not all(body.get(name) for name in CREDENTIAL_FIELDS):
        raise TokenError(
            "invalid_token_response", "the provider's answer has no oauth_token and oauth_token_secret"
        )
    return body


def request_token(http: httpx.Client, app: OAuthApp, *, callback: str) -> dict[str, Any]:
    """Temporary credentials (`oauth_token`, `oauth_token_secret`) bound to `callback`."""
    authorization = sign_request(
        "POST",
        app.request_token_url,
        consumer_key=app.client_id,
        consumer_secret=app.client_secret,
        extra={"oauth_callback": callback},
    )
    body = _post(http, app.request_token_url, authorization)
    if str(body.get("oauth_callback_confirmed", "true")).lower() != "true":
        raise TokenError("callback_not_confirmed", "the provider did not confirm the callback URL")
    return body


def authorize_url(app: OAuthApp, oauth_token: str) -> str:
    params = {"oauth_token": oauth_token, **(app.quirks.get("authorize_params") or {})}
    return str(httpx.URL(app.authorization_url).copy_merge_params(params))


def access_token(
    http: httpx.Client, app: OAuthApp, *, oauth_token: str, token_secret: str, verifier: str
) -> dict[str, Any]:
    """Token credentials for an authorized request token; extra fields (user id...) included."""
    authorization = sign_request(
        "POST",
        app.token_url,
        consumer_key=app.client_id,
        consumer_secret=app.client_secret,
        token=oauth_token,
        token_secret=token_secret,
        extra={"oauth_verifier": verifier},
    )
    return _post(http, app.token_url, authorization)
