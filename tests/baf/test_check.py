"""The evidence check: every rule shown firing and not firing, with the sentence it writes."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trustboard.domain.baf import FlagSeverity
from trustboard.domain.metric import Domain, MetricDefinition, Polarity, Target, Unit
from trustboard.errors import OptionsError
from trustboard.services.baf import MetricEvidence, check_register, evidence_from_frame

from .builders import make_register, make_risk

REVIEW = date(2025, 9, 30)


def summary(
    *rows: tuple[str, str | None, str | None], statement: str | None = None
) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "metric_id": [r[0] for r in rows],
            "variation_icon": [r[1] for r in rows],
            "assurance_icon": [r[2] for r in rows],
            "date": [date(2025, 9, 1)] * len(rows),
            "value": [1240.0] * len(rows),
            "statement": [statement] * len(rows),
        },
        schema={
            "metric_id": pl.String,
            "variation_icon": pl.String,
            "assurance_icon": pl.String,
            "date": pl.Date,
            "value": pl.Float64,
            "statement": pl.String,
        },
    )


def codes(register, frame=None, on=REVIEW, **kw) -> list[str]:  # type: ignore[no-untyped-def]
    return [f.code for f in check_register(register, frame, on, **kw)]


def history(*scores: int) -> tuple[dict[str, object], ...]:
    days = [date(2025, 3, 31), date(2025, 6, 30), date(2025, 9, 30)][-len(scores) :]
    return tuple(
        {"date": d, "current": {"likelihood": s // 4, "consequence": 4}, "rationale": "r"}
        for d, s in zip(days, scores, strict=True)
    )


# --- (a) score fell or held while a key metric shows concern ------------------------------


def test_held_score_with_concerning_metric_is_flagged_with_the_evidence() -> None:
    risk = make_risk(
        id="BAF-03", current={"likelihood": 4, "consequence": 4}, history=history(16, 16)
    )
    catalogue = {
        "RES06-LIST": MetricDefinition(
            id="RES06-LIST",
            name="Open CMH waiting list",
            short_name="open CMH waiting list",
            domain=Domain.RESPONSIVE,
            unit=Unit.COUNT,
            polarity=Polarity.LOWER_IS_BETTER,
        )
    }
    flags = check_register(
        make_register(risk),
        summary(
            ("RES06-LIST", "concern_high", None),
            statement="7 months above the mean since March 2025",
        ),
        REVIEW,
        catalogue=catalogue,
    )
    evidence = [f for f in flags if f.code == "TB-BAF-EVIDENCE"]
    assert len(evidence) == 1
    assert evidence[0].message.startswith(
        "BAF-03 'Access to services' held at 16 at the 30 Sep 2025 review, but RES06-LIST "
        "(open CMH waiting list) shows special cause concern: "
        "7 months above the mean since March 2025"
    )
    assert evidence[0].evidence == ("RES06-LIST",)


def test_fallen_score_with_failing_metric_is_flagged() -> None:
    risk = make_risk(current={"likelihood": 3, "consequence": 4}, history=history(16, 12))
    flags = check_register(
        make_register(risk), summary(("RES06-LIST", "common_cause", "fail")), REVIEW
    )
    message = next(f.message for f in flags if f.code == "TB-BAF-EVIDENCE")
    assert "fell from 16 to 12" in message and "consistently fails its target" in message


def test_no_statement_names_the_latest_point() -> None:
    risk = make_risk(history=history(12, 12))
    flags = check_register(
        make_register(risk), summary(("RES06-LIST", "concern_low", None)), REVIEW
    )
    message = next(f.message for f in flags if f.code == "TB-BAF-EVIDENCE")
    assert "unusually low values" in message and "latest point Sep 2025: 1,240" in message


@pytest.mark.parametrize(
    "icons",
    [
        ("common_cause", "inconsistent"),
        ("improvement_high", "pass"),
        ("neutral_high", None),
        (None, None),
    ],
)
def test_no_concern_means_no_evidence_flag(icons: tuple[str | None, str | None]) -> None:
    risk = make_risk(history=history(12, 12))
    assert "TB-BAF-EVIDENCE" not in codes(make_register(risk), summary(("RES06-LIST", *icons)))


def test_a_rising_score_already_answers_the_evidence() -> None:
    risk = make_risk(current={"likelihood": 4, "consequence": 4}, history=history(12, 16))
    assert "TB-BAF-EVIDENCE" not in codes(
        make_register(risk), summary(("RES06-LIST", "concern_high", "fail"))
    )


def test_a_concerning_metric_that_is_not_a_key_metric_is_ignored() -> None:
    risk = make_risk(history=history(12, 12))
    assert "TB-BAF-EVIDENCE" not in codes(
        make_register(risk), summary(("WEL01", "concern_high", "fail"))
    )


def test_a_new_risk_with_a_failing_metric_is_flagged_whatever_its_history() -> None:
    # one review (30 Sep 2025, L2 x C4 = 8, within Cautious 6-10): nothing has held or fallen,
    # yet the risk is presented as controlled while its key metric fails its target
    risk = make_risk(current={"likelihood": 2, "consequence": 4}, history=history(8))
    flags = check_register(
        make_register(risk), summary(("RES06-LIST", "common_cause", "fail")), REVIEW
    )
    assert [f.message for f in flags if f.code == "TB-BAF-EVIDENCE"] == [
        "BAF-01 'Access to services' was scored 8 at its first review (30 Sep 2025), but "
        "RES06-LIST consistently fails its target. Does the evidence support the score?"
    ]


def test_a_risk_never_reviewed_with_a_concerning_metric_is_flagged() -> None:
    risk = make_risk(current={"likelihood": 2, "consequence": 4}, history=())
    flags = check_register(
        make_register(risk), summary(("RES06-LIST", "concern_high", None)), REVIEW
    )
    message = next(f.message for f in flags if f.code == "TB-BAF-EVIDENCE")
    assert message.startswith(
        "BAF-01 'Access to services' is scored 8 with no review on record, but RES06-LIST "
        "shows special cause concern"
    )


# --- (b) above appetite, with or without an action due --------------------------------------------


def test_above_appetite_without_an_action_due_is_flagged() -> None:
    # 16 is above Cautious (6–10); the only open action fell due before the review
    risk = make_risk(
        current={"likelihood": 4, "consequence": 4},
        actions=({"id": "A1", "description": "Plan", "owner": "DoF", "due": date(2025, 8, 31)},),
    )
    flags = check_register(make_register(risk), None, REVIEW)
    flag = next(f for f in flags if f.code == "TB-BAF-ABOVE-APPETITE")
    assert (
        "is at 16, above the 6–10 tolerated by its 'Cautious' appetite for quality" in flag.message
    )


def test_above_appetite_with_an_action_due_later_is_still_flagged() -> None:
    # 16 > 10 (Cautious); A1 is due 31 Jan 2026, after the 30 Sep 2025 review: the risk is
    # outside appetite today, and the finding says until when (ids and dates, no descriptions)
    risk = make_risk(current={"likelihood": 4, "consequence": 4})
    flags = check_register(make_register(risk), None, REVIEW)
    assert [f.message for f in flags if f.code == "TB-BAF-ABOVE-APPETITE"] == [
        "BAF-01 'Access to services' is at 16, above the 6–10 tolerated by its 'Cautious' "
        "appetite for quality at 30 Sep 2025; 1 open action to reduce it fall due by "
        "31 Jan 2026 (A1): the risk stays outside appetite until then."
    ]
    assert "Recruit staff" not in flags[0].message


def test_within_appetite_without_actions_is_not_flagged() -> None:
    risk = make_risk(
        current={"likelihood": 2, "consequence": 5}, actions=()
    )  # 10 is the top of Cautious
    assert "TB-BAF-ABOVE-APPETITE" not in codes(make_register(risk))


def test_completed_actions_do_not_count_as_due() -> None:
    risk = make_risk(
        current={"likelihood": 4, "consequence": 4},
        actions=(
            {
                "id": "A1",
                "description": "Plan",
                "owner": "DoF",
                "due": date(2026, 3, 31),
                "status": "complete",
            },
        ),
    )
    assert "TB-BAF-ABOVE-APPETITE" in codes(make_register(risk))


# --- (c) overdue actions ----------------------------------------------------------------------


def test_overdue_actions_are_named_with_days_and_slippage() -> None:
    risk = make_risk(
        actions=(
            {
                "id": "A1",
                "description": "Recruit",
                "owner": "COO",
                "due": date(2025, 6, 30),
                "original_due": date(2025, 3, 31),
                "status": "off_track",
            },
            {
                "id": "A2",
                "description": "Done",
                "owner": "COO",
                "due": date(2025, 1, 31),
                "status": "complete",
            },
            {"id": "A3", "description": "Later", "owner": "COO", "due": date(2025, 12, 31)},
        )
    )
    flag = next(
        f for f in check_register(make_register(risk), None, REVIEW) if f.code == "TB-BAF-OVERDUE"
    )
    # 30 Jun to 30 Sep 2025 is 92 days
    assert "1 overdue action" in flag.message and "92 days overdue" in flag.message
    assert "first promised for 31 Mar 2025" in flag.message
    assert flag.evidence == ("A1",)


def test_an_action_due_on_the_review_date_is_not_overdue() -> None:
    risk = make_risk(actions=({"id": "A1", "description": "d", "owner": "o", "due": REVIEW},))
    assert "TB-BAF-OVERDUE" not in codes(make_register(risk))


# --- (d) independent assurance ---------------------------------------------------------------


@pytest.mark.parametrize(
    "line,assured,fires",
    [
        ("second", date(2024, 9, 30), False),  # exactly 12 months before the review
        ("second", date(2024, 9, 29), True),
        ("third", date(2025, 1, 15), False),
        ("first", date(2025, 9, 1), True),  # management's own view is not independent
    ],
)
def test_independent_assurance_within_twelve_months(line: str, assured: date, fires: bool) -> None:
    risk = make_risk(
        assurances=(
            {
                "id": "AS1",
                "line": line,
                "source": "Internal audit",
                "date": assured,
                "result": "positive",
            },
        )
    )
    assert ("TB-BAF-NO-INDEPENDENT-ASSURANCE" in codes(make_register(risk))) is fires


def test_no_assurance_at_all_says_none_is_recorded() -> None:
    flags = check_register(make_register(make_risk(assurances=())), None, REVIEW)
    flag = next(f for f in flags if f.code == "TB-BAF-NO-INDEPENDENT-ASSURANCE")
    assert "none is recorded" in flag.message


# --- (e) target reachable --------------------------------------------------------------------


def test_target_date_before_the_last_open_action_is_flagged() -> None:
    risk = make_risk(target_date=date(2025, 12, 31))  # A1 due 31 Jan 2026
    flag = next(
        f
        for f in check_register(make_register(risk), None, REVIEW)
        if f.code == "TB-BAF-TARGET-UNREACHABLE"
    )
    assert "by 31 Dec 2025" in flag.message and "not due until 31 Jan 2026" in flag.message


def test_no_open_actions_while_above_target_is_flagged() -> None:
    risk = make_risk(actions=())
    assert "TB-BAF-TARGET-UNREACHABLE" in codes(make_register(risk))


def test_target_reachable_or_reached_is_not_flagged() -> None:
    assert "TB-BAF-TARGET-UNREACHABLE" not in codes(
        make_register(make_risk())
    )  # 31 Mar 2026 ≥ 31 Jan 2026
    reached = make_risk(current={"likelihood": 2, "consequence": 3}, actions=())
    assert "TB-BAF-TARGET-UNREACHABLE" not in codes(make_register(reached))


# --- (f) key metrics, and the appetite warning -----------------------------------------------


def test_risk_without_key_metrics_is_flagged() -> None:
    assert "TB-BAF-NO-KEY-METRICS" in codes(make_register(make_risk(key_metrics=())))
    assert "TB-BAF-NO-KEY-METRICS" not in codes(make_register(make_risk()))


def test_target_above_appetite_is_a_warning() -> None:
    risk = make_risk(target={"likelihood": 3, "consequence": 4})  # 12 > Cautious 10
    flags = check_register(make_register(risk), None, REVIEW)
    warning = next(f for f in flags if f.code == "TB-BAF-TARGET-ABOVE-APPETITE")
    assert warning.severity is FlagSeverity.WARNING
    assert "TB-BAF-TARGET-ABOVE-APPETITE" not in codes(make_register(make_risk()))


def test_a_clean_risk_has_no_findings() -> None:
    # 10 (L2 x C5) is the top of Cautious (6-10)
    risk = make_risk(current={"likelihood": 2, "consequence": 5})
    assert (
        check_register(make_register(risk), summary(("RES06-LIST", "common_cause", "pass")), REVIEW)
        == ()
    )


# --- the summary frame -----------------------------------------------------------------------


def test_summary_frame_needs_its_columns_and_one_row_per_metric() -> None:
    with pytest.raises(OptionsError, match="assurance_icon"):
        evidence_from_frame(
            pl.DataFrame(
                {
                    "metric_id": ["A"],
                    "variation_icon": ["common_cause"],
                    "date": [REVIEW],
                    "value": [1.0],
                }
            )
        )
    two = pl.concat([summary(("A", "concern_high", None)), summary(("A", "common_cause", None))])
    with pytest.raises(OptionsError, match="more than one row"):
        evidence_from_frame(two)
    with_units = two.with_columns(pl.Series("org_unit", ["TRUST", "MH"]))
    found = evidence_from_frame(with_units, org_unit="TRUST")
    assert found["A"] == MetricEvidence("A", "concern_high", None, date(2025, 9, 1), 1240.0)


# --- properties against reference loops -------------------------------------------------------

days = st.dates(date(2023, 1, 1), date(2026, 12, 31))
statuses = st.sampled_from(["on_track", "at_risk", "off_track", "complete", "closed"])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(days, statuses), max_size=6), days)
def test_overdue_evidence_equals_a_reference_loop(plans: list[tuple[date, str]], on: date) -> None:
    actions = tuple(
        {"id": f"A{i}", "description": "d", "owner": "o", "due": due, "status": status}
        for i, (due, status) in enumerate(plans)
    )
    risk = make_risk(actions=actions)
    expected = []
    for action in actions:
        if action["status"] not in ("complete", "closed") and action["due"] < on:
            expected.append(action["id"])
    found = [f for f in check_register(make_register(risk), None, on) if f.code == "TB-BAF-OVERDUE"]
    if not expected:
        assert found == []
    else:
        assert sorted(found[0].evidence) == sorted(expected)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(days, st.sampled_from(["first", "second", "third"])), max_size=5), days)
def test_independent_assurance_equals_a_reference_loop(
    items: list[tuple[date, str]], on: date
) -> None:
    assurances = tuple(
        {"id": f"AS{i}", "line": line, "source": "s", "date": when, "result": "mixed"}
        for i, (when, line) in enumerate(items)
    )
    year_before = date(on.year - 1, on.month, 28 if (on.month, on.day) == (2, 29) else on.day)
    recent = any(a["line"] != "first" and year_before <= a["date"] <= on for a in assurances)
    fired = "TB-BAF-NO-INDEPENDENT-ASSURANCE" in codes(
        make_register(make_risk(assurances=assurances)), on=on
    )
    assert fired is not recent


# --- no assurance icon without its basis ---------------------------------------------------


def test_a_key_metric_without_a_target_shows_no_assurance_icon_and_cannot_fail() -> None:
    from trustboard.render.svg import icon_svg
    from trustboard.services.baf import key_metric_views

    # a summary file (or an old SPC run) that says "inconsistent" / "fail" for a metric that
    # has no target: there is nothing to assure against, so no icon and no failing evidence
    no_target = MetricDefinition(
        id="RES06-LIST",
        name="Open CMH waiting list",
        domain=Domain.RESPONSIVE,
        unit=Unit.COUNT,
        polarity=Polarity.LOWER_IS_BETTER,
    )
    register = make_register(make_risk(history=history(12, 12)))
    views = key_metric_views(
        register,
        summary(("RES06-LIST", "common_cause", "inconsistent")),
        catalogue={"RES06-LIST": no_target},
    )
    assert views["RES06-LIST"].assurance_icon is None
    assert views["RES06-LIST"].assurance_icon_html == icon_svg("empty", 28)
    assert "TB-BAF-EVIDENCE" not in codes(
        register,
        summary(("RES06-LIST", "common_cause", "fail")),
        catalogue={"RES06-LIST": no_target},
    )
    # with a target in force, the same "fail" is evidence
    with_target = no_target.model_copy(update={"targets": (Target(value=500, comparator="<="),)})
    assert "TB-BAF-EVIDENCE" in codes(
        register,
        summary(("RES06-LIST", "common_cause", "fail")),
        catalogue={"RES06-LIST": with_target},
    )
