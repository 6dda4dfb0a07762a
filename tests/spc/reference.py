"""A plain, per-series, per-point reference implementation of the SPC rules.

Written straight from the specification (spc.md Part A §2–§9, Part B.1, Part C) with loops
and windows exactly as NHSRplotthedots describes them, with no attempt at speed.  The
vectorised engine is checked against it.
"""

from __future__ import annotations

import itertools
import math
import statistics
from dataclasses import dataclass, field

LIMIT = 2.66
CLOSE = 2 * 2.66 / 3
SCREEN = 3.267
NAN = float("nan")


@dataclass
class RefSettings:
    chart: str = "xmr"
    direction: int = 1
    screen: bool = True
    shift_length: int = 7
    trend_length: int = 7
    beyond_two_sigma: bool = False
    improvement_wins: bool = False
    min_points_limits: int = 0
    min_points_icons: int = 0
    short_threshold: int = 13
    fix_after: int | None = None


@dataclass
class RefGroup:
    values: list[float]
    numerators: list[float] | None = None
    denominators: list[float] | None = None
    baseline: list[bool] | None = None
    mean: list[float] = field(default_factory=list)
    lpl: list[float] = field(default_factory=list)
    upl: list[float] = field(default_factory=list)
    nlpl: list[float] = field(default_factory=list)
    nupl: list[float] = field(default_factory=list)


def _isnan(x: float) -> bool:
    return x is None or math.isnan(x)


def _mean(xs: list[float]) -> float:
    return sum(xs) / len(xs) if xs else NAN


def _usable(group: RefGroup, s: RefSettings) -> list[bool]:
    out = []
    for i, v in enumerate(group.values):
        ok = not _isnan(v)
        if s.fix_after is not None and i >= s.fix_after:
            ok = False
        out.append(ok)
    if group.baseline is not None:
        inside = [u and b for u, b in zip(out, group.baseline, strict=True)]
        if any(inside):
            out = inside
    return out


def _amr(xs: list[float], usable: list[bool], screen: bool) -> float:
    mrs = [abs(xs[i] - xs[i - 1]) for i in range(1, len(xs)) if usable[i] and usable[i - 1]]
    first = _mean(mrs)
    if screen:
        mrs = [m for m in mrs if m < SCREEN * first]
    return _mean(mrs)


