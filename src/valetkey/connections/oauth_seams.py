"""Where the OAuth flows plug into connected accounts.

The non-redirect schemes (API key, bearer, basic, custom fields, no auth) are
complete without this module. OAUTH2 and OAUTH1 need a redirect: starting
one (`valetkey.connections.oauth_start`), finishing it at the callback
(`valetkey.connections.callback`), refreshing tokens (`valetkey.connections.refresh`), and
revoking them at the provider (`valetkey.connections.revoke`). Each function below
is called from `valetkey.connections.accounts` at the right moment.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fastapi.concurrency import run_in_threadpool
from sqlalchemy import update

from valetkey.connections import refresh, schemes
from valetkey.connections.models import ConnectedAccount
from valetkey.connections.oauth_endpoints import config_credentials as open_config_credentials
from valetkey.connections.oauth_endpoints import scopes_for
from valetkey.connections.oauth_start import check_callback_url, start_flow
from valetkey.connections.revoke import revoke_tokens
from valetkey.connections.state import ConnectionsState
from valetkey.core.errors import BadRequest
from valetkey.store.db import utcnow

log = logging.getLogger("valetkey.connections.revoke")


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
    state: ConnectionsState,
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
    managed config, the operator's app via `valetkey.connections.managed`), with
    endpoint overrides; `values` are the non-secret `config.val` the caller
    sent (subdomain...). The redirect URL goes straight to the provider; the
    `state`, PKCE verifier and `callback_url` stay on the server.
    """
    callback_url = check_callback_url(callback_url)
    started = await start_flow(
        state,
        project_id=project_id,
        account_id=account_id,
        scheme=scheme,
        config=config,
        credentials=config_credentials,
        values=values,
        callback_url=callback_url,
    )
    public = {**values, "requested_scopes": list(scopes_for(config, scheme, config_credentials))}
    return RedirectStart(redirect_url=started.redirect_url, public=public, secret={})


async def refresh_redirect_account(
    state: ConnectionsState, *, account: Any, config: Any, redirect_url: str | None
) -> str | None:
    """Refresh an OAuth account: a real token refresh when it can; otherwise a new consent.

    Returns the consent URL when the user must sign in again (the account is
    INITIATED until the callback; `redirect_url` is where they land after).
    """
    if account.auth_scheme == "OAUTH2" and account.status == "ACTIVE":
        outcome = await refresh.refresh_tokens_once(
            state, account.id, seen_state=account.state_encrypted, only_if_expiring=False
        )
        if outcome.result in (refresh.REFRESHED, refresh.CURRENT):
            return None
        if outcome.result == refresh.FAILED:
            raise BadRequest(
                f"The provider could not refresh connected account {account.id} right now",
                slug="TokenRefreshFailed",
                suggested_fix="Try again in a moment.",
            )
    callback_url = check_callback_url(redirect_url)
    toolkit = schemes.toolkit_of(state.catalog, account.toolkit_slug)
    scheme = schemes.scheme_of(toolkit, account.auth_scheme)
    credentials = await run_in_threadpool(open_config_credentials, state, config)
    started = await start_flow(
        state,
        project_id=account.project_id,
        account_id=account.id,
        scheme=scheme,
        config=config,
        credentials=credentials,
        values=account.data or {},
        callback_url=callback_url,
    )
    await run_in_threadpool(_reinitiate, state, account.project_id, account.id)
    return started.redirect_url


def _reinitiate(state: ConnectionsState, project_id: str, account_id: str) -> None:
    """Back to INITIATED for a new consent; the old tokens stay sealed until the callback replaces them."""
    with state.db.session() as db:
        db.execute(
            update(ConnectedAccount)
            .where(ConnectedAccount.id == account_id, ConnectedAccount.project_id == project_id)
            .values(
                status="INITIATED",
                status_reason="Waiting for the user to sign in again",
                status_changed_at=utcnow(),
            )
            .execution_options(synchronize_session=False)
        )


async def revoke_at_provider(
    state: ConnectionsState, *, account: Any, config: Any, secrets: Mapping[str, Any]
) -> None:
    """Revoke an account's tokens at the provider before it is deleted (best effort, never raises)."""
    if not secrets:
        return None
    try:
        await run_in_threadpool(revoke_tokens, state, account, config, secrets)
    except Exception:  # never block a deletion
        log.exception("revocation failed for %s", account.id)
    return None
