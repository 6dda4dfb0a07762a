"""Upload jobs (``upload_job``): a file uploaded through the web app, its validation report, status and progress.

Revision ID: 0012_upload_jobs
Revises: 0011_narrative_versions
"""

from __future__ import annotations

revision = "0012_upload_jobs"
down_revision = "0011_narrative_versions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
