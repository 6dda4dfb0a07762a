"""The Board Assurance Framework: strategic risks, their scores, controls and assurances.

Value types only (no I/O).  Scores use the NHS 5×5 likelihood × consequence matrix of the
NPSA guidance "A risk matrix for risk managers" (January 2008); grading bands and the risk
appetite scale are configured per trust (domain.md §5.3–5.4), with the NPSA bands as default.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import Field, field_validator, model_validator

from trustboard.domain._base import CODE_PATTERN, Frozen, split_list
from trustboard.domain.narrative import Action
from trustboard.errors import ErrorCode

__all__ = [
    "CHECK_RULES",
    "DEFAULT_BANDS",
    "DEFAULT_CONSEQUENCE_LABELS",
    "DEFAULT_LIKELIHOOD_LABELS",
    "MATRIX_SCORES",
    "AppetiteLevel",
    "AppetiteScale",
    "Assurance",
    "AssuranceLine",
    "AssuranceResult",
    "BafRegister",
    "BafRisk",
    "CheckRule",
    "Control",
    "CrrEntry",
    "EvidenceFlag",
    "FieldGroup",
    "FlagSeverity",
    "Gap",
    "GapKind",
    "GradingBand",
    "ReviewEntry",
    "RiskScore",
    "ScoreTrend",
    "ScoringScheme",
    "StrategicObjective",
    "default_appetite_scale",
]

ItemId = Annotated[str, Field(pattern=CODE_PATTERN, max_length=64)]


#: Every score the 5×5 matrix can produce (products of 1–5 by 1–5).
MATRIX_SCORES: tuple[int, ...] = tuple(
    sorted({lk * cq for lk in range(1, 6) for cq in range(1, 6)})
)

#: NPSA (2008) likelihood descriptors, score 1 to 5.
DEFAULT_LIKELIHOOD_LABELS: tuple[str, ...] = (
    "Rare",
    "Unlikely",
    "Possible",
    "Likely",
    "Almost certain",
)
#: NPSA (2008) consequence descriptors, score 1 to 5 (some trusts say "Insignificant" for 1).
DEFAULT_CONSEQUENCE_LABELS: tuple[str, ...] = (
    "Negligible",
    "Minor",
    "Moderate",
    "Major",
    "Catastrophic",
)


class RiskScore(Frozen):
    """A position on the 5×5 matrix: likelihood (1–5) × consequence (1–5)."""

    likelihood: int = Field(ge=1, le=5)
    consequence: int = Field(ge=1, le=5)

    @property
    def score(self) -> int:
        """Likelihood × consequence, 1 to 25."""
        return self.likelihood * self.consequence

    def __str__(self) -> str:
        return f"{self.score} (L{self.likelihood} × C{self.consequence})"


class GradingBand(Frozen):
    """A band of scores with a name and a colour (e.g. 15–25 'Extreme', red)."""

    name: str = Field(min_length=1)
    low: int = Field(ge=1, le=25)
    high: int = Field(ge=1, le=25)
    colour: str = Field(pattern=r"^#[0-9A-Fa-f]{6}$")

    @model_validator(mode="after")
    def _ordered(self) -> GradingBand:
        if self.high < self.low:
            raise ValueError(f"band '{self.name}': high ({self.high}) is below low ({self.low})")
        return self

    @property
    def css_name(self) -> str:
        """The band name as a CSS-safe token (``extreme``, ``moderate``)."""
        return "".join(ch if ch.isalnum() else "-" for ch in self.name.lower()).strip("-")


#: NPSA model bands: 1–3 low (green), 4–6 moderate (yellow), 8–12 high (amber), 15–25 extreme (red).
DEFAULT_BANDS: tuple[GradingBand, ...] = (
    GradingBand(name="Low", low=1, high=3, colour="#78BE20"),
    GradingBand(name="Moderate", low=4, high=6, colour="#FFEB3B"),
    GradingBand(name="High", low=8, high=12, colour="#ED8B00"),
    GradingBand(name="Extreme", low=15, high=25, colour="#DA291C"),
)


class ScoringScheme(Frozen):
    """The trust's risk matrix: descriptors, grading bands and the CRR escalation threshold.

    Bands must cover every score the matrix can produce exactly once (7, 13 and 14 cannot
    occur, so 4–6 and 4–7 are the same band in practice).
    """

    likelihood_labels: tuple[str, ...] = DEFAULT_LIKELIHOOD_LABELS
    consequence_labels: tuple[str, ...] = DEFAULT_CONSEQUENCE_LABELS
    bands: tuple[GradingBand, ...] = DEFAULT_BANDS
    #: corporate risk register entries at or above this score are escalated (domain.md §5.6)
    escalation_threshold: int = Field(default=15, ge=1, le=25)

    @model_validator(mode="after")
    def _complete(self) -> ScoringScheme:
        if len(self.likelihood_labels) != 5 or len(self.consequence_labels) != 5:
            raise ValueError("the matrix needs five likelihood and five consequence descriptors")
        for score in MATRIX_SCORES:
            hits = [b.name for b in self.bands if b.low <= score <= b.high]
            if len(hits) != 1:
                where = "no band" if not hits else "bands " + ", ".join(hits)
                raise ValueError(
                    f"score {score} falls in {where}; every score needs exactly one band"
                )
        return self

    def band_for(self, score: int) -> GradingBand:
        """The grading band of ``score``."""
        for band in self.bands:
            if band.low <= score <= band.high:
                return band
        raise ValueError(f"score {score} is outside the matrix (1–25)")

    def likelihood_label(self, likelihood: int) -> str:
        """The descriptor of likelihood 1–5."""
        return self.likelihood_labels[likelihood - 1]

    def consequence_label(self, consequence: int) -> str:
        """The descriptor of consequence 1–5."""
        return self.consequence_labels[consequence - 1]


class AppetiteLevel(Frozen):
    """One level of the appetite scale with the range of scores it tolerates."""

    name: str = Field(min_length=1)
    ordinal: int = Field(ge=0)
    min_score: int = Field(ge=1, le=25)
    max_score: int = Field(ge=1, le=25)
    description: str | None = None

    @model_validator(mode="after")
    def _ordered(self) -> AppetiteLevel:
        if self.max_score < self.min_score:
            raise ValueError(f"appetite level '{self.name}': max_score is below min_score")
        return self

    def tolerates(self, score: int) -> bool:
        """Whether ``score`` is within the tolerated range (at or below its top)."""
        return score <= self.max_score

    @property
    def range_text(self) -> str:
        """The tolerated range as a reader sees it: ``6–10``."""
        return f"{self.min_score}–{self.max_score}"


class AppetiteScale(Frozen):
    """The trust's ordered appetite scale (GGI NHS matrix style, domain.md §5.4)."""

    levels: tuple[AppetiteLevel, ...]
    #: categories a risk's appetite is stated for (finance, quality, compliance, reputation ...)
    categories: tuple[str, ...] = ()

    _split = field_validator("categories", mode="before")(split_list)

    @model_validator(mode="after")
    def _unique_and_ordered(self) -> AppetiteScale:
        if not self.levels:
            raise ValueError("the appetite scale needs at least one level")
        names = [lvl.name.lower() for lvl in self.levels]
        if len(set(names)) != len(names):
            raise ValueError("appetite level names must be unique")
        ordinals = [lvl.ordinal for lvl in self.levels]
        if ordinals != sorted(set(ordinals)):
            raise ValueError("appetite levels must be listed in rising, distinct ordinal order")
        return self

    def level(self, name: str) -> AppetiteLevel | None:
        """The level called ``name`` (case-insensitive), or None."""
        wanted = name.strip().lower()
        return next((lvl for lvl in self.levels if lvl.name.lower() == wanted), None)

    @property
    def names(self) -> tuple[str, ...]:
        """Level names in order."""
        return tuple(lvl.name for lvl in self.levels)


