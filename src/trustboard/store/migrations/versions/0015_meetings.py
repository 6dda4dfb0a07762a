"""The meeting calendar (``meeting``): each forum's meeting dates with the data cut-off and the narrative and papers due dates.

Revision ID: 0015_meetings
Revises: 0014_baf_reviews
"""

from __future__ import annotations

revision = "0015_meetings"
down_revision = "0014_baf_reviews"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
