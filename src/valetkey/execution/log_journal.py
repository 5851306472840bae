"""A local write-ahead file of execution-log rows, so a `log_id` a client received survives a crash.

Log rows are committed to the database in background batches (`LogWriter`),
after the execution has answered. Before answering, each row is appended to
a journal segment: one JSON line, one `write()` to an `O_APPEND` file, no
fsync. The kernel keeps the bytes when the process dies (`kill -9`, an OOM
kill, a crash); only a power cut or a kernel crash can lose the newest
lines, the same window SQLite's `synchronous=NORMAL` leaves.

Layout: ``$VALETKEY_HOME/execution-log-journal/<database digest>/``, one
folder per database (the digest of its URL, so no password is written), one
segment file at a time per process, held under an exclusive `flock` for as
long as the process lives. At start, every segment nobody holds belongs to a
process that died: its rows are inserted unless their id is already stored
(replay is idempotent by log id), then the segment is deleted. A segment is
sealed at `SEGMENT_BYTES` and deleted once every row in it is committed, and
the open one is deleted at a clean shutdown.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import logging
import os
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger("valetkey.execution")
JOURNAL_DIR = "execution-log-journal"
SEGMENT_SUFFIX = ".jsonl"
REJECTED = "rejected.jsonl"
SEGMENT_BYTES = 1 << 20


def journal_directory(home: Path, database_url: str) -> Path:
    """The journal folder of one database under `home` (named by a digest: URLs can hold passwords)."""
    digest = hashlib.sha256(database_url.encode()).hexdigest()[:16]
    return home / JOURNAL_DIR / digest


def encode_row(row: dict[str, Any]) -> bytes:
    """One journal line, UTF-8 JSON (NUL escaped as \\u0000); UnicodeEncodeError on a lone surrogate."""
    text = json.dumps(row, default=_jsonable, separators=(",", ":"), ensure_ascii=False)
    return (text + "\n").encode("utf-8")


def decode_row(line: bytes) -> dict[str, Any]:
    row: dict[str, Any] = json.loads(line)
    row["created_at"] = dt.datetime.fromisoformat(row["created_at"])
    return row


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return str(value)


@dataclass
class _Segment:
    path: Path
    fd: int
    size: int = 0


class Journal:
    """This process's segments in one journal folder: append, seal, discard."""

    def __init__(self, directory: Path):
        self.directory = directory
        # The journal root and its per-database folder are private (mkdir's mode covers only the last).
        for folder in (directory.parent, directory):
            folder.mkdir(exist_ok=True, mode=0o700)
        self._open: _Segment | None = None
        self._sealed: list[_Segment] = []

    def append(self, data: bytes) -> None:
        """Write one encoded row (`encode_row`); when this returns, a crash of the process no longer loses it."""
        segment = self._open or self._start()
        view = memoryview(data)
        while view:
            view = view[os.write(segment.fd, view) :]
        segment.size += len(data)

    def seal_if_full(self) -> None:
        """Start a new segment if the open one is full; call it only when every queued row is in the batch
        about to be written, so `discard_sealed` after that batch deletes only committed rows."""
        if self._open is not None and self._open.size >= SEGMENT_BYTES:
            self._sealed.append(self._open)
            self._open = None

    def discard_sealed(self) -> None:
        """Delete the sealed segments: every row they hold is committed."""
        for segment in self._sealed:
            _delete(segment)
        self._sealed = []

    def close(self, *, committed: bool) -> None:
        """Close this process's segments, deleting them if everything in them is committed."""
        for segment in [*self._sealed, *([self._open] if self._open else [])]:
            if committed:
                _delete(segment)
            else:
                os.close(segment.fd)
        self._open, self._sealed = None, []

    def reject(self, row: dict[str, Any], reason: str) -> None:
        """Keep a row the database refused even repaired, next to the journal, for the operator."""
        line = encode_row({"reason": reason, "row": row})
        fd = os.open(self.directory / REJECTED, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o600)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)

    @contextmanager
    def orphans(self) -> Iterator[list[tuple[Path, list[dict[str, Any]]]]]:
        """Segments of processes that died, with their rows; deleted when the block completes.

        Each is held under its lock meanwhile, so two processes starting together
        never replay the same segment at once. A torn last line (the process died
        mid-write, before it could answer) is skipped.
        """
        held: list[tuple[Path, int]] = []
        found: list[tuple[Path, list[dict[str, Any]]]] = []
        try:
            for path in sorted(self.directory.glob("*" + SEGMENT_SUFFIX)):
                if path.name == REJECTED or (self._open and path == self._open.path):
                    continue
                try:
                    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
                except FileNotFoundError:
                    continue
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    os.close(fd)  # a live process's segment
                    continue
                held.append((path, fd))
                found.append((path, _read_rows(path)))
            yield found
            for path, _ in held:
                path.unlink(missing_ok=True)
        finally:
            for _, fd in held:
                os.close(fd)

    def _start(self) -> _Segment:
        name = f"{time.time_ns():020d}-{os.getpid()}-{secrets.token_hex(4)}{SEGMENT_SUFFIX}"
        path = self.directory / name
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND | os.O_CLOEXEC, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # held while we live: replay skips it
        self._open = _Segment(path, fd)
        return self._open


def _read_rows(path: Path) -> list[dict[str, Any]]:
    rows = []
    for number, line in enumerate(path.read_bytes().splitlines(), 1):
        try:
            rows.append(decode_row(line))
        except (ValueError, KeyError, TypeError):
            log.warning("execution log journal %s: line %d is torn or unreadable, skipped", path.name, number)
    return rows


def _delete(segment: _Segment) -> None:
    segment.path.unlink(missing_ok=True)
    os.close(segment.fd)