def default_appetite_scale() -> AppetiteScale:
    """The GGI NHS risk appetite matrix levels with illustrative tolerated score ranges.

    The ranges are the kind a board agrees ("Cautious = target score 6–10", domain.md §5.4);
    each trust sets its own.
    """
    return AppetiteScale(
        levels=(
            AppetiteLevel(
                name="Avoid",
                ordinal=0,
                min_score=1,
                max_score=3,
                description="Avoidance of risk and uncertainty is a key objective",
            ),
            AppetiteLevel(
                name="Minimal",
                ordinal=1,
                min_score=1,
                max_score=6,
                description="As little as reasonably possible",
            ),
            AppetiteLevel(
                name="Cautious",
                ordinal=2,
                min_score=6,
                max_score=10,
                description="Preference for safe options with a low degree of risk",
            ),
            AppetiteLevel(
                name="Open",
                ordinal=3,
                min_score=8,
                max_score=12,
                description="Willing to consider all options",
            ),
            AppetiteLevel(
                name="Seek",
                ordinal=4,
                min_score=12,
                max_score=16,
                description="Eager to be innovative",
            ),
            AppetiteLevel(
                name="Mature",
                ordinal=5,
                min_score=15,
                max_score=20,
                description="Confident in setting high levels of risk appetite",
            ),
        ),
        categories=("quality", "finance", "compliance", "reputation", "workforce", "partnerships"),
    )


