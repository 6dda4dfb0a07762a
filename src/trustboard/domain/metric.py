"""The metric model: what a trust measures, against what target, reported how.

These are the value types of the metric catalogue (see ``docs/catalogue.md``).  They are
validated when built (pydantic) and are immutable; the store keeps every version of a
definition with the date it took effect.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import Field, field_validator, model_validator

from trustboard.domain._base import Frozen, split_list
from trustboard.domain.period import Frequency

__all__ = [
    "ChartType",
    "Comparator",
    "DataQualityRating",
    "Domain",
    "Frequency",
    "MetricDefinition",
    "PeriodType",
    "Polarity",
    "RebasePoint",
    "RulePreset",
    "SuppressionRule",
    "Target",
    "TargetType",
    "Unit",
]


class Domain(StrEnum):
    """CQC-style domain a metric reports under (plus finance and context)."""

    SAFE = "SAFE"
    EFFECTIVE = "EFFECTIVE"
    CARING = "CARING"
    RESPONSIVE = "RESPONSIVE"
    WELL_LED = "WELL_LED"
    FINANCE = "FINANCE"
    CONTEXT = "CONTEXT"


class Unit(StrEnum):
    """How a metric's value is expressed (percent values are fractions: 0.85 is 85%)."""

    PERCENT = "percent"
    COUNT = "count"
    RATE_PER_1000_OBD = "rate_per_1000_obd"
    RATE_PER_1000_CONTACTS = "rate_per_1000_contacts"
    DAYS = "days"
    WEEKS = "weeks"
    HOURS = "hours"
    GBP_000 = "gbp_000"
    SCORE_0_10 = "score_0_10"
    RATIO = "ratio"
    WTE = "wte"


class Polarity(StrEnum):
    """Which direction is better (maps to the SPC improvement direction)."""

    HIGHER_IS_BETTER = "higher_is_better"
    LOWER_IS_BETTER = "lower_is_better"
    NEUTRAL = "neutral"

    @property
    def improvement(self) -> str:
        """The SPC improvement direction: ``increase``, ``decrease`` or ``neutral``."""
        return {
            Polarity.HIGHER_IS_BETTER: "increase",
            Polarity.LOWER_IS_BETTER: "decrease",
            Polarity.NEUTRAL: "neutral",
        }[self]


class Comparator(StrEnum):
    """How a value is compared with a target."""

    GE = ">="
    LE = "<="
    EQ = "="


class TargetType(StrEnum):
    """Where a target comes from (domain.md §2)."""

    NATIONAL_STANDARD = "national_standard"
    NATIONAL_AMBITION = "national_ambition"
    CONTRACTUAL = "contractual"
    LOCAL = "local"
    TRAJECTORY = "trajectory"


class PeriodType(StrEnum):
    """What period a value covers."""

    IN_MONTH = "in_month"
    ROLLING_3M = "rolling_3m"
    ROLLING_12M = "rolling_12m"
    YTD = "ytd"
    SNAPSHOT = "snapshot"


class ChartType(StrEnum):
    """SPC chart types (spc.md Part B)."""

    XMR = "xmr"
    MR = "mr"
    P = "p"
    U = "u"
    PP = "pp"
    UP = "up"
    C = "c"
    G = "g"
    T = "t"


class RulePreset(StrEnum):
    """SPC rule presets: NHSRplotthedots 0.2.2 or the Making Data Count single-chart tool."""

    PTD = "ptd"
    MDC = "mdc"


class DataQualityRating(StrEnum):
    """Data-quality kite-mark of a metric."""

    SUFFICIENT = "sufficient"
    PARTIAL = "partial"
    INSUFFICIENT = "insufficient"
    NOT_ASSESSED = "not_assessed"


class Target(Frozen):
    """One target of a metric, in force from ``valid_from`` to ``valid_to`` (inclusive).

    A ``trajectory`` target is a planned recovery path: it is drawn on the chart and never
    used for the assurance icon.
    """

    value: float
    comparator: Comparator = Comparator.GE
    type: TargetType = TargetType.LOCAL
    source: str | None = None
    valid_from: date | None = None
    valid_to: date | None = None

    @model_validator(mode="after")
    def _dates_in_order(self) -> Target:
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValueError("valid_to is before valid_from")
        return self

    def in_force(self, day: date) -> bool:
        """Whether this target applies on ``day``."""
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )

    def is_met(self, value: float) -> bool:
        """Whether ``value`` meets the target."""
        if self.comparator is Comparator.GE:
            return value >= self.value
        if self.comparator is Comparator.LE:
            return value <= self.value
        return value == self.value


