"""Overrides of pre-publication check findings: who accepted a finding, when and why.

A finding is identified by a stable id (rule, metric, org unit, period, field) and the digest
of the facts it compared (both values).  An override holds for that id *and* those facts only:
when the data or the text change, the digest changes and the finding is reported again.  Every
override is written to the audit log in the same transaction.  Migration
``0006_check_overrides`` creates the table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Index, String, Text, insert, select
from sqlalchemy.orm import Mapped, mapped_column

from trustboard.store.audit import record
from trustboard.store.models import Base, BigId, Stamp

__all__ = ["CheckOverride", "CheckOverrideRow", "read_overrides", "write_override"]


class CheckOverrideRow(Base):
    """One accepted finding of ``trustboard check`` (never updated: a new row supersedes)."""

    __tablename__ = "check_override"
    __table_args__ = (Index("ix_check_override_key", "forum", "period", "finding_id"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    finding_id: Mapped[str] = mapped_column(String(300))
    facts_sha256: Mapped[str] = mapped_column(String(64))
    forum: Mapped[str] = mapped_column(String(64))
    period: Mapped[str] = mapped_column(String(16))
    stated: Mapped[str | None] = mapped_column(Text)
    computed: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(Stamp)


_t = CheckOverrideRow.__table__


@dataclass(frozen=True, slots=True)
class CheckOverride:
    """A recorded override: the finding and facts it covers, and who accepted it, when, why."""

    finding_id: str
    facts_sha256: str
    forum: str
    period: str
    stated: str | None
    computed: str | None
    reason: str
    actor: str
    created_at: datetime


def write_override(conn: Connection, override: CheckOverride) -> None:
    """Keep one override and audit it, in the caller's transaction."""
    body = {
        "finding_id": override.finding_id,
        "facts_sha256": override.facts_sha256,
        "forum": override.forum,
        "period": override.period,
        "stated": override.stated,
        "computed": override.computed,
        "reason": override.reason,
        "actor": override.actor,
        "created_at": override.created_at,
    }
    conn.execute(insert(_t).values(**body))
    record(
        conn,
        now=override.created_at,
        actor=override.actor,
        action="check.override",
        entity="check_override",
        entity_id=f"{override.forum}/{override.period}/{override.finding_id}",
        before=None,
        after=body,
    )


def read_overrides(conn: Connection, *, forum: str, period: str) -> list[CheckOverride]:
    """The overrides recorded for one forum and period, oldest first."""
    query = (
        select(_t)
        .where(_t.c.forum == forum, _t.c.period == period)
        .order_by(_t.c.created_at, _t.c.id)
    )
    return [
        CheckOverride(
            finding_id=row["finding_id"],
            facts_sha256=row["facts_sha256"],
            forum=row["forum"],
            period=row["period"],
            stated=row["stated"],
            computed=row["computed"],
            reason=row["reason"],
            actor=row["actor"],
            created_at=row["created_at"],
        )
        for row in conn.execute(query).mappings()
    ]
