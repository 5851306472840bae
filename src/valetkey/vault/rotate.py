"""Online re-encryption of every sealed column under the primary key.

Designed to run while servers keep serving, and to be re-run safely:

- Rows are visited in id order, in batches, and each row is re-encrypted in its
  own short transaction, so no lock is held for long.
- The row is read with ``SELECT ... FOR UPDATE`` (PostgreSQL): a server
  refreshing the same account's token waits for a moment instead of racing.
  On SQLite the transaction takes the write lock before the read
  (``Database.write_session``). The UPDATE is also a compare-and-swap on the
  old token, so a value written in between is never overwritten with stale data.
- Rows already under the primary key are skipped (in SQL, by token prefix), so
  an interrupted rotation resumes where it stopped.
- ``updated_at`` is left alone: rotation does not change what a record says.
- A row that cannot be decrypted (tampered, copied, key removed) is reported by
  id and skipped, so one bad row does not block the rest.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update

from valetkey.vault.columns import SealedColumn, sealed_columns
from valetkey.vault.crypto import TOKEN_VERSION, VaultError, parse_token
from valetkey.vault.vault import Vault

log = logging.getLogger("valetkey.vault")
_CAS_ATTEMPTS = 5


@dataclass(frozen=True)
class ColumnReport:
    purpose: str
    rotated: int  # re-encrypted by this run
    current: int  # already under the primary key
    failed: tuple[str, ...]  # record ids that could not be decrypted

    def as_dict(self) -> dict[str, Any]:
        return {
            "purpose": self.purpose,
            "rotated": self.rotated,
            "current": self.current,
            "failed": list(self.failed),
        }


@dataclass(frozen=True)
class RotationReport:
    primary_kid: str
    columns: tuple[ColumnReport, ...]

    @property
    def rotated(self) -> int:
        return sum(c.rotated for c in self.columns)

    @property
    def current(self) -> int:
        return sum(c.current for c in self.columns)

    @property
    def failed(self) -> int:
        return sum(len(c.failed) for c in self.columns)

    def as_dict(self) -> dict[str, Any]:
        return {
            "primary_kid": self.primary_kid,
            "rotated": self.rotated,
            "current": self.current,
            "failed": self.failed,
            "columns": [c.as_dict() for c in self.columns],
        }


def rotate(
    db: Any,
    vault: Vault,
    *,
    columns: Iterable[SealedColumn] | None = None,
    batch_size: int = 200,
) -> RotationReport:
    """Re-encrypt every sealed value not yet under ``vault``'s primary key.

    ``db`` is a :class:`valetkey.store.db.Database`. Put the new key first in the
    keyring before calling (``valetkey keys rotate`` does this for the file keyring).
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    primary = vault.primary_kid
    reports = tuple(
        _rotate_column(db, vault, column, primary, batch_size) for column in columns or sealed_columns()
    )
    return RotationReport(primary, reports)


def _rotate_column(
    db: Any, vault: Vault, column: SealedColumn, primary: str, batch_size: int
) -> ColumnReport:
    table = column.model.__table__
    id_col, value_col = table.c[column.id_attr], table.c[column.column]
    # autoescape: key ids may contain "_", a LIKE wildcard.
    under_primary = value_col.startswith(f"{TOKEN_VERSION}.{primary}.", autoescape=True)
    with db.session() as session:
        current = session.scalar(select(func.count()).select_from(table).where(under_primary)) or 0
    rotated, failed, after = 0, [], None
    while True:
        query = select(id_col).where(value_col.is_not(None), ~under_primary)
        if after is not None:
            query = query.where(id_col > after)
        with db.session() as session:
            ids = session.scalars(query.order_by(id_col).limit(batch_size)).all()
        if not ids:
            break
        for record_id in ids:
            outcome = _rotate_row(db, vault, column, record_id)
            if outcome == "rotated":
                rotated += 1
            elif outcome == "current":
                current += 1
            elif outcome == "failed":
                failed.append(str(record_id))
        after = ids[-1]
    return ColumnReport(column.purpose, rotated, current, tuple(failed))


def _rotate_row(db: Any, vault: Vault, column: SealedColumn, record_id: Any) -> str:
    """Re-encrypt one row in its own transaction: 'rotated', 'current', 'gone' or 'failed'."""
    table = column.model.__table__
    id_col, value_col = table.c[column.id_attr], table.c[column.column]
    project_col = table.c[column.project_attr] if column.project_attr else None
    selected = [value_col] + ([project_col] if project_col is not None else [])
    # Keep updated_at (and any other onupdate column) as it is.
    untouched = {c.name: c for c in table.c if c.onupdate is not None and c.name != column.column}
    for _ in range(_CAS_ATTEMPTS):
        with db.write_session() as session:
            row = session.execute(select(*selected).where(id_col == record_id).with_for_update()).first()
            if row is None or row[0] is None:
                return "gone"
            token = row[0]
            aad = column.aad(row[1] if project_col is not None else None, record_id)
            try:
                if vault.is_current(token):
                    return "current"
                fresh = vault.reencrypt(token, aad=aad)
            except VaultError as exc:
                log.warning("key rotation skipped a value it cannot decrypt: %s", exc)
                return "failed"
            result = session.execute(
                update(table)
                .where(id_col == record_id, value_col == token)
                .values({column.column: fresh, **untouched})
            )
            if result.rowcount == 1:
                return "rotated"
        # The row changed between read and write (SQLite only): look again.
    log.warning("key rotation gave up on %s after concurrent updates; re-run it", aad.describe())
    return "failed"


def inventory(db: Any, *, columns: Iterable[SealedColumn] | None = None) -> dict[str, dict[str, int]]:
    """How many values each key id seals, per purpose: shows when an old key can be removed."""
    result: dict[str, dict[str, int]] = {}
    for column in columns or sealed_columns():
        value_col = column.model.__table__.c[column.column]
        counts: Counter[str] = Counter()
        with db.session() as session:
            tokens = select(value_col).where(value_col.is_not(None)).execution_options(yield_per=1000)
            for token in session.scalars(tokens):
                try:
                    counts[parse_token(token).kid] += 1
                except VaultError:
                    counts["(unreadable)"] += 1
        result[column.purpose] = dict(counts)
    return result
