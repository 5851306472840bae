"""OAuth 1.0 request signing (RFC 5849 §3.4-3.6), HMAC-SHA1.

Pure functions, shared by the emulator (to verify) and by tests and clients
(to sign). The rules that trip implementations up, and that the tests pin:

- percent-encoding is RFC 3986 unreserved-only, uppercase hex, over UTF-8
  (§3.6), which differs from form encoding (``+`` for space);
- query and form-body parameters are form-*decoded* first (``+`` is a space),
  then re-encoded (§3.4.1.3.1);
- parameters sort by encoded name, then encoded value, duplicates kept
  (§3.4.1.3.2);
- the base string URI lowercases scheme and host, drops default ports, the
  query and the fragment (§3.4.1.2);
- ``realm`` and ``oauth_signature`` never enter the base string.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Iterable, Mapping
from urllib.parse import parse_qsl, quote, unquote, urlsplit

DEFAULT_PORTS = {"http": 80, "https": 443}
_HEADER_PARAM = re.compile(r'\s*([^=\s,]+)\s*=\s*"([^"]*)"\s*(,|$)')


def percent_encode(value: str) -> str:
    """RFC 5849 §3.6: everything but ALPHA, DIGIT, ``-._~`` becomes ``%XX`` of its UTF-8 bytes."""
    return quote(value.encode("utf-8"), safe="-._~")


def base_string_uri(url: str) -> str:
    """The base string URI of a request URL (RFC 5849 §3.4.1.2)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    authority = host if port is None or port == DEFAULT_PORTS.get(scheme) else f"{host}:{port}"
    return f"{scheme}://{authority}{parts.path or '/'}"


def query_parameters(url: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(url).query, keep_blank_values=True)


def normalize_parameters(params: Iterable[tuple[str, str]]) -> str:
    """The normalized parameter string (RFC 5849 §3.4.1.3.2); drops ``oauth_signature``."""
    encoded = sorted((percent_encode(k), percent_encode(v)) for k, v in params if k != "oauth_signature")
    return "&".join(f"{k}={v}" for k, v in encoded)


def signature_base_string(method: str, url: str, params: Iterable[tuple[str, str]]) -> str:
    """``METHOD&uri&params``, each part percent-encoded (RFC 5849 §3.4.1.1).

    ``params`` are all request parameters, already decoded: the query's, the
    form body's and the protocol parameters (without ``realm``).
    """
    return "&".join(
        (method.upper(), percent_encode(base_string_uri(url)), percent_encode(normalize_parameters(params)))
    )


def hmac_sha1(base_string: str, consumer_secret: str, token_secret: str = "") -> str:
    """The HMAC-SHA1 signature, base64 (RFC 5849 §3.4.2)."""
    key = f"{percent_encode(consumer_secret)}&{percent_encode(token_secret)}"
    digest = hmac.new(key.encode("utf-8"), base_string.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def parse_authorization_header(header: str | None) -> list[tuple[str, str]] | None:
    """The decoded parameters of an ``Authorization: OAuth ...`` header; None when it is not one.

    Raises ValueError for a header that claims the OAuth scheme but is malformed.
    """
    if not header:
        return None
    scheme, _, rest = header.strip().partition(" ")
    if scheme.lower() != "oauth":
        return None
    params, position = [], 0
    rest = rest.strip()
    while position < len(rest):
        match = _HEADER_PARAM.match(rest, position)
        if match is None:
            raise ValueError("malformed OAuth Authorization header")
        params.append((unquote(match.group(1)), unquote(match.group(2))))
        position = match.end()
    return params


def authorization_header(oauth_params: Mapping[str, str], realm: str | None = None) -> str:
    """An ``OAuth ...`` header value carrying ``oauth_params`` (RFC 5849 §3.5.1)."""
    items = [f'realm="{realm}"'] if realm is not None else []
    items += [f'{percent_encode(k)}="{percent_encode(v)}"' for k, v in oauth_params.items()]
    return "OAuth " + ", ".join(items)


def sign_request(
    method: str,
    url: str,
    *,
    consumer_key: str,
    consumer_secret: str,
    token: str | None = None,
    token_secret: str = "",
    body: Iterable[tuple[str, str]] = (),
    extra: Mapping[str, str] | None = None,
    nonce: str | None = None,
    timestamp: int | None = None,
    realm: str | None = None,
) -> str:
    """Sign a request with HMAC-SHA1; return its Authorization header value.

    ``body`` is the form body's parameters (only for urlencoded bodies);
    ``extra`` adds protocol parameters such as ``oauth_callback`` or
    ``oauth_verifier``.
    """
    oauth = {
        "oauth_consumer_key": consumer_key,
        "oauth_signature_method": "HMAC-SHA1",
        "oauth_timestamp": str(int(time.time()) if timestamp is None else timestamp),
        "oauth_nonce": nonce or secrets.token_hex(16),
        "oauth_version": "1.0",
    }
    if token is not None:
        oauth["oauth_token"] = token
    oauth.update(extra or {})
    params = query_parameters(url) + list(body) + list(oauth.items())
    oauth["oauth_signature"] = hmac_sha1(
        signature_base_string(method, url, params), consumer_secret, token_secret
    )
    return authorization_header(oauth, realm)
