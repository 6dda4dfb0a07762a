"""The meeting calendar: dates checked in order, every problem named, nothing written on a
refusal, every change audited; the paper configuration's meeting date read from it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from cliruns import run as run_cli
from pack.conftest import COMPLETE_PAPER, FORUMS, UNITS, catalogue
from trustboard.errors import ConfigError, DataValidationError, NotFoundError
from trustboard.services.browse import load_config
from trustboard.services.meetings import meeting_for, meetings, record_meeting
from trustboard.services.pack import gather_inputs, load_paper_config
from trustboard.services.paper_config import keep_paper_config
from trustboard.store import Store

GOOD = {
    "data_cutoff": "2025-04-07",
    "narrative_due": "2025-04-11",
    "papers_due": "2025-04-15",
    "meeting_date": "2025-04-24",
}


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("meetings") / "calendar.db"
    store, _before, _after = Store.init(f"sqlite:///{path}", actor="test")
    store.upsert_catalogue(catalogue(), UNITS, FORUMS, effective=date(2020, 1, 1), source="t")
    store.close()
    return path


@pytest.fixture
def store(db: Path, tmp_path: Path) -> Iterator[Store]:
    copy = tmp_path / "calendar.db"
    copy.write_bytes(db.read_bytes())
    opened = Store.open(f"sqlite:///{copy}", actor="ana")
    yield opened
    opened.close()


def test_a_meeting_is_kept_with_its_dates_and_audited(store: Store) -> None:
    done = record_meeting(store, "board", "2025-03", part="Public", time="10:00", **GOOD)
    assert done.timetable() == [
        ("data cut-off", date(2025, 4, 7)),
        ("narrative due", date(2025, 4, 11)),
        ("papers due", date(2025, 4, 15)),
        ("meeting date", date(2025, 4, 24)),
    ]
    found = meeting_for(store, "board", "2025-03")
    assert found is not None
    assert (found.meeting_date, found.part, found.time, found.set_by) == (
        date(2025, 4, 24),
        "public",
        "10:00",
        "ana",
    )
    assert meeting_for(store, "board", "2025-02") is None
    assert meeting_for(store, "fpc", "2025-03") is None
    entry = store.audit(action="meeting.schedule")[0]
    assert (entry.actor, entry.entity_id, entry.before) == ("ana", "board/2025-03", None)
    assert entry.after["meeting_date"] == "2025-04-24"
    # moving the meeting replaces it (one meeting per forum and period) and audits both states
    record_meeting(store, "board", "2025-03", **{**GOOD, "meeting_date": "2025-04-29"})
    assert [m.meeting_date for m in meetings(store, "board")] == [date(2025, 4, 29)]
    moved = store.audit(action="meeting.schedule")[0]
    assert (moved.before["meeting_date"], moved.after["meeting_date"]) == (
        "2025-04-24",
        "2025-04-29",
    )
    # setting the same dates again changes nothing and adds no audit entry
    record_meeting(store, "board", "2025-03", **{**GOOD, "meeting_date": "2025-04-29"})
    assert len(store.audit(action="meeting.schedule")) == 2


def test_meetings_are_listed_by_date(store: Store) -> None:
    record_meeting(store, "board", "2025-03", **GOOD)
    record_meeting(
        store,
        "fpc",
        "2025-03",
        data_cutoff="2025-04-07",
        narrative_due="2025-04-08",
        papers_due="2025-04-10",
        meeting_date="2025-04-17",
    )
    assert [(m.forum, m.meeting_date) for m in meetings(store)] == [
        ("fpc", date(2025, 4, 17)),
        ("board", date(2025, 4, 24)),
    ]
    assert [m.forum for m in meetings(store, "board")] == ["board"]


@pytest.mark.parametrize(
    ("changed", "column", "words"),
    [
        ({"narrative_due": "2025-04-31"}, "narrative_due", "not a real date"),
        ({"papers_due": ""}, "papers_due", "is missing"),
        ({"data_cutoff": "2025-04-12"}, "data_cutoff", "on or before the narrative due"),
        ({"papers_due": "2025-04-10"}, "narrative_due", "on or before the papers due"),
        ({"meeting_date": "2025-04-15"}, "papers_due", "before the meeting date"),
        ({"data_cutoff": "2025-03-31"}, "data_cutoff", "before Mar 2025 has ended"),
        ({"part": "both"}, "part", "part is not one"),
    ],
)
def test_a_bad_date_is_refused_naming_it_and_nothing_is_written(
    store: Store, changed: dict[str, str], column: str, words: str
) -> None:
    with pytest.raises(DataValidationError) as caught:
        record_meeting(store, "board", "2025-03", **{**GOOD, **changed})  # type: ignore[arg-type]
    assert caught.value.code == "TB-MEETING-DATE"
    assert [p.column for p in caught.value.problems] == [column]
    assert words in caught.value.problems[0].message
    assert meetings(store) == []
    assert store.audit(action="meeting.schedule") == []


def test_every_problem_is_named_at_once(store: Store) -> None:
    with pytest.raises(DataValidationError) as caught:
        record_meeting(
            store,
            "board",
            "2025-03",
            data_cutoff="2025-03-20",
            narrative_due="31/04/2025",
            papers_due="2025-05-02",
            meeting_date="2025-05-01",
        )
    assert sorted(p.column or "" for p in caught.value.problems) == [
        "data_cutoff",
        "narrative_due",
        "papers_due",
    ]


def test_an_unknown_forum_is_not_found(store: Store) -> None:
    with pytest.raises(NotFoundError):
        record_meeting(store, "nope", "2025-03", **GOOD)
    assert meetings(store) == []


def test_the_paper_takes_its_meeting_date_from_the_calendar(store: Store) -> None:
    own = COMPLETE_PAPER["paper"]
    assert own["meeting_date"] == "2025-04-24"  # type: ignore[index]
    agreeing = load_paper_config(COMPLETE_PAPER)
    undated = load_paper_config(
        {
            **COMPLETE_PAPER,
            "paper": {
                k: v
                for k, v in own.items()  # type: ignore[attr-defined]
                if k not in ("meeting_date", "date_submitted")
            },
        }
    )
    # no calendar entry: the configuration's own date stands
    assert gather_inputs(store, "board", "2025-03", config=agreeing).paper.meeting_date == date(
        2025, 4, 24
    )
    assert gather_inputs(store, "board", "2025-03", config=undated).paper.meeting_date is None
    record_meeting(store, "board", "2025-03", **GOOD)
    paper = gather_inputs(store, "board", "2025-03", config=undated).paper
    # the calendar's meeting, and the papers due date as the date submitted
    assert (paper.meeting_date, paper.date_submitted) == (date(2025, 4, 24), date(2025, 4, 15))
    assert gather_inputs(store, "board", "2025-03", config=agreeing).paper.meeting_date == date(
        2025, 4, 24
    )
    record_meeting(store, "board", "2025-03", **{**GOOD, "meeting_date": "2025-04-29"})
    with pytest.raises(ConfigError) as caught:
        gather_inputs(store, "board", "2025-03", config=agreeing)
    assert caught.value.code == "TB-MEETING-CONFLICT"
    assert "2025-04-24" in caught.value.message and "2025-04-29" in caught.value.message
    assert caught.value.problems[0].column == "paper.meeting_date"


def test_a_meeting_moved_in_the_calendar_replaces_the_kept_configuration_s_date(
    store: Store,
) -> None:
    # `publish` keeps the configuration its pack was built with, meeting 24 April included;
    # the meeting then moves to 29 April in the calendar (the control panel's form): the kept
    # date is that earlier pack's, so the calendar's stands and nothing is refused
    keep_paper_config(store, COMPLETE_PAPER)
    record_meeting(store, "board", "2025-03", **GOOD)
    record_meeting(store, "board", "2025-03", **{**GOOD, "meeting_date": "2025-04-29"})
    kept = load_config(None, store)
    assert kept.kept and kept.for_forum("board")["meeting_date"] == "2025-04-24"
    paper = gather_inputs(store, "board", "2025-03", config=kept).paper
    assert paper.meeting_date == date(2025, 4, 29)
    # the same configuration given as a file still disagrees with the calendar
    with pytest.raises(ConfigError) as caught:
        gather_inputs(store, "board", "2025-03", config=load_paper_config(COMPLETE_PAPER))
    assert caught.value.code == "TB-MEETING-CONFLICT"


def test_the_command_line_schedules_and_lists(store: Store) -> None:
    url = store.engine.url.render_as_string(hide_password=False)
    done = run_cli(
        ["meeting", "schedule", "board", "2025-03", "--date", "2025-04-24",
         "--data-cutoff", "2025-04-07", "--narrative-due", "2025-04-11",
         "--papers-due", "2025-04-15", "--part", "public", "-d", url]
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "board meets on 2025-04-24 for Mar 2025" in done.output
    bad = run_cli(
        ["meeting", "schedule", "fpc", "2025-03", "--date", "2025-04-10",
         "--data-cutoff", "2025-04-07", "--narrative-due", "2025-04-11",
         "--papers-due", "2025-04-15", "-d", url]
    )  # fmt: skip
    assert bad.exit_code != 0
    assert "TB-MEETING-DATE" in bad.output and "nothing was written" in bad.output
    listed = run_cli(["meeting", "list", "-d", url])
    assert listed.exit_code == 0
    lines = [line for line in listed.output.splitlines() if "2025-03" in line]
    assert len(lines) == 1 and "board" in lines[0] and "2025-04-24" in lines[0]
