"""Funnel plots for comparing organisations at one period (spc.md Part D).

Each unit (trust, site, ward, consultant) is plotted at its *precision* (the denominator, or
the expected count for an indirectly standardised ratio) against its indicator; limits around
the target narrow as precision grows.  Sources: Spiegelhalter DJ, *Funnel plots for comparing
institutional performance*, Stat Med 2005;24:1185-1202, and *Handling over-dispersion of
performance indicators*, Qual Saf Health Care 2005;14:347-51.

Methods, per ``kind``:

* ``proportion`` (r/n): arcsine scale, y = asin(sqrt(p)), s = 1/(2 sqrt(n)); limits are
  sin^2(asin(sqrt(target)) +- z sqrt(s^2 + tau^2)), the transformed value clamped to [0, pi/2] so
  that limits stay in [0, 1].  ``method="exact"`` gives Spiegelhalter's interpolated binomial
  limits instead (Stat Med 2005, appendix A.1.1), without over-dispersion.
* ``ratio`` (ratio of two counts, O/D): log scale, y = log((O+0.5)/(D+0.5)),
  s^2 = O/(O+0.5)^2 + D/(D+0.5)^2, target log(sum O / sum D).  On the drawn curve the numerator
  is the one expected at the target (O = target * D), so that the curve and the points use the
  same variance formula.  (The term x/(x+0.5)^2 falls only once a count reaches 0.5, so
  below that the funnel narrows again; trusts compare counts far larger than that.)
* ``standardised_ratio`` (O/E, target 1): exact Poisson limits through the chi-square
  distribution, lower chi2_{a/2}(2 mu)/(2E), upper chi2_{1-a/2}(2(mu+1))/(2E) with mu = target * E
  (for target 1 these are FunnelPlotR's published limits).  With over-dispersion the
  square-root scale is used: y = sqrt(O/E), s = 1/(2 sqrt(E)) (Spiegelhalter 2005, the
  Care Quality Commission's method).

Over-dispersion: z-scores on the transformed scale are Winsorised at the ``trim_fraction`` and
``1 - trim_fraction`` quantiles (Spiegelhalter) or the units in the top and bottom
``trim_fraction`` are left out (the SHMI's truncation: rank r of N kept when
trim_fraction <= r/(N+1) < 1 - trim_fraction).  phi = mean of the squared z-scores.
``multiplicative`` widens the limits by sqrt(phi) when phi > 1; ``additive`` adds the
DerSimonian-Laird between-unit variance tau^2 = (N phi - (N-1)) / (sum w - sum w^2 / sum w),
w = 1/s^2, which is 0 when N phi <= N - 1 and, in trustboard, whenever phi <= 1 (data
that show no over-dispersion are never widened; FunnelPlotR adds a small tau^2 when
(N-1)/N < phi <= 1).  phi and tau^2 are always reported, so that a reader
can see whether adjustment would matter; they change the limits only when asked.

A point exactly on a limit counts as inside (FunnelPlotR's convention).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import polars as pl

from trustboard.errors import ErrorCode, OptionsError, ProblemCollector

__all__ = ["FunnelOptions", "FunnelResult", "funnel", "limit_name"]


def _stats() -> Any:
    """SciPy's distributions, imported on first use: importing SciPy costs a second or more,
    and most users of ``trustboard.spc`` never draw a funnel."""
    from scipy import stats

    return stats


FunnelKind = Literal["proportion", "ratio", "standardised_ratio"]
Overdispersion = Literal["multiplicative", "additive"]
Trim = Literal["winsorise", "truncate"]
Method = Literal["transformed", "exact"]

_KINDS: tuple[str, ...] = ("proportion", "ratio", "standardised_ratio")
_OVERDISPERSION: tuple[str, ...] = ("multiplicative", "additive")
_TRIMS: tuple[str, ...] = ("winsorise", "truncate")
_METHODS: tuple[str, ...] = ("transformed", "exact")
#: number of precision values on the drawn curve (smooth at board-pack size)
_CURVE_POINTS = 200
#: columns the result adds; a ``by`` column may not share these names
_RESERVED = ("numerator", "denominator", "value", "z", "z_adjusted", "side")

FloatArray = npt.NDArray[np.float64]


def limit_name(level: float) -> str:
    """The short name of a limit level used in column names: 0.95 -> ``95``, 0.998 -> ``998``."""
    return f"{level * 100:.10g}".replace(".", "")


@dataclass(frozen=True, slots=True)
class FunnelOptions:
    """The options a funnel plot was computed with (validated when built)."""

    kind: FunnelKind
    numerator: str
    denominator: str
    by: tuple[str, ...]
    target: float | None
    limits: tuple[float, ...]
    overdispersion: Overdispersion | None
    trim: Trim
    trim_fraction: float
    method: Method

    def __post_init__(self) -> None:
        errors: list[str] = []
        if self.kind not in _KINDS:
            errors.append(f"kind must be one of {', '.join(_KINDS)}, not {self.kind!r}")
        if self.overdispersion is not None and self.overdispersion not in _OVERDISPERSION:
            errors.append(
                "overdispersion must be None, 'multiplicative' or 'additive', "
                f"not {self.overdispersion!r}"
            )
        if self.trim not in _TRIMS:
            errors.append(f"trim must be 'winsorise' or 'truncate', not {self.trim!r}")
        if self.method not in _METHODS:
            errors.append(f"method must be 'transformed' or 'exact', not {self.method!r}")
        if not (isinstance(self.trim_fraction, (int, float)) and 0 <= self.trim_fraction < 0.5):
            errors.append(
                f"trim_fraction must be at least 0 and below 0.5, not {self.trim_fraction!r}"
            )
        if not self.by:
            errors.append("by must name at least one column that identifies the units")
        if not self.limits:
            errors.append("limits must hold at least one level, e.g. (0.95, 0.998)")
        for level in self.limits:
            if not (isinstance(level, (int, float)) and 0.5 < level < 1):
                errors.append(f"each limit level must be above 0.5 and below 1, not {level!r}")
        if len({limit_name(x) for x in self.limits}) != len(self.limits):
            errors.append("limit levels must be distinct")
        if list(self.limits) != sorted(self.limits):
            errors.append("limit levels must be in increasing order, e.g. (0.95, 0.998)")
        clash = [b for b in self.by if b in _RESERVED]
        if clash:
            errors.append(f"by columns may not be named {', '.join(map(repr, clash))}")
        if self.method == "exact" and self.kind == "ratio":
            errors.append(
                "method 'exact' is available for proportions and standardised ratios only"
            )
        if self.method == "exact" and self.overdispersion is not None:
            errors.append(
                "over-dispersion is adjusted on the transformed scale: use method 'transformed'"
            )
        if self.target is not None:
            if not math.isfinite(self.target) or self.target <= 0:
                errors.append(f"target must be a positive number, not {self.target!r}")
            elif self.kind == "proportion" and self.target >= 1:
                errors.append(f"a proportion target must be between 0 and 1, not {self.target!r}")
        if errors:
            raise OptionsError("; ".join(errors))

    @property
    def limit_names(self) -> tuple[str, ...]:
        """Column-name suffix of each limit level (``95``, ``998``)."""
        return tuple(limit_name(level) for level in self.limits)


@dataclass(frozen=True)
class FunnelResult:
    """A computed funnel plot: the units, the limit curve to draw, and the dispersion.

    ``points`` has the ``by`` columns, ``numerator``, ``denominator`` (the precision: the
    expected count for standardised ratios), ``value``, ``z`` (on the transformed scale),
    ``z_adjusted`` (after over-dispersion adjustment), ``lower_<L>``/``upper_<L>`` (the limits
    at the unit's precision), ``outside_<L>`` for each level and ``side`` (``high``/``low``
    when outside the narrowest limits, else null).  ``curve`` has ``precision``, ``target``
    and ``lower_<L>``/``upper_<L>`` over a smooth grid covering the units.
    """

    points: pl.DataFrame
    curve: pl.DataFrame
    target: float
    phi: float
    tau2: float
    options: FunnelOptions

    @property
    def limit_names(self) -> tuple[str, ...]:
        """Column-name suffix of each limit level, narrowest first."""
        return self.options.limit_names

    def outliers(self, level: float | None = None) -> pl.DataFrame:
        """The units outside the limits at ``level`` (the widest level if not given)."""
        name = limit_name(level) if level is not None else self.limit_names[-1]
        column = f"outside_{name}"
        if column not in self.points.columns:
            raise OptionsError(f"no limits at level {level!r}; levels are {self.options.limits}")
        return self.points.filter(pl.col(column))


def _z_quantile(level: float) -> float:
    return float(_stats().norm.ppf(1 - (1 - level) / 2))


def _validate(data: pl.DataFrame, options: FunnelOptions) -> tuple[FloatArray, FloatArray]:
    problems = ProblemCollector()
    needed = [*options.by, options.numerator, options.denominator]
    missing = [c for c in dict.fromkeys(needed) if c not in data.columns]
    for column in missing:
        problems.add(
            ErrorCode.FUNNEL_COLUMN,
            "column not found",
            column=column,
            expected=f"one of {', '.join(data.columns) or 'no columns'}",
        )
    for column in (options.numerator, options.denominator):
        if column in data.columns and not data.schema[column].is_numeric():
            problems.add(
                ErrorCode.FUNNEL_NOT_NUMERIC,
                "column is not numeric",
                column=column,
                value=str(data.schema[column]),
                expected="numbers",
            )
    problems.raise_if_any("funnel plot input is not valid")
    if data.height == 0:
        problems.add(ErrorCode.FUNNEL_EMPTY, "the table has no rows", expected="one row per unit")
        problems.raise_if_any("funnel plot input is not valid")

    num = data.get_column(options.numerator).cast(pl.Float64).fill_null(float("nan")).to_numpy()
    den = data.get_column(options.denominator).cast(pl.Float64).fill_null(float("nan")).to_numpy()
    precision_word = "expected count" if options.kind == "standardised_ratio" else "denominator"
    for i in range(data.height):
        row = i + 2  # header is row 1, as a person counts rows
        if not math.isfinite(num[i]):
            problems.add(
                ErrorCode.FUNNEL_MISSING,
                "numerator is missing or not finite",
                row=row,
                column=options.numerator,
                value=num[i],
                expected="a number",
            )
        elif num[i] < 0:
            problems.add(
                ErrorCode.FUNNEL_NEGATIVE,
                "numerator is negative",
                row=row,
                column=options.numerator,
                value=num[i],
                expected="0 or more",
            )
        if not math.isfinite(den[i]):
            problems.add(
                ErrorCode.FUNNEL_MISSING,
                f"{precision_word} is missing or not finite",
                row=row,
                column=options.denominator,
                value=den[i],
                expected="a number",
            )
        elif den[i] <= 0:
            problems.add(
                ErrorCode.FUNNEL_NOT_POSITIVE,
                f"{precision_word} is not positive",
                row=row,
                column=options.denominator,
                value=den[i],
                expected="more than 0",
            )
        elif options.kind == "proportion" and math.isfinite(num[i]) and num[i] > den[i]:
            problems.add(
                ErrorCode.FUNNEL_NUM_GT_DEN,
                "numerator is larger than the denominator",
                row=row,
                column=options.numerator,
                value=num[i],
                expected=f"at most {den[i]:g}",
            )
        if (
            options.kind == "proportion"
            and options.method == "exact"
            and math.isfinite(den[i])
            and den[i] != round(den[i])
        ):
            problems.add(
                ErrorCode.FUNNEL_NOT_WHOLE,
                "exact binomial limits need whole denominators",
                row=row,
                column=options.denominator,
                value=den[i],
                expected="a whole number",
            )
    if not missing:
        duplicated = data.select(options.by).is_duplicated().to_numpy()
        for index in np.flatnonzero(duplicated).tolist():
            key = ", ".join(str(data.get_column(b)[index]) for b in options.by)
            problems.add(
                ErrorCode.FUNNEL_DUPLICATE_UNIT,
                "unit appears more than once",
                row=index + 2,
                column=", ".join(options.by),
                value=key,
                expected="one row per unit",
            )
    problems.raise_if_any("funnel plot input is not valid")
    return num, den


def _default_target(kind: str, num: FloatArray, den: FloatArray) -> float:
    if kind == "standardised_ratio":
        return 1.0
    return float(num.sum() / den.sum())


def _transform(
    kind: str, num: FloatArray, den: FloatArray, target: float
) -> tuple[FloatArray, FloatArray, float]:
    """Indicator, standard error and target on the transformed (variance-stabilised) scale."""
    if kind == "proportion":
        return np.arcsin(np.sqrt(num / den)), 1 / (2 * np.sqrt(den)), math.asin(math.sqrt(target))
    if kind == "ratio":
        y = np.log((num + 0.5) / (den + 0.5))
        s = np.sqrt(num / (num + 0.5) ** 2 + den / (den + 0.5) ** 2)
        return y, s, math.log(target)
    return np.sqrt(num / den), 1 / (2 * np.sqrt(den)), math.sqrt(target)


def _curve_se(kind: str, precision: FloatArray, target: float) -> FloatArray:
    if kind == "ratio":
        expected = target * precision
        se: FloatArray = np.sqrt(
            expected / (expected + 0.5) ** 2 + precision / (precision + 0.5) ** 2
        )
        return se
    half: FloatArray = 1 / (2 * np.sqrt(precision))
    return half


def _back_transform(kind: str, y: FloatArray) -> FloatArray:
    if kind == "proportion":
        out: FloatArray = np.sin(np.clip(y, 0.0, math.pi / 2)) ** 2
        return out
    if kind == "ratio":
        return np.exp(y)
    squared: FloatArray = np.clip(y, 0.0, None) ** 2
    return squared


def _trimmed_units(
    z: FloatArray, trim: str, fraction: float
) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
    """The z-scores that enter phi, and which units they belong to."""
    n = z.size
    if fraction == 0 or n == 0:
        return z, np.ones(n, dtype=bool)
    if trim == "winsorise":
        # numpy's default quantile is R's type 7, the one FunnelPlotR uses
        low, high = np.quantile(z, [fraction, 1 - fraction])
        return np.clip(z, low, high), np.ones(n, dtype=bool)
    ranks = _stats().rankdata(z, method="average") / (n + 1)
    keep = (ranks >= fraction) & (ranks < 1 - fraction)
    return z[keep], keep


def _dispersion(
    z: FloatArray, s: FloatArray, trim: str, fraction: float
) -> tuple[float, float, int]:
    """phi, DerSimonian-Laird tau^2 and the number of units that entered them."""
    trimmed, keep = _trimmed_units(z, trim, fraction)
    n = int(trimmed.size)
    if n == 0:
        return float("nan"), 0.0, 0
    phi = float(np.mean(trimmed**2))
    weights = 1 / s[keep] ** 2
    denominator = float(weights.sum() - (weights**2).sum() / weights.sum())
    # DerSimonian-Laird gives 0 when N phi <= N - 1; trustboard also keeps 0 while phi <= 1,
    # so that data showing no over-dispersion never get wider limits (as the multiplicative
    # method does).  FunnelPlotR would add a small tau^2 for (N-1)/N < phi <= 1.
    if phi <= 1 or n * phi <= n - 1 or denominator <= 0:
        return phi, 0.0, n
    return phi, (n * phi - (n - 1)) / denominator, n


def _exact_limits(
    kind: str, precision: FloatArray, target: float, level: float
) -> tuple[FloatArray, FloatArray]:
    tail = (1 - level) / 2
    if kind == "standardised_ratio":
        mu = target * precision
        lower: FloatArray = _stats().chi2.ppf(tail, 2 * mu) / (2 * precision)
        upper: FloatArray = _stats().chi2.ppf(1 - tail, 2 * (mu + 1)) / (2 * precision)
        return lower, upper
    n = np.round(precision)

    def interpolated(p: float) -> FloatArray:
        # Spiegelhalter 2005, A.1.1: r_p is the p-quantile of Binomial(n, target); step back
        # by the share of the probability mass at r_p that lies above p.
        r = _stats().binom.ppf(p, n, target)
        at_r = _stats().binom.cdf(r, n, target)
        below_r = _stats().binom.cdf(r - 1, n, target)
        mass = at_r - below_r
        alpha = np.divide(at_r - p, mass, out=np.zeros_like(mass), where=mass > 0)
        out: FloatArray = np.clip((r - alpha) / n, 0.0, 1.0)
        return out

    return interpolated(tail), interpolated(1 - tail)


def _curve_grid(kind: str, method: str, precision: FloatArray) -> FloatArray:
    low = float(precision.min()) * 0.8
    high = float(precision.max()) * 1.1
    grid: FloatArray = np.geomspace(low, high, _CURVE_POINTS)
    if kind == "proportion" and method == "exact":
        grid = np.unique(np.maximum(np.round(grid), 1.0))
    return grid


def funnel(
    data: pl.DataFrame,
    *,
    numerator: str,
    denominator: str,
    by: str | Sequence[str],
    kind: FunnelKind = "proportion",
    target: float | None = None,
    limits: Sequence[float] = (0.95, 0.998),
    overdispersion: Overdispersion | None = None,
    trim: Trim = "winsorise",
    trim_fraction: float = 0.1,
    method: Method | None = None,
) -> FunnelResult:
    """Compute a funnel plot: one row per unit in ``data``.

    ``numerator``/``denominator`` name the count columns (for ``standardised_ratio`` the
    observed and expected counts); ``by`` names the column(s) identifying a unit.  ``target``
    defaults to the overall rate (sum of numerators / sum of denominators), or 1 for
    standardised ratios.  ``method`` defaults to ``exact`` for standardised ratios without
    over-dispersion and ``transformed`` otherwise.  Raises :class:`OptionsError` for bad options
    and :class:`DataValidationError` listing every problem in the data.
    """
    by_columns = (by,) if isinstance(by, str) else tuple(by)
    if method is None:
        method = (
            "exact" if kind == "standardised_ratio" and overdispersion is None else "transformed"
        )
    options = FunnelOptions(
        kind=kind,
        numerator=numerator,
        denominator=denominator,
        by=by_columns,
        target=None if target is None else float(target),
        limits=tuple(float(x) for x in limits),
        overdispersion=overdispersion,
        trim=trim,
        trim_fraction=float(trim_fraction),
        method=method,
    )
    num, den = _validate(data, options)
    theta = options.target if options.target is not None else _default_target(kind, num, den)
    if not (0 < theta < 1 if kind == "proportion" else theta > 0):
        problems = ProblemCollector()
        problems.add(
            ErrorCode.FUNNEL_DEGENERATE_TARGET,
            "the overall rate leaves no room for variation",
            column=numerator,
            value=theta,
            expected="some units with events (and, for proportions, some without)",
        )
        problems.raise_if_any("funnel plot input is not valid")

    y, s, y0 = _transform(kind, num, den, theta)
    z = (y - y0) / s
    phi, tau2, used = _dispersion(z, s, options.trim, options.trim_fraction)
    if overdispersion is not None and used < 2:
        problems = ProblemCollector()
        problems.add(
            ErrorCode.FUNNEL_TOO_FEW_UNITS,
            "too few units to estimate over-dispersion",
            value=used,
            expected="at least 2 units after trimming",
        )
        problems.raise_if_any("funnel plot input is not valid")

    def spread(se: FloatArray) -> FloatArray:
        if overdispersion == "multiplicative" and phi > 1:
            widened: FloatArray = se * math.sqrt(phi)
            return widened
        if overdispersion == "additive":
            total: FloatArray = np.sqrt(se**2 + tau2)
            return total
        return se

    z_adjusted = (y - y0) / spread(s)
    grid = _curve_grid(kind, method, den)
    points: dict[str, Any] = {
        "numerator": num,
        "denominator": den,
        "value": num / den,
        "z": z,
        "z_adjusted": z_adjusted,
    }
    curve: dict[str, Any] = {"precision": grid, "target": np.full(grid.size, theta)}
    inside_narrowest: npt.NDArray[np.bool_] | None = None
    for level, name in zip(options.limits, options.limit_names, strict=True):
        zq = _z_quantile(level)
        if method == "exact":
            point_lower, point_upper = _exact_limits(kind, den, theta, level)
            curve_lower, curve_upper = _exact_limits(kind, grid, theta, level)
            outside = (points["value"] < point_lower) | (points["value"] > point_upper)
        else:
            point_sd = spread(s)
            point_lower = _back_transform(kind, y0 - zq * point_sd)
            point_upper = _back_transform(kind, y0 + zq * point_sd)
            curve_sd = spread(_curve_se(kind, grid, theta))
            curve_lower = _back_transform(kind, y0 - zq * curve_sd)
            curve_upper = _back_transform(kind, y0 + zq * curve_sd)
            outside = np.abs(z_adjusted) > zq
        points[f"lower_{name}"] = point_lower
        points[f"upper_{name}"] = point_upper
        points[f"outside_{name}"] = outside
        curve[f"lower_{name}"] = curve_lower
        curve[f"upper_{name}"] = curve_upper
        if inside_narrowest is None:
            inside_narrowest = ~outside
    assert inside_narrowest is not None  # limits is never empty (checked by FunnelOptions)
    side = [
        None if inside else ("high" if value > theta else "low")
        for inside, value in zip(inside_narrowest.tolist(), points["value"].tolist(), strict=True)
    ]

    frame = data.select(options.by).with_columns(
        *(pl.Series(name, values) for name, values in points.items()),
        pl.Series("side", side, dtype=pl.String),
    )
    return FunnelResult(
        points=frame,
        curve=pl.DataFrame(curve),
        target=theta,
        phi=phi,
        tau2=tau2,
        options=options,
    )
