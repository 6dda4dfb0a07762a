"""read_values: layouts, formats, and the rows and columns that problems name."""

from __future__ import annotations

import math
from datetime import date, datetime
from pathlib import Path

import polars as pl
import pytest
import xlsxwriter

from trustboard.ingest import CODES, MAX_PROBLEMS_PER_CODE, VALUES_SCHEMA, read_values
from trustboard.ingest.tables import _calamine_first_row, _xlsx_first_rows

from .conftest import FIXTURES, TODAY

BAD = FIXTURES / "values_bad"

# Hand-worked expectations for values_long.csv: (metric, start, end, org, num, den, value,
# provisional, row).  Values without a value cell are numerator / denominator x multiplier.
EXPECTED_LONG = [
    ("EFF01", date(2024, 4, 1), date(2024, 4, 30), "MH", 41.0, 50.0, 0.82, False, 2),
    ("EFF01", date(2024, 5, 1), date(2024, 5, 31), "MH", 38.0, 50.0, 0.76, False, 3),
    ("EFF01", date(2024, 6, 1), date(2024, 6, 30), "MH", 45.0, 52.0, 0.865, True, 4),
    ("SAF04", date(2024, 4, 1), date(2024, 4, 30), "TRUST", None, None, 0.0, False, 5),
    ("SAF04", date(2024, 5, 1), date(2024, 5, 31), "TRUST", None, None, 1.0, False, 6),
    ("SAF04", date(2024, 6, 1), date(2024, 6, 30), "TRUST", None, None, 0.0, False, 7),
    ("SAF11", date(2024, 4, 1), date(2024, 4, 30), "CHS", 12.0, 2100.0, 12 / 2100 * 1000, False, 8),
    ("SAF11", date(2024, 5, 1), date(2024, 5, 31), "CHS", 9.0, 2050.0, 4.39, False, 9),
    ("SAF06", date(2024, 4, 1), date(2024, 6, 30), "TRUST", None, None, 0.93, False, 10),
    ("EFF10", date(2024, 6, 3), date(2024, 6, 9), "CHS", None, None, 14.0, False, 11),
    ("EFF10", date(2024, 6, 10), date(2024, 6, 16), "CHS", None, None, 11.0, False, 12),
    ("FIN01", date(2024, 6, 1), date(2024, 6, 30), "TRUST", None, None, -1250.0, False, 13),
    (
        "WEL01",
        date(2024, 6, 1),
        date(2024, 6, 30),
        "TRUST",
        1120.0,
        24800.0,
        1120 / 24800,
        False,
        14,
    ),
]


def _read(paths, catalogue, org_units):
    return read_values(paths, catalogue=catalogue, org_units=org_units, today=TODAY)


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def test_valid_long_csv_reads_every_row_as_worked_by_hand(catalogue, org_units):
    result = _read(FIXTURES / "values_long.csv", catalogue, org_units)
    assert result.problems == []
    assert dict(result.frame.schema) == VALUES_SCHEMA
    rows = result.frame.sort("row").rows()
    assert len(rows) == len(EXPECTED_LONG)
    for got, want in zip(rows, EXPECTED_LONG, strict=True):
        metric, start, end, org, num, den, value, prov, source, _digest, sheet, row = got
        assert (metric, start, end, org, prov, row) == (
            want[0],
            want[1],
            want[2],
            want[3],
            want[7],
            want[8],
        )
        assert _close(num, want[4]) and _close(den, want[5]) and _close(value, want[6]), (got, want)
        assert source == str(FIXTURES / "values_long.csv") and sheet is None
    import hashlib

    assert rows[0][9] == hashlib.sha256((FIXTURES / "values_long.csv").read_bytes()).hexdigest()


BAD_FILES = sorted(p for p in BAD.iterdir() if p.stem.startswith("TB-V-"))

