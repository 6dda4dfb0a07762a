"""External assurance as values: CQC ratings and NHS Staff Survey results.

The vocabulary is the publishers' own.  CQC rates each core service and the trust on five key
questions and overall, in four ratings, and also publishes "Inspected but not rated",
"Insufficient evidence to rate" and "No action" (none is a rating, so none is ranked).  The
NHS Staff Survey's organisational results give, per question, the share of respondents giving
an answer (``rate``, a percentage) and how many answered it (``base``); the measures kept here
are the question-level rates of the published organisational results file, each with the direction
in which the share is better.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Final

__all__ = [
    "CQC_RATING_COLOURS",
    "KEY_QUESTION_LABELS",
    "OVERALL",
    "RATING_LABELS",
    "STAFF_SURVEY_MEASURES",
    "CqcRating",
    "KeyQuestion",
    "Rating",
    "StaffSurveyMeasure",
    "StaffSurveyResult",
    "parse_key_question",
    "parse_rating",
]


class KeyQuestion(StrEnum):
    """CQC's five key questions, and the overall rating beside them."""

    SAFE = "safe"
    EFFECTIVE = "effective"
    CARING = "caring"
    RESPONSIVE = "responsive"
    WELL_LED = "well-led"
    OVERALL = "overall"


#: The column the grid gives the overall rating.
OVERALL: Final = KeyQuestion.OVERALL

#: CQC's words for each key question, in the grid's column order.
KEY_QUESTION_LABELS: Final[dict[KeyQuestion, str]] = {
    KeyQuestion.SAFE: "Safe",
    KeyQuestion.EFFECTIVE: "Effective",
    KeyQuestion.CARING: "Caring",
    KeyQuestion.RESPONSIVE: "Responsive",
    KeyQuestion.WELL_LED: "Well-led",
    KeyQuestion.OVERALL: "Overall",
}


class Rating(StrEnum):
    """A published CQC rating, or one of the published outcomes that are not ratings."""

    OUTSTANDING = "outstanding"
    GOOD = "good"
    REQUIRES_IMPROVEMENT = "requires-improvement"
    INADEQUATE = "inadequate"
    INSPECTED_NOT_RATED = "inspected-not-rated"
    INSUFFICIENT_EVIDENCE = "insufficient-evidence"
    NO_ACTION = "no-action"

    @property
    def is_rating(self) -> bool:
        """Whether this is one of the four ratings (the others are outcomes, not ratings)."""
        return self in _FOUR


_FOUR: Final = frozenset(
    {Rating.OUTSTANDING, Rating.GOOD, Rating.REQUIRES_IMPROVEMENT, Rating.INADEQUATE}
)

#: CQC's words for each outcome, as its reports and open data write them.
RATING_LABELS: Final[dict[Rating, str]] = {
    Rating.OUTSTANDING: "Outstanding",
    Rating.GOOD: "Good",
    Rating.REQUIRES_IMPROVEMENT: "Requires improvement",
    Rating.INADEQUATE: "Inadequate",
    Rating.INSPECTED_NOT_RATED: "Inspected but not rated",
    Rating.INSUFFICIENT_EVIDENCE: "Insufficient evidence to rate",
    Rating.NO_ACTION: "No action",
}

#: The colours of CQC's rating scheme (blue outstanding, green good, amber requires improvement,
#: red inadequate); the outcomes that are not ratings are grey.
CQC_RATING_COLOURS: Final[dict[Rating, str]] = {
    Rating.OUTSTANDING: "#00a0df",
    Rating.GOOD: "#00853f",
    Rating.REQUIRES_IMPROVEMENT: "#f7a600",
    Rating.INADEQUATE: "#b5121b",
    Rating.INSPECTED_NOT_RATED: "#8a8a8a",
    Rating.INSUFFICIENT_EVIDENCE: "#8a8a8a",
    Rating.NO_ACTION: "#8a8a8a",
}

_RATING_WORDS: Final[dict[str, Rating]] = {
    label.lower(): rating for rating, label in RATING_LABELS.items()
}
_KEY_QUESTION_WORDS: Final[dict[str, KeyQuestion]] = {
    **{label.lower(): question for question, label in KEY_QUESTION_LABELS.items()},
    "well led": KeyQuestion.WELL_LED,
}


def parse_rating(text: str) -> Rating | None:
    """The outcome CQC's words name (any case, surrounding spaces ignored), or ``None``."""
    return _RATING_WORDS.get(" ".join(text.split()).lower())


def parse_key_question(text: str) -> KeyQuestion | None:
    """The key question (or overall) CQC's words name, or ``None``."""
    return _KEY_QUESTION_WORDS.get(" ".join(text.split()).lower())


@dataclass(frozen=True, slots=True)
class CqcRating:
    """One published CQC rating: whose, for which service and key question, and when.

    ``location_id`` is empty for the provider's (the trust's) own ratings; ``service`` is
    ``"Overall"`` for the aggregated rating of the provider or location.
    """

    provider_id: str
    provider_name: str
    location_id: str
    location_name: str
    service: str
    key_question: KeyQuestion
    rating: Rating
    published: date
    report_type: str
    inherited: bool


@dataclass(frozen=True, slots=True)
class StaffSurveyMeasure:
    """A question-level measure of the organisational results file."""

    column: str
    label: str
    higher_is_better: bool


#: The measures read from the organisational results file: its ``<name>_rate`` column (with
#: ``<name>_base`` beside it), what the share counts, and which way is better.
STAFF_SURVEY_MEASURES: Final[tuple[StaffSurveyMeasure, ...]] = (
    StaffSurveyMeasure("Burned_out", "often or always burnt out because of work", False),
    StaffSurveyMeasure("Stress", "unwell as a result of work-related stress", False),
    StaffSurveyMeasure("Enough_staff", "enough staff to do my job properly", True),
    StaffSurveyMeasure("Time_demands_meet", "able to meet the demands on my time", True),
    StaffSurveyMeasure(
        "Emotional_public", "harassment, bullying or abuse from patients or the public", False
    ),
    StaffSurveyMeasure("Physical_public", "physical violence from patients or the public", False),
    StaffSurveyMeasure(
        "Discrimination_internal", "discrimination from a manager or colleagues", False
    ),
)


@dataclass(frozen=True, slots=True)
class StaffSurveyResult:
    """One organisation's result on one measure in one survey year."""

    org_code: str
    org_name: str
    year: int
    benchmarking_group: str
    respondents: int | None
    measure: str
    base: int | None
    rate: float | None
