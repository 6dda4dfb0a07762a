"""Imports: all or nothing, idempotent, revisions, every validation code, and kill -9 safety."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from trustboard.domain import MetricDefinition, OrgUnit
from trustboard.errors import DataValidationError, NotFoundError
from trustboard.ingest import CODES
from trustboard.services.catalogue import load_catalogue
from trustboard.services.imports import import_commentary, import_targets, import_values
from trustboard.store import Store

FIXTURES = Path(__file__).parents[1] / "fixtures" / "store"
CATALOGUE = FIXTURES / "catalogue"
GOOD = FIXTURES / "values_good.csv"
BAD = FIXTURES / "values_bad"
TODAY = date(2025, 6, 30)


@pytest.fixture
def loaded(store_url: str) -> str:
    """A store with the fixture catalogue loaded and nothing else."""
    Store.init(store_url)[0].close()
    load_catalogue(CATALOGUE, database=store_url, effective=date(2022, 4, 1))
    return store_url


def _fingerprint(url: str) -> str:
    with Store.open(url) as store:
        return store.fingerprint()


def _rows(path: Path) -> list[dict[str, str]]:
    # utf-8-sig: report CSVs start with a byte-order mark so that Excel reads them as UTF-8
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def test_import_is_idempotent_and_revises_changed_values(loaded: str, tmp_path: Path) -> None:
    first = import_values([GOOD], database=loaded, today=TODAY, actor="analyst")
    expected_rows = len(_rows(GOOD))
    assert (first.summary.inserted, first.summary.revised) == (expected_rows, 0)
    assert first.files[0]["sha256"] and first.files[0]["rows"] == expected_rows
    before = _fingerprint(loaded)
    again = import_values([GOOD], database=loaded, today=TODAY)
    assert (again.summary.inserted, again.summary.revised, again.summary.unchanged) == (
        0,
        0,
        expected_rows,
    )
    with Store.open(loaded) as store:
        # the second import is recorded, but no value changed
        assert store.values(history=True).height == expected_rows
        assert store.imports()[0].unchanged == expected_rows
    assert _fingerprint(loaded) != before  # the import record and audit entry are new
    rows = _rows(GOOD)
    rows[0]["numerator"] = str(int(rows[0]["numerator"]) - 1)
    changed = tmp_path / "values_resubmitted.csv"
    with changed.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    third = import_values([changed], database=loaded, today=TODAY)
    assert (third.summary.inserted, third.summary.revised, third.summary.unchanged) == (
        0,
        1,
        expected_rows - 1,
    )
    with Store.open(loaded) as store:
        history = store.values(
            metric_ids=[rows[0]["metric_id"]],
            org_units=[rows[0]["org_unit"]],
            start=date(2022, 4, 1),
            end=date(2022, 4, 1),
            history=True,
        )
        assert history.get_column("numerator").to_list() == [
            float(rows[0]["numerator"]) + 1,
            float(rows[0]["numerator"]),
        ]
        assert history.get_column("source_file").to_list()[1].endswith("values_resubmitted.csv")
        entry = store.audit(action="values.import", limit=1)[0]
        assert entry.after["revised"] == 1 and entry.after["revisions"][0]["metric_id"] == "EFF01"
        assert entry.actor != ""


BAD_FILES = sorted(p for p in BAD.iterdir() if p.suffix in (".csv", ".xlsx"))
VALUE_CODES = sorted(code for code in CODES if code.startswith("TB-V-"))


def test_the_bad_files_cover_every_values_code() -> None:
    covered = {p.stem for p in BAD_FILES}
    assert set(VALUE_CODES) <= covered


@pytest.mark.parametrize("bad", BAD_FILES, ids=lambda p: p.stem)
def test_a_file_with_any_problem_loads_nothing(loaded: str, bad: Path, tmp_path: Path) -> None:
    import_values([GOOD], database=loaded, today=TODAY)
    before = _fingerprint(loaded)
    report = tmp_path / "problems.json"
    with pytest.raises(DataValidationError) as caught:
        import_values([GOOD, bad], database=loaded, today=TODAY, report=report)
    codes = {p.code for p in caught.value.problems}
    if bad.stem.startswith("TB-V-"):
        assert bad.stem in codes
    else:
        assert len(codes) > 3
    assert json.loads(report.read_text())["problems"]
    # the good file offered alongside was not loaded either: the store is exactly as it was
    assert _fingerprint(loaded) == before


def test_problem_report_as_csv(loaded: str, tmp_path: Path) -> None:
    report = tmp_path / "problems.csv"
    with pytest.raises(DataValidationError):
        import_values([BAD / "all_problems.csv"], database=loaded, today=TODAY, report=report)
    rows = _rows(report)
    assert rows and {"code", "file", "row", "column", "message"} <= set(rows[0])
    assert {r["code"] for r in rows} >= {"TB-V-UNKNOWN-METRIC", "TB-V-UNKNOWN-ORG"}


def test_import_needs_a_catalogue(store_url: str) -> None:
    Store.init(store_url)[0].close()
    with pytest.raises(NotFoundError) as caught:
        import_values([GOOD], database=store_url, today=TODAY)
    assert "catalogue load" in (caught.value.hint or "")


def test_targets_import_makes_new_versions(loaded: str, tmp_path: Path) -> None:
    targets = tmp_path / "targets.csv"
    targets.write_text(
        "metric_id,value,comparator,type,valid_from,valid_to\n"
        "SAF11,5.0,<=,trajectory,2024-04-01,2024-09-30\n"
        "SAF11,4.5,<=,trajectory,2024-10-01,2025-03-31\n"
    )
    with Store.open(loaded) as store:
        original = store.metric("SAF11")
    outcome = import_targets([targets], database=loaded, effective=date(2024, 4, 1))
    assert outcome.metrics_changed == ("SAF11",)
    with Store.open(loaded) as store:
        metric = store.metric("SAF11")
        assert [t.value for t in metric.trajectory()] == [5.0, 4.5]
        # the non-trajectory targets are kept as they were
        kept = [t for t in original.targets if t.type.value != "trajectory"]
        assert [t for t in metric.targets if t.type.value != "trajectory"] == kept
        assert [v.version for v in store.metric_versions("SAF11")] == [1, 2]
        assert store.metric_versions("SAF11")[1].effective_from == date(2024, 4, 1)
        assert store.catalogue_version().seq == 2
    again = import_targets([targets], database=loaded)
    assert again.metrics_changed == () and again.catalogue.seq == 2


def test_commentary_import_stores_narrative_and_actions(loaded: str, tmp_path: Path) -> None:
    source = tmp_path / "commentary.yaml"
    source.write_text(
        textwrap.dedent("""\
        commentary:
          - metric_id: EFF01
            period: 2024-03
            sections:
              chart_shows: Common cause variation around 82%.
              actions: Daily review of discharges.
            assurance_level: partially_assured
            author: Director of Nursing
        actions:
          - id: ACT-1
            metric_id: EFF01
            description: Daily review of discharges at the bed meeting
            owner: Head of Nursing
            due: 2024-06-30
            status: on_track
    """)
    )
    try:
        outcome = import_commentary([source], database=loaded)
    except DataValidationError as error:  # the layout is the readers' to define
        pytest.fail(
            "the commentary fixture was refused: " + "; ".join(p.describe() for p in error.problems)
        )
    assert outcome.summary.inserted == 1 and outcome.actions is not None
    assert outcome.actions.inserted == 1
    with Store.open(loaded) as store:
        note = store.commentary(["EFF01"], period="2024-03")[0]
        assert note.section("chart_shows") == "Common cause variation around 82%."
        assert store.actions(["EFF01"])[0].owner == "Head of Nursing"


# -- interrupting an import --------------------------------------------------------------------

_IMPORTER = textwrap.dedent("""\
    import sys
    from datetime import date
    from pathlib import Path
    from trustboard.services.imports import import_values

    marker = Path(sys.argv[3])

    def progress(stage, done, total):
        marker.write_text(f"{stage} {done} {total}")

    import_values([sys.argv[2]], database=sys.argv[1], today=date(2025, 6, 30), progress=progress)
    marker.write_text("finished")
