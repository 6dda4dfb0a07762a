"""Run the SPC engine over a table on disk and write points, summary and charts.

The use case behind ``trustboard spc INPUT -o OUTPUT``: read any CSV / Parquet / Excel
table, compute every series in one vectorised call, write the per-point results, the
per-series summary and (optionally) one SVG chart per series.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from trustboard.errors import DataValidationError, ErrorCode, Problem
from trustboard.ingest.files import refuse_input_as_output, write_atomic
from trustboard.ingest.generic_table import read_table, write_table
from trustboard.render.svg import spc_chart_svg
from trustboard.spc import SpcResult, compute

__all__ = ["SpcFileRun", "chart_file_name", "run_spc_file", "series_title", "write_charts"]


@dataclass(frozen=True)
class SpcFileRun:
    """What one run produced: the result and the files written."""

    result: SpcResult
    output: Path | None
    summary: Path | None
    charts: tuple[Path, ...] = field(default=())


def _target_table(
    frame: pl.DataFrame, column: str, date_column: str, by: Sequence[str]
) -> pl.DataFrame:
    """Turn a per-row target column into the engine's dated target table."""
    if column not in frame.columns:
        raise DataValidationError(
            "the target column is not in the data",
            [
                Problem(
                    ErrorCode.SPC_COLUMN_MISSING,
                    f"target column '{column}' not found",
                    column=column,
                    expected="one of " + ", ".join(frame.columns),
                )
            ],
        )
    table = frame.select(
        [*by, pl.col(date_column).alias("date"), pl.col(column).cast(pl.Float64).alias("target")]
    )
    return table.drop_nulls("target").unique(maintain_order=True)


def series_title(key: dict[str, Any], value_label: str) -> str:
    """A chart title for one series: ``<value> — org_code RJZ, type 1``."""
    if not key:
        return value_label
    return value_label + " — " + ", ".join(f"{name} {val}" for name, val in key.items())


def chart_file_name(key: dict[str, Any]) -> str:
    """A file name for one series' chart, safe on every file system."""
    if not key:
        return "chart.svg"
    text = "_".join(str(v) for v in key.values())
    cleaned = "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in text)
    return f"{cleaned}.svg"


def write_charts(
    result: SpcResult,
    directory: Path,
    *,
    value_label: str,
    unit: str = "count",
    progress: Callable[[int, int], None] | None = None,
) -> tuple[Path, ...]:
    """Write one SVG chart per series of ``result`` into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    by = list(result.by)
    improvement = result.options.improvement
    written: list[Path] = []
    summary = result.summary
    parts = (
        result.points.partition_by(by, maintain_order=True, as_dict=False)
        if by
        else [result.points]
    )
    total = len(parts)
    for index, (points, row) in enumerate(zip(parts, summary.iter_rows(named=True), strict=True)):
        key = {name: row[name] for name in by}
        title = series_title(key, value_label)
        svg = spc_chart_svg(
            points,
            chart_id=f"chart-{index}",
            title=title,
            unit=unit,
            improvement_direction=improvement,
            variation_icon=row.get("variation_icon"),
            assurance_icon=row.get("assurance_icon"),
        )
        path = directory / chart_file_name(key)
        write_atomic(path, svg)
        written.append(path)
        if progress is not None:
            progress(index + 1, total)
    return tuple(written)


def run_spc_file(
    input_path: str | Path,
    *,
    date_column: str,
    value: str | None = None,
    numerator: str | None = None,
    denominator: str | None = None,
    by: Sequence[str] = (),
    sheet: str | None = None,
    output: str | Path | None = None,
    summary: str | Path | None = None,
    charts: str | Path | None = None,
    target_column: str | None = None,
    rebase_dates: Sequence[date] = (),
    rebase_column: str | None = None,
    unit: str = "count",
    progress: Callable[[int, int], None] | None = None,
    **options: Any,
) -> SpcFileRun:
    """Compute SPC for every series in ``input_path`` and write what was asked for.

    ``options`` are the engine's option overrides (``preset``, ``chart``, ``improvement``,
    ``target``, ``fix_after_n_points`` ...).  ``target_column`` and ``rebase_column`` take
    targets and rebase flags from the data itself.
    """
    for given in (output, summary):
        if given is not None:
            refuse_input_as_output(given, [input_path])
    frame = read_table(input_path, sheet=sheet)
    if target_column is not None:
        options["target"] = _target_table(frame, target_column, date_column, by)
    if rebase_column is not None:
        options["rebase"] = rebase_column
    elif rebase_dates:
        options["rebase"] = list(rebase_dates)
    result = compute(
        frame,
        date=date_column,
        value=value,
        numerator=numerator,
        denominator=denominator,
        by=list(by) or None,
        **options,
    )
    out_path = write_table(result.points, output) if output is not None else None
    summary_path = write_table(result.summary, summary) if summary is not None else None
    chart_paths: tuple[Path, ...] = ()
    if charts is not None:
        label = value or (f"{numerator} / {denominator}" if numerator and denominator else "value")
        chart_paths = write_charts(
            result, Path(charts), value_label=label, unit=unit, progress=progress
        )
    return SpcFileRun(result=result, output=out_path, summary=summary_path, charts=chart_paths)
