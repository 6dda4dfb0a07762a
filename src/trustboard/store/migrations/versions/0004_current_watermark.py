"""A watermark for the current-value documents: a change counter per metric (``metric_value_stamp``)
advanced by triggers on every insert, update and delete of ``metric_value``, and on each document
the counter it was built at and its layout.

Documents made before this migration carry no watermark (``source_stamp`` -1), so the first use
of each rebuilds it from the rows.  Plain SQL only: the migration does not call application
code, which may change after it was written.

Revision ID: 0004_current_watermark
Revises: 0005_spc_rebase
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_current_watermark"
down_revision = "0005_spc_rebase"
branch_labels = None
depends_on = None

# one step per metric a row change touches: an update moving a row to another metric counts
# for both (the WHERE also keeps SQLite's parser from reading ON CONFLICT as a join clause)
_BUMP_SQLITE = (
    "INSERT INTO metric_value_stamp (metric_id, stamp) SELECT {row}.metric_id, 1 WHERE {when} "
    "ON CONFLICT (metric_id) DO UPDATE SET stamp = metric_value_stamp.stamp + 1;"
)
SQLITE_TRIGGERS = {
    "tb_metric_value_insert": ("INSERT", [("NEW", "true")]),
    "tb_metric_value_update": (
        "UPDATE",
        [("OLD", "true"), ("NEW", "NEW.metric_id IS NOT OLD.metric_id")],
    ),
    "tb_metric_value_delete": ("DELETE", [("OLD", "true")]),
}


def sqlite_trigger_sql() -> dict[str, str]:
    """The statement that creates each SQLite trigger, by name.

    ``trustboard store check --rebuild`` reads this too, to recreate a missing trigger exactly
    as this migration made it (docs/store.md, "The change-tracking triggers"): keep it the
    one definition, and keep it as it is (stores hold what it made).
    """
    statements = {}
    for name, (event, rows) in SQLITE_TRIGGERS.items():
        body = " ".join(_BUMP_SQLITE.format(row=row, when=when) for row, when in rows)
        statements[name] = f"CREATE TRIGGER {name} AFTER {event} ON metric_value BEGIN {body} END"
    return statements


# One function for the row trigger and the TRUNCATE trigger.  The store's own write sets
# trustboard.writing to 'on' in its transaction (holding the table lock) and advances the
# counters itself; any other change, by any means, is counted here.
PG_FUNCTION_NAME = "tb_metric_value_changed"
PG_FUNCTION = """
CREATE FUNCTION tb_metric_value_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        UPDATE metric_value_stamp SET stamp = stamp + 1;
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO metric_value_stamp AS s (metric_id, stamp) VALUES (OLD.metric_id, 1)
        ON CONFLICT (metric_id) DO UPDATE SET stamp = s.stamp + 1;
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.metric_id IS DISTINCT FROM OLD.metric_id) THEN
        INSERT INTO metric_value_stamp AS s (metric_id, stamp) VALUES (NEW.metric_id, 1)
        ON CONFLICT (metric_id) DO UPDATE SET stamp = s.stamp + 1;
    END IF;
    RETURN NULL;
END
$$
"""
#: the statement that creates each PostgreSQL trigger, by name (read by the repair as well)
PG_TRIGGERS = {
    "tb_metric_value_changed": (
        "CREATE TRIGGER tb_metric_value_changed AFTER INSERT OR UPDATE OR DELETE ON metric_value "
        "FOR EACH ROW WHEN (current_setting('trustboard.writing', true) IS DISTINCT FROM 'on') "
        "EXECUTE FUNCTION tb_metric_value_changed()"
    ),
    "tb_metric_value_truncated": (
        "CREATE TRIGGER tb_metric_value_truncated AFTER TRUNCATE ON metric_value "
        "FOR EACH STATEMENT EXECUTE FUNCTION tb_metric_value_changed()"
    ),
}


def upgrade() -> None:
    op.create_table(
        "metric_value_stamp",
        sa.Column("metric_id", sa.String(length=64), nullable=False),
        sa.Column("stamp", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("metric_id", name=op.f("pk_metric_value_stamp")),
    )
    op.add_column(
        "metric_current",
        sa.Column("source_stamp", sa.BigInteger(), server_default=sa.text("-1"), nullable=False),
    )
    op.add_column(
        "metric_current",
        sa.Column("schema_version", sa.Integer(), server_default=sa.text("1"), nullable=False),
    )
    # every metric with rows starts at change 0; no document was built at it
    op.execute(
        "INSERT INTO metric_value_stamp (metric_id, stamp) "
        "SELECT DISTINCT metric_id, 0 FROM metric_value"
    )
    if op.get_bind().dialect.name == "sqlite":
        for statement in sqlite_trigger_sql().values():
            op.execute(statement)
    else:
        op.execute(PG_FUNCTION)
        for statement in PG_TRIGGERS.values():
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    else:
        op.execute("DROP TRIGGER IF EXISTS tb_metric_value_truncated ON metric_value")
        op.execute("DROP TRIGGER IF EXISTS tb_metric_value_changed ON metric_value")
        op.execute("DROP FUNCTION IF EXISTS tb_metric_value_changed()")
    with op.batch_alter_table("metric_current", schema=None) as batch_op:
        batch_op.drop_column("schema_version")
        batch_op.drop_column("source_stamp")
    op.drop_table("metric_value_stamp")
