"""Exception triggers (domain.md §4.3)."""

from __future__ import annotations

import pytest

from trustboard.domain import ChartType, Commentary, ForumKind, Polarity, Target, TargetType, Unit
from trustboard.errors import OptionsError
from trustboard.render.pack.model import SummaryRow
from trustboard.render.pack.triggers import ExceptionRules, consecutive_misses, exception_reasons

from .builders import definition, hand_points


def _summary(points, variation="common_cause", assurance=None):  # type: ignore[no-untyped-def]
    last = points[-1]
    return SummaryRow(
        last.date,
        last.value,
        last.display,
        len(points),
        last.mean,
        last.lpl,
        last.upl,
        0.95,
        "increase",
        variation,
        assurance,
    )


def test_no_trigger_for_a_stable_passing_metric() -> None:
    defn = definition(targets=(Target(value=0.5),))
    pts = hand_points([0.9, 0.91, 0.92, 0.9], Unit.PERCENT)
    assert (
        exception_reasons(defn, pts, _summary(pts, assurance="pass"), None, ExceptionRules()) == ()
    )


def test_concern_at_the_latest_point() -> None:
    defn = definition(targets=(Target(value=0.5),))
    pts = hand_points([0.9, 0.91, 0.92, 0.9], Unit.PERCENT)
    reasons = exception_reasons(
        defn, pts, _summary(pts, "concern_low", "pass"), None, ExceptionRules()
    )
    assert reasons == ("Special cause concern at the latest point",)
    off = ExceptionRules(concern_at_latest_point=False)
    assert exception_reasons(defn, pts, _summary(pts, "concern_low", "pass"), None, off) == ()


def test_consistently_failing_needs_the_latest_point_to_miss() -> None:
    # FIN04 in March 2025: £763k against a £800k ceiling, fail icon from stale limits.
    # By the rule the latest value meets the target, so no exception report.
    local = definition(targets=(Target(value=0.95, type=TargetType.LOCAL),))
    met = hand_points([0.96, 0.97, 0.96, 0.97], Unit.PERCENT)
    assert (
        exception_reasons(local, met, _summary(met, assurance="fail"), None, ExceptionRules()) == ()
    )
    missed = hand_points([0.96, 0.97, 0.96, 0.93], Unit.PERCENT)
    assert exception_reasons(
        local, missed, _summary(missed, assurance="fail"), None, ExceptionRules()
    ) == ("The target will consistently not be met, and the latest value misses it",)


def test_hit_and_miss_national_standard_is_off_for_the_board_on_for_committees() -> None:
    national = definition()  # 95% national standard
    pts = hand_points([0.96, 0.94, 0.96, 0.94], Unit.PERCENT)  # latest misses, 1 in a row
    summary = _summary(pts, assurance="inconsistent")
    board = ExceptionRules().for_forum(ForumKind.BOARD)
    committee = ExceptionRules().for_forum(ForumKind.COMMITTEE)
    assert board.hit_and_miss_national_standard is False
    assert exception_reasons(national, pts, summary, None, board) == ()
    assert exception_reasons(national, pts, summary, None, committee) == (
        "The national standard is met inconsistently",
    )
    # a forum that sets the rule keeps its own setting
    forced = ExceptionRules(hit_and_miss_national_standard=True).for_forum(ForumKind.BOARD)
    assert exception_reasons(national, pts, summary, None, forced) != ()


def test_never_an_exception_when_the_latest_point_meets_its_target_with_good_variation() -> None:
    national = definition()
    pts = hand_points([0.96, 0.94, 0.93, 0.96], Unit.PERCENT)
    for icon in ("common_cause", "improvement_high"):
        summary = _summary(pts, variation=icon, assurance="fail")
        assert exception_reasons(national, pts, summary, None, ExceptionRules()) == ()
    # concern still raises one even when the latest point meets the target
    concern = _summary(pts, variation="concern_low", assurance="inconsistent")
    assert exception_reasons(national, pts, concern, None, ExceptionRules()) == (
        "Special cause concern at the latest point",
    )


def test_rare_event_charts_only_on_concern_and_never_for_a_zero() -> None:
    never = definition(
        targets=(Target(value=0.0, comparator="<=", type=TargetType.NATIONAL_STANDARD),),
        chart_type=ChartType.C,
        unit=Unit.COUNT,
        polarity=Polarity.LOWER_IS_BETTER,
    )
    zero = hand_points([1.0, 0.0, 2.0, 0.0], Unit.COUNT)
    for icon in ("improvement_low", "concern_high", "common_cause"):
        assert (
            exception_reasons(never, zero, _summary(zero, icon, "fail"), None, ExceptionRules())
            == ()
        )
    two = hand_points([0.0, 0.0, 1.0, 3.0], Unit.COUNT)  # missed 2 running, fail icon
    assert (
        exception_reasons(never, two, _summary(two, "common_cause", "fail"), None, ExceptionRules())
        == ()
    )
    assert exception_reasons(
        never, two, _summary(two, "concern_high", "fail"), None, ExceptionRules()
    ) == ("Special cause concern at the latest point",)


def test_national_standard_missed_three_months_running() -> None:
    defn = definition()  # 95% national standard
    pts = hand_points([0.96, 0.94, 0.93, 0.92], Unit.PERCENT)
    assert consecutive_misses(pts, defn) == 3
    reasons = exception_reasons(defn, pts, _summary(pts), None, ExceptionRules())
    assert reasons == ("The national standard has been missed for 3 consecutive periods",)
    assert (
        exception_reasons(
            defn, pts, _summary(pts), None, ExceptionRules(national_standard_missed_periods=4)
        )
        == ()
    )
    two = hand_points([0.94, 0.96, 0.93, 0.92], Unit.PERCENT)
    assert consecutive_misses(two, defn) == 2


def test_a_local_target_never_counts_as_a_national_miss() -> None:
    defn = definition(targets=(Target(value=0.95, type=TargetType.LOCAL),))
    pts = hand_points([0.9, 0.9, 0.9, 0.9], Unit.PERCENT)
    assert consecutive_misses(pts, defn) == 0


def test_committee_deep_dive() -> None:
    defn = definition(targets=())
    pts = hand_points([1.0, 2.0, 3.0], Unit.COUNT)
    note = Commentary(
        metric_id=defn.id, period="2025-03", deep_dive_requested_by="Quality Committee"
    )
    assert exception_reasons(defn, pts, _summary(pts), note, ExceptionRules()) == (
        "Deep dive requested by Quality Committee",
    )
    assert (
        exception_reasons(defn, pts, _summary(pts), note, ExceptionRules(committee_requests=False))
        == ()
    )


def test_rules_from_configuration_reject_unknown_and_mistyped_settings() -> None:
    assert (
        ExceptionRules.from_mapping(
            {"national_standard_missed_periods": 6}
        ).national_standard_missed_periods
        == 6
    )
    with pytest.raises(OptionsError, match="unknown exception rule"):
        ExceptionRules.from_mapping({"concern": True})
    with pytest.raises(OptionsError, match="true or false"):
        ExceptionRules.from_mapping({"committee_requests": "yes"})
    with pytest.raises(OptionsError):
        ExceptionRules(national_standard_missed_periods=-1)
