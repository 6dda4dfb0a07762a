"""Statements from SPC results: every variation × assurance combination, run lengths by hand."""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from trustboard.domain import Polarity, Target, TargetType, Unit
from trustboard.render.pack.model import SeriesPoint, SummaryRow
from trustboard.render.pack.statement import (
    describe_assurance,
    describe_variation,
    statement_for,
    trailing_run,
)

from .builders import definition, months

VARIATIONS = [
    "common_cause",
    "improvement_high",
    "improvement_low",
    "concern_high",
    "concern_low",
    "neutral_high",
    "neutral_low",
]
ASSURANCES = ["pass", "fail", "inconsistent", None]


def _points(
    values: list[float | None],
    *,
    mean: float,
    lpl: float,
    upl: float,
    label: str = "Common Cause",
    kind: str = "common_cause",
) -> tuple[SeriesPoint, ...]:
    days = months(len(values), date(2025, 3, 1))
    return tuple(
        SeriesPoint(
            date=d,
            value=v,
            display="–" if v is None else f"{v * 100:.1f}%",
            mean=mean,
            lpl=lpl,
            upl=upl,
            point_type=kind if i == len(values) - 1 else "common_cause",
            special_cause_type=label if i == len(values) - 1 else "Common Cause",
        )
        for i, (d, v) in enumerate(zip(days, values, strict=True))
    )


def _summary(
    points: tuple[SeriesPoint, ...],
    variation: str | None,
    assurance: str | None,
    target: float | None = 0.95,
) -> SummaryRow:
    last = points[-1]
    return SummaryRow(
        last.date,
        last.value,
        last.display,
        len(points),
        last.mean,
        last.lpl,
        last.upl,
        target,
        "increase",
        variation,
        assurance,
    )


def test_the_example_from_the_brief_is_written_as_specified() -> None:
    # 16 months around 0.93, then 8 months below the mean from August 2024 to March 2025.
    values = [0.93, 0.94] * 8 + [0.90] * 8
    pts = _points(
        values,
        mean=0.925,
        lpl=0.88,
        upl=0.97,
        label="7 Points Below CL",
        kind="special_cause_concern",
    )
    text = statement_for(
        pts,
        _summary(pts, "concern_low", "inconsistent"),
        definition(targets=(Target(value=0.95),)),
        Target(value=0.95),
    )
    assert text == (
        "Special cause concern: 8 consecutive months below the mean since August 2024; "
        "the 95.0% target will be met inconsistently."
    )


@pytest.mark.parametrize(
    ("variation", "assurance"), list(itertools.product(VARIATIONS, ASSURANCES))
)
def test_every_icon_combination_gives_its_own_words(variation: str, assurance: str | None) -> None:
    high = variation.endswith("high")
    values = [0.90, 0.91] * 6 + ([0.99] if high else [0.80])
    pts = _points(
        values,
        mean=0.905,
        lpl=0.87,
        upl=0.94,
        label="Above UCL" if high else "Below LCL",
        kind={
            "common": "common_cause",
            "improvement": "special_cause_improvement",
            "concern": "special_cause_concern",
            "neutral": "special_cause_neutral_high",
        }[variation.split("_")[0]],
    )
    if variation == "common_cause":
        pts = _points([0.90, 0.91] * 6 + [0.905], mean=0.905, lpl=0.87, upl=0.94)
    target = None if assurance is None else 0.95
    text = statement_for(pts, _summary(pts, variation, assurance, target), definition())
    opener = {
        "common": "Common cause variation: no significant change",
        "improvement": "Special cause improvement:",
        "concern": "Special cause concern:",
        "neutral": "Special cause variation (neither improvement nor concern):",
    }[variation.split("_")[0]]
    assert text.startswith(opener)
    if variation != "common_cause":
        assert (
            "above the upper process limit (94.00%)"
            if high
            else "below the lower process limit (87.00%)"
        ) in text
    ending = {
        "pass": "the 95.0% national standard will be met consistently.",
        "fail": "the 95.0% national standard will not be met without a change to the process.",
        "inconsistent": "the 95.0% national standard will be met inconsistently.",
        None: "there is no target to assure against.",
    }[assurance]
    assert text.endswith(ending)


