"""Two saves of one BAF risk at once, both opened on the same revision: the first is kept, the
second is refused as a conflict (``TB-BAF-EDIT-CONFLICT``, nothing written), on SQLite and on
PostgreSQL alike; never a database error."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from trustboard.errors import ConflictError, ErrorCode
from trustboard.store import Store
from trustboard.store import baf as store_baf

from .builders import make_register, make_risk


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    created, _before, _after = Store.init(store_url, actor="tester")
    yield created
    created.close()


def test_the_second_of_two_saves_at_once_is_a_conflict(store: Store) -> None:
    risk = make_risk()
    with store.transaction() as conn:
        store_baf.save_register(conn, make_register(risk), actor="importer", source="r.yaml")
    url = store.engine.url.render_as_string(hide_password=False)
    other = Store.open(url, actor="eve")
    second: list[BaseException | int] = []

    def save_second() -> None:
        theirs = risk.model_copy(update={"title": "Waiting for community services"})
        try:
            with other.transaction() as conn:
                second.append(store_baf.save_risk(conn, theirs, based_on=1, actor="eve"))
        except BaseException as error:  # the outcome is checked below
            second.append(error)

    mine = risk.model_copy(update={"title": "Access to community services"})
    with store.transaction() as conn:
        assert store_baf.save_risk(conn, mine, based_on=1, actor="rita") == 2
        # the second save starts while the first is not yet committed, and must wait for it
        worker = threading.Thread(target=save_second)
        worker.start()
        time.sleep(1.0)
    worker.join(timeout=60)
    other.close()
    assert len(second) == 1
    refused = second[0]
    assert isinstance(refused, ConflictError), repr(refused)
    assert refused.code == ErrorCode.BAF_EDIT_CONFLICT
    with store.reading() as conn:
        revisions = store_baf.read_revisions(conn, "BAF-01")
        kept = store_baf.load_register(conn).risks[0]
    assert [(r.revision, r.actor) for r in revisions] == [(1, "importer"), (2, "rita")]
    assert kept.title == "Access to community services"
