"""Actions (``action``, ``action_due_change``) across metrics and BAF risks, with every change
of due date, and in-app notifications (``notification``).

The ``action`` table (``0001_initial``) already holds every action of commentary imports and of
the BAF register under its id; this migration gives it the evidence of completion and who
created it, records every change of due date with its reason (``action_due_change``; an action
whose due date had already moved when this migration ran gets one entry from its first due
date to its current one), and adds the in-app notifications.

Revision ID: 0013_actions
Revises: 0012_upload_jobs
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0013_actions"
down_revision = "0012_upload_jobs"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.add_column("action", sa.Column("evidence", sa.Text(), nullable=True))
    op.add_column("action", sa.Column("created_by", sa.String(length=200), nullable=True))
    op.create_table(
        "action_due_change",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("action_id", sa.String(length=64), nullable=False),
        sa.Column("old_due", sa.Date(), nullable=False),
        sa.Column("new_due", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=False), nullable=False),
        sa.Column("import_id", _ID, nullable=True),
        sa.ForeignKeyConstraint(
            ["action_id"], ["action.id"], name=op.f("fk_action_due_change_action_id_action")
        ),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["import_batch.id"],
            name=op.f("fk_action_due_change_import_id_import_batch"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_action_due_change")),
    )
    op.create_index(
        "ix_action_due_change_action_id", "action_due_change", ["action_id"], unique=False
    )
    op.create_table(
        "notification",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("recipient", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("link", sa.String(length=500), nullable=False),
        sa.Column("dedupe_key", sa.String(length=300), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=False), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=False), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification")),
    )
    op.create_index(
        "ix_notification_recipient_read_at", "notification", ["recipient", "read_at"], unique=False
    )
    op.create_index(
        "ux_notification_recipient_dedupe_key",
        "notification",
        ["recipient", "dedupe_key"],
        unique=True,
    )
    # an action already moved keeps its slippage explained: one change from first to current
    action = sa.table(
        "action",
        sa.column("id", sa.String),
        sa.column("due", sa.Date),
        sa.column("original_due", sa.Date),
    )
    change = sa.table(
        "action_due_change",
        sa.column("action_id", sa.String),
        sa.column("old_due", sa.Date),
        sa.column("new_due", sa.Date),
        sa.column("reason", sa.Text),
        sa.column("actor", sa.String),
        sa.column("changed_at", sa.DateTime),
    )
    conn = op.get_bind()
    moved = conn.execute(
        sa.select(action.c.id, action.c.due, action.c.original_due).where(
            action.c.due != action.c.original_due
        )
    ).all()
    now = datetime.now(UTC).replace(tzinfo=None)
    for action_id, due, original in moved:
        conn.execute(
            sa.insert(change).values(
                action_id=action_id,
                old_due=original,
                new_due=due,
                reason="moved before due-date changes were recorded one by one",
                actor="store.migrate",
                changed_at=now,
            )
        )


def downgrade() -> None:
    op.drop_index("ux_notification_recipient_dedupe_key", table_name="notification")
    op.drop_index("ix_notification_recipient_read_at", table_name="notification")
    op.drop_table("notification")
    op.drop_index("ix_action_due_change_action_id", table_name="action_due_change")
    op.drop_table("action_due_change")
    op.drop_column("action", "created_by")
    op.drop_column("action", "evidence")
