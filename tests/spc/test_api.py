"""The public API: inputs, outputs, targets, trajectories, rebase forms and the enums."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime

import polars as pl
import pytest

from trustboard.spc import AssuranceIcon, PointType, SpcOptions, SpcResult, VariationIcon, compute

from .helpers import frame, months

POINT_COLUMNS = [
    "date",
    "value",
    "rebase_group",
    "mean",
    "lpl",
    "upl",
    "outside_limits",
    "close_to_limits",
    "relative_to_mean",
    "special_cause_flag",
    "special_cause_type",
    "point_type",
    "target",
    "trajectory",
    "short_group_warning",
]
SUMMARY_COLUMNS = [
    "date",
    "value",
    "n",
    "mean",
    "lpl",
    "upl",
    "target",
    "improvement",
    "chart",
    "variation_icon",
    "assurance_icon",
    "short_group_warning",
    "special_cause_improvement",
    "special_cause_concern",
]


def _two_orgs() -> pl.DataFrame:
    return pl.concat(
        [
            frame([1.0, 3.0] * 12).with_columns(org=pl.lit("RXX"), site=pl.lit(1)),
            frame([5.0, 6.0] * 12).with_columns(org=pl.lit("RYY"), site=pl.lit(2)),
        ]
    )


def test_output_columns_and_sorting() -> None:
    data = _two_orgs().sample(fraction=1.0, shuffle=True, seed=3)
    result = compute(data, date="month", value="y", by="org")
    assert result.points.columns == ["org", *POINT_COLUMNS]
    assert result.summary.columns == ["org", *SUMMARY_COLUMNS]
    assert result.points.get_column("org").to_list() == ["RXX"] * 24 + ["RYY"] * 24
    assert result.points.get_column("date").to_list() == months(24) * 2
    assert result.points.schema["date"] == pl.Date
    assert result.by == ("org",)
    assert result.options.chart == "xmr"
    no_by = compute(frame([1.0, 2.0, 3.0]), date="month", value="y")
    assert no_by.points.columns == POINT_COLUMNS
    assert no_by.summary.height == 1


def test_result_is_immutable() -> None:
    result = compute(frame([1.0, 2.0]), date="month", value="y")
    assert isinstance(result, SpcResult)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.points = pl.DataFrame()  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.options.chart = "p"  # type: ignore[misc]


def test_enum_values_are_icon_names() -> None:
    assert [v.value for v in VariationIcon] == [
        "common_cause",
        "improvement_high",
        "improvement_low",
        "concern_high",
        "concern_low",
        "neutral_high",
        "neutral_low",
    ]
    assert [v.value for v in AssuranceIcon] == ["pass", "fail", "inconsistent"]
    assert PointType("special_cause_neutral_low") is PointType.SPECIAL_CAUSE_NEUTRAL_LOW


def test_pandas_and_pyarrow_inputs_give_the_same_result() -> None:
    pd = pytest.importorskip("pandas")
    pa = pytest.importorskip("pyarrow")
    data = _two_orgs()
    expected = compute(data, date="month", value="y", by="org").points
    from_pandas = compute(
        pd.DataFrame(data.to_dict(as_series=False)), date="month", value="y", by="org"
    )
    assert from_pandas.points.drop("date").equals(expected.drop("date"))
    assert from_pandas.points.get_column("date").to_list() == expected.get_column("date").to_list()
    from_arrow = compute(pa.table(data.to_dict(as_series=False)), date="month", value="y", by="org")
    assert from_arrow.points.equals(expected)
    assert compute(data.lazy(), date="month", value="y", by="org").points.equals(expected)


def test_datetime_dates() -> None:
    midnight = frame([1.0, 2.0, 3.0]).with_columns(pl.col("month").cast(pl.Datetime("us")))
    assert compute(midnight, date="month", value="y").points.schema["date"] == pl.Date
    timed = pl.DataFrame(
        {
            "at": [
                datetime(2024, 1, 1, 9, 30),
                datetime(2024, 1, 2, 9, 30),
                datetime(2024, 1, 3, 10),
            ],
            "y": [1.0, 2.0, 3.0],
        }
    )
    out = compute(timed, date="at", value="y").points
    assert isinstance(out.schema["date"], pl.Datetime)
    assert out.get_column("date").to_list()[0] == datetime(2024, 1, 1, 9, 30)


def test_iso_text_dates_are_read() -> None:
    data = pl.DataFrame({"month": ["2024-01-01", "2024-02-01"], "y": [1.0, 2.0]})
    assert compute(data, date="month", value="y").points.get_column("date").to_list() == [
        date(2024, 1, 1),
        date(2024, 2, 1),
    ]


def test_several_by_columns_and_tuple_keys() -> None:
    result = compute(
        _two_orgs(), date="month", value="y", by=["org", "site"], target={("RXX", 1): 100.0}
    )
    assert result.summary.select("org", "site").rows() == [("RXX", 1), ("RYY", 2)]
    assert result.summary.get_column("assurance_icon").to_list() == ["fail", "inconsistent"]


def test_dated_targets_change_by_planning_year() -> None:
    data = frame([float(i % 3) for i in range(24)])
    targets = pl.DataFrame(
        {
            "valid_from": [date(2019, 4, 1), date(2020, 4, 1), date(2021, 4, 1)],
            "target": [0.5, -10.0, 30.0],
        }
    )
    result = compute(data, date="month", value="y", target=targets)
    per_point = result.points.get_column("target").to_list()
    assert per_point == [0.5] * 3 + [-10.0] * 12 + [30.0] * 9
    assert result.summary.get_column("target").item() == 30.0
    assert result.summary.get_column("assurance_icon").item() == "fail"


def test_dated_targets_per_series_and_before_the_first_date() -> None:
    targets = pl.DataFrame(
        {
            "org": ["RXX", "RYY"],
            "date": [date(2020, 6, 1), date(2019, 1, 1)],
            "target": [0.0, 9.0],
        }
    )
    result = compute(_two_orgs(), date="month", value="y", by="org", target=targets)
    rxx = result.points.filter(pl.col("org") == "RXX").get_column("target").to_list()
    assert rxx[:5] == [None] * 5 and rxx[5:] == [0.0] * 19
    assert set(result.points.filter(pl.col("org") == "RYY").get_column("target")) == {9.0}


def test_trajectory_from_a_column_or_a_table_is_drawn_not_used() -> None:
    data = frame([1.0, 3.0] * 7, plan=[float(i) for i in range(14)])
    with_column = compute(data, date="month", value="y", trajectory="plan")
    assert with_column.points.get_column("trajectory").to_list() == [float(i) for i in range(14)]
    plain = compute(data, date="month", value="y")
    assert with_column.points.drop("trajectory").equals(plain.points.drop("trajectory"))
    table = pl.DataFrame({"date": [date(2020, 1, 1), date(2020, 7, 1)], "trajectory": [5.0, 4.0]})
    from_table = compute(data, date="month", value="y", trajectory=table)
    assert from_table.points.get_column("trajectory").to_list() == [5.0] * 6 + [4.0] * 8


def test_rebase_forms() -> None:
    data = _two_orgs().with_columns(
        flag=pl.when((pl.col("org") == "RYY") & (pl.col("month") == date(2020, 7, 1)))
        .then(1)
        .otherwise(0)
    )
    by_mapping = compute(
        data, date="month", value="y", by="org", rebase={"RYY": [date(2020, 7, 1)]}
    )
    by_column = compute(data, date="month", value="y", by="org", rebase="flag")
    assert by_mapping.points.get_column("rebase_group").to_list() == [0] * 24 + [0] * 6 + [1] * 18
    assert by_mapping.points.equals(by_column.points)
    for_all = compute(data, date="month", value="y", by="org", rebase=["2020-07-01"])
    assert for_all.points.get_column("rebase_group").to_list() == ([0] * 6 + [1] * 18) * 2
    assert for_all.groups.height == 4
    assert (
        for_all.groups.get_column("start_date").to_list()
        == [date(2020, 1, 1), date(2020, 7, 1)] * 2
    )


def test_numerator_and_denominator_on_an_xmr_chart() -> None:
    data = pl.DataFrame({"month": months(4), "n": [1, 2, 3, 4], "d": [10, 10, 10, 10]})
    pts = compute(data, date="month", numerator="n", denominator="d").points
    assert pts.get_column("value").to_list() == pytest.approx([0.1, 0.2, 0.3, 0.4])
    assert pts.get_column("numerator").to_list() == [1.0, 2.0, 3.0, 4.0]


def test_options_object_and_overrides() -> None:
    opts = SpcOptions(preset="mdc", improvement="decrease")
    result = compute(frame([1.0, 2.0] * 7), date="month", value="y", options=opts, trend_length=5)
    assert result.options.preset == "mdc"
    assert result.options.trend_length == 5
    assert result.options.improvement == "decrease"
    assert opts.trend_length == 6


def test_empty_data_gives_empty_frames() -> None:
    empty = pl.DataFrame(schema={"org": pl.String, "month": pl.Date, "y": pl.Float64})
    result = compute(empty, date="month", value="y", by="org", target=1.0)
    assert (result.points.height, result.summary.height, result.groups.height) == (0, 0, 0)
    assert result.points.columns == ["org", *POINT_COLUMNS]


def test_numeric_series_keys_keep_their_type_and_sort_numerically() -> None:
    data = pl.concat([frame([1.0, 2.0, 3.0]).with_columns(site=pl.lit(k)) for k in (10, 9, 100)])
    result = compute(data, date="month", value="y", by="site", target={9: 0.0, 100: 5.0})
    assert result.summary.get_column("site").to_list() == [9, 10, 100]
    assert result.summary.get_column("target").to_list() == [0.0, None, 5.0]
