"""The meeting calendar (``meeting``): each forum's meeting dates with the data cut-off and
the narrative and papers due dates.

Revision ID: 0015_meetings
Revises: 0014_baf_reviews
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_meetings"
down_revision = "0014_baf_reviews"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "meeting",
        sa.Column("forum", sa.String(length=64), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("meeting_date", sa.Date(), nullable=False),
        sa.Column("data_cutoff", sa.Date(), nullable=False),
        sa.Column("narrative_due", sa.Date(), nullable=False),
        sa.Column("papers_due", sa.Date(), nullable=False),
        sa.Column("part", sa.String(length=20), nullable=True),
        sa.Column("time", sa.String(length=20), nullable=True),
        sa.Column("place", sa.Text(), nullable=True),
        sa.Column("set_by", sa.String(length=200), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=False), nullable=False),
        sa.PrimaryKeyConstraint("forum", "period", name=op.f("pk_meeting")),
    )


def downgrade() -> None:
    op.drop_table("meeting")
