"""OAuth 2.0 token refresh: before expiry, after an upstream 401, and from the background job.

Single flight. "At most one refresh per account at a time" holds across
coroutines, threads and processes, and no database transaction is open while
the provider is asked (its token endpoint may take up to 30 s; on SQLite a
transaction held that long would stall every writer of the database):

1. an in-process `asyncio.Lock` per account, so 50 concurrent executions in
   one server queue in memory instead of on the database;
2. a lease on the account's row (`refresh_lease_id`, `refresh_lease_until`),
   claimed by one conditional UPDATE (compare-and-set on the sealed state
   read and "no live lease"), committed at once. Another process that finds
   a live lease waits, re-reading the row, until the holder commits or the
   lease lapses (`LEASE_SECONDS`, for a holder that died);
3. the provider call, outside any transaction;
4. a short commit transaction (`valetkey.connections.row_lock`) that stores the new
   tokens only if the row still holds the refresh token that was sent
   (compare-and-set on the grant; key rotation re-seals the same token and
   passes), and releases the lease.

Whoever finds the sealed state changed from the one it saw before asking
takes the stored tokens as they are. So the provider sees exactly one
refresh however many callers noticed the expiry at once.

Rotation. The new token set (with a rotated refresh token) is sealed and
committed before any caller uses the new access token: a crash after the
provider answers can lose at most a token nobody has used yet. If the commit's
compare-and-set fails (another holder committed first after our lease lapsed,
or the user reconnected meanwhile), the answer is dropped: its rotated refresh
token is never stored or logged and is left to lapse at the provider, and the
caller gets the tokens stored now. It is not revoked: revoking a refresh token
revokes its whole grant at many providers, which may be the grant now stored.

Failure. `invalid_grant` means the grant is gone: the account becomes
EXPIRED with the provider's reason. Network errors, 5xx and other refusals
count in `refresh_failures`; at `settings.refresh_failure_limit` in a row the
account becomes EXPIRED too.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import hmac
import logging
import secrets as secrets_module
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import or_, update
from starlette.concurrency import run_in_threadpool

from valetkey.connections import schemes
from valetkey.connections.credentials import account_credentials, open_account_state, seal_account_state
from valetkey.connections.models import AuthConfig, ConnectedAccount
from valetkey.connections.oauth2_client import TokenError, TokenSet, refresh_tokens
from valetkey.connections.oauth_endpoints import config_credentials, oauth_app
from valetkey.connections.row_lock import locked_account
from valetkey.connections.state import ConnectionsState
from valetkey.store.db import affected_rows, utcnow

log = logging.getLogger("valetkey.connections.refresh")

REFRESHED = "refreshed"  # this call refreshed the tokens
CURRENT = "current"  # nothing to do, or another holder already refreshed
EXPIRED = "expired"  # the account is (now) EXPIRED
FAILED = "failed"  # a transient failure; the old tokens are still stored
UNAVAILABLE = "unavailable"  # not refreshable: no refresh token, not OAuth 2, inactive, or gone
BUSY = "busy"  # another caller holds the account's refresh lease (background sweeps only)
# How long a claimed refresh is someone's: longer than the token endpoint's 30 s timeout, so a live
# holder keeps it; a holder that died lets it lapse after this long.
LEASE_SECONDS = 45.0
# A caller waiting on another process's lease re-reads the account after this long, doubling to the max.
POLL_SECONDS = (0.02, 0.25)


@dataclass(frozen=True)
class RefreshOutcome:
    result: str
    # The account's credential values after the call (None when it has none to offer).
    values: dict[str, Any] | None = field(default=None, repr=False)
    state_encrypted: str | None = field(default=None, repr=False)
    expires_at: dt.datetime | None = None
    reason: str | None = None


def margin(state: ConnectionsState) -> dt.timedelta:
    return dt.timedelta(seconds=float(getattr(state.settings, "refresh_margin", 300.0)))


def is_expiring(
    expires_at: dt.datetime | None, state: ConnectionsState, now: dt.datetime | None = None
) -> bool:
    return expires_at is not None and expires_at <= (now or utcnow()) + margin(state)


def _in_process_lock(state: ConnectionsState, account_id: str) -> asyncio.Lock:
    locks = state.refresh_locks
    lock = locks.get(account_id)
    if lock is None:
        lock = asyncio.Lock()
        locks[account_id] = lock
    return lock


async def refresh_tokens_once(
    state: ConnectionsState,
    account_id: str,
    *,
    seen_state: str | None,
    only_if_expiring: bool,
    skip_locked: bool = False,
) -> RefreshOutcome:
    """Refresh the account's tokens unless someone already replaced `seen_state` (see the module doc)."""
    async with _in_process_lock(state, account_id):
        memo = state.refresh_memo.get(account_id)  # a TTL cache: entries live REFRESH_MEMO_SECONDS
        if memo is not None and seen_state is not None and memo[0] == seen_state:
            # This process just replaced the state the caller saw: no need to queue on the database.
            return memo[1]
        outcome, _expired = await _refresh_single_flight(
            state, account_id, seen_state, only_if_expiring, skip_locked
        )
        if (
            outcome.result in (REFRESHED, CURRENT)
            and seen_state is not None
            and outcome.state_encrypted not in (None, seen_state)
        ):
            # Per account, the sealed state this process just saw replaced and what replaced it. Only
            # consulted by a caller holding exactly that superseded state, so it can only hand out tokens
            # newer than the caller's; entries are short-lived so opened credentials do not linger.
            state.refresh_memo[account_id] = (seen_state, dataclasses.replace(outcome, result=CURRENT))
    return outcome


