"""The demo values: deterministic, complete, plausible, and summing correctly up the hierarchy."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from datetime import date

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trustboard.demo import (
    DEFAULT_SEED,
    HISTORY_MONTHS,
    LATEST_PERIOD,
    TRUST_CODE,
    DemoMetric,
    DemoTrust,
    build_catalogue,
    build_org_units,
    generate_values,
)
from trustboard.demo._spec import PROVISIONAL
from trustboard.demo.organisation import leaf_units
from trustboard.domain import OrgLevel, Unit

CATALOGUE = build_catalogue()
UNITS = build_org_units()


def _values(seed: int) -> pl.DataFrame:
    return generate_values(CATALOGUE, UNITS, seed)


def test_same_seed_gives_identical_frames(demo_trust: DemoTrust) -> None:
    again = _values(DEFAULT_SEED)
    generated = demo_trust.values
    assert again.equals(generated)


def test_different_seeds_give_different_frames() -> None:
    first, second = _values(1), _values(2)
    assert first.select("metric_id", "org_unit", "period_start").equals(
        second.select("metric_id", "org_unit", "period_start")
    )
    assert not first.get_column("value").equals(second.get_column("value"))


def test_a_metric_does_not_depend_on_the_rest_of_the_catalogue() -> None:
    """Generators are keyed by seed and metric id, so dropping metrics changes nothing else."""
    subset = CATALOGUE[10:20]
    alone = generate_values(subset, UNITS, 7)
    full = _values(7).filter(pl.col("metric_id").is_in([m.id for m in subset]))
    assert alone.equals(full)


def test_every_metric_has_48_months_except_deliberate_gaps(demo_trust: DemoTrust) -> None:
    trust_rows = demo_trust.values.filter(pl.col("org_unit") == TRUST_CODE)
    counts = dict(trust_rows.group_by("metric_id").len().iter_rows())
    first = date(2021, 4, 1)
    for metric in demo_trust.metrics:
        if metric.profile.kind == "waits":
            assert metric.id not in counts  # computed by the waits engine, not generated
            continue
        assert counts[metric.id] == HISTORY_MONTHS - len(metric.profile.missing), metric.id
        months = trust_rows.filter(pl.col("metric_id") == metric.id).get_column("period_start")
        assert months.min() == first and months.max() == LATEST_PERIOD.start
        for gap in metric.profile.missing:
            assert gap not in months.to_list()
    assert sum(len(m.profile.missing) for m in demo_trust.metrics) >= 2


def test_only_the_latest_month_of_a_metric_its_source_revises_is_provisional(
    demo_trust: DemoTrust,
) -> None:
    values = demo_trust.values
    provisional = values.filter(pl.col("provisional"))
    assert provisional.get_column("period_start").unique().to_list() == [LATEST_PERIOD.start]
    # learning-from-deaths reviews, pressure ulcers awaiting validation, out-of-area bed days
    # awaiting invoices, sickness absence recorded late (the MHSDS waits come from the waits
    # engine, which this trust is built without)
    assert set(provisional.get_column("metric_id").unique().to_list()) == {
        "SAF06",
        "SAF13",
        "SAF14",
        "EFF06",
        "WEL01",
    }
    latest = values.filter(pl.col("period_start") == LATEST_PERIOD.start)
    flagged = latest.filter(
        pl.col("metric_id").is_in(["SAF06", "SAF13", "SAF14", "EFF06", "WEL01"])
    )
    assert flagged.height > 5 and flagged.get_column("provisional").all()  # every org unit
    assert latest.filter(pl.col("metric_id") == "FIN01").height > 0
    assert not latest.filter(pl.col("metric_id") == "FIN01").get_column("provisional").any()


def test_a_provisional_metric_s_definition_says_why(demo_trust: DemoTrust) -> None:
    for metric in demo_trust.metrics:
        said = "The latest month is provisional:" in (metric.definition.description or "")
        assert said == (metric.id in PROVISIONAL), metric.id
    wel01 = next(m for m in demo_trust.metrics if m.id == "WEL01")
    assert "recorded late in ESR" in (wel01.definition.description or "")


def test_period_end_is_the_month_end(demo_trust: DemoTrust) -> None:
    sample = demo_trust.values.unique(["period_start", "period_end"])
    for start, end in sample.select("period_start", "period_end").iter_rows():
        assert end.month == start.month and (end.replace(day=1) == start)
        assert (date(end.year + (end.month == 12), end.month % 12 + 1, 1) - end).days == 1


def test_percentages_are_fractions_with_numerator_within_denominator(demo_trust: DemoTrust) -> None:
    percent_ids = [
        m.id
        for m in demo_trust.metrics
        if m.definition.unit is Unit.PERCENT and m.profile.kind != "level"
    ]
    rows = demo_trust.values.filter(pl.col("metric_id").is_in(percent_ids))
    assert rows.height > 10_000
    assert rows.get_column("value").min() >= 0.0
    assert rows.get_column("value").max() <= 1.0
    assert (rows.get_column("numerator") <= rows.get_column("denominator")).all()
    assert rows.get_column("denominator").min() >= 1


def _reference_rollup(
    values: pl.DataFrame, metric_id: str
) -> dict[tuple[str, date], tuple[float, float]]:
    """Plain-loop sums of every leaf row into every ancestor (the reference for roll-up)."""
    parent = {u.code: u.parent for u in UNITS}
    metric = next(m for m in CATALOGUE if m.id == metric_id)
    leaves = set(leaf_units(metric.profile.scope))
    sums: dict[tuple[str, date], list[float]] = defaultdict(lambda: [0.0, 0.0])
    for row in values.filter(pl.col("metric_id") == metric_id).iter_rows(named=True):
        if row["org_unit"] not in leaves:
            continue
        above = parent[row["org_unit"]]
        while above is not None:
            # a ratio sums its numerator; a count or measure its value
            part = row["numerator"] if metric.definition.has_ratio else row["value"]
            sums[(above, row["period_start"])][0] += part
            sums[(above, row["period_start"])][1] += row["denominator"] or 0.0
            above = parent[above]
    return {k: (v[0], v[1]) for k, v in sums.items()}


@pytest.mark.parametrize("metric_id", ["EFF01", "SAF07", "WEL01", "SAF01", "CAR10", "WEL06"])
def test_team_values_roll_up_to_service_directorate_and_trust(
    demo_trust: DemoTrust, metric_id: str
) -> None:
    values = demo_trust.values
    expected = _reference_rollup(values, metric_id)
    assert expected
    metric = demo_trust.metric(metric_id)
    rows = values.filter(pl.col("metric_id") == metric_id)
    found = {(r["org_unit"], r["period_start"]): r for r in rows.iter_rows(named=True)}
    for key, (numerator, denominator) in expected.items():
        row = found[key]
        if metric.definition.has_ratio:
            assert row["numerator"] == pytest.approx(numerator)
            assert row["denominator"] == pytest.approx(denominator)
            # never an average of percentages: the parent's ratio comes from its sums
            assert row["value"] == pytest.approx(
                numerator / denominator * metric.definition.multiplier
            )
        else:
            assert row["numerator"] is None and row["denominator"] is None
            assert row["value"] == pytest.approx(numerator)


def test_trust_numerator_is_the_sum_of_its_teams(demo_trust: DemoTrust) -> None:
    level = {u.code: u.level for u in UNITS}
    teams = demo_trust.values.filter(
        pl.col("org_unit").replace_strict(level, default=None, return_dtype=pl.String)
        == OrgLevel.TEAM.value
    )
    for column in ("numerator", "denominator", "value"):
        kept = (
            teams.filter(pl.col("numerator").is_not_null())
            if column != "value"
            else teams.filter(pl.col("numerator").is_null())
        )
        team_sums = kept.group_by("metric_id", "period_start").agg(pl.col(column).sum())
        trust = demo_trust.values.filter(pl.col("org_unit") == TRUST_CODE).select(
            "metric_id", "period_start", pl.col(column).alias("trust")
        )
        joined = team_sums.join(trust, on=["metric_id", "period_start"])
        assert joined.height > 1_000, column
        assert (joined.get_column(column) - joined.get_column("trust")).abs().max() < 1e-6


def test_seasonality_intervention_and_deterioration_are_visible(demo_trust: DemoTrust) -> None:
    trust = demo_trust.values.filter(pl.col("org_unit") == TRUST_CODE)

    def mean(
        metric_id: str,
        months: list[int] | None = None,
        since: date | None = None,
        until: date | None = None,
    ) -> float:
        rows = trust.filter(pl.col("metric_id") == metric_id)
        if months:
            rows = rows.filter(pl.col("period_start").dt.month().is_in(months))
        if since:
            rows = rows.filter(pl.col("period_start") >= since)
        if until:
            rows = rows.filter(pl.col("period_start") < until)
        return float(rows.get_column("value").mean())  # type: ignore[arg-type]

    # winter pressures: sickness absence higher in December-January than in June
    assert mean("WEL01", [12, 1], until=date(2024, 8, 1)) > mean(
        "WEL01", [6], until=date(2024, 8, 1)
    )
    # intervention with a rebase: 72-hour follow-up improved after October 2023
    assert mean("EFF01", since=date(2023, 10, 1)) > mean("EFF01", until=date(2023, 10, 1)) + 0.05
    # deterioration behind an exception: out-of-area bed days rose from July 2024
    assert mean("EFF06", since=date(2024, 7, 1)) > 1.4 * mean(
        "EFF06", since=date(2023, 7, 1), until=date(2024, 7, 1)
    )


def test_derived_series_follow_their_source(demo_trust: DemoTrust) -> None:
    trust = demo_trust.values.filter(pl.col("org_unit") == TRUST_CODE)
    oap = trust.filter(pl.col("metric_id") == "EFF06").select("period_start", "value")
    spend = trust.filter(pl.col("metric_id") == "FIN09").select(
        "period_start", pl.col("value").alias("spend")
    )
    joined = oap.join(spend, on="period_start")
    assert joined.height == HISTORY_MONTHS
    # £650 a bed day, in £000
    assert ((joined["value"] * 0.65).round(1) - joined["spend"]).abs().max() < 1e-9


def test_year_to_date_metrics_restart_every_april() -> None:
    """A YTD series is the running total of the same monthly draws, restarting each 1 April."""
    ytd = next(m for m in CATALOGUE if m.id == "FIN01")
    monthly = DemoMetric(
        definition=ytd.definition,
        profile=dataclasses.replace(ytd.profile, cumulative=False, decimals=6),
    )
    trust_code = [u for u in UNITS if u.code == TRUST_CODE]
    as_ytd = generate_values([ytd], trust_code, 11).sort("period_start")
    in_month = generate_values([monthly], trust_code, 11).sort("period_start")
    running, expected = 0.0, []
    for start, value in in_month.select("period_start", "value").iter_rows():
        running = value if start.month == 4 else running + value
        expected.append(running)
    assert as_ytd.get_column("value").to_list() == pytest.approx(expected, abs=0.51)
    april = as_ytd.filter(pl.col("period_start") == date(2024, 4, 1)).get_column("value").item()
    assert april == pytest.approx(
        in_month.filter(pl.col("period_start") == date(2024, 4, 1)).get_column("value").item(),
        abs=0.51,
    )


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=0, max_value=2**31 - 1))
def test_any_seed_gives_valid_rolled_up_values(seed: int) -> None:
    values = _values(seed)
    ratios = [m.id for m in CATALOGUE if m.profile.kind == "proportion"]
    proportion_rows = values.filter(pl.col("metric_id").is_in(ratios))
    assert proportion_rows.get_column("value").is_between(0, 1).all()
    assert (proportion_rows["numerator"] <= proportion_rows["denominator"]).all()
    counts = [m.id for m in CATALOGUE if m.profile.kind == "count"]
    assert values.filter(pl.col("metric_id").is_in(counts)).get_column("value").min() >= 0
    expected = _reference_rollup(values, "SAF11")
    trust_rows = values.filter(
        (pl.col("metric_id") == "SAF11") & (pl.col("org_unit") == TRUST_CODE)
    )
    for row in trust_rows.iter_rows(named=True):
        numerator, denominator = expected[(TRUST_CODE, row["period_start"])]
        assert row["numerator"] == pytest.approx(numerator)
        assert row["value"] == pytest.approx(numerator / denominator * 1000)


def test_extra_values_must_be_waiting_time_metrics_in_the_value_layout() -> None:
    from trustboard.demo import build_demo_trust
    from trustboard.errors import DataValidationError

    wrong_metric = pl.DataFrame(
        {
            "metric_id": ["EFF01"],
            "period_start": [date(2025, 3, 1)],
            "period_end": [date(2025, 3, 31)],
            "org_unit": [TRUST_CODE],
            "numerator": [1.0],
            "denominator": [2.0],
            "value": [0.5],
            "provisional": [True],
        }
    )
    with pytest.raises(DataValidationError) as caught:
        build_demo_trust(1, extra_values=wrong_metric)
    assert [p.value for p in caught.value.problems] == ["EFF01"]
    with pytest.raises(DataValidationError) as caught:
        build_demo_trust(1, extra_values=wrong_metric.drop("provisional"))
    assert [p.column for p in caught.value.problems] == ["provisional"]
    assert all(p.code == "TB-DEMO-EXTRA" for p in caught.value.problems)
