"""The options of :func:`trustboard.spc.compute`: one frozen value object, validated when built.

Rule settings left unset take their value from the preset (``ptd`` or ``mdc``); settings given
explicitly win over the preset.  Options that depend on the data (series keys of a target or
rebase mapping, column names) are checked again against the data by ``compute``.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from types import MappingProxyType
from typing import Any

from trustboard.errors import ErrorCode, OptionsError, Problem
from trustboard.spc.constants import (
    FIX_AFTER_MINIMUM,
    MDC_MIN_POINTS,
    MDC_SHIFT_LENGTH,
    MDC_TREND_LENGTH,
    PTD_SHIFT_LENGTH,
    PTD_TREND_LENGTH,
    SHORT_GROUP_THRESHOLD,
)

__all__ = [
    "CHARTS",
    "CONFLICT_RULES",
    "IMPROVEMENT_DIRECTIONS",
    "OPTION_NAMES",
    "PRESETS",
    "RATIO_CHARTS",
    "TWO_IN_THREE_VARIANTS",
    "SpcOptions",
    "is_table",
]

#: Chart types (spc.md Part B.1).
CHARTS: tuple[str, ...] = ("xmr", "mr", "p", "u", "pp", "up", "c", "g", "t")
#: Chart types whose values are numerator / denominator with per-point limits.
RATIO_CHARTS: frozenset[str] = frozenset({"p", "u", "pp", "up"})
IMPROVEMENT_DIRECTIONS: tuple[str, ...] = ("increase", "decrease", "neutral")
TWO_IN_THREE_VARIANTS: tuple[str, ...] = ("band", "beyond_2sigma")
CONFLICT_RULES: tuple[str, ...] = ("precedence", "improvement_wins")

#: The rule settings of each preset.  ``ptd`` is NHSRplotthedots 0.2.2; ``mdc`` is the Making
#: Data Count single-chart tool (spc.md Part C).  A minimum of 0 points means "no minimum".
PRESETS: Mapping[str, Mapping[str, Any]] = MappingProxyType(
    {
        "ptd": MappingProxyType(
            {
                "screen_outliers": True,
                "shift_length": PTD_SHIFT_LENGTH,
                "trend_length": PTD_TREND_LENGTH,
                "two_in_three": "band",
                "conflict": "precedence",
                "min_points_limits": 0,
                "min_points_icons": 0,
                "short_group_threshold": SHORT_GROUP_THRESHOLD,
            }
        ),
        "mdc": MappingProxyType(
            {
                "screen_outliers": False,
                "shift_length": MDC_SHIFT_LENGTH,
                "trend_length": MDC_TREND_LENGTH,
                "two_in_three": "beyond_2sigma",
                "conflict": "improvement_wins",
                "min_points_limits": MDC_MIN_POINTS,
                "min_points_icons": MDC_MIN_POINTS,
                "short_group_threshold": SHORT_GROUP_THRESHOLD,
            }
        ),
    }
)

_RULE_SETTINGS: tuple[str, ...] = tuple(PRESETS["ptd"])


def is_table(value: object) -> bool:
    """Whether ``value`` looks like a data table (Polars, pandas or PyArrow)."""
    return hasattr(value, "column_names") or (hasattr(value, "columns") and hasattr(value, "shape"))


def _is_number(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _is_whole(value: object) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _as_date(value: object) -> date | datetime | None:
    if isinstance(value, (date, datetime)):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


@dataclass(frozen=True)
class SpcOptions:
    """Options of one SPC computation (see ``docs/spc.md`` for every option and its default).

    Rule settings that are ``None`` are filled from the preset when the object is built, so
    ``SpcOptions(preset="mdc")`` carries the MDC rules and ``SpcOptions(preset="mdc",
    trend_length=7)`` the MDC rules with a 7-point trend.
    """

    preset: str = "ptd"
    chart: str = "xmr"
    improvement: str = "increase"
    target: Any = None
    trajectory: Any = None
    rebase: Any = None
    fix_after_n_points: int | None = None
    baseline: tuple[date, date] | None = None
    screen_outliers: bool | None = None
    shift_length: int | None = None
    trend_length: int | None = None
    two_in_three: str | None = None
    conflict: str | None = None
    min_points_limits: int | None = None
    min_points_icons: int | None = None
    short_group_threshold: int | None = None
    explicit: frozenset[str] = field(default=frozenset(), compare=False, repr=False)

    def __post_init__(self) -> None:
        problems: list[Problem] = []
        preset = str(self.preset)
        if preset not in PRESETS:
            problems.append(_bad("preset", self.preset, "one of " + ", ".join(PRESETS)))
            preset = "ptd"
        object.__setattr__(self, "preset", preset)
        explicit = set(self.explicit)
        for name in _RULE_SETTINGS:
            if getattr(self, name) is None:
                object.__setattr__(self, name, PRESETS[preset][name])
            else:
                explicit.add(name)
        object.__setattr__(self, "explicit", frozenset(explicit))
        self._normalise(problems)
        if problems:
            raise OptionsError(
                f"SPC options are not valid: {len(problems)} problem(s) found",
                problems=problems,
                hint="see docs/spc.md for every option and the values it accepts",
            )

    @classmethod
    def from_overrides(cls, base: SpcOptions | None, overrides: Mapping[str, Any]) -> SpcOptions:
        """Options from ``base`` (or the defaults) with ``overrides`` applied on top.

        Unknown names raise :class:`OptionsError` listing the allowed ones.  Rule settings
        that ``base`` took from its preset are taken again from the new preset if the
        overrides change it.
        """
        unknown = sorted(set(overrides) - set(OPTION_NAMES))
        if unknown:
            raise OptionsError(
                f"unknown SPC option(s): {', '.join(unknown)}",
                problems=[
                    _bad(name, overrides[name], "one of " + ", ".join(OPTION_NAMES))
                    for name in unknown
                ],
                hint="allowed options: " + ", ".join(OPTION_NAMES),
            )
        values: dict[str, Any] = {}
        if base is not None:
            for name in OPTION_NAMES:
                if name in _RULE_SETTINGS and name not in base.explicit:
                    continue
                values[name] = getattr(base, name)
        values.update(overrides)
        return cls(**values)

    @property
    def neutral(self) -> bool:
        """Whether the improvement direction is neutral (no improvement or concern)."""
        return self.improvement == "neutral"

    def _normalise(self, problems: list[Problem]) -> None:
        chart = str(self.chart)
        if chart not in CHARTS:
            problems.append(_bad("chart", self.chart, "one of " + ", ".join(CHARTS)))
        object.__setattr__(self, "chart", chart)
        improvement = str(self.improvement)
        if improvement not in IMPROVEMENT_DIRECTIONS:
            problems.append(
                _bad("improvement", self.improvement, "one of " + ", ".join(IMPROVEMENT_DIRECTIONS))
            )
        object.__setattr__(self, "improvement", improvement)
        for name, allowed in (
            ("two_in_three", TWO_IN_THREE_VARIANTS),
            ("conflict", CONFLICT_RULES),
        ):
            value = str(getattr(self, name))
            if value not in allowed:
                problems.append(_bad(name, getattr(self, name), "one of " + ", ".join(allowed)))
            object.__setattr__(self, name, value)
        if not isinstance(self.screen_outliers, bool):
            problems.append(_bad("screen_outliers", self.screen_outliers, "True or False"))
        for name, low in (
            ("shift_length", 2),
            ("trend_length", 2),
            ("min_points_limits", 0),
            ("min_points_icons", 0),
            ("short_group_threshold", 0),
        ):
            value = getattr(self, name)
            if not _is_whole(value) or value < low:
                problems.append(_bad(name, value, f"a whole number of at least {low}"))
            else:
                object.__setattr__(self, name, int(value))
        self._check_fix_and_baseline(problems)
        self._check_target(problems)
        self._check_rebase(problems)
        trajectory = self.trajectory
        if trajectory is not None and not isinstance(trajectory, str) and not is_table(trajectory):
            problems.append(
                _bad("trajectory", trajectory, "a column name or a table of date and trajectory")
            )

    def _check_fix_and_baseline(self, problems: list[Problem]) -> None:
        fix = self.fix_after_n_points
        if fix is not None and (not _is_whole(fix) or fix < FIX_AFTER_MINIMUM):
            problems.append(
                _bad("fix_after_n_points", fix, f"a whole number of at least {FIX_AFTER_MINIMUM}")
            )
        elif fix is not None:
            object.__setattr__(self, "fix_after_n_points", int(fix))
        baseline = self.baseline
        if baseline is None:
            return
        parsed: list[date | datetime | None] = []
        if isinstance(baseline, Sequence) and not isinstance(baseline, str) and len(baseline) == 2:
            parsed = [_as_date(part) for part in baseline]
        if len(parsed) != 2 or parsed[0] is None or parsed[1] is None:
            problems.append(_bad("baseline", baseline, "a pair of dates (start, end)"))
            return
        start, end = _day(parsed[0]), _day(parsed[1])
        if end < start:
            problems.append(_bad("baseline", baseline, "a start date on or before the end date"))
        object.__setattr__(self, "baseline", (start, end))
        if fix is not None:
            problems.append(
                _bad("baseline", baseline, "either baseline or fix_after_n_points, not both")
            )

    def _check_target(self, problems: list[Problem]) -> None:
        target = self.target
        if target is None or is_table(target):
            return
        if _is_number(target):
            if math.isnan(float(target)):
                problems.append(_bad("target", target, "a number that is not NaN"))
            object.__setattr__(self, "target", float(target))
            return
        if isinstance(target, Mapping):
            clean: dict[Any, float] = {}
            for key, value in target.items():
                if not _is_number(value) or math.isnan(float(value)):
                    problems.append(_bad("target", value, f"a number for series {key!r}"))
                else:
                    clean[_key(key)] = float(value)
            object.__setattr__(self, "target", MappingProxyType(clean))
            return
        problems.append(
            _bad(
                "target",
                target,
                "a number, a mapping {series: number} or a table of date/valid_from and target",
            )
        )

    def _check_rebase(self, problems: list[Problem]) -> None:
        rebase = self.rebase
        if rebase is None or isinstance(rebase, str):
            return
        if isinstance(rebase, Mapping):
            clean: dict[Any, tuple[date | datetime, ...]] = {}
            for key, dates in rebase.items():
                parsed = _dates(dates)
                if parsed is None:
                    problems.append(_bad("rebase", dates, f"a list of dates for series {key!r}"))
                else:
                    clean[_key(key)] = parsed
            object.__setattr__(self, "rebase", MappingProxyType(clean))
            return
        parsed = _dates(rebase)
        if parsed is None:
            problems.append(
                _bad(
                    "rebase",
                    rebase,
                    "a list of dates, a mapping {series: [dates]} or the name of a 0/1 column",
                )
            )
            return
        object.__setattr__(self, "rebase", parsed)


#: Every option name accepted by ``SpcOptions`` and ``compute(**overrides)``.
OPTION_NAMES: tuple[str, ...] = tuple(f.name for f in fields(SpcOptions) if f.name != "explicit")


def _bad(name: str, value: object, expected: str) -> Problem:
    shown = value if isinstance(value, (int, float, str, bool, type(None))) else repr(value)
    return Problem(
        ErrorCode.SPC_OPTION,
        f"option '{name}' is not valid",
        column=name,
        value=shown,
        expected=expected,
    )


def _key(key: Any) -> Any:
    return tuple(key) if isinstance(key, list) else key


def _day(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def _dates(value: object) -> tuple[date | datetime, ...] | None:
    if isinstance(value, (date, datetime, str)):
        one = _as_date(value)
        return None if one is None else (one,)
    if not isinstance(value, Sequence) and not hasattr(value, "__iter__"):
        return None
    out: list[date | datetime] = []
    for item in value:
        parsed = _as_date(item)
        if parsed is None:
            return None
        out.append(parsed)
    return tuple(out)
