"""The demo trust's metric values: 48 months of team-level history, summed up the hierarchy.

Every series is drawn from a NumPy ``Generator`` seeded from the run's seed and the metric
id (CRC-32), so a metric's history does not depend on the order of the catalogue or on any
other metric, and the same seed always gives the same frame.

Realism built in (domain.md §3.8): seasonality (winter pressures from November to March,
summer leave in July and August), trends, step changes after interventions (with a rebase
point in the definition) and deteriorations that trigger exception reports, the latest month
provisional where the source revises it later, a few deliberately missing months, numerators
and denominators for every ratio, team values that sum to service, directorate and trust
(ratios recomputed from the sums, never averaged).
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from datetime import date

import numpy as np
import polars as pl

from trustboard.demo._spec import PROVISIONAL, DemoMetric, SeriesProfile
from trustboard.demo.organisation import TRUST_CODE, leaf_units
from trustboard.domain import OrgUnit, Period, financial_year_start
from trustboard.domain.period import months_between

__all__ = [
    "HISTORY_MONTHS",
    "LATEST_PERIOD",
    "VALUE_COLUMNS",
    "demo_periods",
    "generate_values",
    "metric_rng",
    "roll_up",
]

#: The demo's latest data month: fixed, so the demo never depends on today's date.
LATEST_PERIOD = Period.month(2025, 3)
#: Months of history (four NHS financial years, April 2021 to March 2025).
HISTORY_MONTHS = 48

#: Columns and types of the values frame (the long layout the store imports).
VALUE_COLUMNS: dict[str, pl.DataType] = {
    "metric_id": pl.String(),
    "period_start": pl.Date(),
    "period_end": pl.Date(),
    "org_unit": pl.String(),
    "numerator": pl.Float64(),
    "denominator": pl.Float64(),
    "value": pl.Float64(),
    "provisional": pl.Boolean(),
}

# Share of a seasonal effect felt in each calendar month.  Winter: NHS winter pressures run
# November to March and peak over Christmas and January; summer: annual leave in July-August.
_WINTER = np.array([1.0, 0.7, 0.3, 0, 0, 0, 0, 0, 0, 0, 0.4, 1.0])
_SUMMER = np.array([0, 0, 0, 0, 0, 0, 0.6, 1.0, 0.2, 0, 0, 0])


def demo_periods(
    latest: Period = LATEST_PERIOD, months: int = HISTORY_MONTHS
) -> tuple[Period, ...]:
    """The monthly periods of the demo history, oldest first, ending at ``latest``."""
    return tuple(latest.shift(-offset) for offset in range(months - 1, -1, -1))


def metric_rng(seed: int, metric_id: str) -> np.random.Generator:
    """The random generator of one metric: depends only on the seed and the metric id."""
    return np.random.default_rng([seed, zlib.crc32(metric_id.encode("utf-8"))])


class _Calendar:
    """Month-by-month arrays shared by every series of one run."""

    def __init__(self, periods: Sequence[Period]) -> None:
        self.periods = tuple(periods)
        self.starts = [p.start for p in self.periods]
        months = np.array([p.start.month for p in self.periods])
        self.winter = _WINTER[months - 1]
        self.summer = _SUMMER[months - 1]
        first = self.starts[0]
        self.years = np.array([months_between(first, s) / 12 for s in self.starts])
        self.fy_index = np.array([financial_year_start(s).year for s in self.starts])

    def steps(self, profile: SeriesProfile, *, relative: bool) -> np.ndarray:
        """Effect of the profile's step changes in each month (additive or multiplicative)."""
        out = np.ones(len(self.starts)) if relative else np.zeros(len(self.starts))
        for step in profile.steps:
            active = np.array([s >= step.start for s in self.starts])
            if relative:
                out = out * np.where(active, 1.0 + step.delta, 1.0)
            else:
                out = out + np.where(active, step.delta, 0.0)
        return out

    def level(self, profile: SeriesProfile) -> np.ndarray:
        """Underlying level of an additive series: base, season, trend and steps."""
        return np.asarray(
            profile.base
            + profile.winter * self.winter
            + profile.summer * self.summer
            + profile.trend * self.years
            + self.steps(profile, relative=False),
            dtype=float,
        )

    def volume(self, profile: SeriesProfile) -> np.ndarray:
        """Expected trust-wide denominator in each month."""
        return np.asarray(
            profile.volume
            * (1.0 + profile.volume_winter * self.winter + profile.volume_summer * self.summer),
            dtype=float,
        )


def _weights(rng: np.random.Generator, count: int) -> np.ndarray:
    """Share of the trust's volume each leaf unit carries (teams differ in size)."""
    if count == 1:
        return np.ones(1)
    raw = rng.gamma(6.0, size=count)
    return np.asarray(raw / raw.sum(), dtype=float)


