"""Export one period's values (every level, rolled up) with their SPC results.

One row per metric and org unit: the figures (loaded or worked out from the level below), the
target in force, and the SPC limits, flags and icons of the latest ``spc refresh`` at that
period.  CSV, Parquet or Excel, chosen by the output file's extension.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from trustboard.domain import Period
from trustboard.errors import ErrorCode, NotFoundError, OptionsError
from trustboard.services._store import rollup, store_session

__all__ = ["EXPORT_FORMATS", "ExportResult", "export_period", "period_frame"]

#: Output formats by file extension.
EXPORT_FORMATS: dict[str, str] = {".csv": "CSV", ".parquet": "Parquet", ".xlsx": "Excel"}

_POINT_COLUMNS = (
    "mean",
    "lpl",
    "upl",
    "special_cause_flag",
    "point_type",
    "outside_limits",
    "relative_to_mean",
)


@dataclass(frozen=True, slots=True)
class ExportResult:
    """Where the export went and what it held."""

    path: Path
    rows: int
    period: str
    spc_run: int | None


def period_frame(
    period: Period | str, *, database: str | Path | None = None
) -> tuple[pl.DataFrame, int | None]:
    """The export table for ``period`` and the SPC run it used (``None`` before any refresh)."""
    wanted = period if isinstance(period, Period) else Period.parse(period)
    with store_session(database) as store:
        metrics = {m.id: m for m in store.metrics()}
        units = store.org_units()
        # every org unit's history up to the period is not needed: one period is enough to roll up
        values = store.values(start=wanted.start, end=wanted.start)
        stored = store.spc_results(with_points=True)
        catalogue = store.catalogue_version()
        versions = {v.metric_id: v.version for v in store.metric_versions()}
    if values.height == 0:
        raise NotFoundError(
            f"no values are stored for {wanted.label()}",
            code=ErrorCode.EXPORT_EMPTY,
            hint="check the period, or import values for it first",
        )
    rolled = rollup(values, units, metrics).frame
    level = {u.code: u.level.value for u in units}
    depth = {u.code: u.level.depth for u in units}
    frame = rolled.with_columns(
        pl.col("metric_id")
        .replace_strict({k: m.name for k, m in metrics.items()}, default=None)
        .alias("metric_name"),
        pl.col("metric_id")
        .replace_strict({k: m.unit.value for k, m in metrics.items()}, default=None)
        .alias("unit"),
        pl.col("org_unit").replace_strict(level, default=None).alias("org_level"),
        pl.lit(wanted.label()).alias("period"),
        pl.col("metric_id")
        .replace_strict(versions, default=None, return_dtype=pl.Int64)
        .alias("metric_version"),
        pl.lit(catalogue.seq if catalogue else None, dtype=pl.Int64).alias("catalogue_version"),
    )
    targets = {
        k: (t.value if (t := m.target_on(wanted.start)) else None) for k, m in metrics.items()
    }
    frame = frame.with_columns(
        pl.col("metric_id")
        .replace_strict(targets, default=None, return_dtype=pl.Float64)
        .alias("target")
    )
    run_id = None
    if stored is not None and stored.points.height:
        run_id = stored.run.id
        points = stored.points
        present = [c for c in _POINT_COLUMNS if c in points.columns]
        at = points.filter(pl.col("date").cast(pl.Date) == wanted.start).select(
            "metric_id", "org_unit", *present
        )
        frame = frame.join(at, on=["metric_id", "org_unit"], how="left")
        icons = stored.summary.filter(pl.col("date") == wanted.start).select(
            "metric_id", "org_unit", "variation_icon", "assurance_icon"
        )
        frame = frame.join(icons, on=["metric_id", "org_unit"], how="left")
    order = [
        "metric_id",
        "metric_name",
        "unit",
        "org_unit",
        "org_level",
        "period",
        "period_start",
        "period_end",
        "numerator",
        "denominator",
        "value",
        "provisional",
        "derived",
        "units",
        "target",
        "metric_version",
        "catalogue_version",
    ]
    rest = [c for c in frame.columns if c not in order]
    ordered = frame.with_columns(
        pl.col("org_unit").replace_strict(depth, default=9, return_dtype=pl.Int64).alias("_depth")
    ).sort("metric_id", "_depth", "org_unit")
    return ordered.select(*order, *rest), run_id


def export_period(
    period: Period | str, output: str | Path, *, database: str | Path | None = None
) -> ExportResult:
    """Write the export table for ``period`` to ``output`` (.csv, .parquet or .xlsx)."""
    from trustboard.ingest.generic_table import write_table

    target = Path(output)
    if target.suffix.lower() not in EXPORT_FORMATS:
        raise OptionsError(
            f"cannot export to '{target.name}'",
            code=ErrorCode.EXPORT_FORMAT,
            hint="end the file name in .csv, .parquet or .xlsx",
        )
    frame, run_id = period_frame(period, database=database)
    wanted = period if isinstance(period, Period) else Period.parse(period)
    write_table(frame, target)
    return ExportResult(target, frame.height, wanted.label(), run_id)
