"""The sheet and row of its source file each value revision was read from (``metric_value``:
``source_sheet``, ``source_row``).

Both are nullable: revisions stored before this migration, and values that were not read from
a file's rows (the demo trust, a waiting-list model's output), have none.  Adding a nullable
column without a default rewrites no row on either engine.

Revision ID: 0010_value_source_row
Revises: 0009_signin_failures
"""

from __future__ import annotations

from alembic import op

revision = "0010_value_source_row"
down_revision = "0009_signin_failures"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE metric_value ADD COLUMN source_sheet TEXT")
    op.execute("ALTER TABLE metric_value ADD COLUMN source_row INTEGER")


def downgrade() -> None:
    op.execute("ALTER TABLE metric_value DROP COLUMN source_row")
    op.execute("ALTER TABLE metric_value DROP COLUMN source_sheet")
