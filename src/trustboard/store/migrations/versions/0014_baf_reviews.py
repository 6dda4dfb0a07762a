"""BAF reviews recorded in the web app: who reviewed a risk, when, the committee that
accepted it, and the score history.

Adds ``baf_review.committee`` (the committee, a forum id, that accepted a review),
``baf_risk.inherent_rationale``, ``current_rationale`` and ``target_rationale`` (why each score
is what it is) and ``baf_risk_revision`` (every state of a risk with who saved it and when:
the revision an editor read is what a save names, so a second editor's stale save is told of
the conflict).

Revision ID: 0014_baf_reviews
Revises: 0013_actions
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_baf_reviews"
down_revision = "0013_actions"
branch_labels = None
depends_on = None


_RATIONALES = ("inherent_rationale", "current_rationale", "target_rationale")


def upgrade() -> None:
    with op.batch_alter_table("baf_review") as batch:
        batch.add_column(sa.Column("committee", sa.String(length=64), nullable=True))
    with op.batch_alter_table("baf_risk") as batch:
        for name in _RATIONALES:
            batch.add_column(sa.Column(name, sa.Text(), nullable=True))
    op.create_table(
        "baf_risk_revision",
        sa.Column("risk_id", sa.String(length=64), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("risk", sa.JSON(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=False), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=True),
        sa.PrimaryKeyConstraint("risk_id", "revision", name=op.f("pk_baf_risk_revision")),
    )


def downgrade() -> None:
    op.drop_table("baf_risk_revision")
    with op.batch_alter_table("baf_risk") as batch:
        for name in reversed(_RATIONALES):
            batch.drop_column(name)
    with op.batch_alter_table("baf_review") as batch:
        batch.drop_column("committee")