def _leaf_series(
    metric: DemoMetric, cal: _Calendar, rng: np.random.Generator, leaves: tuple[str, ...]
) -> list[tuple[str, np.ndarray, np.ndarray | None, np.ndarray]]:
    """(leaf, numerator, denominator, value) arrays of one metric's leaf units."""
    profile = metric.profile
    n = len(cal.starts)
    weights = _weights(rng, len(leaves))
    multiplier = metric.definition.multiplier
    out: list[tuple[str, np.ndarray, np.ndarray | None, np.ndarray]] = []
    if profile.kind == "proportion":
        level = cal.level(profile)
        volume = cal.volume(profile)
        # Team differences are a little smaller than the distance to 0 or 1, so that a team
        # near a ceiling (fill rate, FFT) stays a plausible percentage.
        spread = min(0.02, 0.25 * float(min(level.min(), 1.0 - level.max())))
        for leaf, weight in zip(leaves, weights, strict=True):
            p = level + rng.normal(0.0, max(spread, 0.0)) + rng.normal(0.0, profile.noise, n)
            p = np.clip(p, 0.0005, 0.9995)
            den = np.maximum(rng.poisson(volume * weight), 1).astype(float)
            num = rng.binomial(den.astype(np.int64), p).astype(float)
            out.append((leaf, num, den, num / den))
    elif profile.kind == "rate":
        level = np.maximum(cal.level(profile), 0.0)
        volume = cal.volume(profile)
        for leaf, weight in zip(leaves, weights, strict=True):
            team = rng.normal(0.0, 0.12)
            rate = level * np.exp(team + rng.normal(0.0, profile.noise, n))
            den = np.maximum(np.round(volume * weight * np.exp(rng.normal(0.0, 0.03, n))), 1.0)
            num = rng.poisson(rate / multiplier * den).astype(float)
            out.append((leaf, num, den, num / den * multiplier))
    elif profile.kind == "count":
        factor = (
            (1.0 + profile.winter * cal.winter + profile.summer * cal.summer)
            * (1.0 + profile.trend) ** cal.years
            * cal.steps(profile, relative=True)
        )
        for leaf, weight in zip(leaves, weights, strict=True):
            lam = (
                profile.base
                * weight
                * np.maximum(factor, 0.0)
                * np.exp(rng.normal(0.0, profile.noise, n))
            )
            count = rng.poisson(lam).astype(float)
            out.append((leaf, count, None, count))
    elif profile.kind == "level":
        level = cal.level(profile)
        for leaf, weight in zip(leaves, weights, strict=True):
            value = level * weight + rng.normal(0.0, profile.noise * np.sqrt(weight), n)
            if profile.cumulative:
                value = _cumulative_by_year(value, cal.fy_index)
            value = np.round(value, profile.decimals)
            out.append((leaf, value, None, value))
    return out


def _cumulative_by_year(monthly: np.ndarray, fy_index: np.ndarray) -> np.ndarray:
    """Year-to-date totals: the running sum restarts every 1 April."""
    out = np.empty_like(monthly)
    for year in np.unique(fy_index):
        mask = fy_index == year
        out[mask] = np.cumsum(monthly[mask])
    return out


def _leaf_frame(metric: DemoMetric, cal: _Calendar, seed: int) -> pl.DataFrame:
    rng = metric_rng(seed, metric.id)
    leaves = leaf_units(metric.profile.scope)
    rows = _leaf_series(metric, cal, rng, leaves)
    n = len(cal.starts)
    return pl.DataFrame(
        {
            "metric_id": [metric.id] * (n * len(rows)),
            "period_start": cal.starts * len(rows),
            "org_unit": [leaf for leaf, *_ in rows for _ in range(n)],
            "numerator": np.concatenate(
                [num if den is not None else np.full(n, np.nan) for _, num, den, _ in rows]
            ),
            "denominator": np.concatenate(
                [den if den is not None else np.full(n, np.nan) for _, _, den, _ in rows]
            ),
            "value": np.concatenate([value for *_, value in rows]),
        },
        schema_overrides={"period_start": pl.Date},
    ).with_columns(
        # counts and measures have a value only: numerator and denominator belong to ratios
        pl.col("numerator").fill_nan(None),
        pl.col("denominator").fill_nan(None),
    )


def _ancestors(org_units: Sequence[OrgUnit]) -> pl.DataFrame:
    parent = {u.code: u.parent for u in org_units}
    pairs: list[tuple[str, str]] = []
    for code in parent:
        above = parent[code]
        while above is not None:
            pairs.append((code, above))
            above = parent[above]
    return pl.DataFrame(pairs, schema={"org_unit": pl.String, "ancestor": pl.String}, orient="row")


