"""Two saves of one forum's meeting at once (on SQLite, and on PostgreSQL when a server
answers): the second waits for the first, then replaces it, and the audit log's entry for the
second starts from the dates the first wrote; neither fails."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime

import pytest

from trustboard.store import Store
from trustboard.store.meetings import StoredMeeting, read_meetings, write_meeting

MEETING = StoredMeeting(
    forum="board",
    period="2025-03",
    meeting_date=date(2025, 4, 24),
    data_cutoff=date(2025, 4, 7),
    narrative_due=date(2025, 4, 11),
    papers_due=date(2025, 4, 17),
    part="public",
    time=None,
    place=None,
    set_by="ana",
    set_at=datetime(2025, 4, 1, 9, 0),
)


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    made, _before, _after = Store.init(store_url, actor="test")
    yield made
    made.close()


def test_the_second_of_two_saves_at_once_replaces_the_first(store: Store) -> None:
    other = Store.open(store.engine.url.render_as_string(hide_password=False), actor="adam")
    moved = replace(MEETING, meeting_date=date(2025, 4, 25), set_by="adam")
    failed: list[BaseException] = []

    def save_second() -> None:
        try:
            with other.transaction() as conn:
                write_meeting(conn, moved)
        except BaseException as error:  # checked below
            failed.append(error)

    with store.transaction() as conn:
        write_meeting(conn, MEETING)
        # the second save starts before the first is committed
        worker = threading.Thread(target=save_second)
        worker.start()
        time.sleep(1.0)
    worker.join(timeout=60)
    other.close()
    assert failed == []
    with store.reading() as conn:
        assert [m.meeting_date for m in read_meetings(conn, forum="board")] == [date(2025, 4, 25)]
    entries = sorted(store.audit(action="meeting.schedule"), key=lambda e: e.actor)
    assert [e.actor for e in entries] == ["adam", "ana"]
    assert entries[0].before is not None and entries[0].before["meeting_date"] == "2025-04-24"
    assert entries[1].before is None
