"""When a metric gets an exception page (domain.md §4.3; the rule table in board-pack.md).

The rules select what needs the forum's attention, in this order:

1. ``concern_at_latest_point``: special cause concern at the latest point (on);
2. ``consistently_failing``: the assurance icon says the target will consistently fail *and*
   the latest point misses it (on);
3. ``hit_and_miss_national_standard``: a national standard is met inconsistently (off for a
   Board, on for committees and executive meetings);
4. ``national_standard_missed_periods``: a national standard missed N periods running (3;
   0 turns it off);
5. ``committee_requests``: a committee asked for a deep dive (on).

Two guards apply to rules 1-4 before anything is reported: a metric whose latest point meets
its target while its variation is improvement or common cause never gets an exception, and a
rare-event chart (c, g, t) raises one only on special cause concern and never for a zero.
A committee's deep-dive request is honoured whatever the data say.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from trustboard.domain import ChartType, Commentary, ForumKind, MetricDefinition, TargetType
from trustboard.errors import OptionsError
from trustboard.render.pack.model import SeriesPoint, SummaryRow

__all__ = [
    "RARE_EVENT_CHARTS",
    "REASONS",
    "ExceptionRules",
    "consecutive_misses",
    "exception_reasons",
    "latest_meets_target",
]

#: Charts of rare events: an exception only on special cause concern, never for a zero.
RARE_EVENT_CHARTS: frozenset[ChartType] = frozenset({ChartType.C, ChartType.G, ChartType.T})

#: The sentence each rule gives as its reason (the missed-periods one takes the count).
REASONS: dict[str, str] = {
    "concern_at_latest_point": "Special cause concern at the latest point",
    "consistently_failing": (
        "The target will consistently not be met, and the latest value misses it"
    ),
    "hit_and_miss_national_standard": "The national standard is met inconsistently",
    "national_standard_missed_periods": (
        "The national standard has been missed for {n} consecutive periods"
    ),
    "committee_requests": "Deep dive requested by {who}",
}


@dataclass(frozen=True, slots=True)
class ExceptionRules:
    """Which exception rules apply (domain.md §4.3).

    ``hit_and_miss_national_standard`` left as ``None`` follows the forum: off for a Board,
    on for every other forum (:meth:`for_forum`).
    """

    concern_at_latest_point: bool = True
    consistently_failing: bool = True
    hit_and_miss_national_standard: bool | None = None
    national_standard_missed_periods: int = 3
    committee_requests: bool = True

    def __post_init__(self) -> None:
        if self.national_standard_missed_periods < 0:
            raise OptionsError(
                "national_standard_missed_periods must be 0 (off) or a positive number",
                hint=(
                    "set it to the number of consecutive missed periods that triggers an exception"
                ),
            )

    def for_forum(self, kind: ForumKind) -> ExceptionRules:
        """These rules with the forum-dependent defaults decided for a forum of ``kind``."""
        if self.hit_and_miss_national_standard is not None:
            return self
        return replace(self, hit_and_miss_national_standard=kind is not ForumKind.BOARD)

    def as_dict(self) -> dict[str, object]:
        """The rules by name (for the manifest and the documentation)."""
        return {name: getattr(self, name) for name in self.__dataclass_fields__}

    def merged(self, raw: Mapping[str, object] | None) -> ExceptionRules:
        """These rules with the settings of ``raw`` (checked like :meth:`from_mapping`)."""
        if not raw:
            return self
        return replace(self, **_checked(raw))  # type: ignore[arg-type]

    @classmethod
    def from_mapping(cls, raw: Mapping[str, object] | None) -> ExceptionRules:
        """Build from a configuration mapping, rejecting unknown keys with the known ones."""
        return cls().merged(raw)


def _checked(raw: Mapping[str, object]) -> dict[str, object]:
    known = set(ExceptionRules.__dataclass_fields__)
    unknown = sorted(set(raw) - known)
    if unknown:
        raise OptionsError(
            f"unknown exception rule(s): {', '.join(unknown)}",
            hint=f"known rules: {', '.join(sorted(known))}",
        )
    values: dict[str, object] = {}
    for key, value in raw.items():
        if key == "national_standard_missed_periods":
            if not isinstance(value, int) or isinstance(value, bool):
                raise OptionsError(
                    f"exception rule '{key}' must be a whole number", hint=f"got {value!r}"
                )
        elif not isinstance(value, bool) and not (
            value is None and key == "hit_and_miss_national_standard"
        ):
            raise OptionsError(
                f"exception rule '{key}' must be true or false", hint=f"got {value!r}"
            )
        values[key] = value
    return values


def consecutive_misses(points: Sequence[SeriesPoint], definition: MetricDefinition) -> int:
    """How many periods up to the latest one missed a national standard, without a break.

    Each point is judged against the national standard in force on its own date (targets
    change with the planning year); a missing or suppressed value, or a period without a
    national standard, ends the run.
    """
    count = 0
    for point in reversed(points):
        if point.value is None:
            break
        target = definition.target_on(point.date)
        if target is None or target.type is not TargetType.NATIONAL_STANDARD:
            break
        if target.is_met(point.value):
            break
        count += 1
    return count


def latest_meets_target(points: Sequence[SeriesPoint], definition: MetricDefinition) -> bool | None:
    """Whether the latest point meets the target in force on its date (None: no value or no
    target)."""
    if not points or points[-1].value is None:
        return None
    target = definition.target_on(points[-1].date)
    return None if target is None else target.is_met(points[-1].value)


def exception_reasons(
    definition: MetricDefinition,
    points: Sequence[SeriesPoint],
    summary: SummaryRow,
    commentary: Commentary | None,
    rules: ExceptionRules,
) -> tuple[str, ...]:
    """Why this metric has an exception page (empty when it has none), in rule order.

    ``rules`` should already be decided for the forum (:meth:`ExceptionRules.for_forum`); an
    undecided ``hit_and_miss_national_standard`` counts as off.
    """
    reasons: list[str] = []
    icon = summary.variation_icon or ""
    concern = icon.startswith("concern")
    met = latest_meets_target(points, definition)
    latest_zero = bool(points) and points[-1].value == 0
    rare = definition.chart_type in RARE_EVENT_CHARTS
    # the guards: a met target with good or ordinary variation, or a rare event's zero
    quiet = (met is True and (icon == "common_cause" or icon.startswith("improvement"))) or (
        rare and latest_zero
    )
    if not quiet:
        if rules.concern_at_latest_point and concern:
            reasons.append(REASONS["concern_at_latest_point"])
        if not rare:
            latest_target = (
                definition.target_on(summary.latest_date) if summary.latest_date else None
            )
            if rules.consistently_failing and summary.assurance_icon == "fail" and met is False:
                reasons.append(REASONS["consistently_failing"])
            if (
                rules.hit_and_miss_national_standard
                and summary.assurance_icon == "inconsistent"
                and latest_target is not None
                and latest_target.type is TargetType.NATIONAL_STANDARD
            ):
                reasons.append(REASONS["hit_and_miss_national_standard"])
            limit = rules.national_standard_missed_periods
            if limit > 0:
                missed = consecutive_misses(points, definition)
                if missed >= limit:
                    reasons.append(REASONS["national_standard_missed_periods"].format(n=missed))
    if rules.committee_requests and commentary is not None and commentary.deep_dive_requested_by:
        reasons.append(REASONS["committee_requests"].format(who=commentary.deep_dive_requested_by))
    return tuple(reasons)
