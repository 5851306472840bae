"""The whole schema: every model (`models.import_all_models`), Alembic's env and versions, `upgrade`."""
