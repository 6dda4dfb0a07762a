"""Narrative versions: the text of an exception's narrative as it is written, reviewed,
approved and locked, every version kept (``narrative_version``); and who may approve for an
executive lead (``narrative_lead``).

A version is never updated: each save, submission, approval, return and lock adds the next
version of its key (metric, period, org unit; ``""`` for the trust-level narrative), carrying
the sections' Markdown, the state it leaves the narrative in, who made it and when, the version
it was based on, and for a return the reviewer and their comment, for an approval the approver.
The key and version are unique, so two writers who both read version 3 cannot both write
version 4: the second is refused by the database as well as by the services' check.  Every
version and every change of approvers is written to the audit log in the same transaction.
Migration ``0011_narrative_versions`` creates both tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Connection,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    delete,
    insert,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column

from trustboard.store.audit import record
from trustboard.store.models import Base, BigId, Flag, Stamp

__all__ = [
    "NarrativeLead",
    "NarrativeLeadRow",
    "NarrativeVersion",
    "NarrativeVersionRow",
    "add_version",
    "read_leads",
    "read_versions",
    "remove_lead",
    "write_lead",
]


class NarrativeVersionRow(Base):
    """One version of the narrative of a metric, period and org unit (never updated)."""

    __tablename__ = "narrative_version"
    __table_args__ = (
        Index(
            "ux_narrative_version_key", "metric_id", "period", "org_unit", "version", unique=True
        ),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    metric_id: Mapped[str] = mapped_column(ForeignKey("metric.id"))
    period: Mapped[str] = mapped_column(String(16))
    #: empty string for the trust-level narrative (as in ``commentary``)
    org_unit: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    #: the version the writer read before making this one (None for a first version)
    based_on: Mapped[int | None] = mapped_column(Integer)
    #: draft, submitted, approved, returned or locked
    state: Mapped[str] = mapped_column(String(20))
    #: Markdown by section key (``trustboard.domain.COMMENTARY_SECTIONS``)
    sections: Mapped[dict[str, str]] = mapped_column(JSON)
    author: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(Stamp)
    reviewer: Mapped[str | None] = mapped_column(String(200))
    review_comment: Mapped[str | None] = mapped_column(Text)
    approver: Mapped[str | None] = mapped_column(String(200))


class NarrativeLeadRow(Base):
    """An account that approves narrative for an executive lead (as the catalogue names the
    lead in ``exec_lead``): the lead themself or a delegate."""

    __tablename__ = "narrative_lead"
    exec_lead: Mapped[str] = mapped_column(String(200), primary_key=True)
    user_name: Mapped[str] = mapped_column(String(200), primary_key=True)
    delegate: Mapped[bool] = mapped_column(Flag)
    granted_by: Mapped[str] = mapped_column(String(200))
    granted_at: Mapped[datetime] = mapped_column(Stamp)


_v = NarrativeVersionRow.__table__
_l = NarrativeLeadRow.__table__


@dataclass(frozen=True, slots=True)
class NarrativeVersion:
    """One stored version of a narrative."""

    metric_id: str
    period: str
    org_unit: str
    version: int
    based_on: int | None
    state: str
    sections: dict[str, str]
    author: str
    created_at: datetime
    reviewer: str | None = None
    review_comment: str | None = None
    approver: str | None = None

    @property
    def key(self) -> str:
        """The audit log's id of the narrative: ``metric/period/org unit``."""
        return f"{self.metric_id}/{self.period}/{self.org_unit}"


@dataclass(frozen=True, slots=True)
class NarrativeLead:
    """Who approves for an executive lead, and who said so when."""

    exec_lead: str
    user_name: str
    delegate: bool
    granted_by: str
    granted_at: datetime


def _body(item: NarrativeVersion) -> dict[str, Any]:
    return {
        "metric_id": item.metric_id,
        "period": item.period,
        "org_unit": item.org_unit,
        "version": item.version,
        "based_on": item.based_on,
        "state": item.state,
        "sections": dict(sorted(item.sections.items())),
        "author": item.author,
        "created_at": item.created_at,
        "reviewer": item.reviewer,
        "review_comment": item.review_comment,
        "approver": item.approver,
    }