# where each single-problem file's problem is: (row, column, value), worked out from the file
BAD_WHERE = {
    "TB-V-FILE": (None, None, str(BAD / "TB-V-FILE.xlsx")),
    "TB-V-MISSING-COLUMN": (1, "period", None),
    "TB-V-COLUMN": (1, "Value", None),
    "TB-V-EMPTY": (2, "org_unit", None),
    "TB-V-UNKNOWN-METRIC": (2, "metric_id", "SAF4"),
    "TB-V-UNKNOWN-ORG": (2, "org_unit", "MHX"),
    "TB-V-PERIOD": (2, "period", "Smarch 2024"),
    "TB-V-PERIOD-FREQUENCY": (2, "period", "2024-06"),
    "TB-V-FUTURE": (2, "period", "2026-01"),
    "TB-V-DUPLICATE": (3, "metric_id", "SAF04"),
    "TB-V-NOT-NUMBER": (2, "value", "twelve"),
    "TB-V-NEGATIVE": (2, "value", "-1"),
    "TB-V-ZERO-DEN": (2, "denominator", "0"),
    "TB-V-IMPLAUSIBLE": (2, "value", "0.5"),
    "TB-V-NUM-GT-DEN": (2, "numerator", "90"),
    "TB-V-VALUE-MISMATCH": (2, "value", "0.7"),
    "TB-V-PERCENT-SCALE": (2, "value", "4.5"),
    "TB-V-BOOL": (2, "provisional", "maybe"),
    "TB-V-MEASURE": (2, "measure", "numerators"),
}


@pytest.mark.parametrize("path", BAD_FILES, ids=lambda p: p.stem)
def test_each_bad_file_reports_its_code_and_place(path: Path, catalogue, org_units):
    result = _read(path, catalogue, org_units)
    assert {p.code for p in result.problems} == {path.stem}
    problem = result.problems[0]
    row, column, value = BAD_WHERE[path.stem]
    assert problem.file == str(path)
    assert (problem.row, problem.column) == (row, column)
    if value is not None:
        assert problem.value == value
    assert problem.code in CODES


def test_every_value_code_is_covered_by_a_bad_file():
    value_codes = {c for c in CODES if c.startswith("TB-V-")}
    assert value_codes == {p.stem for p in BAD_FILES} == set(BAD_WHERE)


# (code, row, column, value) of each problem in all_problems.csv, worked out row by row
ALL_AT_ONCE = {
    ("TB-V-UNKNOWN-METRIC", 3, "metric_id", "SAF4"),
    ("TB-V-UNKNOWN-ORG", 4, "org_unit", "MHX"),
    ("TB-V-PERIOD", 5, "period", "Smarch 2024"),
    ("TB-V-PERIOD-FREQUENCY", 6, "period", "2024-06"),
    ("TB-V-FUTURE", 7, "period", "2026-01"),
    ("TB-V-DUPLICATE", 8, "metric_id", "SAF04"),
    ("TB-V-NOT-NUMBER", 9, "value", "twelve"),
    ("TB-V-NEGATIVE", 10, "value", "-1"),
    ("TB-V-ZERO-DEN", 11, "denominator", "0"),
    ("TB-V-NUM-GT-DEN", 12, "numerator", "90"),
    ("TB-V-VALUE-MISMATCH", 13, "value", "0.7"),
    ("TB-V-PERCENT-SCALE", 14, "value", "4.5"),
    ("TB-V-BOOL", 15, "provisional", "maybe"),
    ("TB-V-EMPTY", 16, "org_unit", None),
    ("TB-V-IMPLAUSIBLE", 17, "value", "2.5"),
}


def test_every_problem_at_once(catalogue, org_units):
    files = [
        BAD / "all_problems.csv",
        BAD / "TB-V-FILE.xlsx",
        BAD / "TB-V-MISSING-COLUMN.csv",
        BAD / "TB-V-COLUMN.csv",
        BAD / "TB-V-MEASURE.csv",
    ]
    result = _read(files, catalogue, org_units)
    in_all = {
        (p.code, p.row, p.column, p.value)
        for p in result.problems
        if p.file == str(BAD / "all_problems.csv")
    }
    assert in_all == ALL_AT_ONCE
    assert {p.code for p in result.problems} == {c for c in CODES if c.startswith("TB-V-")}
    # only row 2 of all_problems.csv is sound; TB-V-COLUMN.csv's one row repeats it
    assert result.frame["row"].to_list() == [2]
    repeats = [
        p
        for p in result.problems
        if p.file == str(BAD / "TB-V-COLUMN.csv") and p.code == "TB-V-DUPLICATE"
    ]
    assert len(repeats) == 1 and "all_problems.csv" in repeats[0].message
    assert result.counts["TB-V-EMPTY"] == 1


