"""Helpers shared by the waiting-time tests: tiny canonical frames and result lookups."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl

from trustboard import waits


def referrals_frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    """A canonical referrals frame from a few dicts (missing keys take neutral values; the
    person id defaults to the referral id)."""
    defaults = {
        "person_id": None,
        "service": "cmh_adult",
        "team": "t1",
        "priority": "routine",
        "closed_date": None,
        "closure_reason": None,
        "rejected": False,
        "age_band": "26-64",
        "sex": "F",
        "ethnic_group": "White",
        "imd_quintile": "3",
    }
    # each referral its own person unless a case says otherwise (spells join by person)
    full = [{**defaults, "person_id": r.get("referral_id"), **r} for r in rows]
    schema = {
        "referral_id": pl.Int64,
        "person_id": pl.Int64,
        "service": pl.String,
        "team": pl.String,
        "priority": pl.String,
        "received_date": pl.Date,
        "closed_date": pl.Date,
        "closure_reason": pl.String,
        "rejected": pl.Boolean,
        "age_band": pl.String,
        "sex": pl.String,
        "ethnic_group": pl.String,
        "imd_quintile": pl.String,
    }
    return pl.DataFrame(full, schema=schema)


def contacts_frame(rows: list[tuple[int, date, str, str, str]]) -> pl.DataFrame:
    """Contacts from (referral_id, date, attendance code, mechanism, activity type) tuples."""
    return pl.DataFrame(
        rows,
        schema={
            "referral_id": pl.Int64,
            "contact_date": pl.Date,
            "attendance_code": pl.String,
            "mechanism": pl.String,
            "activity_type": pl.String,
        },
        orient="row",
    )


def run(
    refs: pl.DataFrame,
    cons: pl.DataFrame,
    standard: Any,
    start: str,
    end: str,
    options: dict[str, Any],
    **kwargs: Any,
) -> waits.WaitsResult:
    """Compute one standard and return its result."""
    results = waits.compute_results(
        refs, cons, standards=[standard], start=start, end=end, **options, **kwargs
    )
    return next(iter(results.values()))


def row(result: waits.WaitsResult, period_end: date, **group: str) -> dict[str, Any]:
    """The measures row of one month end (and group)."""
    frame = result.measures.filter(pl.col("period_end") == period_end)
    for col, val in group.items():
        frame = frame.filter(pl.col(col) == val)
    assert frame.height == 1, frame
    return frame.row(0, named=True)
