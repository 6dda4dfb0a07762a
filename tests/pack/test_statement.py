"""Statements from SPC results: every variation × assurance combination, run lengths by hand."""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from trustboard.domain import Polarity, Target, TargetType, Unit
from trustboard.render.pack.model import SeriesPoint, SummaryRow
from trustboard.render.pack.statement import (
    describe_assurance,
    describe_variation,
    statement_for,
    trailing_run,
)

from .builders import definition, months

VARIATIONS = [
    "common_cause",
    "improvement_high",
    "improvement_low",
    "concern_high",
    "concern_low",
    "neutral_high",
    "neutral_low",
]
ASSURANCES = ["pass", "fail", "inconsistent", None]


def _points(
    values: list[float | None],
    *,
    mean: float,
    lpl: float,
    upl: float,
    label: str = "Common Cause",
    kind: str = "common_cause",
) -> tuple[SeriesPoint, ...]:
    days = months(len(values), date(2025, 3, 1))
    return tuple(
        SeriesPoint(
            date=d,
            value=v,
            display="–" if v is None else f"{v * 100:.1f}%",
            mean=mean,
            lpl=lpl,
            upl=upl,
            point_type=kind if i == len(values) - 1 else "common_cause",
            special_cause_type=label if i == len(values) - 1 else "Common Cause",
        )
        for i, (d, v) in enumerate(zip(days, values, strict=True))
    )


def _summary(
    points: tuple[SeriesPoint, ...],
    variation: str | None,
    assurance: str | None,
    target: float | None = 0.95,
) -> SummaryRow:
    last = points[-1]
    return SummaryRow(
        last.date,
        last.value,
        last.display,
        len(points),
        last.mean,
        last.lpl,
        last.upl,
        target,
        "increase",
        variation,
        assurance,
    )


def test_limits_that_predate_a_shift_do_not_forecast_the_target() -> None:
    # 16 months around 0.93, then 8 months below the mean from August 2024 to March 2025.
    # The 8-point run is longer than the shift rule (7) and began after the limits did, so
    # the limits describe the process before the shift.  Every value misses 95%: of the last
    # 12 months (April 2024 - March 2025) none met it.  The old words, "the 95.0% target will
    # be met inconsistently", forecast from the old process and contradicted 24 misses.
    values = [0.93, 0.94] * 8 + [0.90] * 8
    pts = _points(
        values,
        mean=0.925,
        lpl=0.88,
        upl=0.97,
        label="7 Points Below CL",
        kind="special_cause_concern",
    )
    text = statement_for(
        pts,
        _summary(pts, "concern_low", "inconsistent"),
        definition(targets=(Target(value=0.95),)),
        Target(value=0.95),
    )
    assert text == (
        "Special cause concern: 8 consecutive months below the mean since August 2024; "
        "the limits were set before this shift, so they cannot yet say whether the 95.0% "
        "target will be met; it was not met in any of the last 12 months."
    )


@pytest.mark.parametrize(
    ("variation", "assurance"), list(itertools.product(VARIATIONS, ASSURANCES))
)
def test_every_icon_combination_gives_its_own_words(variation: str, assurance: str | None) -> None:
    high = variation.endswith("high")
    values = [0.90, 0.91] * 6 + ([0.99] if high else [0.80])
    pts = _points(
        values,
        mean=0.905,
        lpl=0.87,
        upl=0.94,
        label="Above UCL" if high else "Below LCL",
        kind={
            "common": "common_cause",
            "improvement": "special_cause_improvement",
            "concern": "special_cause_concern",
            "neutral": "special_cause_neutral_high",
        }[variation.split("_")[0]],
    )
    if variation == "common_cause":
        pts = _points([0.90, 0.91] * 6 + [0.905], mean=0.905, lpl=0.87, upl=0.94)
    # a target the values agree with: every value meets 50%, none meets 99.9%, and 90.5% is
    # met by every other value (0.91) and missed by the rest (0.90)
    target = {"pass": 0.5, "fail": 0.999, "inconsistent": 0.905, None: None}[assurance]
    defn = definition(
        targets=() if target is None else (Target(value=target, type=TargetType.NATIONAL_STANDARD),)
    )
    text = statement_for(pts, _summary(pts, variation, assurance, target), defn)
    opener = {
        "common": "Common cause variation: no significant change",
        "improvement": "Special cause improvement:",
        "concern": "Special cause concern:",
        "neutral": "Special cause variation (neither improvement nor concern):",
    }[variation.split("_")[0]]
    assert text.startswith(opener)
    if variation != "common_cause":
        assert (
            "above the upper process limit (94.00%)"
            if high
            else "below the lower process limit (87.00%)"
        ) in text
    ending = {
        "pass": "the 50.0% national standard will be met consistently.",
        "fail": "the 99.9% national standard will not be met without a change to the process.",
        "inconsistent": "the 90.5% national standard will be met inconsistently.",
        None: "there is no target to assure against.",
    }[assurance]
    assert text.endswith(ending)


