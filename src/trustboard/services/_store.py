"""How the services open the store, and roll values up the organisation tree.

The database is ``--database`` when given, else ``TRUSTBOARD_DATABASE_URL``, else
``trustboard.db`` in the current folder.  The actor recorded in the audit log is ``--actor``,
else ``TRUSTBOARD_ACTOR``, else the operating-system user.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from trustboard.domain import MetricDefinition, OrgUnit
from trustboard.store import Store

__all__ = [
    "DATABASE_ENV",
    "ROLLUP_COLUMNS",
    "InitResult",
    "RollupResult",
    "database_url",
    "init_store",
    "open_store",
    "rollup",
    "store_session",
]

#: Environment variable naming the store when ``--database`` is not given.
DATABASE_ENV = "TRUSTBOARD_DATABASE_URL"


def database_url(url: str | Path | None) -> str | Path | None:
    """The store to use: ``url``, else ``$TRUSTBOARD_DATABASE_URL``, else ``None`` (the default
    file)."""
    if url:
        return url
    return os.environ.get(DATABASE_ENV) or None


def open_store(url: str | Path | None = None, *, actor: str | None = None) -> Store:
    """Open the existing store (see :func:`database_url`); the caller closes it."""
    return Store.open(database_url(url), actor=actor)


@dataclass(frozen=True, slots=True)
class InitResult:
    """What ``trustboard init`` did: the store, and its schema before and after."""

    url: str
    dialect: str
    schema_before: str | None
    schema_after: str | None

    @property
    def created(self) -> bool:
        """Whether the store was empty before."""
        return self.schema_before is None


def init_store(url: str | Path | None = None, *, actor: str | None = None) -> InitResult:
    """Create the store (or upgrade it to the newest schema)."""
    store, before, after = Store.init(database_url(url), actor=actor)
    try:
        return InitResult(store.url, store.dialect, before, after)
    finally:
        store.close()


@contextmanager
def store_session(url: str | Path | None = None, *, actor: str | None = None) -> Iterator[Store]:
    """Open the store for the length of a ``with`` block."""
    store = open_store(url, actor=actor)
    try:
        yield store
    finally:
        store.close()


#: Columns of the frame :func:`rollup` returns.
ROLLUP_COLUMNS: tuple[str, ...] = (
    "metric_id",
    "org_unit",
    "period_start",
    "period_end",
    "numerator",
    "denominator",
    "value",
    "provisional",
    "derived",
    "units",
)


@dataclass(frozen=True, slots=True)
class RollupResult:
    """Values at every level: as loaded, plus those worked out from the level below.

    ``frame`` has :data:`ROLLUP_COLUMNS`; ``derived`` marks worked-out rows and ``units`` counts
    the child units a derived row sums (null for loaded rows).  ``not_rolled_up`` lists the
    metrics left at the levels they were loaded at because they cannot be summed.
    """

    frame: pl.DataFrame
    not_rolled_up: tuple[str, ...]


def _metric_table(
    metrics: Sequence[MetricDefinition] | Mapping[str, MetricDefinition],
) -> pl.DataFrame:
    items = list(metrics.values()) if isinstance(metrics, Mapping) else list(metrics)
    return pl.DataFrame(
        {
            "metric_id": [m.id for m in items],
            "_ratio": [m.has_ratio for m in items],
            "_multiplier": [float(m.multiplier) for m in items],
            "_additive": [m.additive for m in items],
        },
        schema={
            "metric_id": pl.String,
            "_ratio": pl.Boolean,
            "_multiplier": pl.Float64,
            "_additive": pl.Boolean,
        },
    )


def _row_key(
    metric_ids: Sequence[str], unit_codes: Sequence[str], unit_column: str = "org_unit"
) -> pl.Expr:
    """One Int64 per (metric, org unit, period start); null where a part has no code."""
    metric_code = {m: i for i, m in enumerate(dict.fromkeys(metric_ids))}
    unit_code = {u: i for i, u in enumerate(dict.fromkeys(unit_codes))}
    metric = pl.col("metric_id").replace_strict(metric_code, default=None, return_dtype=pl.Int64)
    unit = pl.col(unit_column).replace_strict(unit_code, default=None, return_dtype=pl.Int64)
    # days since 1970 fit in 32 bits for any date Polars holds (offset to be non-negative)
    day = pl.col("period_start").cast(pl.Int32).cast(pl.Int64) + (1 << 31)
    return ((metric * max(1, len(unit_code)) + unit) * (1 << 32) + day).alias("_key")


def rollup(
    values: pl.DataFrame,
    org_units: Sequence[OrgUnit],
    metrics: Sequence[MetricDefinition] | Mapping[str, MetricDefinition],
    *,
    keep_loaded: bool = True,
) -> RollupResult:
    """Roll values up team → service → directorate → trust, one level at a time.

    A parent's numerator and denominator are the sums of its children's, and its value is
    Σnumerator ÷ Σdenominator × the metric's multiplier — percentages and rates are never
    averaged (domain.md §2, §3.8).  Metrics without a denominator are summed.  A metric with
    ``additive = False`` (a median, a mean, a snapshot ratio) is not rolled up and is named in
    ``not_rolled_up``.  A sum is left empty (null) when any child lacks the figure.

    Where a parent already has a loaded value for a period, the loaded one is kept
    (``keep_loaded``) and the worked-out one is dropped; with ``keep_loaded=False`` the
    worked-out value replaces it.
    """
    table = _metric_table(metrics)
    base = values.select(
        pl.col("metric_id").cast(pl.String),
        pl.col("org_unit").cast(pl.String),
        pl.col("period_start").cast(pl.Date),
        pl.col("period_end").cast(pl.Date),
        pl.col("numerator").cast(pl.Float64),
        pl.col("denominator").cast(pl.Float64),
        pl.col("value").cast(pl.Float64),
        pl.col("provisional").cast(pl.Boolean),
    ).with_columns(pl.lit(False).alias("derived"), pl.lit(None, dtype=pl.Int64).alias("units"))
    present = base.get_column("metric_id").unique()
    blocked = table.filter(~pl.col("_additive") & pl.col("metric_id").is_in(present.implode()))
    not_rolled = tuple(sorted(blocked.get_column("metric_id").to_list()))
    parents = pl.DataFrame(
        {
            "org_unit": [u.code for u in org_units],
            "_parent": [u.parent for u in org_units],
            "_depth": [u.level.depth for u in org_units],
        },
        schema={"org_unit": pl.String, "_parent": pl.String, "_depth": pl.Int64},
    )
    summable = table.filter(pl.col("_additive"))
    # (metric, org unit, period) as one integer, so that the checks against the rows already
    # there compare one column instead of three (a derived row always has a summable metric
    # and a parent code; a row whose metric or unit has no code can never equal one)
    codes = (
        summable.get_column("metric_id").to_list(),
        [u.code for u in org_units] + [u.parent for u in org_units if u.parent],
    )
    key = _row_key(*codes)
    parent_key = _row_key(*codes, unit_column="_parent")
    combined = base
    combined_keys = combined.select(key).to_series()
    for depth in sorted({u.level.depth for u in org_units}, reverse=True):
        if depth == 0:
            continue
        children = combined.join(parents.filter(pl.col("_depth") == depth), on="org_unit").join(
            summable, on="metric_id"
        )
        if keep_loaded:
            # a parent value already there is kept, so its children need not be summed
            children = children.filter(
                ~children.select(parent_key)
                .to_series()
                .is_in(combined_keys.implode())
                .fill_null(False)
            )
        if children.height == 0:
            continue
        summed = children.group_by("metric_id", "_parent", "period_start").agg(
            pl.col("period_end").max(),
            pl.when(pl.col("numerator").null_count() == 0)
            .then(pl.col("numerator").sum())
            .alias("numerator"),
            pl.when(pl.col("denominator").null_count() == 0)
            .then(pl.col("denominator").sum())
            .alias("denominator"),
            pl.when(pl.col("value").null_count() == 0).then(pl.col("value").sum()).alias("_sum"),
            pl.col("provisional").any(),
            pl.len().cast(pl.Int64).alias("units"),
            pl.col("_ratio").first(),
            pl.col("_multiplier").first(),
        )
        derived = (
            summed.with_columns(
                pl.when(pl.col("_ratio"))
                .then(
                    pl.when(pl.col("denominator") > 0).then(
                        pl.col("numerator") / pl.col("denominator") * pl.col("_multiplier")
                    )
                )
                .otherwise(pl.col("_sum"))
                .alias("value"),
                pl.lit(True).alias("derived"),
            )
            .rename({"_parent": "org_unit"})
            .filter(pl.col("value").is_not_null())
            .select(
                "metric_id",
                "org_unit",
                "period_start",
                "period_end",
                "numerator",
                "denominator",
                "value",
                "provisional",
                "derived",
                "units",
            )
        )
        derived_keys = derived.select(key).to_series()
        if keep_loaded:
            fresh = ~derived_keys.is_in(combined_keys.implode()).fill_null(False)
            derived, derived_keys = derived.filter(fresh), derived_keys.filter(fresh)
        else:
            kept = ~combined_keys.is_in(derived_keys.implode()).fill_null(False)
            combined, combined_keys = combined.filter(kept), combined_keys.filter(kept)
        combined = pl.concat([combined, derived], how="vertical")
        combined_keys = pl.concat([combined_keys, derived_keys])
    ordered = combined.sort("metric_id", "org_unit", "period_start")
    return RollupResult(ordered.select(ROLLUP_COLUMNS), not_rolled)
