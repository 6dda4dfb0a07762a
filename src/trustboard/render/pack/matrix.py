"""The icon matrix in words: the cover sheet's account of the icons, generated, never typed.

A cover sheet that says "five areas show special cause concern and the remaining metrics are
stable" while its own icon matrix shows eighteen is the false-or-misleading-information risk a
board paper exists to avoid, so the sentence is written from the sections' icons.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from trustboard.render.pack.model import MetricSection

__all__ = ["MatrixCounts", "matrix_counts", "matrix_sentence"]


@dataclass(frozen=True, slots=True)
class MatrixCounts:
    """How many metrics carry each class of icon."""

    total: int
    concern: int
    improvement: int
    neutral: int
    common: int
    without_icons: int
    fail: int
    inconsistent: int
    passing: int
    focus: int


def matrix_counts(sections: Sequence[MetricSection]) -> MatrixCounts:
    """Count the sections by variation class and by assurance icon."""

    def variation(prefix: str) -> int:
        return sum(1 for s in sections if (s.summary.variation_icon or "").startswith(prefix))

    def assurance(icon: str) -> int:
        return sum(1 for s in sections if s.summary.assurance_icon == icon)

    return MatrixCounts(
        total=len(sections),
        concern=variation("concern"),
        improvement=variation("improvement"),
        neutral=variation("neutral"),
        common=variation("common_cause"),
        without_icons=sum(1 for s in sections if s.summary.variation_icon is None),
        fail=assurance("fail"),
        inconsistent=assurance("inconsistent"),
        passing=assurance("pass"),
        focus=sum(
            1
            for s in sections
            if (s.summary.variation_icon or "").startswith("concern")
            and s.summary.assurance_icon in ("fail", "inconsistent")
        ),
    )


def _n(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def matrix_sentence(sections: Sequence[MetricSection]) -> str:
    """What the icon matrix shows, in two sentences (variation, then assurance)."""
    c = matrix_counts(sections)
    if not c.total:
        return "The report has no metrics."
    parts = [f"{c.concern} special cause concern", f"{c.improvement} special cause improvement"]
    if c.neutral:
        parts.append(f"{c.neutral} special cause with no preferred direction")
    parts.append(f"{c.common} common cause")
    if c.without_icons:
        parts.append(f"{c.without_icons} without icons")
    no_target = c.total - c.fail - c.inconsistent - c.passing
    return (
        f"Of {_n(c.total, 'metric', 'metrics')}, variation: " + "; ".join(parts) + ". "
        f"Against their targets: {c.fail} consistently failing, {c.inconsistent} hit and miss, "
        f"{c.passing} consistently passing and {no_target} without a target or assurance icon. "
        f"{_n(c.focus, 'metric combines', 'metrics combine')} concern with a target at risk "
        "(the Board's focus)."
    )
