"""Problem reports: CSV/JSON files, the plain table, capping, and the codes documented."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

from trustboard.errors import OptionsError, Problem
from trustboard.ingest import CODES, problem_counts, problems_table, write_problem_report
from trustboard.ingest.report import PROBLEM_COLUMNS, CappedProblems

ROOT = Path(__file__).resolve().parents[2]

PROBLEMS = [
    Problem(
        "TB-V-NOT-NUMBER",
        "the value is not a number",
        file="v.csv",
        row=7,
        column="value",
        value="twelve",
        expected="a number",
    ),
    Problem(
        "TB-V-UNKNOWN-ORG",
        "org unit 'MHX' is not in the catalogue",
        file="v.xlsx",
        sheet="£ and é",
        row=3,
        column="org_unit",
        value="MHX",
    ),
]


def test_problems_table_is_plain_rows():
    table = problems_table(PROBLEMS)
    assert [list(r) for r in table] == [list(PROBLEM_COLUMNS)] * 2
    assert table[1]["sheet"] == "£ and é" and table[0]["row"] == 7


def test_csv_report_opens_as_a_table(tmp_path: Path):
    path = write_problem_report(PROBLEMS, tmp_path / "out" / "problems.csv")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["code"] for r in rows] == ["TB-V-NOT-NUMBER", "TB-V-UNKNOWN-ORG"]
    assert rows[0]["row"] == "7" and rows[1]["sheet"] == "£ and é" and rows[1]["expected"] == ""


def test_json_report_counts_the_capped_codes(tmp_path: Path):
    sink = CappedProblems(limit=2)
    for i in range(5):
        sink.add(Problem("TB-V-EMPTY", "blank", file="f.csv", row=i + 2))
    sink.count_more("TB-V-EMPTY", 10)
    problems = sink.problems()
    assert len(problems) == 3 and problems[-1].value == 13 and "13 more" in problems[-1].message
    path = write_problem_report(problems, tmp_path / "p.json")
    payload = json.loads(path.read_text())
    assert payload["counts"] == {"TB-V-EMPTY": 15} == problem_counts(problems)
    assert len(payload["problems"]) == 3


def test_other_suffixes_are_refused(tmp_path: Path):
    with pytest.raises(OptionsError):
        write_problem_report(PROBLEMS, tmp_path / "p.txt")


def test_every_code_is_documented_and_every_used_code_is_known():
    docs = (ROOT / "docs" / "errors.md").read_text()
    documented = set(re.findall(r"`(TB-[VCTN]-[A-Z-]+)`", docs))
    assert set(CODES) <= documented, sorted(set(CODES) - documented)
    used: set[str] = set()
    readers = (
        "catalogue",
        "cells",
        "commentary",
        "entries",
        "report",
        "tables",
        "targets",
        "values",
        "values_layout",
    )
    for name in readers:
        used |= {
            "TB-" + found.replace("_", "-")
            for found in re.findall(
                r"ErrorCode\.([VCTN]_[A-Z_]+)",
                (ROOT / "src" / "trustboard" / "ingest" / f"{name}.py").read_text(),
            )
        }
    assert len(used) > 30
    assert used <= set(CODES), sorted(used - set(CODES))
    imports = (ROOT / "docs" / "imports.md").read_text()
    for column in (
        "metric_id",
        "period",
        "org_unit",
        "numerator",
        "denominator",
        "value",
        "provisional",
        "measure",
    ):
        assert f"`{column}`" in imports
