"""When a metric gets an exception page (domain.md §4.3, trigger rules).

The defaults are the four typical rules: special cause *concern* at the latest point; the
assurance icon says the target will consistently fail (or, for a national standard, is hit and
miss); a national standard missed for N consecutive periods (default 3); a committee asked for a
deep dive.  Each trust can switch rules off or change N.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from trustboard.domain import Commentary, MetricDefinition, TargetType
from trustboard.errors import OptionsError
from trustboard.render.pack.model import SeriesPoint, SummaryRow

__all__ = ["ExceptionRules", "consecutive_misses", "exception_reasons"]


@dataclass(frozen=True, slots=True)
class ExceptionRules:
    """Which exception triggers apply (domain.md §4.3)."""

    concern_at_latest_point: bool = True
    consistently_failing: bool = True
    hit_and_miss_national_standard: bool = True
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

    @classmethod
    def from_mapping(cls, raw: dict[str, object] | None) -> ExceptionRules:
        """Build from a configuration mapping, rejecting unknown keys with the known ones."""
        if not raw:
            return cls()
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(raw) - known)
        if unknown:
            raise OptionsError(
                f"unknown exception rule(s): {', '.join(unknown)}",
                hint=f"known rules: {', '.join(sorted(known))}",
            )
        values: dict[str, object] = {}
        for key, value in raw.items():
            default = getattr(cls(), key)
            if isinstance(default, bool):
                if not isinstance(value, bool):
                    raise OptionsError(
                        f"exception rule '{key}' must be true or false", hint=f"got {value!r}"
                    )
            elif not isinstance(value, int) or isinstance(value, bool):
                raise OptionsError(
                    f"exception rule '{key}' must be a whole number", hint=f"got {value!r}"
                )
            values[key] = value
        return cls(**values)  # type: ignore[arg-type]


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


def exception_reasons(
    definition: MetricDefinition,
    points: Sequence[SeriesPoint],
    summary: SummaryRow,
    commentary: Commentary | None,
    rules: ExceptionRules,
) -> tuple[str, ...]:
    """Why this metric has an exception page (empty when it has none), in rule order."""
    reasons: list[str] = []
    icon = summary.variation_icon or ""
    if rules.concern_at_latest_point and icon.startswith("concern"):
        reasons.append("Special cause concern at the latest point")
    latest_target = definition.target_on(summary.latest_date) if summary.latest_date else None
    if rules.consistently_failing and summary.assurance_icon == "fail":
        reasons.append("The target will consistently not be met")
    if (
        rules.hit_and_miss_national_standard
        and summary.assurance_icon == "inconsistent"
        and latest_target is not None
        and latest_target.type is TargetType.NATIONAL_STANDARD
    ):
        reasons.append("The national standard is met inconsistently")
    limit = rules.national_standard_missed_periods
    if limit > 0:
        missed = consecutive_misses(points, definition)
        if missed >= limit:
            reasons.append(
                f"The national standard has been missed for {missed} consecutive periods"
            )
    if rules.committee_requests and commentary is not None and commentary.deep_dive_requested_by:
        reasons.append(f"Deep dive requested by {commentary.deep_dive_requested_by}")
    return tuple(reasons)
