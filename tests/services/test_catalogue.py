"""Catalogue use cases: load a folder, reload it unchanged, diff and version a change."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from trustboard.errors import DataValidationError, NotFoundError
from trustboard.services.catalogue import diff_catalogue, load_catalogue, show_catalogue
from trustboard.store import Store

CATALOGUE = Path(__file__).parents[1] / "fixtures" / "store" / "catalogue"


@pytest.fixture
def url(tmp_path: Path) -> str:
    database = f"sqlite:///{tmp_path / 'trustboard.db'}"
    Store.init(database)[0].close()
    return database


def _copy(tmp_path: Path) -> Path:
    folder = tmp_path / "config"
    shutil.copytree(CATALOGUE, folder)
    return folder


def test_load_show_and_reload(url: str) -> None:
    first = load_catalogue(CATALOGUE, database=url, actor="analyst", effective=date(2024, 4, 1))
    assert first.new_version and first.version.seq == 1
    assert len(first.added) == 8 and first.version.actor == "analyst"
    again = load_catalogue(CATALOGUE, database=url)
    assert not again.new_version and again.version.content_hash == first.version.content_hash
    view = show_catalogue(database=url)
    assert view.version is not None and view.version.seq == 1
    assert {m.id for m in view.metrics} == set(first.added)
    assert view.agendas["QAC"] and "FIN01" not in view.agendas["BOARD"]
    assert view.org_units[0].code == "TRUST"


def test_diff_then_load_a_changed_definition(url: str, tmp_path: Path) -> None:
    load_catalogue(CATALOGUE, database=url, effective=date(2024, 4, 1))
    folder = _copy(tmp_path)
    metrics = folder / "metrics.yaml"
    text = metrics.read_text()
    assert "name: Never events\n" in text
    metrics.write_text(text.replace("name: Never events\n", "name: Never events (all settings)\n"))
    diff = diff_catalogue(folder, database=url)
    assert [c.metric_id for c in diff.changed] == ["SAF04"]
    change = diff.changed[0].fields
    assert [(f.field, f.stored, f.folder) for f in change] == [
        ("name", "Never events", "Never events (all settings)")
    ]
    assert not diff.added and not diff.removed and not diff.is_empty
    loaded = load_catalogue(folder, database=url, effective=date(2025, 1, 1))
    assert loaded.changed == ("SAF04",) and loaded.version.seq == 2
    old = show_catalogue(database=url, as_of=date(2024, 12, 31), metric_id="SAF04")
    assert old.metrics[0].name == "Never events"
    assert [v.version for v in old.versions["SAF04"]] == [1, 2]
    assert diff_catalogue(folder, database=url).is_empty


def test_an_invalid_folder_loads_nothing(url: str, tmp_path: Path) -> None:
    load_catalogue(CATALOGUE, database=url)
    with Store.open(url) as store:
        before = store.fingerprint()
    folder = _copy(tmp_path)
    units = folder / "org_units.yaml"
    units.write_text(units.read_text().replace("parent: MH-CMHT", "parent: NOWHERE"))
    with pytest.raises(DataValidationError) as caught:
        load_catalogue(folder, database=url)
    assert "TB-C-UNKNOWN-PARENT" in {p.code for p in caught.value.problems}
    with Store.open(url) as store:
        assert store.fingerprint() == before


def test_missing_folder_and_metric(url: str, tmp_path: Path) -> None:
    with pytest.raises(NotFoundError):
        load_catalogue(tmp_path / "nowhere", database=url)
    load_catalogue(CATALOGUE, database=url)
    with pytest.raises(NotFoundError):
        show_catalogue(database=url, metric_id="NOPE")
