"""Property tests: the vectorised engine equals the plain reference loop, and the maths has
the invariances SPC must have (style.md habit 9)."""

from __future__ import annotations

import itertools
import math
from datetime import date, timedelta
from typing import Any

import polars as pl
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from trustboard.errors import DataValidationError
from trustboard.spc import compute

from . import reference as ref

START = date(2020, 1, 1)
PRESET_SETTINGS = {
    "ptd": {},
    "mdc": dict(
        screen=False,
        trend_length=6,
        beyond_two_sigma=True,
        improvement_wins=True,
        min_points_limits=13,
        min_points_icons=13,
    ),
}

# Small integer values make ties and repeated moving ranges common; segments of rises, falls,
# highs and lows make trends, shifts and two-in-three patterns common too.
value = st.one_of(st.integers(0, 12).map(float), st.none())


@st.composite
def segment(draw: st.DrawFn) -> list[float | None]:
    kind = draw(st.sampled_from(["noise", "up", "down", "high", "low", "spikes"]))
    length = draw(st.integers(1, 10))
    if kind == "noise":
        return draw(st.lists(value, min_size=length, max_size=length))
    if kind in ("up", "down"):
        start = draw(st.integers(0, 6))
        steps = [float(start + i) for i in range(length)]
        return steps if kind == "up" else steps[::-1]
    if kind == "spikes":
        return [draw(st.sampled_from([0.0, 1.0, 11.0, 12.0, 20.0, -8.0])) for _ in range(length)]
    level = 9.0 if kind == "high" else 2.0
    return [level + draw(st.sampled_from([-1.0, 0.0, 1.0])) for _ in range(length)]


one_series = st.lists(segment(), min_size=1, max_size=6).map(
    lambda parts: [v for part in parts for v in part][:45]
)
many_series = st.lists(one_series, min_size=1, max_size=5)


def _frame(
    all_series: list[list[float | None]], rebase: list[list[bool]] | None = None
) -> pl.DataFrame:
    rows: dict[str, list[Any]] = {"unit": [], "day": [], "y": [], "rb": []}
    for k, values in enumerate(all_series):
        for i, v in enumerate(values):
            rows["unit"].append(f"s{k:02d}")
            rows["day"].append(START + timedelta(days=i))
            rows["y"].append(v)
            rows["rb"].append(int(rebase[k][i]) if rebase else 0)
    return pl.DataFrame(
        rows, schema={"unit": pl.String, "day": pl.Date, "y": pl.Float64, "rb": pl.Int64}
    )


def _nan(values: list[float | None]) -> list[float]:
    return [math.nan if v is None else float(v) for v in values]


def _same(a: float | None, b: float) -> bool:
    if a is None:
        return math.isnan(b)
    return not math.isnan(b) and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


@settings(max_examples=200, deadline=None)
@given(
    data=many_series,
    preset=st.sampled_from(["ptd", "mdc"]),
    improvement=st.sampled_from(["increase", "decrease", "neutral"]),
    screen=st.booleans(),
    rebase_seed=st.lists(st.integers(0, 39), max_size=3),
    target=st.one_of(st.none(), st.integers(-2, 14).map(float)),
    fix=st.one_of(st.none(), st.integers(12, 20)),
)
def test_engine_equals_reference(
    data, preset, improvement, screen, rebase_seed, target, fix
) -> None:
    rebase = [[i in rebase_seed for i in range(len(s))] for s in data]
    frame = _frame(data, rebase)
    result = compute(
        frame,
        date="day",
        value="y",
        by="unit",
        preset=preset,
        improvement=improvement,
        screen_outliers=screen,
        rebase="rb",
        target=target,
        fix_after_n_points=fix,
    )
    direction = {"increase": 1, "decrease": -1, "neutral": 0}[improvement]
    s = ref.RefSettings(direction=direction, **PRESET_SETTINGS[preset])
    s.screen = screen
    s.fix_after = fix
    for k, values in enumerate(data):
        expected = ref.series(
            _nan(values), s, rebase=rebase[k], target=target, has_target=target is not None
        )
        pts = result.points.filter(pl.col("unit") == f"s{k:02d}")
        assert pts.get_column("special_cause_type").to_list() == expected.labels
        assert pts.get_column("point_type").to_list() == expected.point_types
        assert pts.get_column("short_group_warning").to_list() == expected.short
        for name in ("mean", "lpl", "upl"):
            got = pts.get_column(name).to_list()
            assert all(_same(a, b) for a, b in zip(got, getattr(expected, name), strict=True)), name
        row = result.summary.filter(pl.col("unit") == f"s{k:02d}")
        assert row.get_column("variation_icon").item() == expected.variation_icon
        assert row.get_column("assurance_icon").item() == expected.assurance_icon


