"""Request checks of the emulated OAuth 2.0 server: client authentication and PKCE.

Kept apart from the provider's state handling because these are pure
functions of a request and the registered data, and are where the subtle
rules live (RFC 6749 §2.3.1 Basic encoding, RFC 7636 verifier checks).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Callable, Mapping
from urllib.parse import parse_qsl, unquote_plus, urlencode, urlsplit, urlunsplit

from valetkey.sandbox.oauth2_types import OAuth2Client, OAuth2Error

PKCE_VALUE = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")


def s256_challenge(verifier: str) -> str:
    """The S256 code challenge of a PKCE verifier (RFC 7636 §4.2)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def constant_time_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def add_query(uri: str, params: Mapping[str, str]) -> str:
    """``uri`` with ``params`` appended to its query, keeping the query it had (RFC 6749 §3.1.2)."""
    parts = urlsplit(uri)
    query = parse_qsl(parts.query, keep_blank_values=True) + list(params.items())
    return urlunsplit(parts._replace(query=urlencode(query)))


def check_pkce(challenge: str | None, method: str | None, verifier: str | None) -> None:
    """Raise ``invalid_grant`` unless ``verifier`` proves possession of ``challenge``."""
    if challenge is None:
        if verifier is not None:
            # OAuth 2.1 §4.1.3: a verifier without a challenge signals a downgrade attack.
            raise OAuth2Error("invalid_grant", "code_verifier sent but no code_challenge was")
        return
    if verifier is None:
        raise OAuth2Error("invalid_grant", "code_verifier is required")
    if not PKCE_VALUE.match(verifier):
        raise OAuth2Error("invalid_grant", "malformed code_verifier")
    computed = s256_challenge(verifier) if method == "S256" else verifier
    if not constant_time_equal(computed, challenge):
        raise OAuth2Error("invalid_grant", "code_verifier does not match the code_challenge")


def authenticate_client(
    form: Mapping[str, str],
    authorization: str | None,
    *,
    methods: tuple[str, ...],
    get_client: Callable[[str], OAuth2Client | None],
) -> OAuth2Client:
    """The client a token or revocation request comes from, or ``invalid_client`` (401).

    Confidential clients authenticate with HTTP Basic or body parameters
    (whichever ``methods`` allows, never both at once); public clients send
    only their ``client_id``.
    """
    basic = parse_basic(authorization)
    body_id, body_secret = form.get("client_id"), form.get("client_secret")
    client_id: str | None
    secret: str | None
    if basic is not None:
        if "client_secret_basic" not in methods:
            raise invalid_client("HTTP Basic client authentication is not supported", basic=False)
        if body_secret is not None:
            raise OAuth2Error("invalid_request", "use only one client authentication method")
        client_id, secret = basic
        if body_id is not None and body_id != client_id:
            raise OAuth2Error("invalid_request", "client_id does not match the Authorization header")
    else:
        client_id, secret = body_id, body_secret
        if secret is not None and "client_secret_post" not in methods:
            raise invalid_client("client_secret in the body is not supported; use HTTP Basic", basic=False)
    client = get_client(client_id or "")
    if client is None:
        raise invalid_client("unknown client", basic=basic is not None)
    if client.client_secret is None:  # a public client (`OAuth2Client.is_public`)
        if secret:
            raise invalid_client("public clients have no secret", basic=basic is not None)
        return client
    if secret is None or not constant_time_equal(secret, client.client_secret):
        raise invalid_client("client authentication failed", basic=basic is not None)
    return client


def parse_basic(header: str | None) -> tuple[str, str] | None:
    """Client credentials of an HTTP Basic header; each part is form-urlencoded (RFC 6749 §2.3.1)."""
    if not header or header[:6].lower() != "basic ":
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        raise invalid_client("malformed Basic credentials", basic=True) from None
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        raise invalid_client("malformed Basic credentials", basic=True)
    return unquote_plus(client_id), unquote_plus(secret)


def invalid_client(description: str, *, basic: bool) -> OAuth2Error:
    headers = {"WWW-Authenticate": 'Basic realm="sandbox"'} if basic else {}
    return OAuth2Error("invalid_client", description, 401, headers)
