"""The paper configuration the store's packs are built with (``paper_config``).

Revision ID: 0008_paper_config
Revises: 0007_users
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_paper_config"
down_revision = "0007_users"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "paper_config",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("saved_at", sa.DateTime(timezone=False), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_paper_config")),
    )


def downgrade() -> None:
    op.drop_table("paper_config")
