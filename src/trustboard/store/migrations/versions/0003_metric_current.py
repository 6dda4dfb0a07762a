"""Current values as one Parquet document per metric (``metric_current``); the index of every
revision gives way to one of closed revisions only.

The documents are a cache: this migration creates their table and leaves it empty, and the
first use of each metric's values after ``0004_current_watermark`` builds its document from the
rows.  Plain SQL only: the migration does not call application code, which may change after it
was written.

Revision ID: 0003_metric_current
Revises: 0002_baf
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_metric_current"
down_revision = "0002_baf"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "metric_current",
        sa.Column("metric_id", sa.String(length=64), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("parquet", sa.LargeBinary(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("metric_id", name=op.f("pk_metric_current")),
    )
    with op.batch_alter_table("metric_value", schema=None) as batch_op:
        batch_op.drop_index("ix_metric_value_history")
        batch_op.create_index(
            "ix_metric_value_closed",
            ["metric_id", "org_unit", "period_start"],
            unique=False,
            sqlite_where=sa.text("valid_to IS NOT NULL"),
            postgresql_where=sa.text("valid_to IS NOT NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("metric_value", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_metric_value_closed",
            sqlite_where=sa.text("valid_to IS NOT NULL"),
            postgresql_where=sa.text("valid_to IS NOT NULL"),
        )
        batch_op.create_index(
            "ix_metric_value_history",
            ["metric_id", "org_unit", "period_start", "valid_from"],
            unique=False,
        )
    op.drop_table("metric_current")
