"""Pre-publication checks: each rule, with the expected finding worked out by hand."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from trustboard.domain import (
    Action,
    ActionStatus,
    ChartType,
    Commentary,
    Comparator,
    DetailLevel,
    ForumKind,
    Polarity,
    Target,
    TargetType,
    Unit,
)
from trustboard.render.pack.model import MetricSection, PackModel
from trustboard.services.check import check_model
from trustboard.store import CheckOverride

from .builders import PERIOD, definition, forum, hand_points, paper, section


def _model(*sections: MetricSection, committee: bool = False, **paper_fields: object) -> PackModel:
    return PackModel(
        paper=paper(**paper_fields),
        forum=forum(id="qc", name="Quality Committee", kind=ForumKind.COMMITTEE)
        if committee
        else forum(),
        period=PERIOD,
        trust_name="Northvale",
        sections=sections,
    )


def _ids(model: PackModel) -> set[str]:
    return {f.id for f in check_model(model).findings}


# -- statements against icons and the latest value -------------------------------------------


def _agency() -> MetricSection:
    # FIN04, March 2025: £763k against a ceiling of £800k (met), assurance icon "fail" from
    # limits set on a series that has since fallen below them.
    defn = definition(
        "FIN04",
        name="Agency spend",
        unit=Unit.GBP_000,
        polarity=Polarity.LOWER_IS_BETTER,
        targets=(Target(value=800.0, comparator=Comparator.LE, type=TargetType.LOCAL),),
    )
    values = [1100.0, 1080.0, 1120.0, 1090.0, 1050.0, 900.0, 820.0, 790.0, 810.0, 780.0, 763.0]
    pts = hand_points(values, Unit.GBP_000, target=800.0)
    s = section(defn, pts, variation="improvement_low", assurance="fail")
    # the statement as the March 2025 pack printed it (statement_for no longer writes it)
    return replace(
        s,
        statement="Special cause improvement: the latest value (£763k) is below the lower "
        "process limit; the £800k target will not be met without a change to the process.",
    )


def test_a_statement_that_the_target_will_not_be_met_when_the_latest_value_meets_it() -> None:
    s = _agency()
    assert "will not be met without a change to the process" in s.statement
    report = check_model(_model(s))
    found = {f.id: f for f in report.findings}
    assert "statement-latest/FIN04/TRUST/2025-03/statement" in found
    finding = found["statement-latest/FIN04/TRUST/2025-03/statement"]
    assert finding.stated == "will not be met"
    assert finding.computed.startswith("£763k in Mar 2025 meets")
    assert finding.page == "Metric detail: Agency spend"


def test_a_statement_whose_assurance_differs_from_its_icon() -> None:
    s = replace(_agency(), summary=replace(_agency().summary, assurance_icon="inconsistent"))
    finding = next(f for f in check_model(_model(s)).findings if f.rule == "statement-assurance")
    assert (finding.stated, finding.computed) == (
        "will not be met",
        "Target met inconsistently (hit and miss)",
    )


def test_met_inconsistently_for_a_target_missed_in_every_period_shown() -> None:
    # RES04: 95% standard missed in all 6 periods, yet "met inconsistently"
    defn = definition("RES04", name="CYP eating disorders")
    pts = hand_points([0.80, 0.82, 0.79, 0.81, 0.80, 0.78], Unit.PERCENT, target=0.95)
    s = section(defn, pts, variation="common_cause", assurance="inconsistent")
    finding = next(f for f in check_model(_model(s)).findings if f.rule == "statement-latest")
    assert finding.stated == "met inconsistently"
    assert finding.computed == "missed in all 6 periods shown"


def test_a_statement_that_agrees_with_its_icons_and_data_has_no_finding() -> None:
    defn = definition("RES01")
    pts = hand_points([0.96, 0.97, 0.96, 0.97, 0.98, 0.97], Unit.PERCENT, target=0.95)
    s = section(defn, pts, variation="common_cause", assurance="pass")
    assert check_model(_model(s)).findings == ()


# -- runs and figures in the narrative --------------------------------------------------------


def _run_section(narrative: str) -> MetricSection:
    # 14 months at 10 then 10 months at 5: the mean is 190 / 24 = 7.92, and the last 10
    # points (June 2024 to March 2025) are below it.
    defn = definition("EFF03", name="Clustering", unit=Unit.COUNT, targets=())
    pts = hand_points([10.0] * 14 + [5.0] * 10, Unit.COUNT)
    s = section(defn, pts, variation="concern_low", assurance=None)
    note = Commentary(metric_id="EFF03", period="2025-03", sections={"chart_shows": narrative})
    statement = (
        "Special cause concern: 10 consecutive months below the mean since June 2024; "
        "there is no target to assure against."
    )
    return replace(s, commentary=note, statement=statement)


def test_a_statement_run_that_differs_from_the_data() -> None:
    s = _run_section("")
    wrong = s.statement.replace("10 consecutive months", "11 consecutive months")
    finding = next(
        f for f in check_model(_model(replace(s, statement=wrong))).findings if f.rule == "run-mean"
    )
    assert finding.field == "statement"
    assert finding.computed == "10 since Jun 2024 below the mean"


def test_the_statement_run_is_the_hand_counted_run() -> None:
    s = _run_section("")
    assert not [f for f in check_model(_model(s)).findings if f.rule.startswith("run")]


def test_a_narrative_run_that_differs_from_the_statement() -> None:
    s = _run_section("Activity has been lower for 9 months since July 2024.")
    finding = next(f for f in check_model(_model(s)).findings if f.rule == "narrative-run")
    assert finding.field == "narrative.chart_shows"
    assert finding.stated == "9 since Jul 2024"
    assert finding.computed == "10 since Jun 2024 (the statement)"


def test_a_narrative_run_below_the_mean_checked_against_the_data() -> None:
    s = _run_section("9 consecutive months below the mean since July 2024.")
    finding = next(f for f in check_model(_model(s)).findings if f.rule == "run-mean")
    assert finding.stated == "9 since Jul 2024 below the mean"
    assert finding.computed == "10 since Jun 2024 below the mean"


def test_a_run_of_missed_targets_checked_against_the_data() -> None:
    defn = definition("RES02")
    pts = hand_points([0.96, 0.90, 0.91, 0.92], Unit.PERCENT, target=0.95)  # 3 misses
    s = section(defn, pts, variation="common_cause", assurance="inconsistent")
    note = Commentary(
        metric_id="RES02",
        period="2025-03",
        sections={"background": "The standard was missed for 48 consecutive periods."},
    )
    # the background section is printed on a committee's exception page
    page = replace(s, commentary=note, exception_reasons=("Deep dive requested by QC",))
    finding = next(
        f for f in check_model(_model(page, committee=True)).findings if f.rule == "run-missed"
    )
    assert finding.computed == "missed for 3 consecutive periods"


def _never_events(text: str) -> MetricSection:
    # values 1,0,0,2,0,1,0,0,1,0,0,0: mean 5 / 12 = 0.42
    defn = definition(
        "SAF05",
        name="Never events",
        unit=Unit.COUNT,
        chart_type=ChartType.C,
        polarity=Polarity.LOWER_IS_BETTER,
        targets=(Target(value=0.0, comparator=Comparator.LE, type=TargetType.NATIONAL_STANDARD),),
    )
    pts = hand_points([1, 0, 0, 2, 0, 1, 0, 0, 1, 0, 0, 0], Unit.COUNT, target=0.0)
    s = section(defn, pts, variation="common_cause", assurance="inconsistent")
    note = Commentary(metric_id="SAF05", period="2025-03", sections={"summary": text})
    # the summary is printed on the Board's exception page
    return replace(s, commentary=note, exception_reasons=("Deep dive requested by QC",))


def test_a_mean_quoted_in_the_narrative_is_checked_to_its_written_precision() -> None:
    wrong = _never_events("The chart shows a mean of 0.8 never events a month.")
    finding = next(f for f in check_model(_model(wrong)).findings if f.rule == "narrative-figure")
    assert (finding.field, finding.stated, finding.computed) == (
        "narrative.summary.mean",
        "0.8",
        "0.4",
    )
    right = _never_events("The chart shows a mean of 0.4 never events a month.")
    assert not [f for f in check_model(_model(right)).findings if f.rule == "narrative-figure"]


def test_a_narrative_that_names_a_variation_the_chart_does_not_show() -> None:
    s = _never_events("Special cause improvement: no never events since January.")
    finding = next(f for f in check_model(_model(s)).findings if f.rule == "narrative-variation")
    assert (finding.stated, finding.computed) == ("improvement", "common")


# -- cover sheet, exception reasons, action dates ---------------------------------------------


def test_cover_sheet_counts_against_the_icon_matrix() -> None:
    concern = _run_section("")  # one metric with special cause concern
    improving = _agency()  # one with special cause improvement
    model = _model(
        concern,
        improving,
        assurance_rationale="Five areas show special cause concern and the remaining "
        "metrics are stable.",
    )
    found = {f.id: f for f in check_model(model).findings if f.rule == "cover-count"}
    assert found["cover-count/-/TRUST/2025-03/assurance_rationale.concern"].computed == (
        "1 in the icon matrix"
    )
    stable = found["cover-count/-/TRUST/2025-03/assurance_rationale.remaining_stable"]
    assert stable.computed == "1 other metrics show special cause variation"
    assert stable.page == "Cover sheet"


def test_an_exception_whose_reason_the_data_do_not_support() -> None:
    defn = definition("RES01")
    pts = hand_points([0.96, 0.97, 0.96, 0.97], Unit.PERCENT, target=0.95)
    s = section(
        defn,
        pts,
        variation="common_cause",
        assurance="pass",
        exception=("Special cause concern at the latest point",),
    )
    rules = {f.rule: f for f in check_model(_model(s)).findings}
    assert rules["exception-reason"].computed == "variation icon common_cause"
    assert rules["exception-quiet"].computed == (
        "latest value meets its target with common variation"
    )
    assert (
        rules["exception-quiet"].page
        == "Exception: Talking Therapies: entered treatment within 6 weeks"
    )


def test_action_dates_against_the_date_submitted() -> None:
    defn = definition("RES01")
    pts = hand_points([0.96, 0.97, 0.96, 0.97], Unit.PERCENT, target=0.95)
    late = Action(
        id="A9",
        metric_id="RES01",
        description="Recruit two therapists",
        owner="Service Director",
        due=date(2025, 4, 1),
        status=ActionStatus.ON_TRACK,
    )
    future = Action(
        id="A10",
        metric_id="RES01",
        description="Open a second clinic",
        owner="Service Director",
        due=date(2025, 3, 1),
        status=ActionStatus.COMPLETE,
        completed=date(2025, 4, 20),
    )
    fine = Action(
        id="A11",
        metric_id="RES01",
        description="Review the rota",
        owner="Service Director",
        due=date(2025, 6, 30),
    )
    s = section(
        defn,
        pts,
        variation="common_cause",
        assurance="pass",
        actions=(late, future, fine),
        exception=("Deep dive requested by QC",),
    )
    found = {f.field: f for f in check_model(_model(s)).findings}  # submitted 15 April 2025
    assert found["action.A9.due"].stated == "due 2025-04-01, on track"
    assert found["action.A10.completed"].stated == "completed 2025-04-20"
    assert "action.A11.due" not in found


# -- overrides --------------------------------------------------------------------------------


def _override(finding_id: str, facts: str) -> CheckOverride:
    return CheckOverride(
        finding_id=finding_id,
        facts_sha256=facts,
        forum="board",
        period="2025-03",
        stated=None,
        computed=None,
        reason="The limits are being recalculated; the committee was told.",
        actor="analyst",
        created_at=datetime(2025, 4, 14, 9, 0),
    )


def test_an_override_holds_only_while_the_facts_are_unchanged() -> None:
    model = _model(_agency())
    finding = next(f for f in check_model(model).findings if f.rule == "statement-latest")
    accepted = check_model(model, overrides=[_override(finding.id, finding.facts_sha256)])
    assert finding.id not in {f.id for f in accepted.findings}
    assert [(f.id, o.actor) for f, o in accepted.overridden] == [(finding.id, "analyst")]
    entry = accepted.manifest_entry()
    assert entry["overrides"] == [
        {
            "finding_id": finding.id,
            "facts_sha256": finding.facts_sha256,
            "reason": "The limits are being recalculated; the committee was told.",
            "by": "analyst",
            "at": "2025-04-14T09:00:00Z",
        }
    ]
    # the facts change (a different latest value): the same id comes back
    moved = replace(
        _agency(), points=(*_agency().points[:-1], replace(_agency().points[-1], display="£790k"))
    )
    again = check_model(_model(moved), overrides=[_override(finding.id, finding.facts_sha256)])
    assert finding.id in {f.id for f in again.findings}


def test_only_printed_text_is_checked() -> None:
    # a Board in summary detail prints no narrative for a metric without an exception page
    s = _never_events("The chart shows a mean of 0.8 never events a month.")
    quiet = replace(s, exception_reasons=())
    model = replace(_model(quiet), forum=forum(detail=DetailLevel.SUMMARY))
    assert not [f for f in check_model(model).findings if f.rule == "narrative-figure"]


def test_finding_ids_are_stable_between_runs() -> None:
    model = _model(_agency(), _run_section("9 months since July 2024."))
    assert _ids(model) == _ids(model)
    assert all(i.count("/") == 4 for i in _ids(model))
