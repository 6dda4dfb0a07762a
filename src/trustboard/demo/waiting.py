"""Turn waiting-time measures into the demo trust's waiting-time metric values.

The waiting-times engine reports one row per month end and service (and team) with measure
columns named by the waits specification (``open_count``, ``open_median_days``,
``open_over_52w``, ``completed_within_4w``, ``completed_4w_count`` ...; ``docs/waits.md``).
This module maps the synthetic extract's services and teams onto the demo organisation and
the measures onto the catalogue's waiting-time metrics (:data:`WAITS_METRICS`).  It works on
Polars frames only, so the demo never depends on the engine that produced them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import polars as pl

from trustboard.demo._metrics_operations import WAITS_METRICS
from trustboard.demo._spec import PROVISIONAL, DemoMetric
from trustboard.demo.values import VALUE_COLUMNS, roll_up
from trustboard.domain import OrgUnit, Period

__all__ = [
    "WAITS_SERVICE_UNITS",
    "WAITS_STANDARDS",
    "WAITS_TEAM_UNITS",
    "values_from_waits",
]

#: Teams of the synthetic referral extract → demo teams.
WAITS_TEAM_UNITS: dict[str, str] = {
    "cmh_north": "MH-CMH-NTH",
    "cmh_city": "MH-CMH-CTY",
    "cmh_south": "MH-CMH-STH",
    "cyp_east": "FY-CAM-EST",
    "cyp_west": "FY-CAM-WST",
    "dn_north": "CHS-NRS-NTH",
    "dn_south": "CHS-NRS-STH",
    "dn_city": "CHS-NRS-CTY",
    "physio": "CHS-THR-PHY",
    "ot": "CHS-THR-OT",
    "slt": "CHS-THR-SLT",
    "paeds_county": "FY-PAE-CP",
}
#: Services of the synthetic referral extract → demo services (used for percentiles, which
#: cannot be summed from teams).
WAITS_SERVICE_UNITS: dict[str, str] = {
    "cmh_adult": "MH-COMM",
    "cyp_mh": "FY-CAMHS",
    "community_nursing": "CHS-NURS",
    "community_therapies": "CHS-THER",
    "community_paediatrics": "FY-PAE-CP",
}
#: The waiting-time standards the demo catalogue reads.
WAITS_STANDARDS: tuple[str, ...] = tuple(sorted({s for s, _ in WAITS_METRICS.values()}))


def _columns(standard: str, what: str) -> tuple[str, str | None]:
    if what.startswith("pct:"):
        token = what.split(":", 1)[1]
        prefix = "open" if standard == "rtt_18w" else "completed"
        return f"{prefix}_within_{token}", f"{prefix}_{token}_count"
    return {
        "open": "open_count",
        "over52": "open_over_52w",
        "p50": "open_median_days",
        "p90": "open_p90_days",
    }[what], None


def _ancestors_of(unit: str, org_units: Sequence[OrgUnit]) -> list[str]:
    parent = {u.code: u.parent for u in org_units}
    out = [unit]
    while parent.get(out[-1]) is not None:
        out.append(parent[out[-1]])  # type: ignore[arg-type]
    return out


def values_from_waits(
    by_team: Mapping[str, pl.DataFrame],
    by_service: Mapping[str, pl.DataFrame],
    metrics: Sequence[DemoMetric],
    org_units: Sequence[OrgUnit],
    latest: Period,
) -> pl.DataFrame:
    """The values frame (:data:`~trustboard.demo.values.VALUE_COLUMNS`) of the waiting metrics.

    ``by_team`` holds each standard's measures broken down by ``service`` and ``team``;
    ``by_service`` by ``service`` alone (for percentiles).  Counts and shares are summed from
    teams up the hierarchy; percentiles are placed on the service and the units above it.
    """
    wanted = {m.id: m for m in metrics if m.id in WAITS_METRICS}
    leaves: list[pl.DataFrame] = []
    placed: list[pl.DataFrame] = []
    for metric_id, (standard, what) in WAITS_METRICS.items():
        if metric_id not in wanted:
            continue
        num_col, den_col = _columns(standard, what)
        if what in ("p50", "p90"):
            frame = by_service.get(standard)
            if frame is None:
                continue
            for service, unit in WAITS_SERVICE_UNITS.items():
                rows = frame.filter(pl.col("service") == service)
                if rows.height == 0:
                    continue
                for code in _ancestors_of(unit, org_units):
                    placed.append(
                        rows.select(
                            pl.lit(metric_id).alias("metric_id"),
                            pl.col("period_end").dt.month_start().alias("period_start"),
                            pl.lit(code).alias("org_unit"),
                            pl.lit(None, dtype=pl.Float64).alias("numerator"),
                            pl.lit(None, dtype=pl.Float64).alias("denominator"),
                            pl.col(num_col).cast(pl.Float64).alias("value"),
                        )
                    )
            continue
        frame = by_team.get(standard)
        if frame is None:
            continue
        mapped = frame.filter(pl.col("team").is_in(list(WAITS_TEAM_UNITS))).with_columns(
            pl.col("team").replace_strict(WAITS_TEAM_UNITS).alias("org_unit")
        )
        numerator = pl.col(num_col).cast(pl.Float64)
        denominator = (
            pl.col(den_col).cast(pl.Float64) if den_col else pl.lit(None, dtype=pl.Float64)
        )
        team_rows = mapped.group_by("period_end", "org_unit").agg(
            numerator.sum().alias("numerator"),
            (denominator.sum() if den_col else pl.lit(None, dtype=pl.Float64)).alias("denominator"),
        )
        if den_col:
            team_rows = team_rows.filter(pl.col("denominator") > 0).with_columns(
                value=pl.col("numerator") / pl.col("denominator")
            )
        else:
            team_rows = team_rows.with_columns(value=pl.col("numerator"))
        leaves.append(
            team_rows.select(
                pl.lit(metric_id).alias("metric_id"),
                pl.col("period_end").dt.month_start().alias("period_start"),
                "org_unit",
                "numerator",
                "denominator",
                "value",
            )
        )
    parts = []
    if leaves:
        leaf_frame = pl.concat(leaves, how="vertical")
        ratios = {m: 1.0 for m, (_, what) in WAITS_METRICS.items() if what.startswith("pct:")}
        parts.append(roll_up(leaf_frame, org_units, ratios))
    if placed:
        parts.append(pl.concat(placed, how="vertical"))
    if not parts:
        return pl.DataFrame(schema=VALUE_COLUMNS)
    combined = pl.concat(parts, how="vertical").filter(pl.col("period_start") <= latest.start)
    return (
        combined.with_columns(
            period_end=pl.col("period_start").dt.month_end(),
            provisional=(pl.col("period_start") == latest.start)
            & pl.col("metric_id").is_in(list(PROVISIONAL)),
        )
        .select(list(VALUE_COLUMNS))
        .cast(VALUE_COLUMNS)  # type: ignore[arg-type]
        .sort("metric_id", "org_unit", "period_start")
    )