class StrategicObjective(Frozen):
    """A goal of the trust that BAF risks threaten (domain.md §1.3)."""

    id: ItemId
    title: str = Field(min_length=1)
    description: str | None = None


class Control(Frozen):
    """Something in place that reduces the risk (policy, process, staffing model, group)."""

    id: ItemId
    description: str = Field(min_length=1)


class GapKind(StrEnum):
    """A gap in control (a missing or ineffective control) or in assurance (missing evidence)."""

    CONTROL = "control"
    ASSURANCE = "assurance"


class Gap(Frozen):
    """A gap in control or in assurance, with the actions that address it."""

    id: ItemId
    kind: GapKind
    description: str = Field(min_length=1)
    action_ids: tuple[str, ...] = ()

    _split = field_validator("action_ids", mode="before")(split_list)


class AssuranceLine(StrEnum):
    """Three lines of defence (domain.md §5.5)."""

    FIRST = "first"
    SECOND = "second"
    THIRD = "third"

    @property
    def label(self) -> str:
        """``1st line`` … ``3rd line``."""
        return {"first": "1st line", "second": "2nd line", "third": "3rd line"}[self.value]


class AssuranceResult(StrEnum):
    """What an assurance said about the controls."""

    POSITIVE = "positive"
    NEGATIVE = "negative"
    MIXED = "mixed"


class Assurance(Frozen):
    """Evidence that controls work: its line of defence, source, date and result."""

    id: ItemId
    line: AssuranceLine
    source: str = Field(min_length=1)
    date: date
    result: AssuranceResult
    description: str | None = None


class ReviewEntry(Frozen):
    """One review of a risk: the scores agreed on a date, with the rationale and reviewer."""

    date: date
    current: RiskScore
    target: RiskScore | None = None
    rationale: str = Field(min_length=1)
    reviewer: str | None = None
    #: the committee that accepted the review (a forum id of the catalogue); None while the
    #: review awaits a committee
    committee: str | None = Field(default=None, pattern=CODE_PATTERN, max_length=64)


class CrrEntry(Frozen):
    """A corporate risk register entry that feeds a BAF risk (domain.md §5.6)."""

    id: ItemId
    title: str = Field(min_length=1)
    score: RiskScore
    owner: str | None = None

    def is_escalated(self, threshold: int) -> bool:
        """Whether the entry scores at or above the escalation threshold."""
        return self.score.score >= threshold


class FieldGroup(StrEnum):
    """Groups of a risk's fields that can be published or withheld as a whole."""

    DESCRIPTION = "description"
    SCORES = "scores"
    APPETITE = "appetite"
    CONTROLS = "controls"
    GAPS = "gaps"
    ASSURANCES = "assurances"
    ACTIONS = "actions"
    HISTORY = "history"
    KEY_METRICS = "key_metrics"
    CRR = "crr"


