"""One connected account, locked for the length of a transaction, on any backend.

Token refresh commits the provider's answer under it (the provider itself
is called outside any transaction, under a lease: `valetkey.connections.refresh`),
so the compare-and-set on the stored grant and the write are one step, and
the holder sees what the previous holder wrote. PostgreSQL: `SELECT ... FOR UPDATE` on the account's row (READ
COMMITTED returns the newest committed version once the lock is granted),
or `SKIP LOCKED` for background sweeps that should move on rather than
wait. SQLite has no row locks: `BEGIN IMMEDIATE` takes the database's write
lock before the read, which serializes writers the same way (other
processes wait up to the busy timeout; readers are not blocked in WAL mode).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import select
from sqlalchemy.orm import Session

from valetkey.connections.models import ConnectedAccount
from valetkey.store.db import Database


@contextmanager
def locked_account(
    database: Database, account_id: str, *, skip_locked: bool = False
) -> Iterator[tuple[Session, ConnectedAccount | None]]:
    """Yield (session, account) with the account locked until the session commits or rolls back.

    With `skip_locked` on PostgreSQL the account is None when another
    transaction holds it (callers treat that as "someone else is on it").
    """
    with database.write_session() as db:
        query = select(ConnectedAccount).where(ConnectedAccount.id == account_id)
        if not database.url.startswith("sqlite"):
            query = query.with_for_update(skip_locked=skip_locked)
        yield db, db.scalar(query)
