from alembic import context

from valetkey.migrations.models import import_all_models
from valetkey.store.db import Base, make_engine

import_all_models()
config = context.config


def run_migrations_online() -> None:
    url = config.get_main_option("sqlalchemy.url")
    if url is None:  # valetkey.migrations.upgrade always sets it
        raise RuntimeError("The Alembic configuration names no sqlalchemy.url")
    engine = make_engine(url)
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            # Several processes may start at once; let one migrate at a time.
            connection.exec_driver_sql("SELECT pg_advisory_lock(7301955)")
            connection.commit()
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
