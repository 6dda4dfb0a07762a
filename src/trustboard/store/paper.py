"""The paper configuration the store's packs are built with (``paper_config``).

``trustboard demo`` keeps here the configuration its packs were built with, so that every
reader of the store (``trustboard serve`` without ``--paper``) charts the same window and
applies the same exception rules as the packs.  One row; every change is audited in the same
transaction.  Migration ``0008_paper_config`` creates the table.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Connection, Integer, String, Text, delete, insert, select
from sqlalchemy.orm import Mapped, mapped_column

from trustboard.store.audit import record
from trustboard.store.models import Base, Stamp

__all__ = ["PaperConfigRow", "read_paper_config", "save_paper_config"]


class PaperConfigRow(Base):
    """The paper configuration (as its YAML file would hold it), who saved it and when."""

    __tablename__ = "paper_config"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    config: Mapped[dict[str, Any]] = mapped_column(JSON)
    source: Mapped[str | None] = mapped_column(Text)
    saved_at: Mapped[datetime] = mapped_column(Stamp)
    actor: Mapped[str] = mapped_column(String(200))


_t = PaperConfigRow.__table__


def read_paper_config(conn: Connection) -> dict[str, Any] | None:
    """The stored configuration (None when none was saved)."""
    found = conn.execute(select(_t.c.config).where(_t.c.id == 1)).scalar_one_or_none()
    return dict(found) if found is not None else None


def save_paper_config(
    conn: Connection,
    config: Mapping[str, Any],
    *,
    now: datetime,
    actor: str,
    source: str | None = None,
) -> bool:
    """Keep ``config`` (a JSON-compatible mapping) and audit the change, in the caller's
    transaction; returns whether it changed."""
    plain = json.loads(json.dumps(dict(config), default=str))
    before = read_paper_config(conn)
    if before == plain:
        return False
    conn.execute(delete(_t))
    conn.execute(insert(_t).values(id=1, config=plain, source=source, saved_at=now, actor=actor))
    record(
        conn,
        now=now,
        actor=actor,
        action="paper.config",
        entity="paper_config",
        entity_id=None,
        before=before,
        after=plain,
    )
    return True
