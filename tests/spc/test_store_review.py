"""Accepted rebases in the store, limits that follow them, charts that fit: worked by hand."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from cliruns import Trustboard
from trustboard.errors import ConflictError, NotFoundError, OptionsError
from trustboard.services.catalogue import load_catalogue
from trustboard.services.imports import import_values
from trustboard.services.refresh import refresh_spc
from trustboard.services.spc_review import (
    accept_rebase,
    accepted_rebases,
    overdispersion_findings,
    rebase_proposals,
)
from trustboard.store import Store

ORG_UNITS = """org_units:
  - code: TRUST
    name: Whole trust
    level: trust
"""
FORUMS = """forums:
  - id: BOARD
    name: Trust Board
    kind: board
    order: 1
"""
METRICS = """metrics:
  - id: FIN04
    name: Agency spend
    domain: FINANCE
    unit: gbp_000
    polarity: lower_is_better
    targets:
      - value: 800
        comparator: "<="
{fin04_rebase}
  - id: SAF99
    name: Incidents without a target
    domain: SAFE
    unit: count
    polarity: lower_is_better
  - id: FINYTD
    name: Year-to-date surplus
    domain: FINANCE
    unit: gbp_000
    polarity: higher_is_better
    period_type: ytd
    targets:
      - value: 100
  - id: PBIG
    name: Share of contacts on time
    domain: RESPONSIVE
    unit: percent
    polarity: higher_is_better
    numerator: On time
    denominator: Contacts
    chart_type: p
