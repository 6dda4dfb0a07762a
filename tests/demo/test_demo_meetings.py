"""The demo schedules every forum's meeting for its month in the meeting calendar, on the
dates its paper configuration gives, so the Board pack's cover sheet reads the calendar and
agrees with it.

Worked by hand from the demo's reporting cycle (``demo/paper.py``: each forum meets so many
days after the end of the data month, the Board 31 days after 31 March 2025), and the dates the
demo sets before each meeting: data cut-off five days after the month ends, narrative due ten
days and papers due seven days before the meeting.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from trustboard.services.browse import load_config
from trustboard.services.demo import run_demo
from trustboard.services.meetings import meeting_for, meetings
from trustboard.services.pack import gather_inputs
from trustboard.store import Store


@pytest.mark.slow
def test_the_demo_schedules_its_meetings(tmp_path: Path) -> None:
    built = run_demo(tmp_path, forums=(), pdf=False, waits=False)
    store = Store.open(built.database, actor="test")
    try:
        board = meeting_for(store, "BOARD", "2025-03")
        assert board is not None
        assert board.timetable() == [
            ("data cut-off", date(2025, 4, 5)),
            ("narrative due", date(2025, 4, 21)),
            ("papers due", date(2025, 4, 24)),
            ("meeting date", date(2025, 5, 1)),
        ]
        assert board.part == "public"
        emt = meeting_for(store, "EMT", "2025-03")
        assert emt is not None and emt.meeting_date == date(2025, 4, 15)
        assert sorted(m.forum for m in meetings(store)) == sorted(
            ["EMT", "FPC", "QC", "PC", "ARC", "BOARD", "BOARD-PRIVATE"]
        )
        # the cover sheet reads the calendar, and the paper configuration agrees with it
        paper = gather_inputs(store, "BOARD", "2025-03", config=load_config(None, store)).paper
        assert (paper.meeting_date, paper.date_submitted) == (date(2025, 5, 1), date(2025, 4, 24))
    finally:
        store.close()
