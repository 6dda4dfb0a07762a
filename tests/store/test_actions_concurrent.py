"""Two changes of one action's due date at once (on SQLite, and on PostgreSQL when a server
answers): the second waits for the first and starts from the date the first wrote, so the
history of due dates is a chain (15 March → 30 April → 31 May), never two changes from the
same old date."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import date, datetime

import pytest

from trustboard.domain import Action
from trustboard.store import Store
from trustboard.store import actions as stored

NOW = datetime(2025, 4, 1, 9, 0)
FIRST = Action(
    id="A-1",
    baf_risk_id="BAF01",
    description="Agree the winter plan",
    owner="Chief Executive",
    due=date(2025, 3, 15),
)


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    made, _before, _after = Store.init(store_url, actor="test")
    made.write_actions([FIRST])
    yield made
    made.close()


def test_the_second_of_two_due_date_changes_at_once_starts_from_the_first_s_date(
    store: Store,
) -> None:
    other = Store.open(store.engine.url.render_as_string(hide_password=False), actor="eve")
    failed: list[BaseException] = []

    def move_to_may() -> None:
        try:
            with other.transaction() as conn:
                stored.update_action(
                    conn, "A-1", actor="eve", now=NOW, due=date(2025, 5, 31), reason="second"
                )
        except BaseException as error:  # checked below
            failed.append(error)

    with store.transaction() as conn:
        stored.update_action(
            conn, "A-1", actor="rita", now=NOW, due=date(2025, 4, 30), reason="first"
        )
        # the second change starts before the first is committed
        worker = threading.Thread(target=move_to_may)
        worker.start()
        time.sleep(1.0)
    worker.join(timeout=60)
    other.close()
    assert failed == []
    with store.reading() as conn:
        changes = [(c.old_due, c.new_due, c.reason) for c in stored.read_due_changes(conn, "A-1")]
    assert changes == [
        (date(2025, 3, 15), date(2025, 4, 30), "first"),
        (date(2025, 4, 30), date(2025, 5, 31), "second"),
    ]
    audited = store.audit(action="action.update")
    assert sorted(a.before["due"] for a in audited) == ["2025-03-15", "2025-04-30"]
