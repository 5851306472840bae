"""Revoking an account's tokens at the provider (RFC 7009) when the account is deleted.

Best effort: deletion must not depend on the provider being up, so every
failure is logged (outcome and account id, never a token) and swallowed.
The refresh token is revoked by default, which RFC 7009 says also ends the
access tokens of the same grant; toolkits can ask for the access token
instead (`revoke_token_hint`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import httpx

from valetkey.connections import schemes
from valetkey.connections.oauth2_client import client_auth
from valetkey.connections.oauth_endpoints import config_credentials, oauth_app
from valetkey.connections.state import ConnectionsState
from valetkey.net.egress import EgressRefused

log = logging.getLogger("valetkey.connections.revoke")


def revoke_tokens(state: ConnectionsState, account: Any, config: Any, secrets: Mapping[str, Any]) -> str:
    """Ask the provider to revoke; returns the outcome word that was logged (for tests and callers)."""
    if account.auth_scheme != "OAUTH2":
        return _logged(account, "unsupported")
    try:
        toolkit = schemes.toolkit_of(state.catalog, account.toolkit_slug)
        scheme = schemes.scheme_of(toolkit, account.auth_scheme)
        app = oauth_app(scheme, config, config_credentials(state, config), account.data or {})
    except Exception:
        return _logged(account, "configuration_unavailable")
    if not app.revoke_url:
        return _logged(account, "not_supported_by_provider")
    hint = app.quirks.get("revoke_token_hint") or "refresh_token"
    token = secrets.get(hint) or secrets.get("access_token")
    if not token:
        return _logged(account, "no_token")
    kind = hint if secrets.get(hint) else "access_token"
    form = {"token": str(token), "token_type_hint": kind}
    headers = {"Accept": "application/json", **client_auth(app, form)}
    try:
        response = state.oauth_http.post(app.revoke_url, data=form, headers=headers)
    except EgressRefused as exc:
        return _logged(account, f"refused by the egress policy ({exc.reason})")
    except httpx.InvalidURL:
        return _logged(account, "invalid revocation URL")
    except httpx.HTTPError as exc:
        return _logged(account, f"unreachable ({type(exc).__name__})")
    return _logged(
        account, "revoked" if response.status_code < 300 else f"refused (HTTP {response.status_code})"
    )


def _logged(account: Any, outcome: str) -> str:
    log.info("revocation at the provider for connected account %s: %s", account.id, outcome)
    return outcome