"""
#: 48 months, April 2021 to March 2025 (no Polars work at import: a test module that starts
#: Polars' thread pool while it is collected breaks the mutation run's fork server)
MONTHS = [date(2021 + (3 + i) // 12, (3 + i) % 12 + 1, 1) for i in range(48)]
#: FIN04: 36 months at 990/1010 then 12 at 750/770 (mean 940: the last 12 are all below it)
FIN04 = [990.0, 1010.0] * 18 + [750.0, 770.0] * 6
#: cumulative year-to-date: 10 a month in 2023/24, 12 a month in 2024/25 (April resets)
YTD_MONTHS = MONTHS[24:]
FINYTD = [10.0 * (i + 1) for i in range(12)] + [12.0 * (i + 1) for i in range(12)]


def _folder(root: Path, rebase: str = "") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "org_units.yaml").write_text(ORG_UNITS)
    (root / "forums.yaml").write_text(FORUMS)
    (root / "metrics.yaml").write_text(METRICS.format(fin04_rebase=rebase))
    return root


def _values(path: Path) -> Path:
    rows = ["metric_id,period,org_unit,numerator,denominator,value,provisional"]
    rows += [f"FIN04,{d:%Y-%m},TRUST,,,{v},no" for d, v in zip(MONTHS, FIN04, strict=True)]
    rows += [f"SAF99,{d:%Y-%m},TRUST,,,{3 + i % 3},no" for i, d in enumerate(MONTHS)]
    rows += [f"FINYTD,{d:%Y-%m},TRUST,,,{v},no" for d, v in zip(YTD_MONTHS, FINYTD, strict=True)]
    nums = [500_000, 600_000, 400_000, 500_000]
    rows += [
        f"PBIG,{d:%Y-%m},TRUST,{n},1000000,,no" for d, n in zip(MONTHS[-4:], nums, strict=True)
    ]
    path.write_text("\n".join(rows) + "\n")
    return path


@pytest.fixture
def trust(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'tb.db'}"
    Store.init(url)[0].close()
    load_catalogue(_folder(tmp_path / "cat"), database=url, effective=date(2021, 4, 1))
    import_values([_values(tmp_path / "values.csv")], database=url, today=date(2025, 4, 30))
    return url


def _points(url: str, metric: str) -> pl.DataFrame:
    with Store.open(url) as store:
        stored = store.spc_results([metric])
    assert stored is not None
    return stored.points.sort("date")


def _summary(url: str, metric: str) -> dict[str, object]:
    with Store.open(url) as store:
        stored = store.spc_results([metric], with_points=False)
    assert stored is not None
    return stored.summary.row(0, named=True)


def test_no_assurance_icon_is_stored_for_a_metric_without_a_target(trust: str) -> None:
    # SAF99 shares its options group (ptd, xmr, decrease) with FIN04, which has a target; the
    # SPC engine marks a series left out of a target table "inconsistent" (as NHSRplotthedots)
    refresh_spc(database=trust)
    assert _summary(trust, "SAF99")["assurance_icon"] is None


def test_limits_that_predate_a_shift_carry_no_assurance_icon_until_rebased(trust: str) -> None:
    # FIN04 over 48 months: mean 940; the last 12 months are all below it, so the limits
    # predate the shift: no icon.  Rebased from April 2024 the new group is 750/770: mean 760,
    # every moving range 20, limits 760 +- 2.66 x 20 = 706.8 to 813.2; the £800k ceiling is
    # inside them: "inconsistent".
    refresh_spc(database=trust)
    assert _summary(trust, "FIN04")["assurance_icon"] is None
    accept_rebase("FIN04", date(2024, 4, 1), "Agency price cap", database=trust)
    refresh_spc(database=trust)
    after = _summary(trust, "FIN04")
    assert (after["mean"], after["lpl"], after["upl"]) == pytest.approx((760.0, 706.8, 813.2))
    assert after["assurance_icon"] == "inconsistent"


def test_packs_compute_with_the_accepted_rebases(trust: str) -> None:
    from trustboard.domain import RebasePoint
    from trustboard.services.pack import gather_inputs
    from trustboard.services.spc_review import with_accepted_rebases

    accept_rebase("FIN04", date(2024, 4, 10), "Agency price cap", database=trust)
    with Store.open(trust) as store:
        metrics = {m.id: m for m in with_accepted_rebases(store, store.metrics(), "TRUST")}
        # dated 10 April, applied from May: the first whole month, a point of the series
        assert metrics["FIN04"].rebase == (
            RebasePoint(date=date(2024, 5, 1), reason="Agency price cap"),
        )
        assert metrics["SAF99"].rebase == ()
        inputs = gather_inputs(store, "BOARD", "2025-03")
    fin04 = next(m for m in inputs.metrics if m.id == "FIN04")
    assert [r.date for r in fin04.rebase] == [date(2024, 5, 1)]


def test_a_sustained_shift_is_proposed_until_a_rebase_is_accepted(trust: str) -> None:
    result = refresh_spc(database=trust)
    # FIN04, and FINYTD whose in-month values went from 10 to 12 in April 2024 (mean 11: the
    # last 12 months are all above it)
    assert result.rebase_proposals == 2
    assert [(p.metric_id, p.proposed_at) for p in rebase_proposals(database=trust)] == [
        ("FIN04", date(2024, 4, 1)),
        ("FINYTD", date(2024, 4, 1)),
    ]
    proposals = rebase_proposals("FIN04", database=trust)
    assert [
        (p.org_unit, p.proposed_at, p.side, p.run_length, p.enough_points) for p in proposals
    ] == [("TRUST", date(2024, 4, 1), "below", 12, True)]
    assert "--at 2024-04-01" in proposals[0].sentence()

    done = accept_rebase(
        "FIN04", date(2024, 4, 1), "Agency price cap from April 2024", database=trust, actor="ana"
    )
    assert (done.new, done.starts) == (True, date(2024, 4, 1))
    again = accept_rebase(
        "FIN04", date(2024, 4, 1), "Agency price cap from April 2024", database=trust
    )
    assert again.new is False
    after = refresh_spc(database=trust)
    assert after.rebase_proposals == 1
    points = _points(trust, "FIN04")
    # two groups: Apr 2021 - Mar 2024 (mean 1,000) and Apr 2024 - Mar 2025 (mean 760)
    assert points.filter(pl.col("rebase_group") == 0)["mean"][0] == pytest.approx(1000.0)
    assert points.filter(pl.col("rebase_group") == 1)["mean"][0] == pytest.approx(760.0)
    reasons = points.filter(pl.col("rebase_reason").is_not_null())
    assert reasons.select("date", "rebase_reason").rows() == [
        (date(2024, 4, 1), "Agency price cap from April 2024")
    ]
    with Store.open(trust) as store:
        audit = [a for a in store.audit() if a.action == "spc.rebase"]
    assert len(audit) == 1 and audit[0].actor == "ana"
    assert audit[0].entity_id == "FIN04/*/2024-04-01"


def test_a_rebase_needs_a_reason_a_known_metric_and_one_reason(trust: str) -> None:
    with pytest.raises(OptionsError):
        accept_rebase("FIN04", date(2024, 4, 1), "  ", database=trust)
    with pytest.raises(NotFoundError):
        accept_rebase("NOPE", date(2024, 4, 1), "x", database=trust)
    with pytest.raises(NotFoundError):
        accept_rebase("FIN04", date(2024, 4, 1), "x", org_unit="ZZ", database=trust)
    accept_rebase("FIN04", date(2024, 4, 1), "Agency cap", database=trust)
    with pytest.raises(ConflictError) as caught:
        accept_rebase("FIN04", date(2024, 4, 1), "Something else", database=trust)
    assert caught.value.code == "TB-SPC-REBASE-CONFLICT"
    with Store.open(trust) as store:
        assert [a.action for a in store.audit()].count("spc.rebase") == 1


def test_catalogue_rebases_merge_with_stored_ones_and_conflicts_are_reported(
    trust: str, tmp_path: Path
) -> None:
    accept_rebase("FIN04", date(2024, 4, 1), "Agency price cap", database=trust)
    # a folder that lacks the rebase keeps it
    summary = load_catalogue(_folder(tmp_path / "again"), database=trust)
    assert summary.rebase_conflicts == ()
    stored, conflicts = accepted_rebases("FIN04", database=trust)
    assert [(r.at, r.reason) for r in stored] == [(date(2024, 4, 1), "Agency price cap")]
    assert conflicts == []
    # 10 April takes effect from May (the next whole period): not the same start as 1 April,
    # so the two are separate rebases, no conflict, and both apply
    other = '    rebase:\n      - date: 2024-04-10\n        reason: "New supplier"\n'
    summary = load_catalogue(_folder(tmp_path / "other", other), database=trust)
    assert summary.rebase_conflicts == ()
    refresh_spc(database=trust)
    groups = _points(trust, "FIN04").group_by("rebase_group").agg(pl.col("date").min())
    assert sorted(groups["date"].to_list()) == [
        date(2021, 4, 1),
        date(2024, 4, 1),
        date(2024, 5, 1),
    ]
    same = '    rebase:\n      - date: 2024-04-01\n        reason: "New supplier"\n'
    summary = load_catalogue(_folder(tmp_path / "same", same), database=trust)
    assert summary.rebase_conflicts == (
        "FIN04 rebase from 2024-04-01: the catalogue says 'New supplier', the store says "
        f"'Agency price cap' (accepted by {stored[0].actor}); the store's reason is used",
    )
    result = refresh_spc(database=trust)
    assert result.rebase_conflicts == summary.rebase_conflicts
    reasons = _points(trust, "FIN04").filter(pl.col("rebase_reason").is_not_null())
    assert reasons["rebase_reason"].to_list() == ["Agency price cap"]


def test_year_to_date_figures_are_charted_in_month_with_the_april_reset(trust: str) -> None:
    refresh_spc(database=trust)
    points = _points(trust, "FINYTD")
    # 10, 20, ..., 120 then 12, 24, ..., 144: differences 10 a month, then 12 from April 2024
    assert points["value"].to_list() == [10.0] * 12 + [12.0] * 12
    assert points["rebase_group"].to_list() == [0] * 24
    # the 100 target is a cumulative plan: no assurance icon on in-month values
    assert _summary(trust, "FINYTD")["assurance_icon"] is None


def test_overdispersion_is_found_with_its_ratio_and_a_suggestion(trust: str) -> None:
    refresh_spc(database=trust)
    findings = overdispersion_findings(database=trust)
    # p-bar 0.5, sigma_i = sqrt(0.25/1e6) = 0.0005; z = 0, 200, -200, 0; MR 200, 400, 200;
    # ratio = (800/3)/1.128 = 236.4
    assert [(f.metric_id, f.org_unit, f.chart) for f in findings] == [("PBIG", "TRUST", "p")]
    assert findings[0].ratio == pytest.approx((800 / 3) / 1.128)
    assert "chart_type: pp" in findings[0].suggestion and "xmr" in findings[0].suggestion


def test_rebase_command_accepts_and_lists(trust: str) -> None:
    runner = Trustboard()  # through the real entry point, main(argv)
    refresh_spc(database=trust)
    listed = runner.invoke(["spc", "rebase", "FIN04", "-d", trust])
    assert listed.exit_code == 0, listed.output
    assert (
        "proposed: FIN04 TRUST: the last 12 points are below the mean; proposed from "
        "2024-04-01; enough points to recalculate"
    ) in " ".join(listed.output.split())
    missing = runner.invoke(["spc", "rebase", "FIN04", "--at", "2024-04-01", "-d", trust])
    assert missing.exit_code != 0
    done = runner.invoke(
        ["spc", "rebase", "FIN04", "--at", "2024-04-01", "--reason", "Agency cap", "-d", trust],
    )
    assert done.exit_code == 0, done.output
    assert "accepted: FIN04 (every org unit) limits recalculated from 2024-04-01" in " ".join(
        done.output.split()
    )
    listed = runner.invoke(["spc", "rebase", "FIN04", "-d", trust])
    assert "accepted: FIN04 every org unit from 2024-04-01: Agency cap" in " ".join(
        listed.output.split()
    )


def test_a_completed_action_that_began_the_shift_is_proposed_as_the_rebase_point(
    trust: str,
) -> None:
    from trustboard.domain import Action, ActionStatus

    # FIN04's run starts April 2024; the point 7 before it is September 2023.  An action on
    # FIN04 completed on 20 February 2024 began the change: proposed from 1 March 2024.  An
    # action completed in June 2023 (before the window) and one on another metric do not count.
    actions = [
        Action(
            id="A7",
            metric_id="FIN04",
            description="Cap agency rates",
            owner="DoF",
            due=date(2024, 3, 31),
            status=ActionStatus.COMPLETE,
            completed=date(2024, 2, 20),
        ),
        Action(
            id="A1",
            metric_id="FIN04",
            description="Old review",
            owner="DoF",
            due=date(2023, 6, 30),
            status=ActionStatus.COMPLETE,
            completed=date(2023, 6, 30),
        ),
        Action(
            id="B2",
            metric_id="SAF99",
            description="Other",
            owner="DoN",
            due=date(2024, 3, 31),
            status=ActionStatus.COMPLETE,
            completed=date(2024, 3, 1),
        ),
    ]
    with Store.open(trust) as store:
        store.write_actions(actions)
    refresh_spc(database=trust)
    (found,) = [p for p in rebase_proposals(database=trust) if p.metric_id == "FIN04"]
    assert (found.proposed_at, found.basis, found.intervention) == (
        date(2024, 3, 1),
        "intervention",
        "action A7 (completed 2024-02-20)",
    )
    assert "Cap agency rates" not in found.sentence()
    assert "which began with action A7 (completed 2024-02-20)" in found.sentence()


def test_the_pack_shows_no_failing_icon_from_limits_that_predate_the_shift(trust: str) -> None:
    from trustboard.render.pack.assemble import assemble_pack
    from trustboard.services.pack import gather_inputs

    # FIN04 in the pack, March 2025 (£770k, within the £800k ceiling).  Over the last 24
    # months the mean is (12 x 1,000 + 12 x 760) / 24 = 880; the moving ranges are 20 but for
    # the 260 fall (screened out), so the limits are 880 +- 53.2 = 826.8 to 933.2 and the
    # ceiling lies below them: the engine says "fail".  But the last 12 months are all below
    # the mean: the limits predate the April 2024 shift.  No icon, no forecast from them.
    with Store.open(trust) as store:
        model = assemble_pack(gather_inputs(store, "BOARD", "2025-03"))
    fin04 = model.section("FIN04")
    assert fin04.summary.assurance_icon is None
    assert "will not be met" not in fin04.statement
    assert "the limits were set before" in fin04.statement
    assert not any("fail" in reason.lower() for reason in fin04.exception_reasons)
    # SAF99 has no target: no icon either
    assert model.section("SAF99").summary.assurance_icon is None
