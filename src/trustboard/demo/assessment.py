"""Read the demo trust's series the way a performance team does before writing commentary.

Runs the SPC engine over every trust-level series (one call per chart type and improvement
direction, all series at once) and reports, per metric, the Making Data Count icons, the
process mean and limits, and whether the metric is one a performance lead reports by
exception (domain.md §4.3): special cause concern at the latest point, a target that will
consistently fail, or a national standard met only some of the time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import polars as pl

from trustboard import spc
from trustboard.demo._spec import DemoMetric
from trustboard.demo.organisation import TRUST_CODE
from trustboard.demo.values import HISTORY_MONTHS
from trustboard.domain import Period, Polarity, TargetType

__all__ = ["SeriesAssessment", "assess_series", "exception_metric_ids"]

_RATIO_CHARTS = ("p", "u", "pp", "up")


@dataclass(frozen=True, slots=True)
class SeriesAssessment:
    """What the SPC engine says about one metric's trust-level series at one month."""

    metric_id: str
    latest_date: date
    latest_value: float
    mean: float | None
    lpl: float | None
    upl: float | None
    target: float | None
    variation_icon: str | None
    assurance_icon: str | None

    @property
    def concern(self) -> bool:
        """Special cause concern at the latest point."""
        return bool(self.variation_icon and self.variation_icon.startswith("concern"))

    @property
    def improvement(self) -> bool:
        """Special cause improvement at the latest point."""
        return bool(self.variation_icon and self.variation_icon.startswith("improvement"))


def _spc_frame(metric: DemoMetric, trust: pl.DataFrame) -> pl.DataFrame:
    rows = trust.filter(pl.col("metric_id") == metric.id).sort("period_start")
    multiplier = metric.definition.multiplier
    return rows.select(
        "metric_id",
        pl.col("period_start").alias("date"),
        "value",
        "numerator",
        # a rate per 1,000 is charted against exposure in thousands, so that the u-chart's
        # Poisson limits are in the same unit as the value shown
        (pl.col("denominator") / multiplier).alias("denominator"),
    )


def assess_series(
    metrics: Sequence[DemoMetric], values: pl.DataFrame, at: Period, *, window: int = HISTORY_MONTHS
) -> dict[str, SeriesAssessment]:
    """SPC assessment of every metric's trust-level series over the ``window`` months to ``at``.

    The window is the one the board pack charts (the paper configuration's history), so that
    the commentary reads the same limits and icons as the chart beside it.
    """
    first = at.shift(-(window - 1)).start
    trust = values.filter(
        (pl.col("org_unit") == TRUST_CODE)
        & (pl.col("period_start") <= at.start)
        & (pl.col("period_start") >= first)
    )
    groups: dict[tuple[str, str], list[DemoMetric]] = {}
    for metric in metrics:
        if trust.filter(pl.col("metric_id") == metric.id).height == 0:
            continue
        chart = metric.definition.chart_type.value
        key = (chart, metric.definition.polarity.improvement)
        groups.setdefault(key, []).append(metric)
    out: dict[str, SeriesAssessment] = {}
    for (chart, improvement), members in sorted(groups.items()):
        frame = pl.concat([_spc_frame(m, trust) for m in members], how="vertical")
        targets = {}
        for m in members:
            in_force = m.definition.target_on(at.end)
            if in_force is not None and m.definition.polarity is not Polarity.NEUTRAL:
                targets[m.id] = in_force.value
        rebase = {
            m.id: [r.date for r in m.definition.rebase] for m in members if m.definition.rebase
        }
        ratio = chart in _RATIO_CHARTS
        result = spc.compute(
            frame,
            date="date",
            by="metric_id",
            chart=chart,
            improvement=improvement,
            preset=members[0].definition.rule_preset.value,
            target=targets or None,
            rebase=rebase or None,
            value=None if ratio else "value",
            numerator="numerator" if ratio else None,
            denominator="denominator" if ratio else None,
        )
        for row in result.summary.iter_rows(named=True):
            has_target = row["metric_id"] in targets
            out[row["metric_id"]] = SeriesAssessment(
                metric_id=row["metric_id"],
                latest_date=row["date"],
                latest_value=row["value"],
                mean=row["mean"],
                lpl=row["lpl"],
                upl=row["upl"],
                target=row["target"] if has_target else None,
                variation_icon=row["variation_icon"],
                # no target in force (or a neutral metric): there is nothing to assure against
                assurance_icon=row["assurance_icon"] if has_target else None,
            )
    return out


def exception_metric_ids(
    metrics: Sequence[DemoMetric], assessments: dict[str, SeriesAssessment], at: Period
) -> tuple[str, ...]:
    """Metrics a performance lead would report by exception at ``at``, in catalogue order.

    The typical trigger rules of domain.md §4.3: special cause concern at the latest point;
    an assurance icon saying the target will consistently fail; a national standard that is
    hit and miss.
    """
    out = []
    for metric in metrics:
        found = assessments.get(metric.id)
        if found is None or found.latest_date != at.start:
            continue
        in_force = metric.definition.target_on(at.end)
        national = in_force is not None and in_force.type is TargetType.NATIONAL_STANDARD
        if (
            found.concern
            or found.assurance_icon == "fail"
            or (national and found.assurance_icon == "inconsistent")
        ):
            out.append(metric.id)
    return tuple(out)
