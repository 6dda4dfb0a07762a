"""Commentary and actions: written for what the SPC engine flags, with numbers that match the
data."""

from __future__ import annotations

import itertools
from datetime import date

import polars as pl
import pytest

from trustboard import spc
from trustboard.demo import LATEST_PERIOD, REPORTING_MONTHS, TRUST_CODE, DemoTrust
from trustboard.demo._facts import format_value
from trustboard.demo.assessment import assess_series
from trustboard.demo.narrative import reporting_periods
from trustboard.domain import COMMENTARY_SECTIONS, ActionStatus

STORY_METRICS = ("EFF06", "SAF11", "CAR05", "RES21-NBV", "WEL01", "FIN08-NONNHS", "EFF10")


def _trust_series(trust: DemoTrust, metric_id: str) -> pl.DataFrame:
    return trust.values.filter(
        (pl.col("metric_id") == metric_id) & (pl.col("org_unit") == TRUST_CODE)
    ).sort("period_start")


def _latest_commentary(trust: DemoTrust) -> dict[str, object]:
    return {c.metric_id: c for c in trust.commentary if c.period == LATEST_PERIOD.label()}


@pytest.mark.parametrize("metric_id", STORY_METRICS)
def test_designed_deteriorations_are_special_cause_concern(
    demo_trust: DemoTrust, metric_id: str
) -> None:
    """Each designed story shows as concern with the real SPC engine, charted on its own."""
    definition = demo_trust.metric(metric_id).definition
    series = _trust_series(demo_trust, metric_id)
    if definition.has_ratio and definition.chart_type.value in ("p", "pp", "u"):
        frame = series.select(
            pl.col("period_start").alias("date"),
            "numerator",
            (pl.col("denominator") / definition.multiplier).alias("denominator"),
        )
        result = spc.compute(
            frame,
            date="date",
            numerator="numerator",
            denominator="denominator",
            chart=definition.chart_type.value,
            improvement=definition.polarity.improvement,
        )
    else:
        frame = series.select(pl.col("period_start").alias("date"), "value")
        result = spc.compute(
            frame,
            date="date",
            value="value",
            chart=definition.chart_type.value,
            improvement=definition.polarity.improvement,
        )
    icon = result.summary.get_column("variation_icon").item()
    assert icon.startswith("concern"), (metric_id, icon)


def test_every_concern_at_the_latest_point_has_commentary(demo_trust: DemoTrust) -> None:
    found = assess_series(demo_trust.metrics, demo_trust.values, LATEST_PERIOD)
    concern = [m for m, a in found.items() if a.concern and a.latest_date == LATEST_PERIOD.start]
    assert len(concern) >= 5
    written = _latest_commentary(demo_trust)
    missing = [m for m in concern if m not in written]
    assert missing == []


def test_commentary_fills_every_section(demo_trust: DemoTrust) -> None:
    assert demo_trust.commentary
    labels = {p.label() for p in reporting_periods()}
    for item in demo_trust.commentary:
        assert item.period in labels
        assert list(item.sections) == list(COMMENTARY_SECTIONS), item.metric_id
        assert all(len(text) > 30 for text in item.sections.values()), item.metric_id
        assert item.assurance_level is not None and item.author
        assert item.org_unit == TRUST_CODE


def test_commentary_exists_for_each_reporting_month(demo_trust: DemoTrust) -> None:
    periods = {c.period for c in demo_trust.commentary}
    assert len(periods) == REPORTING_MONTHS
    for metric_id in STORY_METRICS:
        months = {c.period for c in demo_trust.commentary if c.metric_id == metric_id}
        assert LATEST_PERIOD.label() in months


