"""Checking each imported account on the paths every account takes here.

- OAuth 2 with a refresh token whose access token is stale or of unknown age:
  a token refresh (`connections.refresh.refresh_tokens_once`, the renewal path
  tools use), which proves the refresh token is bound to the auth config's
  client; a refused refresh means the user must authorize again.
- Other OAuth accounts: the toolkit's verification request with the token.
- Every other scheme: `connections.accounts.refresh_account`, the verification
  request a `POST /connected_accounts/{id}/refresh` runs (ACTIVE or FAILED).

All of them go through the egress policy, like any account's calls. A
transient failure (network, a 5xx) leaves the account ``pending``: a rerun of
the import verifies it again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from fastapi.concurrency import run_in_threadpool

from valetkey.connections import refresh, schemes
from valetkey.connections.accounts import get_account, refresh_account
from valetkey.connections.credentials import account_credentials
from valetkey.connections.models import AuthConfig, ConnectedAccount
from valetkey.connections.state import ConnectionsState
from valetkey.connections.verification import verify_credentials
from valetkey.core.errors import ApiError
from valetkey.transfer.importer import FAILED, MIGRATED, PENDING, REAUTH, Importer, Item

CONCURRENCY = 8


async def verify_all(importer: Importer, items: Sequence[Item], concurrency: int = CONCURRENCY) -> None:
    gate = asyncio.Semaphore(concurrency)

    async def one(item: Item) -> None:
        async with gate:
            outcome, reason = await verify_account(importer.state, importer.project_id, str(item.target_id))
        await run_in_threadpool(importer.settle, item, outcome, reason)
        importer.tick("verified", 1)

    await asyncio.gather(*(one(item) for item in items if item.target_id))


async def _refresh(state: ConnectionsState, account: ConnectedAccount) -> tuple[str, str | None]:
    outcome = await refresh.refresh_tokens_once(
        state, account.id, seen_state=account.state_encrypted, only_if_expiring=False
    )
    if outcome.result in (refresh.REFRESHED, refresh.CURRENT):
        return MIGRATED, "tokens refreshed with this installation's OAuth client"
    if outcome.result == refresh.EXPIRED:
        return REAUTH, f"refresh refused: {outcome.reason or 'the provider refused the refresh token'}"
    if outcome.result == refresh.UNAVAILABLE:
        return REAUTH, f"not refreshable: {outcome.reason or 'no refresh token'}"
    return PENDING, f"refresh did not complete ({outcome.reason or outcome.result}); rerun to retry"


async def verify_account(state: ConnectionsState, project_id: str, account_id: str) -> tuple[str, str | None]:
    def load() -> tuple[ConnectedAccount, AuthConfig]:
        with state.db.session() as db:
            return get_account(db, project_id, account_id)

    account, config = await run_in_threadpool(load)
    if account.is_disabled:
        return MIGRATED, "disabled at the source: kept disabled, not verified"
    toolkit = schemes.toolkit_of(state.catalog, account.toolkit_slug)
    scheme = schemes.scheme_of(toolkit, account.auth_scheme)
    if account.auth_scheme in schemes.REDIRECT_SCHEMES:
        values = account_credentials(state.vault, account, auth_config_settings=config.settings)
        refreshable = account.auth_scheme == "OAUTH2" and bool(values.get("refresh_token"))
        stale = account.expires_at is None or refresh.is_expiring(account.expires_at, state)
        if refreshable and stale:
            return await _refresh(state, account)
        if not scheme.verification and account.expires_at is not None and not stale:
            return MIGRATED, "access token current; the toolkit has no verification request"
        result = await verify_credentials(state.http, toolkit, scheme, values)
        if result.ok:
            return MIGRATED, None
        if refreshable:
            return await _refresh(state, account)
        return REAUTH, f"token refused: {result.reason}"
    try:
        fresh, _ = await refresh_account(state, project_id, account_id)
    except ApiError as exc:
        return FAILED, exc.message
    if fresh.status == "ACTIVE":
        return MIGRATED, None
    return FAILED, fresh.status_reason or f"verification left it {fresh.status}"
