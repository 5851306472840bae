"""Run Alembic migrations from code, so `valetkey serve` and the tests share one path."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).parent


def alembic_config(database_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    # Alembic's config is an INI parser: escape % in passwords.
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg


def upgrade(database_url: str) -> None:
    command.upgrade(alembic_config(database_url), "head")


def pending_revisions(database_url: str) -> list[str]:
    """The revisions `upgrade` would apply, oldest first (empty when the schema is current)."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from sqlalchemy import create_engine

    script = ScriptDirectory.from_config(alembic_config(database_url))
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            heads = MigrationContext.configure(connection).get_current_heads()
    finally:
        engine.dispose()
    if len(heads) > 1:  # branched history: one step, Alembic orders it
        return ["heads"]
    return [r.revision for r in script.iterate_revisions("heads", heads[0] if heads else "base")][::-1]


def upgrade_to(database_url: str, revision: str) -> None:
    """One step of `upgrade`: bring the schema up to `revision`."""
    command.upgrade(alembic_config(database_url), revision)
