"""Stale limits and over-dispersion: expected values worked by hand from the rules."""

from __future__ import annotations

import itertools
import math
from datetime import date

import polars as pl
import pytest

from trustboard.spc import compute
from trustboard.spc.review import (
    OVERDISPERSION_RATIO,
    dispersion_ratios,
    propose_rebases,
    trailing_side_run,
)


def _months(n: int, start: date = date(2021, 4, 1)) -> list[date]:
    return pl.date_range(start, date(2100, 1, 1), "1mo", eager=True).head(n).to_list()


def test_trailing_run_counts_points_on_one_side_and_stops_at_the_mean() -> None:
    # means 10; values 9, 11, 12, 13 -> the last three are above: (3, +1)
    assert trailing_side_run([9.0, 11, 12, 13], [10.0] * 4) == (3, 1)
    assert trailing_side_run([11.0, 10, 8, 7], [10.0] * 4) == (2, -1)
    assert trailing_side_run([11.0, 12, 10], [10.0] * 3) == (0, 0)
    assert trailing_side_run([11.0, None, 12], [10.0] * 3) == (1, 1)


def test_a_sustained_fall_at_the_end_is_proposed_from_its_first_point() -> None:
    # FIN04-like: 36 months near 1,000 then 12 months near 760 (Apr 2024 - Mar 2025).
    # Mean of all 48 = (18*990 + 18*1010 + 6*750 + 6*770)/48 = 940; the last 12 are below it,
    # and the 36 before alternate 990/1010, all above it: the trailing run is 12 points long.
    values = [990.0, 1010.0] * 18 + [750.0, 770.0] * 6
    data = pl.DataFrame({"month": _months(48), "spend": values})
    result = compute(data, date="month", value="spend", improvement="decrease")
    assert result.summary["mean"][0] == pytest.approx(940.0)
    proposals = propose_rebases(result.points, shift_length=7)
    assert proposals.to_dicts() == [
        {
            "proposed_at": date(2024, 4, 1),
            "side": "below",
            "run_length": 12,
            "enough_points": True,
            "basis": "shift",
            "intervention": None,
        }
    ]


def test_a_short_run_is_proposed_but_not_yet_enough_points() -> None:
    # 20 points at 10/12 (mean of all 28 = (10*10 + 10*12 + 8*20)/28 = 380/28 = 13.57),
    # then 8 points at 20: a run of 8 >= 7 but < 12 points to recalculate from.
    values = [10.0, 12.0] * 10 + [20.0] * 8
    data = pl.DataFrame({"month": _months(28), "falls": values})
    result = compute(data, date="month", value="falls", improvement="decrease")
    found = propose_rebases(result.points, shift_length=7).row(0, named=True)
    assert found["proposed_at"] == _months(28)[20]
    assert (found["side"], found["run_length"], found["enough_points"]) == ("above", 8, False)


def test_a_recorded_intervention_that_began_the_run_is_the_proposed_point() -> None:
    # the FIN04-like series: the run starts April 2024 (index 36); the point 7 before it is
    # September 2023 (index 29).  A price cap recorded on 15 February 2024 falls after
    # September 2023 and before April 2024: the change began with it, and the first point on
    # or after 15 February is 1 March 2024.
    values = [990.0, 1010.0] * 18 + [750.0, 770.0] * 6
    data = pl.DataFrame({"month": _months(48), "spend": values})
    result = compute(data, date="month", value="spend", improvement="decrease")
    cap = pl.DataFrame({"date": [date(2024, 2, 15)], "label": ["A7 agency price cap"]})
    found = propose_rebases(result.points, shift_length=7, interventions=cap).row(0, named=True)
    assert (found["proposed_at"], found["basis"], found["intervention"]) == (
        date(2024, 3, 1),
        "intervention",
        "A7 agency price cap",
    )
    assert found["run_length"] == 12
    # one dated on or before September 2023 (7 points before the run) did not begin it, nor
    # one after the run started
    for day in (date(2023, 9, 1), date(2023, 6, 30), date(2024, 4, 2)):
        other = pl.DataFrame({"date": [day], "label": ["other"]})
        row = propose_rebases(result.points, shift_length=7, interventions=other).row(0, named=True)
        assert (row["proposed_at"], row["basis"]) == (date(2024, 4, 1), "shift"), day
    # the intervention exactly at the run's start is the same point, explained
    exact = pl.DataFrame({"date": [date(2024, 4, 1)]})
    row = propose_rebases(result.points, shift_length=7, interventions=exact).row(0, named=True)
    assert (row["proposed_at"], row["basis"], row["intervention"]) == (
        date(2024, 4, 1),
        "intervention",
        None,
    )


