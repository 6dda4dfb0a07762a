"""Organisation units and forums: who the figures are about and who receives them."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, field_validator

from trustboard.domain._base import Frozen, split_list

__all__ = ["DetailLevel", "Forum", "ForumKind", "OrgLevel", "OrgUnit"]


class OrgLevel(StrEnum):
    """Levels of the organisation hierarchy, from the top."""

    TRUST = "trust"
    DIRECTORATE = "directorate"
    SERVICE = "service"
    TEAM = "team"

    @property
    def depth(self) -> int:
        """0 for the trust, 3 for a team."""
        return list(OrgLevel).index(self)


class OrgUnit(Frozen):
    """One unit of the trust: trust → directorate → service → team."""

    code: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$", max_length=64)
    name: str = Field(min_length=1)
    level: OrgLevel
    parent: str | None = None


class ForumKind(StrEnum):
    """What sort of meeting a forum is."""

    EXECUTIVE = "executive"
    COMMITTEE = "committee"
    BOARD = "board"


class DetailLevel(StrEnum):
    """How much a forum sees: the summary only, or a section for every metric."""

    SUMMARY = "summary"
    FULL = "full"


class Forum(Frozen):
    """A meeting that receives the report (Executive, a committee, public or private Board).

    A forum receives the metrics whose lead committee is in ``committees`` (every metric when
    ``committees`` is empty), plus ``include_metrics``, less ``exclude_metrics``.  A public
    forum applies small-number suppression and leaves out private items.
    """

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$", max_length=64)
    name: str = Field(min_length=1)
    kind: ForumKind = ForumKind.COMMITTEE
    public: bool = False
    committees: tuple[str, ...] = ()
    include_metrics: tuple[str, ...] = ()
    exclude_metrics: tuple[str, ...] = ()
    detail: DetailLevel = DetailLevel.FULL
    group_by_directorate: bool = False
    order: int = 0

    @field_validator("committees", "include_metrics", "exclude_metrics", mode="before")
    @classmethod
    def _listify(cls, value: object) -> object:
        return split_list(value)

    def receives(self, metric_id: str, lead_committees: tuple[str, ...]) -> bool:
        """Whether a metric with these lead committees is on this forum's agenda."""
        if metric_id in self.exclude_metrics:
            return False
        if metric_id in self.include_metrics:
            return True
        return not self.committees or any(c in self.committees for c in lead_committees)
