"""The action tracker in the store: every change of an action's due date with its reason
(``action_due_change``), and the tracker's reads and writes of the ``action`` table.

The ``action`` table is the one source of actions, whoever wrote them: commentary imports and
the BAF register write through :func:`trustboard.store.narrative.write_actions` (keyed by the
action's id, so a file imported again updates the same action and never adds a second), which
records a changed due date here; the web's tracker writes through :func:`update_action`.  Every
change is audited in the caller's transaction.  Migration ``0013_actions`` creates the table and
the ``evidence`` and ``created_by`` columns of ``action``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Date, ForeignKey, Index, String, Text, insert, select, update
from sqlalchemy.orm import Mapped, mapped_column

from trustboard.domain import Action, ActionStatus
from trustboard.errors import NotFoundError
from trustboard.store.audit import record
from trustboard.store.models import ActionHistoryRow, ActionRow, Base, BigId, Stamp

__all__ = [
    "ActionDueChangeRow",
    "DueChange",
    "TrackedAction",
    "action_from_row",
    "read_due_changes",
    "read_tracked",
    "record_due_change",
    "update_action",
]

_ac = ActionRow.__table__
_ah = ActionHistoryRow.__table__


class ActionDueChangeRow(Base):
    """One change of an action's due date: from, to, why, who and when."""

    __tablename__ = "action_due_change"
    __table_args__ = (Index("ix_action_due_change_action_id", "action_id"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    action_id: Mapped[str] = mapped_column(ForeignKey("action.id"))
    old_due: Mapped[date] = mapped_column(Date)
    new_due: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(200))
    changed_at: Mapped[datetime] = mapped_column(Stamp)
    import_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("import_batch.id"))


_dc = ActionDueChangeRow.__table__


@dataclass(frozen=True, slots=True)
class DueChange:
    """One recorded change of due date."""

    action_id: str
    old_due: date
    new_due: date
    reason: str
    actor: str
    changed_at: datetime
    import_id: int | None


@dataclass(frozen=True, slots=True)
class TrackedAction:
    """An action as the tracker holds it: the action, its evidence and who recorded it."""

    action: Action
    evidence: str | None
    created_by: str | None
    created_at: datetime
    updated_at: datetime


def record_due_change(
    conn: Connection,
    *,
    action_id: str,
    old_due: date,
    new_due: date,
    reason: str,
    actor: str,
    now: datetime,
    import_id: int | None = None,
) -> None:
    """Record that ``action_id``'s due date moved from ``old_due`` to ``new_due``."""
    conn.execute(
        insert(_dc).values(
            action_id=action_id,
            old_due=old_due,
            new_due=new_due,
            reason=reason,
            actor=actor,
            changed_at=now,
            import_id=import_id,
        )
    )


def read_due_changes(conn: Connection, action_id: str) -> list[DueChange]:
    """Every change of one action's due date, in the order they were made."""
    rows = conn.execute(
        select(_dc).where(_dc.c.action_id == action_id).order_by(_dc.c.id)
    ).mappings()
    return [
        DueChange(
            action_id=r["action_id"],
            old_due=r["old_due"],
            new_due=r["new_due"],
            reason=r["reason"],
            actor=r["actor"],
            changed_at=r["changed_at"],
            import_id=r["import_id"],
        )
        for r in rows
    ]


def action_from_row(row: Any) -> Action:
    """The action an ``action`` table row holds (a row read as a mapping)."""
    return Action(
        id=row["id"],
        metric_id=row["metric_id"],
        baf_risk_id=row["baf_risk_id"],
        description=row["description"],
        owner=row["owner"],
        due=row["due"],
        original_due=row["original_due"],
        status=ActionStatus(row["status"]),
        opened=row["opened"],
        completed=row["completed"],
        note=row["note"],
    )


def _tracked(row: Any) -> TrackedAction:
    return TrackedAction(
        action=action_from_row(row),
        evidence=row["evidence"],
        created_by=row["created_by"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def read_tracked(
    conn: Connection,
    *,
    action_ids: Sequence[str] | None = None,
    metric_ids: Sequence[str] | None = None,
    owners: Sequence[str] | None = None,
) -> list[TrackedAction]:
    """Actions with their evidence, by current due date then id."""
    query = select(_ac)
    if action_ids is not None:
        query = query.where(_ac.c.id.in_(list(action_ids)))
    if metric_ids is not None:
        query = query.where(_ac.c.metric_id.in_(list(metric_ids)))
    if owners is not None:
        query = query.where(_ac.c.owner.in_(list(owners)))
    return [_tracked(r) for r in conn.execute(query.order_by(_ac.c.due, _ac.c.id)).mappings()]


def update_action(
    conn: Connection,
    action_id: str,
    *,
    actor: str,
    now: datetime,
    status: ActionStatus | None = None,
    evidence: str | None = None,
    due: date | None = None,
    reason: str | None = None,
) -> TrackedAction:
    """Change an action's status, evidence or due date (a due date with its ``reason``).

    A status that closes the action sets its completion date to the day of ``now`` (kept when
    it was already set); one that opens it again clears it.  The change is added to the
    action's history (status and due date), a due date to ``action_due_change``, and the
    action before and after to the audit log.
    """
    # the row is locked as it is read (PostgreSQL; SQLite's write transaction holds the file's
    # lock): a second change at the same time waits, then starts from what this one wrote
    locked = select(_ac).where(_ac.c.id == action_id).with_for_update()
    row = conn.execute(locked).mappings().first()
    if row is None:
        raise NotFoundError(f"there is no action '{action_id}'")
    before = _tracked(row)
    values: dict[str, Any] = {}
    if status is not None and status.value != row["status"]:
        values["status"] = status.value
        if status.is_open:
            values["completed"] = None
        elif row["completed"] is None:
            values["completed"] = now.date()
    if evidence is not None and evidence != (row["evidence"] or ""):
        values["evidence"] = evidence or None
    if due is not None and due != row["due"]:
        values["due"] = due
        record_due_change(
            conn,
            action_id=action_id,
            old_due=row["due"],
            new_due=due,
            reason=reason or "",
            actor=actor,
            now=now,
        )
    if not values:
        return before
    conn.execute(update(_ac).where(_ac.c.id == action_id).values(updated_at=now, **values))
    after_row = conn.execute(select(_ac).where(_ac.c.id == action_id)).mappings().one()
    after = _tracked(after_row)
    if "status" in values or "due" in values:
        conn.execute(
            insert(_ah).values(
                action_id=action_id,
                changed_at=now,
                actor=actor,
                status=after_row["status"],
                due=after_row["due"],
                note=reason if "due" in values else after_row["note"],
                import_id=None,
            )
        )
    record(
        conn,
        now=now,
        actor=actor,
        action="action.update",
        entity="action",
        entity_id=action_id,
        before={**before.action.model_dump(mode="json"), "evidence": before.evidence},
        after={
            **after.action.model_dump(mode="json"),
            "evidence": after.evidence,
            **({"reason": reason} if "due" in values else {}),
        },
    )
    return after
