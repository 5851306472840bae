"""The OAuth 2.0 client side: PKCE, the authorization URL, and token endpoint calls.

Provider differences are data in `OAuthApp.quirks` (from the toolkit
definition), never branches on a toolkit's name: how the client
authenticates (`token_auth_method`), how scopes are joined, extra
authorize/token parameters, where the token object sits in the response
(`token_response_path`) and which extra fields are public.

Token endpoint calls are synchronous (`httpx.Client`) because they run inside
a database transaction in a worker thread (see `valetkey.connections.refresh`). The
client obeys the egress policy (`valetkey.net.sync`): a token URL that leads to
a refused address is a `TokenError` ``egress_refused``, never a request.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import httpx

from valetkey.connections.oauth_endpoints import OAuthApp
from valetkey.net.egress import EgressPolicy, EgressRefused
from valetkey.net.sync import guarded_client

# Fields every OAuth 2.0 token response may carry, handled explicitly.
STANDARD_FIELDS = frozenset({"access_token", "token_type", "expires_in", "refresh_token", "scope"})
# Never public, whatever a definition says.
ALWAYS_SECRET = frozenset({"access_token", "refresh_token", "id_token"})
MAX_ERROR_TEXT = 300


def new_code_verifier() -> str:
    """A PKCE verifier: 43 characters of base64url, 256 bits of entropy (RFC 7636 §4.1)."""
    return secrets.token_urlsafe(32)


def s256_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def authorization_url(app: OAuthApp, *, redirect_uri: str, state: str, code_verifier: str | None) -> str:
    """Where the user's browser goes to consent."""
    params: dict[str, str] = {
        "response_type": "code",
        "client_id": app.client_id,
        "redirect_uri": redirect_uri,
    }
    if app.scopes:
        params[app.quirks.get("scope_param") or "scope"] = app.scope_separator.join(app.scopes)
    params["state"] = state
    if code_verifier is not None:
        params["code_challenge"] = s256_challenge(code_verifier)
        params["code_challenge_method"] = "S256"
    params.update(app.quirks.get("authorize_params") or {})
    return str(httpx.URL(app.authorization_url).copy_merge_params(params))


@dataclass(frozen=True)
class TokenSet:
    """A token response, split into what is sealed and what is public."""

    secret: dict[str, Any] = field(repr=False)
    public: dict[str, Any]
    expires_at: dt.datetime | None

    @property
    def access_token(self) -> str:
        token: str = self.secret["access_token"]  # a string in every TokenSet built (OAuth 2 and 1.0a)
        return token

    @property
    def refresh_token(self) -> str | None:
        return self.secret.get("refresh_token")


class TokenError(Exception):
    """The token endpoint refused (`error` is the OAuth error code) or could not be reached.

    `transient` marks failures worth retrying later: network errors and 5xx.
    The message never contains a token; the provider's description is clipped.
    """

    def __init__(
        self, error: str, description: str = "", *, transient: bool = False, status: int | None = None
    ):
        self.error = error
        self.description = description[:MAX_ERROR_TEXT]
        self.transient = transient
        self.status = status
        super().__init__(f"{error}: {self.description}" if self.description else error)


def token_client(egress: EgressPolicy, upstream_timeout: float) -> httpx.Client:
    """A client for token endpoints (thread-safe; proxies from the environment ignored).

    It connects only where the server's egress policy allows, and follows no redirects.
    The app builds one (`AppState.oauth_http`).
    """
    return guarded_client(egress, timeout=min(float(upstream_timeout), 30.0))


def refused(exc: EgressRefused) -> TokenError:
    """The `TokenError` for a token, revocation or request-token URL the egress policy refuses."""
    return TokenError("egress_refused", str(exc))


def client_auth(app: OAuthApp, form: dict[str, str]) -> dict[str, str]:
    """Headers for client authentication; `form` gains the credentials for client_secret_post."""
    if app.quirks.get("token_auth_method") == "client_secret_post" or not app.client_secret:
        form["client_id"] = app.client_id
        if app.client_secret:
            form["client_secret"] = app.client_secret
        return {}
    # RFC 6749 §2.3.1: both parts are form-encoded before the Basic encoding.
    pair = f"{_form_encode(app.client_id)}:{_form_encode(app.client_secret)}".encode()
    return {"Authorization": "Basic " + base64.b64encode(pair).decode("ascii")}


