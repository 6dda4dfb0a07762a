"""Narrative versions (``narrative_version``: every version of an exception's narrative with
its state, author, reviewer and approver) and who approves for each executive lead
(``narrative_lead``).

Revision ID: 0011_narrative_versions
Revises: 0010_value_source_row
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_narrative_versions"
down_revision = "0010_value_source_row"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "narrative_version",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("metric_id", sa.String(length=64), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("org_unit", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("based_on", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("sections", sa.JSON(), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=False), nullable=False),
        sa.Column("reviewer", sa.String(length=200), nullable=True),
        sa.Column("review_comment", sa.Text(), nullable=True),
        sa.Column("approver", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["metric_id"], ["metric.id"], name=op.f("fk_narrative_version_metric_id_metric")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_narrative_version")),
    )
    op.create_index(
        "ux_narrative_version_key",
        "narrative_version",
        ["metric_id", "period", "org_unit", "version"],
        unique=True,
    )
    op.create_table(
        "narrative_lead",
        sa.Column("exec_lead", sa.String(length=200), nullable=False),
        sa.Column("user_name", sa.String(length=200), nullable=False),
        sa.Column("delegate", sa.Boolean(create_constraint=False), nullable=False),
        sa.Column("granted_by", sa.String(length=200), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=False), nullable=False),
        sa.PrimaryKeyConstraint("exec_lead", "user_name", name=op.f("pk_narrative_lead")),
    )


def downgrade() -> None:
    op.drop_table("narrative_lead")
    op.drop_index("ux_narrative_version_key", table_name="narrative_version")
    op.drop_table("narrative_version")
