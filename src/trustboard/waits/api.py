"""The public verbs: :func:`compute`, :func:`compute_removals` and :func:`compute_results`."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow.compute as pc

from trustboard.domain import Period
from trustboard.errors import DataValidationError, ErrorCode, OptionsError, Problem
from trustboard.waits.engines import get_engine
from trustboard.waits.engines.base import Histograms, MonthCalendar, WaitsEngine, WaitsInputs
from trustboard.waits.finalise import WaitsResult, finalise
from trustboard.waits.mapping import ColumnMapping, resolve_mapping
from trustboard.waits.spec import (
    BREAKDOWN_COLUMNS,
    TOTAL_COLUMN,
    Standard,
    StopRule,
    Threshold,
)
from trustboard.waits.standards import BUILTIN_STANDARDS, resolve_standard

__all__ = [
    "check_not_empty",
    "compute",
    "compute_removals",
    "compute_results",
    "month_calendar",
]

_EMPTY = "(empty)"


def _shown(values: Sequence[str | None]) -> str:
    return ", ".join(sorted(_EMPTY if v is None else repr(v) for v in values)) or "none"


def _services_seen(runner: WaitsEngine, inputs: WaitsInputs, calendar: MonthCalendar) -> list[Any]:
    """The service values of the referrals (after the mapping), for an error message."""
    probe = Standard(
        "every_referral", "every referral", StopRule(), thresholds=(Threshold("0d", 0),)
    )
    groups = runner.histograms(inputs, [probe], calendar, ("service",))[probe.id].groups
    return list(dict.fromkeys(groups.column("service").to_pylist()))


def check_not_empty(
    histograms: Mapping[str, Histograms],
    runner: WaitsEngine,
    inputs: WaitsInputs,
    calendar: MonthCalendar,
) -> None:
    """Raise when a standard selects no referral, or a priority no threshold understands.

    An empty table would read as "no one is waiting"; a priority that no threshold applies to
    would count the pathway but never as "within" (0%).  Both are reported with the values
    seen, the values expected and how to map them (``TB-WAITS-EMPTY``,
    ``TB-WAITS-UNMAPPED-VALUE``).
    """
    problems: list[Problem] = []
    seen: list[Any] | None = None
    for standard_id, found in histograms.items():
        standard = found.standard
        if found.groups.num_rows == 0:
            if seen is None:
                seen = _services_seen(runner, inputs, calendar)
            expected = ", ".join(repr(s) for s in standard.services) or "any service"
            problems.append(
                Problem(
                    ErrorCode.WAITS_EMPTY,
                    f"standard {standard_id!r} selects no referral: "
                    + (
                        f"the referrals' services are {_shown(seen)}"
                        if seen
                        else "every referral is rejected"
                    ),
                    column="service",
                    expected=f"service {expected} (and a referral that is not rejected)",
                )
            )
            continue
        if not all(t.priorities for t in standard.thresholds):
            continue
        known = {p for t in standard.thresholds for p in t.priorities}
        values: set[str | None] = set()
        for table in (found.open, found.completed):
            values.update(pc.unique(table.column("_priority")).to_pylist())
        unknown = sorted(values - known, key=lambda v: "" if v is None else str(v))
        if unknown:
            problems.append(
                Problem(
                    ErrorCode.WAITS_UNMAPPED_VALUE,
                    f"standard {standard_id!r} has no threshold for priority {_shown(unknown)}",
                    column="priority",
                    value=", ".join(_EMPTY if v is None else str(v) for v in unknown),
                    expected=", ".join(sorted(known)),
                )
            )
    if problems:
        raise DataValidationError(
            "the waiting-time input gives an empty or partial result",
            problems,
            hint="map the trust's values to the standard's codes in a mapping file, e.g. "
            '\'values: {service: {"Adult CMHT": cmh_adult}, priority: {"1": urgent}}\', '
            "or give a standard file that extends the built-in with the trust's own "
            "'services' (docs/waits.md, \"Mappings\")",
        )


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
    """The breakdown columns; ``()`` asks for the trust total."""
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
    histograms = runner.histograms(inputs, chosen, calendar, columns or (TOTAL_COLUMN,))
    check_not_empty(histograms, runner, inputs, calendar)
    results = {s.id: finalise(histograms[s.id], calendar) for s in chosen}
    if not columns:
        results = {
            key: dataclasses.replace(
                result,
                by=(),
                measures=result.measures.drop(TOTAL_COLUMN),
                removals=result.removals.drop(TOTAL_COLUMN),
            )
            for key, result in results.items()
        }
    return results


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
