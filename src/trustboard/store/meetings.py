"""The meeting calendar (``meeting``): each forum's meeting for a reporting period.

One row for each forum and period: the meeting's date, the data cut-off and the narrative and
papers due dates, with the meeting's part (public or private), time and place when known, and
who set it and when.  The calendar is the one source of meeting dates: the web app's
timetable, the paper configuration and the meeting agendas read it.  Every change is audited
in the same transaction.  Migration ``0015_meetings`` creates the table.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime

from sqlalchemy import Connection, Date, String, Text, delete, insert, select
from sqlalchemy.orm import Mapped, mapped_column

from trustboard.store.audit import record
from trustboard.store.models import Base, Stamp

__all__ = ["MeetingRow", "StoredMeeting", "read_meetings", "write_meeting"]


class MeetingRow(Base):
    """One forum's meeting for one reporting period and the dates that lead up to it."""

    __tablename__ = "meeting"
    forum: Mapped[str] = mapped_column(String(64), primary_key=True)
    period: Mapped[str] = mapped_column(String(16), primary_key=True)
    meeting_date: Mapped[date] = mapped_column(Date)
    data_cutoff: Mapped[date] = mapped_column(Date)
    narrative_due: Mapped[date] = mapped_column(Date)
    papers_due: Mapped[date] = mapped_column(Date)
    part: Mapped[str | None] = mapped_column(String(20))
    time: Mapped[str | None] = mapped_column(String(20))
    place: Mapped[str | None] = mapped_column(Text)
    set_by: Mapped[str] = mapped_column(String(200))
    set_at: Mapped[datetime] = mapped_column(Stamp)


_t = MeetingRow.__table__


@dataclass(frozen=True, slots=True)
class StoredMeeting:
    """A forum's meeting for a reporting period, as the calendar holds it."""

    forum: str
    period: str
    meeting_date: date
    data_cutoff: date
    narrative_due: date
    papers_due: date
    part: str | None
    time: str | None
    place: str | None
    set_by: str
    set_at: datetime


def _from_row(row: object) -> StoredMeeting:
    return StoredMeeting(**{name: getattr(row, name) for name in StoredMeeting.__slots__})


def read_meetings(
    conn: Connection, *, forum: str | None = None, period: str | None = None
) -> list[StoredMeeting]:
    """The calendar's meetings (optionally one forum's, or one period's), by date then forum."""
    query = select(_t)
    if forum is not None:
        query = query.where(_t.c.forum == forum)
    if period is not None:
        query = query.where(_t.c.period == period)
    rows = conn.execute(query.order_by(_t.c.meeting_date, _t.c.forum)).all()
    return [_from_row(row) for row in rows]


def _audited(meeting: StoredMeeting) -> dict[str, object]:
    out = asdict(meeting)
    out.pop("set_by")
    out.pop("set_at")
    return out


def write_meeting(conn: Connection, meeting: StoredMeeting) -> bool:
    """Keep ``meeting`` (replacing the forum's meeting for that period) and audit the change,
    in the caller's transaction; returns whether anything changed."""
    if conn.dialect.name == "postgresql":
        # one writer of the calendar at a time (SQLite's write transaction holds the file's
        # lock already): a second save of the same meeting waits, then reads what the first
        # wrote, instead of failing on the first's new row
        conn.exec_driver_sql(f"LOCK TABLE {_t.name} IN SHARE ROW EXCLUSIVE MODE")
    found = read_meetings(conn, forum=meeting.forum, period=meeting.period)
    before = _audited(found[0]) if found else None
    after = _audited(meeting)
    if before == after:
        return False
    conn.execute(delete(_t).where((_t.c.forum == meeting.forum) & (_t.c.period == meeting.period)))
    conn.execute(insert(_t).values(**asdict(meeting)))
    record(
        conn,
        now=meeting.set_at,
        actor=meeting.set_by,
        action="meeting.schedule",
        entity="meeting",
        entity_id=f"{meeting.forum}/{meeting.period}",
        before=before,
        after=after,
    )
    return True
