"""Plain-English statements from an SPC result, for the summary, sections and alt text.

A statement says what the variation icon means for this metric and why it shows (which rule
fired, for how long), then what the assurance icon says about the target.  Example:
"Special cause concern: 8 consecutive months below the mean since August 2024; the 95% target
will be met inconsistently."  The wording follows the icon meanings of Making Data Count
(spc.md Part C.3) and reports special cause first, as MDC recommends (spc.md C.6).
"""

from __future__ import annotations

from collections.abc import Sequence

from trustboard.domain import Comparator, Frequency, MetricDefinition, Target, TargetType
from trustboard.render.pack.formatting import format_value
from trustboard.render.pack.model import SeriesPoint, SummaryRow

__all__ = ["describe_assurance", "describe_variation", "statement_for", "trailing_run"]

_PERIOD_WORDS: dict[Frequency, tuple[str, str]] = {
    Frequency.WEEKLY: ("week", "weeks"),
    Frequency.MONTHLY: ("month", "months"),
    Frequency.QUARTERLY: ("quarter", "quarters"),
    Frequency.ANNUAL: ("year", "years"),
}

_VARIATION_OPENERS: dict[str, str] = {
    "concern_high": "Special cause concern",
    "concern_low": "Special cause concern",
    "improvement_high": "Special cause improvement",
    "improvement_low": "Special cause improvement",
    "neutral_high": "Special cause variation (neither improvement nor concern)",
    "neutral_low": "Special cause variation (neither improvement nor concern)",
}


def _words(frequency: Frequency, count: int) -> str:
    single, plural = _PERIOD_WORDS[frequency]
    return single if count == 1 else plural


def _when(day: SeriesPoint, frequency: Frequency) -> str:
    if frequency is Frequency.WEEKLY:
        return f"the week of {day.date.day} {day.date.strftime('%B %Y')}"
    return day.date.strftime("%B %Y")


def trailing_run(points: Sequence[SeriesPoint], kind: str) -> tuple[int, SeriesPoint | None]:
    """Length and first point of the run that ends at the latest point.

    ``kind`` is ``above`` / ``below`` (points strictly on one side of the mean, the shift
    rule's run) or ``rising`` / ``falling`` (consecutive strict increases or decreases, the
    trend rule's run; the count is of points, so 7 points make 6 rises).  A missing or
    suppressed value ends a run, as it does in the SPC rules.
    """
    if not points or points[-1].value is None:
        return 0, None
    count = 0
    first: SeriesPoint | None = None
    if kind in ("above", "below"):
        side = 1 if kind == "above" else -1
        for point in reversed(points):
            if point.value is None or point.mean is None:
                break
            if (point.value > point.mean) - (point.value < point.mean) != side:
                break
            count += 1
            first = point
        return count, first
    if kind not in ("rising", "falling"):
        raise ValueError(f"unknown run kind {kind!r}")
    count, first = 1, points[-1]
    for later, earlier in zip(reversed(points), list(reversed(points))[1:], strict=False):
        if earlier.value is None or later.value is None:
            break
        step = later.value - earlier.value
        if (kind == "rising" and step > 0) or (kind == "falling" and step < 0):
            count += 1
            first = earlier
        else:
            break
    return count, first


