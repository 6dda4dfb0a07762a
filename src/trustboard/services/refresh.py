"""``spc refresh``: SPC for every metric and org unit, with each metric's own options.

Values are rolled up the organisation tree first (sums of numerators and denominators), so every
level has a chart.  Metrics that share the SPC settings that apply to a whole computation
(rule preset, chart type, improvement direction, baseline) form one *options group*, computed
in one vectorised call of :func:`trustboard.spc.compute` over all their series; targets (by
date), trajectories and rebase dates go in per series.  The results are stored with the
options used for each metric, the definition version and the catalogue version.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import polars as pl

from trustboard.domain import MetricDefinition, Period, TargetType
from trustboard.errors import ErrorCode, NotFoundError
from trustboard.services._store import rollup, store_session
from trustboard.store import utc_now

__all__ = ["RATIO_CHARTS", "RefreshResult", "options_group_key", "refresh_spc", "spc_options_for"]

#: Chart types computed from numerator and denominator (spc.md Part B).
RATIO_CHARTS = frozenset({"p", "u", "pp", "up"})
_BY = ["metric_id", "org_unit"]
#: the columns SPC needs (period end and the provisional flag do not enter a chart)
_FIGURES = ("metric_id", "org_unit", "period_start", "numerator", "denominator", "value")


@dataclass(frozen=True, slots=True)
class RefreshResult:
    """What a refresh computed and stored."""

    run_id: int
    series: int
    points: int
    groups: int
    seconds: float
    #: metrics left at the level they were loaded at (values that cannot be summed)
    not_rolled_up: tuple[str, ...]
    #: metrics with no values to chart
    no_values: tuple[str, ...]
    #: rows dropped because a ratio chart needs a numerator and denominator they lack
    rows_without_counts: int


def spc_options_for(metric: MetricDefinition) -> dict[str, Any]:
    """The SPC options a metric's definition asks for (stored with its results)."""
    return {
        "preset": metric.rule_preset.value,
        "chart": metric.chart_type.value,
        "improvement": metric.polarity.improvement,
        "baseline": (
            [metric.baseline_start.isoformat(), metric.baseline_end.isoformat()]
            if metric.baseline_start and metric.baseline_end
            else None
        ),
        "rebase": [{"date": r.date.isoformat(), "reason": r.reason} for r in metric.rebase],
        "targets": [t.model_dump(mode="json") for t in metric.targets],
        "multiplier": metric.multiplier,
    }


def options_group_key(metric: MetricDefinition) -> tuple[str, str, str, date | None, date | None]:
    """The settings that must be shared by all series of one ``compute`` call."""
    baseline = (
        (metric.baseline_start, metric.baseline_end)
        if (metric.baseline_start and metric.baseline_end)
        else (None, None)
    )
    return (
        metric.rule_preset.value,
        metric.chart_type.value,
        metric.polarity.improvement,
        *baseline,
    )


def _change_days(metric: MetricDefinition, trajectory: bool, first: date) -> list[date]:
    days = {first}
    for target in metric.targets:
        if (target.type is TargetType.TRAJECTORY) != trajectory:
            continue
        if target.valid_from:
            days.add(target.valid_from)
        if target.valid_to:
            days.add(target.valid_to + timedelta(days=1))
    return sorted(days)


def _first_period_from(day: date, metric: MetricDefinition) -> date:
    # A recalculation dated inside a period takes effect from the next whole period.
    period = Period.containing(day, metric.frequency)
    return period.start if period.start == day else period.next().start


def _dated_table(
    metrics: Sequence[MetricDefinition],
    series: pl.DataFrame,
    *,
    trajectory: bool,
    column: str,
    first: date,
) -> pl.DataFrame | None:
    """The per-series table of target (or trajectory) values from each date a value changes."""
    rows: list[tuple[str, date, float | None]] = []
    for metric in metrics:
        wanted = [t for t in metric.targets if (t.type is TargetType.TRAJECTORY) == trajectory]
        if not wanted:
            continue
        # a ratio chart is computed on num/den; the target is in the metric's unit (× multiplier)
        scale = metric.multiplier if metric.chart_type.value in RATIO_CHARTS else 1.0
        for day in _change_days(metric, trajectory, first):
            if trajectory:
                found = [t for t in metric.trajectory() if t.in_force(day)]
                target = found[-1] if found else None
            else:
                target = metric.target_on(day)
            rows.append((metric.id, day, None if target is None else target.value / scale))
    if not rows:
        return None
    table = pl.DataFrame(
        rows, schema={"metric_id": pl.String, "date": pl.Date, column: pl.Float64}, orient="row"
    )
    return series.join(table, on="metric_id", how="inner").select(
        "metric_id", "org_unit", "date", column
    )