def _values(state: ConnectionsState, account: Any, config: Any) -> dict[str, Any]:
    return account_credentials(state.vault, account, auth_config_settings=config.settings if config else None)


def _current(
    state: ConnectionsState, account: Any, config: Any, result: str = CURRENT, reason: str | None = None
) -> RefreshOutcome:
    return RefreshOutcome(
        result, _values(state, account, config), account.state_encrypted, account.expires_at, reason
    )


# -- single flight: claim a lease, call the provider, compare-and-set -----------------------


@dataclass(frozen=True)
class _Claim:
    """This caller holds the account's refresh lease: what it needs to call the provider and commit."""

    account_id: str
    lease_id: str
    # The sealed state and refresh token the lease was claimed on: the commit's compare-and-set.
    state_encrypted: str = field(repr=False)
    refresh_token: str = field(repr=False)
    secrets: dict[str, Any] = field(repr=False)
    app: Any = field(repr=False)  # the OAuthApp, or the TokenError building it raised


@dataclass(frozen=True)
class _Held:
    """Another caller (thread or process) holds a live lease on the account."""

    state_encrypted: str | None = field(repr=False)
    until: dt.datetime


@dataclass(frozen=True)
class _Done:
    outcome: RefreshOutcome


_RACED = object()  # the row changed between our read and our claim: read again


async def _refresh_single_flight(
    state: ConnectionsState,
    account_id: str,
    seen_state: str | None,
    only_if_expiring: bool,
    skip_locked: bool,
) -> tuple[RefreshOutcome, tuple[str, str] | None]:
    """Refresh, or wait out another holder's lease and read its result (see the module doc)."""
    pause = POLL_SECONDS[0]
    while True:
        step = await run_in_threadpool(_attempt, state, account_id, seen_state, only_if_expiring)
        if not isinstance(step, _Held):
            return step
        if skip_locked:
            return RefreshOutcome(BUSY), None
        if seen_state is None:  # once the holder is done, its result is "a change from this"
            seen_state = step.state_encrypted
        left = (step.until - utcnow()).total_seconds()
        await asyncio.sleep(max(0.0, min(pause, left)))
        pause = min(pause * 2, POLL_SECONDS[1])


def _attempt(
    state: ConnectionsState, account_id: str, seen_state: str | None, only_if_expiring: bool
) -> _Held | tuple[RefreshOutcome, tuple[str, str] | None]:
    """Claim, ask the provider, commit: in one thread call, so a cancelled caller cannot
    abandon a claimed lease or a provider's answer halfway (the thread runs to the end)."""
    while True:
        step = _claim(state, account_id, seen_state, only_if_expiring)
        if isinstance(step, _Claim):
            return _commit(state, step, _ask_provider(state, step))
        if isinstance(step, _Done):
            return step.outcome, None
        if isinstance(step, _Held):
            return step
        # _RACED: the row changed between our read and our claim; read it again.


