"""Roll-up (sums, never averages of percentages) and ``spc refresh``."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trustboard.domain import MetricDefinition, OrgUnit
from trustboard.errors import NotFoundError
from trustboard.services._store import rollup
from trustboard.services.catalogue import load_catalogue
from trustboard.services.imports import import_values
from trustboard.services.refresh import options_group_key, refresh_spc
from trustboard.store import Store

FIXTURES = Path(__file__).parents[1] / "fixtures" / "store"

UNITS = [
    OrgUnit(code="TR", name="Trust", level="trust"),
    OrgUnit(code="D1", name="Directorate 1", level="directorate", parent="TR"),
    OrgUnit(code="D2", name="Directorate 2", level="directorate", parent="TR"),
    OrgUnit(code="S1", name="Service 1", level="service", parent="D1"),
    OrgUnit(code="S2", name="Service 2", level="service", parent="D2"),
    OrgUnit(code="T1", name="Team 1", level="team", parent="S1"),
    OrgUnit(code="T2", name="Team 2", level="team", parent="S1"),
    OrgUnit(code="T3", name="Team 3", level="team", parent="S2"),
]
PCT = MetricDefinition(
    id="PCT",
    name="Percent seen",
    domain="RESPONSIVE",
    unit="percent",
    polarity="higher_is_better",
    numerator="seen",
    denominator="referred",
    chart_type="p",
)
RATE = MetricDefinition(
    id="RATE",
    name="Falls per 1,000 OBD",
    domain="SAFE",
    unit="rate_per_1000_obd",
    polarity="lower_is_better",
    numerator="falls",
    denominator="obd",
    multiplier=1000,
    chart_type="u",
)
COUNT = MetricDefinition(
    id="COUNT", name="Incidents", domain="SAFE", unit="count", polarity="lower_is_better"
)
MEDIAN = MetricDefinition(
    id="MEDIAN",
    name="Median wait",
    domain="RESPONSIVE",
    unit="weeks",
    polarity="lower_is_better",
    additive=False,
)


def _frame(rows: list[tuple[str, str, float | None, float | None, float]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "metric_id": [r[0] for r in rows],
            "org_unit": [r[1] for r in rows],
            "period_start": [date(2025, 1, 1)] * len(rows),
            "period_end": [date(2025, 1, 31)] * len(rows),
            "numerator": [r[2] for r in rows],
            "denominator": [r[3] for r in rows],
            "value": [r[4] for r in rows],
            "provisional": [False] * len(rows),
        },
        schema_overrides={"numerator": pl.Float64, "denominator": pl.Float64, "value": pl.Float64},
    )


def _value(frame: pl.DataFrame, metric: str, unit: str) -> float:
    found = frame.filter((pl.col("metric_id") == metric) & (pl.col("org_unit") == unit))
    assert found.height == 1, (metric, unit)
    return float(found.get_column("value")[0])


def test_percentages_roll_up_as_sums_not_averages() -> None:
    # Team 1: 9/10 = 90%, Team 2: 10/90 = 11.1%.  The service is 19/100 = 19%, where an
    # average of the two percentages would say 50.6%.
    frame = _frame(
        [("PCT", "T1", 9, 10, 0.9), ("PCT", "T2", 10, 90, 10 / 90), ("PCT", "T3", 30, 40, 0.75)]
    )
    result = rollup(frame, UNITS, [PCT]).frame
    assert _value(result, "PCT", "S1") == pytest.approx(19 / 100)
    assert _value(result, "PCT", "D1") == pytest.approx(19 / 100)
    assert _value(result, "PCT", "TR") == pytest.approx(49 / 140)
    trust = result.filter(pl.col("org_unit") == "TR").row(0, named=True)
    assert (trust["numerator"], trust["denominator"], trust["derived"], trust["units"]) == (
        49.0,
        140.0,
        True,
        2,
    )


def test_rates_keep_their_multiplier_and_counts_are_summed() -> None:
    frame = _frame(
        [
            ("RATE", "T1", 3, 1000, 3.0),
            ("RATE", "T2", 1, 3000, 1 / 3),
            ("COUNT", "T1", None, None, 4),
            ("COUNT", "T3", None, None, 5),
        ]
    )
    result = rollup(frame, UNITS, {"RATE": RATE, "COUNT": COUNT}).frame
    assert _value(result, "RATE", "S1") == pytest.approx(4 / 4000 * 1000)
    assert _value(result, "COUNT", "TR") == 9
    assert _value(result, "COUNT", "D2") == 5


def test_non_additive_metrics_are_not_rolled_up() -> None:
    frame = _frame([("MEDIAN", "T1", None, None, 4.0), ("MEDIAN", "T2", None, None, 6.0)])
    result = rollup(frame, UNITS, [MEDIAN])
    assert result.not_rolled_up == ("MEDIAN",)
    assert sorted(result.frame.get_column("org_unit").to_list()) == ["T1", "T2"]


def test_loaded_parent_values_win_unless_asked_otherwise() -> None:
    frame = _frame(
        [("PCT", "T1", 9, 10, 0.9), ("PCT", "T2", 1, 10, 0.1), ("PCT", "S1", 12, 20, 0.6)]
    )
    kept = rollup(frame, UNITS, [PCT]).frame
    assert _value(kept, "PCT", "S1") == 0.6
    # the directorate is worked out from the service as loaded
    assert _value(kept, "PCT", "D1") == pytest.approx(12 / 20)
    replaced = rollup(frame, UNITS, [PCT], keep_loaded=False).frame
    assert _value(replaced, "PCT", "S1") == pytest.approx(10 / 20)


def test_a_missing_figure_leaves_the_parent_empty() -> None:
    frame = _frame([("PCT", "T1", 9, 10, 0.9), ("PCT", "T2", None, 10, 0.5)])
    result = rollup(frame, UNITS, [PCT]).frame
    assert result.filter(pl.col("org_unit") == "S1").height == 0


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["T1", "T2", "T3"]), st.integers(0, 500), st.integers(1, 500)),
        min_size=1,
        max_size=3,
        unique_by=lambda t: t[0],
    )
)
def test_rollup_equals_a_reference_loop(teams: list[tuple[str, int, int]]) -> None:
    rows = [("PCT", unit, float(min(n, d)), float(d), min(n, d) / d) for unit, n, d in teams]
    result = rollup(_frame(rows), UNITS, [PCT]).frame
    parent = {u.code: u.parent for u in UNITS}
    sums: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for _metric, unit, num, den, _ratio in rows:
        code = parent[unit]
        while code is not None:
            sums[code][0] += num
            sums[code][1] += den
            code = parent[code]
    for code, (num, den) in sums.items():
        assert _value(result, "PCT", code) == pytest.approx(num / den)
    assert result.height == len(rows) + len(sums)


def test_options_groups_share_whole_computation_settings() -> None:
    other = PCT.model_copy(update={"id": "PCT2"})
    assert options_group_key(PCT) == options_group_key(other)
    assert options_group_key(PCT) != options_group_key(COUNT)


@pytest.fixture
def filled(store_url: str) -> str:
    Store.init(store_url)[0].close()
    load_catalogue(FIXTURES / "catalogue", database=store_url, effective=date(2022, 4, 1))
    import_values([FIXTURES / "values_good.csv"], database=store_url, today=date(2025, 6, 30))
    return store_url


def test_refresh_charts_every_series_at_every_level(filled: str) -> None:
    result = refresh_spc(database=filled, actor="analyst")
    with Store.open(filled) as store:
        values = store.values()
        metrics = {m.id: m for m in store.metrics()}
        expected = rollup(values, store.org_units(), metrics).frame
        stored = store.spc_results()
    series = expected.select("metric_id", "org_unit").unique()
    assert result.series == series.height == stored.summary.height
    assert result.points == expected.height == stored.points.height
    assert result.not_rolled_up == ("RES20",)
    assert set(result.no_values) == {"EFF10", "FIN01", "SAF06", "WEL01"}
    assert stored.run.actor == "analyst" and stored.run.catalogue_seq == 1
    # the p-chart of EFF01 at trust level charts Σnum/Σden of the three teams
    trust = stored.points.filter((pl.col("metric_id") == "EFF01") & (pl.col("org_unit") == "TRUST"))
    teams = (
        values.filter(pl.col("metric_id") == "EFF01")
        .group_by("period_start")
        .agg((pl.col("numerator").sum() / pl.col("denominator").sum()).alias("expected"))
        .sort("period_start")
    )
    assert trust.sort("date").get_column("value").to_list() == pytest.approx(
        teams.get_column("expected").to_list()
    )
    # the u-chart of SAF11 is shown per 1,000 occupied bed days, like the stored values
    falls = stored.points.filter(
        (pl.col("metric_id") == "SAF11") & (pl.col("org_unit") == "CHS-DN-E")
    )
    loaded = values.filter(pl.col("metric_id") == "SAF11").sort("period_start")
    assert falls.sort("date").get_column("value").to_list() == pytest.approx(
        loaded.get_column("value").to_list()
    )
    # the options used are stored with every series
    options = stored.summary.filter(pl.col("metric_id") == "SAF11").get_column("options")[0]
    assert '"chart": "u"' in options and '"improvement": "decrease"' in options
    groups = {g["chart"] for g in stored.run.option_groups}
    assert groups == {"p", "c", "u", "xmr"}


def test_refresh_of_unknown_metric(filled: str) -> None:
    with pytest.raises(NotFoundError):
        refresh_spc(database=filled, metric_ids=["NOPE"])
