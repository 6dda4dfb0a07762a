"""Accepted rebases of SPC limits (``spc_rebase``): metric, org unit, date, reason, who, when.

Revision ID: 0005_spc_rebase
Revises: 0006_check_overrides
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_spc_rebase"
down_revision = "0006_check_overrides"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "spc_rebase",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("metric_id", sa.String(length=64), nullable=False),
        sa.Column("org_unit", sa.String(length=64), nullable=True),
        sa.Column("at", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("accepted_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_spc_rebase")),
    )
    op.create_index("ix_spc_rebase_metric", "spc_rebase", ["metric_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_spc_rebase_metric", table_name="spc_rebase")
    op.drop_table("spc_rebase")
