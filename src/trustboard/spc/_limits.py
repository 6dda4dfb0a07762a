"""Centre lines and limits for every chart type, for many groups at once (NumPy only).

A *group* is one run of rows (one series × rebase group) in the sorted arrays; ``starts`` holds
the index of each group's first row and every group has at least one row.  Every function
returns per-point arrays: the centre line, the process limits (≈ 3 sigma) and the
"close to the limits" lines (≈ 2 sigma), so that limits may vary per point (p, u, p′, u′).
Formulas: spc.md Part A §2 (XmR as NHSRplotthedots computes it) and Part B.1 (other charts).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from trustboard.errors import OptionsError
from trustboard.spc.constants import (
    CLOSE_MULTIPLIER,
    D2,
    D4,
    LIMIT_MULTIPLIER,
    MR_SCREEN_MULTIPLIER,
    SIGMA_CLOSE,
    SIGMA_LIMIT,
    T_CHART_POWER,
)

__all__ = ["Groups", "Limits", "compute_limits", "moving_ranges"]

Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]
Ints = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Groups:
    """Group layout of the sorted arrays, computed once per call."""

    starts: Ints
    sizes: Ints
    is_start: Bools

    @classmethod
    def from_starts(cls, starts: Ints, n: int) -> Groups:
        """The layout of ``n`` rows split into groups beginning at ``starts``."""
        starts = np.asarray(starts, dtype=np.int64)
        sizes = np.diff(np.append(starts, np.int64(n))).astype(np.int64)
        is_start = np.zeros(n, dtype=np.bool_)
        is_start[starts] = True
        return cls(starts, sizes, is_start)

    def group_of(self, rows: Ints) -> Ints:
        """The group index of each row index in ``rows``."""
        return np.asarray(np.searchsorted(self.starts, rows, side="right") - 1, dtype=np.int64)

    def expand(self, per_group: npt.NDArray[Any]) -> npt.NDArray[Any]:
        """Per-group values repeated over the rows of each group."""
        return np.repeat(per_group, self.sizes)

    def sum(self, values: npt.NDArray[np.generic]) -> Floats:
        """Per-group sums of ``values`` (one per group)."""
        if self.starts.size == 0:
            return np.zeros(0, dtype=np.float64)
        return np.add.reduceat(values, self.starts).astype(np.float64, copy=False)


@dataclass(frozen=True, slots=True)
class Limits:
    """Per-point centre line, process limits and 2-sigma lines (NaN where not computable)."""

    mean: Floats
    lpl: Floats
    upl: Floats
    nlpl: Floats
    nupl: Floats


def _ratio(top: Floats, bottom: Floats) -> Floats:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(top / bottom, dtype=np.float64)


def moving_ranges(values: Floats, usable: Bools, groups: Groups) -> tuple[Floats, Bools]:
    """Moving ranges ``|x[i] - x[i-1]|`` at position ``i`` and where they are usable.

    A range is usable when both points are usable and in the same group (NHSRplotthedots:
    an NA or a point after the fixed baseline removes the ranges that touch it).
    """
    mr = np.empty_like(values)
    mr[0:1] = np.nan
    np.abs(values[1:] - values[:-1], out=mr[1:])
    ok = np.empty_like(usable)
    ok[0:1] = False
    np.logical_and(usable[1:], usable[:-1], out=ok[1:])
    ok &= ~groups.is_start
    return mr, ok


def _mean_mr(mr: Floats, ok: Bools, groups: Groups, screen: bool) -> Floats:
    """Per-group mean moving range, after one pass of screening when ``screen``."""
    kept = np.where(ok, mr, 0.0)
    count = groups.sum(ok)
    amr = _ratio(groups.sum(kept), count)
    if not screen:
        return amr
    # One pass: ranges at or above 3.267 x the mean range are dropped (ptd_spc_standard.R 72-78).
    keep = ok & (mr < MR_SCREEN_MULTIPLIER * groups.expand(amr))
    return _ratio(groups.sum(np.where(keep, mr, 0.0)), groups.sum(keep))


def _group_mean(values: Floats, usable: Bools, groups: Groups) -> Floats:
    return _ratio(groups.sum(np.where(usable, values, 0.0)), groups.sum(usable))


def _xmr(values: Floats, usable: Bools, groups: Groups, screen: bool) -> Limits:
    mean = _group_mean(values, usable, groups)
    mr, ok = moving_ranges(values, usable, groups)
    amr = _mean_mr(mr, ok, groups, screen)
    half = groups.expand(LIMIT_MULTIPLIER * amr)
    near = groups.expand(CLOSE_MULTIPLIER * amr)
    centre = groups.expand(mean)
    return Limits(centre, centre - half, centre + half, centre - near, centre + near)


def _mr_chart(values: Floats, usable: Bools, groups: Groups) -> Limits:
    # The plotted values are already moving ranges: centre = mean MR (never screened),
    # upper lines 3.267 and 2/3 x 3.267 times the mean MR, lower lines 0 (spc.md Part B.1).
    centre = groups.expand(_group_mean(values, usable, groups))
    zero = np.zeros_like(centre)
    zero[np.isnan(centre)] = np.nan
    return Limits(centre, zero, D4 * centre, zero.copy(), (SIGMA_CLOSE / SIGMA_LIMIT) * D4 * centre)


def _with_sigma(centre: Floats, sigma: Floats, low: float | None, high: float | None) -> Limits:
    lpl = centre - SIGMA_LIMIT * sigma
    upl = centre + SIGMA_LIMIT * sigma
    nlpl = centre - SIGMA_CLOSE * sigma
    nupl = centre + SIGMA_CLOSE * sigma
    if low is not None or high is not None:
        for line in (lpl, upl, nlpl, nupl):
            np.clip(line, low, high, out=line)
    return Limits(centre, lpl, upl, nlpl, nupl)


def _ratio_chart(
    chart: str,
    numerator: Floats,
    denominator: Floats,
    values: Floats,
    usable: Bools,
    groups: Groups,
    screen: bool,
) -> Limits:
    num = np.where(usable, numerator, 0.0)
    den = np.where(usable, denominator, 0.0)
    centre = groups.expand(_ratio(groups.sum(num), groups.sum(den)))
    with np.errstate(invalid="ignore", divide="ignore"):
        if chart in ("p", "pp"):
            sigma = np.sqrt(centre * (1.0 - centre) / denominator)
        else:
            sigma = np.sqrt(centre / denominator)
        if chart in ("pp", "up"):
            # Laney: scale the within-point sigma by the spread of the z-scores between points,
            # sigma_z = mean MR(z) / 1.128 (Laney 2002; spc.md Part B.1).
            z = (values - centre) / sigma
            z_ok = usable & np.isfinite(z)
            mr, ok = moving_ranges(z, z_ok, groups)
            sigma = sigma * groups.expand(_mean_mr(mr, ok, groups, screen) / D2)
    high = 1.0 if chart in ("p", "pp") else None
    return _with_sigma(centre, sigma, 0.0, high)


def _group_median(values: Floats, usable: Bools, groups: Groups) -> Floats:
    key = np.where(usable, values, np.inf)
    order = np.lexsort((key, groups.expand(np.arange(groups.starts.size))))
    ranked = key[order]
    count = groups.sum(usable).astype(np.int64)
    lo = groups.starts + np.maximum(count - 1, 0) // 2
    hi = groups.starts + count // 2
    median = 0.5 * (
        ranked[np.minimum(lo, ranked.size - 1)] + ranked[np.minimum(hi, ranked.size - 1)]
    )
    median[count == 0] = np.nan
    return np.asarray(median, dtype=np.float64)


def _g_chart(values: Floats, usable: Bools, groups: Groups) -> Limits:
    # Geometric (g) chart: the centre line drawn is the median; sigma = sqrt(g(g+1)) with g the
    # mean; upper lines are measured from the mean; lower lines are 0 (spc.md Part B.1).
    gbar = _group_mean(values, usable, groups)
    sigma = groups.expand(np.sqrt(gbar * (gbar + 1.0)))
    centre = groups.expand(_group_median(values, usable, groups))
    mean = groups.expand(gbar)
    zero = np.where(np.isnan(mean), np.nan, 0.0)
    return Limits(centre, zero, mean + SIGMA_LIMIT * sigma, zero.copy(), mean + SIGMA_CLOSE * sigma)


def _t_chart(values: Floats, usable: Bools, groups: Groups, screen: bool) -> Limits:
    # t chart: an XmR chart of x^(1/3.6), back-transformed; a negative lower line becomes 0.
    with np.errstate(invalid="ignore"):
        moved = np.power(values, 1.0 / T_CHART_POWER)
    inner = _xmr(moved, usable & np.isfinite(moved), groups, screen)

    def back(line: Floats) -> Floats:
        with np.errstate(invalid="ignore"):
            return np.power(np.maximum(line, 0.0), T_CHART_POWER)

    return Limits(
        back(inner.mean), back(inner.lpl), back(inner.upl), back(inner.nlpl), back(inner.nupl)
    )


def compute_limits(
    chart: str,
    values: Floats,
    usable: Bools,
    groups: Groups,
    *,
    screen: bool,
    numerator: Floats | None = None,
    denominator: Floats | None = None,
) -> Limits:
    """Per-point centre line and limits of ``chart`` for every group.

    ``values`` are the plotted values (NaN where missing); ``usable`` marks the points that
    take part in the limits (not missing, inside the baseline).  ``numerator`` and
    ``denominator`` are needed for the p, u, p′ and u′ charts.
    """
    if chart == "xmr":
        return _xmr(values, usable, groups, screen)
    if chart == "mr":
        return _mr_chart(values, usable, groups)
    if chart in ("p", "u", "pp", "up"):
        if numerator is None or denominator is None:
            raise OptionsError(f"the {chart} chart needs numerators and denominators")
        return _ratio_chart(chart, numerator, denominator, values, usable, groups, screen)
    if chart == "c":
        centre = groups.expand(_group_mean(values, usable, groups))
        return _with_sigma(centre, np.sqrt(centre), 0.0, None)
    if chart == "g":
        return _g_chart(values, usable, groups)
    if chart == "t":
        return _t_chart(values, usable, groups, screen)
    raise OptionsError(f"unknown chart type {chart!r}")
