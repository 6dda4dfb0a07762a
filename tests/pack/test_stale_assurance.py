"""Statements and icons when the limits predate a sustained shift: kept or withheld, by hand.

Each series is 36 months alternating either side of the mean, then 12 months (April 2024 to
March 2025) on one side of it: a shift the limits predate.  The limits are given, so each
case reads as the rule does: where the old limits lie against the target (the icon), and which
way the process moved.
"""

from __future__ import annotations

from datetime import date

import pytest

from trustboard.domain import Comparator, Polarity, Target, Unit
from trustboard.render.pack.model import SeriesPoint, SummaryRow
from trustboard.render.pack.statement import (
    assurance_with_basis,
    describe_assurance,
    stale_assurance,
    stale_limits,
    statement_for,
)
from trustboard.services._claims import assurance_claim

from .builders import definition, months

SHIFT_START = date(2024, 4, 1)


def _series(
    before: tuple[float, float], after: list[float], *, mean: float, lpl: float, upl: float
) -> tuple[SeriesPoint, ...]:
    """36 months alternating ``before`` (the second of the pair last), then ``after``."""
    values = list(before) * 18 + after
    return tuple(
        SeriesPoint(date=d, value=v, display=f"{v:g}", mean=mean, lpl=lpl, upl=upl)
        for d, v in zip(months(len(values)), values, strict=True)
    )


def _row(
    pts: tuple[SeriesPoint, ...], variation: str, assurance: str, target: float, improvement: str
) -> SummaryRow:
    last = pts[-1]
    return SummaryRow(
        last.date,
        last.value,
        last.display,
        len(pts),
        last.mean,
        last.lpl,
        last.upl,
        target,
        improvement,
        variation,
        assurance,
    )


# Safer staffing, registered nurses by day: higher is better, 95% target.  Old limits 91.6% to
# 94.4% around 93.0%, so the target lies above the upper limit: "fail".  From April 2024 every
# month is below the mean (92.3% in March): the process moved further from 95%.
FILL_AWAY = [0.921, 0.918, 0.924, 0.920, 0.919, 0.922, 0.917, 0.921, 0.920, 0.918, 0.922, 0.923]
# The same limits, but the process rose from April 2024 to 93.1%-94.0%: toward 95%, not yet
# meeting it; and a process that rose across it, to 95.1%-96.0%.
FILL_TOWARD = [0.931, 0.935, 0.934, 0.938, 0.933, 0.936, 0.937, 0.935, 0.939, 0.934, 0.936, 0.940]
FILL_ACROSS = [0.951, 0.955, 0.954, 0.958, 0.953, 0.956, 0.957, 0.955, 0.959, 0.954, 0.956, 0.960]


def _fill() -> object:
    return definition(
        "SAF17-RN-DAY",
        name="Safer staffing fill rate: registered nurses, day",
        targets=(Target(value=0.95),),
    )


def test_a_fail_the_shift_moved_further_from_the_target_keeps_its_icon() -> None:
    defn = _fill()
    pts = _series((0.925, 0.935), FILL_AWAY, mean=0.930, lpl=0.916, upl=0.944)
    shift = stale_limits(pts, defn)  # type: ignore[arg-type]
    assert shift is not None and (shift.count, shift.first.date, shift.side) == (
        12,
        SHIFT_START,
        "below",
    )
    row = _row(pts, "concern_low", "fail", 0.95, "increase")
    assert stale_assurance(pts, row, defn) is None  # type: ignore[arg-type]
    assert assurance_with_basis(pts, row, defn) == "fail"  # type: ignore[arg-type]
    text = statement_for(pts, row, defn)  # type: ignore[arg-type]
    assert text == (
        "Special cause concern: 12 consecutive months below the mean since April 2024; the "
        "95.0% target will not be met without a change to the process."
    )
    # the statement and the icon agree (the pre-publication check's statement-assurance rule)
    claim = assurance_claim(text)
    assert claim is not None and claim.icon == "fail"


@pytest.mark.parametrize("after", [FILL_TOWARD, FILL_ACROSS], ids=["toward", "across"])
def test_a_fail_the_shift_moved_toward_or_across_the_target_is_withheld(
    after: list[float],
) -> None:
    defn = _fill()
    pts = _series((0.935, 0.925), after, mean=0.930, lpl=0.916, upl=0.944)
    row = _row(pts, "improvement_high", "fail", 0.95, "increase")
    shift = stale_assurance(pts, row, defn)  # type: ignore[arg-type]
    assert shift is not None and (shift.first.date, shift.side) == (SHIFT_START, "above")
    assert assurance_with_basis(pts, row, defn) is None  # type: ignore[arg-type]
    met = "it was not met in any" if after is FILL_TOWARD else "it was met in each"
    assert describe_assurance(row, defn, points=pts) == (  # type: ignore[arg-type]
        "the limits were set before the shift that began in April 2024, so they cannot yet "
        f"say whether the 95.0% target will be met; {met} of the last 12 months"
    )


# Out-of-area bed days: lower is better, ceiling 100.  Old limits 150 to 250 around 200: the
# ceiling lies below the lower limit, "fail".
def _oap() -> object:
    return definition(
        "OAP01",
        unit=Unit.COUNT,
        polarity=Polarity.LOWER_IS_BETTER,
        targets=(Target(value=100, comparator=Comparator.LE),),
    )