def _small_table() -> list[tuple[str, str, str, float | None, float | None, float | None]]:
    """(metric, month, org, numerator, denominator, value) for the layout comparisons."""
    rows = []
    months = ["2024-04", "2024-05", "2024-06"]
    for i, month in enumerate(months):
        rows.append(("EFF01", month, "MH", 40.0 + i, 50.0, (40.0 + i) / 50.0))
        rows.append(("SAF04", month, "TRUST", None, None, float(i % 2)))
        rows.append(("SAF04", month, "MH", None, None, float(i)))
        rows.append(("SAF11", month, "CHS", 10.0 + i, 2000.0 + 10 * i, None))
    return rows


def _write_long_csv(path: Path, rows) -> None:
    lines = ["metric_id,period,org_unit,numerator,denominator,value,provisional"]
    for m, month, org, num, den, val in rows:
        cells = ["" if x is None else repr(x) for x in (num, den, val)]
        lines.append(",".join([m, month, org, *cells, "no"]))
    path.write_text("\n".join(lines) + "\n")


def _write_wide_excel(path: Path, rows) -> None:
    months = sorted({r[1] for r in rows})
    book = xlsxwriter.Workbook(str(path))
    date_format = book.add_format({"num_format": "mmm-yy"})
    headers = {
        "Mental health": lambda ws, col, m: ws.write(0, col, m),
        "Trust": lambda ws, col, m: ws.write_datetime(
            0, col, datetime.strptime(m, "%Y-%m"), date_format
        ),
        "Community": lambda ws, col, m: ws.write(
            0, col, datetime.strptime(m, "%Y-%m").strftime("%b %Y")
        ),
    }
    sheet_of = {"EFF01": "Mental health", "SAF04": "Trust", "SAF11": "Community"}
    for sheet_name, write_header in headers.items():
        ws = book.add_worksheet(sheet_name)
        ws.write_row(0, 0, ["metric_id", "Metric name", "org_unit", "measure"])
        for j, m in enumerate(months):
            write_header(ws, 4 + j, m)
        r = 1
        keys = sorted({(x[0], x[2]) for x in rows if sheet_of[x[0]] == sheet_name})
        for metric, org in keys:
            cells = {x[1]: x for x in rows if (x[0], x[2]) == (metric, org)}
            for measure, index in (("numerator", 3), ("denominator", 4), ("value", 5)):
                figures = [cells[m][index] if m in cells else None for m in months]
                if all(f is None for f in figures):
                    continue
                ws.write_row(r, 0, [metric, "a name", org, measure])
                for j, f in enumerate(figures):
                    if f is not None:
                        ws.write_number(r, 4 + j, f)
                r += 1
    book.close()


def _comparable(frame: pl.DataFrame) -> list[tuple]:
    return (
        frame.select(
            "metric_id",
            "period_start",
            "period_end",
            "org_unit",
            "numerator",
            "denominator",
            pl.col("value").round(12),
            "provisional",
        )
        .sort("metric_id", "org_unit", "period_start")
        .rows()
    )


