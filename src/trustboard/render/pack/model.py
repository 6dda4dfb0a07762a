"""The board pack as pure data: what the HTML and PDF show, already decided and suppressed.

A :class:`PackModel` is built once (by :func:`trustboard.render.pack.assemble.assemble_pack`
or by hand in tests) and rendered many times.  Everything a reader sees is in it: no template
reads a clock, a file or the store.  For a public forum the values are suppressed *before*
they reach the model (domain.md §10.3), and :class:`SeriesPoint` refuses to carry a value
for a point marked suppressed, so no renderer can leak one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from trustboard.domain import (
    Action,
    Commentary,
    Domain,
    Forum,
    MetricDefinition,
    Period,
    Target,
)
from trustboard.domain.governance import Governance

__all__ = [
    "ASSURANCE_ICONS",
    "DOMAIN_ORDER",
    "VARIATION_ICONS",
    "ChangeNote",
    "DataQualityNote",
    "DefinitionNote",
    "MetricSection",
    "PackModel",
    "Revision",
    "SeriesPoint",
    "SummaryRow",
    "Triangulation",
    "anchor_for",
]

#: Variation icon names (spc.md Part A §9 and Part C.3), in the order the icon matrix lists them.
VARIATION_ICONS: tuple[str, ...] = (
    "concern_high",
    "concern_low",
    "common_cause",
    "neutral_high",
    "neutral_low",
    "improvement_high",
    "improvement_low",
)

#: Assurance icon names (spc.md Part A §9); ``None`` means no target or no preferred direction.
ASSURANCE_ICONS: tuple[str, ...] = ("fail", "inconsistent", "pass")

#: Order in which domains appear in the summary table (domain.md §4.2).
DOMAIN_ORDER: tuple[Domain, ...] = (
    Domain.SAFE,
    Domain.EFFECTIVE,
    Domain.CARING,
    Domain.RESPONSIVE,
    Domain.WELL_LED,
    Domain.FINANCE,
    Domain.CONTEXT,
)

_ANCHOR_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


def anchor_for(metric_id: str, kind: str = "metric") -> str:
    """The HTML id of a metric's section (``metric-SAF01``) or exception page
    (``exception-SAF01``)."""
    return f"{kind}-{_ANCHOR_UNSAFE.sub('-', metric_id)}"


@dataclass(frozen=True, slots=True)
class SeriesPoint:
    """One point of a metric's series, as published (after suppression for public forums).

    ``value`` is ``None`` for a missing value and for a suppressed one; ``display`` is the text
    a reader sees (``*`` when suppressed).  Limits are those of the point's rebase group.
    """

    date: date
    value: float | None
    display: str
    mean: float | None = None
    lpl: float | None = None
    upl: float | None = None
    point_type: str = "common_cause"
    special_cause_type: str = "Common Cause"
    relative_to_mean: int = 0
    target: float | None = None
    trajectory: float | None = None
    rebase_group: int = 0
    short_group_warning: bool = False
    provisional: bool = False
    suppressed: bool = False

    def __post_init__(self) -> None:
        if self.suppressed and self.value is not None:
            raise ValueError("a suppressed point must not carry its value")


@dataclass(frozen=True, slots=True)
class SummaryRow:
    """The SPC summary of a series at its latest point (icons, limits of the latest group)."""

    latest_date: date | None
    value: float | None
    display: str
    n: int
    mean: float | None
    lpl: float | None
    upl: float | None
    target: float | None
    improvement: str
    variation_icon: str | None
    assurance_icon: str | None
    short_group_warning: bool = False


@dataclass(frozen=True, slots=True)
class ChangeNote:
    """One thing that changed since the previous period (icons, exceptions)."""

    metric_id: str
    metric_name: str
    kind: str
    before: str | None
    after: str | None


@dataclass(frozen=True, slots=True)
class Revision:
    """A figure published earlier that the data now gives differently."""

    metric_id: str
    metric_name: str
    period_label: str
    published: str
    current: str
    published_in: str


@dataclass(frozen=True, slots=True)
class Triangulation:
    """A metric read alongside the metrics its catalogue entry names (``triangulate_with``)."""

    metric_id: str
    partner_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DefinitionNote:
    """A metric's definition version and source, for the appendix."""

    metric_id: str
    metric_name: str
    effective_from: date | None
    data_source: str | None
    description: str | None
    changes: tuple[tuple[date | None, str], ...] = ()


@dataclass(frozen=True, slots=True)
class DataQualityNote:
    """One data-quality note (a metric's rating, provisional or late data, a known issue)."""

    text: str
    metric_id: str | None = None
    metric_name: str | None = None


@dataclass(frozen=True, slots=True)
class MetricSection:
    """Everything shown about one metric: chart data, summary, statement, narrative, actions."""

    definition: MetricDefinition
    points: tuple[SeriesPoint, ...]
    summary: SummaryRow
    statement: str
    target: Target | None = None
    commentary: Commentary | None = None
    actions: tuple[Action, ...] = ()
    exception_reasons: tuple[str, ...] = ()
    previous_summary: SummaryRow | None = None
    suppressed: bool = False
    #: the lead committees by the names the catalogue gives them (see ``committees.py``)
    committees: tuple[str, ...] = ()

    @property
    def committee_names(self) -> tuple[str, ...]:
        """The lead committees as named in the catalogue (as written, when not resolved)."""
        return self.committees or self.definition.lead_committees

    @property
    def metric_id(self) -> str:
        """The metric's id."""
        return self.definition.id

    @property
    def name(self) -> str:
        """The metric's display name."""
        return self.definition.name

    @property
    def is_exception(self) -> bool:
        """Whether an exception page follows for this metric."""
        return bool(self.exception_reasons)

    @property
    def provisional(self) -> bool:
        """Whether the latest value is provisional."""
        return bool(self.points) and self.points[-1].provisional

    @property
    def anchor(self) -> str:
        """The id of the metric's section in the HTML."""
        return anchor_for(self.definition.id)


@dataclass(frozen=True, slots=True)
class PackModel:
    """One forum's Integrated Performance Report for one period, ready to render."""

    paper: Governance
    forum: Forum
    period: Period
    trust_name: str
    sections: tuple[MetricSection, ...]
    changes: tuple[ChangeNote, ...] = ()
    revisions: tuple[Revision, ...] = ()
    triangulations: tuple[Triangulation, ...] = ()
    baf_html: str | None = None
    definitions: tuple[DefinitionNote, ...] = ()
    data_quality_notes: tuple[DataQualityNote, ...] = ()
    synthetic: bool = False
    data_as_of: datetime | None = None
    previous_publication: str | None = None
    #: periods a sparkline shows: the charts' window (``history_periods``), so both agree
    sparkline_points: int = 24
    #: the exception rules applied, by name, as decided for this forum
    exception_rules: tuple[tuple[str, object], ...] = ()
    #: the org unit whose figures the pack shows (the trust's code; None: trust level)
    org_unit: str | None = None
    #: org unit code -> name, for the directorate codes in headings and metric ids
    org_unit_names: tuple[tuple[str, str], ...] = ()

    def section(self, metric_id: str) -> MetricSection:
        """The section of one metric (``KeyError`` when the forum does not receive it)."""
        for candidate in self.sections:
            if candidate.metric_id == metric_id:
                return candidate
        raise KeyError(metric_id)

    @property
    def exceptions(self) -> tuple[MetricSection, ...]:
        """The sections that have an exception page, in pack order."""
        return tuple(s for s in self.sections if s.is_exception)

    @property
    def public(self) -> bool:
        """Whether the pack is for a public meeting (suppression applied, private items out)."""
        return self.forum.public
