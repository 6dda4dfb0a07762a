"""Recent failed sign-ins by client address (``signin_failure``), for the per-address throttle.

Revision ID: 0009_signin_failures
Revises: 0008_paper_config
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_signin_failures"
down_revision = "0008_paper_config"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "signin_failure",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("client", sa.String(length=100), nullable=False),
        sa.Column("at", sa.DateTime(timezone=False), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signin_failure")),
    )
    op.create_index("ix_signin_failure_client_at", "signin_failure", ["client", "at"])


def downgrade() -> None:
    op.drop_index("ix_signin_failure_client_at", table_name="signin_failure")
    op.drop_table("signin_failure")
