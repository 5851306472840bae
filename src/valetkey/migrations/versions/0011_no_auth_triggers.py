"""no-auth triggers: a trigger instance may have no connected account

Revision ID: 0011_no_auth_triggers
Revises: 0010_id_aliases_import_ledger
Create Date: 2026-12-03 16:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_no_auth_triggers"
down_revision = "0010_id_aliases_import_ledger"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("trigger_instances") as batch:
        batch.alter_column("connected_account_id", existing_type=sa.String(length=40), nullable=True)
        batch.alter_column("auth_config_id", existing_type=sa.String(length=40), nullable=True)


def downgrade() -> None:
    # Triggers without an account cannot be kept under the old schema.
    op.execute("DELETE FROM trigger_instances WHERE connected_account_id IS NULL")
    with op.batch_alter_table("trigger_instances") as batch:
        batch.alter_column("auth_config_id", existing_type=sa.String(length=40), nullable=False)
        batch.alter_column("connected_account_id", existing_type=sa.String(length=40), nullable=False)