def _compute_group(
    frame: pl.DataFrame,
    metrics: Sequence[MetricDefinition],
    key: tuple[str, str, str, date | None, date | None],
) -> tuple[pl.DataFrame, pl.DataFrame]:
    from trustboard.spc import compute

    preset, chart, improvement, base_start, base_end = key
    ratio = chart in RATIO_CHARTS
    ids = [m.id for m in metrics]
    data = frame.filter(pl.col("metric_id").is_in(ids)).rename({"period_start": "date"})
    rebase_days = [(m.id, _first_period_from(r.date, m)) for m in metrics for r in m.rebase]
    options: dict[str, Any] = {"preset": preset, "chart": chart, "improvement": improvement}
    if base_start and base_end:
        options["baseline"] = (base_start, base_end)
    if rebase_days:
        marks = pl.DataFrame(
            rebase_days, schema={"metric_id": pl.String, "date": pl.Date}, orient="row"
        ).with_columns(pl.lit(True).alias("rebase"))
        data = data.join(marks.unique(), on=["metric_id", "date"], how="left").with_columns(
            pl.col("rebase").fill_null(False)
        )
        options["rebase"] = "rebase"
    series = data.select(_BY).unique()
    first = data.get_column("date").min()
    assert isinstance(first, date)
    target = _dated_table(metrics, series, trajectory=False, column="target", first=first)
    if target is not None:
        options["target"] = target
    trajectory = _dated_table(metrics, series, trajectory=True, column="trajectory", first=first)
    if trajectory is not None:
        options["trajectory"] = trajectory
    if ratio:
        result = compute(
            data, date="date", numerator="numerator", denominator="denominator", by=_BY, **options
        )
    else:
        result = compute(data, date="date", value="value", by=_BY, **options)
    points, summary = result.points, result.summary
    if ratio:
        multipliers = {m.id: float(m.multiplier) for m in metrics}
        scale = pl.col("metric_id").replace_strict(multipliers, return_dtype=pl.Float64)
        scaled = [c for c in ("value", "mean", "lpl", "upl", "target", "trajectory")]
        points = points.with_columns(*(pl.col(c) * scale for c in scaled if c in points.columns))
        summary = summary.with_columns(*(pl.col(c) * scale for c in scaled if c in summary.columns))
    return points, summary


def refresh_spc(
    *,
    database: str | Path | None = None,
    actor: str | None = None,
    metric_ids: Sequence[str] | None = None,
) -> RefreshResult:
    """Compute SPC for every series of every metric (or of ``metric_ids``) and store it."""
    started = time.perf_counter()
    with store_session(database, actor=actor) as store:
        metrics = store.metrics()
        if metric_ids is not None:
            unknown = sorted(set(metric_ids) - {m.id for m in metrics})
            if unknown:
                raise NotFoundError(
                    f"not in the catalogue: {', '.join(unknown)}", code=ErrorCode.METRIC_UNKNOWN
                )
            metrics = [m for m in metrics if m.id in set(metric_ids)]
        as_of = utc_now()
        # the current revisions (read through the index of current values), figures only
        values = store.values(metric_ids=[m.id for m in metrics], columns=_FIGURES).with_columns(
            pl.lit(None, dtype=pl.Date).alias("period_end"), pl.lit(False).alias("provisional")
        )
        units = store.org_units()
        catalogue = store.catalogue_version()
        versions = {v.metric_id: v.version for v in store.metric_versions()}
        rolled = rollup(values, units, metrics)
        frame = rolled.frame
        present = set(frame.get_column("metric_id").unique().to_list())
        groups: dict[tuple[str, str, str, date | None, date | None], list[MetricDefinition]] = {}
        for metric in metrics:
            if metric.id in present:
                groups.setdefault(options_group_key(metric), []).append(metric)
        points_parts: list[pl.DataFrame] = []
        summary_parts: list[pl.DataFrame] = []
        dropped = 0
        group_records = []
        for key, members in sorted(groups.items(), key=lambda kv: str(kv[0])):
            part = frame
            if key[1] in RATIO_CHARTS:
                ids = [m.id for m in members]
                lacks = pl.col("metric_id").is_in(ids) & (
                    pl.col("numerator").is_null()
                    | pl.col("denominator").is_null()
                    | (pl.col("denominator") <= 0)
                )
                dropped += int(frame.select(lacks.sum()).item())
                # the rolled-up frame has one row per key, so dropping the rows that lack
                # counts is a filter (a row with an empty key part never matched one)
                keyed = (
                    pl.col("metric_id").is_not_null()
                    & pl.col("org_unit").is_not_null()
                    & pl.col("period_start").is_not_null()
                )
                part = frame.filter(~(lacks & keyed).fill_null(False))
            if part.filter(pl.col("metric_id").is_in([m.id for m in members])).height == 0:
                continue
            points, summary = _compute_group(part, members, key)
            points_parts.append(points)
            summary_parts.append(summary)
            group_records.append(
                {
                    "preset": key[0],
                    "chart": key[1],
                    "improvement": key[2],
                    "baseline": None if key[3] is None else [key[3], key[4]],
                    "metrics": [m.id for m in members],
                    "series": summary.height,
                }
            )
        points = (
            pl.concat(points_parts, how="diagonal_relaxed")
            if points_parts
            else pl.DataFrame(schema={"metric_id": pl.String, "org_unit": pl.String})
        )
        summary = (
            pl.concat(summary_parts, how="diagonal_relaxed")
            if summary_parts
            else pl.DataFrame(
                schema={
                    "metric_id": pl.String,
                    "org_unit": pl.String,
                    "date": pl.Date,
                    "value": pl.Float64,
                    "n": pl.Int64,
                    "mean": pl.Float64,
                    "lpl": pl.Float64,
                    "upl": pl.Float64,
                    "variation_icon": pl.String,
                    "assurance_icon": pl.String,
                }
            )
        )
        run_id = store.save_spc_run(
            points=points,
            summary=summary,
            options={m.id: spc_options_for(m) for m in metrics},
            metric_versions={m.id: versions.get(m.id, 0) for m in metrics},
            option_groups=group_records,
            values_as_of=as_of,
            catalogue_seq=catalogue.seq if catalogue else None,
        )
    return RefreshResult(
        run_id=run_id,
        series=summary.height,
        points=points.height,
        groups=len(group_records),
        seconds=time.perf_counter() - started,
        not_rolled_up=rolled.not_rolled_up,
        no_values=tuple(sorted(m.id for m in metrics if m.id not in present)),
        rows_without_counts=dropped,
    )
