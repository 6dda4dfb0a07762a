"""The audit log: every change, who made it, when, and the state before and after (JSON)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from trustboard.store.models import AuditRow

__all__ = ["AuditEntry", "jsonable", "read_audit", "record"]

_a = AuditRow.__table__


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One recorded change."""

    id: int
    at: datetime
    actor: str
    action: str
    entity: str
    entity_id: str | None
    before: Any
    after: Any


def jsonable(value: Any) -> Any:
    """``value`` with dates and other non-JSON types turned into text (JSON columns need it)."""
    return json.loads(json.dumps(value, default=_default))


def _default(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    return str(value)


def record(
    conn: Connection,
    *,
    now: datetime,
    actor: str,
    action: str,
    entity: str,
    entity_id: str | None,
    before: Any,
    after: Any,
) -> None:
    """Add one entry to the audit log, in the caller's transaction."""
    conn.execute(
        insert(_a).values(
            at=now,
            actor=actor,
            action=action,
            entity=entity,
            entity_id=entity_id,
            before=jsonable(before),
            after=jsonable(after),
        )
    )


def read_audit(
    conn: Connection,
    *,
    entity: str | None = None,
    entity_id: str | None = None,
    action: str | None = None,
    since: datetime | None = None,
    limit: int | None = None,
) -> list[AuditEntry]:
    """Audit entries, newest first, optionally for one entity, action or since a moment."""
    query = select(_a).order_by(_a.c.id.desc())
    if entity is not None:
        query = query.where(_a.c.entity == entity)
    if entity_id is not None:
        query = query.where(_a.c.entity_id == entity_id)
    if action is not None:
        query = query.where(_a.c.action == action)
    if since is not None:
        query = query.where(_a.c.at >= since)
    if limit is not None:
        query = query.limit(limit)
    return [AuditEntry(**dict(row)) for row in conn.execute(query).mappings()]
