"""The data an emulated OAuth 2.0 provider works with: clients, behaviour, grants, errors.

Everything that differs between real providers (GitHub answers form-encoded
tokens that never expire, Slack separates scopes with commas and adds
``authed_user``, Google does not rotate refresh tokens) is a field of
`OAuth2Config`, so an app emulator describes its provider as data.
"""

from __future__ import annotations

import dataclasses
import ipaddress
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from valetkey.sandbox.stats import Counters

LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
TOKEN_RESPONSE_FORMATS = ("json", "form", "negotiate")
CLIENT_AUTH_METHODS = ("client_secret_basic", "client_secret_post")


def is_loopback_uri(uri: str) -> bool:
    """True for an http(s) URL without userinfo or fragment whose host is this machine."""
    try:
        parts = urlsplit(uri)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or not host or parts.username is not None or parts.fragment:
        return False
    if host in LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class OAuth2Client:
    """A registered OAuth client.

    ``client_secret=None`` makes a public client: it authenticates with its
    ``client_id`` alone and must use PKCE. Redirect URIs match exactly, as
    RFC 6749 §3.1.2 and the OAuth security BCP require; only a client created
    with ``allow_loopback_redirects=True`` (the sandbox default client) also
    accepts any loopback URL, because test servers listen on random ports.
    ``allowed_scopes=None`` accepts any scope.
    """

    client_id: str
    client_secret: str | None = None
    redirect_uris: tuple[str, ...] = ()
    default_scopes: tuple[str, ...] = ()
    allowed_scopes: tuple[str, ...] | None = None
    allow_loopback_redirects: bool = False

    @property
    def is_public(self) -> bool:
        return self.client_secret is None

    def accepts_redirect_uri(self, uri: str) -> bool:
        if uri in self.redirect_uris:
            return True
        return self.allow_loopback_redirects and is_loopback_uri(uri)

    def public_dict(self) -> dict:
        data = dataclasses.asdict(self)
        data["redirect_uris"] = list(self.redirect_uris)
        data["default_scopes"] = list(self.default_scopes)
        data["allowed_scopes"] = None if self.allowed_scopes is None else list(self.allowed_scopes)
        return data


TokenField = Any | Callable[["Grant"], Any]


@dataclass(frozen=True)
class OAuth2Config:
    """How an emulated provider behaves; replace fields at runtime with `OAuth2Provider.configure`.

    Lifetimes are in seconds; ``None`` means "never expires" (and, for access
    tokens, no ``expires_in`` in the token response, as GitHub OAuth apps do).

    ``token_response_format``: ``"json"``, ``"form"`` (urlencoded), or
    ``"negotiate"``: JSON when the request's Accept header asks for it, form
    otherwise (GitHub). ``extra_token_fields`` are added to every token
    response; a callable value is called with the `Grant` (Slack's
    ``authed_user``, Salesforce's ``instance_url``).

    Without ``rotate_refresh_tokens`` a refresh answers no ``refresh_token``
    and the old one stays valid (Google). With ``refresh_reuse_revokes_grant``
    presenting a rotated-out refresh token revokes every token of that grant,
    as providers with reuse detection do.
    """

    access_token_lifetime: float | None = 3600.0
    refresh_token_lifetime: float | None = None
    code_lifetime: float = 60.0
    issue_refresh_tokens: bool = True
    rotate_refresh_tokens: bool = True
    refresh_reuse_revokes_grant: bool = False
    token_type: str = "Bearer"
    token_response_format: str = "json"
    scope_separator: str = " "
    client_auth_methods: tuple[str, ...] = CLIENT_AUTH_METHODS
    pkce_methods: tuple[str, ...] = ("S256", "plain")
    require_pkce: bool = False
    access_token_prefix: str = ""
    refresh_token_prefix: str = ""
    extra_token_fields: Mapping[str, TokenField] = field(default_factory=dict)
    default_subject: str = "sandbox-user"

    def __post_init__(self) -> None:
        if self.token_response_format not in TOKEN_RESPONSE_FORMATS:
            raise ValueError(f"token_response_format must be one of {TOKEN_RESPONSE_FORMATS}")
        if unknown := set(self.client_auth_methods) - set(CLIENT_AUTH_METHODS):
            raise ValueError(f"unknown client auth methods: {sorted(unknown)}")
        if unknown := set(self.pkce_methods) - {"S256", "plain"}:
            raise ValueError(f"unknown PKCE methods: {sorted(unknown)}")
        for name in ("access_token_lifetime", "refresh_token_lifetime", "code_lifetime"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise ValueError(f"{name} must be positive")
        if not self.scope_separator:
            raise ValueError("scope_separator must not be empty")

    def split_scopes(self, value: str | None) -> tuple[str, ...]:
        """Scopes of a request parameter; spaces are accepted whatever the separator."""
        if not value:
            return ()
        parts = value.replace(self.scope_separator, " ").split()
        return tuple(dict.fromkeys(parts))

    def join_scopes(self, scopes: tuple[str, ...]) -> str:
        return self.scope_separator.join(scopes)


@dataclass(frozen=True)
class Grant:
    """What an access token allows: API emulators check this on every request.

    ``authorization_id`` is shared by every token descending from one user
    approval, so a reused code or refresh token can revoke the whole family.
    """

    client_id: str
    subject: str
    scopes: tuple[str, ...]
    expires_at: float | None
    authorization_id: str

    def has_scopes(self, *required: str) -> bool:
        return set(required) <= set(self.scopes)


class OAuth2Error(Exception):
    """An error the token or revocation endpoint answers (RFC 6749 §5.2)."""

    def __init__(
        self, error: str, description: str, status: int = 400, headers: Mapping[str, str] | None = None
    ):
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.status = status
        self.headers = dict(headers or {})

    def body(self) -> dict:
        return {"error": self.error, "error_description": self.description}


class InvalidAuthorizationRequest(OAuth2Error):
    """An authorization request that must not redirect (unknown client, bad redirect URI).

    RFC 6749 §4.1.2.1: the server tells the user instead of sending them to an
    unverified URI, so the emulator answers a 400 page.
    """


@dataclass
class OAuth2Stats(Counters):
    """What the provider did so far. ``token_requests`` counts every token call,
    failed or not; ``code_exchanges`` and ``refreshes`` count successes only."""

    authorization_requests: int = 0
    authorizations: int = 0
    denials: int = 0
    token_requests: int = 0
    code_exchanges: int = 0
    refreshes: int = 0
    token_errors: int = 0
    reuse_detections: int = 0
    revocations: int = 0
    faults_triggered: int = 0
