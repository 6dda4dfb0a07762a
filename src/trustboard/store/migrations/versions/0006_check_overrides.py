"""Overrides of pre-publication check findings (``check_override``) and the per-section
``private`` flag of commentary (``commentary.private_sections``).

Revision ID: 0006_check_overrides
Revises: 0003_metric_current
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_check_overrides"
down_revision = "0003_metric_current"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "check_override",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("finding_id", sa.String(length=300), nullable=False),
        sa.Column("facts_sha256", sa.String(length=64), nullable=False),
        sa.Column("forum", sa.String(length=64), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("stated", sa.Text(), nullable=True),
        sa.Column("computed", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=False), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_override")),
    )
    with op.batch_alter_table("check_override", schema=None) as batch_op:
        batch_op.create_index(
            "ix_check_override_key", ["forum", "period", "finding_id"], unique=False
        )
    with op.batch_alter_table("commentary", schema=None) as batch_op:
        batch_op.add_column(sa.Column("private_sections", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("commentary", schema=None) as batch_op:
        batch_op.drop_column("private_sections")
    with op.batch_alter_table("check_override", schema=None) as batch_op:
        batch_op.drop_index("ix_check_override_key")
    op.drop_table("check_override")
