"""Building blocks of the demo catalogue: how a metric is defined and how its series behaves.

A demo metric is a real :class:`~trustboard.domain.MetricDefinition` paired with a
:class:`SeriesProfile` that tells :mod:`trustboard.demo.values` how to synthesise its history
(level, volume, seasonality, trend, step changes, noise, deliberate gaps).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from trustboard.demo.organisation import leaf_units
from trustboard.domain import (
    ChartType,
    Comparator,
    DataQualityRating,
    Domain,
    MetricDefinition,
    PeriodType,
    Polarity,
    RebasePoint,
    SuppressionRule,
    Target,
    TargetType,
    Unit,
)

__all__ = [
    "ACCEPTED",
    "CATALOGUE_START",
    "COMMITTEES",
    "EXEC_LEADS",
    "GOALS",
    "PROVISIONAL",
    "DemoMetric",
    "SeriesKind",
    "SeriesProfile",
    "Step",
    "by_year",
    "define",
    "target",
]

#: First day of the demo history (48 months to March 2025).
CATALOGUE_START = date(2021, 4, 1)

#: Strategic goals (domain.md §1.3).
GOALS = {
    "outcomes": "Great Outcomes",
    "care": "Great Care",
    "people": "Great Place to Work",
    "community": "Part of the Community",
}

#: Board committees that scrutinise metrics (domain.md §1.2).
COMMITTEES = {
    "fpc": "Finance & Performance Committee",
    "quality": "Quality Committee",
    "people": "People Committee",
    "audit": "Audit & Risk Committee",
}

#: Executive leads, by the short key used in the catalogue tables.
EXEC_LEADS = {
    "nurse": "Chief Nurse",
    "medical": "Medical Director",
    "coo": "Chief Operating Officer",
    "finance": "Director of Finance",
    "people": "Chief People Officer",
    "governance": "Director of Corporate Affairs",
    "strategy": "Director of Strategy and Partnerships",
}

#: Designed deteriorations whose new level the lead committee has accepted as a change in the
#: process (Making Data Count: recalculate the limits once a shift is sustained and its cause
#: is known), so that the limits describe the process as it now is; the reason is the cause.
ACCEPTED: dict[str, str] = {
    "SAF11": "Frailer admissions to community hospitals on the discharge-to-assess pathway "
    "from July 2024 (shift accepted by the Quality Committee)",
    "SAF12": "Frailer admissions to community hospitals on the discharge-to-assess pathway "
    "from July 2024 (shift accepted by the Quality Committee)",
    "SAF17-RN-DAY": "Registered nurse vacancies on two adult acute wards and at Millbrook from "
    "July 2024 (shift accepted by the Quality Committee)",
    "EFF06": "A neighbouring provider closed an adult acute ward in June 2024 (shift accepted "
    "by the Finance & Performance Committee)",
    "EFF09-MH": "A neighbouring provider closed an adult acute ward in June 2024 (shift "
    "accepted by the Finance & Performance Committee)",
    "EFF10": "Interim-placement funding ended and two home care providers left the market in "
    "June 2024 (shift accepted by the Finance & Performance Committee)",
    "CAR05": "Two of the five complaints investigator posts vacant from August 2024 (shift "
    "accepted by the Quality Committee)",
    "RES21-NBV": "Health visitor vacancies reached 18% in the summer of 2024 (shift accepted by "
    "the Quality Committee)",
    "RES21-12M": "Health visitor vacancies reached 18% in the summer of 2024 (shift accepted by "
    "the Quality Committee)",
    "WEL01": "Long-term sickness absence rose from August 2024 (shift accepted by the People "
    "Committee)",
    "FIN08-NONNHS": "New procure-to-pay system live from August 2024 (shift accepted by the "
    "Finance & Performance Committee)",
    "FIN08-NHS": "New procure-to-pay system live from August 2024 (shift accepted by the "
    "Finance & Performance Committee)",
}

#: Metrics whose latest month is provisional when the pack is written, and why: their source
#: revises the month after it closes.  Every other metric's month is final at month end.
PROVISIONAL: dict[str, str] = {
    "SAF06": "a death's structured judgement review has 3 months to complete, so reviews of the "
    "month's deaths are still being completed",
    "SAF13": "pressure ulcers reported in the month await the tissue viability team's "
    "validation of category and where they were acquired",
    "SAF14": "pressure ulcers reported in the month await the tissue viability team's "
    "validation of category and where they were acquired",
    "EFF06": "bed days are confirmed when the last invoices from the placing providers arrive",
    "RES05": "contacts recorded after the month-end extract are added in the MHSDS refresh "
    "submission",
    "RES08-4W": "contacts recorded after the month-end extract are added in the MHSDS refresh "
    "submission",
    "WEL01": "absences recorded late in ESR are added the following month",
}

SeriesKind = Literal["proportion", "rate", "count", "level", "derived", "waits"]


@dataclass(frozen=True, slots=True)
class Step:
    """A lasting change in a series from ``start``.

    ``delta`` is in value units for proportions, rates and levels and relative (0.2 = +20%)
    for counts.  A ``reason`` marks a deliberate intervention: the definition then carries a
    rebase point on that date, as Making Data Count asks (limits recalculated only with one).
    """

    start: date
    delta: float
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class SeriesProfile:
    """How a demo metric's monthly series behaves.

    ``kind``: ``proportion`` (binomial numerator of a Poisson denominator), ``rate``
    (Poisson events over an exposure such as occupied bed days), ``count`` (Poisson events),
    ``level`` (a continuous trust measure such as £000), ``derived`` (another metric's trust
    value times ``factor``) or ``waits`` (computed from patient-level referrals by the
    waiting-times engine, so nothing is generated here).

    ``base`` is the level at the start (a fraction, a rate per ``multiplier``, a monthly
    trust-wide count, or a value); ``volume`` the monthly trust-wide denominator; ``winter``
    and ``summer`` seasonal effects (value units; relative for counts); ``trend`` change per
    year; ``noise`` the month-to-month variation beyond the sampling noise.
    """

    kind: SeriesKind
    scope: str | tuple[str, ...] = "trust"
    base: float = 0.0
    volume: float = 0.0
    winter: float = 0.0
    summer: float = 0.0
    volume_winter: float = 0.0
    volume_summer: float = 0.0
    trend: float = 0.0
    noise: float = 0.0
    steps: tuple[Step, ...] = ()
    missing: tuple[date, ...] = ()
    cumulative: bool = False
    decimals: int = 1
    source_metric: str | None = None
    factor: float = 1.0
    story: str | None = None


@dataclass(frozen=True, slots=True)
class DemoMetric:
    """One metric of the demo catalogue: its definition and how its history is synthesised."""

    definition: MetricDefinition
    profile: SeriesProfile

    @property
    def id(self) -> str:
        """The metric id."""
        return self.definition.id


_TARGET_TYPES = {
    "N": TargetType.NATIONAL_STANDARD,
    "P": TargetType.NATIONAL_AMBITION,
    "C": TargetType.CONTRACTUAL,
    "L": TargetType.LOCAL,
    "T": TargetType.TRAJECTORY,
}


def target(
    value: float,
    comparator: str,
    kind: str,
    source: str,
    *,
    start: date | None = None,
    end: date | None = None,
) -> Target:
    """One target; ``kind`` is the status letter of domain.md §3.1 (N, P, C, L) or T."""
    return Target(
        value=value,
        comparator=Comparator(comparator),
        type=_TARGET_TYPES[kind],
        source=source,
        valid_from=start,
        valid_to=end,
    )


def by_year(
    values: dict[int, float], comparator: str, kind: str, source: str
) -> tuple[Target, ...]:
    """Targets set per planning year: each from 1 April to the day before the next one.

    ``values`` maps the first calendar year of a financial year (2024 for 2024-25) to the
    value; the last target stays in force until a new one is set.
    """
    years = sorted(values)
    out = []
    for index, year in enumerate(years):
        end = date(years[index + 1], 4, 1) - timedelta(days=1) if index + 1 < len(years) else None
        label = f"{year}-{(year + 1) % 100:02d}"
        out.append(
            target(
                values[year],
                comparator,
                kind,
                f"{source} ({label})",
                start=date(year, 4, 1),
                end=end,
            )
        )
    return tuple(out)


_RATE_UNITS = (Unit.RATE_PER_1000_OBD, Unit.RATE_PER_1000_CONTACTS)


def define(
    metric_id: str,
    name: str,
    domain: Domain,
    directorate: str,
    unit: Unit,
    polarity: Polarity,
    profile: SeriesProfile,
    *,
    lead: str,
    committees: tuple[str, ...],
    goals: tuple[str, ...],
    source: str,
    targets: tuple[Target, ...] = (),
    numerator: str | None = None,
    denominator: str | None = None,
    short_name: str | None = None,
    description: str | None = None,
    dq: DataQualityRating = DataQualityRating.SUFFICIENT,
    dq_date: date | None = date(2024, 11, 14),
    period_type: PeriodType = PeriodType.IN_MONTH,
    suppression: SuppressionRule = SuppressionRule.NONE,
    private: bool = False,
    triangulate_with: tuple[str, ...] = (),
    chart: ChartType | None = None,
) -> DemoMetric:
    """A demo metric with the conventions of the catalogue applied.

    Proportions get a p-chart and rates per 1,000 a u-chart (both need a numerator and a
    denominator); everything else an XmR chart.  Steps with a reason become rebase points.
    """
    multiplier = 1000.0 if unit in _RATE_UNITS else 1.0
    if chart is None:
        if profile.kind == "proportion" or (profile.kind == "waits" and unit is Unit.PERCENT):
            chart = ChartType.P
        elif profile.kind == "rate" and unit in _RATE_UNITS:
            chart = ChartType.U
        else:
            chart = ChartType.XMR
    if profile.kind == "waits":
        additive = unit in (Unit.PERCENT, Unit.COUNT)
    else:
        additive = profile.kind in ("proportion", "rate", "count") or (
            profile.kind == "level"
            and not profile.cumulative
            and len(leaf_units(profile.scope)) > 1
        )
    rebase = tuple(RebasePoint(date=s.start, reason=s.reason) for s in profile.steps if s.reason)
    definition = MetricDefinition(
        id=metric_id,
        name=name,
        short_name=short_name,
        description=description,
        domain=domain,
        directorate=directorate,
        strategic_goals=tuple(GOALS[g] for g in goals),
        unit=unit,
        polarity=polarity,
        numerator=numerator,
        denominator=denominator,
        multiplier=multiplier,
        targets=targets,
        period_type=period_type,
        data_source=source,
        chart_type=chart,
        rebase=rebase,
        exec_lead=EXEC_LEADS[lead],
        lead_committees=tuple(COMMITTEES[c] for c in committees),
        data_quality_rating=dq,
        data_quality_date=dq_date if dq is not DataQualityRating.NOT_ASSESSED else None,
        suppression=suppression,
        additive=additive,
        private=private,
        triangulate_with=triangulate_with,
        effective_from=CATALOGUE_START,
    )
    return DemoMetric(definition=definition, profile=profile)
