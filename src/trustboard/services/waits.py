"""Waiting times as a use case: compute, turn into catalogue metric values, export.

The metric map (YAML) says which waits output feeds which catalogue metric and org unit::

    metrics:
      - standard: cmh_adult_4w
        output: open_count
        metric: RES06-LIST
        by: {service: {cmh_adult: MH-CMH}}
      - standard: cmh_adult_4w
        output: completed_within_threshold_pct
        metric: RES05
        by: {service: {cmh_adult: MH-CMH}}

The metric values frame has the columns the store's import takes: ``metric_id, period_start,
period_end, org_unit, numerator, denominator, value, provisional``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from trustboard.domain import SuppressionRule
from trustboard.domain.bounded_yaml import parse_bounded_yaml
from trustboard.errors import ConfigError, ErrorCode, OptionsError, Problem
from trustboard.services._store import store_session
from trustboard.store import WriteSummary
from trustboard.waits import (
    BUILTIN_STANDARDS,
    Standard,
    WaitsResult,
    compute_results,
    load_standards_file,
    mhsds_measures,
    reconcile,
    suppress_frame,
)
from trustboard.waits import synth as waits_synth

__all__ = [
    "METRIC_VALUE_COLUMNS",
    "MetricMapEntry",
    "WaitsRun",
    "compute_mhsds",
    "compute_waits",
    "export_waits",
    "generate_synthetic_waits",
    "load_metric_map",
    "metric_map_from_dict",
    "reconcile_mhsds",
    "to_metric_values",
]

#: Columns of the long frame the store imports.
METRIC_VALUE_COLUMNS: tuple[str, ...] = (
    "metric_id",
    "period_start",
    "period_end",
    "org_unit",
    "numerator",
    "denominator",
    "value",
    "provisional",
)


@dataclass(frozen=True)
class MetricMapEntry:
    """One waits output feeding one catalogue metric, with group values mapped to org units."""

    standard: str
    output: str
    metric: str
    by: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    org_unit: str | None = None
    numerator: str | None = None
    denominator: str | None = None


def metric_map_from_dict(
    data: Mapping[str, Any], *, file: str | None = None
) -> list[MetricMapEntry]:
    """Parse and check a metric map (``metrics: [...]``)."""
    entries = data.get("metrics") if isinstance(data, Mapping) else None
    if not isinstance(entries, list):
        raise ConfigError(
            "a metric map holds 'metrics:' followed by a list",
            problems=[Problem(ErrorCode.WAITS_METRIC_MAP, "no 'metrics' list", file=file)],
        )
    out, problems = [], []
    allowed = {"standard", "output", "metric", "by", "org_unit", "numerator", "denominator"}
    for index, item in enumerate(entries, start=1):
        if not isinstance(item, Mapping):
            problems.append(
                Problem(ErrorCode.WAITS_METRIC_MAP, f"entry {index} is not a mapping", file=file)
            )
            continue
        missing = [k for k in ("standard", "output", "metric") if not item.get(k)]
        unknown = sorted(set(item) - allowed)
        by = item.get("by") or {}
        if missing or unknown or not isinstance(by, Mapping) or len(by) > 1:
            problems.append(
                Problem(
                    ErrorCode.WAITS_METRIC_MAP,
                    f"entry {index} needs standard, output and metric, "
                    "at most one 'by' column, and no other keys",
                    file=file,
                    value={"missing": missing, "unknown": unknown},
                )
            )
            continue
        if not by and not item.get("org_unit"):
            problems.append(
                Problem(
                    ErrorCode.WAITS_METRIC_MAP, f"entry {index} needs 'by' or 'org_unit'", file=file
                )
            )
            continue
        out.append(
            MetricMapEntry(
                str(item["standard"]),
                str(item["output"]),
                str(item["metric"]),
                {str(c): {str(k): str(v) for k, v in m.items()} for c, m in by.items()},
                None if item.get("org_unit") is None else str(item["org_unit"]),
                item.get("numerator"),
                item.get("denominator"),
            )
        )
    if problems:
        raise ConfigError(
            f"the metric map is not valid: {len(problems)} problem(s)", problems=problems
        )
    return out


def load_metric_map(path: str | Path) -> list[MetricMapEntry]:
    """Read a metric map YAML file."""
    file = Path(path)
    if not file.is_file():
        raise ConfigError(f"metric map file {file} does not exist")
    try:
        data = parse_bounded_yaml(file.read_text(encoding="utf-8"), str(file))[0] or {}
    except yaml.YAMLError as exc:
        raise ConfigError(
            "the metric map is not valid YAML",
            problems=[Problem(ErrorCode.WAITS_YAML, str(exc), file=str(file))],
        ) from None
    return metric_map_from_dict(data, file=str(file))


def _ratio_parts(output: str, columns: Sequence[str]) -> tuple[str | None, str | None]:
    """Numerator and denominator columns of a ``*_pct`` output."""
    if not output.endswith("_pct"):
        return None, None
    numerator = output[: -len("_pct")]
    prefix, _, token = numerator.partition("_within_")
    denominator = f"{prefix}_count" if token == "threshold" else f"{prefix}_{token}_count"
    if numerator in columns and denominator in columns:
        return numerator, denominator
    return None, None


def to_metric_values(
    results: Mapping[str, WaitsResult],
    metric_map: Sequence[MetricMapEntry],
    *,
    provisional: bool = False,
) -> pl.DataFrame:
    """The long metric-values frame for the store, one row per metric × org unit × month.

    Counts carry the count as numerator and value; ``*_pct`` outputs carry numerator and
    denominator counts and the percentage; waits in days carry the value only.  Months with
    no value (a share with nothing completed, a percentile of an empty list) are left out,
    so that the store records "no data" rather than a zero.
    """
    frames = []
    problems = []
    for entry in metric_map:
        result = results.get(entry.standard)
        if result is None:
            problems.append(
                Problem(
                    ErrorCode.WAITS_METRIC_MAP,
                    f"standard {entry.standard!r} was not computed",
                    value=entry.metric,
                )
            )
            continue
        measures = result.measures
        if entry.output not in measures.columns:
            problems.append(
                Problem(
                    ErrorCode.WAITS_METRIC_MAP,
                    f"{entry.standard} has no output {entry.output!r}",
                    value=entry.metric,
                    expected=", ".join(measures.columns),
                )
            )
            continue
        numerator, denominator = entry.numerator, entry.denominator
        if numerator is None and denominator is None:
            numerator, denominator = _ratio_parts(entry.output, measures.columns)
        if entry.by:
            column, units = next(iter(entry.by.items()))
            if column not in measures.columns:
                problems.append(
                    Problem(
                        ErrorCode.WAITS_METRIC_MAP,
                        f"results are not broken down by {column!r}",
                        value=entry.metric,
                    )
                )
                continue
            frame = measures.filter(pl.col(column).is_in(list(units))).with_columns(
                pl.col(column).replace_strict(dict(units), return_dtype=pl.String).alias("org_unit")
            )
        else:
            per_month = measures.group_by("period_end").len()
            if per_month["len"].max() not in (None, 1):
                problems.append(
                    Problem(
                        ErrorCode.WAITS_METRIC_MAP,
                        f"{entry.metric}: results have several groups a month; map them with 'by'",
                        value=entry.org_unit,
                    )
                )
                continue
            frame = measures.with_columns(pl.lit(entry.org_unit).alias("org_unit"))
        is_count = measures.schema[entry.output].is_integer() and not entry.output.endswith("_days")
        frames.append(
            frame.select(
                pl.lit(entry.metric).alias("metric_id"),
                pl.col("period_end").dt.month_start().alias("period_start"),
                pl.col("period_end"),
                pl.col("org_unit"),
                (
                    pl.col(numerator)
                    if numerator
                    else (pl.col(entry.output) if is_count else pl.lit(None))
                )
                .cast(pl.Float64)
                .alias("numerator"),
                (pl.col(denominator) if denominator else pl.lit(None))
                .cast(pl.Float64)
                .alias("denominator"),
                pl.col(entry.output).cast(pl.Float64).alias("value"),
                pl.lit(provisional).alias("provisional"),
            ).filter(pl.col("value").is_not_null())
        )
    if problems:
        raise ConfigError("the metric map does not fit the results", problems=problems)
    if not frames:
        return pl.DataFrame(
            schema={
                "metric_id": pl.String,
                "period_start": pl.Date,
                "period_end": pl.Date,
                "org_unit": pl.String,
                "numerator": pl.Float64,
                "denominator": pl.Float64,
                "value": pl.Float64,
                "provisional": pl.Boolean,
            }
        )
    return pl.concat(frames).sort("metric_id", "org_unit", "period_end")


@dataclass(frozen=True)
class WaitsRun:
    """What :func:`compute_waits` produced."""

    results: dict[str, WaitsResult]
    metric_values: pl.DataFrame | None = None


def _standards(
    standards: Sequence[str] | None, standard_file: str | Path | None
) -> tuple[list[Standard | str], dict[str, Standard]]:
    extra = load_standards_file(standard_file) if standard_file else {}
    if standards:
        return list(standards), extra
    return [*BUILTIN_STANDARDS, *extra.values()], extra


def compute_waits(
    referrals: Any,
    contacts: Any,
    *,
    start: date | str,
    end: date | str,
    events: Any = None,
    standards: Sequence[str] | None = None,
    standard_file: str | Path | None = None,
    by: Sequence[str] = ("service",),
    engine: str = "duckdb",
    column_mapping: str | Path | None = None,
    metric_map: str | Path | Sequence[MetricMapEntry] | None = None,
    provisional: bool = False,
    engine_options: Mapping[str, Any] | None = None,
) -> WaitsRun:
    """Compute the standards asked for (all built-in and file standards by default).

    With a ``metric_map`` the run also carries the metric-values frame for the store.
    """
    chosen, extra = _standards(standards, standard_file)
    results = compute_results(
        referrals,
        contacts,
        standards=chosen,
        start=start,
        end=end,
        events=events,
        by=by,
        engine=engine,
        mapping=column_mapping,
        extra_standards=extra,
        engine_options=engine_options,
    )
    values = None
    if metric_map is not None:
        entries = (
            load_metric_map(metric_map) if isinstance(metric_map, (str, Path)) else list(metric_map)
        )
        values = to_metric_values(results, entries, provisional=provisional)
    return WaitsRun(results, values)


def load_waits_values(
    run: WaitsRun,
    *,
    database: str | Path | None = None,
    actor: str | None = None,
    source: str = "waiting-times engine",
) -> WriteSummary:
    """Write a run's metric values into the store as one import (all or nothing).

    The values become ordinary metric values of catalogue metrics: re-loading the same run
    changes nothing, and a changed figure becomes a new revision.  Metrics and org units that
    are not in the store's catalogue are refused before anything is written.
    """
    if run.metric_values is None:
        raise OptionsError(
            "this run has no metric values to load",
            hint=(
                "give a metric map (--metric-map) that says which catalogue metric "
                "each output feeds"
            ),
        )
    frame = run.metric_values
    digest = hashlib.sha256(frame.write_csv().encode("utf-8")).hexdigest()
    stamped = frame.with_columns(
        pl.lit(source).alias("source_file"), pl.lit(digest).alias("source_hash")
    )
    with store_session(database, actor=actor) as store:
        return store.write_values(
            stamped, files=[{"name": source, "sha256": digest, "rows": frame.height}]
        )


def export_waits(
    run: WaitsRun,
    directory: str | Path,
    *,
    file_format: str = "csv",
    suppression: SuppressionRule | str = SuppressionRule.NONE,
) -> list[Path]:
    """Write each standard's measures and removals (and metric values) to ``directory``.

    ``suppression`` applies publication rules (domain.md §10.3) to the measures and removals;
    metric values for the store are never suppressed.
    """
    if file_format not in ("csv", "parquet"):
        raise OptionsError(f"unknown export format {file_format!r}", hint="use csv or parquet")
    rule = SuppressionRule(suppression)
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    written = []

    def save(frame: pl.DataFrame, name: str) -> None:
        path = out / f"{name}.{file_format}"
        if file_format == "csv":
            frame.write_csv(path)
        else:
            frame.write_parquet(path)
        written.append(path)

    for standard_id, result in run.results.items():
        measures, removals = result.measures, result.removals
        if rule is not SuppressionRule.NONE:
            measures = suppress_frame(measures, rule=rule)
            removals = suppress_frame(removals, rule=rule, count_columns=["removed_count"])
        save(measures, f"{standard_id}_measures")
        save(removals, f"{standard_id}_removals")
    if run.metric_values is not None:
        save(run.metric_values, "metric_values")
    return written


def generate_synthetic_waits(
    directory: str | Path, *, referrals: int, months: int, seed: int, start: date | None = None
) -> dict[str, Path]:
    """Generate the synthetic trust's referrals, contacts and events as Parquet files."""
    if start is None:
        data = waits_synth.generate(referrals, months, seed)
    else:
        data = waits_synth.generate(referrals, months, seed, start=start)
    return waits_synth.write(directory, data)


def compute_mhsds(
    referrals: Any,
    contacts: Any,
    *,
    start: date | str,
    end: date | str,
    provider: str,
    events: Any = None,
    provider_name: str | None = None,
    column_mapping: str | Path | None = None,
    suppress: str = "none",
    engine: str = "duckdb",
) -> pl.DataFrame:
    """The MHSDS four-week-wait measures in NHS England's published layout."""
    return mhsds_measures(
        referrals,
        contacts,
        events,
        start=start,
        end=end,
        provider=provider,
        provider_name=provider_name,
        mapping=column_mapping,
        suppress=suppress,
        engine=engine,
    )


def reconcile_mhsds(
    computed: pl.DataFrame, published: str | Path | pl.DataFrame, *, provider: str
) -> pl.DataFrame:
    """Computed MHSDS measures beside the published ones, each with a status."""
    return reconcile(computed, published, provider=provider)
