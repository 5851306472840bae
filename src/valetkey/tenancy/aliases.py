"""Id aliases: another name a project's resource answers to (the id it had at its previous platform).

`valetkey import` keeps every imported resource's source id (a Composio
connected account's ``ca_...``, an auth config's ``ac_...``, a trigger's or MCP
server's id) as an alias of the new id, so ids stored in the team's database
keep working. One seam resolves them: the API's `IdAliases` middleware
rewrites an aliased id wherever a request names it (path, query, body) before
any route runs, so every endpoint accepts aliases with no per-route code.

An alias is scoped to its project: the same source id imported into two
projects resolves in each to that project's resource.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from valetkey.store.db import Base, UTCDateTime, utcnow

KINDS = ("connected_account", "auth_config", "trigger", "mcp_server")


class IdAlias(Base):
    __tablename__ = "id_aliases"

    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    alias: Mapped[str] = mapped_column(String(200), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    target_id: Mapped[str] = mapped_column(String(40), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


def set_alias(db: Session, project_id: str, alias: str, kind: str, target_id: str) -> None:
    """Point `alias` at `target_id` (inserted, or moved when it already names something else)."""
    if kind not in KINDS:
        raise ValueError(f"unknown alias kind {kind!r}")
    row = db.get(IdAlias, (project_id, alias))
    if row is None:
        db.add(IdAlias(project_id=project_id, alias=alias, kind=kind, target_id=target_id))
    else:
        row.kind, row.target_id = kind, target_id
    db.flush()


def resolve(db: Session, project_id: str, ids: Iterable[str]) -> dict[str, str]:
    """The aliases among `ids` in the project, mapped to the ids they stand for."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = db.execute(
        select(IdAlias.alias, IdAlias.target_id).where(
            IdAlias.project_id == project_id, IdAlias.alias.in_(wanted)
        )
    )
    return {alias: target for alias, target in rows}


def aliases_of(db: Session, project_id: str, target_id: str) -> list[str]:
    return list(
        db.scalars(
            select(IdAlias.alias).where(IdAlias.project_id == project_id, IdAlias.target_id == target_id)
        )
    )
