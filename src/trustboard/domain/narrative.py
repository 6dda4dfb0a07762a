"""Commentary and actions: what the people responsible say about a metric, and will do."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import Field

from trustboard.domain._base import Frozen

__all__ = [
    "COMMENTARY_SECTIONS",
    "Action",
    "ActionStatus",
    "AssuranceLevel",
    "Commentary",
]


#: Sections of an exception narrative (domain.md §4.3), in the order a page shows them,
#: with the heading a reader sees.
COMMENTARY_SECTIONS: dict[str, str] = {
    "summary": "Summary",
    "chart_shows": "What the chart shows",
    "background": "Background and context",
    "root_causes": "Root causes and underlying issues",
    "actions": "Actions",
    "assumptions": "Assumptions",
    "expected_impact": "Expected impact and trajectory",
    "risks": "Risks and mitigations",
    "assurance": "Level of assurance",
    "data_quality": "Data quality note",
}


class AssuranceLevel(StrEnum):
    """Level of assurance a paper offers or a forum takes (domain.md §6)."""

    ASSURED = "assured"
    PARTIALLY_ASSURED = "partially_assured"
    NOT_ASSURED = "not_assured"

    @property
    def label(self) -> str:
        """As a reader sees it."""
        return self.value.replace("_", " ").capitalize()


class ActionStatus(StrEnum):
    """Where an action stands."""

    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"
    COMPLETE = "complete"
    CLOSED = "closed"

    @property
    def is_open(self) -> bool:
        """Whether the action is still to be done (carried forward month to month)."""
        return self not in (ActionStatus.COMPLETE, ActionStatus.CLOSED)


class Commentary(Frozen):
    """Narrative for one metric, period and org unit, by section (keys of COMMENTARY_SECTIONS)."""

    metric_id: str
    period: str
    org_unit: str | None = None
    sections: dict[str, str] = Field(default_factory=dict)
    assurance_level: AssuranceLevel | None = None
    author: str | None = None
    #: a committee asked for an exception page (a "deep dive") on this metric
    deep_dive_requested_by: str | None = None
    #: sections withheld from public packs (and from everything derived from them)
    private_sections: tuple[str, ...] = ()

    def section(self, key: str) -> str | None:
        """The text of one section, or None when it was not written."""
        text = self.sections.get(key)
        return text if text else None

    def public(self) -> Commentary:
        """This commentary without its private sections (what a public pack may show)."""
        if not self.private_sections:
            return self
        kept = {k: v for k, v in self.sections.items() if k not in self.private_sections}
        return self.model_copy(update={"sections": kept, "private_sections": ()})


class Action(Frozen):
    """An action with an owner and a due date, carried forward until it is complete.

    ``original_due`` keeps the first due date so slippage (``due`` later than first promised)
    stays visible.
    """

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$", max_length=64)
    metric_id: str | None = None
    baf_risk_id: str | None = None
    description: str = Field(min_length=1)
    owner: str = Field(min_length=1)
    due: date
    original_due: date | None = None
    status: ActionStatus = ActionStatus.ON_TRACK
    opened: date | None = None
    completed: date | None = None
    note: str | None = None

    @property
    def slippage_days(self) -> int:
        """Days the due date has moved since first promised (0 when it has not)."""
        if self.original_due is None:
            return 0
        return max(0, (self.due - self.original_due).days)

    def is_overdue(self, on: date) -> bool:
        """Whether the action is open and past its due date on ``on``."""
        return self.status.is_open and self.due < on