class ScoreTrend(StrEnum):
    """How the current score moved at the last review."""

    UP = "up"
    DOWN = "down"
    SAME = "same"
    NEW = "new"

    @property
    def arrow(self) -> str:
        """↑ ↓ → or a dash for a risk with a single review."""
        return {"up": "↑", "down": "↓", "same": "→", "new": "–"}[self.value]

    @property
    def label(self) -> str:
        """For screen readers and tables."""
        return {
            "up": "score rose",
            "down": "score fell",
            "same": "score unchanged",
            "new": "first review",
        }[self.value]


class BafRisk(Frozen):
    """A principal strategic risk with everything the BAF records about it (domain.md §5.2)."""

    id: ItemId
    title: str = Field(min_length=1)
    objectives: tuple[str, ...] = Field(min_length=1)
    cause: str = Field(min_length=1)
    event: str = Field(min_length=1)
    effect: str = Field(min_length=1)
    executive_lead: str = Field(min_length=1)
    lead_committee: str = Field(min_length=1)
    inherent: RiskScore | None = None
    current: RiskScore
    target: RiskScore
    #: why each score is what it is (the initial score's where the register has one)
    inherent_rationale: str | None = None
    current_rationale: str | None = None
    target_rationale: str | None = None
    target_date: date | None = None
    appetite_category: str = Field(min_length=1)
    appetite_level: str = Field(min_length=1)
    controls: tuple[Control, ...] = ()
    gaps: tuple[Gap, ...] = ()
    assurances: tuple[Assurance, ...] = ()
    actions: tuple[Action, ...] = ()
    history: tuple[ReviewEntry, ...] = ()
    key_metrics: tuple[str, ...] = ()
    crr: tuple[CrrEntry, ...] = ()
    next_review: date | None = None
    #: False keeps the whole risk out of public packs
    publish: bool = True
    #: field groups of this risk never shown in public packs
    withhold: tuple[FieldGroup, ...] = ()

    _split = field_validator("objectives", "key_metrics", "withhold", mode="before")(split_list)

    @model_validator(mode="before")
    @classmethod
    def _link_actions(cls, data: object) -> object:
        # Actions belong to their risk; an original due date equal to the due date says nothing
        # more than no original due date, so both are held the same way (slippage 0).
        if isinstance(data, dict) and data.get("actions") and data.get("id"):
            linked = []
            for action in data["actions"]:
                if isinstance(action, dict):
                    if not action.get("baf_risk_id"):
                        action = {**action, "baf_risk_id": data["id"]}
                    if action.get("original_due") is not None and str(
                        action["original_due"]
                    ) == str(action.get("due")):
                        action = {k: v for k, v in action.items() if k != "original_due"}
                elif isinstance(action, Action) and action.original_due == action.due:
                    action = action.model_copy(update={"original_due": None})
                linked.append(action)
            data = {**data, "actions": linked}
        return data

    @model_validator(mode="after")
    def _consistent(self) -> BafRisk:
        for action in self.actions:
            if action.baf_risk_id != self.id:
                raise ValueError(
                    f"action {action.id} belongs to {action.baf_risk_id}, not {self.id}"
                )
        dates = [entry.date for entry in self.history]
        if dates != sorted(dates) or len(set(dates)) != len(dates):
            raise ValueError("review history must be in date order with one review a day")
        for kind, items in (
            ("control", self.controls),
            ("gap", self.gaps),
            ("assurance", self.assurances),
            ("action", self.actions),
            ("CRR entry", self.crr),
        ):
            ids = [item.id for item in items]
            if len(set(ids)) != len(ids):
                raise ValueError(f"{kind} ids repeat within risk {self.id}")
        return self

    @property
    def description(self) -> str:
        """Cause → event → effect as one sentence ("If …, then …, resulting in …")."""
        return f"If {self.cause}, then {self.event}, resulting in {self.effect}."

    @property
    def last_review(self) -> ReviewEntry | None:
        """The latest review, or None."""
        return self.history[-1] if self.history else None

    @property
    def previous_review(self) -> ReviewEntry | None:
        """The review before the latest, or None."""
        return self.history[-2] if len(self.history) >= 2 else None

    @property
    def last_reviewed(self) -> date | None:
        """Date of the latest review."""
        return self.history[-1].date if self.history else None

    @property
    def trend(self) -> ScoreTrend:
        """Movement of the current score at the last review (domain.md §5.2 ``trend``)."""
        last, before = self.last_review, self.previous_review
        if last is None or before is None:
            return ScoreTrend.NEW
        if last.current.score > before.current.score:
            return ScoreTrend.UP
        if last.current.score < before.current.score:
            return ScoreTrend.DOWN
        return ScoreTrend.SAME

    @property
    def open_actions(self) -> tuple[Action, ...]:
        """Actions still to be done."""
        return tuple(a for a in self.actions if a.status.is_open)

    def assurances_by_line(self, line: AssuranceLine) -> tuple[Assurance, ...]:
        """Assurances from one line of defence, newest first."""
        return tuple(
            sorted(
                (a for a in self.assurances if a.line is line), key=lambda a: a.date, reverse=True
            )
        )

    def gaps_of(self, kind: GapKind) -> tuple[Gap, ...]:
        """Gaps in control or in assurance."""
        return tuple(g for g in self.gaps if g.kind is kind)

    def with_review(self, entry: ReviewEntry) -> BafRisk:
        """This risk after ``entry``: scores updated and the review added to the history.

        Raises ``ValueError`` when the review is not later than the last one.
        """
        if self.history and entry.date <= self.history[-1].date:
            raise ValueError(
                f"a review of {self.id} on {entry.date.isoformat()} must be later than the last "
                f"one ({self.history[-1].date.isoformat()})"
            )
        changes: dict[str, object] = {"current": entry.current, "history": (*self.history, entry)}
        if entry.target is not None:
            changes["target"] = entry.target
        return self.model_copy(update=changes)

    def shows(self, group: FieldGroup, public_groups: tuple[FieldGroup, ...]) -> bool:
        """Whether a public pack shows ``group`` of this risk."""
        return self.publish and group in public_groups and group not in self.withhold