def _form_encode(value: str) -> str:
    return str(httpx.QueryParams({"v": value})).removeprefix("v=")


def post_token_request(http: httpx.Client, app: OAuthApp, url: str, form: dict[str, str]) -> dict[str, Any]:
    """POST to a token endpoint; the parsed body, or TokenError."""
    form = {**form, **(app.quirks.get("token_params") or {})}
    headers = {"Accept": "application/json", **client_auth(app, form)}
    try:
        response = http.post(url, data=form, headers=headers)
    except EgressRefused as exc:
        raise refused(exc) from None
    except httpx.InvalidURL as exc:
        raise TokenError("invalid_request", f"the token URL is not a valid URL: {exc}") from None
    except httpx.HTTPError as exc:
        raise TokenError(
            "temporarily_unavailable", f"token endpoint unreachable: {type(exc).__name__}", transient=True
        ) from None
    body = parse_body(response)
    # Some providers (GitHub) answer 200 with an error object.
    if response.status_code >= 400 or "error" in body:
        error = str(body.get("error") or f"http_{response.status_code}")
        description = str(body.get("error_description") or "")
        raise TokenError(
            error,
            description,
            transient=response.status_code >= 500 or response.status_code == 429,
            status=response.status_code,
        )
    return body


def parse_body(response: httpx.Response) -> dict[str, Any]:
    """JSON or form-encoded, whatever the provider chose (GitHub negotiates; old providers send forms)."""
    kind = response.headers.get("content-type", "")
    text = response.text
    if "json" in kind or text.lstrip().startswith("{"):
        try:
            body = response.json()
            return body if isinstance(body, dict) else {}
        except ValueError:
            return {}
    return dict(parse_qsl(text, keep_blank_values=True))


def exchange_code(
    http: httpx.Client,
    app: OAuthApp,
    *,
    code: str,
    redirect_uri: str,
    code_verifier: str | None,
    now: dt.datetime,
) -> TokenSet:
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
    if code_verifier is not None:
        form["code_verifier"] = code_verifier
    return token_set(app, post_token_request(http, app, app.token_url, form), now=now)


def refresh_tokens(
    http: httpx.Client, app: OAuthApp, *, refresh_token: str, previous: Mapping[str, Any], now: dt.datetime
) -> TokenSet:
    """A new token set; a provider that does not rotate keeps the previous refresh token valid."""
    body = post_token_request(
        http, app, app.refresh_url, {"grant_type": "refresh_token", "refresh_token": refresh_token}
    )
    tokens = token_set(app, body, now=now)
    if tokens.refresh_token is None:
        tokens.secret["refresh_token"] = refresh_token
    for name, value in previous.items():  # fields a refresh response omits (id_token, extras) stay
        if name not in ("access_token", "refresh_token", "expires_in"):
            tokens.secret.setdefault(name, value)
    return tokens


def token_set(app: OAuthApp, body: Mapping[str, Any], *, now: dt.datetime) -> TokenSet:
    """Split a token response: tokens and unknown fields sealed, declared public fields shown."""
    path = app.quirks.get("token_response_path")
    found: Any = body
    if path:
        for part in path.split("."):
            found = found.get(part) if isinstance(found, Mapping) else None
        if not isinstance(found, Mapping):
            raise TokenError("invalid_token_response", f"the token response has no '{path}' object")
    tokens: Mapping[str, Any] = found
    if not tokens.get("access_token"):
        raise TokenError("invalid_token_response", "the token response has no access_token")
    public_names = set(app.quirks.get("public_token_fields") or ()) - ALWAYS_SECRET
    secret: dict[str, Any] = {"access_token": str(tokens["access_token"])}
    if tokens.get("refresh_token"):
        secret["refresh_token"] = str(tokens["refresh_token"])
    secret["token_type"] = str(tokens.get("token_type") or "Bearer")
    public: dict[str, Any] = {}
    scope = tokens.get("scope", body.get("scope"))
    if scope is not None:
        public["scope"] = scope
    for source in (body, tokens) if tokens is not body else (body,):
        for name, value in source.items():
            if name in STANDARD_FIELDS or name == path:
                continue
            (public if name in public_names else secret)[name] = value
    expires_at = None
    expires_in = tokens.get("expires_in")
    try:
        if expires_in not in (None, ""):
            expires_at = now + dt.timedelta(seconds=float(expires_in))
    except (TypeError, ValueError):
        expires_at = None
    return TokenSet(secret, public, expires_at)
