"""session config versions: config_version on the session, one row per version

Revision ID: 0004_session_config_versions
Revises: 0003_rate_limit_counters
Create Date: 2026-12-03 07:45:00

Existing sessions are at version 1; their history row is written here so
`config_history` lists every session's current version.
"""

import sqlalchemy as sa
from alembic import op

import valetkey.store.db

revision = "0004_session_config_versions"
down_revision = "0003_rate_limit_counters"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tool_router_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("config_version", sa.Integer(), server_default="1", nullable=False))
        batch_op.add_column(
            sa.Column("updated_at", valetkey.store.db.UTCDateTime(timezone=True), nullable=True)
        )
    op.create_table(
        "tool_router_session_configs",
        sa.Column("session_id", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("created_at", valetkey.store.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("superseded_at", valetkey.store.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["tool_router_sessions.id"],
            name=op.f("fk_tool_router_session_configs_session_id_tool_router_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("session_id", "version", name=op.f("pk_tool_router_session_configs")),
    )
    op.execute(
        "INSERT INTO tool_router_session_configs (session_id, version, config, created_at) "
        "SELECT id, 1, config, created_at FROM tool_router_sessions"
    )


def downgrade() -> None:
    op.drop_table("tool_router_session_configs")
    with op.batch_alter_table("tool_router_sessions", schema=None) as batch_op:
        batch_op.drop_column("updated_at")
        batch_op.drop_column("config_version")