class BafRegister(Frozen):
    """The whole framework: objectives, the scoring scheme, the appetite scale and the risks."""

    trust_name: str | None = None
    scoring: ScoringScheme = ScoringScheme()
    appetite: AppetiteScale = Field(default_factory=default_appetite_scale)
    objectives: tuple[StrategicObjective, ...] = ()
    risks: tuple[BafRisk, ...] = ()
    #: field groups a public pack may show (risks can withhold more)
    public_groups: tuple[FieldGroup, ...] = tuple(g for g in FieldGroup if g is not FieldGroup.CRR)

    _split = field_validator("public_groups", mode="before")(split_list)

    @model_validator(mode="after")
    def _unique(self) -> BafRegister:
        for kind, ids in (
            ("risk", [r.id for r in self.risks]),
            ("objective", [o.id for o in self.objectives]),
        ):
            if len(set(ids)) != len(ids):
                raise ValueError(f"{kind} ids must be unique")
        return self

    def risk(self, risk_id: str) -> BafRisk | None:
        """The risk with ``risk_id``, or None."""
        return next((r for r in self.risks if r.id == risk_id), None)

    def objective(self, objective_id: str) -> StrategicObjective | None:
        """The objective with ``objective_id``, or None."""
        return next((o for o in self.objectives if o.id == objective_id), None)

    def tolerance_for(self, risk: BafRisk) -> AppetiteLevel | None:
        """The appetite level of ``risk`` (None when its level is not on the scale)."""
        return self.appetite.level(risk.appetite_level)

    def with_risk(self, risk: BafRisk) -> BafRegister:
        """The register with ``risk`` replacing the one of the same id (or added)."""
        risks = [risk if r.id == risk.id else r for r in self.risks]
        if self.risk(risk.id) is None:
            risks.append(risk)
        return self.model_copy(update={"risks": tuple(risks)})

    def public(self) -> BafRegister:
        """What a public pack may show: unpublished risks and withheld field groups removed."""
        emptied = {
            FieldGroup.CONTROLS: ("controls",),
            FieldGroup.GAPS: ("gaps",),
            FieldGroup.ASSURANCES: ("assurances",),
            FieldGroup.ACTIONS: ("actions",),
            FieldGroup.HISTORY: ("history",),
            FieldGroup.KEY_METRICS: ("key_metrics",),
            FieldGroup.CRR: ("crr",),
        }
        risks = []
        for risk in self.risks:
            if not risk.publish:
                continue
            update: dict[str, object] = {}
            for group, fields in emptied.items():
                if not risk.shows(group, self.public_groups):
                    update.update({name: () for name in fields})
            if "gaps" in update and "actions" not in update:
                # an action written to close a withheld gap discloses the gap
                linked = {a for gap in risk.gaps for a in gap.action_ids}
                update["actions"] = tuple(a for a in risk.actions if a.id not in linked)
            risks.append(risk.model_copy(update=update))
        return self.model_copy(update={"risks": tuple(risks)})