def roll_up(
    leaves: pl.DataFrame, org_units: Sequence[OrgUnit], ratio_multipliers: dict[str, float]
) -> pl.DataFrame:
    """Add a row for every ancestor of the leaf rows: numerators, denominators and counts summed.

    ``ratio_multipliers`` maps each ratio metric to its multiplier; their values are
    recomputed from the summed numerator and denominator (never an average of ratios).  Other
    metrics' values are summed.
    """
    ancestors = _ancestors(org_units)
    parents = (
        leaves.join(ancestors, on="org_unit", how="inner")
        .group_by("metric_id", "period_start", "ancestor")
        .agg(
            pl.when(pl.col("numerator").null_count() == 0)
            .then(pl.col("numerator").sum())
            .alias("numerator"),
            pl.when(pl.col("denominator").null_count() == 0)
            .then(pl.col("denominator").sum())
            .alias("denominator"),
            pl.col("value").sum(),
        )
        .rename({"ancestor": "org_unit"})
    )
    multipliers = pl.DataFrame(
        {"metric_id": list(ratio_multipliers), "_mult": list(ratio_multipliers.values())},
        schema={"metric_id": pl.String, "_mult": pl.Float64},
    )
    parents = (
        parents.join(multipliers, on="metric_id", how="left")
        .with_columns(
            value=pl.when(pl.col("_mult").is_not_null())
            .then(pl.col("numerator") / pl.col("denominator") * pl.col("_mult"))
            .otherwise(pl.col("value")),
        )
        .drop("_mult")
    )
    return pl.concat([leaves, parents.select(leaves.columns)], how="vertical")


def _derived_frame(metric: DemoMetric, trust_rows: pl.DataFrame) -> pl.DataFrame:
    source = trust_rows.filter(pl.col("metric_id") == metric.profile.source_metric)
    # a ratio's money or count sits in its numerator (agency £000 of the pay bill)
    basis = pl.coalesce(pl.col("numerator"), pl.col("value"))
    return source.select(
        pl.lit(metric.id).alias("metric_id"),
        "period_start",
        "org_unit",
        pl.lit(None, dtype=pl.Float64).alias("numerator"),
        pl.lit(None, dtype=pl.Float64).alias("denominator"),
        (basis * metric.profile.factor).round(1).alias("value"),
    )


def generate_values(
    metrics: Sequence[DemoMetric],
    org_units: Sequence[OrgUnit],
    seed: int,
    *,
    latest: Period = LATEST_PERIOD,
    months: int = HISTORY_MONTHS,
) -> pl.DataFrame:
    """The long values frame of every generated metric (not the waiting-time ones).

    Columns are :data:`VALUE_COLUMNS`.  Rows come for every leaf unit of a metric's scope and
    every unit above it, for each of ``months`` months ending at ``latest`` except the
    metric's deliberately missing months; the latest month is provisional for the metrics of
    :data:`~trustboard.demo._spec.PROVISIONAL` only.  Ratios carry
    their numerator and denominator; counts and measures a value only.
    """
    cal = _Calendar(demo_periods(latest, months))
    generated = [m for m in metrics if m.profile.kind in ("proportion", "rate", "count", "level")]
    leaves = pl.concat([_leaf_frame(m, cal, seed) for m in generated], how="vertical")
    ratios = {
        m.id: m.definition.multiplier
        for m in generated
        if m.definition.has_ratio or m.profile.kind in ("proportion", "rate")
    }
    frame = roll_up(leaves, org_units, ratios)
    derived = [m for m in metrics if m.profile.kind == "derived"]
    if derived:
        trust_rows = frame.filter(pl.col("org_unit") == TRUST_CODE)
        frame = pl.concat(
            [frame, *(_derived_frame(m, trust_rows) for m in derived)], how="vertical"
        )
    missing = [(m.id, day) for m in metrics for day in m.profile.missing]
    if missing:
        gaps = pl.DataFrame(
            missing, schema={"metric_id": pl.String, "period_start": pl.Date}, orient="row"
        )
        frame = frame.join(gaps, on=["metric_id", "period_start"], how="anti")
    return _finish(frame, metrics, latest)


def _finish(frame: pl.DataFrame, metrics: Sequence[DemoMetric], latest: Period) -> pl.DataFrame:
    order = {m.id: index for index, m in enumerate(metrics)}
    latest_start: date = latest.start
    return (
        frame.with_columns(
            period_end=pl.col("period_start").dt.month_end(),
            provisional=(pl.col("period_start") == latest_start)
            & pl.col("metric_id").is_in(list(PROVISIONAL)),
            _order=pl.col("metric_id").replace_strict(order, return_dtype=pl.Int64),
        )
        .sort("_order", "org_unit", "period_start")
        .select(list(VALUE_COLUMNS))
        .cast(VALUE_COLUMNS)  # type: ignore[arg-type]
    )