def test_story_numbers_match_the_data(demo_trust: DemoTrust) -> None:
    written = _latest_commentary(demo_trust)
    oap = _trust_series(demo_trust, "EFF06").row(-1, named=True)
    assert (
        f"{oap['value']:,.0f} inappropriate out-of-area bed days in March 2025"
        in written["EFF06"].sections["chart_shows"]
    )  # type: ignore[attr-defined]
    complaints = _trust_series(demo_trust, "CAR05").row(-1, named=True)
    text = written["CAR05"].sections["chart_shows"]  # type: ignore[attr-defined]
    assert f"({complaints['numerator']:.0f} of {complaints['denominator']:.0f})" in text
    assert f"{complaints['value'] * 100:.1f}%" in text
    # the average since the deterioration began, worked out here independently
    since = _trust_series(demo_trust, "WEL01").filter(pl.col("period_start") >= date(2024, 8, 1))
    average = float(since.get_column("value").mean())  # type: ignore[arg-type]
    assert f"average {average * 100:.1f}%" in written["WEL01"].sections["chart_shows"]  # type: ignore[attr-defined]
    # a figure quoted from another metric is that metric's value in the same month
    occupancy = _trust_series(demo_trust, "EFF09-MH").row(-1, named=True)["value"]
    assert (
        f"{occupancy * 100:.1f}% in March 2025 (EFF09-MH)"
        in written["EFF06"].sections["background"]
    )  # type: ignore[attr-defined]


def test_generic_commentary_quotes_the_metric_and_its_target(demo_trust: DemoTrust) -> None:
    written = _latest_commentary(demo_trust)
    generic = [c for m, c in written.items() if m not in STORY_METRICS and m != "RES04"]
    assert generic
    for item in generic:
        metric = demo_trust.metric(item.metric_id)  # type: ignore[attr-defined]
        latest = _trust_series(demo_trust, metric.id).row(-1, named=True)["value"]
        chart = item.sections["chart_shows"]  # type: ignore[attr-defined]
        expected = f"{metric.definition.name}: {format_value(latest, metric.definition.unit)}"
        assert chart.startswith(expected), metric.id
        target = metric.definition.target_on(LATEST_PERIOD.end)
        if target is not None:
            assert format_value(target.value, metric.definition.unit) in chart


def test_a_committee_deep_dive_is_recorded(demo_trust: DemoTrust) -> None:
    deep = [c for c in demo_trust.commentary if c.deep_dive_requested_by]
    assert {c.metric_id for c in deep} == {"RES04"}
    assert all(c.deep_dive_requested_by == "Quality Committee" for c in deep)


def test_actions_have_owners_due_dates_and_some_slip(demo_trust: DemoTrust) -> None:
    actions = demo_trust.actions
    assert len(actions) >= 10
    metric_ids = {m.id for m in demo_trust.metrics}
    for action in actions:
        assert action.owner and action.metric_id in metric_ids
        assert action.original_due is not None and action.due >= action.original_due
        if action.status in (ActionStatus.COMPLETE, ActionStatus.CLOSED):
            assert action.completed is not None and action.completed <= LATEST_PERIOD.end
    slipped = [a for a in actions if a.slippage_days > 0]
    assert len(slipped) >= 3
    assert any(a.status is ActionStatus.COMPLETE for a in actions)
    assert any(a.status is ActionStatus.OFF_TRACK for a in actions)


def test_open_actions_are_carried_forward(demo_trust: DemoTrust) -> None:
    log = demo_trust.action_log
    assert [p for p, _ in log] == list(reporting_periods())
    for (_, earlier), (_, later) in itertools.pairwise(log):
        later_ids = {a.id for a in later}
        for action in earlier:
            if action.status.is_open:
                assert action.id in later_ids, action.id
    # a due date that moved between reports keeps its first promise
    first = {a.id: a for a in log[0][1]}
    moved = [a for a in log[-1][1] if a.id in first and a.due != first[a.id].due]
    assert moved and all(a.original_due == first[a.id].original_due for a in moved)


def test_commentary_is_deterministic(demo_trust: DemoTrust) -> None:
    from trustboard.demo import build_demo_trust

    again = build_demo_trust(demo_trust.seed)
    assert again.commentary == demo_trust.commentary
    assert again.action_log == demo_trust.action_log
