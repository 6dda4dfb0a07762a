"""BAF reviews recorded in the web app: who reviewed a risk, when, the committee that accepted it, and the score history.

Revision ID: 0014_baf_reviews
Revises: 0013_actions
"""

from __future__ import annotations

revision = "0014_baf_reviews"
down_revision = "0013_actions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