def limits(group: RefGroup, s: RefSettings) -> None:
    """Fill the centre line and limits of one group."""
    y = group.values
    n = len(y)
    usable = _usable(group, s)
    kept = [y[i] for i in range(n) if usable[i]]
    if s.chart == "xmr" or s.chart == "mr":
        centre = _mean(kept)
        if s.chart == "mr":
            group.mean = [centre] * n
            zero = NAN if _isnan(centre) else 0.0
            group.lpl = [zero] * n
            group.nlpl = [zero] * n
            group.upl = [3.267 * centre] * n
            group.nupl = [2 / 3 * 3.267 * centre] * n
            return
        amr = _amr(y, usable, s.screen)
        group.mean = [centre] * n
        group.lpl = [centre - LIMIT * amr] * n
        group.upl = [centre + LIMIT * amr] * n
        group.nlpl = [centre - CLOSE * amr] * n
        group.nupl = [centre + CLOSE * amr] * n
        return
    if s.chart in ("p", "u", "pp", "up"):
        num, den = group.numerators, group.denominators
        assert num is not None and den is not None
        total_num = sum(num[i] for i in range(n) if usable[i])
        total_den = sum(den[i] for i in range(n) if usable[i])
        centre = total_num / total_den if total_den else NAN
        sig = []
        for i in range(n):
            if s.chart in ("p", "pp"):
                sig.append(math.sqrt(centre * (1 - centre) / den[i]) if not _isnan(centre) else NAN)
            else:
                sig.append(math.sqrt(centre / den[i]) if not _isnan(centre) else NAN)
        if s.chart in ("pp", "up"):
            z = [
                (y[i] - centre) / sig[i] if sig[i] and not _isnan(sig[i]) else NAN for i in range(n)
            ]
            z_ok = [usable[i] and not _isnan(z[i]) for i in range(n)]
            sz = _amr(z, z_ok, s.screen) / 1.128
            sig = [x * sz for x in sig]
        top = 1.0 if s.chart in ("p", "pp") else math.inf

        def clamp(v: float) -> float:
            return v if _isnan(v) else min(max(v, 0.0), top)

        group.mean = [centre] * n
        group.lpl = [clamp(centre - 3 * x) for x in sig]
        group.upl = [clamp(centre + 3 * x) for x in sig]
        group.nlpl = [clamp(centre - 2 * x) for x in sig]
        group.nupl = [clamp(centre + 2 * x) for x in sig]
        return
    if s.chart == "c":
        centre = _mean(kept)
        sd = math.sqrt(centre) if not _isnan(centre) else NAN
        group.mean = [centre] * n
        group.lpl = [max(centre - 3 * sd, 0.0) if not _isnan(sd) else NAN] * n
        group.upl = [centre + 3 * sd] * n
        group.nlpl = [max(centre - 2 * sd, 0.0) if not _isnan(sd) else NAN] * n
        group.nupl = [centre + 2 * sd] * n
        return
    if s.chart == "g":
        gbar = _mean(kept)
        sd = math.sqrt(gbar * (gbar + 1)) if not _isnan(gbar) else NAN
        centre = statistics.median(kept) if kept else NAN
        zero = NAN if _isnan(gbar) else 0.0
        group.mean = [centre] * n
        group.lpl = [zero] * n
        group.nlpl = [zero] * n
        group.upl = [gbar + 3 * sd] * n
        group.nupl = [gbar + 2 * sd] * n
        return
    if s.chart == "t":
        moved = [v ** (1 / 3.6) if not _isnan(v) else NAN for v in y]
        inner = RefGroup(moved, baseline=group.baseline)
        limits(inner, RefSettings(chart="xmr", screen=s.screen, fix_after=s.fix_after))

        def back(v: float) -> float:
            return v if _isnan(v) else max(v, 0.0) ** 3.6

        group.mean = [back(v) for v in inner.mean]
        group.lpl = [back(v) for v in inner.lpl]
        group.upl = [back(v) for v in inner.upl]
        group.nlpl = [back(v) for v in inner.nlpl]
        group.nupl = [back(v) for v in inner.nupl]
        return
    raise AssertionError(s.chart)


def _gt(a: float, b: float) -> bool:
    return not _isnan(a) and not _isnan(b) and a > b


def _lt(a: float, b: float) -> bool:
    return not _isnan(a) and not _isnan(b) and a < b


def rules(group: RefGroup, s: RefSettings) -> list[str]:
    """The label of every point of one group (after :func:`limits`)."""
    y = group.values
    n = len(y)
    rtm = [
        1 if _gt(y[i], group.mean[i]) else -1 if _lt(y[i], group.mean[i]) else 0 for i in range(n)
    ]
    outside = [_gt(y[i], group.upl[i]) or _lt(y[i], group.lpl[i]) for i in range(n)]
    beyond = [_gt(y[i], group.nupl[i]) or _lt(y[i], group.nlpl[i]) for i in range(n)]
    close = [beyond[i] and not outside[i] for i in range(n)]
    counted = beyond if s.beyond_two_sigma else close

    # shift: mark i when rtm[i] != 0 equals the previous L-1 values; mark the L points.
    L = s.shift_length
    shift = [False] * n
    for i in range(L - 1, n):
        if rtm[i] != 0 and all(rtm[i - k] == rtm[i] for k in range(1, L)):
            for k in range(L):
                shift[i - k] = True

    # trend: mark i when the T-1 steps ending at i all rise (fall); NA breaks.
    T = s.trend_length
    trend = [False] * n
    for i in range(T - 1, n):
        window = y[i - T + 1 : i + 1]
        if any(_isnan(v) for v in window):
            continue
        steps = [window[k + 1] - window[k] for k in range(T - 1)]
        if all(d > 0 for d in steps) or all(d < 0 for d in steps):
            for k in range(T):
                trend[i - k] = True
    rising = []
    for i in range(n):
        if trend[i] and i + 1 < n and trend[i + 1]:
            step = y[i + 1] - y[i]
        else:
            step = y[i] - y[i - 1] if i > 0 else 0.0
        rising.append(not _isnan(step) and step > 0)

    two = [False] * n
    for i in range(n):
        if not counted[i]:
            continue
        for start in (i - 2, i - 1, i):
            if start < 0 or start + 2 >= n:
                continue
            idx = range(start, start + 3)
            if sum(counted[j] for j in idx) >= 2 and abs(sum(rtm[j] for j in idx)) == 3:
                two[i] = True

    def pick(ok_side: int | None) -> list[str]:
        out = []
        for i in range(n):
            side = 1 if rtm[i] == 1 else -1
            tside = 1 if rising[i] else -1
            above = "Above" if rtm[i] > 0 else "Below"
            label = "Common Cause"
            if outside[i] and (ok_side is None or side == ok_side):
                label = "Above UCL" if rtm[i] == 1 else "Below LCL"
            elif trend[i] and (ok_side is None or tside == ok_side):
                label = f"{T} Point Trend ({'Increasing' if rising[i] else 'Decreasing'})"
            elif two[i] and (ok_side is None or side == ok_side):
                label = f"2 in 3 {above} CL"
            elif shift[i] and (ok_side is None or side == ok_side):
                label = f"{L} Points {above} CL"
            out.append(label)
        return out

    labels = pick(None)
    if s.improvement_wins and s.direction != 0:
        better = pick(s.direction)
        labels = [b if b != "Common Cause" else a for a, b in zip(labels, better, strict=True)]
    present = sum(not _isnan(v) for v in y)
    if present < s.min_points_limits:
        labels = ["Common Cause"] * n
    return labels


