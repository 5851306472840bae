"""What tool execution asks of token refresh: fresh credentials before a call, new ones after a 401.

Kept apart from the executor so it calls two functions and knows nothing of
locks or providers. Both take what the executor already holds (its account
snapshot and credential values) and go through the single-flight refresh.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from valetkey.connections import refresh
from valetkey.connections.state import ConnectionsState
from valetkey.core.errors import ApiError


def _expired_error(account_id: str, reason: str | None) -> ApiError:
    return ApiError(
        f"Connected account {account_id} is EXPIRED: {reason or 'its tokens can no longer be refreshed'}",
        status=422,
        slug="ConnectedAccountExpired",
        suggested_fix="Ask the user to connect again (a new Connect Link: POST /api/v3/connected_accounts/link) and retry.",
    )


async def fresh_credentials(
    state: ConnectionsState, account: Any, values: dict[str, Any]
) -> tuple[Any, dict[str, Any]]:
    """(account, values), refreshed when the access token expires within the margin.

    `account` is the executor's snapshot (a frozen dataclass); the returned
    one carries the new sealed state, so a later 401 compares against what
    was actually sent. A transient refresh failure keeps the current values:
    the token may still work, and the upstream's answer is more useful to
    the caller than ours.
    """
    if account.auth_scheme != "OAUTH2" or not refresh.is_expiring(
        getattr(account, "expires_at", None), state
    ):
        return account, values
    outcome = await refresh.refresh_tokens_once(
        state, account.id, seen_state=account.state_encrypted, only_if_expiring=True
    )
    if outcome.result == refresh.EXPIRED:
        raise _expired_error(account.id, outcome.reason)
    if outcome.values is None or outcome.state_encrypted == account.state_encrypted:
        return account, values
    return _renewed(account, outcome), outcome.values


def _renewed(account: Any, outcome: refresh.RefreshOutcome) -> Any:
    changes: dict[str, Any] = {"state_encrypted": outcome.state_encrypted}
    if hasattr(account, "expires_at"):
        changes["expires_at"] = outcome.expires_at
    return dataclasses.replace(account, **changes)


async def renew_after_unauthorized(state: ConnectionsState, connection: Any) -> Any | None:
    """After an upstream 401: the connection with refreshed credentials, or None when there is nothing new.

    The caller retries once with what this returns; a second 401 is the answer.
    """
    account = connection.account
    scheme = connection.scheme
    if (
        connection.source != "connected_account"
        or account is None
        or scheme is None
        or scheme.mode != "OAUTH2"
    ):
        return None
    outcome = await refresh.refresh_tokens_once(
        state, account.id, seen_state=account.state_encrypted, only_if_expiring=False
    )
    if outcome.result not in (refresh.REFRESHED, refresh.CURRENT) or outcome.values is None:
        return None
    if outcome.state_encrypted == account.state_encrypted:
        return None  # nothing changed: retrying would send the same token
    return dataclasses.replace(connection, values=outcome.values, account=_renewed(account, outcome))