def test_wide_excel_with_several_sheets_reads_like_long_csv(tmp_path: Path, catalogue, org_units):
    rows = _small_table()
    _write_long_csv(tmp_path / "long.csv", rows)
    _write_wide_excel(tmp_path / "wide.xlsx", rows)
    long = _read(tmp_path / "long.csv", catalogue, org_units)
    wide = _read(tmp_path / "wide.xlsx", catalogue, org_units)
    assert long.problems == [] and wide.problems == []
    assert _comparable(wide.frame) == _comparable(long.frame)
    assert set(wide.frame["sheet"].unique()) == {"Mental health", "Trust", "Community"}
    # value computed from numerator/denominator x 1000 for SAF11 April: 10 / 2000 x 1000
    saf11 = wide.frame.filter(
        (pl.col("metric_id") == "SAF11") & (pl.col("period_start") == date(2024, 4, 1))
    )
    assert saf11["value"].item() == pytest.approx(5.0)


def test_parquet_reads_like_long_csv(tmp_path: Path, catalogue, org_units):
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = _small_table()
    _write_long_csv(tmp_path / "long.csv", rows)
    table = pa.table(
        {
            "metric_id": [r[0] for r in rows],
            "period": [date.fromisoformat(r[1] + "-01") for r in rows],
            "org_unit": [r[2] for r in rows],
            "numerator": pa.array([r[3] for r in rows], pa.float64()),
            "denominator": pa.array([r[4] for r in rows], pa.float64()),
            "value": pa.array([r[5] for r in rows], pa.float64()),
            "provisional": [False] * len(rows),
        }
    )
    pq.write_table(table, tmp_path / "values.parquet")
    parquet = _read(tmp_path / "values.parquet", catalogue, org_units)
    long = _read(tmp_path / "long.csv", catalogue, org_units)
    assert parquet.problems == []
    assert _comparable(parquet.frame) == _comparable(long.frame)
    assert parquet.frame["row"].to_list() == list(range(2, len(rows) + 2))


def test_percentage_declarations(tmp_path: Path, catalogue, org_units):
    (tmp_path / "pct_header.csv").write_text(
        "metric_id,period,org_unit,value (%)\nWEL01,2024-04,TRUST,4.5\nWEL01,2024-05,TRUST,4.1%\n"
    )
    result = _read(tmp_path / "pct_header.csv", catalogue, org_units)
    assert result.problems == []
    assert result.frame.sort("period_start")["value"].to_list() == pytest.approx([0.045, 0.041])
    (tmp_path / "count_pct.csv").write_text(
        "metric_id,period,org_unit,value\nSAF04,2024-04,TRUST,5%\n"
    )
    wrong = _read(tmp_path / "count_pct.csv", catalogue, org_units)
    assert [(p.code, p.value) for p in wrong.problems] == [("TB-V-PERCENT-SCALE", "5%")]


def test_dates_must_start_or_end_a_period_of_the_metric(tmp_path: Path, catalogue, org_units):
    # 2025-03-03 is a Monday and 2025-03-09 the Sunday that ends its ISO week; 2025-03-05 is
    # mid-week
    (tmp_path / "weeks.csv").write_text(
        "metric_id,period,org_unit,value\nEFF10,2025-03-03,CHS,4\nEFF10,2025-03-16,CHS,5\n"
        "EFF10,2025-03-05,CHS,6\nSAF06,2024-06-30,TRUST,0.9\nSAF06,2025-Q1,TRUST,0.8\n"
    )
    result = _read(tmp_path / "weeks.csv", catalogue, org_units)
    assert [(p.code, p.row) for p in result.problems] == [("TB-V-PERIOD-FREQUENCY", 4)]
    got = {(r[0], r[1]) for r in result.frame.select("metric_id", "period_start").rows()}
    assert got == {
        ("EFF10", date(2025, 3, 3)),
        ("EFF10", date(2025, 3, 10)),
        ("SAF06", date(2024, 4, 1)),
        ("SAF06", date(2025, 1, 1)),
    }


def test_duplicates_across_files_name_the_first(tmp_path: Path, catalogue, org_units):
    (tmp_path / "a.csv").write_text("metric_id,period,org_unit,value\nSAF04,2024-04,TRUST,1\n")
    (tmp_path / "b.csv").write_text(
        "metric_id,period,org_unit,value\nSAF04,2024-05,TRUST,1\nSAF04,2024-04-30,TRUST,2\n"
    )
    result = _read([tmp_path / "a.csv", tmp_path / "b.csv"], catalogue, org_units)
    assert [(p.code, p.file, p.row) for p in result.problems] == [
        ("TB-V-DUPLICATE", str(tmp_path / "b.csv"), 3)
    ]
    assert str(tmp_path / "a.csv") in result.problems[0].message
    assert "row 2" in result.problems[0].message
    assert result.frame.height == 2


