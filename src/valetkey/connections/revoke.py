"""Revoking an account's tokens at the provider (RFC 7009).

Two callers with different contracts:

- deleting an account (`revoke_tokens`) is best effort: deletion must not depend
  on the provider being up, so every failure is logged (outcome and account id,
  never a token) and swallowed. The refresh token is revoked by default, which
  RFC 7009 says also ends the access tokens of the same grant; toolkits can ask
  for the access token instead (`revoke_token_hint`).
- revoking on request (`revoke_grant`, `POST /connected_accounts/{id}/revoke`) must
  say what happened: it revokes every token it holds (refresh token first, then the
  access token), returns the kinds the provider confirmed, and raises when the scheme
  or provider cannot revoke, or the provider refuses or cannot be reached.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import httpx

from valetkey.connections import schemes
from valetkey.connections.oauth2_client import client_auth
from valetkey.connections.oauth_endpoints import OAuthApp, config_credentials, oauth_app
from valetkey.connections.state import ConnectionsState
from valetkey.core.errors import ApiError, BadRequest, Conflict
from valetkey.net.egress import EgressRefused

log = logging.getLogger("valetkey.connections.revoke")
TOKEN_KINDS = ("refresh_token", "access_token")


def revoke_tokens(state: ConnectionsState, account: Any, config: Any, secrets: Mapping[str, Any]) -> str:
    """Ask the provider to revoke; returns the outcome word that was logged (for tests and callers)."""
    if account.auth_scheme != "OAUTH2":
        return _logged(account, "unsupported")
    try:
        app = _app(state, account, config)
    except Exception:
        return _logged(account, "configuration_unavailable")
    if not app.revoke_url:
        return _logged(account, "not_supported_by_provider")
    hint = app.quirks.get("revoke_token_hint") or "refresh_token"
    token = secrets.get(hint) or secrets.get("access_token")
    if not token:
        return _logged(account, "no_token")
    kind = hint if secrets.get(hint) else "access_token"
    return _logged(account, _send(state, app, str(token), kind))


def revoke_grant(state: ConnectionsState, account: Any, config: Any, secrets: Mapping[str, Any]) -> list[str]:
    """Revoke every token `secrets` holds at the provider; the kinds it confirmed, in order.

    Raises BadRequest `RevocationNotSupported` when the scheme or the provider has no revocation
    endpoint, Conflict `ConnectedAccountNotRevokable` when there is no token to revoke, and a 502
    `RevocationFailed` when the provider refuses or cannot be reached (nothing is changed then).
    """
    if account.auth_scheme != "OAUTH2":
        raise _not_supported(account, f"{account.auth_scheme} credentials have no revocation endpoint")
    app = _app(state, account, config)
    if not app.revoke_url:
        raise _not_supported(account, f"the {account.toolkit_slug} toolkit names no revocation endpoint")
    tokens = [(kind, str(secrets[kind])) for kind in TOKEN_KINDS if secrets.get(kind)]
    if not tokens:
        raise Conflict(
            f"Connected account {account.id} holds no token to revoke",
            slug="ConnectedAccountNotRevokable",
            suggested_fix="Only a connected OAuth account can be revoked; delete this one instead.",
        )
    revoked: list[str] = []
    for kind, token in tokens:
        outcome = _logged(account, _send(state, app, token, kind))
        if outcome != "revoked":
            raise ApiError(
                f"The provider did not revoke the {kind.replace('_', ' ')} of connected account "
                f"{account.id}: {outcome}"
                + (f" (after revoking the {revoked[0].replace('_', ' ')})" if revoked else ""),
                status=502,
                slug="RevocationFailed",
                suggested_fix="Try again later; the account keeps its status until the provider confirms.",
            )
        revoked.append(kind)
    return revoked


def _app(state: ConnectionsState, account: Any, config: Any) -> OAuthApp:
    toolkit = schemes.toolkit_of(state.catalog, account.toolkit_slug)
    scheme = schemes.scheme_of(toolkit, account.auth_scheme)
    return oauth_app(scheme, config, config_credentials(state, config), account.data or {})


def _send(state: ConnectionsState, app: OAuthApp, token: str, kind: str) -> str:
    """One RFC 7009 request; the outcome word ("revoked", or why not)."""
    assert app.revoke_url
    form = {"token": token, "token_type_hint": kind}
    headers = {"Accept": "application/json", **client_auth(app, form)}
    try:
        response = state.oauth_http.post(app.revoke_url, data=form, headers=headers)
    except EgressRefused as exc:
        return f"refused by the egress policy ({exc.reason})"
    except httpx.InvalidURL:
        return "invalid revocation URL"
    except httpx.HTTPError as exc:
        return f"unreachable ({type(exc).__name__})"
    return "revoked" if response.status_code < 300 else f"refused (HTTP {response.status_code})"


def _not_supported(account: Any, why: str) -> BadRequest:
    return BadRequest(
        f"Connected account {account.id} cannot be revoked at the provider: {why}",
        slug="RevocationNotSupported",
        suggested_fix="Revoke access in the provider's settings, then delete or disable the connected account.",
    )


def _logged(account: Any, outcome: str) -> str:
    log.info("revocation at the provider for connected account %s: %s", account.id, outcome)
    return outcome
