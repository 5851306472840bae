"""Imports every feature's models so Base.metadata is complete (for Alembic)."""


def import_all_models() -> None:
    import valetkey.auth.flow_models  # noqa: F401
    import valetkey.auth.models  # noqa: F401
    import valetkey.execution.models  # noqa: F401
    import valetkey.mcp.models  # noqa: F401
    import valetkey.sessions.models  # noqa: F401
    import valetkey.tenancy.models  # noqa: F401
