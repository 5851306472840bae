"""OAuth 2.0 token refresh: before expiry, after an upstream 401, and from the background job.

Single flight. Two layers make "at most one refresh per account at a time"
hold across coroutines, threads and processes:

1. an in-process `asyncio.Lock` per account, so 50 concurrent executions in
   one server queue in memory instead of on the database;
2. a database lock on the account (`valetkey.auth.row_lock`: row lock on
   PostgreSQL, write lock on SQLite), held while the token endpoint is
   called and until the new tokens are committed.

Whoever gets the lock re-reads the account and compares its sealed state
with the one it saw before asking: if it changed, another holder already
refreshed and the new tokens are used as they are. So the provider sees
exactly one refresh however many callers noticed the expiry at once.

Rotation. The new token set (with a rotated refresh token) is sealed and
committed before the lock is released and before any caller uses the new
access token: a crash after the provider answers can lose at most a token
nobody has used yet, never leave the old, now-revoked, refresh token as the
stored one while requests already run on the new access token.

Failure. `invalid_grant` means the grant is gone: the account becomes
EXPIRED with the provider's reason. Network errors, 5xx and other refusals
count in `refresh_failures`; at `settings.refresh_failure_limit` in a row the
account becomes EXPIRED too.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging
import time
import weakref
from dataclasses import dataclass, field
from typing import Any

from starlette.concurrency import run_in_threadpool

from valetkey.auth import schemes
from valetkey.auth.credentials import account_credentials, open_account_state, seal_account_state
from valetkey.auth.models import AuthConfig
from valetkey.auth.oauth2_client import TokenError, refresh_tokens, token_http
from valetkey.auth.oauth_endpoints import config_credentials, oauth_app
from valetkey.auth.row_lock import locked_account
from valetkey.store.db import utcnow

log = logging.getLogger("valetkey.auth.refresh")

REFRESHED = "refreshed"  # this call refreshed the tokens
CURRENT = "current"  # nothing to do, or another holder already refreshed
EXPIRED = "expired"  # the account is (now) EXPIRED
FAILED = "failed"  # a transient failure; the old tokens are still stored
UNAVAILABLE = "unavailable"  # not refreshable: no refresh token, not OAuth 2, inactive, or gone
BUSY = "busy"  # another transaction holds the account (background sweeps only)
MEMO_SECONDS = 10.0


@dataclass(frozen=True)
class RefreshOutcome:
    result: str
    # The account's credential values after the call (None when it has none to offer).
    values: dict[str, Any] | None = field(default=None, repr=False)
    state_encrypted: str | None = field(default=None, repr=False)
    expires_at: dt.datetime | None = None
    reason: str | None = None


def margin(state: Any) -> dt.timedelta:
    return dt.timedelta(seconds=float(getattr(state.settings, "refresh_margin", 300.0)))


def is_expiring(expires_at: dt.datetime | None, state: Any, now: dt.datetime | None = None) -> bool:
    return expires_at is not None and expires_at <= (now or utcnow()) + margin(state)


def _in_process_lock(state: Any, account_id: str) -> asyncio.Lock:
    locks = state.extras.get("refresh_locks")
    if locks is None:
        locks = state.extras.setdefault("refresh_locks", weakref.WeakValueDictionary())
    lock = locks.get(account_id)
    if lock is None:
        lock = asyncio.Lock()
        locks[account_id] = lock
    return lock


async def refresh_tokens_once(
    state: Any, account_id: str, *, seen_state: str | None, only_if_expiring: bool, skip_locked: bool = False
) -> RefreshOutcome:
    """Refresh the account's tokens unless someone already replaced `seen_state` (see the module doc)."""
    async with _in_process_lock(state, account_id):
        memo = _memo(state).get(account_id)
        if (
            memo is not None
            and seen_state is not None
            and memo[0] == seen_state
            and time.monotonic() - memo[2] < MEMO_SECONDS
        ):
            # This process just replaced the state the caller saw: no need to queue on the database.
            return memo[1]
        outcome, _expired = await run_in_threadpool(
            _refresh_locked, state, account_id, seen_state, only_if_expiring, skip_locked
        )
        if (
            outcome.result in (REFRESHED, CURRENT)
            and seen_state is not None
            and outcome.state_encrypted not in (None, seen_state)
        ):
            memo_map = _memo(state)
            if len(memo_map) > 1000:
                memo_map.clear()
            memo_map[account_id] = (
                seen_state,
                dataclasses.replace(outcome, result=CURRENT),
                time.monotonic(),
            )
    return outcome


