"""read_commentary: Markdown with front matter, YAML lists, actions, and their problems."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from trustboard.domain import COMMENTARY_SECTIONS, ActionStatus, AssuranceLevel
from trustboard.ingest import CODES, read_commentary, section_key

from .conftest import FIXTURES

FOLDER = FIXTURES / "commentary"


def test_markdown_and_yaml_commentary(catalogue, org_units):
    result = read_commentary(
        [FOLDER / "EFF01-2025-03.md", FOLDER / "commentary.yaml"],
        catalogue=catalogue,
        org_units=org_units,
    )
    assert result.problems == []
    by_metric = {c.metric_id: c for c in result.commentary}
    eff = by_metric["EFF01"]
    assert (eff.period, eff.org_unit, eff.assurance_level) == (
        "2025-03",
        "MH",
        AssuranceLevel.PARTIALLY_ASSURED,
    )
    assert set(eff.sections) == {"chart_shows", "background", "root_causes", "assurance"}
    assert eff.sections["root_causes"] == "Weekend discharges are followed up late."
    assert (
        by_metric["SAF04"].sections["data_quality"].startswith("Figures from the incident system")
    )
    # a quarter written in the financial-year form is kept in its canonical label
    assert by_metric["SAF06"].period == "2024-25 Q4"
    actions = {a.id: a for a in result.actions}
    assert set(actions) == {"EFF01-A1", "EFF01-A2", "SAF06-A1"}
    assert (
        actions["EFF01-A1"].status is ActionStatus.ON_TRACK
        and actions["EFF01-A1"].metric_id == "EFF01"
    )
    assert actions["EFF01-A2"].slippage_days == 31
    assert actions["SAF06-A1"].completed == date(2025, 5, 20)


def test_section_headings_match_loosely():
    for key, title in COMMENTARY_SECTIONS.items():
        assert section_key(title) == key
        assert section_key(title.upper() + ":") == key
        assert section_key(key) == key
    assert section_key("Risks & mitigations") == "risks"
    assert section_key("Root causes") == "root_causes"
    assert section_key("Summary") == "summary"
    assert section_key("Conclusion") is None


def test_every_commentary_problem(catalogue, org_units):
    result = read_commentary(
        [FOLDER / "EFF01-2025-03.md", FOLDER / "bad.md", FOLDER / "bad.yaml"],
        catalogue=catalogue,
        org_units=org_units,
    )
    got = {(p.code, Path(p.file).name, p.row, p.column, p.value) for p in result.problems}
    assert got == {
        # bad.md: a calendar quarter for a monthly metric, an unknown org unit, and its actions
        ("TB-N-PERIOD", "bad.md", None, "period", "2025-Q1"),
        ("TB-N-UNKNOWN-ORG", "bad.md", None, "org_unit", "MHX"),
        ("TB-N-DATE", "bad.md", None, "actions[0].due", "31/04/2025"),
        ("TB-N-STATUS", "bad.md", None, "actions[0].status", "done"),
        ("TB-N-DUPLICATE", "bad.md", None, "actions[1].id", "EFF01-A1"),
        ("TB-N-TEXT-OUTSIDE-SECTION", "bad.md", 16, None, None),
        ("TB-N-UNKNOWN-SECTION", "bad.md", 21, "## Wider context", "Wider context"),
        # bad.yaml
        ("TB-N-UNKNOWN-METRIC", "bad.yaml", None, "[0].metric", "NOPE01"),
        ("TB-N-PERIOD", "bad.yaml", None, "[1].period", "Smarch"),
        ("TB-N-FIELD", "bad.yaml", None, "[2].assurance_level", "fully_assured"),
        ("TB-N-UNKNOWN-SECTION", "bad.yaml", None, "[2].sections.Conclusion", "Conclusion"),
        ("TB-N-FIELD", "bad.yaml", None, "[3].colour", None),
    }
    assert all(p.code in CODES for p in result.problems)
    by_code = {p.code: p for p in result.problems}
    assert "(line 9)" in by_code["TB-N-DATE"].message  # the due date's line in bad.md
    unknown_heading = [
        p for p in result.problems if p.code == "TB-N-UNKNOWN-SECTION" and p.row == 21
    ]
    assert "(line 21)" in unknown_heading[0].message


def test_duplicate_commentary_and_missing_files(tmp_path: Path, catalogue, org_units):
    entry = "metric: SAF04\nperiod: 2025-03\nsections:\n  chart_shows: text\n"
    (tmp_path / "a.yaml").write_text(entry)
    (tmp_path / "b.yaml").write_text(entry)
    (tmp_path / "c.txt").write_text("x")
    result = read_commentary(
        [tmp_path / "a.yaml", tmp_path / "b.yaml", tmp_path / "c.txt", tmp_path / "gone.md"],
        catalogue=catalogue,
        org_units=org_units,
    )
    assert [(p.code, Path(p.file).name) for p in result.problems] == [
        ("TB-N-DUPLICATE", "b.yaml"),
        ("TB-N-FILE", "c.txt"),
        ("TB-N-FILE", "gone.md"),
    ]
    assert len(result.commentary) == 1


def test_a_folder_is_searched(tmp_path: Path, catalogue, org_units):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "x.md").write_text(
        "---\nmetric: SAF04\nperiod: Mar-25\n---\n## Actions\nSee the log.\n"
    )
    result = read_commentary(tmp_path, catalogue=catalogue, org_units=org_units)
    assert result.problems == []
    assert result.commentary[0].period == "2025-03" and result.commentary[0].sections == {
        "actions": "See the log."
    }


def test_markdown_without_front_matter(tmp_path: Path, catalogue, org_units):
    (tmp_path / "x.md").write_text("## What the chart shows\ntext\n")
    (tmp_path / "y.md").write_text("---\nmetric: [unclosed\n---\n")
    result = read_commentary(
        [tmp_path / "x.md", tmp_path / "y.md"], catalogue=catalogue, org_units=org_units
    )
    assert [(p.code, Path(p.file).name) for p in result.problems] == [
        ("TB-N-FILE", "x.md"),
        ("TB-N-FILE", "y.md"),
    ]
    assert "line" in result.problems[1].message
