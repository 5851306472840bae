"""trigger instances and ingress receipts

Revision ID: 0007_triggers
Revises: 0006_webhooks
Create Date: 2026-12-03 07:47:48.660107
"""

import sqlalchemy as sa
from alembic import op

import valetkey.store.db

revision = "0007_triggers"
down_revision = "0006_webhooks"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "trigger_instances",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("project_id", sa.String(length=40), nullable=False),
        sa.Column("trigger_slug", sa.String(length=200), nullable=False),
        sa.Column("toolkit_slug", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("version", sa.String(length=20), nullable=False),
        sa.Column("connected_account_id", sa.String(length=40), nullable=False),
        sa.Column("auth_config_id", sa.String(length=40), nullable=False),
        sa.Column("user_id", sa.String(length=255), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("disabled_reason", sa.String(length=40), nullable=True),
        sa.Column("disabled_at", valetkey.store.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("secret_encrypted", sa.Text(), nullable=True),
        sa.Column("provider_state", sa.JSON(), nullable=False),
        sa.Column("last_event_at", valetkey.store.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_poll_at", valetkey.store.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("next_poll_at", valetkey.store.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("consecutive_errors", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("poll_lease_id", sa.String(length=40), nullable=True),
        sa.Column("poll_lease_until", valetkey.store.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", valetkey.store.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", valetkey.store.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["connected_account_id"],
            ["connected_accounts.id"],
            name=op.f("fk_trigger_instances_connected_account_id_connected_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_trigger_instances_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trigger_instances")),
    )
    with op.batch_alter_table("trigger_instances", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_trigger_instances_auth_config_id"), ["auth_config_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_trigger_instances_connected_account_id"), ["connected_account_id"], unique=False
        )
        batch_op.create_index("ix_trigger_instances_polls", ["kind", "status", "next_poll_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_trigger_instances_project_id"), ["project_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_trigger_instances_trigger_slug"), ["trigger_slug"], unique=False)

    op.create_table(
        "trigger_ingress_receipts",
        sa.Column("trigger_id", sa.String(length=40), nullable=False),
        sa.Column("delivery_id", sa.String(length=200), nullable=False),
        sa.Column("created_at", valetkey.store.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["trigger_id"],
            ["trigger_instances.id"],
            name=op.f("fk_trigger_ingress_receipts_trigger_id_trigger_instances"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("trigger_id", "delivery_id", name=op.f("pk_trigger_ingress_receipts")),
    )
    with op.batch_alter_table("trigger_ingress_receipts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_trigger_ingress_receipts_created_at"), ["created_at"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("trigger_ingress_receipts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trigger_ingress_receipts_created_at"))

    op.drop_table("trigger_ingress_receipts")
    with op.batch_alter_table("trigger_instances", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trigger_instances_trigger_slug"))
        batch_op.drop_index(batch_op.f("ix_trigger_instances_project_id"))
        batch_op.drop_index("ix_trigger_instances_polls")
        batch_op.drop_index(batch_op.f("ix_trigger_instances_connected_account_id"))
        batch_op.drop_index(batch_op.f("ix_trigger_instances_auth_config_id"))

    op.drop_table("trigger_instances")
