"""dashboard operators, their org memberships and browser sessions

Revision ID: 0009_operators
Revises: 0008_webhook_endpoints
Create Date: 2026-12-03 15:00:00
"""

import sqlalchemy as sa
from alembic import op

import valetkey.store.db

revision = "0009_operators"
down_revision = "0008_webhook_endpoints"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "operators",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("created_at", valetkey.store.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email"),
    )
    op.create_table(
        "operator_memberships",
        sa.Column("operator_id", sa.String(length=40), nullable=False),
        sa.Column("org_id", sa.String(length=40), nullable=False),
        sa.Column("created_at", valetkey.store.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["operator_id"], ["operators.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("operator_id", "org_id"),
    )
    op.create_table(
        "dashboard_sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("operator_id", sa.String(length=40), nullable=False),
        sa.Column("created_at", valetkey.store.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", valetkey.store.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["operator_id"], ["operators.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    op.create_index("ix_dashboard_sessions_operator_id", "dashboard_sessions", ["operator_id"])
    op.create_index("ix_dashboard_sessions_expires_at", "dashboard_sessions", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_dashboard_sessions_expires_at", table_name="dashboard_sessions")
    op.drop_index("ix_dashboard_sessions_operator_id", table_name="dashboard_sessions")
    op.drop_table("dashboard_sessions")
    op.drop_table("operator_memberships")
    op.drop_table("operators")
