"""Commentary (revised per period, never overwritten) and actions (with a status history)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, and_, insert, or_, select, update

from trustboard.domain import Action, ActionStatus, AssuranceLevel, Commentary
from trustboard.store.actions import action_from_row, record_due_change
from trustboard.store.audit import record
from trustboard.store.models import ActionHistoryRow, ActionRow, CommentaryRow

__all__ = [
    "ActionChange",
    "read_action_history",
    "read_actions",
    "read_commentary",
    "write_actions",
    "write_commentary",
]

_cm = CommentaryRow.__table__
_ac = ActionRow.__table__
_ah = ActionHistoryRow.__table__


@dataclass(frozen=True, slots=True)
class ActionChange:
    """One entry of an action's history."""

    action_id: str
    changed_at: datetime
    actor: str
    status: ActionStatus
    due: date
    note: str | None


def _commentary_body(item: Commentary) -> dict[str, Any]:
    return {
        "sections": dict(sorted((k, v) for k, v in item.sections.items() if v)),
        "assurance_level": item.assurance_level.value if item.assurance_level else None,
        "author": item.author,
        "deep_dive_requested_by": item.deep_dive_requested_by,
        "private_sections": sorted(item.private_sections) or None,
    }


def write_commentary(
    conn: Connection,
    items: Sequence[Commentary],
    *,
    now: datetime,
    actor: str,
    import_id: int | None,
) -> tuple[int, int, int]:
    """Store commentary; returns (inserted, revised, unchanged)."""
    inserted = revised = unchanged = 0
    for item in items:
        unit = item.org_unit or ""
        body = _commentary_body(item)
        current = (
            conn.execute(
                select(_cm).where(
                    _cm.c.metric_id == item.metric_id,
                    _cm.c.period == item.period,
                    _cm.c.org_unit == unit,
                    _cm.c.valid_to.is_(None),
                )
            )
            .mappings()
            .first()
        )
        if current is not None:
            before = {
                "sections": current["sections"],
                "assurance_level": current["assurance_level"],
                "author": current["author"],
                "deep_dive_requested_by": current["deep_dive_requested_by"],
                "private_sections": current["private_sections"] or None,
            }
            if before == body:
                unchanged += 1
                continue
            conn.execute(update(_cm).where(_cm.c.id == current["id"]).values(valid_to=now))
            revised += 1
        else:
            before = None
            inserted += 1
        revision = 1 if current is None else current["revision"] + 1
        conn.execute(
            insert(_cm).values(
                metric_id=item.metric_id,
                period=item.period,
                org_unit=unit,
                revision=revision,
                valid_from=now,
                valid_to=None,
                import_id=import_id,
                **body,
            )
        )
        record(
            conn,
            now=now,
            actor=actor,
            action="commentary.add" if current is None else "commentary.revise",
            entity="commentary",
            entity_id=f"{item.metric_id}/{item.period}/{unit}",
            before=before,
            after=body,
        )
    return inserted, revised, unchanged


def read_commentary(
    conn: Connection,
    *,
    metric_ids: Sequence[str] | None = None,
    period: str | None = None,
    org_unit: str | None = None,
    as_of: datetime | None = None,
) -> list[Commentary]:
    """Commentary current now (or at ``as_of``), by metric, period and org unit.

    ``org_unit=None`` returns every unit's; pass ``""`` for the trust-level narrative only.
    """
    query = select(_cm)
    if metric_ids is not None:
        query = query.where(_cm.c.metric_id.in_(list(metric_ids)))
    if period is not None:
        query = query.where(_cm.c.period == period)
    if org_unit is not None:
        query = query.where(_cm.c.org_unit == org_unit)
    if as_of is None:
        query = query.where(_cm.c.valid_to.is_(None))
    else:
        query = query.where(
            _cm.c.valid_from <= as_of, or_(_cm.c.valid_to.is_(None), _cm.c.valid_to > as_of)
        )
    query = query.order_by(_cm.c.metric_id, _cm.c.period, _cm.c.org_unit)
    out = []
    for row in conn.execute(query).mappings():
        out.append(
            Commentary(
                metric_id=row["metric_id"],
                period=row["period"],
                org_unit=row["org_unit"] or None,
                sections=row["sections"],
                assurance_level=AssuranceLevel(row["assurance_level"])
                if row["assurance_level"]
                else None,
                author=row["author"],
                deep_dive_requested_by=row["deep_dive_requested_by"],
                private_sections=tuple(row["private_sections"] or ()),
            )
        )
    return out


