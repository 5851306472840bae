"""per-URL managed auth of generated MCP URLs (generate's managed_auth_by_composio)

Revision ID: 0005_mcp_url_managed_auth
Revises: 0004_session_config_versions
Create Date: 2026-12-03 08:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_mcp_url_managed_auth"
down_revision = "0004_session_config_versions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("mcp_user_urls") as batch:
        batch.add_column(sa.Column("managed_auth", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("mcp_user_urls") as batch:
        batch.drop_column("managed_auth")
