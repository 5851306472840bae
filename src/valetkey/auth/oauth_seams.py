"""Where the OAuth flows plug into connected accounts. Filled by the OAuth work.

The non-redirect schemes (API key, bearer, basic, custom fields, no auth) are
complete without this module. OAUTH2 and OAUTH1 need a redirect: starting
one, finishing it at the callback, refreshing tokens, and revoking them at
the provider. Each function below is called from `valetkey.auth.accounts` at
the right moment; until the flows exist they refuse clearly (400) or do nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from valetkey.api.errors import BadRequest


@dataclass(frozen=True)
class RedirectStart:
    """What starting a redirect flow yields for the new INITIATED account.

    `public` goes to `ConnectedAccount.data` (e.g. callback_url, requested_scopes);
    `secret` is sealed into `state_encrypted` (e.g. PKCE code_verifier, OAuth1
    request-token secret).
    """

    redirect_url: str
    public: dict[str, Any]
    secret: dict[str, Any]


async def start_redirect_flow(
    state: Any,
    *,
    project_id: str,
    account_id: str,
    user_id: str,
    toolkit: Any,
    scheme: Any,
    config: Any,
    config_credentials: Mapping[str, Any],
    values: Mapping[str, Any],
    callback_url: str | None,
) -> RedirectStart:
    """Begin OAuth for a new account (status INITIATED until the callback).

    `config_credentials` are the auth config's opened credentials (for a
    managed config, the operator's app via `valetkey.auth.managed`), with
    endpoint overrides; `values` are the non-secret `config.val` the caller
    sent (subdomain...).
    """
    raise BadRequest(
        f"Connecting {scheme.mode} accounts through initiate() is not supported yet",
        slug="AuthSchemeNotYetSupported",
        suggested_fix="Use an API_KEY, BEARER_TOKEN, BASIC or NO_AUTH auth config for now.",
    )


async def refresh_redirect_account(state: Any, *, account: Any, config: Any, redirect_url: str | None) -> str | None:
    """Refresh an OAuth account (token refresh, or a new consent; returns its redirect URL, if any)."""
    raise BadRequest(
        f"Refreshing {account.auth_scheme} accounts is not supported yet",
        slug="AuthSchemeNotYetSupported",
        suggested_fix="Delete the account and connect it again.",
    )


async def revoke_at_provider(state: Any, *, account: Any, config: Any, secrets: Mapping[str, Any]) -> None:
    """Revoke an account's tokens at the provider before it is deleted (best effort, never raises)."""
    return None
