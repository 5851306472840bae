"""The background job: keep idle OAuth accounts fresh and tidy up abandoned flows.

Runs in every API process (an asyncio task in the app's lifespan) every
`settings.refresh_interval` seconds; 0 turns it off. Several processes on one
PostgreSQL are safe: each sweep refreshes through the same single-flight
path as executions (`valetkey.connections.refresh`) with SKIP LOCKED, so an account
another process is refreshing is skipped, and the sealed-state comparison
makes a second pass over an account it just refreshed a no-op.
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from valetkey.connections import refresh
from valetkey.connections.accounts import expire_stale_initiations
from valetkey.connections.flows import purge_old_flows
from valetkey.connections.models import ConnectedAccount
from valetkey.connections.state import ConnectionsState
from valetkey.store.db import utcnow

log = logging.getLogger("valetkey.connections.refresh")
BATCH = 200


def _due(state: ConnectionsState) -> list[tuple[str, str | None]]:
    """ACTIVE OAuth 2 accounts whose access token expires within the margin (oldest expiry first)."""
    with state.db.session() as db:
        rows = db.execute(
            select(ConnectedAccount.id, ConnectedAccount.state_encrypted)
            .where(
                ConnectedAccount.status == "ACTIVE",
                ConnectedAccount.is_disabled.is_(False),
                ConnectedAccount.auth_scheme == "OAUTH2",
                ConnectedAccount.expires_at <= utcnow() + refresh.margin(state),
            )
            .order_by(ConnectedAccount.expires_at)
            .limit(BATCH)
        ).all()
    return [(row.id, row.state_encrypted) for row in rows]


def _housekeeping(state: ConnectionsState) -> None:
    with state.db.session() as db:
        expire_stale_initiations(db)
        purge_old_flows(db)


async def sweep(state: ConnectionsState) -> dict[str, int]:
    """One pass; returns how many accounts ended in each outcome (for logs and tests)."""
    await run_in_threadpool(_housekeeping, state)
    counts: dict[str, int] = {}
    for account_id, seen in await run_in_threadpool(_due, state):
        outcome = await refresh.refresh_tokens_once(
            state, account_id, seen_state=seen, only_if_expiring=True, skip_locked=True
        )
        counts[outcome.result] = counts.get(outcome.result, 0) + 1
    if counts:
        log.info("token refresh sweep: %s", counts)
    return counts


async def run_forever(state: ConnectionsState, interval: float) -> None:
    while True:
        try:
            await sweep(state)
        except asyncio.CancelledError:
            raise
        except Exception:  # keep the job alive; the next pass retries
            log.exception("token refresh sweep failed")
        await asyncio.sleep(interval)


def start(state: ConnectionsState) -> asyncio.Task[None] | None:
    """Start the job in the running loop (None when `refresh_interval` is 0)."""
    interval = float(getattr(state.settings, "refresh_interval", 60.0))
    if interval <= 0:
        return None
    return asyncio.get_running_loop().create_task(run_forever(state, interval), name="valetkey-token-refresh")


async def stop(task: asyncio.Task[None] | None) -> None:
    if task is None:
        return
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass
