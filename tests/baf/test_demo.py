"""The demo register: shipped with the package, equal to the fixture, and honest against the
data."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl

from trustboard.demo.trust import build_demo_trust
from trustboard.demo.values import LATEST_PERIOD
from trustboard.ingest.baf_register import read_register
from trustboard.services.baf import check_register, demo_register
from trustboard.spc import compute

GOALS = {"Great Outcomes", "Great Care", "Great Place to Work", "Part of the Community"}


def test_packaged_register_equals_the_fixture(sample_register_path: Path) -> None:
    assert demo_register() == read_register(sample_register_path)


def test_demo_register_covers_the_four_goals_with_two_years_of_reviews() -> None:
    register = demo_register()
    assert {o.title for o in register.objectives} == GOALS
    assert {o for r in register.risks for o in r.objectives} == {o.id for o in register.objectives}
    assert 7 <= len(register.risks) <= 9
    for risk in register.risks:
        span = (risk.history[-1].date - risk.history[0].date).days
        assert len(risk.history) >= 8 and span >= 630, risk.id
        assert risk.history[-1].date == LATEST_PERIOD.end


def test_key_metrics_are_in_the_demo_catalogue() -> None:
    trust = build_demo_trust()
    catalogue = {m.id for m in trust.metrics}
    assert {m for r in demo_register().risks for m in r.key_metrics} <= catalogue


def test_the_evidence_check_fires_from_the_demo_data() -> None:
    # SPC of each key metric at trust level, as `spc refresh` would compute it, then the check
    trust = build_demo_trust()
    definitions = {m.id: m.definition for m in trust.metrics}
    register = demo_register()
    review = LATEST_PERIOD.end
    rows = []
    for metric_id in sorted({m for r in register.risks for m in r.key_metrics}):
        series = trust.values.filter(
            (pl.col("metric_id") == metric_id) & (pl.col("org_unit") == "TRUST")
        )
        if series.height < 12:
            continue  # waiting-time metrics come from the waits engine, not the generator
        definition = definitions[metric_id]
        target = definition.target_on(review)
        summary = compute(
            series.sort("period_start"),
            date="period_start",
            value="value",
            improvement=definition.polarity.improvement,
            target=target.value if target else None,
        ).summary
        rows.append(
            {
                "metric_id": metric_id,
                "variation_icon": summary["variation_icon"][0],
                "assurance_icon": summary["assurance_icon"][0],
                "date": series["period_start"].max(),
                "value": series.sort("period_start")["value"][-1],
            }
        )
    flags = check_register(register, pl.DataFrame(rows), review, catalogue=definitions)
    evidence = [f for f in flags if f.code == "TB-BAF-EVIDENCE"]
    assert evidence, "no risk's score is challenged by the demo data"
    assert all(f.message.startswith(f.risk_id) for f in evidence)
    assert date(2025, 3, 31) == review
