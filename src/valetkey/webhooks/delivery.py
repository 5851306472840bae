"""The delivery worker: takes due events from the outbox, signs and posts them, logs every attempt.

Guarantees (docs/triggers.md):

- At least once. An event stays ``pending`` until a 2xx is recorded; an attempt
  whose worker dies (``kill -9``) is taken again when its row lease expires.
- Never one attempt twice at once. A worker claims due rows with a lease
  (`lease_id`, `lease_until`): ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, the
  database write lock (``BEGIN IMMEDIATE``) on SQLite, and only rows whose lease
  is free or expired. An outcome is applied only by the lease holder.
- Retries on `VALETKEY_WEBHOOK_RETRY_SCHEDULE`: the first delay is the first
  attempt's, each next one counts from the previous failure, jittered by ±10%;
  a ``Retry-After`` on 429 and 503 is waited out when it is longer (at most a day).
  When the schedule is spent the event is ``failed`` (replay it from the API).
- 2xx is success; 410 Gone disables the subscription (and records a
  ``valetkey.webhook_subscription.disabled`` event); its pending events wait
  until it is updated again. Everything else is retried.
- Each attempt is signed afresh: same `webhook-id`, a new `webhook-timestamp`.

The worker runs in `valetkey serve` (the app's lifespan) and in `valetkey worker`.
Deliveries run concurrently (`CONCURRENCY`), so a slow receiver holds one slot
for at most `TIMEOUT_SECONDS`, never the queue; outcomes are written in batches.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import random
import re
import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from valetkey.core.ids import new_id
from valetkey.core.settings import Settings
from valetkey.net.egress import EgressPolicy
from valetkey.net.request import UpstreamRequest
from valetkey.net.retry import parse_retry_after
from valetkey.net.upstream import UpstreamClient, UpstreamOutcome, UpstreamTransport
from valetkey.store.db import Database, utcnow
from valetkey.vault import Vault
from valetkey.webhooks import outbox, retention, wake
from valetkey.webhooks.egress import webhook_policy
from valetkey.webhooks.models import WebhookAttempt, WebhookEvent, WebhookSubscription
from valetkey.webhooks.payloads import body_of, headers
from valetkey.webhooks.subscriptions import disable, signing_secrets

log = logging.getLogger("valetkey.webhooks.delivery")

TIMEOUT_SECONDS = 15.0
LEASE_SECONDS = 2 * TIMEOUT_SECONDS  # past any attempt: a lease only expires when its worker is gone
CONCURRENCY = 128
BATCH = 200
IDLE_SWEEP_SECONDS = 1.0
MAX_RETRY_AFTER = 86_400.0
SNIPPET_CHARS = 1000
JITTER = 0.1
SUBSCRIPTION_DISABLED = "valetkey.webhook_subscription.disabled"
_BEARER = re.compile(r"(?i)\b(bearer|basic|token)\s+[A-Za-z0-9._~+/=-]{8,}")


@dataclass(frozen=True)
class Job:
    """One claimed attempt: everything needed to send it, copied out of the claiming transaction."""

    event_id: str
    project_id: str
    subscription_id: str
    lease_id: str
    attempt: int  # in the current cycle, from 1
    url: str
    version: str
    body: str
    secrets: list[str] = field(repr=False)


@dataclass(frozen=True)
class Result:
    job: Job
    timestamp: int
    outcome: UpstreamOutcome


def next_delay(schedule: tuple[float, ...], failures: int) -> float | None:
    """Seconds before the next attempt after `failures` failed ones (None: the schedule is spent), jittered."""
    if failures >= len(schedule):
        return None
    base = schedule[failures]
    return base * random.uniform(1 - JITTER, 1 + JITTER)  # noqa: S311 (jitter, not a secret)


def scrub(text: str, secrets: list[str]) -> str:
    """`text` without the signing secrets, signatures or bearer-like credentials a receiver echoed."""
    for secret in secrets:
        text = text.replace(secret, "[REDACTED]")
    text = re.sub(r"v1,[A-Za-z0-9+/=]{40,}", "v1,[REDACTED]", text)
    return _BEARER.sub(lambda m: m.group(1) + " [REDACTED]", text)


def _snippet(outcome: UpstreamOutcome, secrets: list[str]) -> str:
    if outcome.response is None:
        return scrub(outcome.message, secrets)[:SNIPPET_CHARS]
    raw = outcome.response.content[: SNIPPET_CHARS * 4].decode("utf-8", errors="replace")
    return scrub(raw, secrets)[:SNIPPET_CHARS]


class DeliveryWorker:
    """Delivers a database's outbox; `start()` in a running loop, `await stop()` when done."""

    def __init__(
        self,
        db: Database,
        vault: Vault,
        egress: EgressPolicy,
        settings: Settings,
        *,
        http: UpstreamTransport | None = None,
        concurrency: int = CONCURRENCY,
    ):
        self.db, self.vault, self.settings = db, vault, settings
        self.schedule = tuple(settings.webhook_retry_schedule)
        self.http: UpstreamTransport = http or UpstreamClient(
            timeout=TIMEOUT_SECONDS, egress=webhook_policy(egress, settings)
        )
        self._owns_http = http is None
        self._slots = asyncio.Semaphore(concurrency)
        self._concurrency = concurrency
        self._wake = asyncio.Event()
        self._results: asyncio.Queue[Result] = asyncio.Queue()
        self._inflight: set[asyncio.Task[None]] = set()
        self._leases: dict[str, int] = {}  # lease id -> its attempts not recorded yet
        self._tasks: list[asyncio.Task[None]] = []
        self._loop: asyncio.AbstractEventLoop | None = None

    # -- claiming ------------------------------------------------------------------------------

    def _due(self, now: dt.datetime) -> Any:
        first = dt.timedelta(seconds=self.schedule[0])
        return or_(
            and_(WebhookEvent.attempts == 0, WebhookEvent.next_attempt_at <= now - first),
            and_(WebhookEvent.attempts > 0, WebhookEvent.next_attempt_at <= now),
        )

    def claim(self, limit: int) -> list[Job]:
        """Lease up to `limit` due events (a blocking call: run it in a thread)."""
        now = utcnow()
        lease_id = new_id("lease")
        postgres = not self.db.url.startswith("sqlite")
        with self.db.write_session() as s:
            query = (
                select(WebhookEvent.id)
                .join(WebhookSubscription, WebhookSubscription.project_id == WebhookEvent.project_id)
                .where(
                    WebhookEvent.status == "pending",
                    WebhookSubscription.status == "enabled",
                    self._due(now),
                    or_(WebhookEvent.lease_until.is_(None), WebhookEvent.lease_until < now),
                )
                .order_by(WebhookEvent.next_attempt_at)
                .limit(limit)
            )
            if postgres:
                query = query.with_for_update(skip_locked=True, of=WebhookEvent)
            ids = list(s.scalars(query))
            if not ids:
                return []
            until = now + dt.timedelta(seconds=LEASE_SECONDS)
            s.execute(
                update(WebhookEvent)
                .where(WebhookEvent.id.in_(ids))
                .values(lease_id=lease_id, lease_until=until)
                .execution_options(synchronize_session=False)
            )
            rows = s.execute(
                select(WebhookEvent, WebhookSubscription)
                .join(WebhookSubscription, WebhookSubscription.project_id == WebhookEvent.project_id)
                .where(WebhookEvent.id.in_(ids))
            ).all()
            jobs = []
            for event, sub in rows:
                jobs.append(
                    Job(
                        event_id=event.id,
                        project_id=event.project_id,
                        subscription_id=sub.id,
                        lease_id=lease_id,
                        attempt=event.attempts + 1,
                        url=sub.webhook_url,
                        version=sub.version,
                        body=body_of(event, sub.version),
                        secrets=signing_secrets(self.vault, sub, now),
                    )
                )
        self._leases[lease_id] = len(jobs)
        return jobs

    # -- sending -------------------------------------------------------------------------------

    async def send(self, job: Job) -> Result:
        timestamp = int(time.time())
        request = UpstreamRequest(
            method="POST",
            url=job.url,
            headers=headers(job.event_id, timestamp, job.body, job.secrets, job.version),
            body_kind="raw",
            body=job.body.encode(),
        )
        return Result(job, timestamp, await self.http.send(request))

    async def _deliver(self, job: Job) -> None:
        try:
            result = await self.send(job)
        finally:
            self._slots.release()
        await self._results.put(result)

    # -- recording -----------------------------------------------------------------------------

    def record(self, results: list[Result]) -> None:
        """Apply outcomes and log the attempts (a blocking call: run it in a thread), in one transaction."""
        now = utcnow()
        with self.db.write_session() as s:
            query = select(WebhookEvent).where(WebhookEvent.id.in_({r.job.event_id for r in results}))
            if not self.db.url.startswith("sqlite"):
                query = query.with_for_update()
            loaded = {event.id: event for event in s.scalars(query)}
            for result in results:
                self._apply(s, result, loaded.get(result.job.event_id), now)

    def _apply(self, s: Session, result: Result, event: WebhookEvent | None, now: dt.datetime) -> None:
        job, outcome = result.job, result.outcome
        status = outcome.status
        if status is not None and 200 <= status < 300:
            verdict = "delivered"
        elif status == 410:
            verdict = "disabled"
        else:
            verdict = "retrying"
        wait = None
        if verdict == "retrying":
            wait = next_delay(self.schedule, job.attempt)
            if wait is None:
                verdict = "failed"
            elif status in (429, 503) and outcome.response is not None:
                asked = parse_retry_after(outcome.response.header("retry-after"))
                if asked is not None:
                    wait = max(wait, min(asked, MAX_RETRY_AFTER))
        s.add(
            WebhookAttempt(
                id=new_id("att", 16),
                event_id=job.event_id,
                project_id=job.project_id,
                attempt=job.attempt,
                url=job.url,
                webhook_timestamp=result.timestamp,
                status_code=status,
                failure=outcome.failure,
                latency_ms=round(outcome.duration_ms, 2),
                response_snippet=_snippet(outcome, job.secrets),
                outcome=verdict,
                created_at=now,
            )
        )
        if event is None or event.lease_id != job.lease_id:
            return  # deleted meanwhile, or our lease expired and another worker holds the row now
        event.attempts = job.attempt
        event.total_attempts += 1
        event.lease_id, event.lease_until = None, None
        if verdict == "delivered":
            event.status, event.status_reason, event.delivered_at = "delivered", None, now
            event.next_attempt_at = None
        elif verdict == "disabled":
            event.status, event.status_reason, event.next_attempt_at = (
                "failed",
                "the receiver answered 410 Gone; the subscription is disabled",
                None,
            )
            sub = s.get(WebhookSubscription, job.subscription_id)
            if sub is not None and sub.status == "enabled":
                reason = f"{job.url} answered 410 Gone"
                disable(s, sub, reason)
                outbox.publish(
                    s,
                    project_id=job.project_id,
                    event_type=SUBSCRIPTION_DISABLED,
                    data={"id": sub.id, "webhook_url": job.url, "disabled_reason": reason},
                    metadata={"webhook_subscription_id": sub.id},
                )
                log.warning("webhook subscription %s disabled: %s", sub.id, reason)
        elif verdict == "failed":
            what = f"HTTP {status}" if status is not None else outcome.failure or "no answer"
            event.status, event.next_attempt_at = "failed", None
            event.status_reason = f"{job.attempt} attempts failed (last: {what})"
        else:
            assert wait is not None
            event.next_attempt_at = now + dt.timedelta(seconds=wait)

    def _forget(self, results: list[Result]) -> None:
        for result in results:
            lease = result.job.lease_id
            left = self._leases.get(lease, 0) - 1
            if left > 0:
                self._leases[lease] = left
            else:
                self._leases.pop(lease, None)

    def release(self) -> None:
        """Free the leases this worker still holds (on a clean stop), so others take those rows at once."""
        leases = list(self._leases)
        self._leases.clear()
        if not leases:
            return
        with self.db.write_session() as s:
            s.execute(
                update(WebhookEvent)
                .where(WebhookEvent.lease_id.in_(leases), WebhookEvent.status == "pending")
                .values(lease_id=None, lease_until=None)
                .execution_options(synchronize_session=False)
            )

    # -- the loops -----------------------------------------------------------------------------

    async def run_once(self) -> int:
        """Claim what is due (up to the free slots) and start sending it; returns how many were claimed."""
        free = self._concurrency - len(self._inflight)
        if free <= 0:
            return 0
        jobs = await asyncio.to_thread(self.claim, min(free, BATCH))
        for job in jobs:
            await self._slots.acquire()
            task = asyncio.get_running_loop().create_task(self._deliver(job))
            self._inflight.add(task)
            task.add_done_callback(self._inflight.discard)
        return len(jobs)

    async def _claim_loop(self) -> None:
        while True:
            try:
                claimed = await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("claiming webhook deliveries failed")
                claimed = 0
            if claimed >= BATCH:
                continue
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), IDLE_SWEEP_SECONDS)

    async def _record_loop(self) -> None:
        while True:
            results = [await self._results.get()]
            while not self._results.empty():
                results.append(self._results.get_nowait())
            try:
                await asyncio.to_thread(self.record, results)
            except asyncio.CancelledError:
                raise
            except Exception:  # the leases expire and the events are sent again: at least once
                log.exception("recording %d webhook attempts failed", len(results))
            self._forget(results)
            self._wake.set()  # slots are free again

    async def _purge_loop(self) -> None:
        """Retention (`valetkey.webhooks.retention`): a purge now, then every purge interval."""
        keep = dt.timedelta(days=self.settings.webhook_retention_days)
        while True:
            try:
                purged = await asyncio.to_thread(retention.purge, self.db, keep)
                if purged.events or purged.attempts:
                    log.info("purged %d webhook events and %d attempts", purged.events, purged.attempts)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("purging old webhook events failed")
            await asyncio.sleep(self.settings.webhook_purge_interval)

    def _wake_threadsafe(self) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._wake.set)

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        wake.add_waker(self._wake_threadsafe)
        self._tasks = [
            self._loop.create_task(self._claim_loop(), name="valetkey-webhook-claims"),
            self._loop.create_task(self._record_loop(), name="valetkey-webhook-records"),
            self._loop.create_task(self._purge_loop(), name="valetkey-webhook-retention"),
        ]

    async def stop(self) -> None:
        wake.remove_waker(self._wake_threadsafe)
        for task in self._tasks:
            task.cancel()
        for task in list(self._inflight):
            task.cancel()
        await asyncio.gather(*self._tasks, *self._inflight, return_exceptions=True)
        pending: list[Result] = []
        while not self._results.empty():
            pending.append(self._results.get_nowait())
        try:
            if pending:
                await asyncio.to_thread(self.record, pending)
            await asyncio.to_thread(self.release)
        except Exception:
            log.exception("could not hand back webhook leases; they expire in %.0f s", LEASE_SECONDS)
        if self._owns_http:
            await self.http.aclose()
