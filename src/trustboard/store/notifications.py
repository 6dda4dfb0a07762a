"""In-app notifications (``notification``): what a person is told, with a link to it.

A notification carries a one-line subject and a link within the app; it is read (``read_at``
set) by its recipient.  A notification that should be sent once only (an action found overdue,
an action whose due date moved to a given day) carries a ``dedupe_key``: a second one with the
same key for the same recipient is not added.  Migration ``0013_actions`` creates the table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Index, String, Text, func, insert, select, update
from sqlalchemy.orm import Mapped, mapped_column

from trustboard.store.audit import record
from trustboard.store.jobs import row_id_fits
from trustboard.store.models import Base, BigId, Stamp

__all__ = [
    "Notification",
    "NotificationRow",
    "add_notification",
    "mark_read",
    "read_notifications",
    "unread_count",
]


class NotificationRow(Base):
    """One notification to one account."""

    __tablename__ = "notification"
    __table_args__ = (
        Index("ix_notification_recipient_read_at", "recipient", "read_at"),
        Index("ux_notification_recipient_dedupe_key", "recipient", "dedupe_key", unique=True),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    recipient: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(Text)
    link: Mapped[str] = mapped_column(String(500))
    dedupe_key: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(Stamp)
    read_at: Mapped[datetime | None] = mapped_column(Stamp)


_n = NotificationRow.__table__


@dataclass(frozen=True, slots=True)
class Notification:
    """A stored notification."""

    id: int
    recipient: str
    kind: str
    subject: str
    link: str
    created_at: datetime
    read_at: datetime | None


def add_notification(
    conn: Connection,
    *,
    recipient: str,
    kind: str,
    subject: str,
    link: str,
    now: datetime,
    dedupe_key: str | None = None,
) -> Notification | None:
    """Add a notification (audited); None when one with the same ``dedupe_key`` exists."""
    if dedupe_key is not None:
        seen = conn.execute(
            select(_n.c.id).where(_n.c.recipient == recipient, _n.c.dedupe_key == dedupe_key)
        ).first()
        if seen is not None:
            return None
    new_id = conn.execute(
        insert(_n).values(
            recipient=recipient,
            kind=kind,
            subject=subject,
            link=link,
            dedupe_key=dedupe_key,
            created_at=now,
            read_at=None,
        )
    ).inserted_primary_key
    assert new_id is not None
    item = Notification(int(new_id[0]), recipient, kind, subject, link, now, None)
    record(
        conn,
        now=now,
        actor="trustboard",
        action="notification.add",
        entity="notification",
        entity_id=str(item.id),
        before=None,
        after={"recipient": recipient, "kind": kind, "link": link},
    )
    return item


def read_notifications(
    conn: Connection, recipient: str, *, unread_only: bool = False, limit: int = 200
) -> list[Notification]:
    """A person's notifications, newest first."""
    query = select(_n).where(_n.c.recipient == recipient)
    if unread_only:
        query = query.where(_n.c.read_at.is_(None))
    query = query.order_by(_n.c.created_at.desc(), _n.c.id.desc()).limit(limit)
    return [
        Notification(
            r["id"],
            r["recipient"],
            r["kind"],
            r["subject"],
            r["link"],
            r["created_at"],
            r["read_at"],
        )
        for r in conn.execute(query).mappings()
    ]


def unread_count(conn: Connection, recipient: str) -> int:
    """How many of a person's notifications are unread."""
    found = conn.execute(
        select(func.count()).where(_n.c.recipient == recipient, _n.c.read_at.is_(None))
    ).scalar_one()
    return int(found)


def mark_read(
    conn: Connection, recipient: str, *, now: datetime, ids: list[int] | None = None
) -> int:
    """Mark ``recipient``'s notifications read (those of ``ids``, or all); returns how many.
    Another person's notification is never touched."""
    query = update(_n).where(_n.c.recipient == recipient, _n.c.read_at.is_(None))
    if ids is not None:
        query = query.where(_n.c.id.in_([i for i in ids if row_id_fits(i)]))
    changed = conn.execute(query.values(read_at=now)).rowcount
    if changed:
        record(
            conn,
            now=now,
            actor=recipient,
            action="notification.read",
            entity="notification",
            entity_id=None,
            before=None,
            after={"ids": ids if ids is not None else "all", "count": changed},
        )
    return int(changed)