def _claim(
    state: ConnectionsState, account_id: str, seen_state: str | None, only_if_expiring: bool
) -> _Claim | _Held | _Done | object:
    """Read the account and, if it needs the provider, claim its lease by compare-and-set.

    The claim is one UPDATE, conditional on the sealed state read and on no
    live lease: of concurrent claimers (any process), exactly one matches.
    No transaction stays open after this returns.
    """
    now = utcnow()
    with state.db.session() as db:
        account = db.get(ConnectedAccount, account_id)
        if account is None:
            return _Done(RefreshOutcome(UNAVAILABLE))
        config = db.get(AuthConfig, account.auth_config_id)
        if account.status != "ACTIVE" or account.is_disabled or account.auth_scheme != "OAUTH2":
            result = EXPIRED if account.status == "EXPIRED" else UNAVAILABLE
            return _Done(RefreshOutcome(result, reason=account.status_reason))
        if seen_state is not None and account.state_encrypted != seen_state:
            return _Done(_current(state, account, config))  # refreshed by another holder while we waited
        if only_if_expiring and not is_expiring(account.expires_at, state, now):
            return _Done(_current(state, account, config))
        if account.refresh_lease_id and account.refresh_lease_until and account.refresh_lease_until > now:
            return _Held(account.state_encrypted, account.refresh_lease_until)
        secrets = open_account_state(state.vault, account.project_id, account.id, account.state_encrypted)
        toolkit = schemes.toolkit_of(state.catalog, account.toolkit_slug)
        scheme = schemes.scheme_of(toolkit, account.auth_scheme)
        if not secrets.get("refresh_token") or not (scheme.oauth or {}).get("supports_refresh", True):
            return _Done(_current(state, account, config, UNAVAILABLE, "The account has no refresh token"))
        try:
            app: Any = oauth_app(scheme, config, config_credentials(state, config), account.data or {})
        except Exception as exc:  # the auth config or catalog changed under the account
            app = TokenError("configuration_error", type(exc).__name__)
        lease_id = secrets_module.token_hex(8)
        claimed = db.execute(
            update(ConnectedAccount)
            .where(
                ConnectedAccount.id == account_id,
                ConnectedAccount.state_encrypted == account.state_encrypted,
                or_(
                    ConnectedAccount.refresh_lease_until.is_(None),
                    ConnectedAccount.refresh_lease_until <= now,
                ),
            )
            .values(
                refresh_lease_id=lease_id,
                refresh_lease_until=now + dt.timedelta(seconds=LEASE_SECONDS),
                updated_at=ConnectedAccount.updated_at,  # a lease is not a change of the account
            )
            .execution_options(synchronize_session=False)
        )
        # The WHERE compared state_encrypted, so a claimed row had one (NULL never compares equal).
        if affected_rows(claimed) != 1 or account.state_encrypted is None:
            return _RACED
        return _Claim(account_id, lease_id, account.state_encrypted, secrets["refresh_token"], secrets, app)


def _ask_provider(state: ConnectionsState, claim: _Claim) -> TokenSet | TokenError:
    """The provider's answer to the refresh grant; no database transaction is open meanwhile."""
    if isinstance(claim.app, TokenError):
        return claim.app
    try:
        return refresh_tokens(
            state.oauth_http,
            claim.app,
            refresh_token=claim.refresh_token,
            previous=claim.secrets,
            now=utcnow(),
        )
    except TokenError as exc:
        return exc
    except Exception as exc:  # a bug or an unexpected answer: a transient failure, not a crash
        return TokenError("refresh_error", type(exc).__name__)


def _commit(
    state: ConnectionsState, claim: _Claim, answer: TokenSet | TokenError
) -> tuple[RefreshOutcome, tuple[str, str] | None]:
    """Store the provider's answer if the account still holds the refresh token we sent.

    A short transaction (row lock on PostgreSQL, write lock on SQLite). The
    compare-and-set is on the grant, not on the lease: if the row's refresh
    token is no longer the one we sent (another holder committed after our
    lease lapsed, or the user reconnected), the answer is dropped, new tokens
    included, and the caller gets what is stored now (docs/oauth.md).
    """
    now = utcnow()
    with locked_account(state.db, claim.account_id) as (db, account):
        if account is None:
            return RefreshOutcome(UNAVAILABLE), None
        config = db.get(AuthConfig, account.auth_config_id)
        if account.refresh_lease_id == claim.lease_id:
            account.refresh_lease_id, account.refresh_lease_until = None, None
        if not _same_grant(state, account, claim):
            log.warning(
                "dropped the refresh result of connected account %s: its tokens changed meanwhile", account.id
            )
            if account.status != "ACTIVE" or account.is_disabled:
                return RefreshOutcome(EXPIRED if account.status == "EXPIRED" else UNAVAILABLE), None
            return _current(state, account, config), None
        if isinstance(answer, TokenError):
            if account.status != "ACTIVE":
                return RefreshOutcome(EXPIRED if account.status == "EXPIRED" else UNAVAILABLE), None
            return _failed(state, account, config, answer, now)
        # Sealed and committed (when this block exits) before anyone gets the new access token.
        account.state_encrypted = seal_account_state(
            state.vault, account.project_id, account.id, answer.secret
        )
        account.data = {**(account.data or {}), **answer.public}
        account.expires_at = answer.expires_at
        account.refresh_failures = 0
        db.flush()
        log.info("refreshed tokens of connected account %s", account.id)
        return _current(state, account, config, REFRESHED), None


def _same_grant(state: ConnectionsState, account: Any, claim: _Claim) -> bool:
    """Whether the account still holds the refresh token the claim sent (key rotation re-seals, keeps it)."""
    if account.state_encrypted == claim.state_encrypted:
        return True
    try:
        stored = open_account_state(state.vault, account.project_id, account.id, account.state_encrypted)
    except Exception:
        return False
    token = stored.get("refresh_token")
    return isinstance(token, str) and hmac.compare_digest(token, claim.refresh_token)


def _failed(
    state: ConnectionsState, account: Any, config: Any, exc: TokenError, now: dt.datetime
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
