"""The meeting calendar: one source of meeting dates for every forum and reporting period.

A forum's meeting for a period has four dates that lead up to it, in order: the data cut-off
(the last day for the period's figures), the narrative due date (approved narrative for the
exceptions), the papers due date (the pack and the other papers go to the members), then the
meeting itself.  The web app's timetable, the paper configuration's meeting date and the
meeting agendas read the calendar; nothing else keeps a meeting date of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from itertools import pairwise
from typing import Final

from trustboard.domain import Period
from trustboard.errors import DataValidationError, ErrorCode, NotFoundError, Problem
from trustboard.store import Store, utc_now
from trustboard.store.meetings import StoredMeeting, read_meetings, write_meeting

__all__ = [
    "DATE_FIELDS",
    "MEETING_PARTS",
    "Meeting",
    "meeting_for",
    "meetings",
    "record_meeting",
]

#: The calendar's dates, in the order they must fall (each on or before the next; the papers
#: go out before the meeting day itself).
DATE_FIELDS: Final[tuple[str, ...]] = (
    "data_cutoff",
    "narrative_due",
    "papers_due",
    "meeting_date",
)

#: How each date is named to a person.
DATE_LABELS: Final[dict[str, str]] = {
    "data_cutoff": "data cut-off",
    "narrative_due": "narrative due",
    "papers_due": "papers due",
    "meeting_date": "meeting date",
}

#: The parts of a meeting a calendar entry may name.
MEETING_PARTS: Final[tuple[str, ...]] = ("public", "private")


@dataclass(frozen=True, slots=True)
class Meeting:
    """A forum's meeting for one reporting period and the dates that lead up to it."""

    forum: str
    period: Period
    meeting_date: date
    data_cutoff: date
    narrative_due: date
    papers_due: date
    part: str | None = None
    time: str | None = None
    place: str | None = None
    set_by: str | None = None

    def timetable(self) -> list[tuple[str, date]]:
        """The four dates in order, each with its name."""
        return [(DATE_LABELS[name], getattr(self, name)) for name in DATE_FIELDS]


def _meeting(stored: StoredMeeting) -> Meeting:
    return Meeting(
        forum=stored.forum,
        period=Period.parse(stored.period),
        meeting_date=stored.meeting_date,
        data_cutoff=stored.data_cutoff,
        narrative_due=stored.narrative_due,
        papers_due=stored.papers_due,
        part=stored.part,
        time=stored.time,
        place=stored.place,
        set_by=stored.set_by,
    )


def _date(name: str, raw: date | str | None, problems: list[Problem]) -> date | None:
    label = DATE_LABELS[name]
    if isinstance(raw, date):
        return raw
    text = (raw or "").strip()
    if not text:
        problems.append(
            Problem(
                ErrorCode.MEETING_DATE,
                f"the {label} is missing",
                column=name,
                expected="a date as YYYY-MM-DD",
            )
        )
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        problems.append(
            Problem(
                ErrorCode.MEETING_DATE,
                f"the {label} is not a real date",
                column=name,
                value=text,
                expected="a date as YYYY-MM-DD",
            )
        )
        return None


def record_meeting(
    store: Store,
    forum_id: str,
    period: str | Period,
    *,
    meeting_date: date | str | None,
    data_cutoff: date | str | None,
    narrative_due: date | str | None,
    papers_due: date | str | None,
    part: str | None = None,
    time: str | None = None,
    place: str | None = None,
) -> Meeting:
    """Set the forum's meeting for ``period`` in the calendar (replacing any set before),
    audited in the same transaction.

    Every date must be real and they must fall in order: data cut-off ≤ narrative due ≤ papers
    due < meeting, and the data cut-off after the period ends.  Every problem is named
    (``TB-MEETING-DATE``) and nothing is written while any remains.
    """
    forums = {f.id: f for f in store.forums()}
    if forum_id not in forums:
        raise NotFoundError(
            f"forum '{forum_id}' is not in the store",
            hint="forums: " + (", ".join(sorted(forums)) or "none (load a catalogue first)"),
        )
    at = period if isinstance(period, Period) else Period.parse(period)
    problems: list[Problem] = []
    raw = {
        "data_cutoff": data_cutoff,
        "narrative_due": narrative_due,
        "papers_due": papers_due,
        "meeting_date": meeting_date,
    }
    dates = {name: _date(name, raw[name], problems) for name in DATE_FIELDS}
    for earlier, later in pairwise(DATE_FIELDS):
        first, second = dates[earlier], dates[later]
        if first is None or second is None:
            continue
        strict = later == "meeting_date"
        if first > second or (strict and first == second):
            relation = "before" if strict else "on or before"
            problems.append(
                Problem(
                    ErrorCode.MEETING_DATE,
                    f"the {DATE_LABELS[earlier]} ({first.isoformat()}) must be {relation} the "
                    f"{DATE_LABELS[later]} ({second.isoformat()})",
                    column=earlier,
                    value=first.isoformat(),
                    expected=f"{relation} {second.isoformat()}",
                )
            )
    cutoff = dates["data_cutoff"]
    if cutoff is not None and cutoff <= at.end:
        problems.append(
            Problem(
                ErrorCode.MEETING_DATE,
                f"the data cut-off ({cutoff.isoformat()}) falls before {at.display()} has ended",
                column="data_cutoff",
                value=cutoff.isoformat(),
                expected=f"after {at.end.isoformat()}",
            )
        )
    chosen_part = (part or "").strip().lower() or None
    if chosen_part is not None and chosen_part not in MEETING_PARTS:
        problems.append(
            Problem(
                ErrorCode.MEETING_DATE,
                "the meeting's part is not one the calendar knows",
                column="part",
                value=part,
                expected=" or ".join(MEETING_PARTS),
            )
        )
    if problems:
        raise DataValidationError(
            f"the {forum_id} meeting for {at.display()} has {len(problems)} problem(s); "
            "nothing was written",
            problems,
            code=ErrorCode.MEETING_DATE,
        )
    stored = StoredMeeting(
        forum=forum_id,
        period=str(at),
        meeting_date=_known(dates["meeting_date"]),
        data_cutoff=_known(dates["data_cutoff"]),
        narrative_due=_known(dates["narrative_due"]),
        papers_due=_known(dates["papers_due"]),
        part=chosen_part,
        time=(time or "").strip() or None,
        place=(place or "").strip() or None,
        set_by=store.actor,
        set_at=utc_now(),
    )
    with store.transaction() as conn:
        write_meeting(conn, stored)
    return _meeting(stored)


def _known(value: date | None) -> date:
    if value is None:  # pragma: no cover - refused above
        raise ValueError("a date the calendar checked is missing")
    return value


def meeting_for(store: Store, forum_id: str, period: str | Period) -> Meeting | None:
    """The forum's meeting for ``period`` in the calendar (None when none is set)."""
    at = period if isinstance(period, Period) else Period.parse(period)
    with store.engine.connect() as conn:
        found = read_meetings(conn, forum=forum_id, period=str(at))
    return _meeting(found[0]) if found else None


def meetings(store: Store, forum_id: str | None = None) -> list[Meeting]:
    """The calendar's meetings (one forum's when ``forum_id`` is given), by date then forum."""
    with store.engine.connect() as conn:
        return [_meeting(m) for m in read_meetings(conn, forum=forum_id)]
