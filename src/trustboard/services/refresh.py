"""``spc refresh``: SPC for every metric and org unit, with each metric's own options.

Values are rolled up the organisation tree first (sums of numerators and denominators), so every
level has a chart.  Metrics that share the SPC settings that apply to a whole computation
(rule preset, chart type, improvement direction, baseline) form one *options group*, computed
in one vectorised call of :func:`trustboard.spc.compute` over all their series; targets (by
date), trajectories and rebase dates go in per series.  The results are stored with the
options used for each metric, the definition version and the catalogue version.

Limits are recalculated from every rebase in force: the catalogue's ``rebase:`` entries and
the rebases accepted with ``trustboard spc rebase`` (held in the store), merged; a point that
starts a rebased group carries the reason in ``rebase_reason`` for the chart.  Year-to-date
metrics (``period_type: ytd``) are charted as in-month values: the difference from the
period before within the financial year, the first period of each year (April) as it is, so
no chart runs a cumulative figure across a year end; their targets apply to the cumulative
figure, so they are compared with the plan on the page, never by an assurance icon.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import polars as pl

from trustboard.domain import Frequency, MetricDefinition, PeriodType, TargetType
from trustboard.errors import ErrorCode, NotFoundError
from trustboard.services._store import rollup, store_session
from trustboard.store import utc_now
from trustboard.store.catalogue import RebaseEntry, merge_rebases
from trustboard.store.spc_results import read_rebases

__all__ = [
    "RATIO_CHARTS",
    "RefreshResult",
    "in_month_values",
    "options_group_key",
    "refresh_spc",
    "spc_options_for",
]

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
    #: catalogue rebase entries that disagree with a rebase accepted in the store
    rebase_conflicts: tuple[str, ...] = ()
    #: series whose latest limits predate a sustained shift (see ``spc rebase``)
    rebase_proposals: int = 0


def spc_options_for(
    metric: MetricDefinition, rebases: Sequence[RebaseEntry] | None = None
) -> dict[str, Any]:
    """The SPC options a metric's definition asks for (stored with its results).

    ``rebases`` are the merged rebases in force (catalogue and store); by default the
    catalogue's own.
    """
    rebase: list[dict[str, str | None]]
    if rebases is None:
        rebase = [{"date": r.date.isoformat(), "reason": r.reason} for r in metric.rebase]
    else:
        rebase = [
            {
                "date": r.starts.isoformat(),
                "reason": r.reason,
                "org_unit": r.org_unit,
                "source": r.source,
            }
            for r in rebases
            if r.metric_id == metric.id
        ]
    return {
        "preset": metric.rule_preset.value,
        "chart": metric.chart_type.value,
        "improvement": metric.polarity.improvement,
        "baseline": (
            [metric.baseline_start.isoformat(), metric.baseline_end.isoformat()]
            if metric.baseline_start and metric.baseline_end
            else None
        ),
        "rebase": rebase,
        "targets": [t.model_dump(mode="json") for t in metric.targets],
        "multiplier": metric.multiplier,
        "period_type": metric.period_type.value,
        "charted": "in_month" if metric.period_type is PeriodType.YTD else "as_loaded",
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


#: Months between consecutive periods, for the year-to-date differences.
_STEP_MONTHS = {Frequency.MONTHLY: 1, Frequency.QUARTERLY: 3}


def in_month_values(frame: pl.DataFrame, metrics: Sequence[MetricDefinition]) -> pl.DataFrame:
    """Year-to-date figures of ``metrics`` turned into in-period figures, with the April reset.

    For each series the value (and numerator, denominator) of a period is the year-to-date
    figure less that of the period before in the same financial year (April to March); the
    first period of a year is its own figure.  When the period before is missing the in-period
    figure is unknown (null), not the cumulative one.  Weekly and annual year-to-date metrics
    have no such difference and are left as loaded.
    """
    steps = {
        m.id: _STEP_MONTHS[m.frequency]
        for m in metrics
        if m.period_type is PeriodType.YTD and m.frequency in _STEP_MONTHS
    }
    if not steps or frame.height == 0:
        return frame
    month = pl.col("period_start").dt.year() * 12 + pl.col("period_start").dt.month() - 1
    year = pl.col("period_start").dt.year() - (pl.col("period_start").dt.month() < 4).cast(pl.Int32)
    over = ["metric_id", "org_unit", "_fy"]
    chosen = pl.col("metric_id").is_in(list(steps))
    step = pl.col("metric_id").replace_strict(steps, default=None, return_dtype=pl.Int32)
    work = (
        frame.with_row_index("_row")
        .with_columns(month.alias("_m"), year.alias("_fy"))
        .sort("metric_id", "org_unit", "period_start")
        .with_columns(
            ((pl.col("_m") - pl.col("_m").shift(1).over(over)) == step).alias("_follows"),
            (pl.col("period_start").dt.month() == 4).alias("_april"),
        )
    )
    # for quarterly series the year's first quarter starts in April too
    changed = []
    for column in ("value", "numerator", "denominator"):
        if column not in frame.columns:
            continue
        previous = pl.col(column).shift(1).over(over)
        changed.append(
            pl.when(~chosen)
            .then(pl.col(column))
            .when(pl.col("_april"))
            .then(pl.col(column))
            .when(pl.col("_follows").fill_null(False))
            .then(pl.col(column) - previous)
            .otherwise(None)
            .alias(column)
        )
    return work.with_columns(changed).sort("_row").drop("_row", "_m", "_fy", "_follows", "_april")


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


def _rebase_marks(data: pl.DataFrame, rebases: Sequence[RebaseEntry]) -> pl.DataFrame | None:
    """Per (metric, org unit, date) the reason a new group of limits starts there, or None."""
    if not rebases:
        return None
    table = pl.DataFrame(
        [(r.metric_id, r.org_unit, r.starts, r.reason) for r in rebases],
        schema={
            "metric_id": pl.String,
            "org_unit": pl.String,
            "date": pl.Date,
            "rebase_reason": pl.String,
        },
        orient="row",
    )
    series = data.select("metric_id", "org_unit").unique()
    every = table.filter(pl.col("org_unit").is_null()).drop("org_unit").join(series, on="metric_id")
    own = table.filter(pl.col("org_unit").is_not_null())
    # an org unit's own rebase wins over a metric-wide one on the same date
    marks = pl.concat([own, every.select(own.columns)]).unique(
        ["metric_id", "org_unit", "date"], keep="first", maintain_order=True
    )
    return marks


def _compute_group(
    frame: pl.DataFrame,
    metrics: Sequence[MetricDefinition],
    key: tuple[str, str, str, date | None, date | None],
    rebases: Sequence[RebaseEntry] = (),
) -> tuple[pl.DataFrame, pl.DataFrame]:
    from trustboard.spc import compute

    preset, chart, improvement, base_start, base_end = key
    ratio = chart in RATIO_CHARTS
    ids = [m.id for m in metrics]
    data = frame.filter(pl.col("metric_id").is_in(ids)).rename({"period_start": "date"})
    options: dict[str, Any] = {"preset": preset, "chart": chart, "improvement": improvement}
    if base_start and base_end:
        options["baseline"] = (base_start, base_end)
    marks = _rebase_marks(data, [r for r in rebases if r.metric_id in set(ids)])
    if marks is not None and marks.height:
        data = data.join(marks, on=["metric_id", "org_unit", "date"], how="left").with_columns(
            pl.col("rebase_reason").is_not_null().alias("rebase")
        )
        options["rebase"] = "rebase"
    series = data.select(_BY).unique()
    first = data.get_column("date").min()
    assert isinstance(first, date)
    # a year-to-date target is a cumulative plan: it does not apply to in-month values
    charted = [m for m in metrics if m.period_type is not PeriodType.YTD]
    target = _dated_table(charted, series, trajectory=False, column="target", first=first)
    if target is not None:
        options["target"] = target
    trajectory = _dated_table(charted, series, trajectory=True, column="trajectory", first=first)
    if trajectory is not None:
        options["trajectory"] = trajectory
    reasons = None
    if "rebase_reason" in data.columns:
        reasons = data.select(*_BY, "date", "rebase_reason")
        data = data.drop("rebase_reason")
    if ratio:
        result = compute(
            data, date="date", numerator="numerator", denominator="denominator", by=_BY, **options
        )
    else:
        result = compute(data, date="date", value="value", by=_BY, **options)
    points, summary = result.points, result.summary
    # No assurance icon without its basis: a series with no target in force at its latest
    # point has nothing to assure against (NHSRplotthedots shows "inconsistent" for a series
    # left out of a target mapping; the Board would read that as hit and miss).
    summary = summary.with_columns(
        pl.when(pl.col("target").is_null())
        .then(pl.lit(None, dtype=pl.String))
        .otherwise(pl.col("assurance_icon"))
        .alias("assurance_icon")
    )
    if reasons is not None:
        points = points.join(reasons, on=[*_BY, "date"], how="left")
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
    from trustboard.spc import PRESETS
    from trustboard.spc.review import propose_rebases, shift_keeps_assurance_expr

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
        frame = in_month_values(rolled.frame, metrics)
        with store.engine.connect() as conn:
            accepted = read_rebases(conn, [m.id for m in metrics])
        rebases, conflicts = merge_rebases(metrics, accepted)
        proposals = 0
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
            points, summary = _compute_group(part, members, key, rebases)
            stale = propose_rebases(
                points,
                by=_BY,
                shift_length=int(PRESETS[key[0]]["shift_length"]),
                rare_events=key[1] == "c",
            ).select(*_BY, pl.col("side").alias("_shift"))
            proposals += stale.height
            # limits that predate a sustained shift toward (or across) the target cannot say
            # whether it will be met: no assurance icon until the rebase is accepted (the
            # statement says why); a "fail" or "pass" the shift moved further from the target
            # still holds (spc.md, Limits that follow the process)
            summary = (
                summary.join(stale, on=_BY, how="left")
                .with_columns(
                    pl.when(
                        pl.col("_shift").is_not_null() & ~shift_keeps_assurance_expr(side="_shift")
                    )
                    .then(pl.lit(None, dtype=pl.String))
                    .otherwise(pl.col("assurance_icon"))
                    .alias("assurance_icon")
                )
                .drop("_shift")
            )
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
            options={m.id: spc_options_for(m, rebases) for m in metrics},
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
        rebase_conflicts=tuple(conflicts),
        rebase_proposals=proposals,
    )
