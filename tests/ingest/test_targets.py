"""read_targets: CSV, Excel and YAML targets, overlaps and problems."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import xlsxwriter

from trustboard.domain import Comparator, Target, TargetType
from trustboard.ingest import read_targets
from trustboard.ingest.targets import overlapping_targets


def test_csv_excel_and_yaml_targets_read_the_same(tmp_path: Path, catalogue):
    rows = [
        ("metric_id", "value", "comparator", "type", "source", "valid_from", "valid_to"),
        ("EFF01", "0.8", ">=", "national_standard", "Schedule 4A", "2020-04-01", ""),
        ("SAF11", "6", "<=", "trajectory", "", "2024-04-01", "2024-09-30"),
        ("SAF11", "5", "<=", "trajectory", "", "2024-10-01", ""),
    ]
    (tmp_path / "t.csv").write_text("\n".join(",".join(r) for r in rows) + "\n")
    book = xlsxwriter.Workbook(str(tmp_path / "t.xlsx"))
    ws = book.add_worksheet("Targets")
    for r, row in enumerate(rows):
        ws.write_row(r, 0, row)
    book.close()
    (tmp_path / "t.yaml").write_text(
        "targets:\n"
        "  - {metric_id: EFF01, value: 0.8, comparator: '>=', type: national_standard,"
        " source: Schedule 4A, valid_from: 2020-04-01}\n"
        "  - {metric_id: SAF11, value: 6, comparator: '<=', type: trajectory,"
        " valid_from: 2024-04-01, valid_to: 2024-09-30}\n"
        "  - {metric_id: SAF11, value: 5, comparator: '<=', type: trajectory,"
        " valid_from: 2024-10-01}\n"
    )
    expected = {
        "EFF01": [
            Target(
                value=0.8,
                comparator=Comparator.GE,
                type=TargetType.NATIONAL_STANDARD,
                source="Schedule 4A",
                valid_from=date(2020, 4, 1),
            )
        ],
        "SAF11": [
            Target(
                value=6,
                comparator=Comparator.LE,
                type=TargetType.TRAJECTORY,
                valid_from=date(2024, 4, 1),
                valid_to=date(2024, 9, 30),
            ),
            Target(
                value=5,
                comparator=Comparator.LE,
                type=TargetType.TRAJECTORY,
                valid_from=date(2024, 10, 1),
            ),
        ],
    }
    for name in ("t.csv", "t.xlsx", "t.yaml"):
        result = read_targets(tmp_path / name, catalogue=catalogue)
        assert result.problems == [], name
        assert result.targets == expected, name


def test_target_problems(tmp_path: Path, catalogue):
    (tmp_path / "t.csv").write_text(
        "metric_id,value,comparator,type,valid_from,valid_to\n"
        "EFF01,0.8,>=,local,2024-04-01,\n"
        "EFF01,0.85,>=,local,2025-01-01,\n"  # overlaps the open-ended row above
        "EFF01,0.9,>=,trajectory,2025-01-01,\n"  # another type: no overlap
        "NOPE,1,>=,local,,\n"
        "SAF04,1,=>,local,,\n"
        "SAF04,1,<=,local,2025-05-01,2025-04-01\n"
    )
    (tmp_path / "no_value.csv").write_text("metric_id,target\nEFF01,1\n")
    result = read_targets(
        [tmp_path / "t.csv", tmp_path / "no_value.csv", tmp_path / "gone.csv"], catalogue=catalogue
    )
    got = {(p.code, Path(p.file).name, p.row, p.column) for p in result.problems}
    assert got == {
        ("TB-T-OVERLAP", "t.csv", 3, "value"),
        ("TB-T-UNKNOWN-METRIC", "t.csv", 5, "metric_id"),
        ("TB-T-FIELD", "t.csv", 6, "comparator"),
        ("TB-T-FIELD", "t.csv", 7, None),
        ("TB-T-MISSING-COLUMN", "no_value.csv", 1, "value"),
        ("TB-T-FILE", "gone.csv", None, None),
    }
    assert len(result.targets["EFF01"]) == 3


def test_overlap_rule_against_a_reference_loop():
    # reference: two targets overlap when some day lies in both (inclusive ranges)
    days = [date(2024, 1, 1), date(2024, 6, 30), date(2024, 7, 1), date(2025, 1, 1)]
    bounds = [None, *days]
    targets = []
    for start in bounds:
        for end in bounds:
            if start and end and end < start:
                continue
            targets.append(Target(value=1, valid_from=start, valid_to=end))
    pairs = set(overlapping_targets(targets))
    probe = [date(2023, 12, 31), *days, date(2025, 1, 2)]
    for j in range(len(targets)):
        for i in range(j):
            shared = any(targets[i].in_force(d) and targets[j].in_force(d) for d in probe)
            assert ((i, j) in pairs) == shared
