"""External assurance as data: each import of a source (``assurance_import``), the CQC ratings
(``cqc_rating``) and the NHS Staff Survey results (``staff_survey_result``) of every revision.

Revision ID: 0016_external_assurance
Revises: 0015_meetings
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016_external_assurance"
down_revision = "0015_meetings"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "assurance_import",
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("file", sa.Text(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=False), nullable=False),
        sa.PrimaryKeyConstraint("source", "revision", name=op.f("pk_assurance_import")),
    )
    op.create_table(
        "cqc_rating",
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.String(length=32), nullable=False),
        sa.Column("provider_name", sa.Text(), nullable=False),
        sa.Column("location_id", sa.String(length=32), nullable=False),
        sa.Column("location_name", sa.Text(), nullable=False),
        sa.Column("service", sa.Text(), nullable=False),
        sa.Column("key_question", sa.String(length=16), nullable=False),
        sa.Column("rating", sa.String(length=32), nullable=False),
        sa.Column("published", sa.Date(), nullable=False),
        sa.Column("report_type", sa.Text(), nullable=False),
        sa.Column("inherited", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("revision", "position", name=op.f("pk_cqc_rating")),
    )
    op.create_table(
        "staff_survey_result",
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("org_code", sa.String(length=16), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("measure", sa.String(length=64), nullable=False),
        sa.Column("org_name", sa.Text(), nullable=False),
        sa.Column("benchmarking_group", sa.Text(), nullable=False),
        sa.Column("respondents", sa.Integer(), nullable=True),
        sa.Column("base", sa.Integer(), nullable=True),
        sa.Column("rate", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint(
            "revision", "org_code", "year", "measure", name=op.f("pk_staff_survey_result")
        ),
    )


def downgrade() -> None:
    op.drop_table("staff_survey_result")
    op.drop_table("cqc_rating")
    op.drop_table("assurance_import")
