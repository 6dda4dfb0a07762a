"""The governance table of a board paper, defined once (domain.md §6).

Every paper a forum receives carries the same table: what the paper is and where it goes (title,
meeting and date, agenda item, purpose), who answers for it (the executive sponsor and the
author, each by name and role), where it has been (the forums that considered it before, with
the level of assurance each took), what it asks (executive summary, level of assurance offered,
the decision required), how it fits (strategic goals, Board Assurance Framework risks,
risk-register entries by number and title, consistency with the risk appetite) and what it
implies (false or misleading information, patient safety, equality).

:class:`Governance` validates one block of these fields.  Every field may be left out of a
block, because the paper configuration spreads them over shared defaults and each forum's own
block (``docs/board-pack.md``); :meth:`Governance.missing` lists the mandatory fields that are
still blank once a paper is put together, and publication refuses while any is.  Rules that
hold whatever is filled in are checked on every block: a paper not consistent with the risk
appetite must say why, and a paper is submitted, and considered by its previous forums, on
or before the day of its meeting.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any

from pydantic import AliasChoices, Field, ValidationInfo, field_validator, model_validator

from trustboard.domain._base import CODE_PATTERN, Frozen, split_list
from trustboard.domain.narrative import AssuranceLevel

__all__ = [
    "MANDATORY_FIELDS",
    "PAPER_SECTIONS",
    "WITHHELD_TITLE",
    "Agenda",
    "AgendaItem",
    "AgendaMeeting",
    "Governance",
    "MeetingPart",
    "PaperKind",
    "PaperPurpose",
    "PaperSource",
    "Person",
    "PreviousForum",
    "RiskAppetite",
    "RiskRegisterEntry",
]

#: The sections of a board paper's body, in the order of the reference trust's template; the
#: governance table follows them at the end of the paper.
PAPER_SECTIONS: tuple[str, ...] = (
    "Purpose of the Report",
    "Analysis of the Issue",
    "Proposal",
    "Decision Required",
)

#: What a public paper shows in place of a risk-register entry's title that the register
#: withholds from meetings in public (its number is shown).
WITHHELD_TITLE = "title withheld from meetings in public"


class PaperPurpose(StrEnum):
    """What the meeting is asked to do with the paper."""

    APPROVE = "approve"
    ASSURE = "assure"
    DISCUSS = "discuss"
    NOTE = "note"
    INFORMATION = "information"

    @property
    def label(self) -> str:
        """As the governance table says it ("For assurance")."""
        return {
            "approve": "For approval",
            "assure": "For assurance",
            "discuss": "For discussion",
            "note": "To note",
            "information": "For information",
        }[self.value]


def _assurance_level(value: object) -> object:
    """``partially assured``, ``Partially_Assured`` and ``partially`` as the enum's value."""
    if isinstance(value, str):
        text = value.strip().lower().replace(" ", "_")
        return "partially_assured" if text == "partially" else text
    return value


def _blank_as_none(value: object) -> object:
    return None if isinstance(value, str) and not value.strip() else value


class Person(Frozen):
    """Someone who answers for a paper, by name and by role."""

    name: str = Field(min_length=1, description="the person's name, e.g. Daniel Okafor")
    role: str = Field(min_length=1, description="their role, e.g. Chief Operating Officer")

    def __str__(self) -> str:
        return f"{self.name}, {self.role}"


class PreviousForum(Frozen):
    """A forum that considered the paper before, when, and the assurance it took."""

    name: str = Field(min_length=1)
    meeting_date: date | None = Field(
        default=None, validation_alias=AliasChoices("date", "meeting_date")
    )
    assurance: AssuranceLevel | None = None
    outcome: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _named(cls, data: object) -> object:
        return {"name": data} if isinstance(data, str) else data

    _level = field_validator("assurance", mode="before")(_assurance_level)
    _blank = field_validator("outcome", mode="before")(_blank_as_none)


class RiskRegisterEntry(Frozen):
    """An entry of the organisational risk register, by its number and its title."""

    number: str = Field(min_length=1, pattern=CODE_PATTERN, description="e.g. CRR-087")
    title: str = Field(min_length=1)

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class RiskAppetite(Frozen):
    """Whether what the paper proposes is consistent with the trust's risk appetite: yes or
    no, and why; a "no" must say why."""

    consistent: bool
    reason: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _answer(cls, data: object) -> object:
        return {"consistent": data} if isinstance(data, bool) else data

    _blank = field_validator("reason", mode="before")(_blank_as_none)

    @model_validator(mode="after")
    def _reasoned(self) -> RiskAppetite:
        if not self.consistent and not self.reason:
            raise ValueError(
                "a paper that is not consistent with the risk appetite must give the reason "
                "(risk_appetite.reason)"
            )
        return self

    @property
    def answer(self) -> str:
        """ "Yes" or "No"."""
        return "Yes" if self.consistent else "No"


