"""Execution logs: what to record, with secrets removed, and writing it off the hot path.

Every execution and proxy call produces one `ExecutionLog` row. Rows are
appended to a local journal (`log_journal`), queued in memory and inserted in
batches by a background task, so an execution never waits on a database
commit and a crash loses no row whose `log_id` was returned. Until its batch
is committed a row stays readable through `LogWriter.pending`, which is how a
`log_id` can be fetched the moment the execution returns. docs/execution-logs.md
has the guarantee and its cost.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import InterfaceError, OperationalError
from starlette.concurrency import run_in_threadpool

from valetkey.execution.log_journal import Journal, encode_row
from valetkey.execution.log_repair import repair_columns, repair_json_columns, repair_row
from valetkey.execution.models import ExecutionLog
from valetkey.net.request import UpstreamRequest
from valetkey.store.db import Database, table_of
from valetkey.tenancy.models import Project

log = logging.getLogger("valetkey.execution")
REDACTED = "[redacted]"
MAX_STORED_BODY = 64_000
BATCH_SIZE = 500


def describe_request(
    request: UpstreamRequest, secret_headers: Iterable[str], secret_query: Iterable[str]
) -> dict[str, Any]:
    """The request as a log shows it: credentials replaced by a marker."""
    hidden_headers = {h.lower() for h in secret_headers}
    hidden_query = set(secret_query)
    headers = {k: (REDACTED if k.lower() in hidden_headers else v) for k, v in request.headers.items()}
    query: dict[str, Any] = {}
    for k, v in request.query:
        query.setdefault(k, []).append(REDACTED if k in hidden_query else v)
    body = request.body
    if request.body_kind == "multipart":
        fields, files = body
        body = {"fields": dict(fields), "files": [name for name, _ in files]}
    elif request.body_kind == "raw":
        body = f"<{len(body) if body is not None else 0} bytes>"
    return {
        "method": request.method,
        "url": request.url,
        "headers": headers,
        "query": query,
        "body": _clip(body),
    }


def describe_response(status: int | None, headers: dict[str, str] | None, data: Any) -> dict[str, Any]:
    kept = {k: v for k, v in (headers or {}).items() if k.lower() not in ("set-cookie", "authorization")}
    return {"status": status, "headers": kept, "data": _clip(data)}


def scrub(value: Any, secrets: frozenset[str]) -> Any:
    """`value` with every occurrence of a secret string replaced, however deeply nested.

    Placement redaction covers where we *put* credentials; this covers an
    upstream that echoes them back (a debug endpoint, an error message quoting
    the token), so the stored log never holds one.
    """
    if not secrets:
        return value
    if isinstance(value, str):
        for secret in secrets:
            if secret in value:
                value = value.replace(secret, REDACTED)
        return value
    if isinstance(value, dict):
        return {k: scrub(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v, secrets) for v in value]
    return value


def _clip(value: Any) -> Any:
    """Large bodies are summarized so one huge response cannot bloat the log table."""
    if isinstance(value, str) and len(value) > MAX_STORED_BODY:
        return value[:MAX_STORED_BODY] + "…"
    if isinstance(value, bytes) and len(value) > MAX_STORED_BODY:
        return value[:MAX_STORED_BODY]
    if isinstance(value, (dict, list)):
        size = len(repr(value))
        if size > MAX_STORED_BODY:
            return {"truncated": True, "size": size, "preview": repr(value)[:2000]}
    return value


class LogWriter:
    """Batches log rows into the database from a background task, losing none.

    - Before `submit` returns (so before the execution answers), the row is in
      the local `Journal`; rows a crash left there are inserted by `recover`
      at the next start.
    - A batch the database refuses is split until the refused rows are alone;
      each is stored repaired (`log_repair.repair_row`), or if even that fails,
      reported by id and kept in the journal's rejected file. The rest of the
      batch, other projects' rows included, commits.
    - While the database is unreachable, rows stay queued (and journaled) and
      are retried with a growing pause.
    """

    def __init__(self, db: Database, journal: Journal | None = None):
        self.db = db
        self.journal = journal
        self.pending: dict[str, dict[str, Any]] = {}
        self._queue: list[dict[str, Any]] = []
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        # One writer at a time, so flush() also waits for an in-flight batch.
        self._lock = asyncio.Lock()
        self._closing = False
        self._backoff = 0.0

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="valetkey-log-writer")

    def submit(self, row: dict[str, Any]) -> None:
        """Queue `row` for the database, journaled first: once this returns, a crash cannot lose it."""
        changed = repair_columns(row)
        try:
            line = encode_row(row)
        except UnicodeEncodeError:  # a lone surrogate in the request or response
            changed += repair_json_columns(row)
            line = encode_row(row)
        if changed:
            log.warning("execution log %s: %s escaped or cut to be storable", row["id"], ", ".join(changed))
        if self.journal is not None:
            self.journal.append(line)
        self.pending[row["id"]] = row
        self._queue.append(row)
        self._wakeup.set()
        if self._task is None:
            self.start()

    async def recover(self) -> int:
        """Insert the rows that processes which died left in the journal; how many were missing."""
        if self.journal is None:
            return 0
        async with self._lock:
            return await run_in_threadpool(self._recover)

    async def flush(self) -> None:
        """Write everything submitted so far, including a batch already being written."""
        async with self._lock:
            await self._drain()

    async def _drain(self) -> None:
        if self._queue and self.journal is not None:
            # Everything journaled so far is queued, so this batch commits all of a sealed segment.
            self.journal.seal_if_full()
        while self._queue:
            batch, self._queue = self._queue[:BATCH_SIZE], self._queue[BATCH_SIZE:]
            retry = await run_in_threadpool(self._store, batch)
            kept = {row["id"] for row in retry}
            for row in batch:
                if row["id"] not in kept:
                    self.pending.pop(row["id"], None)
            if retry:
                # The database is unreachable: keep the rows (and their segments) for the next attempt.
                self._queue = retry + self._queue
                self._backoff = min(max(self._backoff * 2, 0.5), 30.0)
                return
            self._backoff = 0.0
        if self.journal is not None:
            self.journal.discard_sealed()

    async def close(self) -> None:
        self._closing = True
        self._wakeup.set()
        if self._task is not None:
            await self._task
            self._task = None
        await self.flush()
        if self.journal is not None:
            self.journal.close(committed=not self._queue)

    async def _run(self) -> None:
        while not self._closing:
            await self._wakeup.wait()
            self._wakeup.clear()
            # A moment's pause lets a burst of executions share one commit.
            await asyncio.sleep(self._backoff or 0.002)
            await self.flush()
            if self._queue:
                self._wakeup.set()

    def _store(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Insert `rows`, isolating refused ones; the rows to retry later (database unreachable)."""
        try:
            self._insert(rows)
            return []
        except UNREACHABLE as exc:
            # Some of these errors can also be about the rows (PostgreSQL's class 54, limits): ask.
            if not self._reachable():
                log.warning(
                    "execution log database unreachable (%s): %d rows kept for retry", _reason(exc), len(rows)
                )
                return rows
        except Exception:
            log.debug("execution log batch of %d rows refused; isolating the refused ones", len(rows))
        if len(rows) == 1:
            self._store_repaired(rows[0])
            return []
        middle = len(rows) // 2
        return self._store(rows[:middle]) + self._store(rows[middle:])

    def _reachable(self) -> bool:
        try:
            with self.db.session() as session:
                session.execute(select(1))
            return True
        except Exception:
            return False

    def _store_repaired(self, row: dict[str, Any]) -> None:
        """Store a row the database refused, escaped or cut; report it and keep it aside if even that fails."""
        repaired, changed = repair_row(row)
        try:
            self._insert([repaired])
        except Exception as exc:
            reason = _reason(exc)
        else:
            if changed:
                log.warning("execution log %s stored with %s escaped or cut", row["id"], ", ".join(changed))
            return
        if self._already_stored(row["id"]):
            return  # replayed twice
        if not self._project_exists(row["project_id"]):
            log.warning("execution log %s dropped: its project no longer exists", row["id"])
            return
        log.error(
            "execution log %s could not be stored (%s); kept in the journal's rejected file",
            row["id"],
            reason,
        )
        if self.journal is not None:
            self.journal.reject(repaired, reason)

    def _recover(self) -> int:
        assert self.journal is not None
        missing = 0
        with self.journal.orphans() as segments:
            for _, rows in segments:
                for start in range(0, len(rows), BATCH_SIZE):
                    batch = self._not_stored(rows[start : start + BATCH_SIZE])
                    missing += len(batch)
                    if batch and self._store(batch):
                        raise RuntimeError("execution log database unreachable while replaying the journal")
        if missing:
            log.warning(
                "execution log journal: %d rows a stopped process had not committed are now stored", missing
            )
        return missing

    def _not_stored(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        ids = [row["id"] for row in rows]
        with self.db.session() as session:
            stored = set(session.scalars(select(ExecutionLog.id).where(ExecutionLog.id.in_(ids))))
        return [row for row in rows if row["id"] not in stored]

    def _already_stored(self, log_id: str) -> bool:
        try:
            with self.db.session() as session:
                return session.get(ExecutionLog, log_id) is not None
        except Exception:
            return False

    def _project_exists(self, project_id: str) -> bool:
        try:
            with self.db.session() as session:
                return session.get(Project, project_id) is not None
        except Exception:
            return True

    def _insert(self, rows: list[dict[str, Any]]) -> None:
        with self.db.session() as session:
            # One key set for the whole batch (rows journaled before a column existed lack it).
            session.execute(insert(table_of(ExecutionLog)), [{"status": None, **row} for row in rows])


# Errors that say nothing about the rows: the database is down, restarting or locked.
UNREACHABLE = (OperationalError, InterfaceError)


def _reason(exc: BaseException) -> str:
    """What went wrong, without the statement's parameters (they hold the row's data)."""
    cause = getattr(exc, "orig", None) or exc
    code = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    return type(cause).__name__ + (f" {code}" if code else "")
