"""The registry of sealed columns: every place a secret is stored at rest.

Rotation and key inventory walk this list, so a new table with a secret
(webhook signing secrets, trigger secrets...) is covered by one
``register_sealed_column(SealedColumn(...))`` line next to its model, the way
SQLAlchemy tables register in ``Base.metadata``: the vault sits below the
features and never imports their models. Callers that seal values use the same
purpose constants, so the associated data always matches.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from valetkey.vault.crypto import AssociatedData

AUTH_CONFIG_CREDENTIALS = "auth_config.credentials"
CONNECTED_ACCOUNT_STATE = "connected_account.state"
OAUTH_FLOW_SECRET = "oauth_flow.secret"  # noqa: S105 (not a secret)
# Project id used in the associated data of installation-wide secrets.
INSTALLATION = "-"


@dataclass(frozen=True)
class SealedColumn:
    """A Text column of ``model`` holding tokens sealed with the given purpose."""

    model: Any  # a declarative model class
    column: str
    purpose: str
    project_attr: str | None = "project_id"  # None for installation-wide secrets
    id_attr: str = "id"

    def aad(self, project_id: str | None, record_id: str) -> AssociatedData:
        return AssociatedData(self.purpose, project_id or INSTALLATION, str(record_id))


_REGISTERED: dict[tuple[str, str], SealedColumn] = {}


def register_sealed_column(column: SealedColumn) -> SealedColumn:
    """Add a sealed column to the registry (once per table and column; a re-import replaces it)."""
    _REGISTERED[(column.model.__tablename__, column.column)] = column
    return column


def sealed_columns() -> tuple[SealedColumn, ...]:
    """Every registered sealed column: those of every model module imported so far.

    Commands that walk them all (`valetkey keys rotate`, `keys status`) import
    every model first (`import_all_models`).
    """
    return tuple(_REGISTERED.values())