class FlagSeverity(StrEnum):
    """A flag the Board should act on, or a warning about how the register is set."""

    FLAG = "flag"
    WARNING = "warning"


class EvidenceFlag(Frozen):
    """One finding of the evidence check: a sentence a Board member can act on."""

    risk_id: str
    code: str
    severity: FlagSeverity = FlagSeverity.FLAG
    message: str
    #: ids of what the finding rests on (metrics, actions, assurances)
    evidence: tuple[str, ...] = ()


class CheckRule(Frozen):
    """One rule of the evidence check: its code, a short label, what it means, what it reads."""

    code: str
    label: str
    meaning: str
    severity: FlagSeverity = FlagSeverity.FLAG
    #: field groups the finding rests on (a public pack shows it only if all are published)
    reads: tuple[FieldGroup, ...] = ()


#: The evidence check's rules (domain.md §4.4 and §5), in the order findings are listed.
CHECK_RULES: dict[str, CheckRule] = {
    rule.code: rule
    for rule in (
        CheckRule(
            code=ErrorCode.BAF_EVIDENCE,
            label="Score not supported by metrics",
            meaning="a key metric shows special cause concern at its latest point or "
            "consistently fails its target, and the score did not rise at the last review "
            "(a risk with one review or none included)",
            reads=(FieldGroup.SCORES, FieldGroup.HISTORY, FieldGroup.KEY_METRICS),
        ),
        CheckRule(
            code=ErrorCode.BAF_ABOVE_APPETITE,
            label="Above appetite",
            meaning="the current score is above the appetite tolerance (whether or not an "
            "open action is due later)",
            reads=(FieldGroup.SCORES, FieldGroup.APPETITE, FieldGroup.ACTIONS),
        ),
        CheckRule(
            code=ErrorCode.BAF_OVERDUE,
            label="Actions overdue",
            meaning="open actions are past their due date",
            reads=(FieldGroup.ACTIONS,),
        ),
        CheckRule(
            code=ErrorCode.BAF_NO_INDEPENDENT_ASSURANCE,
            label="No independent assurance",
            meaning="no second- or third-line assurance in the last 12 months",
            reads=(FieldGroup.ASSURANCES,),
        ),
        CheckRule(
            code=ErrorCode.BAF_TARGET_UNREACHABLE,
            label="Target not reachable",
            meaning="the target score cannot be reached by the dates of the open actions, or "
            "no open actions while the current score is above target",
            reads=(FieldGroup.SCORES, FieldGroup.ACTIONS),
        ),
        CheckRule(
            code=ErrorCode.BAF_NO_KEY_METRICS,
            label="No key metrics",
            meaning="the risk has no key metrics linked",
            reads=(FieldGroup.KEY_METRICS,),
        ),
        CheckRule(
            code=ErrorCode.BAF_TARGET_ABOVE_APPETITE,
            label="Target above appetite",
            meaning="the target score is above the appetite tolerance",
            severity=FlagSeverity.WARNING,
            reads=(FieldGroup.SCORES, FieldGroup.APPETITE),
        ),
    )
}
