"""The public verbs: :func:`compute`, :func:`compute_removals` and :func:`compute_results`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from trustboard.domain import Period
from trustboard.errors import OptionsError
from trustboard.waits.engines import get_engine
from trustboard.waits.engines.base import MonthCalendar, WaitsEngine, WaitsInputs
from trustboard.waits.finalise import WaitsResult, finalise
from trustboard.waits.mapping import ColumnMapping, resolve_mapping
from trustboard.waits.spec import BREAKDOWN_COLUMNS, Standard
from trustboard.waits.standards import BUILTIN_STANDARDS, resolve_standard

__all__ = ["compute", "compute_removals", "compute_results", "month_calendar"]


def _as_date(value: date | str | Period, name: str) -> date:
    if isinstance(value, Period):
        return value.start
    if isinstance(value, date):
        return value
    try:
        return Period.parse(str(value)).start
    except Exception:
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            raise OptionsError(
                f"'{name}' is not a month or a date", hint="use YYYY-MM or YYYY-MM-DD"
            ) from None


def month_calendar(start: date | str | Period, end: date | str | Period) -> MonthCalendar:
    """The month ends from the month of ``start`` to the month of ``end`` inclusive."""
    return MonthCalendar.between(_as_date(start, "start"), _as_date(end, "end"))


def _check_by(by: Sequence[str] | str) -> tuple[str, ...]:
    columns = (by,) if isinstance(by, str) else tuple(by)
    unknown = [c for c in columns if c not in BREAKDOWN_COLUMNS]
    if unknown or len(set(columns)) != len(columns):
        raise OptionsError(
            f"cannot break waits down by {unknown or list(columns)}",
            hint="choose distinct columns among: " + ", ".join(BREAKDOWN_COLUMNS),
        )
    return columns


def compute_results(
    referrals: Any,
    contacts: Any,
    *,
    standards: Sequence[str | Standard] | None = None,
    start: date | str | Period,
    end: date | str | Period,
    events: Any = None,
    by: Sequence[str] | str = ("service",),
    engine: str | WaitsEngine = "duckdb",
    mapping: ColumnMapping | str | Path | None = None,
    extra_standards: Mapping[str, Standard] | None = None,
    engine_options: Mapping[str, Any] | None = None,
) -> dict[str, WaitsResult]:
    """Several standards in one pass over the data (all built-ins when ``standards`` is None).

    Returns a :class:`~trustboard.waits.finalise.WaitsResult` per standard id, each holding
    ``measures`` (as :func:`compute` returns) and ``removals`` (as :func:`compute_removals`).
    """
    chosen = [
        resolve_standard(s, extra_standards)
        for s in (standards if standards is not None else list(BUILTIN_STANDARDS))
    ]
    if not chosen:
        raise OptionsError("no waiting-time standard was asked for")
    ids = [s.id for s in chosen]
    if len(set(ids)) != len(ids):
        raise OptionsError("each standard may be asked for once", hint=", ".join(ids))
    columns = _check_by(by)
    calendar = month_calendar(start, end)
    inputs = WaitsInputs(referrals, contacts, events, resolve_mapping(mapping))
    runner = get_engine(engine, **dict(engine_options or {}))
    histograms = runner.histograms(inputs, chosen, calendar, columns)
    return {s.id: finalise(histograms[s.id], calendar) for s in chosen}


def compute(
    referrals: Any,
    contacts: Any,
    *,
    standard: str | Standard,
    start: date | str | Period,
    end: date | str | Period,
    events: Any = None,
    by: Sequence[str] | str = ("service",),
    engine: str | WaitsEngine = "duckdb",
    mapping: ColumnMapping | str | Path | None = None,
    extra_standards: Mapping[str, Standard] | None = None,
    engine_options: Mapping[str, Any] | None = None,
) -> pl.DataFrame:
    """Waiting-time measures of one standard, one row per month end × ``by`` group.

    Inputs are file paths (CSV or Parquet), Polars/pandas/Arrow tables, DuckDB relations, or
    Spark DataFrames with ``engine="spark"``.  ``start``/``end`` are months (``2025-03``) or
    dates; every month end between them is reported.  Bad input raises
    :class:`~trustboard.errors.DataValidationError` listing every problem.  The columns are
    documented in ``docs/waits.md``.
    """
    results = compute_results(
        referrals,
        contacts,
        standards=[standard],
        start=start,
        end=end,
        events=events,
        by=by,
        engine=engine,
        mapping=mapping,
        extra_standards=extra_standards,
        engine_options=engine_options,
    )
    return next(iter(results.values())).measures


def compute_removals(
    referrals: Any,
    contacts: Any,
    *,
    standard: str | Standard,
    start: date | str | Period,
    end: date | str | Period,
    events: Any = None,
    by: Sequence[str] | str = ("service",),
    engine: str | WaitsEngine = "duckdb",
    mapping: ColumnMapping | str | Path | None = None,
    extra_standards: Mapping[str, Standard] | None = None,
    engine_options: Mapping[str, Any] | None = None,
) -> pl.DataFrame:
    """Removals without a clock stop: one row per month end × ``by`` group × closure reason."""
    results = compute_results(
        referrals,
        contacts,
        standards=[standard],
        start=start,
        end=end,
        events=events,
        by=by,
        engine=engine,
        mapping=mapping,
        extra_standards=extra_standards,
        engine_options=engine_options,
    )
    return next(iter(results.values())).removals