def _action_values(action: Action) -> dict[str, Any]:
    return {
        "metric_id": action.metric_id,
        "baf_risk_id": action.baf_risk_id,
        "description": action.description,
        "owner": action.owner,
        "due": action.due,
        "status": action.status.value,
        "opened": action.opened,
        "completed": action.completed,
        "note": action.note,
    }


def write_actions(
    conn: Connection, actions: Sequence[Action], *, now: datetime, actor: str, import_id: int | None
) -> tuple[int, int, int]:
    """Store actions; returns (inserted, updated, unchanged).

    The first due date ever promised is kept as ``original_due`` whatever later files say, so
    that slippage stays visible; every change of status, due date or note adds a history entry.
    """
    inserted = updated = unchanged = 0
    for action in actions:
        values = _action_values(action)
        row = conn.execute(select(_ac).where(_ac.c.id == action.id)).mappings().first()
        if row is None:
            original = min(action.original_due or action.due, action.due)
            conn.execute(
                insert(_ac).values(
                    id=action.id,
                    original_due=original,
                    created_at=now,
                    updated_at=now,
                    created_by=actor,
                    **values,
                )
            )
            if original != action.due:
                why = f"the imported action was already moved from its first due date {original}"
                record_due_change(
                    conn,
                    action_id=action.id,
                    old_due=original,
                    new_due=action.due,
                    reason=why,
                    actor=actor,
                    now=now,
                    import_id=import_id,
                )
            inserted += 1
            before = None
        else:
            before = {k: row[k] for k in values}
            if before == values:
                unchanged += 1
                continue
            original = row["original_due"]
            if action.original_due is not None and action.original_due < original:
                original = action.original_due
            conn.execute(
                update(_ac)
                .where(_ac.c.id == action.id)
                .values(original_due=original, updated_at=now, **values)
            )
            if before["due"] != values["due"]:
                # a note written with the move says why; an unchanged note is last time's
                why = (
                    action.note
                    if action.note and action.note != before["note"]
                    else f"due date changed by import {import_id}"
                    if import_id is not None
                    else "due date changed in the BAF register"
                    if action.baf_risk_id
                    else "due date changed"
                )
                record_due_change(
                    conn,
                    action_id=action.id,
                    old_due=before["due"],
                    new_due=action.due,
                    reason=why,
                    actor=actor,
                    now=now,
                    import_id=import_id,
                )
            updated += 1
        history_changed = before is None or any(
            before[k] != values[k] for k in ("status", "due", "note")
        )
        if history_changed:
            conn.execute(
                insert(_ah).values(
                    action_id=action.id,
                    changed_at=now,
                    actor=actor,
                    status=action.status.value,
                    due=action.due,
                    note=action.note,
                    import_id=import_id,
                )
            )
        record(
            conn,
            now=now,
            actor=actor,
            action="action.add" if before is None else "action.change",
            entity="action",
            entity_id=action.id,
            before=before,
            after={**values, "original_due": original},
        )
    return inserted, updated, unchanged


def read_actions(
    conn: Connection,
    *,
    metric_ids: Sequence[str] | None = None,
    baf_risk_ids: Sequence[str] | None = None,
    open_on: date | None = None,
    include_closed: bool = True,
) -> list[Action]:
    """Actions, by due date.

    ``open_on`` gives the actions a report for that day carries forward: opened on or before it
    (or with no opening date) and not completed or closed before it.
    """
    query = select(_ac)
    if metric_ids is not None:
        query = query.where(_ac.c.metric_id.in_(list(metric_ids)))
    if baf_risk_ids is not None:
        query = query.where(_ac.c.baf_risk_id.in_(list(baf_risk_ids)))
    closed = [s.value for s in ActionStatus if not s.is_open]
    if open_on is not None:
        query = query.where(
            or_(_ac.c.opened.is_(None), _ac.c.opened <= open_on),
            or_(
                _ac.c.status.not_in(closed),
                and_(_ac.c.completed.is_not(None), _ac.c.completed > open_on),
            ),
        )
    elif not include_closed:
        query = query.where(_ac.c.status.not_in(closed))
    rows = conn.execute(query.order_by(_ac.c.due, _ac.c.id)).mappings()
    return [action_from_row(row) for row in rows]


def read_action_history(conn: Connection, action_id: str) -> list[ActionChange]:
    """The history of one action, oldest first."""
    rows = conn.execute(
        select(_ah).where(_ah.c.action_id == action_id).order_by(_ah.c.changed_at, _ah.c.id)
    ).mappings()
    return [
        ActionChange(
            action_id=r["action_id"],
            changed_at=r["changed_at"],
            actor=r["actor"],
            status=ActionStatus(r["status"]),
            due=r["due"],
            note=r["note"],
        )
        for r in rows
    ]