def _memo(state: Any) -> dict[str, tuple[str, RefreshOutcome, float]]:
    """Per account, the sealed state this process just saw replaced, what replaced it, and when.

    Only consulted by a caller holding exactly that superseded state, so it can
    only hand out tokens newer than the caller's; entries are short-lived
    (`MEMO_SECONDS`) so opened credentials do not linger in memory.
    """
    memo = state.extras.get("refresh_memo")
    if memo is None:
        memo = state.extras.setdefault("refresh_memo", {})
    return memo


def _values(state: Any, account: Any, config: Any) -> dict[str, Any]:
    return account_credentials(state.vault, account, auth_config_settings=config.settings if config else None)


def _refresh_locked(
    state: Any, account_id: str, seen_state: str | None, only_if_expiring: bool, skip_locked: bool
) -> tuple[RefreshOutcome, tuple[str, str] | None]:
    now = utcnow()
    with locked_account(state.db, account_id, skip_locked=skip_locked) as (db, account):
        if account is None:
            return RefreshOutcome(BUSY if skip_locked else UNAVAILABLE), None
        config = db.get(AuthConfig, account.auth_config_id)

        def current(result: str = CURRENT, reason: str | None = None) -> RefreshOutcome:
            return RefreshOutcome(
                result, _values(state, account, config), account.state_encrypted, account.expires_at, reason
            )

        if account.status != "ACTIVE" or account.is_disabled or account.auth_scheme != "OAUTH2":
            return RefreshOutcome(
                EXPIRED if account.status == "EXPIRED" else UNAVAILABLE, reason=account.status_reason
            ), None
        if seen_state is not None and account.state_encrypted != seen_state:
            return current(), None  # refreshed by another holder while we waited
        if only_if_expiring and not is_expiring(account.expires_at, state, now):
            return current(), None
        secrets = open_account_state(state.vault, account.project_id, account.id, account.state_encrypted)
        toolkit = schemes.toolkit_of(state.catalog, account.toolkit_slug)
        scheme = schemes.scheme_of(toolkit, account.auth_scheme)
        if not secrets.get("refresh_token") or not (scheme.oauth or {}).get("supports_refresh", True):
            return current(UNAVAILABLE, "The account has no refresh token"), None
        try:
            app = oauth_app(scheme, config, config_credentials(state, config), account.data or {})
            tokens = refresh_tokens(
                token_http(state), app, refresh_token=secrets["refresh_token"], previous=secrets, now=now
            )
        except TokenError as exc:
            return _failed(state, account, config, exc, now)
        except Exception as exc:  # the auth config or catalog changed under the account
            return _failed(state, account, config, TokenError("configuration_error", type(exc).__name__), now)
        # Sealed and committed (when this block exits) before anyone gets the new access token.
        account.state_encrypted = seal_account_state(
            state.vault, account.project_id, account.id, tokens.secret
        )
        account.data = {**(account.data or {}), **tokens.public}
        account.expires_at = tokens.expires_at
        account.refresh_failures = 0
        db.flush()
        log.info("refreshed tokens of connected account %s", account.id)
        return current(REFRESHED), None


def _failed(
    state: Any, account: Any, config: Any, exc: TokenError, now: dt.datetime
) -> tuple[RefreshOutcome, tuple[str, str] | None]:
    limit = int(getattr(state.settings, "refresh_failure_limit", 5))
    account.refresh_failures = (account.refresh_failures or 0) + 1
    if exc.error == "invalid_grant":
        reason = (
            f"The provider refused the refresh token (invalid_grant: {exc.description or 'no description'})"
        )
    elif account.refresh_failures >= limit:
        reason = f"Token refresh failed {account.refresh_failures} times in a row (last: {exc})"
    else:
        log.warning(
            "token refresh of connected account %s failed (%d/%d): %s",
            account.id,
            account.refresh_failures,
            limit,
            exc.error,
        )
        return RefreshOutcome(
            FAILED, _values(state, account, config), account.state_encrypted, account.expires_at, str(exc)
        ), None
    account.status, account.status_reason, account.status_changed_at = "EXPIRED", reason[:500], now
    log.warning("connected account %s is EXPIRED: %s", account.id, exc.error)
    return RefreshOutcome(EXPIRED, reason=reason), (account.project_id, reason)
