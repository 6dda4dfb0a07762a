"""The result of an SPC computation and the icon vocabularies.

Enum values equal the icon asset names used by the Making Data Count icon set and by
NHSRplotthedots (``inst/icons/variation/*.svg``, ``inst/icons/assurance/*.svg``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from trustboard.spc.options import SpcOptions

if TYPE_CHECKING:
    import polars as pl

__all__ = ["AssuranceIcon", "PointType", "SpcResult", "VariationIcon"]


class VariationIcon(StrEnum):
    """Variation icon of a series: what its latest point says (spc.md Part A §9, Part C.3)."""

    COMMON_CAUSE = "common_cause"
    IMPROVEMENT_HIGH = "improvement_high"
    IMPROVEMENT_LOW = "improvement_low"
    CONCERN_HIGH = "concern_high"
    CONCERN_LOW = "concern_low"
    NEUTRAL_HIGH = "neutral_high"
    NEUTRAL_LOW = "neutral_low"


class AssuranceIcon(StrEnum):
    """Assurance icon: where the target lies against the latest process limits (Part A §7)."""

    PASS = "pass"
    FAIL = "fail"
    INCONSISTENT = "inconsistent"


class PointType(StrEnum):
    """Type of one point: common cause, or which kind of special cause (Part A §6)."""

    COMMON_CAUSE = "common_cause"
    SPECIAL_CAUSE_IMPROVEMENT = "special_cause_improvement"
    SPECIAL_CAUSE_CONCERN = "special_cause_concern"
    SPECIAL_CAUSE_NEUTRAL_HIGH = "special_cause_neutral_high"
    SPECIAL_CAUSE_NEUTRAL_LOW = "special_cause_neutral_low"


@dataclass(frozen=True, slots=True)
class SpcResult:
    """Immutable result of :func:`trustboard.spc.compute`, carrying the options used.

    * ``points``: one row per input row, sorted by series then date (see ``docs/spc.md``).
    * ``summary``: one row per series: latest point, limits, target, icons and counts.
    * ``groups``: one row per series and rebase group, like NHSRplotthedots' ``summary()``.
    * ``by``: the names of the series columns (empty when there is one series).
    """

    points: pl.DataFrame
    summary: pl.DataFrame
    groups: pl.DataFrame
    options: SpcOptions
    by: tuple[str, ...] = ()
