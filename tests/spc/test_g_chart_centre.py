"""The g chart's lines worked by hand: the centre line is the median, the limits come from the
mean g as g + 3·sqrt(g(g + 1)), the lower lines are 0 (spc.md Part B.1).

Written for mutants of the median (odd and even counts, a series of one or two values at the
end of the frame) that the other SPC tests let survive (docs/testing.md, mutation testing).
"""

from __future__ import annotations

import math
from datetime import date

import polars as pl
import pytest

from trustboard.spc import compute


def _lines(series: dict[str, list[float]]) -> dict[str, tuple[float, float, float]]:
    org, month, days = [], [], []
    for name, values in series.items():
        for i, value in enumerate(values):
            org.append(name)
            month.append(date(2024, 1 + i, 1))
            days.append(value)
    frame = pl.DataFrame({"org": org, "month": month, "days": days})
    points = compute(frame, date="month", value="days", by="org", chart="g").points
    first = points.group_by("org", maintain_order=True).agg(
        pl.col("mean").first(), pl.col("upl").first(), pl.col("lpl").first()
    )
    return {row[0]: (row[1], row[2], row[3]) for row in first.iter_rows()}


def _upper(values: list[float]) -> float:
    g = sum(values) / len(values)
    return g + 3 * math.sqrt(g * (g + 1))


def test_the_centre_line_is_the_median_and_the_limits_come_from_the_mean() -> None:
    series = {
        "A": [1.0, 2.0, 3.0, 10.0, 20.0],  # odd count: median 3 (the mean is 7.2)
        "B": [4.0, 1.0, 7.0, 2.0],  # even count: median (2 + 4) / 2 = 3 (the mean 3.5)
        "C": [2.0, 6.0],  # the last series of the frame, two values: median 4
    }
    lines = _lines(series)
    assert lines["A"] == pytest.approx((3.0, 30.251247, 0.0))  # 7.2 + 3·sqrt(7.2 × 8.2)
    assert lines["B"] == pytest.approx((3.0, 15.405881, 0.0))  # 3.5 + 3·sqrt(3.5 × 4.5)
    assert lines["C"] == pytest.approx((4.0, 17.416408, 0.0))  # 4 + 3·sqrt(4 × 5)
    for name, values in series.items():
        assert lines[name][1] == pytest.approx(_upper(values))


def test_a_single_value_is_its_own_median() -> None:
    assert _lines({"A": [5.0]})["A"] == pytest.approx((5.0, 5 + 3 * math.sqrt(30), 0.0))
    # also when it is the last series of a frame that holds others
    lines = _lines({"A": [1.0, 2.0, 3.0], "B": [5.0]})
    assert (lines["A"][0], lines["B"][0]) == (2.0, 5.0)