def test_lower_is_better_fail_kept_when_the_count_rises_and_withheld_when_it_falls() -> None:
    defn = _oap()
    rising = [215.0, 220, 230, 225, 240, 235, 220, 228, 232, 226, 238, 236]
    pts = _series((210.0, 190.0), rising, mean=200.0, lpl=150.0, upl=250.0)
    row = _row(pts, "concern_high", "fail", 100, "decrease")
    assert assurance_with_basis(pts, row, defn) == "fail"  # type: ignore[arg-type]
    assert describe_assurance(row, defn, points=pts) == (  # type: ignore[arg-type]
        "the 100 target will not be met without a change to the process"
    )
    # falling from April 2024 (toward the ceiling, 120-180, never at or under 100): withheld
    falling = [180.0, 170, 160, 175, 150, 140, 130, 150, 125, 135, 120, 128]
    pts = _series((190.0, 210.0), falling, mean=200.0, lpl=150.0, upl=250.0)
    row = _row(pts, "improvement_low", "fail", 100, "decrease")
    assert assurance_with_basis(pts, row, defn) is None  # type: ignore[arg-type]


# Higher is better, 80% target; old limits 85% to 95% around 90%: "pass".
def test_a_pass_the_shift_moved_further_from_the_target_keeps_its_icon() -> None:
    defn = definition("EFF99", targets=(Target(value=0.80),))
    higher = [0.91, 0.92, 0.93, 0.915, 0.925, 0.92, 0.93, 0.91, 0.92, 0.925, 0.93, 0.92]
    pts = _series((0.92, 0.88), higher, mean=0.90, lpl=0.85, upl=0.95)
    row = _row(pts, "improvement_high", "pass", 0.80, "increase")
    assert assurance_with_basis(pts, row, defn) == "pass"  # type: ignore[arg-type]
    assert describe_assurance(row, defn, points=pts) == (  # type: ignore[arg-type]
        "the 80.0% target will be met consistently"
    )


def test_a_pass_the_shift_moved_toward_the_target_is_withheld() -> None:
    defn = definition("EFF99", targets=(Target(value=0.80),))
    lower = [0.87, 0.86, 0.88, 0.865, 0.87, 0.86, 0.875, 0.88, 0.86, 0.87, 0.865, 0.86]
    pts = _series((0.88, 0.92), lower, mean=0.90, lpl=0.85, upl=0.95)
    row = _row(pts, "concern_low", "pass", 0.80, "increase")
    assert assurance_with_basis(pts, row, defn) is None  # type: ignore[arg-type]
    assert describe_assurance(row, defn, points=pts) == (  # type: ignore[arg-type]
        "the limits were set before the shift that began in April 2024, so they cannot yet "
        "say whether the 80.0% target will be met; it was met in each of the last 12 months"
    )


def test_lower_is_better_pass_kept_when_the_time_falls_further_below_the_ceiling() -> None:
    # ceiling 10 days, old limits 2 to 6 around 4: "pass"; from April 2024 about 3 days
    defn = definition(
        "RES99",
        unit=Unit.DAYS,
        polarity=Polarity.LOWER_IS_BETTER,
        targets=(Target(value=10, comparator=Comparator.LE),),
    )
    lower = [3.0, 3.2, 2.8, 3.1, 3.3, 2.9, 3.0, 3.4, 3.1, 2.7, 3.2, 3.0]
    pts = _series((3.5, 4.5), lower, mean=4.0, lpl=2.0, upl=6.0)
    row = _row(pts, "improvement_low", "pass", 10, "decrease")
    assert assurance_with_basis(pts, row, defn) == "pass"  # type: ignore[arg-type]
    # and rising toward the ceiling (5-8 days): withheld
    higher = [5.0, 6.0, 5.5, 7.0, 6.5, 8.0, 7.5, 6.0, 7.0, 7.5, 6.5, 8.0]
    pts = _series((4.5, 3.5), higher, mean=4.0, lpl=2.0, upl=6.0)
    row = _row(pts, "concern_high", "pass", 10, "decrease")
    assert assurance_with_basis(pts, row, defn) is None  # type: ignore[arg-type]


def test_hit_and_miss_is_withheld_whichever_way_the_shift_went() -> None:
    # 85% target inside old limits 70% to 90% around 80%: "inconsistent"
    defn = definition("EFF98", targets=(Target(value=0.85),))
    for before, after in (
        ((0.78, 0.82), [0.75, 0.76, 0.74, 0.77] * 3),
        ((0.82, 0.78), [0.82, 0.83, 0.84, 0.86] * 3),
    ):
        pts = _series(before, after, mean=0.80, lpl=0.70, upl=0.90)
        assert stale_limits(pts, defn).count == 12  # type: ignore[arg-type, union-attr]
        row = _row(pts, "common_cause", "inconsistent", 0.85, "increase")
        assert assurance_with_basis(pts, row, defn) is None  # type: ignore[arg-type]
        assert "the limits were set before" in statement_for(pts, row, defn)  # type: ignore[arg-type]
