"""What a sentence claims about a metric: run lengths, dates, means, limits, icons, counts.

The pre-publication checks (:mod:`trustboard.services.check`) read every generated statement
and every authored text through these small parsers and compare each claim with the facts
computed from the data.  A parser returns only what a sentence states outright; a sentence
that states nothing checkable gives no claim (and so no finding).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from trustboard.domain import Unit

__all__ = [
    "AssuranceClaim",
    "CountClaim",
    "FigureClaim",
    "RunClaim",
    "assurance_claim",
    "count_claims",
    "figure_claims",
    "month_start",
    "parse_number",
    "run_claims",
    "variation_claim",
]

_MONTHS = {
    name.lower(): i
    for i, name in enumerate(
        (
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ),
        start=1,
    )
}
_MONTH_RE = (
    r"(January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\s+(\d{4})"
)
_WORD_NUMBERS = {
    "no": 0,
    "none": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
}
_COUNT = r"(\d+|" + "|".join(_WORD_NUMBERS) + r")"


def _count(text: str) -> int:
    text = text.lower()
    return _WORD_NUMBERS[text] if text in _WORD_NUMBERS else int(text)


def month_start(name: str, year: str) -> date:
    """The first day of a month named in full or in short (``June 2024``, ``Jun 2024``)."""
    key = name.lower()
    number = _MONTHS.get(key) or next(v for k, v in _MONTHS.items() if k.startswith(key[:3]))
    return date(int(year), number, 1)


@dataclass(frozen=True, slots=True)
class RunClaim:
    """``count`` periods (``side``: above/below the mean, missed, or any) since ``start``."""

    count: int
    start: date | None
    side: str
    text: str


_RUN_SINCE = re.compile(
    _COUNT
    + r"\s+(?:consecutive\s+)?(?:months|weeks|quarters|periods|years)"
    + r"(?:\s+(above|below)\s+the\s+mean)?"
    + r"(?:\s+in\s+a\s+row)?\s+since\s+(?:the\s+week\s+of\s+\d{1,2}\s+)?"
    + _MONTH_RE,
    re.I,
)
_MISSED_FOR = re.compile(
    r"missed\s+(?:for\s+|in\s+)?(?:the\s+last\s+)?"
    + _COUNT
    + r"\s+consecutive\s+(?:months|weeks|quarters|periods|years)",
    re.I,
)


def run_claims(text: str) -> list[RunClaim]:
    """Runs stated in ``text``: "10 consecutive months above the mean since June 2024",
    "9 months since July 2024", "missed for 48 consecutive periods"."""
    out: list[RunClaim] = []
    for match in _RUN_SINCE.finditer(text):
        count, side, month, year = match.groups()
        out.append(
            RunClaim(_count(count), month_start(month, year), (side or "any").lower(), match[0])
        )
    for match in _MISSED_FOR.finditer(text):
        out.append(RunClaim(_count(match[1]), None, "missed", match[0]))
    return out


@dataclass(frozen=True, slots=True)
class AssuranceClaim:
    """The assurance icon a sentence implies (``None``: it says there is no target)."""

    icon: str | None
    text: str


_ASSURANCE_PHRASES: tuple[tuple[str, str | None], ...] = (
    ("will not be met", "fail"),
    ("will consistently not be met", "fail"),
    ("met inconsistently", "inconsistent"),
    ("will be met consistently", "pass"),
    ("will consistently be met", "pass"),
    ("no target to assure against", None),
)


def assurance_claim(text: str) -> AssuranceClaim | None:
    """The assurance a statement asserts, from its fixed phrases; None when it asserts none."""
    lowered = text.lower()
    for phrase, icon in _ASSURANCE_PHRASES:
        if phrase in lowered:
            return AssuranceClaim(icon, phrase)
    return None


_VARIATION_PHRASES: tuple[tuple[str, str], ...] = (
    ("special cause concern", "concern"),
    ("special cause improvement", "improvement"),
    ("neither improvement nor concern", "neutral"),
    ("common cause", "common"),
)


def variation_claim(text: str) -> set[str]:
    """The kinds of variation a text names (concern, improvement, neutral, common)."""
    lowered = text.lower()
    return {kind for phrase, kind in _VARIATION_PHRASES if phrase in lowered}


@dataclass(frozen=True, slots=True)
class FigureClaim:
    """A figure a text gives for a statistic (``mean``, ``lpl``, ``upl``), as written, with
    the rounding its written precision allows (both in the unit's stored scale)."""

    statistic: str
    written: str
    value: float
    tolerance: float


_NUMBER = r"(-?£?−?\(?£?\d[\d,]*(?:\.\d+)?\)?\s*(?:%|k|m|bn)?)"
_MEAN = re.compile(r"\bmean\s+(?:of\s+|was\s+|is\s+|at\s+|=\s*)?" + _NUMBER, re.I)
_LIMITS = re.compile(
    r"\b(?:process\s+|control\s+)?limits\s+(?:of\s+|are\s+|were\s+|at\s+|from\s+)?"
    + _NUMBER
    + r"\s+(?:and|to|–|-)\s+"
    + _NUMBER,
    re.I,
)


def parse_number(written: str, unit: Unit) -> tuple[float, float] | None:
    """A written figure in the unit's stored scale (percent as a fraction, money in £000s),
    with half a unit of its last written digit in that scale (the rounding it may carry);
    None when it is not a number."""
    text = written.strip().replace(",", "").replace("−", "-").replace("£", "")
    negative = text.startswith("-") or (text.startswith("(") and text.endswith(")"))
    text = text.strip("-()").strip()
    scale = 1.0
    for suffix, factor in (("%", 0.01), ("bn", 1_000_000.0), ("k", 1.0), ("m", 1000.0)):
        if text.endswith(suffix):
            text = text[: -len(suffix)].strip()
            scale = factor
            break
    else:
        if unit is Unit.PERCENT:
            scale = 0.01
    try:
        number = float(text)
    except ValueError:
        return None
    decimals = len(text.split(".")[1]) if "." in text else 0
    if unit is Unit.PERCENT and scale != 0.01:
        return None
    value = number * scale
    tolerance = 0.5 * 10.0 ** (-decimals) * scale
    return (-value if negative else value), tolerance


def figure_claims(text: str, unit: Unit) -> list[FigureClaim]:
    """Means and process limits a text quotes ("a mean of 4.2", "limits of 1.0 and 7.5")."""
    out: list[FigureClaim] = []
    for match in _MEAN.finditer(text):
        parsed = parse_number(match[1], unit)
        if parsed is not None:
            out.append(FigureClaim("mean", match[1].strip(), *parsed))
    for match in _LIMITS.finditer(text):
        for statistic, written in (("lpl", match[1]), ("upl", match[2])):
            parsed = parse_number(written, unit)
            if parsed is not None:
                out.append(FigureClaim(statistic, written.strip(), *parsed))
    return out


@dataclass(frozen=True, slots=True)
class CountClaim:
    """A number of metrics a text says are in a class (``concern``, ``failing``, ``stable``)."""

    kind: str
    count: int | None
    text: str


_COUNT_CLASS = re.compile(
    _COUNT
    + r"\s+(?:areas?|metrics?|measures?|indicators?)\s+"
    + r"(?:show|shows|showing|with|have|has|are|in)?\s*"
    + r"(special\s+cause\s+concern|special\s+cause\s+improvement|"
    + r"consistently\s+fail(?:ing|s)?|hit\s+and\s+miss|consistently\s+pass(?:ing|es)?)",
    re.I,
)
_REMAINING_STABLE = re.compile(
    r"(?:the\s+)?remaining\s+(?:areas|metrics|measures|indicators)\s+(?:are|were|remain)\s+"
    r"(?:stable|in\s+common\s+cause)",
    re.I,
)


def count_claims(text: str) -> list[CountClaim]:
    """Counts of metrics by icon class that an authored text states."""
    out: list[CountClaim] = []
    for match in _COUNT_CLASS.finditer(text):
        phrase = " ".join(match[2].lower().split())
        if phrase.startswith("special cause concern"):
            kind = "concern"
        elif phrase.startswith("special cause improvement"):
            kind = "improvement"
        elif phrase.startswith("consistently fail"):
            kind = "fail"
        elif phrase.startswith("hit and miss"):
            kind = "inconsistent"
        else:
            kind = "pass"
        out.append(CountClaim(kind, _count(match[1]), match[0]))
    for match in _REMAINING_STABLE.finditer(text):
        out.append(CountClaim("remaining_stable", None, match[0]))
    return out
