"""The poll scheduler: polls each enabled polling instance on its cadence, never twice at once.

Cadence: `VALETKEY_POLL_INTERVAL` seconds when set (development, tests), else
the trigger's own ``interval`` in minutes, at least 60 s. A scheduler claims due
instances with a lease (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, the write lock
on SQLite; only free or expired leases), polls outside any transaction, then
writes the events and the new watermark in one transaction, only while it
still holds the lease. A scheduler killed mid-poll leaves a lease that
expires after `LEASE_SECONDS`; the next poll starts from the old watermark, so
the events of the lost poll are found again, not lost. Errors count in the
instance's health (`consecutive_errors`, `last_error`) and back off.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select, update

from valetkey.core.errors import ApiError
from valetkey.core.ids import new_id
from valetkey.store.db import utcnow
from valetkey.triggers import providers
from valetkey.triggers.events import emit
from valetkey.triggers.instances import poll_seconds, registration
from valetkey.triggers.models import TriggerInstance
from valetkey.triggers.providers.base import PollResult
from valetkey.triggers.providers.gmail import StaleWatermark
from valetkey.triggers.providers.google import StaleToken
from valetkey.triggers.state import TriggersState

log = logging.getLogger("valetkey.triggers.polling")
LEASE_SECONDS = 300.0
SWEEP_SECONDS = 1.0
CONCURRENCY = 16
BATCH = 50
MAX_BACKOFF_SECONDS = 3600.0


@dataclass(frozen=True)
class Claimed:
    instance: TriggerInstance  # detached copy
    lease_id: str


class PollScheduler:
    def __init__(self, state: TriggersState, *, sweep_seconds: float = SWEEP_SECONDS):
        self.state = state
        self.sweep_seconds = sweep_seconds
        self._task: asyncio.Task[None] | None = None
        self.polls = 0  # completed polls, for tests and benchmarks

    def claim(self, limit: int) -> list[Claimed]:
        now = utcnow()
        lease_id = new_id("plea")
        db = self.state.db
        with db.write_session() as s:
            query = (
                select(TriggerInstance)
                .where(
                    TriggerInstance.kind == "poll",
                    TriggerInstance.status == "enabled",
                    TriggerInstance.next_poll_at <= now,
                    or_(TriggerInstance.poll_lease_until.is_(None), TriggerInstance.poll_lease_until < now),
                )
                .order_by(TriggerInstance.next_poll_at)
                .limit(limit)
            )
            if not db.url.startswith("sqlite"):
                query = query.with_for_update(skip_locked=True)
            rows = list(s.scalars(query))
            if not rows:
                return []
            s.execute(
                update(TriggerInstance)
                .where(TriggerInstance.id.in_([r.id for r in rows]))
                .values(poll_lease_id=lease_id, poll_lease_until=now + dt.timedelta(seconds=LEASE_SECONDS))
                .execution_options(synchronize_session=False)
            )
            for row in rows:
                s.expunge(row)
        return [Claimed(row, lease_id) for row in rows]

    async def poll(self, claimed: Claimed) -> None:
        instance = claimed.instance
        result: PollResult | None = None
        error: str | None = None
        fresh_state = None
        try:
            trigger, toolkit, _ = self.state.catalog.trigger_type(instance.trigger_slug, instance.version)
            poller = providers.POLL_PROVIDERS[trigger.toolkit]
            result = await poller.poll(registration(self.state, instance, trigger, toolkit))
        except (StaleWatermark, StaleToken) as exc:
            error, fresh_state = exc.message, exc.provider_state
        except ApiError as exc:
            error = exc.message
        except Exception as exc:  # a provider bug must not stop the scheduler
            log.exception("polling trigger %s failed", instance.id)
            error = f"{type(exc).__name__}: {exc}"
        await asyncio.to_thread(self._record, claimed, result, error, fresh_state)
        self.polls += 1

    def _record(
        self,
        claimed: Claimed,
        result: PollResult | None,
        error: str | None,
        fresh_state: dict[str, Any] | None,
    ) -> None:
        now = utcnow()
        with self.state.db.write_session() as s:
            instance = s.get(TriggerInstance, claimed.instance.id)
            if instance is None or instance.poll_lease_id != claimed.lease_id:
                return  # deleted, or our lease expired and another scheduler owns it now
            interval = poll_seconds(instance.config, self.state.settings.poll_interval)
            instance.poll_lease_id, instance.poll_lease_until = None, None
            instance.last_poll_at = now
            if result is not None:
                emit(s, instance, result.events)
                instance.provider_state = result.provider_state
                instance.consecutive_errors, instance.last_error = 0, None
                instance.next_poll_at = now + dt.timedelta(seconds=interval)
            else:
                instance.consecutive_errors += 1
                instance.last_error = (error or "poll failed")[:1000]
                if fresh_state is not None:
                    instance.provider_state = fresh_state
                backoff = min(interval * 2 ** min(instance.consecutive_errors - 1, 10), MAX_BACKOFF_SECONDS)
                instance.next_poll_at = now + dt.timedelta(seconds=max(interval, backoff))
            if instance.status != "enabled":
                instance.next_poll_at = None

    async def run_once(self) -> int:
        claimed = await asyncio.to_thread(self.claim, BATCH)
        slots = asyncio.Semaphore(CONCURRENCY)

        async def one(c: Claimed) -> None:
            async with slots:
                await self.poll(c)

        await asyncio.gather(*(one(c) for c in claimed))
        return len(claimed)

    async def run_forever(self) -> None:
        while True:
            try:
                claimed = await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("the poll sweep failed")
                claimed = 0
            if claimed < BATCH:
                await asyncio.sleep(self.sweep_seconds)

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self.run_forever(), name="valetkey-trigger-polls")

    async def stop(self) -> None:
        if self._task is None:
            return
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
