"""Waiting-time measures become the catalogue's waiting-time metrics, summed up the hierarchy."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
import pytest

from trustboard.demo import LATEST_PERIOD, TRUST_CODE, build_catalogue, build_org_units
from trustboard.demo.waiting import WAITS_TEAM_UNITS, values_from_waits

MARCH, FEBRUARY = date(2025, 3, 31), date(2025, 2, 28)


def _cmh_by_team() -> pl.DataFrame:
    # hand-made measures for two month ends and the three adult community teams
    return pl.DataFrame(
        {
            "period_end": [FEBRUARY] * 3 + [MARCH] * 3,
            "service": ["cmh_adult"] * 6,
            "team": ["cmh_north", "cmh_city", "cmh_south"] * 2,
            "open_count": [100, 200, 300, 110, 210, 330],
            "open_over_52w": [5, 0, 7, 6, 1, 9],
            "completed_within_4w": [3, 4, 5, 2, 6, 1],
            "completed_4w_count": [30, 40, 50, 20, 0, 10],
        }
    )


def _cmh_by_service() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "period_end": [FEBRUARY, MARCH],
            "service": ["cmh_adult"] * 2,
            "open_median_days": [70, 81],
            "open_p90_days": [240, 252],
        }
    )


@pytest.fixture(scope="module")
def frame() -> pl.DataFrame:
    return values_from_waits(
        {"cmh_adult_4w": _cmh_by_team()},
        {"cmh_adult_4w": _cmh_by_service()},
        build_catalogue(),
        build_org_units(),
        LATEST_PERIOD,
    )


def _value(frame: pl.DataFrame, metric_id: str, unit: str, day: date) -> dict[str, object]:
    return frame.filter(
        (pl.col("metric_id") == metric_id)
        & (pl.col("org_unit") == unit)
        & (pl.col("period_start") == day)
    ).row(0, named=True)


def test_counts_sum_from_teams_to_the_trust(frame: pl.DataFrame) -> None:
    assert _value(frame, "RES06-LIST", TRUST_CODE, date(2025, 3, 1))["value"] == 110 + 210 + 330
    assert _value(frame, "RES07-52W", "MH", date(2025, 2, 1))["value"] == 12
    assert _value(frame, "RES06-LIST", "MH-CMH-CTY", date(2025, 3, 1))["value"] == 210


def test_shares_are_recomputed_from_summed_counts(frame: pl.DataFrame) -> None:
    row = _value(frame, "RES05", TRUST_CODE, date(2025, 3, 1))
    # the team with no completed pathways adds nothing (and is not a 0% team)
    assert (row["numerator"], row["denominator"]) == (3, 30)
    assert row["value"] == pytest.approx(3 / 30)
    assert (
        frame.filter(
            (pl.col("metric_id") == "RES05")
            & (pl.col("org_unit") == "MH-CMH-CTY")
            & (pl.col("period_start") == date(2025, 3, 1))
        ).height
        == 0
    )


def test_percentiles_sit_on_the_service_and_above_only(frame: pl.DataFrame) -> None:
    rows = frame.filter(
        (pl.col("metric_id") == "RES06-MED") & (pl.col("period_start") == date(2025, 3, 1))
    )
    assert sorted(rows.get_column("org_unit").to_list()) == sorted(["MH-COMM", "MH", TRUST_CODE])
    assert rows.get_column("value").to_list() == [81.0, 81.0, 81.0]


def test_the_latest_month_of_the_mhsds_waits_is_provisional_and_columns_are_the_value_layout(
    frame: pl.DataFrame,
) -> None:
    provisional = frame.filter(pl.col("provisional"))
    assert provisional.get_column("period_start").unique().to_list() == [LATEST_PERIOD.start]
    # the 4-week wait is refreshed in the next MHSDS submission; the list size is not flagged
    assert set(provisional.get_column("metric_id").to_list()) == {"RES05"}
    march_list = frame.filter(
        (pl.col("metric_id") == "RES06-LIST") & (pl.col("period_start") == LATEST_PERIOD.start)
    )
    assert march_list.height > 0 and not march_list.get_column("provisional").any()
    assert frame.columns == [
        "metric_id",
        "period_start",
        "period_end",
        "org_unit",
        "numerator",
        "denominator",
        "value",
        "provisional",
    ]


def test_every_synthetic_team_maps_to_a_demo_team() -> None:
    codes = {u.code for u in build_org_units()}
    assert set(WAITS_TEAM_UNITS.values()) <= codes


def test_demo_waiting_metrics_use_the_national_clocks() -> None:
    # the demo's adult CMH metrics read cmh_adult_4w, whose clock is NHS England's full clock
    # stop (latest of first contact and the three events), so the synthetic trust's events
    # decide the waits: without them no adult clock ever stops.
    from trustboard.demo.waiting import WAITS_STANDARDS
    from trustboard.waits import compute_results, get_standard, synth

    assert "cmh_adult_4w" in WAITS_STANDARDS
    assert get_standard("cmh_adult_4w").stop.combine == "latest"
    data = synth.generate(3000, months=24, seed=2)
    common: dict[str, Any] = {
        "standards": ["cmh_adult_4w"],
        "start": "2023-06",
        "end": "2024-03",
        "by": (),
    }
    with_events = compute_results(data.referrals, data.contacts, events=data.events, **common)
    without = compute_results(data.referrals, data.contacts, **common)
    assert with_events["cmh_adult_4w"].measures["completed_count"].sum() > 0
    assert without["cmh_adult_4w"].measures["completed_count"].sum() == 0
