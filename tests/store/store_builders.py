"""Builders for the store tests: a small catalogue and values frames as the readers return them."""

from __future__ import annotations

import polars as pl

from trustboard.domain import Forum, MetricDefinition, OrgUnit, Period


def make_metrics() -> list[MetricDefinition]:
    """Three metrics: a percentage (summable), a count, and a median (not summable)."""
    return [
        MetricDefinition(
            id="RES-4WK",
            name="Seen within 4 weeks",
            domain="RESPONSIVE",
            unit="percent",
            polarity="higher_is_better",
            numerator="seen in 4 weeks",
            denominator="seen",
            chart_type="p",
            lead_committees=("FPC",),
        ),
        MetricDefinition(
            id="SAFE-FALLS",
            name="Inpatient falls",
            domain="SAFE",
            unit="count",
            polarity="lower_is_better",
            lead_committees=("QC",),
        ),
        MetricDefinition(
            id="RES-MEDWAIT",
            name="Median wait",
            domain="RESPONSIVE",
            unit="weeks",
            polarity="lower_is_better",
            additive=False,
            lead_committees=("FPC",),
        ),
    ]


def make_org_units() -> list[OrgUnit]:
    """Trust → two directorates → one service each → two teams each."""
    return [
        OrgUnit(code="RT5", name="The Trust", level="trust"),
        OrgUnit(code="MH", name="Mental health", level="directorate", parent="RT5"),
        OrgUnit(code="CHS", name="Community health", level="directorate", parent="RT5"),
        OrgUnit(code="MH-CMHT", name="Community MH", level="service", parent="MH"),
        OrgUnit(code="CHS-DN", name="District nursing", level="service", parent="CHS"),
        OrgUnit(code="MH-T1", name="CMHT North", level="team", parent="MH-CMHT"),
        OrgUnit(code="MH-T2", name="CMHT South", level="team", parent="MH-CMHT"),
        OrgUnit(code="CHS-T1", name="DN East", level="team", parent="CHS-DN"),
        OrgUnit(code="CHS-T2", name="DN West", level="team", parent="CHS-DN"),
    ]


def make_forums() -> list[Forum]:
    """The public Board (everything), the F&P Committee and the Quality Committee."""
    return [
        Forum(id="BOARD", name="Trust Board (public)", kind="board", public=True, order=9),
        Forum(id="FPC", name="Finance & Performance Committee", committees=("FPC",), order=2),
        Forum(
            id="QC",
            name="Quality Committee",
            committees=("QC",),
            order=3,
            include_metrics=("RES-4WK",),
        ),
    ]


def values_frame(
    rows: list[tuple[str, str, str, float | None, float | None, float]],
    *,
    provisional: bool = False,
    source: str = "values.csv",
) -> pl.DataFrame:
    """A values frame as the ingest readers return it, from (metric, unit, month, n, d, value)."""
    periods = [Period.parse(r[2]) for r in rows]
    return pl.DataFrame(
        {
            "metric_id": [r[0] for r in rows],
            "period_start": [p.start for p in periods],
            "period_end": [p.end for p in periods],
            "org_unit": [r[1] for r in rows],
            "numerator": [r[3] for r in rows],
            "denominator": [r[4] for r in rows],
            "value": [r[5] for r in rows],
            "provisional": [provisional] * len(rows),
            "source_file": [source] * len(rows),
            "source_hash": ["0" * 64] * len(rows),
            "sheet": [None] * len(rows),
            "row": list(range(2, len(rows) + 2)),
        },
        schema_overrides={
            "numerator": pl.Float64,
            "denominator": pl.Float64,
            "value": pl.Float64,
            "sheet": pl.String,
            "row": pl.Int64,
        },
    )