""")


def _large_store(url: str, tmp_path: Path) -> Path:
    """A store with 1,000 teams and a values file of 2 metrics x 1,000 teams x 60 months."""
    teams = [
        OrgUnit(code=f"T{i:04d}", name=f"Team {i}", level="team", parent="S") for i in range(1000)
    ]
    units = [
        OrgUnit(code="TR", name="Trust", level="trust"),
        OrgUnit(code="D", name="Directorate", level="directorate", parent="TR"),
        OrgUnit(code="S", name="Service", level="service", parent="D"),
        *teams,
    ]
    metrics = [
        MetricDefinition(
            id=f"M{k}", name=f"Metric {k}", domain="SAFE", unit="count", polarity="lower_is_better"
        )
        for k in range(2)
    ]
    store, _b, _a = Store.init(url)
    store.upsert_catalogue(metrics, units, [])
    store.close()
    months = [f"{2015 + m // 12}-{m % 12 + 1:02d}" for m in range(60)]
    frame = (
        pl.DataFrame({"metric_id": [f"M{k}" for k in range(2)]})
        .join(pl.DataFrame({"org_unit": [t.code for t in teams]}), how="cross")
        .join(pl.DataFrame({"period": months}), how="cross")
        .with_columns(pl.lit(1.0).alias("value"))
    )
    path = tmp_path / "large.parquet"
    frame.write_parquet(path)
    return path


@pytest.mark.slow
def test_kill_minus_nine_during_import_leaves_the_store_as_it_was(
    store_url: str, tmp_path: Path
) -> None:
    large = _large_store(store_url, tmp_path)
    small = tmp_path / "small.csv"
    small.write_text("metric_id,period,org_unit,value\nM0,2014-12,T0001,3\n")
    import_values([small], database=store_url, today=TODAY)
    with Store.open(store_url) as store:
        before_hash, before_counts = store.fingerprint(), store.row_counts()
    marker = tmp_path / "progress.txt"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    process = subprocess.Popen(
        [sys.executable, "-c", _IMPORTER, store_url, str(large), str(marker)], env=env, cwd=tmp_path
    )
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        text = marker.read_text() if marker.exists() else ""
        # kill once rows are being written into the store's transaction
        if text.startswith("writing") and int(text.split()[1]) >= 50_000:
            break
        if process.poll() is not None:
            pytest.fail(f"the import ended before it could be interrupted: {text!r}")
        time.sleep(0.02)
    else:
        process.kill()
        pytest.fail("the import never reached the write stage")
    if store_url.startswith("sqlite"):
        db_file = Path(store_url.removeprefix("sqlite:///"))
        assert db_file.with_name(db_file.name + "-wal").exists()
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    with Store.open(store_url) as store:
        assert store.row_counts() == before_counts
        assert store.fingerprint() == before_hash
        if store.dialect == "sqlite":
            with store.engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    # and the store is still usable: the same import now runs to the end
    outcome = import_values([large], database=store_url, today=TODAY)
    assert outcome.summary.inserted == 2 * 1000 * 60


BAD_TARGETS = {
    "TB-T-UNKNOWN-METRIC": (
        "metric_id,value,comparator,type,valid_from\nSAF99,5,<=,local,2024-04-01\n"
    ),
    "TB-T-OVERLAP": (
        "metric_id,value,comparator,type,valid_from,valid_to\n"
        "SAF11,5,<=,local,2024-04-01,2024-12-31\nSAF11,4,<=,local,2024-06-01,\n"
    ),
    "TB-T-MISSING-COLUMN": "metric,amount\nSAF11,5\n",
}


@pytest.mark.parametrize("code", sorted(BAD_TARGETS))
def test_bad_targets_change_nothing(loaded: str, tmp_path: Path, code: str) -> None:
    before = _fingerprint(loaded)
    source = tmp_path / "targets.csv"
    source.write_text(BAD_TARGETS[code])
    with pytest.raises(DataValidationError) as caught:
        import_targets([source], database=loaded)
    assert code in {p.code for p in caught.value.problems}
    assert _fingerprint(loaded) == before


def test_bad_commentary_changes_nothing(loaded: str, tmp_path: Path) -> None:
    before = _fingerprint(loaded)
    source = tmp_path / "commentary.yaml"
    source.write_text(
        textwrap.dedent("""\
        commentary:
          - metric_id: NOT-A-METRIC
            period: 2024-03
            sections:
              chart_shows: Text.
    """)
    )
    with pytest.raises(DataValidationError) as caught:
        import_commentary([source], database=loaded)
    assert "TB-N-UNKNOWN-METRIC" in {p.code for p in caught.value.problems}
    assert _fingerprint(loaded) == before
