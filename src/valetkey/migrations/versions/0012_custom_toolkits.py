"""custom toolkits and their tools; execution logs of calls a session hook blocked

Revision ID: 0012_custom_toolkits
Revises: 0011_no_auth_triggers
Create Date: 2026-12-03 18:30:00
"""

import sqlalchemy as sa
from alembic import op

import valetkey.store.db

revision = "0012_custom_toolkits"
down_revision = "0011_no_auth_triggers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "custom_toolkits",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("project_id", sa.String(length=40), nullable=False),
        sa.Column("slug", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("app_url", sa.Text(), nullable=False),
        sa.Column("auth_schemes", sa.JSON(), nullable=False),
        sa.Column("logo", sa.Text(), nullable=True),
        sa.Column("version", sa.String(length=20), nullable=True),
        sa.Column("created_at", valetkey.store.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", valetkey.store.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_custom_toolkits_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_custom_toolkits")),
        sa.UniqueConstraint("project_id", "slug", name="uq_custom_toolkits_project_slug"),
    )
    with op.batch_alter_table("custom_toolkits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_custom_toolkits_project_id"), ["project_id"], unique=False)

    op.create_table(
        "custom_toolkit_tools",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("toolkit_id", sa.String(length=40), nullable=False),
        sa.Column("slug", sa.String(length=200), nullable=False),
        sa.Column("remote_name", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("input_schema", sa.JSON(), nullable=False),
        sa.Column("output_schema", sa.JSON(), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["toolkit_id"],
            ["custom_toolkits.id"],
            name=op.f("fk_custom_toolkit_tools_toolkit_id_custom_toolkits"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_custom_toolkit_tools")),
        sa.UniqueConstraint("toolkit_id", "slug", name="uq_custom_toolkit_tools_slug"),
    )
    with op.batch_alter_table("custom_toolkit_tools", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_custom_toolkit_tools_toolkit_id"), ["toolkit_id"], unique=False)

    with op.batch_alter_table("execution_logs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status", sa.String(length=10), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("execution_logs", schema=None) as batch_op:
        batch_op.drop_column("status")
    op.drop_table("custom_toolkit_tools")
    op.drop_table("custom_toolkits")
