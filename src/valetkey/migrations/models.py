"""Imports every feature's models so Base.metadata is complete (for Alembic)."""


def import_all_models() -> None:
    import valetkey.connections.flow_models
    import valetkey.connections.models
    import valetkey.customkits.models
    import valetkey.execution.models
    import valetkey.mcp.models
    import valetkey.sessions.models
    import valetkey.tenancy.aliases
    import valetkey.tenancy.models
    import valetkey.tenancy.operators
    import valetkey.transfer.models
    import valetkey.triggers.models
    import valetkey.webhooks.models  # noqa: F401