counts = st.lists(st.tuples(st.integers(0, 30), st.integers(1, 40)), min_size=1, max_size=30)


@settings(max_examples=60, deadline=None)
@given(data=st.lists(counts, min_size=1, max_size=3), chart=st.sampled_from(["p", "pp", "u", "up"]))
def test_ratio_charts_equal_reference(data, chart) -> None:
    rows: dict[str, list[Any]] = {"unit": [], "day": [], "num": [], "den": []}
    for k, pairs in enumerate(data):
        for i, (a, b) in enumerate(pairs):
            num = min(a, b) if chart in ("p", "pp") else a
            rows["unit"].append(k)
            rows["day"].append(START + timedelta(days=i))
            rows["num"].append(num)
            rows["den"].append(b)
    frame = pl.DataFrame(rows)
    result = compute(frame, date="day", numerator="num", denominator="den", by="unit", chart=chart)
    for k in range(len(data)):
        sub = frame.filter(pl.col("unit") == k)
        nums = [float(x) for x in sub.get_column("num")]
        dens = [float(x) for x in sub.get_column("den")]
        s = ref.RefSettings(chart=chart)
        expected = ref.series(
            [a / b for a, b in zip(nums, dens, strict=True)], s, numerators=nums, denominators=dens
        )
        pts = result.points.filter(pl.col("unit") == k)
        for name in ("mean", "lpl", "upl"):
            got = pts.get_column(name).to_list()
            assert all(_same(a, b) for a, b in zip(got, getattr(expected, name), strict=True)), name
        assert pts.get_column("special_cause_type").to_list() == expected.labels


@settings(max_examples=60, deadline=None)
@given(
    data=one_series.filter(lambda s: sum(v is not None for v in s) >= 3),
    chart=st.sampled_from(["xmr", "mr", "c", "g", "t"]),
)
def test_other_charts_equal_reference(data, chart) -> None:
    # counts and times between events cannot be negative
    data = [None if v is None else abs(v) for v in data]
    frame = _frame([data])
    result = compute(frame, date="day", value="y", chart=chart)
    values = _nan(data)
    if chart == "mr":
        values = [math.nan] + [abs(b - a) for a, b in itertools.pairwise(values)]
    expected = ref.series(values, ref.RefSettings(chart=chart))
    pts = result.points
    for name in ("mean", "lpl", "upl"):
        got = pts.get_column(name).to_list()
        assert all(_same(a, b) for a, b in zip(got, getattr(expected, name), strict=True)), (
            name,
            got,
            getattr(expected, name),
        )
    assert pts.get_column("special_cause_type").to_list() == expected.labels


real_series = st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=2, max_size=40)


@settings(max_examples=80, deadline=None)
@given(values=real_series)
def test_xmr_limits_symmetric_about_mean(values) -> None:
    pts = compute(_frame([values]), date="day", value="y").points.drop_nulls("upl")
    for mean, lpl, upl in pts.select("mean", "lpl", "upl").iter_rows():
        assert math.isclose(upl - mean, mean - lpl, rel_tol=1e-9, abs_tol=1e-9)
        assert lpl <= mean <= upl


def _margin_ok(points: pl.DataFrame) -> bool:
    """No value sits within a hair of a line, where rounding could decide a comparison."""
    for y, m, lo, hi in points.select("value", "mean", "lpl", "upl").iter_rows():
        if y is None or lo is None or m is None:
            continue
        half = hi - m
        for line in (m, lo, hi, m - half * 2 / 3, m + half * 2 / 3):
            if 0 < abs(y - line) < 1e-6:
                return False
    return True


@settings(max_examples=80, deadline=None)
@given(data=many_series, shift=st.integers(-1000, 1000), preset=st.sampled_from(["ptd", "mdc"]))
def test_shifting_data_shifts_lines_and_keeps_flags(data, shift, preset) -> None:
    base = compute(_frame(data), date="day", value="y", by="unit", preset=preset).points
    moved_data = [[None if v is None else v + shift for v in s] for s in data]
    moved = compute(_frame(moved_data), date="day", value="y", by="unit", preset=preset).points
    assume(_margin_ok(base) and _margin_ok(moved))
    for name in ("mean", "lpl", "upl"):
        for a, b in zip(
            base.get_column(name).to_list(), moved.get_column(name).to_list(), strict=True
        ):
            assert (a is None and b is None) or math.isclose(
                a + shift, b, rel_tol=1e-9, abs_tol=1e-6
            )
    for name in ("special_cause_type", "point_type", "outside_limits", "close_to_limits"):
        assert base.get_column(name).to_list() == moved.get_column(name).to_list()


