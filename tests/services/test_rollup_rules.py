"""The roll-up's and ``as_of``'s rules, each worked by hand from its definition.

Every test here was seen to fail with the named mistake planted in the code: a total marked
provisional only when *all* its parts are; a zero denominator turned into a value; a date
given as ``as_of`` read as the start of that day instead of its end.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import polars as pl

from trustboard.domain import MetricDefinition, OrgUnit
from trustboard.services._store import rollup
from trustboard.store import Store, to_utc_naive

UNITS = [
    OrgUnit(code="TR", name="Trust", level="trust"),
    OrgUnit(code="D1", name="Directorate 1", level="directorate", parent="TR"),
    OrgUnit(code="S1", name="Service 1", level="service", parent="D1"),
    OrgUnit(code="T1", name="Team 1", level="team", parent="S1"),
    OrgUnit(code="T2", name="Team 2", level="team", parent="S1"),
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
COUNT = MetricDefinition(
    id="COUNT", name="Incidents", domain="SAFE", unit="count", polarity="lower_is_better"
)


def _frame(rows: list[tuple[str, str, float | None, float | None, float, bool]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "metric_id": [r[0] for r in rows],
            "org_unit": [r[1] for r in rows],
            "period_start": [date(2025, 1, 1)] * len(rows),
            "period_end": [date(2025, 1, 31)] * len(rows),
            "numerator": [r[2] for r in rows],
            "denominator": [r[3] for r in rows],
            "value": [r[4] for r in rows],
            "provisional": [r[5] for r in rows],
        },
        schema_overrides={"numerator": pl.Float64, "denominator": pl.Float64, "value": pl.Float64},
    )


def _provisional(frame: pl.DataFrame, unit: str) -> dict[str, bool]:
    rows = frame.filter(pl.col("org_unit") == unit)
    return dict(zip(rows["metric_id"].to_list(), rows["provisional"].to_list(), strict=True))


# -- provisional: a total is provisional when ANY part is -----------------------------------


def test_a_total_is_provisional_when_any_part_is() -> None:
    # Team 1's figure is final, Team 2's provisional: the service's 19/100 rests on a figure
    # that may change, so it is provisional, and so is everything above it.
    frame = _frame(
        [
            ("PCT", "T1", 9, 10, 0.9, False),
            ("PCT", "T2", 10, 90, 10 / 90, True),
            ("COUNT", "T1", None, None, 4, True),
            ("COUNT", "T2", None, None, 5, False),
        ]
    )
    result = rollup(frame, UNITS, [PCT, COUNT]).frame
    for unit in ("S1", "D1", "TR"):
        assert _provisional(result, unit) == {"PCT": True, "COUNT": True}, unit


def test_a_total_of_final_parts_is_final() -> None:
    frame = _frame([("PCT", "T1", 9, 10, 0.9, False), ("PCT", "T2", 10, 90, 10 / 90, False)])
    result = rollup(frame, UNITS, [PCT]).frame
    assert _provisional(result, "S1") == {"PCT": False}
    assert _provisional(result, "TR") == {"PCT": False}


def test_a_total_of_provisional_parts_is_provisional() -> None:
    frame = _frame([("PCT", "T1", 9, 10, 0.9, True), ("PCT", "T2", 10, 90, 10 / 90, True)])
    assert _provisional(rollup(frame, UNITS, [PCT]).frame, "S1") == {"PCT": True}


# -- zero denominators: no value is made from nothing ---------------------------------------


def test_a_zero_total_denominator_gives_no_value() -> None:
    # 0 seen of 0 referred in each team: the service's 0/0 is no percentage at all (not 0 %,
    # not NaN), so no service, directorate or trust row is worked out.
    frame = _frame([("PCT", "T1", 0, 0, 0.0, False), ("PCT", "T2", 0, 0, 0.0, False)])
    result = rollup(frame, UNITS, [PCT]).frame
    assert sorted(result["org_unit"].to_list()) == ["T1", "T2"]


def test_a_numerator_over_a_zero_denominator_gives_no_value() -> None:
    # 3 over 0 would be an infinite percentage; the parent is left without a value instead
    frame = _frame([("PCT", "T1", 3, 0, 0.0, False), ("PCT", "T2", 0, 0, 0.0, False)])
    result = rollup(frame, UNITS, [PCT]).frame
    assert result.filter(pl.col("derived")).height == 0
    assert result.filter(pl.col("value").is_nan() | pl.col("value").is_infinite()).height == 0


def test_one_part_with_a_zero_denominator_still_adds_up() -> None:
    # Team 1 saw 0 of 0, Team 2 saw 3 of 4: the service saw 3 of 4 = 75 %.
    frame = _frame([("PCT", "T1", 0, 0, 0.0, False), ("PCT", "T2", 3, 4, 0.75, False)])
    result = rollup(frame, UNITS, [PCT]).frame
    service = result.filter(pl.col("org_unit") == "S1").row(0, named=True)
    assert (service["numerator"], service["denominator"], service["value"]) == (3.0, 4.0, 0.75)


# -- as_of: a date means the END of that day (UTC) --------------------------------------------


def test_a_date_is_the_last_moment_of_that_day() -> None:
    assert to_utc_naive(date(2025, 3, 31)) == datetime(2025, 3, 31, 23, 59, 59, 999999)


def test_moments_are_converted_to_naive_utc() -> None:
    london_summer = timezone(timedelta(hours=1))
    assert to_utc_naive(datetime(2025, 6, 1, 0, 30, tzinfo=london_summer)) == datetime(
        2025, 5, 31, 23, 30
    )
    assert to_utc_naive(datetime(2025, 6, 1, 0, 30)) == datetime(2025, 6, 1, 0, 30)


def test_values_read_as_of_today_include_those_written_today(tmp_path: Path) -> None:
    store, _before, _after = Store.init(f"sqlite:///{tmp_path / 'tb.db'}", actor="tester")
    try:
        store.upsert_catalogue([COUNT], UNITS, [], source="tests", effective=date(2024, 4, 1))
        frame = _frame([("COUNT", "T1", None, None, 4.0, False)]).with_columns(
            pl.lit("tests.csv").alias("source_file"), pl.lit("0" * 64).alias("source_hash")
        )
        store.write_values(frame)
        written = store.values(["COUNT"], history=True)["valid_from"].to_list()
        assert len(written) == 1
        day = written[0].date()  # the day (UTC) the value was recorded
        assert store.values(["COUNT"], as_of=day)["value"].to_list() == [4.0]
        # the day before, nothing had been written yet
        assert store.values(["COUNT"], as_of=day - timedelta(days=1)).height == 0
    finally:
        store.close()


# -- found by mutation testing (docs/testing.md) ------------------------------------------


MEDIAN = MetricDefinition(
    id="MEDIAN",
    name="Median wait",
    domain="RESPONSIVE",
    unit="weeks",
    polarity="lower_is_better",
    additive=False,
)


def test_values_loaded_above_the_lowest_level_still_roll_up() -> None:
    # nothing at team level: the service's 12 of 20 makes the directorate and the trust
    frame = _frame([("PCT", "S1", 12, 20, 0.6, False)])
    result = rollup(frame, UNITS, [PCT]).frame
    assert {u: v for u, v in zip(result["org_unit"], result["value"], strict=True)} == {
        "S1": 0.6,
        "D1": 0.6,
        "TR": 0.6,
    }


def test_replacing_loaded_values_keeps_the_metrics_that_are_not_rolled_up() -> None:
    frame = _frame(
        [
            ("PCT", "T1", 9, 10, 0.9, False),
            ("PCT", "S1", 1, 2, 0.5, False),
            ("MEDIAN", "T1", None, None, 4.0, False),
            ("MEDIAN", "S1", None, None, 5.0, False),
        ]
    )
    result = rollup(frame, UNITS, [PCT, MEDIAN], keep_loaded=False).frame
    medians = result.filter(pl.col("metric_id") == "MEDIAN")
    assert sorted(zip(medians["org_unit"], medians["value"], strict=True)) == [
        ("S1", 5.0),
        ("T1", 4.0),
    ]
    service = result.filter((pl.col("metric_id") == "PCT") & (pl.col("org_unit") == "S1"))
    assert service["value"].to_list() == [0.9]  # 9 of 10 worked out, replacing 1 of 2


def test_rows_come_sorted_by_metric_org_unit_and_period() -> None:
    rows = [
        ("PCT", "T2", 1, 2, 0.5, False),
        ("COUNT", "T2", None, None, 3, False),
        ("PCT", "T1", 1, 4, 0.25, False),
        ("COUNT", "T1", None, None, 2, False),
    ]
    later = _frame(rows).with_columns(
        pl.lit(date(2025, 2, 1)).alias("period_start"),
        pl.lit(date(2025, 2, 28)).alias("period_end"),
    )
    result = rollup(pl.concat([later, _frame(rows)]), UNITS, [PCT, COUNT]).frame
    keys = list(zip(result["metric_id"], result["org_unit"], result["period_start"], strict=True))
    assert keys == sorted(keys)
    assert keys[0] == ("COUNT", "D1", date(2025, 1, 1))