def test_problems_are_capped_per_code_and_the_rest_counted(tmp_path: Path, catalogue, org_units):
    n = MAX_PROBLEMS_PER_CODE + 345
    lines = ["metric_id,period,org_unit,value"] + [f"NOPE{i},2024-04,TRUST,1" for i in range(n)]
    (tmp_path / "many.csv").write_text("\n".join(lines) + "\n")
    result = _read(tmp_path / "many.csv", catalogue, org_units)
    listed = [p for p in result.problems if p.row is not None]
    assert len(listed) == MAX_PROBLEMS_PER_CODE
    assert [p.row for p in listed] == list(range(2, MAX_PROBLEMS_PER_CODE + 2))
    closing = [p for p in result.problems if p.row is None]
    assert len(closing) == 1 and closing[0].value == 345 and "345 more" in closing[0].message
    assert result.counts == {"TB-V-UNKNOWN-METRIC": n}


def test_excel_rows_are_the_rows_a_person_sees(tmp_path: Path, catalogue, org_units):
    book = xlsxwriter.Workbook(str(tmp_path / "offset.xlsx"))
    ws = book.add_worksheet("Data")
    # two empty rows above the header, and an empty row among the data
    ws.write_row(2, 0, ["metric_id", "period", "org_unit", "value"])
    ws.write_row(3, 0, ["SAF04", "2024-04", "TRUST", 1])
    ws.write_row(5, 0, ["SAF04", "2024-05", "TRUST", "lots"])
    book.add_worksheet("Empty")
    book.close()
    result = _read(tmp_path / "offset.xlsx", catalogue, org_units)
    assert [(p.code, p.sheet, p.row, p.column) for p in result.problems] == [
        ("TB-V-NOT-NUMBER", "Data", 6, "value")
    ]
    assert result.frame["row"].to_list() == [4]
    # the quick scan of the sheet's XML agrees with calamine's own reading of the sheet
    data = (tmp_path / "offset.xlsx").read_bytes()
    assert _xlsx_first_rows(data)["Data"] == _calamine_first_row(data, "Data") == 3


def test_wide_provisional_columns_and_unknown_headers(tmp_path: Path, catalogue, org_units):
    (tmp_path / "wide.csv").write_text(
        "metric_id,org_unit,Notes,2024-04,2024-05 (p),Aprl-24\nSAF04,TRUST,steady,1,2,\n"
    )
    result = _read(tmp_path / "wide.csv", catalogue, org_units)
    assert [(p.code, p.row, p.column) for p in result.problems] == [("TB-V-COLUMN", 1, "Aprl-24")]
    frame = result.frame.sort("period_start")
    assert frame["provisional"].to_list() == [False, True]
    assert frame["value"].to_list() == [1.0, 2.0]


def test_wide_frequency_problem_names_the_period_header(tmp_path: Path, catalogue, org_units):
    (tmp_path / "wide.csv").write_text(
        "metric_id,org_unit,Apr-24,May-24\nSAF04,TRUST,1,2\nSAF06,TRUST,,0.9\n"
    )
    result = _read(tmp_path / "wide.csv", catalogue, org_units)
    assert [(p.code, p.row, p.column, p.value) for p in result.problems] == [
        ("TB-V-PERIOD-FREQUENCY", 3, "May-24", "May-24")
    ]


def test_number_forms_that_analysts_type(tmp_path: Path, catalogue, org_units):
    (tmp_path / "forms.csv").write_text(
        'metric_id,period,org_unit,value\nFIN01,2024-04,TRUST,"£1,234.5"\nFIN01,2024-05,TRUST,(250)\n'
        "FIN01,2024-06,TRUST, 17 \n"
    )
    result = _read(tmp_path / "forms.csv", catalogue, org_units)
    assert result.problems == []
    assert result.frame.sort("period_start")["value"].to_list() == [1234.5, -250.0, 17.0]