@settings(max_examples=80, deadline=None)
@given(data=many_series)
def test_reversing_direction_swaps_improvement_and_concern(data) -> None:
    up = compute(_frame(data), date="day", value="y", by="unit", improvement="increase")
    down = compute(_frame(data), date="day", value="y", by="unit", improvement="decrease")
    swap = {
        "special_cause_improvement": "special_cause_concern",
        "special_cause_concern": "special_cause_improvement",
        "common_cause": "common_cause",
    }
    assert [swap[p] for p in up.points.get_column("point_type")] == down.points.get_column(
        "point_type"
    ).to_list()
    icon_swap = {
        "improvement_high": "concern_high",
        "concern_low": "improvement_low",
        "common_cause": "common_cause",
    }
    assert [
        icon_swap[i] for i in up.summary.get_column("variation_icon")
    ] == down.summary.get_column("variation_icon").to_list()
    assert (
        up.summary.get_column("special_cause_improvement").to_list()
        == down.summary.get_column("special_cause_concern").to_list()
    )


@settings(max_examples=60, deadline=None)
@given(data=many_series, preset=st.sampled_from(["ptd", "mdc"]))
def test_series_are_independent(data, preset) -> None:
    together = compute(_frame(data), date="day", value="y", by="unit", preset=preset).points
    for k, values in enumerate(data):
        alone = compute(_frame([values]), date="day", value="y", by="unit", preset=preset).points
        mine = together.filter(pl.col("unit") == f"s{k:02d}").with_columns(
            pl.lit("s00").alias("unit")
        )
        assert mine.equals(alone)


@settings(max_examples=60, deadline=None)
@given(first=one_series, second=one_series)
def test_rebased_segments_are_independent(first, second) -> None:
    joined = first + second
    rebase = [[i == len(first) for i in range(len(joined))]]
    whole = compute(_frame([joined], rebase), date="day", value="y", rebase="rb").points
    part_a = compute(_frame([first]), date="day", value="y").points
    part_b = compute(_frame([second]), date="day", value="y").points
    columns = [
        "value",
        "mean",
        "lpl",
        "upl",
        "special_cause_type",
        "point_type",
        "short_group_warning",
    ]
    assert whole.head(len(first)).select(columns).equals(part_a.select(columns))
    assert whole.tail(len(second)).select(columns).equals(part_b.select(columns))
    assert whole.get_column("rebase_group").to_list() == [0] * len(first) + [1] * len(second)


@settings(max_examples=60, deadline=None)
@given(
    data=many_series,
    order=st.randoms(use_true_random=False),
    rebase_seed=st.lists(st.integers(0, 39), max_size=2),
)
def test_row_order_of_the_input_does_not_matter(data, order, rebase_seed) -> None:
    # In-order input skips the sort; any other order is sorted first.  Both give one result.
    rebase = [[i in rebase_seed for i in range(len(values))] for values in data]
    frame = _frame(data, rebase)
    rows = list(range(frame.height))
    order.shuffle(rows)
    in_order = compute(frame, date="day", value="y", by="unit", rebase="rb")
    shuffled = compute(frame[rows], date="day", value="y", by="unit", rebase="rb")
    assert shuffled.points.equals(in_order.points)
    assert shuffled.summary.equals(in_order.summary)
    assert shuffled.groups.equals(in_order.groups)


@settings(max_examples=40, deadline=None)
@given(data=many_series, order=st.randoms(use_true_random=False), repeat=st.data())
def test_duplicate_dates_are_reported_by_input_row_in_any_order(data, order, repeat) -> None:
    frame = _frame(data)
    extra = repeat.draw(st.lists(st.integers(0, frame.height - 1), min_size=1, max_size=3))
    doubled = pl.concat([frame, frame[extra]])
    rows = list(range(doubled.height))
    order.shuffle(rows)
    shuffled = doubled[rows]
    with pytest.raises(DataValidationError) as raised:
        compute(shuffled, date="day", value="y", by="unit")
    reported = [(p.code, p.row) for p in raised.value.problems]
    # Every row of a repeated (series, date) is listed, by its 1-based row in the data given.
    keys = list(zip(shuffled.get_column("unit"), shuffled.get_column("day"), strict=True))
    repeated = {key for key in keys if keys.count(key) > 1}
    expected_rows = sorted(i + 1 for i, key in enumerate(keys) if key in repeated)
    assert sorted(row for _, row in reported) == expected_rows
    assert {code for code, _ in reported} == {"TB-SPC-DUPLICATE-DATE"}
