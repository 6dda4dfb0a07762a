"""Requests that miss the cache together wait for one build of the pack model (and of the
drill-down's inputs) instead of each building it again; the drill-down reads the org-unit tree
once per data change."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from conftest import PERIOD
from pack.conftest import FORUMS, UNITS, catalogue
from trustboard.services import browse, drill
from trustboard.services.users import Role, User
from trustboard.store import Store

READERS = 6
ANA = User("ana", Role.ANALYST, (), ())


def _slow_counting(
    monkeypatch: pytest.MonkeyPatch, module: Any, name: str = "gather_inputs"
) -> list[int]:
    """Count the calls of ``module.<name>``, each made slow enough for the readers to meet."""
    calls: list[int] = []
    original: Callable[..., Any] = getattr(module, name)

    def slow(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        time.sleep(0.2)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, slow)
    return calls


def _together(work: Callable[[], object]) -> list[object]:
    """``work()`` in :data:`READERS` threads released at the same moment; their answers."""
    start = threading.Barrier(READERS)
    answers: list[object] = []
    failures: list[BaseException] = []

    def one() -> None:
        start.wait()
        try:
            answers.append(work())
        except BaseException as failed:  # reported by the assertion below
            failures.append(failed)

    threads = [threading.Thread(target=one) for _ in range(READERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    return answers


def test_readers_arriving_together_build_the_pack_model_once(
    web_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = browse.load_config(None, web_store)
    calls = _slow_counting(monkeypatch, browse)
    models = _together(lambda: browse.forum_pack(web_store, ANA, "board", PERIOD, config))
    assert len(calls) == 1
    assert len(models) == READERS and all(m is models[0] for m in models)


def test_readers_arriving_together_gather_the_drill_down_inputs_once(
    web_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = browse.load_config(None, web_store)
    model = browse.forum_pack(web_store, ANA, "board", PERIOD, config)
    metric_id = model.sections[0].metric_id
    calls = _slow_counting(monkeypatch, drill)
    views = _together(
        lambda: drill.drill_view(web_store, ANA, "board", PERIOD, metric_id, None, config)
    )
    assert len(calls) == 1
    assert len(views) == READERS


def test_the_drill_down_reads_the_org_units_once_per_data_change(
    web_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = browse.load_config(None, web_store)
    model = browse.forum_pack(web_store, ANA, "board", PERIOD, config)
    metric_id = model.sections[0].metric_id
    # the first page builds the drill-down's inputs and reads the tree
    first = drill.drill_view(web_store, ANA, "board", PERIOD, metric_id, None, config)
    calls: list[int] = []
    original = Store.org_units

    def counted(self: Store, *args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Store, "org_units", counted)
    drill.drill_view(web_store, ANA, "board", PERIOD, metric_id, None, config)
    drill.drill_view(web_store, ANA, "board", PERIOD, metric_id, None, config)
    assert calls == []
    # a directorate renamed in the catalogue is seen at the next page
    renamed = [
        u.model_copy(update={"name": "Renamed directorate"})
        if u.code == first.children[0].unit.code
        else u
        for u in UNITS
    ]
    web_store.upsert_catalogue(
        catalogue(), renamed, FORUMS, effective=date(2020, 1, 1), source="test"
    )
    again = drill.drill_view(web_store, ANA, "board", PERIOD, metric_id, None, config)
    assert calls != []
    assert "Renamed directorate" in [c.unit.name for c in again.children]
