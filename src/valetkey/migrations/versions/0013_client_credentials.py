"""client credentials: per-project client id/secret pairs and their short-lived access tokens (Scalekit SDK)

Revision ID: 0013_client_credentials
Revises: 0012_custom_toolkits
Create Date: 2026-12-03 18:30:00
"""

import sqlalchemy as sa
from alembic import op

from valetkey.store.db import UTCDateTime

revision = "0013_client_credentials"
down_revision = "0012_custom_toolkits"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "client_credentials",
        sa.Column("id", sa.String(length=40), primary_key=True),
        sa.Column(
            "project_id",
            sa.String(length=40),
            sa.ForeignKey("projects.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("hint", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", UTCDateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_client_credentials_project_id", "client_credentials", ["project_id"])
    op.create_table(
        "client_access_tokens",
        sa.Column("token_hash", sa.String(length=64), primary_key=True),
        sa.Column(
            "client_id",
            sa.String(length=40),
            sa.ForeignKey("client_credentials.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("expires_at", UTCDateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_client_access_tokens_client_id", "client_access_tokens", ["client_id"])
    op.create_index("ix_client_access_tokens_expires_at", "client_access_tokens", ["expires_at"])


def downgrade() -> None:
    op.drop_table("client_access_tokens")
    op.drop_table("client_credentials")
