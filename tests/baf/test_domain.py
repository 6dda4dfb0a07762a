"""The BAF value types: the 5×5 matrix, bands, appetite, trend, reviews and the public view."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from trustboard.domain.baf import (
    MATRIX_SCORES,
    AppetiteLevel,
    AppetiteScale,
    FieldGroup,
    GradingBand,
    ReviewEntry,
    RiskScore,
    ScoreTrend,
    ScoringScheme,
)

from .builders import make_register, make_risk

# The NPSA (2008) matrix written out by hand, rows L5 to L1 (domain.md §5.3).
HAND_MATRIX = {
    5: (5, 10, 15, 20, 25),
    4: (4, 8, 12, 16, 20),
    3: (3, 6, 9, 12, 15),
    2: (2, 4, 6, 8, 10),
    1: (1, 2, 3, 4, 5),
}
# NPSA bands: 1–3 low, 4–6 moderate, 8–12 high, 15–25 extreme.
HAND_BANDS = {
    1: "Low",
    2: "Low",
    3: "Low",
    4: "Moderate",
    5: "Moderate",
    6: "Moderate",
    8: "High",
    9: "High",
    10: "High",
    12: "High",
    15: "Extreme",
    16: "Extreme",
    20: "Extreme",
    25: "Extreme",
}


def test_matrix_cells_match_the_npsa_grid() -> None:
    for likelihood, row in HAND_MATRIX.items():
        for consequence, expected in enumerate(row, start=1):
            assert RiskScore(likelihood=likelihood, consequence=consequence).score == expected


def test_every_matrix_score_has_its_npsa_band() -> None:
    scheme = ScoringScheme()
    assert set(MATRIX_SCORES) == set(HAND_BANDS)
    for score, band in HAND_BANDS.items():
        assert scheme.band_for(score).name == band


@pytest.mark.parametrize("likelihood,consequence", [(0, 3), (6, 3), (3, 0), (3, 6)])
def test_scores_outside_one_to_five_are_refused(likelihood: int, consequence: int) -> None:
    with pytest.raises(ValidationError):
        RiskScore(likelihood=likelihood, consequence=consequence)


def test_bands_must_cover_every_score_once() -> None:
    gap = (
        GradingBand(name="Low", low=1, high=3, colour="#00FF00"),
        GradingBand(name="High", low=5, high=25, colour="#FF0000"),
    )
    with pytest.raises(ValidationError, match="score 4 falls in no band"):
        ScoringScheme(bands=gap)
    overlap = (
        GradingBand(name="Low", low=1, high=6, colour="#00FF00"),
        GradingBand(name="High", low=6, high=25, colour="#FF0000"),
    )
    with pytest.raises(ValidationError, match="score 6 falls in bands Low, High"):
        ScoringScheme(bands=overlap)


def test_a_trust_can_use_its_own_bands() -> None:
    # some trusts grade 1–3 / 4–7 / 8–14 / 15–25 (domain.md §5.3)
    scheme = ScoringScheme(
        bands=(
            GradingBand(name="Green", low=1, high=3, colour="#00FF00"),
            GradingBand(name="Yellow", low=4, high=7, colour="#FFFF00"),
            GradingBand(name="Amber", low=8, high=14, colour="#FFA500"),
            GradingBand(name="Red", low=15, high=25, colour="#FF0000"),
        )
    )
    assert scheme.band_for(12).name == "Amber"
    assert scheme.band_for(15).name == "Red"


@given(st.integers(1, 5), st.integers(1, 5))
def test_band_lookup_equals_a_reference_loop(likelihood: int, consequence: int) -> None:
    scheme = ScoringScheme()
    score = likelihood * consequence
    reference = None
    for band in scheme.bands:
        if band.low <= score <= band.high:
            reference = band.name
    assert scheme.band_for(score).name == reference


def test_appetite_scale_is_ordered_and_unique() -> None:
    level = AppetiteLevel(name="Cautious", ordinal=2, min_score=6, max_score=10)
    with pytest.raises(ValidationError, match="unique"):
        AppetiteScale(levels=(level, level))
    with pytest.raises(ValidationError, match="rising"):
        AppetiteScale(
            levels=(level, AppetiteLevel(name="Minimal", ordinal=1, min_score=1, max_score=6))
        )
    scale = AppetiteScale(
        levels=(AppetiteLevel(name="Minimal", ordinal=1, min_score=1, max_score=6), level)
    )
    assert scale.level("cautious") is not None and scale.level("Open") is None
    assert level.tolerates(10) and not level.tolerates(12)


def test_trend_reads_the_last_two_reviews() -> None:
    def with_scores(*scores: tuple[int, int]) -> ScoreTrend:
        history = tuple(
            {
                "date": date(2025, 3, 31) + timedelta(days=91 * i),
                "current": {"likelihood": lk, "consequence": cq},
                "rationale": "r",
            }
            for i, (lk, cq) in enumerate(scores)
        )
        return make_risk(history=history).trend

    assert with_scores((3, 4)) is ScoreTrend.NEW
    assert with_scores((3, 4), (4, 4)) is ScoreTrend.UP
    assert with_scores((4, 4), (3, 4)) is ScoreTrend.DOWN
    # same score from a different cell is still "unchanged": the trend follows the score
    assert with_scores((2, 6 // 2), (3, 2)) is ScoreTrend.SAME
    assert (
        ScoreTrend.UP.arrow == "↑" and ScoreTrend.DOWN.arrow == "↓" and ScoreTrend.SAME.arrow == "→"
    )


@given(st.integers(1, 5), st.integers(1, 5), st.integers(1, 5), st.integers(1, 5))
def test_with_review_updates_score_and_history(l1: int, c1: int, l2: int, c2: int) -> None:
    risk = make_risk(
        current={"likelihood": l1, "consequence": c1},
        history=(
            {
                "date": date(2025, 9, 30),
                "current": {"likelihood": l1, "consequence": c1},
                "rationale": "first",
            },
        ),
    )
    entry = ReviewEntry(
        date=date(2025, 12, 31),
        current=RiskScore(likelihood=l2, consequence=c2),
        rationale="second",
        reviewer="FPC",
    )
    after = risk.with_review(entry)
    assert after.current == entry.current
    assert after.history == (*risk.history, entry)
    assert after.target == risk.target
    expected = "up" if l2 * c2 > l1 * c1 else "down" if l2 * c2 < l1 * c1 else "same"
    assert after.trend.value == expected


def test_a_review_must_follow_the_last_one() -> None:
    risk = make_risk()
    entry = ReviewEntry(
        date=date(2025, 9, 30), current=RiskScore(likelihood=2, consequence=2), rationale="again"
    )
    with pytest.raises(ValueError, match="must be later"):
        risk.with_review(entry)


def test_actions_are_linked_to_their_risk_and_unmoved_due_dates_normalised() -> None:
    risk = make_risk(
        actions=(
            {
                "id": "A1",
                "description": "d",
                "owner": "o",
                "due": date(2026, 1, 31),
                "original_due": date(2026, 1, 31),
            },
            {
                "id": "A2",
                "description": "d",
                "owner": "o",
                "due": date(2026, 3, 31),
                "original_due": date(2025, 12, 31),
            },
        )
    )
    assert {a.baf_risk_id for a in risk.actions} == {"BAF-01"}
    assert risk.actions[0].original_due is None
    assert risk.actions[1].slippage_days == 90
    with pytest.raises(ValidationError, match="belongs to"):
        make_risk(
            actions=(
                {
                    "id": "A1",
                    "description": "d",
                    "owner": "o",
                    "due": date(2026, 1, 31),
                    "baf_risk_id": "BAF-99",
                },
            )
        )


def test_history_must_be_in_date_order() -> None:
    with pytest.raises(ValidationError, match="date order"):
        make_risk(
            history=(
                {
                    "date": date(2025, 9, 30),
                    "current": {"likelihood": 3, "consequence": 3},
                    "rationale": "b",
                },
                {
                    "date": date(2025, 6, 30),
                    "current": {"likelihood": 3, "consequence": 3},
                    "rationale": "a",
                },
            )
        )


def test_public_view_drops_unpublished_risks_and_withheld_groups() -> None:
    hidden = make_risk(id="BAF-02", publish=False)
    partly = make_risk(
        id="BAF-03",
        withhold=("actions", "key_metrics"),
        crr=({"id": "CRR-1", "title": "t", "score": {"likelihood": 4, "consequence": 4}},),
    )
    register = make_register(make_risk(), hidden, partly)
    public = register.public()
    assert [r.id for r in public.risks] == ["BAF-01", "BAF-03"]
    shown = public.risk("BAF-03")
    assert shown is not None
    assert shown.actions == () and shown.key_metrics == ()
    # corporate risk register links are not in the default public field groups
    assert FieldGroup.CRR not in register.public_groups and shown.crr == ()
    assert shown.assurances == partly.assurances
    assert public.risk("BAF-01") == make_risk().model_copy(update={"crr": ()})


def test_description_reads_as_cause_event_effect() -> None:
    assert make_risk().description == (
        "If demand exceeds capacity, then people wait too long, resulting in harm while waiting."
    )
