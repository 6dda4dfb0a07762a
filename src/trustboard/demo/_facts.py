"""Facts a commentary quotes, taken from the demo values so that every number matches the data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from trustboard.demo._spec import ACCEPTED, DemoMetric
from trustboard.demo.assessment import SeriesAssessment
from trustboard.demo.organisation import TRUST_CODE
from trustboard.domain import MetricDefinition, OrgUnit, Period, Polarity, Unit

__all__ = ["StoryFacts", "collect_facts", "format_value"]


def format_value(value: float | None, unit: Unit) -> str:
    """A value as a board paper prints it (percentages from fractions, £000 as £k)."""
    if value is None:
        return "no value"
    if unit is Unit.PERCENT:
        return f"{value * 100:.1f}%"
    if unit is Unit.COUNT:
        return f"{value:,.0f}"
    if unit is Unit.GBP_000:
        body = f"{abs(value):,.0f}"
        # the pack's one style for negative money: a minus sign (U+2212) before the pound sign
        negative = value < 0 and body != "0"
        return f"{chr(0x2212) if negative else ''}£{body}k"
    if unit is Unit.DAYS:
        return f"{value:.1f} days"
    if unit is Unit.HOURS:
        return f"{value:.1f} hours"
    if unit is Unit.WTE:
        return f"{value:,.1f} WTE"
    if unit in (Unit.RATE_PER_1000_OBD, Unit.RATE_PER_1000_CONTACTS):
        return f"{value:.2f}"
    return f"{value:,.2f}"


@dataclass(frozen=True, slots=True)
class StoryFacts:
    """Numbers about one metric at one reporting month, all read from the values frame."""

    definition: MetricDefinition
    period: Period
    latest: float
    numerator: float | None
    denominator: float | None
    history: tuple[tuple[date, float], ...]
    step_start: date | None
    before_mean: float | None
    since_mean: float | None
    months_since: int
    last_year: float | None
    target: float | None
    assessment: SeriesAssessment | None
    worst_unit: tuple[str, float] | None
    best_unit: tuple[str, float] | None

    def fmt(self, value: float | None) -> str:
        """``value`` in this metric's unit."""
        return format_value(value, self.definition.unit)

    def change(self, a: float | None, b: float | None) -> str:
        """The size of the difference between two values, in words a reader expects."""
        if a is None or b is None:
            return "an unknown amount"
        if self.definition.unit is Unit.PERCENT:
            return f"{abs(a - b) * 100:.1f} percentage points"
        return self.fmt(abs(a - b))

    @property
    def month(self) -> str:
        """The reporting month as a reader sees it (``March 2025``)."""
        return self.period.start.strftime("%B %Y")

    @property
    def step_month(self) -> str:
        """The month the current change began (``July 2024``)."""
        return self.step_start.strftime("%B %Y") if self.step_start else "the start of the year"


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def collect_facts(
    metric: DemoMetric,
    values: pl.DataFrame,
    period: Period,
    assessment: SeriesAssessment | None,
    org_units: tuple[OrgUnit, ...],
) -> StoryFacts | None:
    """The facts of ``metric`` at ``period`` (None when the month has no trust value)."""
    rows = values.filter(
        (pl.col("metric_id") == metric.id) & (pl.col("period_start") <= period.start)
    )
    trust = rows.filter(pl.col("org_unit") == TRUST_CODE).sort("period_start")
    history = tuple(zip(trust["period_start"].to_list(), trust["value"].to_list(), strict=True))
    if not history or history[-1][0] != period.start:
        return None
    latest_row = trust.row(trust.height - 1, named=True)
    step_start = next(
        (
            s.start
            for s in reversed(metric.profile.steps)
            # the designed change: a drift, or a deterioration accepted as the new process
            if (s.reason is None or metric.id in ACCEPTED) and s.start <= period.start
        ),
        None,
    )
    before = since = None
    months_since = 0
    if step_start is not None:
        before_values = [v for d, v in history if d < step_start][-12:]
        since_values = [v for d, v in history if d >= step_start]
        before, since, months_since = _mean(before_values), _mean(since_values), len(since_values)
    last_year = next((v for d, v in history if d == period.shift(-12).start), None)
    in_force = metric.definition.target_on(period.end)
    worst, best = _extreme_units(metric, rows, period, org_units)
    return StoryFacts(
        definition=metric.definition,
        period=period,
        latest=latest_row["value"],
        numerator=latest_row["numerator"],
        denominator=latest_row["denominator"],
        history=history,
        step_start=step_start,
        before_mean=before,
        since_mean=since,
        months_since=months_since,
        last_year=last_year,
        target=in_force.value if in_force else None,
        assessment=assessment,
        worst_unit=worst,
        best_unit=best,
    )


def _extreme_units(
    metric: DemoMetric, rows: pl.DataFrame, period: Period, org_units: tuple[OrgUnit, ...]
) -> tuple[tuple[str, float] | None, ...]:
    """Worst and best team (or directorate) at ``period``, for ratio metrics with several."""
    if not metric.definition.has_ratio:
        return None, None
    names = {u.code: u.name for u in org_units}
    depth = {u.code: u.level.depth for u in org_units}
    latest = rows.filter(
        (pl.col("period_start") == period.start) & (pl.col("org_unit") != TRUST_CODE)
    )
    pairs = [
        (c, v)
        for c, v in zip(latest["org_unit"].to_list(), latest["value"].to_list(), strict=True)
        if c in names and v is not None
    ]
    # compare like with like: the units at the lowest level the metric is reported at
    lowest = max((depth[c] for c, _ in pairs), default=0)
    leaves = [(names[c], v) for c, v in pairs if depth[c] == lowest]
    if len(leaves) < 2:
        return None, None
    leaves.sort(key=lambda item: (item[1], item[0]))
    lower_is_better = metric.definition.polarity is Polarity.LOWER_IS_BETTER
    worst = leaves[-1] if lower_is_better else leaves[0]
    best = leaves[0] if lower_is_better else leaves[-1]
    return worst, best
