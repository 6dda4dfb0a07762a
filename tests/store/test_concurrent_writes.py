"""Two writers of the same thing at once, on SQLite and on PostgreSQL (when a server answers):
the second starts while the first's transaction is still open, waits for it, and then works
from what the first wrote; nothing is lost and nothing fails with a store error.

* a BAF risk saved twice from the same revision: the first is kept, the second refused as a
  conflict (``TB-BAF-EDIT-CONFLICT``) and writes nothing;
* a review recorded while the risk is saved: the review is added to the saved risk;
* an action's due date moved twice: the history is a chain (15 March → 30 April → 31 May),
  never two changes from the same old date;
* a forum's meeting saved twice: the second replaces the first, audited from the first's
  dates.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date, datetime

import pytest
from sqlalchemy import Connection

from baf.builders import make_register, make_risk
from trustboard.domain import Action
from trustboard.domain.baf import ReviewEntry, RiskScore
from trustboard.errors import ConflictError, ErrorCode
from trustboard.store import Store
from trustboard.store import actions as stored_actions
from trustboard.store import baf as store_baf
from trustboard.store.meetings import StoredMeeting, read_meetings, write_meeting

NOW = datetime(2025, 4, 1, 9, 0)


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    made, _before, _after = Store.init(store_url, actor="test")
    yield made
    made.close()


def _at_once(
    store: Store, first: Callable[[Connection], object], second: Callable[[Connection], object]
) -> BaseException | None:
    """Run ``first`` in a transaction and, before it commits, ``second`` in a transaction of
    another connection; returns what ``second`` raised (None when it raised nothing)."""
    other = Store.open(store.engine.url.render_as_string(hide_password=False), actor="other")
    raised: list[BaseException] = []

    def run_second() -> None:
        try:
            with other.transaction() as conn:
                second(conn)
        except BaseException as error:  # returned to the test
            raised.append(error)

    with store.transaction() as conn:
        first(conn)
        worker = threading.Thread(target=run_second)
        worker.start()
        time.sleep(1.0)  # the second is waiting, or has read, while the first is open
    worker.join(timeout=60)
    other.close()
    return raised[0] if raised else None


def test_the_second_of_two_saves_of_a_risk_at_once_is_a_conflict(store: Store) -> None:
    risk = make_risk()
    with store.transaction() as conn:
        store_baf.save_register(conn, make_register(risk), actor="importer", source="r.yaml")
    mine = risk.model_copy(update={"title": "Access to community services"})
    theirs = risk.model_copy(update={"title": "Waiting for community services"})
    refused = _at_once(
        store,
        lambda conn: store_baf.save_risk(conn, mine, based_on=1, actor="rita"),
        lambda conn: store_baf.save_risk(conn, theirs, based_on=1, actor="eve"),
    )
    assert isinstance(refused, ConflictError), repr(refused)
    assert refused.code == ErrorCode.BAF_EDIT_CONFLICT
    with store.reading() as conn:
        revisions = store_baf.read_revisions(conn, "BAF-01")
        kept = store_baf.load_register(conn).risks[0]
    assert [(r.revision, r.actor) for r in revisions] == [(1, "importer"), (2, "rita")]
    assert kept.title == "Access to community services"


def test_a_review_recorded_while_a_risk_is_saved_keeps_both(store: Store) -> None:
    risk = make_risk()
    with store.transaction() as conn:
        store_baf.save_register(conn, make_register(risk), actor="importer", source="r.yaml")
    mine = risk.model_copy(update={"title": "Access to community services"})
    review = ReviewEntry(
        date=date(2025, 12, 31),
        current=RiskScore(likelihood=3, consequence=3),
        rationale="Recruitment complete",
        committee="fpc",
    )
    raised = _at_once(
        store,
        lambda conn: store_baf.save_risk(conn, mine, based_on=1, actor="rita"),
        lambda conn: store_baf.record_review(conn, "BAF-01", review, actor="eve"),
    )
    assert raised is None
    with store.reading() as conn:
        revisions = store_baf.read_revisions(conn, "BAF-01")
        kept = store_baf.load_register(conn).risks[0]
    # the review is recorded on the saved risk: the title saved, the review's score, and the
    # last revision holds the risk as stored
    assert kept.title == "Access to community services"
    assert kept.current == RiskScore(likelihood=3, consequence=3)
    assert [(r.revision, r.actor) for r in revisions] == [(1, "importer"), (2, "rita"), (3, "eve")]
    assert revisions[-1].risk == kept


def test_two_due_date_changes_at_once_are_a_chain(store: Store) -> None:
    store.write_actions(
        [
            Action(
                id="A-1",
                baf_risk_id="BAF01",
                description="Agree the winter plan",
                owner="Chief Executive",
                due=date(2025, 3, 15),
            )
        ]
    )

    def move(actor: str, due: date, reason: str) -> Callable[[Connection], object]:
        return lambda conn: stored_actions.update_action(
            conn, "A-1", actor=actor, now=NOW, due=due, reason=reason
        )

    raised = _at_once(
        store, move("rita", date(2025, 4, 30), "first"), move("eve", date(2025, 5, 31), "second")
    )
    assert raised is None
    with store.reading() as conn:
        changes = stored_actions.read_due_changes(conn, "A-1")
    assert [(c.old_due, c.new_due, c.reason) for c in changes] == [
        (date(2025, 3, 15), date(2025, 4, 30), "first"),
        (date(2025, 4, 30), date(2025, 5, 31), "second"),
    ]
    audited = store.audit(action="action.update")
    assert sorted(a.before["due"] for a in audited) == ["2025-03-15", "2025-04-30"]


def test_the_second_of_two_saves_of_a_meeting_at_once_replaces_the_first(
    store: Store,
) -> None:
    meeting = StoredMeeting(
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
        set_at=NOW,
    )
    moved = replace(meeting, meeting_date=date(2025, 4, 25), set_by="adam")
    raised = _at_once(
        store, lambda conn: write_meeting(conn, meeting), lambda conn: write_meeting(conn, moved)
    )
    assert raised is None
    with store.reading() as conn:
        assert [m.meeting_date for m in read_meetings(conn, forum="board")] == [date(2025, 4, 25)]
    entries = sorted(store.audit(action="meeting.schedule"), key=lambda e: e.actor)
    assert [e.actor for e in entries] == ["adam", "ana"]
    assert entries[0].before is not None and entries[0].before["meeting_date"] == "2025-04-24"
    assert entries[1].before is None
