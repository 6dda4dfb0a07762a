"""Exception triggers (domain.md §4.3)."""

from __future__ import annotations

import pytest

from trustboard.domain import Commentary, Target, TargetType, Unit
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


def test_consistently_failing_and_hit_and_miss_national_standard() -> None:
    local = definition(targets=(Target(value=0.95, type=TargetType.LOCAL),))
    national = definition()
    pts = hand_points([0.96, 0.97, 0.96, 0.97], Unit.PERCENT)
    assert exception_reasons(
        local, pts, _summary(pts, assurance="fail"), None, ExceptionRules()
    ) == ("The target will consistently not be met",)
    assert (
        exception_reasons(
            local, pts, _summary(pts, assurance="inconsistent"), None, ExceptionRules()
        )
        == ()
    )
    assert exception_reasons(
        national, pts, _summary(pts, assurance="inconsistent"), None, ExceptionRules()
    ) == ("The national standard is met inconsistently",)


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
