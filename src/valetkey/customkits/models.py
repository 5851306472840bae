"""The tables of custom toolkits and the tools their last sync found."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from valetkey.store.db import Base, UTCDateTime, utcnow


class CustomToolkit(Base):
    """One project's toolkit backed by a remote MCP server (`app_url`)."""

    __tablename__ = "custom_toolkits"
    __table_args__ = (UniqueConstraint("project_id", "slug", name="uq_custom_toolkits_project_slug"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(40))  # CUSTOM_<SLUG>
    name: Mapped[str] = mapped_column(String(200))
    app_url: Mapped[str] = mapped_column(Text)
    # The auth schemes as upserted (NO_AUTH, or API_KEY with header templates and the key field's copy).
    auth_schemes: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    # A data: URL of the uploaded logo, or None (the default MCP logo).
    logo: Mapped[str | None] = mapped_column(Text, nullable=True)
    # The catalog version of the last sync ("YYYYMMDD_NN"); None until the first sync.
    version: Mapped[str | None] = mapped_column(String(20), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class CustomToolkitTool(Base):
    """A tool the remote server listed at the last sync, as the catalog serves it."""

    __tablename__ = "custom_toolkit_tools"
    __table_args__ = (UniqueConstraint("toolkit_id", "slug", name="uq_custom_toolkit_tools_slug"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    toolkit_id: Mapped[str] = mapped_column(ForeignKey("custom_toolkits.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(200))
    # The tool's name on the remote server (what tools/call sends).
    remote_name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    input_schema: Mapped[dict[str, Any]] = mapped_column(JSON)
    output_schema: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # MCP annotations as catalog tags (readOnlyHint, destructiveHint...).
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    position: Mapped[int] = mapped_column(Integer, default=0)