#: Fields that must be filled before a paper is published (domain.md §6).
MANDATORY_FIELDS: tuple[str, ...] = (
    "title",
    "meeting",
    "meeting_date",
    "sponsor",
    "author",
    "date_submitted",
    "purpose",
    "assurance_offered",
    "strategic_goals",
    "risk_appetite",
    "fomi",
    "patient_safety_confirmed",
    "equality",
    "decision_required",
)

_TEXT_FIELDS = (
    "title",
    "meeting",
    "agenda_item",
    "executive_summary",
    "assurance_rationale",
    "next_update",
    "fomi",
    "patient_safety_note",
    "equality",
    "decision_required",
)


class Governance(Frozen):
    """A board paper's governance table (domain.md §6): one schema for every paper.

    Free-text fields (executive summary, rationale, FOMI, patient safety note, equality,
    decision required, the risk-appetite reason) are Markdown with emphasis and links.
    """

    title: str | None = None
    meeting: str | None = None
    meeting_date: date | None = None
    agenda_item: str | None = None
    date_submitted: date | None = None
    purpose: PaperPurpose | None = None
    sponsor: Person | None = Field(default=None, description="the executive sponsor")
    author: Person | None = None
    previous_forums: tuple[PreviousForum, ...] = ()
    executive_summary: str | None = None
    assurance_offered: AssuranceLevel | None = None
    assurance_rationale: str | None = None
    decision_required: str | None = Field(
        default=None, description="the recommendation: what the meeting is asked to decide"
    )
    routine: bool = True
    next_update: str | None = Field(default=None, description="when the forum hears next")
    strategic_goals: tuple[str, ...] = ()
    baf_links: tuple[str, ...] = Field(default=(), description="Board Assurance Framework risks")
    risk_register: tuple[RiskRegisterEntry, ...] = ()
    risk_appetite: RiskAppetite | None = None
    fomi: str | None = Field(default=None, description="false or misleading information")
    patient_safety_confirmed: bool | None = None
    patient_safety_note: str | None = None
    equality: str | None = None

    _lists = field_validator("strategic_goals", "baf_links", mode="before")(split_list)
    _level = field_validator("assurance_offered", mode="before")(_assurance_level)
    _blank = field_validator(*_TEXT_FIELDS, mode="before")(_blank_as_none)

    @field_validator("purpose", mode="before")
    @classmethod
    def _purpose(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("sponsor", "author", mode="before")
    @classmethod
    def _person(cls, value: object) -> object:
        if isinstance(value, str):
            raise ValueError(
                f"give the name and the role, e.g. {{name: Daniel Okafor, role: Chief Operating "
                f"Officer}}; got only {value!r}"
            )
        return value

    @field_validator("risk_register", mode="before")
    @classmethod
    def _entries(cls, value: object) -> object:
        if value is None:
            return ()
        if isinstance(value, str):
            raise ValueError(
                "give each entry's number and title, e.g. "
                "[{number: CRR-087, title: Neurodevelopmental assessment waiting times}]"
            )
        return value

    # the dates are checked on their own fields (declared after meeting_date, so it is read
    # first), so that a problem names the field that is out of order
    @field_validator("date_submitted", mode="after")
    @classmethod
    def _submitted_in_time(cls, value: date | None, info: ValidationInfo) -> date | None:
        meeting = info.data.get("meeting_date")
        if value is not None and meeting is not None and value > meeting:
            raise ValueError(
                f"the paper is submitted ({value.isoformat()}) after its meeting "
                f"({meeting.isoformat()}); date_submitted must be on or before meeting_date"
            )
        return value

    @field_validator("previous_forums", mode="after")
    @classmethod
    def _considered_before(
        cls, value: tuple[PreviousForum, ...], info: ValidationInfo
    ) -> tuple[PreviousForum, ...]:
        meeting = info.data.get("meeting_date")
        for forum in value:
            if (
                forum.meeting_date is not None
                and meeting is not None
                and forum.meeting_date > meeting
            ):
                raise ValueError(
                    f"the previous forum {forum.name} meets ({forum.meeting_date.isoformat()}) "
                    f"after the paper's meeting ({meeting.isoformat()}); a previous forum's "
                    "date must be on or before meeting_date"
                )
        return value

    def committees(self) -> tuple[str, ...]:
        """The forums that considered the paper before, by name, in the table's order."""
        return tuple(f.name for f in self.previous_forums)

    def missing(self) -> list[str]:
        """The mandatory fields that are blank, in the table's order."""
        out = []
        for name in MANDATORY_FIELDS:
            value: Any = getattr(self, name)
            if value is None or value == "" or value == ():
                out.append(name)
        return out


class MeetingPart(StrEnum):
    """The part of a meeting an item is taken in: in public, or in private (confidential)."""

    PUBLIC = "public"
    PRIVATE = "private"


class PaperKind(StrEnum):
    """Where an agenda item's paper comes from."""

    MARKDOWN = "markdown"
    PDF = "pdf"
    REPORT = "report"
    BAF = "baf"
    VERBAL = "verbal"


_TIME = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


def _clock_time(value: object) -> object:
    # YAML 1.1 reads an unquoted 09:30 as a sexagesimal number of minutes
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value // 60:02d}:{value % 60:02d}"
    return value


class PaperSource(Frozen):
    """An item's paper: a Markdown paper or a supplied PDF (a path relative to the agenda),
    the generated performance report or BAF for a period, or a verbal item (no paper).

    Written in the agenda as ``verbal``, ``papers/ceo.md``, ``supplied/finance.pdf``,
    ``{report: 2024-12}`` or ``{baf: 2024-12}``.
    """

    kind: PaperKind
    path: str | None = None
    period: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _written(cls, data: object) -> object:
        if isinstance(data, str):
            text = data.strip()
            if text.lower() == "verbal":
                return {"kind": "verbal"}
            suffix = text.lower().rsplit(".", 1)[-1] if "." in text else ""
            kinds = {"md": "markdown", "pdf": "pdf"}
            if suffix not in kinds:
                raise ValueError(
                    f"'{text}' is not a paper: give a Markdown file (.md), a PDF (.pdf), "
                    "'verbal', {report: PERIOD} or {baf: PERIOD}"
                )
            return {"kind": kinds[suffix], "path": text}
        if isinstance(data, dict) and "kind" not in data and len(data) == 1:
            ((key, value),) = data.items()
            if key in ("report", "baf"):
                return {"kind": key, "period": str(value)}
            raise ValueError(f"'{key}' is not a generated paper: use report or baf")
        return data


class AgendaItem(Frozen):
    """One item of a meeting's agenda, in order."""

    number: str = Field(min_length=1, description="e.g. TB/25/012")
    title: str = Field(min_length=1)
    presenter: str | None = None
    purpose: PaperPurpose
    time: str | None = Field(default=None, pattern=_TIME)
    paper: PaperSource
    #: the part of the meeting it is taken in (the meeting's part unless it says)
    part: MeetingPart | None = None
    #: governance fields of a generated paper (the performance report, the BAF)
    governance: Governance | None = None

    @field_validator("purpose", mode="before")
    @classmethod
    def _purpose(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    _clock = field_validator("time", mode="before")(_clock_time)


class AgendaMeeting(Frozen):
    """The meeting an agenda is for: the one source of its date."""

    forum: str = Field(min_length=1, description="the forum's id in the catalogue")
    name: str = Field(min_length=1, description="e.g. Trust Board (public)")
    meeting_date: date = Field(validation_alias=AliasChoices("date", "meeting_date"))
    time: str | None = Field(default=None, pattern=_TIME)
    place: str | None = None
    link: str | None = None
    part: MeetingPart = MeetingPart.PUBLIC
    #: the reporting period the meeting considers, and the calendar's dates before it
    period: str | None = None
    data_cutoff: date | None = None
    narrative_due: date | None = None
    papers_due: date | None = None

    _clock = field_validator("time", mode="before")(_clock_time)


class Agenda(Frozen):
    """A meeting and its items in order; item numbers are unique."""

    meeting: AgendaMeeting
    items: tuple[AgendaItem, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> Agenda:
        seen: set[str] = set()
        for item in self.items:
            if item.number in seen:
                raise ValueError(f"item number {item.number} is given twice")
            seen.add(item.number)
        return self

    def part_of(self, item: AgendaItem) -> MeetingPart:
        """The part of the meeting ``item`` is taken in."""
        if self.meeting.part is MeetingPart.PRIVATE:
            return MeetingPart.PRIVATE
        return item.part or self.meeting.part
