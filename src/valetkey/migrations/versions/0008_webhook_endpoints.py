"""webhook endpoints

Revision ID: 0008_webhook_endpoints
Revises: 0007_triggers
Create Date: 2026-12-03 08:13:22.856236
"""

import sqlalchemy as sa
from alembic import op

import valetkey.store.db

revision = "0008_webhook_endpoints"
down_revision = "0007_triggers"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "webhook_endpoints",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("project_id", sa.String(length=40), nullable=False),
        sa.Column("toolkit_slug", sa.String(length=80), nullable=False),
        sa.Column("client_id", sa.String(length=255), nullable=False),
        sa.Column("data_encrypted", sa.Text(), nullable=False),
        sa.Column("created_at", valetkey.store.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", valetkey.store.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_webhook_endpoints_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_endpoints")),
        sa.UniqueConstraint(
            "project_id", "toolkit_slug", "client_id", name=op.f("uq_webhook_endpoints_project_id")
        ),
    )
    with op.batch_alter_table("webhook_endpoints", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_webhook_endpoints_project_id"), ["project_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("webhook_endpoints", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webhook_endpoints_project_id"))

    op.drop_table("webhook_endpoints")