def add_version(
    conn: Connection, item: NarrativeVersion, *, action: str, before: NarrativeVersion | None
) -> None:
    """Store one version and audit it (``action``, e.g. ``narrative.save``), in the caller's
    transaction; a version already taken raises the database's integrity error."""
    body = _body(item)
    conn.execute(insert(_v).values(**body))
    record(
        conn,
        now=item.created_at,
        actor=item.author,
        action=action,
        entity="narrative",
        entity_id=item.key,
        before=None if before is None else _body(before),
        after=body,
    )


def read_versions(
    conn: Connection,
    *,
    metric_ids: list[str] | None = None,
    period: str | None = None,
    org_unit: str | None = None,
    latest_only: bool = False,
) -> list[NarrativeVersion]:
    """Versions by metric, period, org unit and version (oldest first); ``latest_only`` keeps
    each key's newest."""
    query = select(_v)
    if metric_ids is not None:
        query = query.where(_v.c.metric_id.in_(metric_ids))
    if period is not None:
        query = query.where(_v.c.period == period)
    if org_unit is not None:
        query = query.where(_v.c.org_unit == org_unit)
    query = query.order_by(_v.c.metric_id, _v.c.period, _v.c.org_unit, _v.c.version)
    found = [
        NarrativeVersion(
            metric_id=r["metric_id"],
            period=r["period"],
            org_unit=r["org_unit"],
            version=r["version"],
            based_on=r["based_on"],
            state=r["state"],
            sections=dict(r["sections"] or {}),
            author=r["author"],
            created_at=r["created_at"],
            reviewer=r["reviewer"],
            review_comment=r["review_comment"],
            approver=r["approver"],
        )
        for r in conn.execute(query).mappings()
    ]
    if not latest_only:
        return found
    newest: dict[tuple[str, str, str], NarrativeVersion] = {}
    for item in found:
        newest[(item.metric_id, item.period, item.org_unit)] = item
    return list(newest.values())


def write_lead(conn: Connection, lead: NarrativeLead) -> None:
    """Record (or replace) who approves for an executive lead, audited."""
    before = read_leads(conn, exec_lead=lead.exec_lead, user_name=lead.user_name)
    conn.execute(
        delete(_l).where(_l.c.exec_lead == lead.exec_lead, _l.c.user_name == lead.user_name)
    )
    body = {
        "exec_lead": lead.exec_lead,
        "user_name": lead.user_name,
        "delegate": lead.delegate,
        "granted_by": lead.granted_by,
        "granted_at": lead.granted_at,
    }
    conn.execute(insert(_l).values(**body))
    record(
        conn,
        now=lead.granted_at,
        actor=lead.granted_by,
        action="narrative.lead",
        entity="narrative_lead",
        entity_id=f"{lead.exec_lead}/{lead.user_name}",
        before=None if not before else _lead_body(before[0]),
        after=body,
    )


def remove_lead(
    conn: Connection, *, exec_lead: str, user_name: str, actor: str, now: datetime
) -> bool:
    """Remove an approver of an executive lead (audited); False when there was none."""
    before = read_leads(conn, exec_lead=exec_lead, user_name=user_name)
    if not before:
        return False
    conn.execute(delete(_l).where(_l.c.exec_lead == exec_lead, _l.c.user_name == user_name))
    record(
        conn,
        now=now,
        actor=actor,
        action="narrative.lead_remove",
        entity="narrative_lead",
        entity_id=f"{exec_lead}/{user_name}",
        before=_lead_body(before[0]),
        after=None,
    )
    return True


def _lead_body(lead: NarrativeLead) -> dict[str, Any]:
    return {
        "exec_lead": lead.exec_lead,
        "user_name": lead.user_name,
        "delegate": lead.delegate,
        "granted_by": lead.granted_by,
        "granted_at": lead.granted_at,
    }


def read_leads(
    conn: Connection, *, exec_lead: str | None = None, user_name: str | None = None
) -> list[NarrativeLead]:
    """Approvers, by executive lead and account name."""
    query = select(_l)
    if exec_lead is not None:
        query = query.where(_l.c.exec_lead == exec_lead)
    if user_name is not None:
        query = query.where(_l.c.user_name == user_name)
    rows = conn.execute(query.order_by(_l.c.exec_lead, _l.c.user_name)).mappings()
    return [
        NarrativeLead(
            exec_lead=r["exec_lead"],
            user_name=r["user_name"],
            delegate=bool(r["delegate"]),
            granted_by=r["granted_by"],
            granted_at=r["granted_at"],
        )
        for r in rows
    ]
