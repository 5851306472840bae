"""Credentials onto upstream requests, and the one seam to the vault.

A toolkit's `AuthScheme` says where credentials go (`CredentialPlacement`:
a header or query parameter filled from a template such as
``"Bearer {access_token}"``); a connected account supplies the values. This
module joins the two and also answers the reverse question the execution log
needs: which header and query names carry secrets and must never be stored.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Mapping
from typing import Any

from valetkey.catalog.model import AuthScheme, CredentialPlacement
from valetkey.net.request import UpstreamRequest

# Schemes whose header is implied when a toolkit declares no placements.
DEFAULT_PLACEMENTS: dict[str, tuple[CredentialPlacement, ...]] = {
    "OAUTH2": (CredentialPlacement("header", "Authorization", "Bearer {access_token}"),),
    "BEARER_TOKEN": (CredentialPlacement("header", "Authorization", "Bearer {token}"),),
}
# Always treated as secret in logs, whatever the scheme says.
ALWAYS_SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "x-api-key"})


class CredentialError(Exception):
    """The account's credentials do not fit the toolkit's scheme."""


def placements_for(scheme: AuthScheme) -> tuple[CredentialPlacement, ...]:
    return scheme.placements or DEFAULT_PLACEMENTS.get(scheme.mode, ())


def apply_credentials(
    request: UpstreamRequest, scheme: AuthScheme | None, values: Mapping[str, Any]
) -> UpstreamRequest:
    """`request` with the scheme's credentials placed on it.

    BASIC builds ``Authorization: Basic base64(username:password)`` itself;
    every other mode fills its placements' templates from `values`. A missing
    value raises `CredentialError` naming it, rather than sending a request
    with a hole where the secret should be.
    """
    if scheme is None or scheme.mode == "NO_AUTH":
        return request
    if scheme.mode == "OAUTH1":
        return request.with_header("Authorization", oauth1_authorization(request, values))
    if scheme.mode == "BASIC" and not scheme.placements:
        return request.with_header("Authorization", basic_authorization(values))
    placements = placements_for(scheme)
    if not placements:
        raise CredentialError(f"The {scheme.mode} scheme of this toolkit declares no credential placement")
    for placement in placements:
        value = _fill(placement.template, values, scheme.mode)
        if placement.location == "query":
            request = request.with_query(placement.name, value)
        else:
            request = request.with_header(placement.name, value)
    return request


def oauth1_authorization(request: UpstreamRequest, values: Mapping[str, Any]) -> str:
    """An HMAC-SHA1 OAuth 1.0a ``Authorization`` header for exactly this request (RFC 5849).

    The signature covers the method, the URL with its query and a form body's
    fields, so it is computed last, on the request as it will be sent.
    """
    from urllib.parse import urlencode

    from valetkey.net.oauth1 import sign_request

    missing = [
        k
        for k in ("consumer_key", "consumer_secret", "oauth_token", "oauth_token_secret")
        if not values.get(k)
    ]
    if missing:
        raise CredentialError(f"OAuth 1.0a signing needs '{missing[0]}', which this connection does not have")
    url = request.url + (
        ("&" if "?" in request.url else "?") + urlencode(request.query) if request.query else ""
    )
    form = [(str(k), str(v)) for k, v in request.body] if request.body_kind == "form" and request.body else []
    return sign_request(
        request.method,
        url,
        consumer_key=str(values["consumer_key"]),
        consumer_secret=str(values["consumer_secret"]),
        token=str(values["oauth_token"]),
        token_secret=str(values["oauth_token_secret"]),
        body=form,
    )


def basic_authorization(values: Mapping[str, Any]) -> str:
    if "username" not in values:
        raise CredentialError("BASIC credentials need a username")
    pair = f"{values['username']}:{values.get('password') or ''}".encode()
    return "Basic " + base64.b64encode(pair).decode("ascii")


def apply_parameters(request: UpstreamRequest, parameters: Iterable[Mapping[str, Any]]) -> UpstreamRequest:
    """Literal header/query parameters (custom_auth_params, proxy `parameters`)."""
    for param in parameters:
        where = param.get("in") or param.get("in_") or param.get("type") or "header"
        name, value = str(param["name"]), str(param["value"])
        request = request.with_query(name, value) if where == "query" else request.with_header(name, value)
    return request


def secret_names(
    scheme: AuthScheme | None, extra: Iterable[Mapping[str, Any]] = ()
) -> tuple[frozenset[str], frozenset[str]]:
    """(header names, query names) that carry credentials, lower-cased headers."""
    headers = set(ALWAYS_SECRET_HEADERS)
    query: set[str] = set()
    for placement in placements_for(scheme) if scheme else ():
        (query.add(placement.name) if placement.location == "query" else headers.add(placement.name.lower()))
    for param in extra:
        where = param.get("in") or param.get("in_") or param.get("type") or "header"
        (query.add(str(param["name"])) if where == "query" else headers.add(str(param["name"]).lower()))
    return frozenset(headers), frozenset(query)


SECRET_KEYS = frozenset(
    {
        "access_token",
        "refresh_token",
        "id_token",
        "api_key",
        "generic_api_key",
        "token",
        "bearer_token",
        "password",
        "client_secret",
        "secret",
        "oauth_token_secret",
        "consumer_secret",
        "private_key",
        "basic_encoded",
        "credentials_json",
    }
)
MIN_SECRET_LENGTH = 4


def secret_values(
    scheme: AuthScheme | None, values: Mapping[str, Any], parameters: Iterable[Mapping[str, Any]] = ()
) -> frozenset[str]:
    """The credential strings of a call, to be scrubbed from anything stored."""
    keys = set(SECRET_KEYS)
    if scheme is not None:
        keys.update(f.name for f in (*scheme.account_fields, *scheme.config_fields) if f.secret)
        for placement in placements_for(scheme):
            keys.update(re.findall(r"\{([^{}]+)\}", placement.template))
    found = {str(values[k]) for k in keys if values.get(k) not in (None, "")}
    if scheme is not None and scheme.mode == "BASIC" and "username" in values:
        found.add(basic_authorization(values).removeprefix("Basic "))
    found.update(str(p["value"]) for p in parameters if p.get("value") not in (None, ""))
    return frozenset(s for s in found if len(s) >= MIN_SECRET_LENGTH)


def _fill(template: str, values: Mapping[str, Any], mode: str) -> str:
    try:
        return template.format_map(_Strict(values))
    except KeyError as exc:
        raise CredentialError(
            f"The connected account has no '{exc.args[0]}' credential, needed by {mode}"
        ) from None


class _Strict(dict[str, Any]):
    """format_map source that refuses missing and empty values."""

    def __init__(self, values: Mapping[str, Any]):
        super().__init__(values)

    def __missing__(self, key: str) -> Any:
        raise KeyError(key)

    def __getitem__(self, key: str) -> Any:
        value = super().__getitem__(key)
        if value is None or value == "":
            raise KeyError(key)
        return value
