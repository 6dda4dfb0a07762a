"""A t chart whose limits are fixed after 12 points takes them from those 12 points alone.

Written for a mutant that let every finite point into the t chart's limits (docs/testing.md,
mutation testing): after the 12th point the days between events jump, and the lines must not
move with them.
"""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from trustboard.spc import compute

DAYS = [3.0, 7, 2, 9, 4, 6, 12, 5, 8, 3, 10, 6, 30, 25, 40, 28, 35, 33, 31, 29, 45, 38, 27, 36]


def test_fixed_limits_come_from_the_first_points_only() -> None:
    months = pl.date_range(date(2023, 1, 1), date(2024, 12, 1), "1mo", eager=True)
    frame = pl.DataFrame({"month": months, "days": DAYS})
    fixed = compute(frame, date="month", value="days", chart="t", fix_after_n_points=12)
    alone = compute(frame.head(12), date="month", value="days", chart="t")
    lines = ("mean", "upl", "lpl")
    expected = alone.points.select(lines).row(0)
    for row in fixed.points.select(lines).iter_rows():
        assert row == pytest.approx(expected)
    # the later points are far above the fixed limits' centre, so the lines did not follow them
    assert expected[0] < 10