def test_interventions_apply_to_their_own_series() -> None:
    months = _months(24)
    data = pl.DataFrame(
        {
            "org": ["A"] * 24 + ["B"] * 24,
            "month": months * 2,
            "v": [5.0, 7.0] * 8 + [1.0] * 8 + [5.0, 7.0] * 8 + [1.0] * 8,
        }
    )
    result = compute(data, date="month", value="v", by="org")
    # B's intervention, one month before B's run (index 16): A keeps the run's start
    marks = pl.DataFrame({"org": ["B"], "date": [months[15]], "label": ["new rota"]})
    found = propose_rebases(result.points, by=["org"], shift_length=7, interventions=marks)
    assert found.select("org", "proposed_at", "basis").rows() == [
        ("A", months[16], "shift"),
        ("B", months[15], "intervention"),
    ]


def test_no_proposal_for_a_run_shorter_than_the_rule_or_already_rebased() -> None:
    values = [10.0, 12.0] * 10 + [20.0] * 6
    data = pl.DataFrame({"month": _months(26), "falls": values})
    result = compute(data, date="month", value="falls")
    assert propose_rebases(result.points, shift_length=7).height == 0
    # rebased at the start of the shift: the latest group is the shift itself, no proposal
    values = [10.0, 12.0] * 10 + [20.0, 21.0] * 6
    data = pl.DataFrame({"month": _months(32), "falls": values})
    rebased = compute(data, date="month", value="falls", rebase=[_months(32)[20]])
    assert propose_rebases(rebased.points, shift_length=7).height == 0


def test_a_run_of_empty_months_on_a_rare_event_chart_is_not_a_new_process() -> None:
    # never events on a c-chart: 16 months with 1 or 0 (mean over 24 = 8/24 = 0.33), then 8
    # months of 0.  The 8 zeros are a run below the mean (the shift rule fires), but with a
    # mean of 0.33 a month, P(0) = exp(-0.33) = 72%: no recalculation is proposed for them.
    counts = [1, 0] * 8 + [0] * 8
    data = pl.DataFrame({"month": _months(24), "events": counts})
    result = compute(data, date="month", value="events", chart="c", improvement="decrease")
    assert result.summary["mean"][0] == pytest.approx(8 / 24)
    assert propose_rebases(result.points, shift_length=7).height == 1
    assert propose_rebases(result.points, shift_length=7, rare_events=True).height == 0
    # a run of months with events above the mean is still proposed on a rare-event chart
    counts = [1, 0] * 8 + [2] * 8
    data = pl.DataFrame({"month": _months(24), "events": counts})
    result = compute(data, date="month", value="events", chart="c", improvement="decrease")
    assert propose_rebases(result.points, shift_length=7, rare_events=True).height == 1


def test_proposals_are_per_series() -> None:
    months = _months(24)
    data = pl.DataFrame(
        {
            "org": ["A"] * 24 + ["B"] * 24,
            "month": months * 2,
            "v": [5.0, 7.0] * 12 + [5.0, 7.0] * 8 + [1.0] * 8,
        }
    )
    result = compute(data, date="month", value="v", by="org")
    proposals = propose_rebases(result.points, by=["org"], shift_length=7)
    assert proposals.select("org", "proposed_at", "run_length").rows() == [("B", months[16], 8)]


def test_sigma_z_ratio_by_hand() -> None:
    # p-bar = 200/400 = 0.5; sigma_i = sqrt(0.25/100) = 0.05; z = 0, 2, -2, 0;
    # moving ranges 2, 4, 2 (none >= 3.267 x 8/3), mean 8/3; ratio = (8/3)/1.128 = 2.3641
    data = pl.DataFrame(
        {
            "month": _months(4),
            "num": [50, 60, 40, 50],
            "den": [100, 100, 100, 100],
        }
    )
    result = compute(data, date="month", numerator="num", denominator="den", chart="p")
    ratios = dispersion_ratios(result.points)
    assert ratios["ratio"][0] == pytest.approx((8 / 3) / 1.128)
    assert ratios["points"][0] == 4
    assert ratios["ratio"][0] > OVERDISPERSION_RATIO