def _pattern(
    points: Sequence[SeriesPoint], summary: SummaryRow, definition: MetricDefinition
) -> str:
    latest = points[-1] if points else None
    icon = summary.variation_icon or "common_cause"
    high = icon.endswith("_high")
    freq = definition.frequency
    label = (latest.special_cause_type if latest else "") or ""
    lowered = label.lower()
    beyond = (
        latest is not None
        and latest.value is not None
        and (
            (latest.upl is not None and latest.value > latest.upl)
            or (latest.lpl is not None and latest.value < latest.lpl)
        )
    )
    if latest is not None and (beyond or "ucl" in lowered or "lcl" in lowered):
        limit = latest.upl if high else latest.lpl
        where = "above the upper" if high else "below the lower"
        return (
            f"the latest value ({latest.display}) is {where} process limit "
            f"({format_value(limit, definition.unit, precise=True)})"
        )
    if "trend" in lowered:
        count, first = trailing_run(points, "rising" if high else "falling")
        if first is not None and count > 1:
            return (
                f"{count} consecutive {'rising' if high else 'falling'} "
                f"{_words(freq, count)} since {_when(first, freq)}"
            )
    if "2 in 3" in lowered or "two" in lowered:
        side = "upper" if high else "lower"
        return f"two of the last three points are close to the {side} process limit"
    count, first = trailing_run(points, "above" if high else "below")
    if first is not None and count > 1:
        return (
            f"{count} consecutive {_words(freq, count)} {'above' if high else 'below'} "
            f"the mean since {_when(first, freq)}"
        )
    return f"the latest value is unusually {'high' if high else 'low'}"


def describe_variation(
    points: Sequence[SeriesPoint], summary: SummaryRow, definition: MetricDefinition
) -> str:
    """The variation half of the statement (no full stop)."""
    unit = definition.unit
    if summary.n == 0 or summary.latest_date is None:
        return "No data is available for this period"
    icon = summary.variation_icon
    if icon is None and summary.mean is None:
        return "No process limits can be shown for this series"
    if icon is None or icon == "common_cause":
        if summary.lpl is None or summary.upl is None or summary.mean is None:
            return "Common cause variation: no significant change"
        if summary.lpl == summary.upl == summary.mean:
            return (
                "Common cause variation: no variation at all; every value is "
                f"{format_value(summary.mean, unit)}"
            )
        return (
            "Common cause variation: no significant change; values vary between "
            f"{format_value(summary.lpl, unit, precise=True)} and "
            f"{format_value(summary.upl, unit, precise=True)} around a mean of "
            f"{format_value(summary.mean, unit, precise=True)}"
        )
    opener = _VARIATION_OPENERS.get(icon, "Special cause variation")
    return f"{opener}: {_pattern(points, summary, definition)}"


def _target_phrase(target: float, definition: MetricDefinition, kind: Target | None) -> str:
    text = format_value(target, definition.unit)
    if kind is not None and kind.type is TargetType.NATIONAL_STANDARD:
        return f"the {text} national standard"
    if (
        kind is not None
        and kind.comparator is Comparator.LE
        and definition.polarity.improvement == "neutral"
    ):
        return f"the {text} ceiling"
    return f"the {text} target"


def describe_assurance(
    summary: SummaryRow, definition: MetricDefinition, target: Target | None = None
) -> str:
    """The assurance half of the statement (no full stop)."""
    if summary.target is None:
        if definition.polarity.improvement == "neutral":
            return "there is no target; the measure is monitored for change"
        return "there is no target to assure against"
    phrase = _target_phrase(summary.target, definition, target)
    icon = summary.assurance_icon
    if icon == "pass":
        return f"{phrase} will be met consistently"
    if icon == "fail":
        return f"{phrase} will not be met without a change to the process"
    if icon == "inconsistent":
        return f"{phrase} will be met inconsistently"
    if summary.lpl is None or summary.upl is None:
        return f"there are too few points to say whether {phrase} will be met"
    return f"{phrase} is shown for reference (no preferred direction)"


def statement_for(
    points: Sequence[SeriesPoint],
    summary: SummaryRow,
    definition: MetricDefinition,
    target: Target | None = None,
) -> str:
    """The full statement: variation, assurance and, where it applies, the trial-limit note.

    ``target`` is the target in force (its type decides "target" or "national standard");
    by default the definition's target at the latest point.
    """
    if target is None and summary.latest_date is not None:
        target = definition.target_on(summary.latest_date)
    text = (
        f"{describe_variation(points, summary, definition)}; "
        f"{describe_assurance(summary, definition, target)}."
    )
    if summary.n and summary.short_group_warning:
        text += (
            " The limits are provisional: fewer than 13 points since the limits were "
            "last calculated."
        )
    if points and points[-1].suppressed:
        text += " The latest value is suppressed because it is fewer than 5."
    return text
