"""Rate-limit counters shared by every process through the database.

`take` adds to a (key, window) row only if the new count stays within a cap,
in one statement (`INSERT ... ON CONFLICT DO UPDATE ... WHERE ... RETURNING`,
on SQLite and PostgreSQL alike), so two processes can never both take the
last slot. The limiter (`valetkey.api.ratelimit`) decides how much to take.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite

from valetkey.store.db import Database
from valetkey.tenancy.models import RateLimitCounter

KEY_MAX = 120  # the column's width


def stored_key(key: str) -> str:
    """The row key for a limiter key: itself, or its digest when it is longer than the column (a
    caller-chosen part, such as an ingress URL's token or a sign-in email, can be any length)."""
    if len(key) <= KEY_MAX:
        return key
    return "sha256:" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


class DatabaseCounters:
    """`api.ratelimit.Counters` over the `rate_limit_counters` table."""

    def __init__(self, db: Database):
        self.db = db
        self._insert = postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert

    def take(self, key: str, window: int, amount: int, cap: int, expires_at: int) -> int | None:
        """Add `amount` to the window's count if the sum stays <= `cap`: the new count, else None."""
        upsert = self._insert(RateLimitCounter).values(
            key=stored_key(key), window=window, count=amount, expires_at=expires_at
        )
        statement = upsert.on_conflict_do_update(
            index_elements=[RateLimitCounter.key, RateLimitCounter.window],
            set_={"count": RateLimitCounter.count + upsert.excluded.count},
            where=RateLimitCounter.count + upsert.excluded.count <= cap,
        ).returning(RateLimitCounter.count)
        with self.db.session() as session:
            return session.execute(statement).scalar_one_or_none()

    def count(self, key: str, window: int) -> int:
        with self.db.session() as session:
            value = session.scalar(
                select(RateLimitCounter.count).where(
                    RateLimitCounter.key == stored_key(key), RateLimitCounter.window == window
                )
            )
        return value or 0

    def sweep(self, now: float) -> None:
        """Drop every key's rows that no longer weigh on any decision (one-off client addresses too)."""
        with self.db.session() as session:
            session.execute(delete(RateLimitCounter).where(RateLimitCounter.expires_at < now))
