"""read_catalogue: the same catalogue as YAML, CSV and Excel, and every catalogue problem."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
import xlsxwriter

from trustboard.domain import Comparator, TargetType
from trustboard.ingest import CODES, read_catalogue

from .conftest import FIXTURES


def _excel_catalogue(folder: Path) -> Path:
    """The CSV catalogue written as metrics.xlsx (sheets metrics and targets) at test time."""
    folder.mkdir()
    for name in ("org_units.yaml", "forums.yaml"):
        shutil.copy(FIXTURES / "catalogue_csv" / name, folder / name)
    book = xlsxwriter.Workbook(str(folder / "metrics.xlsx"))
    for sheet, source in (("Metrics", "metrics.csv"), ("Targets", "targets.csv")):
        ws = book.add_worksheet(sheet)
        with (FIXTURES / "catalogue_csv" / source).open(newline="") as handle:
            for r, row in enumerate(csv.reader(handle)):
                for c, cell in enumerate(row):
                    if cell:
                        # numbers as numbers, as a person typing into Excel would get them
                        try:
                            ws.write_number(r, c, float(cell)) if r else ws.write(r, c, cell)
                        except ValueError:
                            ws.write(r, c, cell)
    book.close()
    return folder


def test_yaml_csv_and_excel_catalogues_read_the_same(tmp_path: Path, catalogue_read):
    as_csv = read_catalogue(FIXTURES / "catalogue_csv")
    as_excel = read_catalogue(_excel_catalogue(tmp_path / "excel"))
    assert as_csv.problems == [] and as_excel.problems == []
    assert as_csv.metrics == catalogue_read.metrics
    assert as_excel.metrics == catalogue_read.metrics
    assert (
        as_excel.org_units == catalogue_read.org_units and as_excel.forums == catalogue_read.forums
    )


def test_catalogue_content_matches_the_fixture(catalogue_read):
    metrics = catalogue_read.metrics_by_id()
    assert list(metrics) == ["EFF01", "SAF04", "SAF11", "WEL01", "SAF06", "EFF10", "FIN01"]
    falls = metrics["SAF11"]
    assert falls.multiplier == 1000 and [t.value for t in falls.targets] == [6, 5.5]
    assert falls.targets[0].comparator is Comparator.LE
    assert metrics["EFF01"].targets[0].type is TargetType.NATIONAL_STANDARD
    assert metrics["EFF01"].lead_committees == ("QAC",)
    assert {u.code: u.parent for u in catalogue_read.org_units}["MH-ACUTE"] == "MH"


def test_metrics_may_be_split_across_files(tmp_path: Path, catalogue_read):
    folder = tmp_path / "split"
    shutil.copytree(FIXTURES / "catalogue", folder)
    text = (folder / "metrics.yaml").read_text()
    head, tail = text.split("  - id: WEL01")
    (folder / "metrics.yaml").unlink()
    (folder / "metrics").mkdir()
    (folder / "metrics" / "a.yaml").write_text(head)
    (folder / "metrics" / "b.yaml").write_text("metrics:\n  - id: WEL01" + tail)
    result = read_catalogue(folder)
    assert result.problems == []
    assert result.metrics == catalogue_read.metrics


BAD_ORG_UNITS = """\
org_units:
  - {code: TRUST, name: Trust, level: trust}
  - {code: MH, name: Mental health, level: directorate, parent: TRUST}
  - {code: TEAM1, name: Team one, level: team, parent: NOWHERE}
  - {code: A, name: A, level: service, parent: B}
  - {code: B, name: B, level: service, parent: A}
  - {code: MH, name: Again, level: directorate, parent: TRUST}
  - {code: X, name: X, level: region}
"""

BAD_FORUMS = """\
forums:
  - id: QAC
    name: Quality Assurance Committee
    committees: [QAC]
  - id: BOARD
    name: Board
    kind: board
    include_metrics: [M1, GHOST]
  - id: QAC
    name: Duplicate
