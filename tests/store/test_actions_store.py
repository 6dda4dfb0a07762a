"""The action tracker's tables on each engine (SQLite, and PostgreSQL when a server answers):
due-date changes from imports and from the tracker, with their reasons, and notifications
added once per key, read and counted by their recipient only; and an action already moved
when migration 0013 runs, whose slippage the migration explains with one change."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Connection, text

from trustboard.domain import Action, ActionStatus
from trustboard.store import Store
from trustboard.store import actions as stored
from trustboard.store import notifications as notes
from trustboard.store.engine import create_store_engine, head_revision, migrate

NOW = datetime(2025, 4, 1, 9, 0)
FIRST = Action(
    id="A-1",
    baf_risk_id="BAF01",
    description="Agree the winter plan",
    owner="Chief Executive",
    due=date(2025, 3, 15),
    note="Plan drafted",
)


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    made, _before, _after = Store.init(store_url, actor="test")
    made.write_actions([FIRST])
    yield made
    made.close()


def _changes(store: Store) -> list[tuple[date, date, str, int | None]]:
    with store.reading() as conn:
        return [
            (c.old_due, c.new_due, c.reason, c.import_id)
            for c in stored.read_due_changes(conn, "A-1")
        ]


def test_due_changes_keep_their_reasons(store: Store) -> None:
    # moved with a new note: the note is the reason
    first = store.write_actions(
        [FIRST.model_copy(update={"due": date(2025, 4, 30), "note": "Waiting for the ICB"})]
    )
    # moved again, the note unchanged: the import is named instead of last time's note
    second = store.write_actions(
        [FIRST.model_copy(update={"due": date(2025, 5, 31), "note": "Waiting for the ICB"})]
    )
    assert _changes(store) == [
        (date(2025, 3, 15), date(2025, 4, 30), "Waiting for the ICB", first.import_id),
        (
            date(2025, 4, 30),
            date(2025, 5, 31),
            f"due date changed by import {second.import_id}",
            second.import_id,
        ),
    ]
    with store.transaction() as conn:
        after = stored.update_action(
            conn,
            "A-1",
            actor="rita",
            now=NOW,
            status=ActionStatus.COMPLETE,
            evidence="Minutes of 1 April",
            due=date(2025, 4, 1),
            reason="Agreed early",
        )
    assert after.action.status is ActionStatus.COMPLETE and after.action.completed == date(
        2025, 4, 1
    )
    assert after.evidence == "Minutes of 1 April"
    assert after.action.original_due == date(2025, 3, 15)
    assert _changes(store)[-1] == (date(2025, 5, 31), date(2025, 4, 1), "Agreed early", None)
    [history] = [h for h in store.action_history("A-1") if h.actor == "rita"]
    assert (history.status, history.due, history.note) == (
        ActionStatus.COMPLETE,
        date(2025, 4, 1),
        "Agreed early",
    )
    # nothing to change: nothing written
    before = store.row_counts()
    with store.transaction() as conn:
        stored.update_action(conn, "A-1", actor="rita", now=NOW, evidence="Minutes of 1 April")
    assert store.row_counts() == before


def test_notifications_once_per_key_and_only_their_recipient_s(store: Store) -> None:
    def overdue(conn: Connection, recipient: str) -> notes.Notification | None:
        """The same notice of A-1 being overdue, to ``recipient``."""
        return notes.add_notification(
            conn,
            recipient=recipient,
            kind="action.overdue",
            subject="A-1 overdue",
            link="/actions/A-1",
            now=NOW,
            dedupe_key="overdue:A-1:2025-03-15",
        )

    with store.transaction() as conn:
        one = overdue(conn, "eve")
        again = overdue(conn, "eve")
        other = overdue(conn, "owen")
    assert one is not None and again is None and other is not None
    with store.transaction() as conn:
        assert notes.unread_count(conn, "eve") == 1
        # owen cannot mark eve's notification read
        assert notes.mark_read(conn, "owen", now=NOW, ids=[one.id]) == 0
        assert notes.unread_count(conn, "eve") == 1
        assert notes.mark_read(conn, "eve", now=NOW, ids=[one.id]) == 1
        assert notes.unread_count(conn, "eve") == 0
        [read] = notes.read_notifications(conn, "eve")
    assert read.read_at == NOW and read.link == "/actions/A-1"


def test_an_action_moved_before_the_migration_gets_one_change(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = create_store_engine(url)
    try:
        migrate(engine, "0012_upload_jobs")
        with engine.connect() as conn, conn.begin():
            for action_id, due in (("MOVED", "2025-04-30"), ("KEPT", "2025-03-15")):
                conn.execute(
                    text(
                        "INSERT INTO action (id, description, owner, due, original_due, status, "
                        "created_at, updated_at) VALUES (:i, 'd', 'o', :due, '2025-03-15', "
                        "'on_track', '2025-01-01 00:00:00', '2025-01-01 00:00:00')"
                    ),
                    {"i": action_id, "due": due},
                )
        migrate(engine, head_revision())
    finally:
        engine.dispose()
    store = Store.open(url)
    try:
        with store.reading() as conn:
            [change] = stored.read_due_changes(conn, "MOVED")
            assert stored.read_due_changes(conn, "KEPT") == []
            [kept] = stored.read_tracked(conn, action_ids=["KEPT"])
        assert (change.old_due, change.new_due, change.actor) == (
            date(2025, 3, 15),
            date(2025, 4, 30),
            "store.migrate",
        )
        assert kept.evidence is None and kept.created_by is None
    finally:
        store.close()
