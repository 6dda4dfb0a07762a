"""Waiting-time results land in the store as ordinary metric values, revisions and all."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from trustboard.cli.app import main
from trustboard.domain import Domain, MetricDefinition, OrgLevel, OrgUnit, Polarity, Unit
from trustboard.errors import OptionsError
from trustboard.services.waits import (
    WaitsRun,
    compute_waits,
    generate_synthetic_waits,
    load_waits_values,
)
from trustboard.store import Store

METRIC_MAP = """
metrics:
  - standard: cmh_adult_4w
    output: open_count
    metric: CMH-OPEN
    by: {service: {cmh_adult: MH}}
  - standard: cmh_adult_4w
    output: completed_within_threshold_pct
    metric: CMH-4W
    numerator: completed_within_threshold
    denominator: completed_count
    by: {service: {cmh_adult: MH}}
"""


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("waits")
    return generate_synthetic_waits(folder, referrals=4000, months=12, seed=7)


def _store(path: Path) -> str:
    url = f"sqlite:///{path}"
    store, _before, _after = Store.init(url, actor="test")
    metrics = [
        MetricDefinition(
            id="CMH-OPEN",
            name="Adult CMH open waiting list",
            domain=Domain.RESPONSIVE,
            unit=Unit.COUNT,
            polarity=Polarity.LOWER_IS_BETTER,
            directorate="MH",
        ),
        MetricDefinition(
            id="CMH-4W",
            name="Adult CMH seen within 4 weeks",
            domain=Domain.RESPONSIVE,
            unit=Unit.PERCENT,
            polarity=Polarity.HIGHER_IS_BETTER,
            directorate="MH",
            numerator="clock stops within 28 days",
            denominator="clock stops",
        ),
    ]
    units = [
        OrgUnit(code="TRUST", name="Trust", level=OrgLevel.TRUST),
        OrgUnit(code="MH", name="Mental health", level=OrgLevel.DIRECTORATE, parent="TRUST"),
    ]
    store.upsert_catalogue(metrics, units, [], source="test")
    store.close()
    return url


def _run(synthetic: dict[str, Path], tmp_path: Path) -> WaitsRun:
    map_file = tmp_path / "map.yaml"
    map_file.write_text(METRIC_MAP)
    return compute_waits(
        synthetic["referrals"],
        synthetic["contacts"],
        start="2022-06",
        end="2023-03",
        standards=["cmh_adult_4w"],
        metric_map=map_file,
    )


def test_waits_values_load_once_and_reload_changes_nothing(
    synthetic: dict[str, Path], tmp_path: Path
) -> None:
    url = _store(tmp_path / "s.db")
    run = _run(synthetic, tmp_path)
    measures = run.results["cmh_adult_4w"].measures.filter(pl.col("service") == "cmh_adult")
    first = load_waits_values(run, database=url, actor="analyst")
    assert first.inserted == run.metric_values.height > 0
    again = load_waits_values(run, database=url, actor="analyst")
    assert (again.inserted, again.revised) == (0, 0)
    assert again.unchanged == first.inserted
    store = Store.open(url)
    try:
        stored = store.values(metric_ids=["CMH-OPEN"], org_units=["MH"]).sort("period_start")
    finally:
        store.close()
    # the stored list sizes are the engine's month-end open counts, month by month
    assert (
        stored["value"].to_list()
        == measures.sort("period_end")["open_count"].cast(pl.Float64).to_list()
    )


def test_load_without_metric_map_is_refused(synthetic: dict[str, Path], tmp_path: Path) -> None:
    run = compute_waits(
        synthetic["referrals"],
        synthetic["contacts"],
        start="2022-06",
        end="2022-08",
        standards=["cmh_adult_4w"],
    )
    with pytest.raises(OptionsError):
        load_waits_values(run, database=_store(tmp_path / "s.db"))


def test_cli_load_flag(
    synthetic: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = _store(tmp_path / "s.db")
    map_file = tmp_path / "map.yaml"
    map_file.write_text(METRIC_MAP)
    code = main(
        [
            "waits",
            "compute",
            "--referrals",
            str(synthetic["referrals"]),
            "--contacts",
            str(synthetic["contacts"]),
            "--start",
            "2022-06",
            "--end",
            "2023-03",
            "--standard",
            "cmh_adult_4w",
            "-o",
            str(tmp_path / "out"),
            "--metric-map",
            str(map_file),
            "--load",
            "--database",
            url,
        ]
    )
    assert code == 0
    assert "loaded into the store" in capsys.readouterr().out
    assert (
        main(
            [
                "waits",
                "compute",
                "--referrals",
                str(synthetic["referrals"]),
                "--contacts",
                str(synthetic["contacts"]),
                "--start",
                "2022-06",
                "--end",
                "2022-07",
                "-o",
                str(tmp_path / "out2"),
                "--load",
                "--database",
                url,
            ]
        )
        == 2
    )
