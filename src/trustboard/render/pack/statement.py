"""Plain-English statements from an SPC result, for the summary, sections and alt text.

A statement says what the variation icon means for this metric and why it shows (which rule
fired, for how long), then what the assurance icon says about the target.  Example:
"Special cause concern: 8 consecutive months below the mean since August 2024; the 95% target
will be met inconsistently."  The wording follows the icon meanings of Making Data Count
(spc.md Part C.3) and reports special cause first, as MDC recommends (spc.md C.6).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from trustboard.domain import (
    ChartType,
    Comparator,
    Frequency,
    MetricDefinition,
    Period,
    PeriodType,
    Target,
    TargetType,
)
from trustboard.render.pack.formatting import format_value
from trustboard.render.pack.model import SeriesPoint, SummaryRow
from trustboard.spc.constants import PTD_SHIFT_LENGTH, SHORT_GROUP_THRESHOLD
from trustboard.spc.review import shift_keeps_assurance

__all__ = [
    "RARE_EVENT_CHARTS",
    "RECENT_PERIODS",
    "StaleLimits",
    "assurance_with_basis",
    "chart_basis",
    "describe_assurance",
    "describe_variation",
    "figure_tag",
    "stale_assurance",
    "stale_limits",
    "statement_for",
    "target_record",
    "trailing_misses",
    "trailing_run",
    "trial_limits_note",
    "zero_is_not_a_signal",
]

#: Charts for rare events: counts of events (c) and time or cases between them (g, t).
RARE_EVENT_CHARTS = frozenset({ChartType.C, ChartType.G, ChartType.T})
#: How many recent periods the statement counts target hits over (a year of months).
RECENT_PERIODS = 12

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


def _latest_group(points: Sequence[SeriesPoint]) -> Sequence[SeriesPoint]:
    """The points of the latest rebase group: rules never look across a rebase."""
    if not points:
        return points
    group = points[-1].rebase_group
    start = len(points)
    while start > 0 and points[start - 1].rebase_group == group:
        start -= 1
    return points[start:]


def _follows(earlier: SeriesPoint, later: SeriesPoint, frequency: Frequency | None) -> bool:
    if frequency is None:
        return True
    return Period.containing(earlier.date, frequency).next().start == later.date


def trailing_run(
    points: Sequence[SeriesPoint], kind: str, frequency: Frequency | None = None
) -> tuple[int, SeriesPoint | None]:
    """Length and first point of the run that ends at the latest point.

    ``kind`` is ``above`` / ``below`` (points strictly on one side of the mean, the shift
    rule's run) or ``rising`` / ``falling`` (consecutive strict increases or decreases, the
    trend rule's run; the count is of points, so 7 points make 6 rises).  A missing or
    suppressed value ends a run, as it does in the SPC rules, and so does a rebase (runs stay
    in the latest group of limits).  With ``frequency``, a period with no row also ends it, so
    the count and the first date always agree ("10 consecutive months since June 2024" spans
    June 2024 to March 2025).
    """
    points = _latest_group(points)
    if not points or points[-1].value is None:
        return 0, None
    if kind not in ("above", "below", "rising", "falling"):
        raise ValueError(f"unknown run kind {kind!r}")
    if kind in ("above", "below"):
        side = 1 if kind == "above" else -1
        count = 0
        first: SeriesPoint | None = None
        for point in reversed(points):
            if point.value is None or point.mean is None:
                break
            if (point.value > point.mean) - (point.value < point.mean) != side:
                break
            if first is not None and not _follows(point, first, frequency):
                break
            count += 1
            first = point
        return count, first
    count, first = 1, points[-1]
    for later, earlier in zip(reversed(points), list(reversed(points))[1:], strict=False):
        if earlier.value is None or later.value is None:
            break
        if not _follows(earlier, later, frequency):
            break
        step = later.value - earlier.value
        if (kind == "rising" and step > 0) or (kind == "falling" and step < 0):
            count += 1
            first = earlier
        else:
            break
    return count, first


@dataclass(frozen=True, slots=True)
class StaleLimits:
    """A sustained shift at the end of the series that the latest limits predate."""

    #: points in the run (all strictly on one side of the mean, consecutive periods)
    count: int
    #: the run's first point: the proposed recalculation point
    first: SeriesPoint
    #: ``above`` or ``below`` the mean
    side: str

    def keeps(self, icon: str | None, mean: float | None, target: float | None) -> bool:
        """Whether the assurance ``icon`` of the old limits still holds after this shift: a
        "fail" or "pass" the shift moved further from the target (see
        :func:`trustboard.spc.review.shift_keeps_assurance`)."""
        return shift_keeps_assurance(icon, self.side, mean, target)


def stale_limits(
    points: Sequence[SeriesPoint],
    definition: MetricDefinition,
    shift_length: int = PTD_SHIFT_LENGTH,
) -> StaleLimits | None:
    """The sustained shift the latest limits predate, if there is one.

    A run of at least ``shift_length`` points strictly on one side of the mean that ends at the
    latest point and began after the latest limits did: the limits describe the process as it
    was before the change (Making Data Count: recalculate when a shift is sustained and
    explained; ``trustboard spc rebase``).  None when the latest group is itself the shift.
    """
    group = _latest_group(points)
    for side in ("above", "below"):
        count, first = trailing_run(group, side, definition.frequency)
        if first is None or count < shift_length or first is group[0]:
            continue
        # a run of empty periods on a rare-event c-chart is the usual result, not a new process
        if definition.chart_type is ChartType.C and all(p.value == 0 for p in group[-count:]):
            continue
        return StaleLimits(count, first, side)
    return None


def stale_assurance(
    points: Sequence[SeriesPoint], summary: SummaryRow, definition: MetricDefinition
) -> StaleLimits | None:
    """The sustained shift that leaves the assurance icon without a basis, if there is one.

    A shift toward or across the target (agency spend fallen below its ceiling while the old
    limits said "fail"), or any shift under a "hit and miss": the old limits cannot say
    whether the target will be met.  None when there is no such shift, and when the old
    limits' "fail" or "pass" lay wholly on one side of the target and the shift moved the
    process further from it (a fill rate falling further below its target): that conclusion
    still holds.  A withheld icon (None) is never kept.
    """
    shift = stale_limits(points, definition)
    if shift is None or shift.keeps(summary.assurance_icon, summary.mean, summary.target):
        return None
    return shift


def _target_at(point: SeriesPoint, definition: MetricDefinition) -> Target | None:
    return definition.target_on(point.date)


def trailing_misses(
    points: Sequence[SeriesPoint], definition: MetricDefinition
) -> tuple[int, SeriesPoint | None]:
    """Consecutive periods up to the latest that missed the target in force on each date.

    A missing or suppressed value, or a period with no target, ends the run (as the
    exception rule for national standards counts them).
    """
    count, first = 0, None
    for point in reversed(points):
        target = _target_at(point, definition)
        if point.value is None or target is None or target.is_met(point.value):
            break
        count += 1
        first = point
    return count, first


def target_record(
    points: Sequence[SeriesPoint], definition: MetricDefinition, last: int = RECENT_PERIODS
) -> tuple[int, int, bool | None]:
    """Of the last ``last`` points, how many met their target, of how many judged, and whether
    the latest did (None: the latest has no value or no target)."""
    met = judged = 0
    for point in points[-last:]:
        target = _target_at(point, definition)
        if point.value is None or target is None:
            continue
        judged += 1
        met += target.is_met(point.value)
    latest_met = None
    if points and points[-1].value is not None:
        target = _target_at(points[-1], definition)
        latest_met = None if target is None else target.is_met(points[-1].value)
    return met, judged, latest_met


def zero_is_not_a_signal(points: Sequence[SeriesPoint], definition: MetricDefinition) -> bool:
    """Whether the latest point is a count of 0 on a c-chart whose lower limit is 0.

    A c-chart's lower limit is 0 whenever the mean is 9 or less (c̄ - 3√c̄ ≤ 0), so a month
    with none can never fall outside it; for a rare event 0 is the usual count.  Such a point
    is not, by itself, evidence of improvement, and raises no exception.
    """
    if definition.chart_type is not ChartType.C or not points:
        return False
    latest = points[-1]
    return latest.value == 0 and (latest.lpl is None or latest.lpl <= 0)


def assurance_with_basis(
    points: Sequence[SeriesPoint], summary: SummaryRow, definition: MetricDefinition
) -> str | None:
    """The assurance icon to show, or None where it has no basis.

    None for a neutral metric, for one without a target in force at the latest point, and
    while the limits predate a sustained shift toward or across the target
    (:func:`stale_assurance`): then the statement says why instead.  Otherwise the computed
    icon, including a "fail" or "pass" that a shift away from the target leaves standing.
    """
    if summary.assurance_icon is None or definition.polarity.improvement == "neutral":
        return None
    if summary.latest_date is None or definition.target_on(summary.latest_date) is None:
        return None
    if stale_assurance(points, summary, definition) is not None:
        return None
    return summary.assurance_icon


def figure_tag(definition: MetricDefinition, org_unit: str | None, trust: str = "TRUST") -> str:
    """The tag printed beside a metric's figures: its id and the org unit the figures are for.

    Trust-wide figures carry no org unit, whichever directorate owns the metric ("SAF11", not
    "SAF11 · CHS"); a directorate's or team's figures carry its code ("SAF11 · CHS").
    """
    if org_unit is None or org_unit == trust:
        return definition.id
    return f"{definition.id} · {org_unit}"


def chart_basis(definition: MetricDefinition) -> str:
    """Which chart the page shows and why, from the catalogue's decision (one sentence)."""
    unit_of = {
        Frequency.WEEKLY: "week",
        Frequency.MONTHLY: "month",
        Frequency.QUARTERLY: "quarter",
        Frequency.ANNUAL: "year",
    }[definition.frequency]
    if definition.period_type is PeriodType.YTD:
        return (
            f"XmR chart of in-{unit_of} values, each the year-to-date figure less the one "
            "before it (the first of each financial year as it is), so no chart runs across "
            "an April reset; the year-to-date figure is compared with the plan, not judged "
            "by SPC."
        )
    reasons = {
        ChartType.XMR: f"XmR chart of the {unit_of}ly values: limits from the average moving "
        "range, with no assumption about the distribution.",
        ChartType.MR: "Moving-range chart: how much the value changes from one period to the next.",
        ChartType.P: "p-chart: a proportion whose limits widen and narrow with the number of "
        "cases each period.",
        ChartType.PP: "Laney p′ chart: a proportion whose denominators are so large that a "
        "p-chart's limits would be too narrow; the limits allow for the variation between "
        "periods.",
        ChartType.U: "u-chart: a rate whose limits widen and narrow with the exposure each period.",
        ChartType.UP: "Laney u′ chart: a rate whose exposure is so large that a u-chart's limits "
        "would be too narrow; the limits allow for the variation between periods.",
        ChartType.C: f"c-chart: a count of rare events each {unit_of}; a {unit_of} with none is "
        "expected and is not on its own a sign of improvement.",
        ChartType.G: "g-chart: the number of cases or days between rare events; a short gap is "
        "the concern.",
        ChartType.T: "t-chart: the time between rare events; a short gap is the concern.",
    }
    return reasons[definition.chart_type]


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
        count, first = trailing_run(points, "rising" if high else "falling", freq)
        if first is not None and count > 1:
            return (
                f"{count} consecutive {'rising' if high else 'falling'} "
                f"{_words(freq, count)} since {_when(first, freq)}"
            )
    if "2 in 3" in lowered or "two" in lowered:
        side = "upper" if high else "lower"
        return f"two of the last three points are close to the {side} process limit"
    count, first = trailing_run(points, "above" if high else "below", freq)
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
    text = f"{opener}: {_pattern(points, summary, definition)}"
    if icon.startswith("improvement") and zero_is_not_a_signal(points, definition):
        mean = points[-1].mean
        if mean is not None and mean > 0:
            # a c-chart models a Poisson count: P(0) = exp(-mean) (Montgomery)
            chance = math.exp(-mean)
            period = _PERIOD_WORDS[definition.frequency][0]
            text += (
                f", but at a mean of {format_value(mean, unit, precise=True)} a {period} a "
                f"count of 0 happens in {chance:.0%} of {_PERIOD_WORDS[definition.frequency][1]}"
                ", so it is not on its own evidence of improvement"
            )
    return text


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


def _record(points: Sequence[SeriesPoint], definition: MetricDefinition) -> str:
    met, judged, latest_met = target_record(points, definition)
    if judged == 0:
        return ""
    words = _words(definition.frequency, judged)
    if met == 0:
        return f"; it was not met in any of the last {judged} {words}"
    if met == judged:
        return f"; it was met in each of the last {judged} {words}"
    latest = ", including the latest" if latest_met else ", but not in the latest"
    return f"; it was met in {met} of the last {judged} {words}{latest}"


def describe_assurance(
    summary: SummaryRow,
    definition: MetricDefinition,
    target: Target | None = None,
    points: Sequence[SeriesPoint] = (),
) -> str:
    """The assurance half of the statement (no full stop).

    With ``points`` the words are checked against them: limits that predate a sustained shift
    toward or across the target say so instead of forecasting from the old process (a "fail"
    or "pass" the shift moved further from the target is forecast as usual); "met
    inconsistently" is not said of a target missed for a shift's length of consecutive
    periods; a forecast the latest value contradicts is replaced by where the limits lie and
    what the latest value did.
    """
    if summary.target is None:
        if definition.polarity.improvement == "neutral":
            return "there is no target; the measure is monitored for change"
        return "there is no target to assure against"
    if target is None and summary.latest_date is not None:
        target = definition.target_on(summary.latest_date)
    phrase = _target_phrase(summary.target, definition, target)
    icon = summary.assurance_icon
    freq = definition.frequency
    directional = definition.polarity.improvement != "neutral"
    if directional and points and summary.lpl is not None and summary.upl is not None:
        # limits that predate a sustained shift toward or across the target are not used to
        # forecast (a refresh stores no icon for them; the pack withholds it)
        stale = stale_assurance(points, summary, definition)
        if stale is not None:
            return (
                f"the limits were set before the shift that began in {_when(stale.first, freq)}, "
                f"so they cannot yet say whether {phrase} will be met" + _record(points, definition)
            )
    _, _, latest_met = target_record(points, definition) if points else (0, 0, None)
    # A forecast the latest value contradicts is not repeated as a forecast: the sentence
    # states both facts (where the limits lie, what the latest value did).
    if icon == "pass":
        if latest_met is False:
            return (
                f"{phrase} lies beyond the process limits on the passing side, so the process "
                "as it stands meets it; the latest value missed it, outside the limits (a "
                "special cause)"
            )
        return f"{phrase} will be met consistently"
    if icon == "fail":
        if latest_met:
            return (
                f"{phrase} lies beyond the process limits, so the process as it stands misses "
                "it; the latest value met it, outside the limits (a special cause)"
            )
        return f"{phrase} will not be met without a change to the process"
    if icon == "inconsistent":
        missed, first = trailing_misses(points, definition)
        if first is not None and missed >= PTD_SHIFT_LENGTH:
            return (
                f"{phrase} lies within the process limits, but it has not been met for "
                f"{missed} consecutive {_words(freq, missed)}, since {_when(first, freq)}"
            )
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
    variation = describe_variation(points, summary, definition)
    assurance = describe_assurance(summary, definition, target, points)
    stale = stale_assurance(points, summary, definition) if points else None
    if stale is not None:
        # the variation half already names the run: say it once
        when = _when(stale.first, definition.frequency)
        named = f"{stale.count} consecutive {_words(definition.frequency, stale.count)} "
        if variation.endswith(f"the mean since {when}") and named in variation:
            assurance = assurance.replace(
                f"the limits were set before the shift that began in {when}",
                "the limits were set before this shift",
            )
    text = f"{variation}; {assurance}."
    if summary.n and summary.short_group_warning:
        note = trial_limits_note(points, summary, definition)
        if note:
            text += f" {note}"
    if points and points[-1].suppressed:
        text += " The latest value is suppressed because it is fewer than 5."
    return text


def trial_limits_note(
    points: Sequence[SeriesPoint], summary: SummaryRow, definition: MetricDefinition
) -> str | None:
    """The trial-limit sentence: how many points the latest limits rest on, since when, around
    what mean, and how many firm limits need (``SHORT_GROUP_THRESHOLD``); ``None`` when the
    latest limits are not trial limits."""
    group = _latest_group(points)
    if not group or not summary.short_group_warning:
        return None
    count = len(group)
    noun = "point" if count == 1 else "points"
    when = _when(group[0], definition.frequency)
    since = (
        f"since they were recalculated in {when}"
        if group[0].rebase_group > 0
        else f"since the series began in {when}"
    )
    mean = (
        f" around a mean of {format_value(summary.mean, definition.unit, precise=True)}"
        if summary.mean is not None and not group[-1].suppressed
        else ""
    )
    return (
        f"The limits are provisional: {count} {noun} {since}{mean} "
        f"({SHORT_GROUP_THRESHOLD} are needed for firm limits)."
    )
