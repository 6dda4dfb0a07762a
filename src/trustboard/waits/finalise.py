"""Turn an engine's histograms into the published measures (shared by every engine).

The histograms count referrals per group, priority and start day (open list) or per month and
wait (completed), so each month end's distribution of waits is known exactly; percentiles are
computed from cumulative counts by the standard's method (nearest rank or linear
interpolation, :func:`trustboard.waits.spec.percentile`), with no approximation at any scale.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import polars as pl

from trustboard.waits.engines.base import Histograms, MonthCalendar
from trustboard.waits.spec import (
    LONG_WAIT_WEEKS,
    PercentileMethod,
    Standard,
    Threshold,
    band_column,
    percentile_column,
    threshold_column,
)

__all__ = ["WaitsResult", "finalise", "measure_columns"]


@dataclass(frozen=True)
class WaitsResult:
    """One standard's results: ``measures`` (one row per month end × group) and
    ``removals`` (removals without a clock stop per month end × group × closure reason)."""

    standard: Standard
    by: tuple[str, ...]
    period_ends: tuple[date, ...]
    measures: pl.DataFrame
    removals: pl.DataFrame


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _applies(threshold: Threshold) -> str:
    if not threshold.priorities:
        return "true"
    return "_priority IN (" + ", ".join(_lit(p) for p in threshold.priorities) + ")"


def _headline(standard: Standard, wait: str) -> str:
    """SQL: whether a pathway met its headline threshold (first threshold that applies)."""
    branches = " ".join(f"WHEN {_applies(t)} THEN {wait} <= {t.days}" for t in standard.thresholds)
    return f"(CASE {branches} ELSE false END)"


def _rank(percentile: float, total: str) -> str:
    # ceil(p / 100 * n) in integers, the same arithmetic as spec.nearest_rank_index
    scaled = round(percentile * 1_000_000)
    return f"greatest(1, ({scaled} * {total} + 99999999) // 100000000)"


def _percentile_sql(
    table: str, prefix: str, percentiles: tuple[float, ...], method: PercentileMethod
) -> str:
    """SQL of :func:`trustboard.waits.spec.percentile` over counted waits ``(wait, n)``.

    ``cum`` is the number of waits up to and including ``wait``, so the 0-based order
    statistic ``k`` is the smallest wait with ``cum > k``.
    """
    if method is PercentileMethod.NEAREST_RANK:
        picks = ", ".join(
            f"min(wait) FILTER (WHERE cum >= {_rank(p, 'tot')}) AS {percentile_column(p, prefix)}"
            for p in percentiles
        )
        outer = ", ".join(percentile_column(p, prefix) for p in percentiles)
    else:
        parts = []
        outer_parts = []
        for i, p in enumerate(percentiles):
            # spec.linear_position: p / 100 * (n - 1) in integers (p scaled by 10^6)
            pos = f"({round(p * 1_000_000)} * (tot - 1))"
            parts += [
                f"min(wait) FILTER (WHERE cum > {pos} // 100000000) AS lo{i}",
                f"min(wait) FILTER (WHERE cum > least({pos} // 100000000 + 1, tot - 1)) AS hi{i}",
                f"any_value({pos} % 100000000) AS f{i}",
            ]
            outer_parts.append(
                f"lo{i} + (hi{i} - lo{i}) * f{i} / 100000000.0 AS {percentile_column(p, prefix)}"
            )
        picks = ", ".join(parts)
        outer = ", ".join(outer_parts)
    return f"""
        SELECT _g, m, {outer} FROM (
        SELECT _g, m, {picks} FROM (
            SELECT _g, m, wait,
                   sum(n) OVER (PARTITION BY _g, m ORDER BY wait
                                ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS cum,
                   sum(n) OVER (PARTITION BY _g, m) AS tot
            FROM (SELECT _g, m, wait, sum(n) AS n FROM {table} GROUP BY _g, m, wait)
        ) GROUP BY _g, m)
    """


def measure_columns(standard: Standard) -> list[str]:
    """The measure columns (after ``period_end`` and the ``by`` columns), in output order."""
    cols = ["received_count", "open_count"]
    cols += [percentile_column(p, "open") for p in standard.percentiles]
    cols += [f"open_over_{w}w" for w in LONG_WAIT_WEEKS]
    cols += [band_column(b) for b in standard.bands]
    cols += ["open_within_threshold", "open_within_threshold_pct"]
    for t in standard.thresholds:
        tok = threshold_column(t)
        cols += [f"open_{tok}_count", f"open_within_{tok}", f"open_within_{tok}_pct"]
    cols += ["completed_count", "completed_within_threshold", "completed_within_threshold_pct"]
    cols += [percentile_column(p, "completed") for p in standard.percentiles]
    for t in standard.thresholds:
        tok = threshold_column(t)
        cols += [f"completed_{tok}_count", f"completed_within_{tok}", f"completed_within_{tok}_pct"]
    cols += ["clock_stop_count", "removed_count"]
    return cols


def _pct(num: str, den: str) -> str:
    return f"CASE WHEN {den} > 0 THEN 100.0 * {num} / {den} END"


def finalise(histograms: Histograms, calendar: MonthCalendar) -> WaitsResult:
    """Compute the measures of one standard from its histograms."""
    standard, by = histograms.standard, histograms.by
    con = duckdb.connect()
    try:
        con.execute("SET enable_progress_bar = false")
        con.register("h_open", histograms.open)
        con.register("h_completed", histograms.completed)
        con.register("h_flows", histograms.flows)
        con.register("h_groups", histograms.groups)
        ends = ", ".join(
            f"({m}, DATE '{d.isoformat()}', {day})"
            for m, (d, day) in enumerate(
                zip(calendar.period_ends, calendar.day_numbers(), strict=True)
            )
        )
        con.execute(
            f"CREATE TEMP TABLE cal AS SELECT * FROM (VALUES {ends}) v(m, period_end, s_day)"
        )
        by_cols = ", ".join(by)
        con.execute(
            "CREATE TEMP TABLE grp AS SELECT row_number() OVER (ORDER BY "
            f"{', '.join(f'{c} NULLS LAST' for c in by)}) AS _g, "
            f"{by_cols} FROM (SELECT DISTINCT {by_cols} FROM h_groups)"
        )
        match = " AND ".join(f"x.{c} IS NOT DISTINCT FROM grp.{c}" for c in by)
        con.execute(
            f"""
            CREATE TEMP TABLE ow AS
            SELECT grp._g, x._priority, t.m, cal.s_day - x.start_day AS wait, sum(x.n) AS n
            FROM h_open x JOIN grp ON {match},
                 unnest(range(x.first_m, x.close_m)) AS t(m)
            JOIN cal ON cal.m = t.m
            GROUP BY ALL
            """
        )
        con.execute(
            f"""
            CREATE TEMP TABLE cw AS
            SELECT grp._g, x._priority, x.m, x.wait_days AS wait, sum(x.n) AS n
            FROM h_completed x JOIN grp ON {match} GROUP BY ALL
            """
        )
        open_aggs = ["sum(n) AS open_count"]
        open_aggs += [
            f"sum(n) FILTER (WHERE wait > {7 * w}) AS open_over_{w}w" for w in LONG_WAIT_WEEKS
        ]
        for band in standard.bands:
            upper = "" if band.max_days is None else f" AND wait <= {band.max_days}"
            open_aggs.append(
                f"sum(n) FILTER (WHERE wait >= {band.min_days}{upper}) AS {band_column(band)}"
            )
        open_aggs.append(
            f"sum(n) FILTER (WHERE {_headline(standard, 'wait')}) AS open_within_threshold"
        )
        done_aggs = [
            "sum(n) AS completed_count",
            f"sum(n) FILTER (WHERE {_headline(standard, 'wait')}) AS completed_within_threshold",
        ]
        for t in standard.thresholds:
            tok = threshold_column(t)
            open_aggs.append(f"sum(n) FILTER (WHERE {_applies(t)}) AS open_{tok}_count")
            open_aggs.append(
                f"sum(n) FILTER (WHERE {_applies(t)} AND wait <= {t.days}) AS open_within_{tok}"
            )
            done_aggs.append(f"sum(n) FILTER (WHERE {_applies(t)}) AS completed_{tok}_count")
            done_aggs.append(
                f"sum(n) FILTER (WHERE {_applies(t)} AND wait <= {t.days}) "
                f"AS completed_within_{tok}"
            )
        con.execute(
            f"CREATE TEMP TABLE oa AS SELECT _g, m, {', '.join(open_aggs)} FROM ow GROUP BY _g, m"
        )
        con.execute(
            f"CREATE TEMP TABLE ca AS SELECT _g, m, {', '.join(done_aggs)} FROM cw GROUP BY _g, m"
        )
        con.execute(
            f"CREATE TEMP TABLE op AS "
            f"{_percentile_sql('ow', 'open', standard.percentiles, standard.percentile_method)}"
        )
        con.execute(
            "CREATE TEMP TABLE cp AS "
            + _percentile_sql("cw", "completed", standard.percentiles, standard.percentile_method)
        )
        con.execute(
            f"""
            CREATE TEMP TABLE fa AS
            SELECT grp._g, x.m,
                   sum(x.n) FILTER (WHERE kind = 'received') AS received_count,
                   sum(x.n) FILTER (WHERE kind = 'clock_stop') AS clock_stop_count,
                   sum(x.n) FILTER (WHERE kind = 'removed') AS removed_count
            FROM h_flows x JOIN grp ON {match} GROUP BY ALL
            """
        )
        columns = measure_columns(standard)
        percentile_cols = {
            percentile_column(p, pre) for p in standard.percentiles for pre in ("open", "completed")
        }
        selects = []
        for col in columns:
            if col in percentile_cols:
                source = "op" if col.startswith("open") else "cp"
                kind = (
                    "BIGINT"
                    if standard.percentile_method is PercentileMethod.NEAREST_RANK
                    else "DOUBLE"
                )
                selects.append(f"CAST({source}.{col} AS {kind}) AS {col}")
            elif col == "open_within_threshold_pct":
                selects.append(
                    _pct("coalesce(oa.open_within_threshold, 0)", "coalesce(oa.open_count, 0)")
                    + f" AS {col}"
                )
            elif col == "completed_within_threshold_pct":
                selects.append(
                    _pct(
                        "coalesce(ca.completed_within_threshold, 0)",
                        "coalesce(ca.completed_count, 0)",
                    )
                    + f" AS {col}"
                )
            elif col.endswith("_pct"):
                stem = col[: -len("_pct")]
                prefix, tok = stem.split("_within_", 1)
                source = "oa" if prefix == "open" else "ca"
                selects.append(
                    _pct(
                        f"coalesce({source}.{stem}, 0)",
                        f"coalesce({source}.{prefix}_{tok}_count, 0)",
                    )
                    + f" AS {col}"
                )
            else:
                source = (
                    "fa"
                    if col in ("received_count", "clock_stop_count", "removed_count")
                    else ("oa" if col.startswith("open") else "ca")
                )
                selects.append(f"CAST(coalesce({source}.{col}, 0) AS BIGINT) AS {col}")
        order = ", ".join(["cal.period_end", *(f"grp.{c} NULLS LAST" for c in by)])
        measures = con.sql(
            f"""
            SELECT cal.period_end, {", ".join(f"grp.{c}" for c in by)}, {", ".join(selects)}
            FROM grp CROSS JOIN cal
            LEFT JOIN oa ON oa._g = grp._g AND oa.m = cal.m
            LEFT JOIN op ON op._g = grp._g AND op.m = cal.m
            LEFT JOIN ca ON ca._g = grp._g AND ca.m = cal.m
            LEFT JOIN cp ON cp._g = grp._g AND cp.m = cal.m
            LEFT JOIN fa ON fa._g = grp._g AND fa.m = cal.m
            ORDER BY {order}
            """
        ).pl()
        removals = con.sql(
            f"""
            SELECT cal.period_end, {", ".join(f"grp.{c}" for c in by)}, x.reason AS closure_reason,
                   CAST(sum(x.n) AS BIGINT) AS removed_count
            FROM h_flows x JOIN grp ON {match} JOIN cal ON cal.m = x.m
            WHERE x.kind = 'removed'
            GROUP BY ALL
            ORDER BY {order}, closure_reason NULLS LAST
            """
        ).pl()
    finally:
        con.close()
    return WaitsResult(standard, by, calendar.period_ends, measures, removals)