def test_missing_file_and_unknown_kind(tmp_path: Path, catalogue, org_units):
    (tmp_path / "notes.docx").write_text("x")
    result = _read([tmp_path / "absent.csv", tmp_path / "notes.docx"], catalogue, org_units)
    assert [p.code for p in result.problems] == ["TB-V-FILE", "TB-V-FILE"]
    assert "does not exist" in result.problems[0].message
    assert result.frame.height == 0 and dict(result.frame.schema) == VALUES_SCHEMA


def test_windows_1252_csv_is_read(tmp_path: Path, catalogue, org_units):
    # Excel on Windows writes the pound sign as the single byte 0xA3
    (tmp_path / "cp1252.csv").write_bytes(
        "metric_id,period,org_unit,value\nFIN01,2024-04,TRUST,£1,234\n".replace(
            "£1,234", '"£1,234"'
        ).encode("cp1252")
    )
    result = _read(tmp_path / "cp1252.csv", catalogue, org_units)
    assert result.problems == []
    assert result.frame["value"].to_list() == [1234.0]


def test_notes_and_hidden_sheets_are_left_out(tmp_path: Path, catalogue, org_units):
    book = xlsxwriter.Workbook(str(tmp_path / "book.xlsx"))
    notes = book.add_worksheet("Notes")
    notes.write(0, 0, "Figures for the April board")
    data = book.add_worksheet("Data")
    data.write_row(0, 0, ["metric_id", "period", "org_unit", "value"])
    data.write_row(1, 0, ["SAF04", "2024-04", "TRUST", 2])
    lookups = book.add_worksheet("Org codes")
    lookups.write_row(0, 0, ["code", "name"])
    lookups.hide()
    other = book.add_worksheet("Other")
    other.write_row(0, 0, ["something", "else"])
    book.close()
    result = _read(tmp_path / "book.xlsx", catalogue, org_units)
    # only the visible sheet without the layout's columns is reported
    assert {(p.code, p.sheet) for p in result.problems} == {("TB-V-MISSING-COLUMN", "Other")}
    assert result.frame.select("sheet", "row", "value").rows() == [("Data", 2, 2.0)]


def test_blank_measure_is_a_value(tmp_path: Path, catalogue, org_units):
    (tmp_path / "wide.csv").write_text(
        "metric_id,org_unit,measure,2024-04\nEFF01,MH,numerator,40\nEFF01,MH,denominator,50\n"
        "SAF04,TRUST,,3\nWEL01,TRUST,value (%),4.2\n"
    )
    result = _read(tmp_path / "wide.csv", catalogue, org_units)
    assert result.problems == []
    values = dict(result.frame.select("metric_id", "value").rows())
    assert values == {"EFF01": pytest.approx(0.8), "SAF04": 3.0, "WEL01": pytest.approx(0.042)}
    rows = dict(result.frame.select("metric_id", "row").rows())
    assert rows == {"EFF01": 2, "SAF04": 4, "WEL01": 5}


def test_a_wide_row_with_an_unknown_metric_is_one_problem(tmp_path: Path, catalogue, org_units):
    (tmp_path / "wide.csv").write_text(
        "metric_id,org_unit,Apr-24,May-24,Jun-24\nSAF99,TRUST,1,2,3\nSAF04,,1,2,3\nSAF04,TRUST,1,2,3\n"
    )
    result = _read(tmp_path / "wide.csv", catalogue, org_units)
    assert [(p.code, p.row, p.column) for p in result.problems] == [
        ("TB-V-EMPTY", 3, "org_unit"),
        ("TB-V-UNKNOWN-METRIC", 2, "metric_id"),
    ]
    assert result.counts == {"TB-V-EMPTY": 1, "TB-V-UNKNOWN-METRIC": 1}
    assert result.frame.height == 3
