"""A metric's targets over time, from the catalogue's definition versions in the store.

Each stored version of a definition is in force from its ``effective_from`` until the next
version starts (the pack picks the version in force at a period's end the same way,
:func:`trustboard.services.pack.gather_inputs`).  A target is in force from its ``valid_from``
to its ``valid_to`` within the span of the version that holds it; consecutive spans of the same
target (value, comparator, kind and source) are joined, so a catalogue reloaded with the target
unchanged shows one row.  Versions that start after the period shown are left out, as the pack
leaves them out.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from trustboard.domain import Period
from trustboard.domain.metric import Comparator, Target, TargetType
from trustboard.store import Store

__all__ = ["TargetSpan", "target_history"]

_KIND = {
    TargetType.NATIONAL_STANDARD: "national standard",
    TargetType.NATIONAL_AMBITION: "national ambition",
    TargetType.CONTRACTUAL: "contractual",
    TargetType.LOCAL: "local",
    TargetType.TRAJECTORY: "trajectory",
}


@dataclass(frozen=True, slots=True)
class TargetSpan:
    """One target and the dates it was in force (``None``: open at that end)."""

    value: float
    comparator: Comparator
    type: TargetType
    source: str | None
    valid_from: date | None
    valid_to: date | None

    @property
    def kind(self) -> str:
        """The kind of target, in words."""
        return _KIND[self.type]

    def _same_target(self, other: TargetSpan) -> bool:
        return (self.value, self.comparator, self.type, self.source) == (
            other.value,
            other.comparator,
            other.type,
            other.source,
        )


def _clip(target: Target, start: date | None, end: date | None) -> TargetSpan | None:
    """``target`` within a version's span [start, end]; None when they do not meet."""
    lo = max((d for d in (target.valid_from, start) if d is not None), default=None)
    hi = min((d for d in (target.valid_to, end) if d is not None), default=None)
    if lo is not None and hi is not None and hi < lo:
        return None
    return TargetSpan(target.value, target.comparator, target.type, target.source, lo, hi)


def target_history(store: Store, metric_id: str, period: Period) -> list[TargetSpan]:
    """The targets of ``metric_id`` over time as its definition versions held them, in date
    order (trajectory points included, marked by their kind); empty when it never had one."""
    versions = sorted(store.metric_versions(metric_id), key=lambda v: (v.effective_from, v.version))
    shown = [v for v in versions if v.effective_from <= period.end] or versions[:1]
    spans: list[TargetSpan] = []
    for i, version in enumerate(shown):
        start = version.effective_from if i else None
        later = shown[i + 1].effective_from if i + 1 < len(shown) else None
        end = later - timedelta(days=1) if later is not None else None
        if start is not None and end is not None and end < start:
            continue  # superseded by a version starting the same day
        for target in version.definition.targets:
            clipped = _clip(target, start, end)
            if clipped is not None:
                spans.append(clipped)
    joined: list[TargetSpan] = []
    for span in sorted(spans, key=_order):
        match = next(
            (
                k
                for k, kept in enumerate(joined)
                if kept._same_target(span)
                and kept.valid_to is not None
                and span.valid_from is not None
                and kept.valid_to + timedelta(days=1) == span.valid_from
            ),
            None,
        )
        if match is None:
            joined.append(span)
        else:
            joined[match] = replace(joined[match], valid_to=span.valid_to)
    return sorted(joined, key=_order)


def _order(span: TargetSpan) -> tuple[date, bool, str]:
    return (span.valid_from or date.min, span.type is TargetType.TRAJECTORY, span.type.value)
