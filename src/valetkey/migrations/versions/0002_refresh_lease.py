"""connected accounts: token refresh lease

Revision ID: 0002_refresh_lease
Revises: 0001
Create Date: 2026-12-02 18:20:00

The refresh of an account's tokens is claimed with a short lease on its row
(`valetkey.connections.refresh`), so the provider is called outside any transaction.
"""

import sqlalchemy as sa
from alembic import op

import valetkey.store.db

revision = "0002_refresh_lease"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("connected_accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("refresh_lease_id", sa.String(length=40), nullable=True))
        batch_op.add_column(
            sa.Column("refresh_lease_until", valetkey.store.db.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("connected_accounts", schema=None) as batch_op:
        batch_op.drop_column("refresh_lease_until")
        batch_op.drop_column("refresh_lease_id")
