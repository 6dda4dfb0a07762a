"""Small builders for hand-worked SPC test cases."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl

from trustboard.spc import SpcResult, compute


def months(n: int, start: date = date(2020, 1, 1)) -> list[date]:
    """``n`` consecutive month starts."""
    out = []
    year, month = start.year, start.month
    for _ in range(n):
        out.append(date(year, month, 1))
        month += 1
        if month == 13:
            year, month = year + 1, 1
    return out


def frame(values: list[float | None], **extra: list[Any]) -> pl.DataFrame:
    """One series of monthly values (plus extra columns)."""
    return pl.DataFrame(
        {"month": months(len(values)), "y": values, **extra},
        schema_overrides={"y": pl.Float64},
    )


def run(values: list[float | None], **options: Any) -> SpcResult:
    """``compute`` on one monthly series."""
    return compute(frame(values), date="month", value="y", **options)


def labels(values: list[float | None], **options: Any) -> list[str]:
    """The special-cause label of every point."""
    return run(values, **options).points.get_column("special_cause_type").to_list()
