"""Initial schema: catalogue, organisation, forums, values with revisions, commentary,
actions, SPC results and the audit log.

Revision ID: 0001_initial
Revises: (none)

Later migrations continue this linear chain with readable ids (``0002_baf`` for the Board
Assurance Framework tables, and so on); each sets ``down_revision`` to the one before.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("entity", sa.String(length=60), nullable=False),
        sa.Column("entity_id", sa.String(length=200), nullable=True),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index("ix_audit_log_entity", ["entity", "entity_id"], unique=False)

    op.create_table(
        "catalogue_version",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("loaded_at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("metric_count", sa.Integer(), nullable=False),
        sa.Column("changed_count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_catalogue_version")),
    )
    op.create_table(
        "forum",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("retired_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forum")),
    )
    op.create_table(
        "import_batch",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.Column("inserted", sa.Integer(), nullable=False),
        sa.Column("revised", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_batch")),
    )
    op.create_table(
        "metric",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("current_version", sa.Integer(), nullable=False),
        sa.Column("first_loaded_at", sa.DateTime(), nullable=False),
        sa.Column("retired_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_metric")),
    )
    op.create_table(
        "org_unit",
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("parent", sa.String(length=64), nullable=True),
        sa.Column("retired_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["parent"], ["org_unit.code"], name=op.f("fk_org_unit_parent_org_unit")
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_org_unit")),
    )
    op.create_table(
        "action",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("metric_id", sa.String(length=64), nullable=True),
        sa.Column("baf_risk_id", sa.String(length=64), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("original_due", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("opened", sa.Date(), nullable=True),
        sa.Column("completed", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["metric_id"], ["metric.id"], name=op.f("fk_action_metric_id_metric")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_action")),
    )
    op.create_table(
        "commentary",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("metric_id", sa.String(length=64), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("org_unit", sa.String(length=64), nullable=False),
        sa.Column("sections", sa.JSON(), nullable=False),
        sa.Column("assurance_level", sa.String(length=30), nullable=True),
        sa.Column("author", sa.String(length=200), nullable=True),
        sa.Column("deep_dive_requested_by", sa.String(length=200), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.DateTime(), nullable=False),
        sa.Column("valid_to", sa.DateTime(), nullable=True),
        sa.Column("import_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.ForeignKeyConstraint(
            ["import_id"], ["import_batch.id"], name=op.f("fk_commentary_import_id_import_batch")
        ),
        sa.ForeignKeyConstraint(
            ["metric_id"], ["metric.id"], name=op.f("fk_commentary_metric_id_metric")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commentary")),
    )
    with op.batch_alter_table("commentary", schema=None) as batch_op:
        batch_op.create_index(
            "ix_commentary_key", ["metric_id", "period", "org_unit", "valid_from"], unique=False
        )

    op.create_table(
        "forum_metric",
        sa.Column("forum_id", sa.String(length=64), nullable=False),
        sa.Column("metric_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["forum_id"], ["forum.id"], name=op.f("fk_forum_metric_forum_id_forum")
        ),
        sa.ForeignKeyConstraint(
            ["metric_id"], ["metric.id"], name=op.f("fk_forum_metric_metric_id_metric")
        ),
        sa.PrimaryKeyConstraint("forum_id", "metric_id", name=op.f("pk_forum_metric")),
    )
    op.create_table(
        "metric_value",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("metric_id", sa.String(length=64), nullable=False),
        sa.Column("org_unit", sa.String(length=64), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("numerator", sa.Float(), nullable=True),
        sa.Column("denominator", sa.Float(), nullable=True),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("provisional", sa.Boolean(), nullable=False),
        sa.Column("source_file", sa.Text(), nullable=True),
        sa.Column("source_hash", sa.String(length=64), nullable=True),
        sa.Column("extracted_at", sa.DateTime(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.DateTime(), nullable=False),
        sa.Column("valid_to", sa.DateTime(), nullable=True),
        sa.Column("import_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_metric_value")),
    )
    with op.batch_alter_table("metric_value", schema=None) as batch_op:
        batch_op.create_index(
            "ix_metric_value_history",
            ["metric_id", "org_unit", "period_start", "valid_from"],
            unique=False,
        )
        batch_op.create_index(
            "ux_metric_value_current",
            ["metric_id", "org_unit", "period_start"],
            unique=True,
            sqlite_where=sa.text("valid_to IS NULL"),
            postgresql_where=sa.text("valid_to IS NULL"),
        )

    op.create_table(
        "metric_version",
        sa.Column("metric_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("catalogue_seq", sa.Integer(), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("change_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["catalogue_seq"],
            ["catalogue_version.seq"],
            name=op.f("fk_metric_version_catalogue_seq_catalogue_version"),
        ),
        sa.ForeignKeyConstraint(
            ["metric_id"], ["metric.id"], name=op.f("fk_metric_version_metric_id_metric")
        ),
        sa.PrimaryKeyConstraint("metric_id", "version", name=op.f("pk_metric_version")),
    )
    op.create_table(
        "spc_run",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("computed_at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("catalogue_seq", sa.Integer(), nullable=True),
        sa.Column("values_as_of", sa.DateTime(), nullable=False),
        sa.Column("series_count", sa.Integer(), nullable=False),
        sa.Column("option_groups", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["catalogue_seq"],
            ["catalogue_version.seq"],
            name=op.f("fk_spc_run_catalogue_seq_catalogue_version"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_spc_run")),
    )
    op.create_table(
        "action_history",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("action_id", sa.String(length=64), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("import_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.ForeignKeyConstraint(
            ["action_id"], ["action.id"], name=op.f("fk_action_history_action_id_action")
        ),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["import_batch.id"],
            name=op.f("fk_action_history_import_id_import_batch"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_action_history")),
    )
    with op.batch_alter_table("action_history", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_action_history_action_id"), ["action_id"], unique=False
        )

    op.create_table(
        "spc_points",
        sa.Column("run_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("metric_id", sa.String(length=64), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("parquet", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["spc_run.id"], name=op.f("fk_spc_points_run_id_spc_run")
        ),
        sa.PrimaryKeyConstraint("run_id", "metric_id", name=op.f("pk_spc_points")),
    )
    op.create_table(
        "spc_summary",
        sa.Column("run_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("metric_id", sa.String(length=64), nullable=False),
        sa.Column("org_unit", sa.String(length=64), nullable=False),
        sa.Column("metric_version", sa.Integer(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("date", sa.Date(), nullable=True),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("mean", sa.Float(), nullable=True),
        sa.Column("lpl", sa.Float(), nullable=True),
        sa.Column("upl", sa.Float(), nullable=True),
        sa.Column("variation_icon", sa.String(length=40), nullable=True),
        sa.Column("assurance_icon", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"], ["spc_run.id"], name=op.f("fk_spc_summary_run_id_spc_run")
        ),
        sa.PrimaryKeyConstraint("run_id", "metric_id", "org_unit", name=op.f("pk_spc_summary")),
    )


def downgrade() -> None:
    op.drop_table("spc_summary")
    op.drop_table("spc_points")
    with op.batch_alter_table("action_history", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_action_history_action_id"))

    op.drop_table("action_history")
    op.drop_table("spc_run")
    op.drop_table("metric_version")
    with op.batch_alter_table("metric_value", schema=None) as batch_op:
        batch_op.drop_index(
            "ux_metric_value_current",
            sqlite_where=sa.text("valid_to IS NULL"),
            postgresql_where=sa.text("valid_to IS NULL"),
        )
        batch_op.drop_index("ix_metric_value_history")

    op.drop_table("metric_value")
    op.drop_table("forum_metric")
    with op.batch_alter_table("commentary", schema=None) as batch_op:
        batch_op.drop_index("ix_commentary_key")

    op.drop_table("commentary")
    op.drop_table("action")
    op.drop_table("org_unit")
    op.drop_table("metric")
    op.drop_table("import_batch")
    op.drop_table("forum")
    op.drop_table("catalogue_version")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_log_entity")

    op.drop_table("audit_log")
