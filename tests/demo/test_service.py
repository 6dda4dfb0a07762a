"""``trustboard demo`` end to end: waits engine, store, SPC refresh and the synthetic-labelled
pack."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

import polars as pl
import pytest

from cliruns import run
from trustboard.demo import DEFAULT_SEED, HISTORY_MONTHS, TRUST_CODE, WAITS_METRICS
from trustboard.demo.waiting import WAITS_TEAM_UNITS
from trustboard.errors import OptionsError
from trustboard.render.pack import PackModel
from trustboard.services.demo import DEMO_DATABASE_FILE, demo_waits_values, run_demo


def test_the_synthetic_extract_teams_all_map_to_demo_teams() -> None:
    from trustboard.waits import synth

    teams = {
        team
        for profile in synth.SERVICE_PROFILES
        for team in profile.teams
        if profile.code
        in (
            "cmh_adult",
            "cyp_mh",
            "community_nursing",
            "community_therapies",
            "community_paediatrics",
        )
    }
    assert teams == set(WAITS_TEAM_UNITS)


def test_waiting_time_metrics_come_from_the_waits_engine() -> None:
    values = demo_waits_values(DEFAULT_SEED, referrals=20_000)
    trust = values.filter(pl.col("org_unit") == TRUST_CODE)
    counts = dict(trust.group_by("metric_id").len().iter_rows())
    assert set(counts) == set(WAITS_METRICS)
    assert all(n == HISTORY_MONTHS for n in counts.values())
    shares = trust.filter(pl.col("metric_id").is_in(["RES05", "RES08-4W", "RES12"]))
    assert shares.get_column("value").is_between(0, 1).all()
    assert (shares["numerator"] <= shares["denominator"]).all()
    # the same seed gives the same extract and the same measures
    assert demo_waits_values(DEFAULT_SEED, referrals=20_000).equals(values)


def test_write_config_from_the_command_line(tmp_path: Path) -> None:
    result = run(["demo", "--write-config", str(tmp_path / "cfg")])
    assert result.exit_code == 0, result.output
    for name in ("metrics.yaml", "org_units.yaml", "forums.yaml", "paper.yaml"):
        assert (tmp_path / "cfg" / name).is_file()
        assert str(tmp_path / "cfg" / name) in result.output


def test_unknown_forum_is_an_options_error(tmp_path: Path) -> None:
    with pytest.raises(OptionsError) as caught:
        run_demo(tmp_path, forums=("NOPE",), waits=False)
    assert "EMT" in (caught.value.hint or "")


@pytest.mark.slow
def test_trustboard_demo_end_to_end(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    result = run(["demo", "--output", str(out), "--no-pdf"])
    assert result.exit_code == 0, result.output
    html = out / "BOARD-2025-03.html"
    database = out / DEMO_DATABASE_FILE
    assert f"HTML:  {html}" in result.output and f"Store: {database}" in result.output
    page = html.read_text(encoding="utf-8")
    assert "SYNTHETIC" in page.upper()
    assert "out-of-area" in page and "Northvale" in page
    with sqlite3.connect(database) as conn:
        metrics = conn.execute("SELECT COUNT(DISTINCT metric_id) FROM metric_value").fetchone()[0]
        commentary = conn.execute("SELECT COUNT(*) FROM commentary").fetchone()[0]
        history = conn.execute("SELECT COUNT(*) FROM action_history").fetchone()[0]
    assert metrics >= 100  # generated metrics and the waits engine's
    assert commentary >= 30
    assert history > 0
    _check_commentary_matches_the_pack(database)


def _check_commentary_matches_the_pack(database: Path) -> None:
    """Every exception page of the Board has a summary for its one page and narrative written
    by demo-analyst and approved by demo-executive, and the pre-publication check finds nothing
    to correct in the Board's pack (the narrative's approval included), nor in any forum's."""
    from trustboard.demo import build_paper_config
    from trustboard.demo.forums import FORUM_IDS
    from trustboard.render.pack import assemble_pack
    from trustboard.services.check import check_model, narrative_standing, run_check
    from trustboard.services.pack import gather_inputs, load_paper_config
    from trustboard.store import Store

    store = Store.open(database)
    try:
        inputs = gather_inputs(
            store,
            "BOARD",
            "2025-03",
            config=load_paper_config(build_paper_config()),
            synthetic=True,
        )
        model = assemble_pack(inputs)
        standing = narrative_standing(store, model)
    finally:
        store.close()
    exceptions = [s for s in model.sections if s.exception_reasons]
    assert 5 <= len(exceptions) < len(model.sections) // 2 + 1
    for section in exceptions:
        assert section.commentary is not None, section.definition.id
        summary = section.commentary.section("summary")
        assert summary and section.definition.name in summary, section.definition.id
    assert {m: (v.state, v.author, v.approver) for m, v in standing.items()} == {
        s.metric_id: ("approved", "demo-analyst", "demo-executive") for s in exceptions
    }
    report = check_model(model, narrative=standing)
    assert report.findings == (), [f.line() for f in report.findings]
    # and every other forum's pack, as `trustboard check` reads it (the paper kept in the store)
    store = Store.open(database)
    try:
        for forum in FORUM_IDS:
            found = run_check(store, forum, "2025-03").findings
            assert found == (), (forum, [f.line() for f in found])
    finally:
        store.close()
    _check_provisional(database, model)


def _check_provisional(database: Path, model: PackModel) -> None:
    """In the store only the chosen metrics' March values are provisional, and the pack's
    data-quality note names exactly those of its metrics."""
    with sqlite3.connect(database) as conn:
        rows = conn.execute(
            "SELECT DISTINCT metric_id, period_start FROM metric_value WHERE provisional"
        ).fetchall()
    chosen = {"SAF06", "SAF13", "SAF14", "EFF06", "RES05", "RES08-4W", "WEL01"}
    assert {metric for metric, _ in rows} == chosen
    assert {str(start)[:10] for _, start in rows} == {"2025-03-01"}
    note = next(n.text for n in model.data_quality_notes if "are provisional" in n.text)
    listed = set(note.split(": ", 1)[1].rstrip(".").split("; "))
    shown = {s.definition.name for s in model.sections if s.definition.id in chosen}
    assert shown and listed == shown


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("pdfinfo") is None, reason="poppler-utils not installed")
def test_the_demo_board_pack_is_sixty_pages_or_fewer(tmp_path: Path) -> None:
    pytest.importorskip("weasyprint")
    result = run_demo(tmp_path, forums=("BOARD",))
    info = subprocess.run(
        ["pdfinfo", str(result.pdf[0])], capture_output=True, text=True, check=True
    ).stdout
    pages = int(next(line for line in info.splitlines() if line.startswith("Pages:")).split()[1])
    assert 20 <= pages <= 60


@pytest.mark.slow
def test_demo_pack_pdf_for_a_small_forum(tmp_path: Path) -> None:
    pytest.importorskip("weasyprint")
    result = run_demo(tmp_path, forums=("ARC",), waits=False)
    assert len(result.pdf) == 1 and result.pdf[0].stat().st_size > 10_000
    assert result.pdf[0].read_bytes().startswith(b"%PDF")
    assert result.waits_metrics == ()


@pytest.mark.slow
@pytest.mark.postgres
def test_demo_loads_into_postgresql(postgres_url: str, tmp_path: Path) -> None:
    result = run_demo(tmp_path, database=postgres_url, forums=(), waits=False)
    from trustboard.store import Store

    store = Store.open(postgres_url)
    try:
        assert store.values_count() == result.values
        assert len(store.forums()) == 7
    finally:
        store.close()
