"""Imports every feature's models so Base.metadata is complete (for Alembic)."""


def import_all_models() -> None:
    import valetkey.auth.flow_models
    import valetkey.auth.models
    import valetkey.execution.models
    import valetkey.mcp.models
    import valetkey.sessions.models
    import valetkey.tenancy.models  # noqa: F401