"""

BAD_METRICS = """\
metrics:
  - id: M1
    name: One
    domain: SAFE
    unit: count
    polarity: lower_is_better
    lead_committees: [QAC, Quality]
    directorate: CHS
    targets:
      - {value: 0, comparator: "<=", type: local, valid_from: 2024-04-01}
      - {value: 1, comparator: "<=", type: local, valid_from: 2025-01-01}
      - {value: 2, comparator: "<=", type: trajectory, valid_from: 2025-01-01}
  - id: M1
    name: One again
    domain: SAFE
    unit: count
    polarity: lower_is_better
  - id: M2
    name: Two
    domain: SAFE
    unit: percentage
    polarty: lower_is_better
    triangulate_with: [M9]
    targets:
      - {value: high, valid_from: 2024-13-01}
  - id: M3
    name: Three
    domain: CARING
    unit: count
    polarity: neutral
    chart_type: p
"""


@pytest.fixture
def bad_catalogue(tmp_path: Path) -> Path:
    (tmp_path / "org_units.yaml").write_text(BAD_ORG_UNITS)
    (tmp_path / "forums.yaml").write_text(BAD_FORUMS)
    (tmp_path / "metrics.yaml").write_text(BAD_METRICS)
    return tmp_path


def test_every_catalogue_problem_is_reported_with_its_yaml_path(bad_catalogue: Path):
    result = read_catalogue(bad_catalogue)
    got = {(p.code, Path(p.file).name, p.column) for p in result.problems}
    expected = {
        ("TB-C-UNKNOWN-PARENT", "org_units.yaml", "org_units[2].parent"),
        ("TB-C-CYCLE", "org_units.yaml", "org_units[3].parent"),
        ("TB-C-DUPLICATE-ORG", "org_units.yaml", "org_units[5].code"),
        ("TB-C-FIELD", "org_units.yaml", "org_units[6].level"),
        ("TB-C-DUPLICATE-FORUM", "forums.yaml", "forums[2].id"),
        ("TB-C-UNKNOWN-METRIC", "forums.yaml", "forums[1].include_metrics[1]"),
        ("TB-C-UNKNOWN-DIRECTORATE", "metrics.yaml", "metrics[0].directorate"),
        ("TB-C-UNKNOWN-COMMITTEE", "metrics.yaml", "metrics[0].lead_committees[1]"),
        ("TB-T-OVERLAP", "metrics.yaml", "metrics[0].targets[1].valid_from"),
        ("TB-C-DUPLICATE-METRIC", "metrics.yaml", "metrics[1].id"),
        ("TB-C-FIELD", "metrics.yaml", "metrics[2].unit"),
        ("TB-C-UNKNOWN-FIELD", "metrics.yaml", "metrics[2].polarty"),
        ("TB-C-REQUIRED", "metrics.yaml", "metrics[2].polarity"),
        ("TB-C-FIELD", "metrics.yaml", "metrics[2].targets[0].value"),
        ("TB-C-FIELD", "metrics.yaml", "metrics[2].targets[0].valid_from"),
        ("TB-C-FIELD", "metrics.yaml", "metrics[3]"),
    }
    assert got == expected
    by_column = {p.column: p for p in result.problems}
    # lines as a person counts them in metrics.yaml
    assert "(line 21)" in by_column["metrics[2].unit"].message
    assert "(line 25)" in by_column["metrics[2].targets[0].value"].message
    assert "did you mean 'polarity'" in by_column["metrics[2].polarty"].message
    assert by_column["metrics[2].unit"].value == "percentage"
    assert "percent" in (by_column["metrics[2].unit"].expected or "")
    assert "denominator" in by_column["metrics[3]"].message
    assert (
        "A → B → A" in by_column["org_units[3].parent"].message
        or "B → A → B" in by_column["org_units[3].parent"].message
    )
    # the valid parts are still returned
    assert [m.id for m in result.metrics] == ["M1"]
    assert {u.code for u in result.org_units} == {"TRUST", "MH", "TEAM1", "A", "B"}
    assert all(p.code in CODES for p in result.problems)


def test_triangulation_with_an_unknown_metric(tmp_path: Path):
    shutil.copytree(FIXTURES / "catalogue", tmp_path / "c")
    path = tmp_path / "c" / "metrics.yaml"
    path.write_text(
        path.read_text().replace("triangulate_with: [WEL01]", "triangulate_with: [WEL99]")
    )
    result = read_catalogue(tmp_path / "c")
    assert [(p.code, p.column, p.value) for p in result.problems] == [
        ("TB-C-UNKNOWN-METRIC", "metrics[6].triangulate_with[0]", "WEL99")
    ]


def test_sheet_catalogue_problems_name_row_and_column(tmp_path: Path):
    folder = tmp_path / "c"
    shutil.copytree(FIXTURES / "catalogue_csv", folder)
    lines = (folder / "metrics.csv").read_text().splitlines()
    lines[2] = lines[2].replace(",0,<=,", ",0,=<,")  # SAF04's target comparator (row 3)
    lines[4] = lines[4].replace(",percent,", ",pct,")  # WEL01's unit (row 5)
    (folder / "metrics.csv").write_text("\n".join(lines) + "\n")
    (folder / "targets.csv").write_text(
        "metric_id,value,comparator,type,source,valid_from,valid_to\n"
        "SAF11,5.5,<=,local,,2024-04-01,\nSAF11,five,<=,local,,,\n"
        "SAF99,1,<=,local,,,\n"
    )
    result = read_catalogue(folder)
    got = {(p.code, Path(p.file).name, p.row, p.column, p.value) for p in result.problems}
    assert got == {
        ("TB-C-FIELD", "metrics.csv", 3, "target_comparator", "=<"),
        ("TB-C-FIELD", "metrics.csv", 5, "unit", "pct"),
        ("TB-C-FIELD", "targets.csv", 3, "value", "five"),
        ("TB-C-UNKNOWN-METRIC", "targets.csv", 4, "metric_id", "SAF99"),
    }


def test_overlap_between_a_row_target_and_a_targets_sheet_row(tmp_path: Path):
    folder = tmp_path / "c"
    shutil.copytree(FIXTURES / "catalogue_csv", folder)
    # SAF11's row target runs 2023-04-01 to 2024-03-31; this one starts inside it
    (folder / "targets.csv").write_text(
        "metric_id,value,comparator,type,source,valid_from,valid_to\n"
        "SAF11,5.5,<=,local,,2024-01-01,\n"
    )
    result = read_catalogue(folder)
    assert [(p.code, Path(p.file).name, p.row, p.column) for p in result.problems] == [
        ("TB-T-OVERLAP", "targets.csv", 2, "valid_from")
    ]


def test_unreadable_and_missing_files(tmp_path: Path):
    (tmp_path / "org_units.yaml").write_text("org_units:\n  - code: TRUST\n    name: [unclosed\n")
    result = read_catalogue(tmp_path)
    messages = {(p.code, Path(p.file).name): p.message for p in result.problems}
    assert set(messages) == {
        ("TB-C-FILE", "org_units.yaml"),
        ("TB-C-FILE", "forums.yaml"),
        ("TB-C-FILE", tmp_path.name),
    }
    assert (
        "line 4" in messages[("TB-C-FILE", "org_units.yaml")]
        or "line 3" in messages[("TB-C-FILE", "org_units.yaml")]
    )
    assert read_catalogue(tmp_path / "absent").problems[0].code == "TB-C-FILE"


def test_wrong_shape_is_a_structure_problem(tmp_path: Path):
    shutil.copytree(FIXTURES / "catalogue", tmp_path / "c")
    (tmp_path / "c" / "forums.yaml").write_text("forums:\n  QAC: Quality\n")
    result = read_catalogue(tmp_path / "c")
    assert "TB-C-STRUCTURE" in {p.code for p in result.problems}


def test_rebase_sheet_rows_attach_to_their_metric(tmp_path: Path):
    folder = tmp_path / "c"
    shutil.copytree(FIXTURES / "catalogue_csv", folder)
    (folder / "rebase.csv").write_text(
        "metric_id,date,reason\nEFF01,2024-10-01,New follow-up process\n"
    )
    result = read_catalogue(folder)
    assert result.problems == []
    rebase = result.metrics_by_id()["EFF01"].rebase
    assert [(r.date.isoformat(), r.reason) for r in rebase] == [
        ("2024-10-01", "New follow-up process")
    ]
    (folder / "rebase.csv").write_text(
        "metric_id,date,reason\nEFF01,2024-10-01,ok\nEFF01,2024-11-01,\n"
    )
    again = read_catalogue(folder)
    assert [(p.code, Path(p.file).name, p.row, p.column) for p in again.problems] == [
        ("TB-C-REQUIRED", "rebase.csv", 3, "reason")
    ]