def point_type(label: str, direction: int) -> str:
    """ptd_point_type: the side of a label against the improvement direction."""
    if label == "Common Cause":
        return "common_cause"
    side = 1 if ("Above" in label or "Increasing" in label) else -1
    if direction == 0:
        return "special_cause_neutral_high" if side == 1 else "special_cause_neutral_low"
    return "special_cause_improvement" if side == direction else "special_cause_concern"


@dataclass
class RefSeries:
    labels: list[str]
    point_types: list[str]
    mean: list[float]
    lpl: list[float]
    upl: list[float]
    short: list[bool]
    variation_icon: str | None
    assurance_icon: str | None


def series(
    values: list[float],
    s: RefSettings,
    *,
    rebase: list[bool] | None = None,
    numerators: list[float] | None = None,
    denominators: list[float] | None = None,
    target: float | None = None,
    has_target: bool = False,
) -> RefSeries:
    """Everything for one series (values in date order); ``rebase[i]`` starts a new group."""
    n = len(values)
    cuts = [0] + [i for i in range(1, n) if rebase and rebase[i]] + [n]
    out = RefSeries([], [], [], [], [], [], None, None)
    last_present = 0
    for a, b in itertools.pairwise(cuts):
        g = RefGroup(
            values[a:b],
            numerators[a:b] if numerators else None,
            denominators[a:b] if denominators else None,
        )
        limits(g, s)
        present = sum(not _isnan(v) for v in g.values)
        if present < s.min_points_limits:
            g.lpl = [NAN] * (b - a)
            g.upl = [NAN] * (b - a)
            g.nlpl = [NAN] * (b - a)
            g.nupl = [NAN] * (b - a)
        labels = rules(g, s)
        out.labels += labels
        out.point_types += [point_type(x, s.direction) for x in labels]
        out.mean += g.mean
        out.lpl += g.lpl
        out.upl += g.upl
        out.short += [(b - a) < s.short_threshold] * (b - a)
        last_present = present
    if n == 0:
        return out
    last = out.point_types[-1]
    icons = {
        "common_cause": "common_cause",
        "special_cause_neutral_high": "neutral_high",
        "special_cause_neutral_low": "neutral_low",
        "special_cause_improvement": "improvement_high" if s.direction == 1 else "improvement_low",
        "special_cause_concern": "concern_low" if s.direction == 1 else "concern_high",
    }
    out.variation_icon = icons[last]
    if has_target and s.direction != 0:
        t = NAN if target is None else target
        up, lo = out.upl[-1], out.lpl[-1]
        if _gt(t, up):
            out.assurance_icon = "fail" if s.direction == 1 else "pass"
        elif _lt(t, lo):
            out.assurance_icon = "pass" if s.direction == 1 else "fail"
        else:
            out.assurance_icon = "inconsistent"
    if last_present < s.min_points_icons:
        out.variation_icon = None
        out.assurance_icon = None
    return out
