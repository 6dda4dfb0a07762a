"""p and Laney p' charts whose limits are fixed after 12 points, and Laney's screening of
moving ranges.

Written for mutants the other SPC tests let survive (docs/testing.md, mutation testing): the
points after the fix entering the centre line or the z-scores, and the screening option being
dropped for a p' chart.
"""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from trustboard.spc import compute

HARMS = [4.0, 6, 3, 5, 7, 4, 5, 6, 3, 5, 4, 6, 30, 28, 35, 31, 29, 33, 30, 34, 32, 28, 31, 36]
ADMISSIONS = [400.0, 420, 380, 410, 430, 390, 405, 415, 395, 400, 410, 420] * 2


def _lines(frame: pl.DataFrame, chart: str, **options: object) -> pl.DataFrame:
    return compute(
        frame,
        date="month",
        numerator="harms",
        denominator="admissions",
        chart=chart,
        **options,  # type: ignore[arg-type]
    ).points


def _frame() -> pl.DataFrame:
    months = pl.date_range(date(2023, 1, 1), date(2024, 12, 1), "1mo", eager=True)
    return pl.DataFrame({"month": months, "harms": HARMS, "admissions": ADMISSIONS})


@pytest.mark.parametrize("chart", ["p", "pp"])
def test_fixed_limits_come_from_the_first_points_only(chart: str) -> None:
    fixed = _lines(_frame(), chart, fix_after_n_points=12)
    alone = _lines(_frame().head(12), chart)
    # 58 harms in 4,875 admissions: the centre line, before and after the fix
    assert fixed["mean"].to_list() == pytest.approx([58 / 4875] * 24)
    # the first year's limits (their denominators are the same in both) are those of the year
    for line in ("mean", "lpl", "upl"):
        assert fixed[line].head(12).to_list() == pytest.approx(alone[line].to_list()), line


def test_screening_moving_ranges_changes_a_laney_chart_with_an_outlier() -> None:
    frame = (
        _frame()
        .head(12)
        .with_columns(
            pl.when(pl.int_range(pl.len()) == 6)
            .then(60.0)
            .otherwise(pl.col("harms"))
            .alias("harms")
        )
    )
    screened = _lines(frame, "pp", screen_outliers=True)
    plain = _lines(frame, "pp", screen_outliers=False)
    # the outlier's two moving ranges are screened out, so the limits are narrower
    assert screened["upl"][0] < plain["upl"][0]
