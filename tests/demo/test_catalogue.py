"""The demo catalogue: the shape domain.md asks for, and a config folder that loads back equal."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml

from trustboard.demo import (
    BAF_KEY_METRICS,
    COMMITTEES,
    DIRECTORATES,
    TRUST_CODE,
    WAITS_METRICS,
    build_catalogue,
    build_forums,
    build_org_units,
    build_paper_config,
)
from trustboard.demo._stories import STORIES
from trustboard.domain import ChartType, Domain, OrgLevel, Period, TargetType, Unit
from trustboard.services.catalogue import read_catalogue_folder
from trustboard.services.demo import write_demo_config
from trustboard.services.pack import (
    load_paper_config,
    missing_paper_fields,
    paper_details,
)

REGISTER = Path(__file__).parents[2] / "src" / "trustboard" / "services" / "baf_demo_register.yaml"
ROLE_WORDS = ("Chief", "Director")


def test_about_a_hundred_metrics_from_every_domain() -> None:
    metrics = build_catalogue()
    assert 90 <= len(metrics) <= 130
    domains = Counter(m.definition.domain for m in metrics)
    assert set(domains) == set(Domain)
    # each quality and performance domain is well represented, context a little
    for domain in (
        Domain.SAFE,
        Domain.EFFECTIVE,
        Domain.CARING,
        Domain.RESPONSIVE,
        Domain.WELL_LED,
        Domain.FINANCE,
    ):
        assert domains[domain] >= 8, domain
    assert 1 <= domains[Domain.CONTEXT] <= 10
    assert len({m.id for m in metrics}) == len(metrics)


def test_every_definition_carries_the_governance_fields() -> None:
    committees = set(COMMITTEES.values())
    known_units = {u.code for u in build_org_units()}
    for metric in build_catalogue():
        d = metric.definition
        assert d.exec_lead and any(word in d.exec_lead for word in ROLE_WORDS), d.id
        assert d.lead_committees and set(d.lead_committees) <= committees, d.id
        assert d.strategic_goals, d.id
        assert d.data_source, d.id
        assert d.directorate in known_units, d.id
        assert d.directorate == TRUST_CODE or d.directorate in DIRECTORATES, d.id


def test_chart_types_follow_the_value_type() -> None:
    for metric in build_catalogue():
        d = metric.definition
        if d.chart_type in (ChartType.P, ChartType.U):
            assert d.numerator and d.denominator, d.id
        if d.chart_type is ChartType.P:
            assert d.unit is Unit.PERCENT, d.id
        if d.chart_type is ChartType.U:
            assert d.multiplier == 1000.0, d.id
        if metric.profile.kind == "proportion":
            assert d.chart_type in (ChartType.P, ChartType.PP), d.id


def test_catalogue_targets_match_the_domain_tables() -> None:
    """Spot checks against domain.md §3 (national standards and their values)."""
    by_id = {m.id: m.definition for m in build_catalogue()}
    expected = {
        "EFF01": (0.8, ">=", TargetType.NATIONAL_STANDARD),  # 72-hour follow-up, Schedule 4A
        "EFF02": (0.6, ">=", TargetType.NATIONAL_STANDARD),  # EIP 2 weeks
        "EFF03": (0.5, ">=", TargetType.NATIONAL_STANDARD),  # Talking Therapies recovery
        "RES01": (0.75, ">=", TargetType.NATIONAL_STANDARD),  # Talking Therapies 6 weeks
        "RES02": (0.95, ">=", TargetType.NATIONAL_STANDARD),  # Talking Therapies 18 weeks
        "RES12": (0.92, ">=", TargetType.NATIONAL_STANDARD),  # RTT incomplete pathways
        "FIN08-NONNHS": (0.95, ">=", TargetType.NATIONAL_STANDARD),  # BPPC
        "SAF04": (0.0, "<=", TargetType.NATIONAL_STANDARD),  # never events
    }
    for metric_id, (value, comparator, kind) in expected.items():
        found = by_id[metric_id].target_on(date(2025, 3, 31))
        assert found is not None, metric_id
        assert (found.value, found.comparator.value, found.type) == (value, comparator, kind)


@pytest.mark.parametrize("metric_id", ["EFF12", "RES14", "RES24", "WEL04", "EFF06", "EFF19"])
def test_planning_year_targets_change_on_1_april(metric_id: str) -> None:
    definition = next(m.definition for m in build_catalogue() if m.id == metric_id)
    planned = sorted(
        (t for t in definition.targets if t.type is not TargetType.TRAJECTORY),
        key=lambda t: t.valid_from or date.min,
    )
    assert len(planned) >= 2
    for earlier, later in itertools.pairwise(planned):
        assert later.valid_from is not None and (later.valid_from.month, later.valid_from.day) == (
            4,
            1,
        )
        assert earlier.valid_to == later.valid_from - timedelta(days=1)
        before = definition.target_on(later.valid_from - timedelta(days=1))
        after = definition.target_on(later.valid_from)
        assert before is not None and after is not None and before.value != after.value


def test_interventions_are_rebase_points_with_reasons() -> None:
    metrics = build_catalogue()
    reasoned = [(m, s) for m in metrics for s in m.profile.steps if s.reason]
    assert len(reasoned) >= 4
    for metric, step in reasoned:
        assert any(
            r.date == step.start and r.reason == step.reason for r in metric.definition.rebase
        ), metric.id
    # a step without a reason (a drift nobody has explained) is never a rebase point
    for metric in metrics:
        unreasoned = {s.start for s in metric.profile.steps if not s.reason}
        assert not unreasoned & {r.date for r in metric.definition.rebase}, metric.id


def test_designed_deteriorations_are_accepted_rebases_with_their_cause() -> None:
    """The designed shifts of summer 2024 are recorded as accepted recalculation points, so the
    limits describe the process as it now is instead of predating the change."""
    by_id = {m.id: m for m in build_catalogue()}
    for metric_id, start in (("SAF11", date(2024, 7, 1)), ("WEL01", date(2024, 8, 1))):
        (rebase,) = by_id[metric_id].definition.rebase
        assert rebase.date == start
        assert "accepted by the" in rebase.reason and "2024" in rebase.reason
    for key, story in STORIES.items():
        metric = by_id[story.metric_id]
        steps = {s.start for s in metric.profile.steps}
        assert steps <= {r.date for r in metric.definition.rebase}, key


def test_waiting_time_metrics_are_left_to_the_waits_engine() -> None:
    kinds = {m.id: m.profile.kind for m in build_catalogue()}
    assert {m for m, k in kinds.items() if k == "waits"} == set(WAITS_METRICS)
    for family in ("RES05", "RES06", "RES07", "RES08", "RES11", "RES12", "RES13"):
        assert any(m.startswith(family) for m in WAITS_METRICS), family


def test_stories_name_metrics_of_the_catalogue() -> None:
    metrics = {m.id: m for m in build_catalogue()}
    for key, story in STORIES.items():
        assert story.metric_id in metrics, key
        profile_story = metrics[story.metric_id].profile.story
        assert profile_story in (None, key), key


def test_baf_links_agree_with_the_demo_register() -> None:
    assert REGISTER.is_file(), f"the demo BAF register {REGISTER} is missing"
    register = yaml.safe_load(REGISTER.read_text(encoding="utf-8"))
    from_register = {risk["id"]: set(risk.get("key_metrics") or ()) for risk in register["risks"]}
    from_register = {k: v for k, v in from_register.items() if v}
    assert from_register == {k: set(v) for k, v in BAF_KEY_METRICS.items()}
    by_id = {m.id: m.definition for m in build_catalogue()}
    for risk, metric_ids in BAF_KEY_METRICS.items():
        for metric_id in metric_ids:
            assert risk in by_id[metric_id].baf_risks


def test_organisation_is_a_tree_of_four_levels() -> None:
    units = build_org_units()
    codes = {u.code: u for u in units}
    assert len(codes) == len(units)
    assert [u.code for u in units if u.level is OrgLevel.DIRECTORATE] == list(DIRECTORATES)
    for unit in units:
        if unit.level is OrgLevel.TRUST:
            assert unit.parent is None
        else:
            parent = codes[unit.parent]  # type: ignore[index]
            assert parent.level.depth == unit.level.depth - 1
    teams = [u for u in units if u.level is OrgLevel.TEAM]
    assert len(teams) >= 30


def test_config_folder_loads_back_equal(tmp_path: Path) -> None:
    written = write_demo_config(tmp_path / "config")
    assert {p.name for p in written} == {
        "metrics.yaml",
        "org_units.yaml",
        "forums.yaml",
        "paper.yaml",
    }
    folder = read_catalogue_folder(tmp_path / "config")
    assert folder.metrics == [m.definition for m in build_catalogue()]
    assert folder.org_units == list(build_org_units())
    assert folder.forums == list(build_forums())
    paper = load_paper_config(tmp_path / "config" / "paper.yaml")
    assert paper.for_forum("BOARD")["meeting"] == "Trust Board (public)"


def test_every_forum_paper_has_its_mandatory_cover_sheet_fields() -> None:
    config = load_paper_config(build_paper_config())
    definitions = [m.definition for m in build_catalogue()]
    for forum in build_forums():
        details = paper_details(
            config.for_forum(forum.id),
            forum_name=forum.name,
            period=Period.month(2025, 3),
            metrics=definitions,
        )
        assert missing_paper_fields(details) == [], forum.id
        assert "SYNTHETIC" in (details.fomi or "")


def test_every_metric_has_a_definition_for_the_appendix() -> None:
    for metric in build_catalogue():
        d = metric.definition
        text = d.description or ""
        # what it counts and what good looks like, more than a restated name
        assert len(text.split()) >= 12, d.id
        assert any(good in text.lower() for good in ("better", "good is", "without a target")), d.id
        if d.numerator and d.denominator and not text.startswith("Share of"):
            assert f"Numerator: {d.numerator}; denominator: {d.denominator}." in text, d.id
        in_force = d.target_on(date(2025, 3, 31))
        if in_force is not None:
            assert "Standard in 2024-25: " in text, d.id
    by_id = {m.id: m.definition for m in build_catalogue()}
    # a worked example: the 72-hour follow-up standard of the NHS Standard Contract
    assert "Standard in 2024-25: ≥ 80%, national standard (NHS Standard Contract" in (
        by_id["EFF01"].description or ""
    )
    # a rate names what it counts over what
    assert "Numerator: Inpatient falls; denominator: Occupied bed days." in (
        by_id["SAF11"].description or ""
    )
    # a note on the series stays after the definition
    assert (by_id["WEL09"].description or "").endswith(
        "December 2022 is missing: the recording system was replaced and the month was not "
        "migrated."
    )


def test_the_register_names_committees_as_the_catalogue_does() -> None:
    register = yaml.safe_load(REGISTER.read_text(encoding="utf-8"))
    named = {risk["lead_committee"] for risk in register["risks"]}
    assert named <= {*COMMITTEES.values(), "Trust Board"}
    assert {"Quality Committee", "Finance & Performance Committee"} <= named
