"""The public entry point :func:`compute`: data frames in, :class:`SpcResult` out.

This is the edge of the SPC engine: it accepts a Polars, pandas or PyArrow table (converted
with Polars), validates it against the options (collecting every problem), sorts it by series
and date, hands plain arrays to the NumPy core and turns the arrays back into Polars frames.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from trustboard.errors import ErrorCode, OptionsError, Problem, ProblemCollector
from trustboard.spc._core import (
    ASSURANCE_CODES,
    VARIATION_CODES,
    CoreResult,
    CoreSettings,
    plotted_values,
    run_core,
)
from trustboard.spc._inputs import (
    Prepared,
    dated_lookup,
    mapping_lookup,
    prepare_frame,
    series_keys,
)
from trustboard.spc._limits import Groups
from trustboard.spc._rules import label_texts
from trustboard.spc.options import RATIO_CHARTS, SpcOptions, is_table
from trustboard.spc.result import PointType, SpcResult

__all__ = ["compute"]

_DIRECTIONS = {"increase": 1, "decrease": -1, "neutral": 0}
_POINT_TYPES = tuple(member.value for member in PointType)


def compute(
    data: Any,
    *,
    date: str,
    value: str | None = None,
    numerator: str | None = None,
    denominator: str | None = None,
    by: str | Sequence[str] | None = None,
    options: SpcOptions | None = None,
    **option_overrides: Any,
) -> SpcResult:
    """Compute SPC limits, special-cause rules, point types and icons for every series.

    ``data`` is a Polars, pandas or PyArrow table with one row per series and date.  ``date``
    names the date column (Date or Datetime); ``value`` the value column (xmr, mr, c, g, t),
    or ``numerator`` and ``denominator`` the count columns (p, u, pp, up; also accepted by
    xmr, which then charts numerator / denominator).  ``by`` names the column(s) that
    identify a series.  ``options`` is an :class:`SpcOptions`; keyword overrides (``preset``,
    ``chart``, ``improvement``, ``target``, ``rebase`` ...) are applied on top of it.

    Raises :class:`~trustboard.errors.OptionsError` for options that are not valid and
    :class:`~trustboard.errors.DataValidationError` listing every problem in the data.
    """
    opts = SpcOptions.from_overrides(options, option_overrides)
    frame = _as_polars(data)
    by_columns = _by_columns(by)
    _check_roles(opts, value, numerator, denominator)
    prepared = prepare_frame(
        frame,
        opts,
        date=date,
        value=value,
        numerator=numerator,
        denominator=denominator,
        by=by_columns,
    )
    collector = ProblemCollector()
    keys = series_keys(prepared) if _needs_keys(opts) else set()
    rebase = _rebase_flags(prepared, opts, keys, collector)
    target = _target_per_row(prepared, opts, keys, collector)
    trajectory = _trajectory_per_row(prepared, opts, collector)
    collector.raise_if_any("the data cannot be charted with these SPC options")

    work = prepared.frame
    n = work.height
    series_starts = prepared.series_starts
    group_flag = np.zeros(n, dtype=np.bool_)
    group_flag[series_starts] = True
    group_flag |= rebase
    group_starts = np.flatnonzero(group_flag).astype(np.int64)
    rebase_group = _cumsum_within(rebase, series_starts)

    groups = Groups.from_starts(group_starts, n)
    num = prepared.numerator
    den = prepared.denominator
    values = plotted_values(opts.chart, prepared.values, num, den, groups)
    settings = CoreSettings(
        chart=opts.chart,
        direction=_DIRECTIONS[opts.improvement],
        screen_outliers=bool(opts.screen_outliers),
        shift_length=int(opts.shift_length or 0),
        trend_length=int(opts.trend_length or 0),
        beyond_two_sigma=opts.two_in_three == "beyond_2sigma",
        improvement_wins=opts.conflict == "improvement_wins",
        min_points_limits=int(opts.min_points_limits or 0),
        min_points_icons=int(opts.min_points_icons or 0),
        short_group_threshold=int(opts.short_group_threshold or 0),
        fix_after_n_points=opts.fix_after_n_points,
        has_target=opts.target is not None,
    )
    ratio = opts.chart in RATIO_CHARTS
    core = run_core(
        values,
        series_starts,
        group_starts,
        settings,
        numerator=num if ratio else None,
        denominator=den if ratio else None,
        baseline=_baseline_mask(prepared, opts),
        target=target,
    )
    points = _points_frame(prepared, core, opts, rebase_group, target, trajectory)
    return SpcResult(
        points=points,
        summary=_summary_frame(prepared, core, opts, points),
        groups=_groups_frame(prepared, core, points),
        options=opts,
        by=tuple(by_columns),
    )


def _needs_keys(opts: SpcOptions) -> bool:
    return any(
        hasattr(option, "items") or is_table(option)
        for option in (opts.target, opts.rebase, opts.trajectory)
    )


def _as_polars(data: Any) -> pl.DataFrame:
    if isinstance(data, pl.DataFrame):
        return data
    if isinstance(data, pl.LazyFrame):
        collected: pl.DataFrame = data.collect()
        return collected
    module = type(data).__module__.split(".")[0]
    if module == "pandas":
        from_pandas: pl.DataFrame = pl.from_pandas(data)
        return from_pandas
    if module == "pyarrow" or hasattr(data, "column_names"):
        converted = pl.from_arrow(data)
        if isinstance(converted, pl.DataFrame):
            return converted
    raise OptionsError(
        f"data must be a Polars, pandas or PyArrow table, not {type(data).__name__}",
        hint="load the data with polars, pandas or pyarrow first",
    )


def _by_columns(by: str | Sequence[str] | None) -> list[str]:
    if by is None:
        return []
    if isinstance(by, str):
        return [by]
    columns = list(by)
    if not all(isinstance(name, str) for name in columns):
        raise OptionsError("by must be a column name or a list of column names")
    return columns


def _check_roles(
    opts: SpcOptions, value: str | None, numerator: str | None, denominator: str | None
) -> None:
    problems: list[Problem] = []
    ratio = numerator is not None or denominator is not None
    if opts.chart in RATIO_CHARTS:
        if numerator is None or denominator is None:
            problems.append(
                _role_problem(
                    "numerator", f"the {opts.chart} chart needs numerator= and denominator="
                )
            )
        if value is not None:
            problems.append(
                _role_problem(
                    "value", f"the {opts.chart} chart takes numerator= and denominator=, not value="
                )
            )
    elif opts.chart == "xmr":
        if value is None and not ratio:
            problems.append(_role_problem("value", "give value=, or numerator= and denominator="))
        elif value is not None and ratio:
            problems.append(
                _role_problem("value", "give value= or numerator=/denominator=, not both")
            )
        elif ratio and (numerator is None or denominator is None):
            problems.append(_role_problem("denominator", "numerator= and denominator= go together"))
    else:
        if value is None:
            problems.append(_role_problem("value", f"the {opts.chart} chart needs value="))
        if ratio:
            problems.append(
                _role_problem(
                    "numerator", f"the {opts.chart} chart takes value=, not numerator=/denominator="
                )
            )
    if problems:
        raise OptionsError(
            "the value columns do not suit the chart type",
            problems=problems,
            hint="see 'Chart types' in docs/spc.md",
        )


def _role_problem(name: str, message: str) -> Problem:
    return Problem(ErrorCode.SPC_COLUMN_ROLE, message, column=name)


def _cumsum_within(
    flags: npt.NDArray[np.bool_], starts: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    """Cumulative count of ``flags`` restarting at every series start (ptd's rebase_group)."""
    if not flags.any():
        return np.zeros(flags.size, dtype=np.int64)
    total = np.cumsum(flags, dtype=np.int64)
    before = np.concatenate(([0], total))[starts]
    sizes = np.diff(np.append(starts, total.size))
    return np.asarray(total - np.repeat(before, sizes), dtype=np.int64)


def _rebase_flags(
    prepared: Prepared, opts: SpcOptions, keys: set[Any], collector: ProblemCollector
) -> npt.NDArray[np.bool_]:
    work = prepared.frame
    rebase = opts.rebase
    if rebase is None:
        return np.zeros(work.height, dtype=np.bool_)
    if isinstance(rebase, str):
        return (
            prepared.rebase_column
            if prepared.rebase_column is not None
            else np.zeros(work.height, dtype=np.bool_)
        )
    date_type = work.schema["date"]
    if not hasattr(rebase, "items"):
        wanted = pl.Series("date", list(rebase)).cast(date_type)
        return work.get_column("date").is_in(wanted.implode()).to_numpy()
    if not prepared.by:
        collector.add(
            ErrorCode.SPC_REBASE_KEY,
            "a rebase mapping needs series columns (by=); give a list of dates instead",
            column="rebase",
        )
        return np.zeros(work.height, dtype=np.bool_)
    rows = [(key, day) for key, days in rebase.items() for day in days]
    hits = mapping_lookup(prepared, rows, keys, "rebase", collector, with_date=True)
    if hits is None:
        return np.zeros(work.height, dtype=np.bool_)
    return ~np.isnan(hits)


def _target_per_row(
    prepared: Prepared, opts: SpcOptions, keys: set[Any], collector: ProblemCollector
) -> npt.NDArray[np.float64]:
    height = prepared.frame.height
    target = opts.target
    if target is None:
        return np.full(height, np.nan)
    if isinstance(target, float):
        return np.full(height, target)
    if is_table(target):
        found = dated_lookup(prepared, _as_polars(target), "target", keys, collector)
        return found if found is not None else np.full(height, np.nan)
    if not prepared.by:
        collector.add(
            ErrorCode.SPC_TARGET_KEY,
            "a target per series needs series columns (by=); give one number instead",
            column="target",
        )
        return np.full(height, np.nan)
    found = mapping_lookup(
        prepared, list(target.items()), keys, "target", collector, with_date=False
    )
    return found if found is not None else np.full(height, np.nan)


def _trajectory_per_row(
    prepared: Prepared, opts: SpcOptions, collector: ProblemCollector
) -> npt.NDArray[np.float64]:
    if opts.trajectory is None:
        return np.full(prepared.frame.height, np.nan)
    if isinstance(opts.trajectory, str):
        assert prepared.trajectory_column is not None
        return prepared.trajectory_column
    found = dated_lookup(
        prepared, _as_polars(opts.trajectory), "trajectory", series_keys(prepared), collector
    )
    return found if found is not None else np.full(prepared.frame.height, np.nan)


def _baseline_mask(prepared: Prepared, opts: SpcOptions) -> npt.NDArray[np.bool_] | None:
    if opts.baseline is None:
        return None
    start, end = opts.baseline
    day = prepared.frame.get_column("date")
    if day.dtype != pl.Date:
        day = day.dt.date()
    return ((day >= start) & (day <= end)).to_numpy()


def _nullable(values: npt.NDArray[np.float64], name: str) -> pl.Series:
    """A Float64 column with null where ``values`` is NaN."""
    return pl.Series(name, values, dtype=pl.Float64, nan_to_null=True)


def _texts(codes: npt.NDArray[np.int8], texts: Sequence[str], name: str) -> pl.Series:
    """A String column of ``texts[code]`` per code, null where the code is -1.

    One gather from a column of the few labels: no Python string is made per row.
    """
    labels: list[str | None] = list(texts)
    missing = codes < 0
    if missing.any():
        labels.append(None)
        codes = np.where(missing, np.int8(len(texts)), codes)
    lookup = pl.Series(name, labels, dtype=pl.String)
    return lookup.gather(pl.Series(codes.view(np.uint8)))


def _points_frame(
    prepared: Prepared,
    core: CoreResult,
    opts: SpcOptions,
    rebase_group: npt.NDArray[np.int64],
    target: npt.NDArray[np.float64],
    trajectory: npt.NDArray[np.float64],
) -> pl.DataFrame:
    work = prepared.frame
    columns = [
        *(work.get_column(name) for name in prepared.by),
        prepared.output_dates(),
        _nullable(core.values, "value"),
        pl.Series("rebase_group", rebase_group, dtype=pl.Int64),
        _nullable(core.mean, "mean"),
        _nullable(core.lpl, "lpl"),
        _nullable(core.upl, "upl"),
        pl.Series("outside_limits", core.outside),
        pl.Series("close_to_limits", core.close),
        pl.Series("relative_to_mean", core.relative_to_mean, dtype=pl.Int8),
        pl.Series("special_cause_flag", core.label != 0),
        _texts(
            core.label,
            label_texts(int(opts.shift_length or 0), int(opts.trend_length or 0)),
            "special_cause_type",
        ),
        _texts(core.point_type, _POINT_TYPES, "point_type"),
        _nullable(target, "target"),
        _nullable(trajectory, "trajectory"),
        pl.Series("short_group_warning", core.short_group),
    ]
    if prepared.numerator is not None and prepared.denominator is not None:
        columns.append(_nullable(prepared.numerator, "numerator"))
        columns.append(_nullable(prepared.denominator, "denominator"))
    frame = pl.DataFrame(columns)
    # The flags are null where the value or the limits (the mean) are missing.  Null counts
    # are known without a pass over the data, so complete data skips this step.
    has_nulls = {
        name: frame.get_column(name).null_count() > 0 for name in ("value", "mean", "lpl", "upl")
    }
    present = pl.col("value").is_not_null()
    masked: list[pl.Expr] = []
    if has_nulls["value"] or has_nulls["lpl"] or has_nulls["upl"]:
        judged = present & pl.col("lpl").is_not_null() & pl.col("upl").is_not_null()
        masked += [
            pl.when(judged).then(pl.col(name)).alias(name)
            for name in ("outside_limits", "close_to_limits")
        ]
    if has_nulls["value"] or has_nulls["mean"]:
        centred = present & pl.col("mean").is_not_null()
        masked.append(pl.when(centred).then(pl.col("relative_to_mean")).alias("relative_to_mean"))
    return frame.with_columns(masked) if masked else frame


def _summary_frame(
    prepared: Prepared, core: CoreResult, opts: SpcOptions, points: pl.DataFrame
) -> pl.DataFrame:
    last = core.series_last
    count = last.size
    sizes = np.diff(np.append(prepared.series_starts, np.int64(points.height)))
    latest = points.select(
        *prepared.by, "date", "value", "mean", "lpl", "upl", "target", "short_group_warning"
    )[pl.Series(last)]
    return pl.DataFrame(
        [
            *(latest.get_column(name) for name in prepared.by),
            latest.get_column("date"),
            latest.get_column("value"),
            pl.Series("n", sizes, dtype=pl.Int64),
            latest.get_column("mean"),
            latest.get_column("lpl"),
            latest.get_column("upl"),
            latest.get_column("target"),
            pl.repeat(opts.improvement, count, dtype=pl.String, eager=True).alias("improvement"),
            pl.repeat(opts.chart, count, dtype=pl.String, eager=True).alias("chart"),
            _texts(core.variation_icon, VARIATION_CODES, "variation_icon"),
            _texts(core.assurance_icon, ASSURANCE_CODES, "assurance_icon"),
            latest.get_column("short_group_warning"),
            pl.Series("special_cause_improvement", core.series_improvement, dtype=pl.Int64),
            pl.Series("special_cause_concern", core.series_concern, dtype=pl.Int64),
        ]
    )


def _groups_frame(prepared: Prepared, core: CoreResult, points: pl.DataFrame) -> pl.DataFrame:
    groups = core.groups
    first = groups.starts
    last = (np.append(first[1:], np.int64(points.height)) - 1)[: first.size]
    start_rows = points.select(*prepared.by, "rebase_group", "date", "mean", "lpl", "upl")[
        pl.Series(first)
    ]
    end_rows = points.select("date", "point_type")[pl.Series(last)]
    # The assurance icon belongs to the last group of each series only (ptd summary()).
    assurance = np.full(first.size, -1, dtype=np.int8)
    last_group_of_series = groups.group_of(core.series_last)
    assurance[last_group_of_series] = core.assurance_icon
    return pl.DataFrame(
        [
            *(start_rows.get_column(name) for name in prepared.by),
            start_rows.get_column("rebase_group"),
            start_rows.get_column("date").alias("start_date"),
            end_rows.get_column("date").alias("end_date"),
            pl.Series("n", groups.sizes, dtype=pl.Int64),
            start_rows.get_column("mean"),
            start_rows.get_column("lpl"),
            start_rows.get_column("upl"),
            pl.Series("common_cause", groups.sizes - core.group_flagged, dtype=pl.Int64),
            pl.Series("special_cause_improvement", core.group_improvement, dtype=pl.Int64),
            pl.Series("special_cause_concern", core.group_concern, dtype=pl.Int64),
            end_rows.get_column("point_type").alias("last_point_type"),
            _texts(assurance, ASSURANCE_CODES, "assurance_icon"),
        ]
    )