def test_huge_denominators_give_a_large_ratio_and_small_ones_near_one() -> None:
    # the same proportions on 1,000,000 instead of 100: sigma_i is 100 times smaller, z and
    # the ratio 100 times larger
    big = pl.DataFrame(
        {"month": _months(4), "num": [500_000, 600_000, 400_000, 500_000], "den": [1_000_000] * 4}
    )
    result = compute(big, date="month", numerator="num", denominator="den", chart="p")
    assert dispersion_ratios(result.points)["ratio"][0] == pytest.approx(100 * (8 / 3) / 1.128)
    # p = 0.5 +- 0.05 on n = 100 is exactly one sigma each step: z = 1, -1, 1, -1;
    # MR 2, 2, 2; ratio 2/1.128 = 1.773
    fits = pl.DataFrame({"month": _months(4), "num": [55, 45, 55, 45], "den": [100] * 4})
    result = compute(fits, date="month", numerator="num", denominator="den", chart="p")
    ratio = dispersion_ratios(result.points)["ratio"][0]
    assert ratio == pytest.approx(2 / 1.128)
    assert ratio < OVERDISPERSION_RATIO


# --- the vectorised checks against plain loops written from the rules -----------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


def _reference_proposal(rows: list[dict[str, object]], shift: int) -> tuple[date, int] | None:
    """The rule as a loop: the run on one side of the mean that ends the latest group."""
    last_group = max(int(r["rebase_group"]) for r in rows)  # type: ignore[call-overload]
    group = [r for r in rows if r["rebase_group"] == last_group]
    values = [r["value"] for r in group]
    means = [r["mean"] for r in group]
    count, side = trailing_side_run(values, means)  # type: ignore[arg-type]
    if side == 0 or count < shift or count == len(group):
        return None
    return group[len(group) - count]["date"], count  # type: ignore[return-value]


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.one_of(st.none(), st.integers(0, 6).map(float)), min_size=3, max_size=30),
    rebase_at=st.one_of(st.none(), st.integers(1, 29)),
    shift=st.integers(2, 8),
)
def test_proposals_equal_a_reference_loop(
    values: list[float | None], rebase_at: int | None, shift: int
) -> None:
    if all(v is None for v in values):
        values[0] = 1.0
    months = _months(len(values))
    rebase = [months[rebase_at]] if rebase_at is not None and rebase_at < len(values) else None
    data = pl.DataFrame({"month": months, "v": values}, schema={"month": pl.Date, "v": pl.Float64})
    result = compute(data, date="month", value="v", rebase=rebase)
    found = propose_rebases(result.points, shift_length=shift)
    expected = _reference_proposal(result.points.to_dicts(), shift)
    if expected is None:
        assert found.height == 0
    else:
        assert found.select("proposed_at", "run_length").row(0) == expected


@settings(max_examples=60, deadline=None)
@given(
    counts=st.lists(st.tuples(st.integers(0, 50), st.integers(50, 100)), min_size=2, max_size=20)
)
def test_sigma_z_ratio_equals_a_reference_loop(counts: list[tuple[int, int]]) -> None:
    nums = [c[0] for c in counts]
    dens = [c[1] for c in counts]
    data = pl.DataFrame({"month": _months(len(counts)), "num": nums, "den": dens})
    result = compute(data, date="month", numerator="num", denominator="den", chart="p")
    pbar = sum(nums) / sum(dens)
    ratios = dispersion_ratios(result.points)
    if pbar in (0.0, 1.0):
        # every z is undefined (sigma 0): no ratio
        assert ratios.height == 0
        return
    z = [(n / d - pbar) / math.sqrt(pbar * (1 - pbar) / d) for n, d in counts]
    mr = [abs(b - a) for a, b in itertools.pairwise(z)]
    mean_mr = sum(mr) / len(mr)
    kept = [m for m in mr if m < 3.267 * mean_mr] if mean_mr > 0 else mr
    assert ratios["ratio"][0] == pytest.approx(sum(kept) / len(kept) / 1.128)
    assert ratios["points"][0] == len(counts)
