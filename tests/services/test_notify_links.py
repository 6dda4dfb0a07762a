"""A notification's link leads to a page its reader can open: a private metric's narrative is
linked under a forum that shows it, never under a public forum that receives the metric but
leaves it out (where the page answers "not found"), even when the public forum comes first in
the agenda order."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from pack.conftest import FORUMS, UNITS, catalogue
from trustboard.services import narrative as nv
from trustboard.services import notify
from trustboard.services.users import Role, User, add_user
from trustboard.store import Store

WREN = User("wren", Role.EXECUTIVE, (), ())
ADAM = User("adam", Role.ADMIN, (), ())


def test_a_private_metric_s_narrative_is_linked_under_a_forum_that_shows_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "empty.toml"
    empty.write_text("", encoding="utf-8")
    monkeypatch.setenv("TRUSTBOARD_CONFIG", str(empty))  # no e-mail relay
    # the public Board first in the agenda order, the private Board after it
    reordered = [
        f.model_copy(update={"order": {"public-board": 1, "board": 2}.get(f.id, f.order + 10)})
        for f in FORUMS
    ]
    store, _b, _a = Store.init(f"sqlite:///{tmp_path / 'n.db'}", actor="test")
    store.upsert_catalogue(catalogue(), UNITS, reordered, effective=date(2020, 1, 1), source="t")
    assert [f.id for f in store.forums()][:2] == ["public-board", "board"]
    private = next(m for m in store.metrics() if m.private)
    carried = store.forum_metrics()
    assert private.id in carried["public-board"] and private.id in carried["board"]
    for user in (WREN, ADAM):
        add_user(store, user.name, user.role.value, "a long enough passphrase")
    start = nv.start_draft(store, WREN, private.id, "2025-03")
    saved = nv.save(
        store, WREN, private.id, "2025-03", {"summary": "Text."}, based_on=start.version.version
    )
    nv.submit(store, WREN, private.id, "2025-03", based_on=saved.version)
    [told] = notify.inbox(store, ADAM)
    assert told.link == f"/narrative/board/2025-03/{private.id}"
    store.close()
