"""The import ledger: one row per source resource a project imported, so a rerun duplicates nothing.

A row is written in the same transaction as the resource it records, so a
crash leaves either both or neither; `outcome` starts ``pending`` for
accounts and becomes ``migrated``, ``reauth`` or ``failed`` once verified.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from valetkey.store.db import Base, UTCDateTime, utcnow

OUTCOMES = ("pending", "migrated", "reauth", "failed", "skipped")


class ImportLedger(Base):
    __tablename__ = "import_ledger"

    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    # "auth_config", "connected_account", "trigger", "webhook_subscription", "mcp_server"
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    source_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    # Where it came from (the source API's URL, or "file:<name>").
    source: Mapped[str] = mapped_column(String(500))
    target_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    outcome: Mapped[str] = mapped_column(String(20), default="pending")
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    user_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    toolkit_slug: Mapped[str | None] = mapped_column(String(80), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
