"""Board Assurance Framework: settings, objectives, risks and their controls, gaps, assurances,
actions (linked to the ``action`` table), reviews, key metrics and corporate risk register links.

Revision ID: 0002_baf
Revises: 0001_initial
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_baf"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "baf_objective",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_baf_objective")),
    )
    op.create_table(
        "baf_risk",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("cause", sa.Text(), nullable=False),
        sa.Column("event", sa.Text(), nullable=False),
        sa.Column("effect", sa.Text(), nullable=False),
        sa.Column("executive_lead", sa.String(length=200), nullable=False),
        sa.Column("lead_committee", sa.String(length=200), nullable=False),
        sa.Column("inherent_likelihood", sa.Integer(), nullable=True),
        sa.Column("inherent_consequence", sa.Integer(), nullable=True),
        sa.Column("current_likelihood", sa.Integer(), nullable=False),
        sa.Column("current_consequence", sa.Integer(), nullable=False),
        sa.Column("target_likelihood", sa.Integer(), nullable=False),
        sa.Column("target_consequence", sa.Integer(), nullable=False),
        sa.Column("target_date", sa.Date(), nullable=True),
        sa.Column("appetite_category", sa.String(length=100), nullable=False),
        sa.Column("appetite_level", sa.String(length=100), nullable=False),
        sa.Column("next_review", sa.Date(), nullable=True),
        sa.Column("publish", sa.Boolean(), nullable=False),
        sa.Column("withhold", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_baf_risk")),
    )
    op.create_table(
        "baf_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trust_name", sa.String(length=300), nullable=True),
        sa.Column("scoring", sa.JSON(), nullable=False),
        sa.Column("appetite", sa.JSON(), nullable=False),
        sa.Column("public_groups", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_baf_settings")),
    )
    op.create_table(
        "baf_assurance",
        sa.Column("risk_id", sa.String(length=64), nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("line", sa.String(length=10), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("assured_on", sa.Date(), nullable=False),
        sa.Column("result", sa.String(length=10), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["risk_id"],
            ["baf_risk.id"],
            name=op.f("fk_baf_assurance_risk_id_baf_risk"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("risk_id", "id", name=op.f("pk_baf_assurance")),
    )
    op.create_table(
        "baf_control",
        sa.Column("risk_id", sa.String(length=64), nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["risk_id"],
            ["baf_risk.id"],
            name=op.f("fk_baf_control_risk_id_baf_risk"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("risk_id", "id", name=op.f("pk_baf_control")),
    )
    op.create_table(
        "baf_crr_link",
        sa.Column("risk_id", sa.String(length=64), nullable=False),
        sa.Column("crr_id", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("likelihood", sa.Integer(), nullable=False),
        sa.Column("consequence", sa.Integer(), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["risk_id"],
            ["baf_risk.id"],
            name=op.f("fk_baf_crr_link_risk_id_baf_risk"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("risk_id", "crr_id", name=op.f("pk_baf_crr_link")),
    )
    op.create_table(
        "baf_gap",
        sa.Column("risk_id", sa.String(length=64), nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("action_ids", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["risk_id"],
            ["baf_risk.id"],
            name=op.f("fk_baf_gap_risk_id_baf_risk"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("risk_id", "id", name=op.f("pk_baf_gap")),
    )
    op.create_table(
        "baf_key_metric",
        sa.Column("risk_id", sa.String(length=64), nullable=False),
        sa.Column("metric_id", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["risk_id"],
            ["baf_risk.id"],
            name=op.f("fk_baf_key_metric_risk_id_baf_risk"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("risk_id", "metric_id", name=op.f("pk_baf_key_metric")),
    )
    op.create_table(
        "baf_review",
        sa.Column("risk_id", sa.String(length=64), nullable=False),
        sa.Column("review_date", sa.Date(), nullable=False),
        sa.Column("current_likelihood", sa.Integer(), nullable=False),
        sa.Column("current_consequence", sa.Integer(), nullable=False),
        sa.Column("target_likelihood", sa.Integer(), nullable=True),
        sa.Column("target_consequence", sa.Integer(), nullable=True),
        sa.Column("rationale", sa.Text(), nullable=False),
        sa.Column("reviewer", sa.String(length=200), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["risk_id"],
            ["baf_risk.id"],
            name=op.f("fk_baf_review_risk_id_baf_risk"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("risk_id", "review_date", name=op.f("pk_baf_review")),
    )
    op.create_table(
        "baf_risk_objective",
        sa.Column("risk_id", sa.String(length=64), nullable=False),
        sa.Column("objective_id", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["risk_id"],
            ["baf_risk.id"],
            name=op.f("fk_baf_risk_objective_risk_id_baf_risk"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("risk_id", "objective_id", name=op.f("pk_baf_risk_objective")),
    )
    op.create_table(
        "baf_risk_action",
        sa.Column("risk_id", sa.String(length=64), nullable=False),
        sa.Column("action_id", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["action_id"], ["action.id"], name=op.f("fk_baf_risk_action_action_id_action")
        ),
        sa.ForeignKeyConstraint(
            ["risk_id"],
            ["baf_risk.id"],
            name=op.f("fk_baf_risk_action_risk_id_baf_risk"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("risk_id", "action_id", name=op.f("pk_baf_risk_action")),
    )


def downgrade() -> None:
    op.drop_table("baf_risk_action")
    op.drop_table("baf_risk_objective")
    op.drop_table("baf_review")
    op.drop_table("baf_key_metric")
    op.drop_table("baf_gap")
    op.drop_table("baf_crr_link")
    op.drop_table("baf_control")
    op.drop_table("baf_assurance")
    op.drop_table("baf_settings")
    op.drop_table("baf_risk")
    op.drop_table("baf_objective")