def test_common_cause_names_the_limits_and_mean() -> None:
    pts = _points([10.0, 12.0, 11.0], mean=11.0, lpl=6.0, upl=16.0)
    defn = definition(unit=Unit.COUNT, targets=())
    assert describe_variation(pts, _summary(pts, "common_cause", None, None), defn) == (
        "Common cause variation: no significant change; "
        "values vary between 6.0 and 16.0 around a mean of 11.0"
    )


def test_trend_counts_points_from_the_first_of_the_run() -> None:
    # rises from Oct 2024 (index 5) to Mar 2025: 6 points, 5 rises
    values = [5.0, 4.0, 6.0, 5.5, 5.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    pts = _points(
        values,
        mean=4.0,
        lpl=0.0,
        upl=9.0,
        label="6 Point Trend (Increasing)",
        kind="special_cause_concern",
    )
    defn = definition(unit=Unit.COUNT, polarity=Polarity.LOWER_IS_BETTER, targets=())
    text = describe_variation(pts, _summary(pts, "concern_high", None, None), defn)
    assert text == "Special cause concern: 6 consecutive rising months since October 2024"


def test_two_in_three_is_named() -> None:
    pts = _points(
        [5.0, 5.2, 4.9, 8.1, 5.0, 8.2],
        mean=5.5,
        lpl=2.0,
        upl=9.0,
        label="2 in 3 Above CL",
        kind="special_cause_improvement",
    )
    text = describe_variation(
        pts, _summary(pts, "improvement_high", None, None), definition(unit=Unit.COUNT)
    )
    assert text == (
        "Special cause improvement: "
        "two of the last three points are close to the upper process limit"
    )


@pytest.mark.parametrize(
    ("values", "kind", "expected"),
    [
        ([1, 2, 3, 4], "rising", 4),
        ([4, 3, 2, 1], "falling", 4),
        ([1, 2, 2, 3], "rising", 2),
        ([1, 2, None, 3, 4], "rising", 2),
        ([3, 1, 2], "falling", 1),
    ],
)
def test_trailing_run_against_hand_counts(
    values: list[float | None], kind: str, expected: int
) -> None:
    pts = _points([None if v is None else float(v) for v in values], mean=0.0, lpl=-9, upl=9)
    assert trailing_run(pts, kind)[0] == expected


def test_shift_run_stops_at_a_point_on_the_mean() -> None:
    pts = _points([1.0, 3.0, 2.0, 1.0, 1.0, 1.0], mean=2.0, lpl=0.0, upl=4.0)
    count, first = trailing_run(pts, "below")
    assert count == 3
    assert first is not None and first.date == date(2025, 1, 1)


def test_national_standard_and_trial_limits_and_suppression_are_mentioned() -> None:
    pts = _points([None] * 2 + [0.9], mean=0.9, lpl=0.85, upl=0.95)
    pts = (
        *pts[:-1],
        SeriesPoint(
            date=pts[-1].date,
            value=None,
            display="*",
            mean=0.9,
            lpl=0.85,
            upl=0.95,
            suppressed=True,
        ),
    )
    summary = SummaryRow(
        pts[-1].date,
        None,
        "*",
        3,
        0.9,
        0.85,
        0.95,
        0.95,
        "increase",
        "common_cause",
        "inconsistent",
        short_group_warning=True,
    )
    text = statement_for(
        pts, summary, definition(), Target(value=0.95, type=TargetType.NATIONAL_STANDARD)
    )
    assert "the 95.0% national standard will be met inconsistently." in text
    assert "limits are provisional" in text
    assert "suppressed" in text


def test_no_target_on_a_neutral_metric_says_monitored() -> None:
    pts = _points([1.0, 2.0], mean=1.5, lpl=0.0, upl=3.0)
    defn = definition(unit=Unit.COUNT, polarity=Polarity.NEUTRAL, targets=())
    assert describe_assurance(_summary(pts, "common_cause", None, None), defn) == (
        "there is no target; the measure is monitored for change"
    )


def test_a_constant_series_is_described_as_such() -> None:
    pts = _points([0.0, 0.0, 0.0], mean=0.0, lpl=0.0, upl=0.0)
    defn = definition(unit=Unit.COUNT, targets=())
    assert describe_variation(pts, _summary(pts, "common_cause", None, None), defn) == (
        "Common cause variation: no variation at all; every value is 0"
    )


# --- statements that agree with the data: cases from the March 2025 demo pack -------------

from trustboard.domain import ChartType, PeriodType  # noqa: E402
from trustboard.render.pack.statement import (  # noqa: E402
    assurance_with_basis,
    chart_basis,
    figure_tag,
    stale_limits,
    target_record,
    trailing_misses,
    zero_is_not_a_signal,
)
from trustboard.render.pack.triggers import consecutive_misses  # noqa: E402


def _series(
    values: list[float | None],
    *,
    mean: float,
    lpl: float,
    upl: float,
    end: date = date(2025, 3, 1),
    display: str = "{:g}",
    groups: list[int] | None = None,
    days: list[date] | None = None,
) -> tuple[SeriesPoint, ...]:
    dates = days or months(len(values), end)
    return tuple(
        SeriesPoint(
            date=d,
            value=v,
            display="–" if v is None else display.format(v),
            mean=mean,
            lpl=lpl,
            upl=upl,
            rebase_group=0 if groups is None else groups[i],
        )
        for i, (d, v) in enumerate(zip(dates, values, strict=True))
    )


def _row(
    pts: tuple[SeriesPoint, ...],
    variation: str,
    assurance: str | None,
    target: float | None,
    improvement: str = "decrease",
) -> SummaryRow:
    last = pts[-1]
    return SummaryRow(
        last.date,
        last.value,
        last.display,
        len(pts),
        last.mean,
        last.lpl,
        last.upl,
        target,
        improvement,
        variation,
        assurance,
    )


def test_fin04_met_in_march_is_not_told_it_will_not_be_met() -> None:
    # Agency spend (£k, lower is better, ceiling £800k).  Limits from 48 months: mean 940,
    # 850 to 1,030, so the £800k target is below the lower limit: icon "fail".  The first 36
    # months alternate 900/980 (either side of 940); April 2024 - March 2025 are all below 940:
    # a 12-month shift since April 2024 that the limits predate.  Of those 12 months, 790, 780,
    # 795, 790 and 763 are <= 800: met in 5 of the last 12, including March (763).
    recent = [820.0, 810, 805, 790, 830, 780, 815, 795, 825, 812, 790, 763]
    pts = _series([900.0, 980.0] * 18 + recent, mean=940, lpl=850, upl=1030, display="£{:g}k")
    defn = definition(
        "FIN04",
        unit=Unit.GBP_000,
        polarity=Polarity.LOWER_IS_BETTER,
        targets=(Target(value=800, comparator="<="),),
    )
    shift = stale_limits(pts, defn)
    assert shift is not None
    assert (shift.count, shift.first.date, shift.side) == (12, date(2024, 4, 1), "below")
    assert target_record(pts, defn) == (5, 12, True)
    text = statement_for(pts, _row(pts, "improvement_low", "fail", 800), defn)
    assert text == (
        "Special cause improvement: the latest value (£763k) is below the lower process limit "
        "(£850.0k); the limits were set before the shift that began in April 2024, so they "
        "cannot yet say whether the £800k target will be met; it was met in 5 of the last 12 "
        "months, including the latest."
    )
    assert "will not be met" not in text


def test_wel04_share_of_pay_bill_the_same_way() -> None:
    # Agency share of pay bill, ceiling 3.2%: 3.1% in March; limits 3.6% to 4.6% (mean 4.1%)
    # predate a run of 12 months below the mean from April 2024; 3.1, 3.2, 3.0, 3.2 and 3.1
    # are <= 3.2%: 5 of 12.
    recent = [0.034, 0.031, 0.033, 0.035, 0.032, 0.034, 0.033, 0.030, 0.036, 0.034, 0.032, 0.031]
    pts = _series([0.040, 0.042] * 18 + recent, mean=0.041, lpl=0.036, upl=0.046)
    defn = definition(
        "WEL04",
        polarity=Polarity.LOWER_IS_BETTER,
        targets=(Target(value=0.032, comparator="<="),),
    )
    text = describe_assurance(_row(pts, "improvement_low", "fail", 0.032), defn, points=pts)
    assert text == (
        "the limits were set before the shift that began in April 2024, so they cannot yet say "
        "whether the 3.2% target will be met; it was met in 5 of the last 12 months, including "
        "the latest"
    )


def test_res04_missed_every_month_is_not_met_inconsistently() -> None:
    # CYP eating disorders, 95% national standard; 48 months alternating 80%/84% (mean 82%,
    # limits 70% to 96%): the standard is inside the limits (icon "inconsistent") but missed
    # in all 48 months, April 2021 to March 2025.
    pts = _series([0.80, 0.84] * 24, mean=0.82, lpl=0.70, upl=0.96)
    defn = definition("RES04")
    assert trailing_misses(pts, defn)[0] == 48
    # the exception rule counts the same run, so statement and exception reason agree
    assert consecutive_misses(pts, defn) == 48
    text = statement_for(pts, _row(pts, "common_cause", "inconsistent", 0.95, "increase"), defn)
    assert text == (
        "Common cause variation: no significant change; values vary between 70.00% and 96.00% "
        "around a mean of 82.00%; the 95.0% national standard lies within the process limits, "
        "but it has not been met for 48 consecutive months, since April 2021."
    )
    assert "inconsistently" not in text


def test_never_events_at_zero_are_not_improvement_on_their_own() -> None:
    # c-chart, mean 0.4 a month (lower limit 0, upper 0.4 + 3 x sqrt(0.4) = 2.30); the last 8
    # months (August 2024 - March 2025) are 0, below the mean: the shift rule marks them
    # improvement.  P(0) for a Poisson count with mean 0.4 is exp(-0.4) = 0.670: 67% of months.
    pts = _series(
        [1.0, 0.0, 0.0, 1.0, 0.0, 2.0, 0.0, 1.0] * 2 + [0.0] * 8, mean=0.4, lpl=0.0, upl=2.30
    )
    defn = definition(
        "SAF04",
        unit=Unit.COUNT,
        polarity=Polarity.LOWER_IS_BETTER,
        chart_type=ChartType.C,
        targets=(Target(value=0, comparator="<="),),
    )
    assert zero_is_not_a_signal(pts, defn)
    # eight empty months are not a new process: no recalculation is proposed
    assert stale_limits(pts, defn) is None
    text = describe_variation(pts, _row(pts, "improvement_low", "inconsistent", 0), defn)
    assert text == (
        "Special cause improvement: 8 consecutive months below the mean since August 2024, but "
        "at a mean of 0.4 a month a count of 0 happens in 67% of months, so it is not on its own "
        "evidence of improvement"
    )
    # a count above the limit is a signal whatever the zeros before it
    above = (
        *pts[:-1],
        SeriesPoint(date=pts[-1].date, value=3.0, display="3", mean=0.4, lpl=0.0, upl=2.30),
    )
    assert not zero_is_not_a_signal(above, defn)


def test_run_length_and_start_date_agree_across_a_missing_month() -> None:
    # values below the mean from June 2024 to March 2025, but no row for September 2024:
    # the run is October 2024 - March 2025, 6 months (not "10 months since June 2024")
    days = [d for d in months(22) if d != date(2024, 9, 1)]
    pts = _series([5.0, 7.0] * 6 + [4.0] * 9, mean=6.0, lpl=2.0, upl=10.0, days=days)
    defn = definition(unit=Unit.COUNT, polarity=Polarity.HIGHER_IS_BETTER, targets=())
    count, first = trailing_run(pts, "below", defn.frequency)
    assert (count, first and first.date) == (6, date(2024, 10, 1))
    text = describe_variation(pts, _row(pts, "concern_low", None, None, "increase"), defn)
    assert text == "Special cause concern: 6 consecutive months below the mean since October 2024"


def test_runs_stay_inside_the_latest_rebase_group() -> None:
    # 10 months below the mean, but the limits were recalculated from January 2025: the run
    # in the latest group is January - March 2025, 3 months, and no shift is stale
    pts = _series(
        [5.0, 7.0] * 6 + [4.0] * 10, mean=6.0, lpl=2.0, upl=10.0, groups=[0] * 19 + [1] * 3
    )
    defn = definition(unit=Unit.COUNT, targets=())
    assert trailing_run(pts, "below")[0] == 3
    assert stale_limits(pts, defn) is None


def test_a_fail_forecast_says_when_the_latest_value_met_the_target() -> None:
    # no shift (values alternate about the mean) but the latest, 0.99, meets 95% while the
    # limits (80% to 90%) lie wholly below it: "fail", and the latest met it
    pts = _series([0.84, 0.86] * 6 + [0.99], mean=0.85, lpl=0.80, upl=0.90)
    defn = definition()
    text = describe_assurance(
        _row(pts, "improvement_high", "fail", 0.95, "increase"), defn, points=pts
    )
    assert text == (
        "the 95.0% national standard lies beyond the process limits, so the process as it "
        "stands misses it; the latest value met it, outside the limits (a special cause)"
    )
    assert "will not be met" not in text
    # and the other way round: "pass" (limits 96% to 99%) while the latest, 0.90, missed 95%
    pts = _series([0.97, 0.98] * 6 + [0.90], mean=0.975, lpl=0.96, upl=0.99)
    text = describe_assurance(_row(pts, "concern_low", "pass", 0.95, "increase"), defn, points=pts)
    assert text == (
        "the 95.0% national standard lies beyond the process limits on the passing side, so "
        "the process as it stands meets it; the latest value missed it, outside the limits "
        "(a special cause)"
    )


def test_the_page_says_which_chart_is_used_and_why() -> None:
    ytd = definition(period_type=PeriodType.YTD, unit=Unit.GBP_000)
    assert chart_basis(ytd).startswith("XmR chart of in-month values")
    assert "April reset" in chart_basis(ytd)
    c = definition(unit=Unit.COUNT, chart_type=ChartType.C)
    assert chart_basis(c).startswith("c-chart: a count of rare events each month")
    assert chart_basis(definition(chart_type=ChartType.PP, denominator="x")).startswith(
        "Laney p′ chart"
    )


def test_the_tag_beside_a_figure_names_the_org_unit_the_figure_is_for() -> None:
    # SAF11 is owned by community health services (CHS); the trust-wide figure is not CHS's
    saf11 = definition("SAF11", directorate="CHS")
    assert figure_tag(saf11, None) == "SAF11"
    assert figure_tag(saf11, "TRUST") == "SAF11"
    assert figure_tag(saf11, "CHS") == "SAF11 · CHS"
    assert figure_tag(saf11, "MH") == "SAF11 · MH"


def test_the_icon_shown_beside_the_statement_has_the_same_basis() -> None:
    # FIN04 as above: the computed "fail" comes from limits that predate the April 2024 shift;
    # the statement says so, and the icon beside it is withheld rather than contradict it
    recent = [820.0, 810, 805, 790, 830, 780, 815, 795, 825, 812, 790, 763]
    pts = _series([900.0, 980.0] * 18 + recent, mean=940, lpl=850, upl=1030)
    fin04 = definition(
        "FIN04",
        unit=Unit.GBP_000,
        polarity=Polarity.LOWER_IS_BETTER,
        targets=(Target(value=800, comparator="<="),),
    )
    assert assurance_with_basis(pts, _row(pts, "improvement_low", "fail", 800), fin04) is None
    # no target: no icon, whatever was computed
    no_target = definition("SAF99", unit=Unit.COUNT, targets=())
    steady = _series([5.0, 7.0] * 12, mean=6.0, lpl=2.0, upl=10.0)
    row = _row(steady, "common_cause", "inconsistent", None)
    assert assurance_with_basis(steady, row, no_target) is None
    # a target in force and limits that describe the process: the computed icon stands
    with_target = definition("SAF98", unit=Unit.COUNT, targets=(Target(value=9, comparator="<="),))
    assert assurance_with_basis(
        steady, _row(steady, "common_cause", "inconsistent", 9), with_target
    ) == ("inconsistent")


def test_a_shift_named_by_the_variation_is_not_named_twice() -> None:
    # 16 months alternating 5/7 about a mean of 6, then 8 months at 4 from August 2024: the
    # variation names the run, and the assurance refers back to it
    pts = _series([5.0, 7.0] * 8 + [4.0] * 8, mean=6.0, lpl=1.0, upl=11.0)
    defn = definition(
        unit=Unit.COUNT,
        polarity=Polarity.HIGHER_IS_BETTER,
        targets=(Target(value=5.0),),
    )
    text = statement_for(pts, _row(pts, "concern_low", "inconsistent", 5.0, "increase"), defn)
    assert text == (
        "Special cause concern: 8 consecutive months below the mean since August 2024; the "
        "limits were set before this shift, so they cannot yet say whether the 5 target will be "
        "met; it was met in 4 of the last 12 months, but not in the latest."
    )


def test_the_summary_table_prints_no_directorate_tag_beside_trust_figures() -> None:
    from dataclasses import replace as _replace

    from trustboard.render.pack.html import render_html

    from .builders import small_model

    # the pack's figures are the trust's; a metric owned by community health services (CHS)
    # was printed "RES01 · CHS" beside them
    model = small_model()
    owned = tuple(
        _replace(s, definition=s.definition.model_copy(update={"directorate": "CHS"}))
        for s in model.sections
    )
    html = render_html(_replace(model, sections=owned))
    assert "· CHS" not in html
    assert ">RES01<" in html


def test_trial_limits_name_their_points_the_recalculation_month_and_the_mean() -> None:
    from dataclasses import replace

    from trustboard.render.pack.statement import trial_limits_note

    # 20 months, August 2023 to March 2025; limits recalculated from August 2024, so the
    # latest group is August 2024 to March 2025: 8 points, 5 short of the 13 firm limits need
    pts = _points([0.9] * 20, mean=0.8, lpl=0.7, upl=0.9)
    pts = tuple(
        replace(p, rebase_group=1, short_group_warning=True, mean=0.8) if i >= 12 else p
        for i, p in enumerate(pts)
    )
    assert pts[12].date == date(2024, 8, 1)
    summary = replace(_summary(pts, "common_cause", "inconsistent"), short_group_warning=True)
    defn = definition()
    note = trial_limits_note(pts, summary, defn)
    assert note == (
        "The limits are provisional: 8 points since they were recalculated in August 2024 "
        "around a mean of 80.00% (13 are needed for firm limits)."
    )
    assert statement_for(pts, summary, defn).endswith(" " + note)
    # a short series never rebased: counted from its first point
    short = _points([0.9] * 5, mean=0.9, lpl=0.8, upl=1.0)
    short_summary = replace(
        _summary(short, "common_cause", "inconsistent"), short_group_warning=True
    )
    assert trial_limits_note(short, short_summary, defn) == (
        "The limits are provisional: 5 points since the series began in November 2024 "
        "around a mean of 90.00% (13 are needed for firm limits)."
    )
    # firm limits: no note
    assert trial_limits_note(pts, replace(summary, short_group_warning=False), defn) is None