class RebasePoint(Frozen):
    """A date from which SPC limits are recalculated, with the reason (MDC: only with one)."""

    date: date
    reason: str = Field(min_length=1)


class SuppressionRule(StrEnum):
    """Small-number handling for public outputs (domain.md §10.3)."""

    NONE = "none"
    #: values under 5 shown as ``*``; other counts rounded to the nearest 5
    NATIONAL = "national"
    #: values under 5 shown as ``*``; other counts as they are
    UNDER_FIVE = "under_five"


MetricId = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$", max_length=64)]


class MetricDefinition(Frozen):
    """One metric of the catalogue (domain.md §2), as in force from ``effective_from``."""

    id: MetricId
    name: str = Field(min_length=1)
    short_name: str | None = None
    description: str | None = None
    domain: Domain
    directorate: str = "TRUST"
    strategic_goals: tuple[str, ...] = ()
    unit: Unit
    polarity: Polarity
    numerator: str | None = None
    denominator: str | None = None
    #: multiply numerator/denominator by this to get the value (1000 for a rate per 1,000)
    multiplier: float = 1.0
    targets: tuple[Target, ...] = ()
    frequency: Frequency = Frequency.MONTHLY
    period_type: PeriodType = PeriodType.IN_MONTH
    data_source: str | None = None
    chart_type: ChartType = ChartType.XMR
    rule_preset: RulePreset = RulePreset.PTD
    baseline_start: date | None = None
    baseline_end: date | None = None
    baseline_reason: str | None = None
    rebase: tuple[RebasePoint, ...] = ()
    exec_lead: str | None = None
    lead_committees: tuple[str, ...] = ()
    baf_risks: tuple[str, ...] = ()
    risk_register_ids: tuple[str, ...] = ()
    data_quality_rating: DataQualityRating = DataQualityRating.NOT_ASSESSED
    data_quality_date: date | None = None
    suppression: SuppressionRule = SuppressionRule.NONE
    #: False for metrics whose values cannot be rolled up by summing (e.g. medians)
    additive: bool = True
    #: days after the period end by which data is expected (late-data flag)
    expected_lag_days: int = Field(default=20, ge=0)
    #: private metrics are left out of public packs
    private: bool = False
    #: metric ids to read alongside this one (finance/workforce triangulation)
    triangulate_with: tuple[str, ...] = ()
    effective_from: date | None = None
    change_note: str | None = None

    @field_validator(
        "strategic_goals",
        "lead_committees",
        "baf_risks",
        "risk_register_ids",
        "triangulate_with",
        mode="before",
    )
    @classmethod
    def _listify(cls, value: object) -> object:
        return split_list(value)

    @model_validator(mode="after")
    def _consistent(self) -> MetricDefinition:
        if (
            self.chart_type in (ChartType.P, ChartType.PP, ChartType.U, ChartType.UP)
            and not self.denominator
        ):
            raise ValueError(f"chart type '{self.chart_type}' needs a denominator definition")
        if self.baseline_start and self.baseline_end and self.baseline_end < self.baseline_start:
            raise ValueError("baseline_end is before baseline_start")
        return self

    @property
    def has_ratio(self) -> bool:
        """Whether values come from a numerator and a denominator."""
        return bool(self.denominator)

    def target_on(self, day: date, *, include_trajectory: bool = False) -> Target | None:
        """The target in force on ``day`` (the latest-starting one if several overlap)."""
        candidates = [
            t
            for t in self.targets
            if t.in_force(day) and (include_trajectory or t.type is not TargetType.TRAJECTORY)
        ]
        if not candidates:
            return None
        return max(candidates, key=lambda t: t.valid_from or date.min)

    def trajectory(self) -> tuple[Target, ...]:
        """The trajectory targets (planned recovery path), in date order."""
        return tuple(
            sorted(
                (t for t in self.targets if t.type is TargetType.TRAJECTORY),
                key=lambda t: t.valid_from or date.min,
            )
        )

    def content_equal(self, other: MetricDefinition) -> bool:
        """Whether two definitions say the same thing (ignoring version bookkeeping)."""
        skip = {"effective_from", "change_note"}
        return self.model_dump(exclude=skip) == other.model_dump(exclude=skip)
