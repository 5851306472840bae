"""Execution logs: what to record, with secrets removed, and writing it off the hot path.

Every execution and proxy call produces one `ExecutionLog` row. Rows are
queued in memory and inserted in batches by a background task, so an
execution never waits on a database commit. Until its batch is committed a
row stays readable through `LogWriter.pending`, which is how a `log_id` can be
fetched the moment the execution returns.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import Any

from sqlalchemy import insert
from starlette.concurrency import run_in_threadpool

from valetkey.execution.models import ExecutionLog
from valetkey.execution.request import UpstreamRequest
from valetkey.store.db import Database

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
    if isinstance(value, (str, bytes)) and len(value) > MAX_STORED_BODY:
        return value[:MAX_STORED_BODY] + ("…" if isinstance(value, str) else b"")
    if isinstance(value, (dict, list)):
        size = len(repr(value))
        if size > MAX_STORED_BODY:
            return {"truncated": True, "size": size, "preview": repr(value)[:2000]}
    return value


class LogWriter:
    """Batches log rows into the database from a background task."""

    def __init__(self, db: Database):
        self.db = db
        self.pending: dict[str, dict[str, Any]] = {}
        self._queue: list[dict[str, Any]] = []
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task | None = None
        # One writer at a time, so flush() also waits for an in-flight batch.
        self._lock = asyncio.Lock()
        self._closing = False

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="valetkey-log-writer")

    def submit(self, row: dict[str, Any]) -> None:
        self.pending[row["id"]] = row
        self._queue.append(row)
        self._wakeup.set()
        if self._task is None:
            self.start()

    async def flush(self) -> None:
        """Write everything submitted so far, including a batch already being written."""
        async with self._lock:
            await self._drain()

    async def _drain(self) -> None:
        while self._queue:
            batch, self._queue = self._queue[:BATCH_SIZE], self._queue[BATCH_SIZE:]
            try:
                await run_in_threadpool(self._insert, batch)
            except Exception:
                log.exception("could not write %d execution log rows", len(batch))
            finally:
                for row in batch:
                    self.pending.pop(row["id"], None)

    async def close(self) -> None:
        self._closing = True
        self._wakeup.set()
        if self._task is not None:
            await self._task
            self._task = None
        await self.flush()

    async def _run(self) -> None:
        while not self._closing:
            await self._wakeup.wait()
            self._wakeup.clear()
            # A moment's pause lets a burst of executions share one commit.
            await asyncio.sleep(0.002)
            await self.flush()

    def _insert(self, rows: list[dict[str, Any]]) -> None:
        with self.db.session() as session:
            session.execute(insert(ExecutionLog.__table__), rows)