def test_common_cause_names_the_limits_and_mean() -> None:
    pts = _points([10.0, 12.0, 11.0], mean=11.0, lpl=6.0, upl=16.0)
    defn = definition(unit=Unit.COUNT, targets=())
    assert describe_variation(pts, _summary(pts, "common_cause", None, None), defn) == (
        "Common cause variation: no significant change; "
        "values vary between 6.0 and 16.0 around a mean of 11.0"
    )


def test_trend_counts_points_from_the_first_of_the_run() -> None:
    # rises from Oct 2024 (index 5) to Mar 2025: 6 points, 5 rises
    values = [5.0, 4.0, 6.0, 5.5, 5.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    pts = _points(
        values,
        mean=4.0,
        lpl=0.0,
        upl=9.0,
        label="6 Point Trend (Increasing)",
        kind="special_cause_concern",
    )
    defn = definition(unit=Unit.COUNT, polarity=Polarity.LOWER_IS_BETTER, targets=())
    text = describe_variation(pts, _summary(pts, "concern_high", None, None), defn)
    assert text == "Special cause concern: 6 consecutive rising months since October 2024"


def test_two_in_three_is_named() -> None:
    pts = _points(
        [5.0, 5.2, 4.9, 8.1, 5.0, 8.2],
        mean=5.5,
        lpl=2.0,
        upl=9.0,
        label="2 in 3 Above CL",
        kind="special_cause_improvement",
    )
    text = describe_variation(
        pts, _summary(pts, "improvement_high", None, None), definition(unit=Unit.COUNT)
    )
    assert text == (
        "Special cause improvement: "
        "two of the last three points are close to the upper process limit"
    )


@pytest.mark.parametrize(
    ("values", "kind", "expected"),
    [
        ([1, 2, 3, 4], "rising", 4),
        ([4, 3, 2, 1], "falling", 4),
        ([1, 2, 2, 3], "rising", 2),
        ([1, 2, None, 3, 4], "rising", 2),
        ([3, 1, 2], "falling", 1),
    ],
)
def test_trailing_run_against_hand_counts(
    values: list[float | None], kind: str, expected: int
) -> None:
    pts = _points([None if v is None else float(v) for v in values], mean=0.0, lpl=-9, upl=9)
    assert trailing_run(pts, kind)[0] == expected


def test_shift_run_stops_at_a_point_on_the_mean() -> None:
    pts = _points([1.0, 3.0, 2.0, 1.0, 1.0, 1.0], mean=2.0, lpl=0.0, upl=4.0)
    count, first = trailing_run(pts, "below")
    assert count == 3
    assert first is not None and first.date == date(2025, 1, 1)


def test_national_standard_and_trial_limits_and_suppression_are_mentioned() -> None:
    pts = _points([None] * 2 + [0.9], mean=0.9, lpl=0.85, upl=0.95)
    pts = (
        *pts[:-1],
        SeriesPoint(
            date=pts[-1].date,
            value=None,
            display="*",
            mean=0.9,
            lpl=0.85,
            upl=0.95,
            suppressed=True,
        ),
    )
    summary = SummaryRow(
        pts[-1].date,
        None,
        "*",
        3,
        0.9,
        0.85,
        0.95,
        0.95,
        "increase",
        "common_cause",
        "inconsistent",
        short_group_warning=True,
    )
    text = statement_for(
        pts, summary, definition(), Target(value=0.95, type=TargetType.NATIONAL_STANDARD)
    )
    assert "the 95.0% national standard will be met inconsistently." in text
    assert "limits are provisional" in text
    assert "suppressed" in text


def test_no_target_on_a_neutral_metric_says_monitored() -> None:
    pts = _points([1.0, 2.0], mean=1.5, lpl=0.0, upl=3.0)
    defn = definition(unit=Unit.COUNT, polarity=Polarity.NEUTRAL, targets=())
    assert describe_assurance(_summary(pts, "common_cause", None, None), defn) == (
        "there is no target; the measure is monitored for change"
    )


def test_a_constant_series_is_described_as_such() -> None:
    pts = _points([0.0, 0.0, 0.0], mean=0.0, lpl=0.0, upl=0.0)
    defn = definition(unit=Unit.COUNT, targets=())
    assert describe_variation(pts, _summary(pts, "common_cause", None, None), defn) == (
        "Common cause variation: no variation at all; every value is 0"
    )
