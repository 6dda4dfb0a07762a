"""Numbers typed the way people type them, and small files built to exhaust the machine.

Every expectation is worked from the documented conventions (docs/imports.md, "How numbers
are read") and limits (docs/security.md): a figure is read one way or refused with its code,
never guessed; a file over a limit is refused before anything is allocated for it.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import polars as pl
import pytest
import xlsxwriter

from trustboard.domain.limits import ReaderLimits, current_limits, use_limits
from trustboard.errors import DataValidationError, ErrorCode
from trustboard.ingest import read_catalogue, read_commentary, read_targets, read_values
from trustboard.ingest.baf_register import read_register
from trustboard.ingest.tables import read_tables
from trustboard.services.settings import reader_limits

from .conftest import TODAY

HEADER = "metric_id,period,org_unit,value\n"


def _values(path: Path, catalogue, org_units):  # type: ignore[no-untyped-def]
    return read_values(path, catalogue=catalogue, org_units=org_units, today=TODAY)


def _codes(result) -> set[str]:  # type: ignore[no-untyped-def]
    return {p.code for p in result.problems}


# --- item: numbers as people type them ----------------------------------------------------


def test_an_unquoted_thousands_comma_is_refused_not_truncated(
    tmp_path: Path, catalogue, org_units
) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "v.csv"
    path.write_text(HEADER + "FIN01,2025-03,TRUST,1,250\nFIN01,2025-02,TRUST,12\n", "utf-8")
    result = _values(path, catalogue, org_units)
    assert result.frame.height == 0  # the whole file is refused, so nothing is stored
    (problem,) = result.problems
    assert problem.code == ErrorCode.CSV_RAGGED
    assert (problem.file, problem.row) == (str(path), 2)
    assert problem.message == "the row has 5 fields but the header has 4"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ('"1,250"', 1250.0),
        ('"12,345,678.5"', 12345678.5),
        ('"£1,234"', 1234.0),
        ('"(1,234)"', -1234.0),
        ("-1250", -1250.0),
        (" 12 ", 12.0),
    ],
)
def test_the_accepted_conventions_read_one_way(
    tmp_path: Path, catalogue, org_units, typed: str, stored: float
) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "v.csv"
    path.write_text(HEADER + f"FIN01,2025-03,TRUST,{typed}\n", "utf-8")
    result = _values(path, catalogue, org_units)
    assert result.problems == []
    assert result.frame["value"].to_list() == [stored]


@pytest.mark.parametrize(
    "typed", ['"1,5"', '"12,34"', '"1 2"', '"1\n2"', '"1.234,5"', '"1,2345"', '"(-5)"', '"(5"']
)
def test_ambiguous_numbers_are_refused_with_their_code(
    tmp_path: Path, catalogue, org_units, typed: str
) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "v.csv"
    path.write_text(HEADER + f"FIN01,2025-03,TRUST,{typed}\nFIN01,2025-02,TRUST,7\n", "utf-8")
    result = _values(path, catalogue, org_units)
    assert _codes(result) == {ErrorCode.V_NOT_NUMBER}
    (problem,) = result.problems
    assert problem.row == 2 and problem.column == "value"
    assert problem.value == typed.strip('"')
    # the good row is read, the bad one never becomes a figure
    assert result.frame["value"].to_list() == [7.0]


def test_a_decimal_comma_is_named_as_such(tmp_path: Path, catalogue, org_units) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "v.csv"
    path.write_text(HEADER + 'FIN01,2025-03,TRUST,"1,5"\n', "utf-8")
    (problem,) = _values(path, catalogue, org_units).problems
    assert "comma or a space that is not a thousands separator" in problem.message


def _workbook(tmp_path: Path, write) -> Path:  # type: ignore[no-untyped-def]
    path = tmp_path / "v.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Values")
    sheet.write_row(0, 0, ["metric_id", "period", "org_unit", "value"])
    sheet.write_row(1, 0, ["FIN01", "2025-03", "TRUST"])
    write(sheet)
    book.close()
    return path


def test_a_formula_saved_without_its_result_is_refused(
    tmp_path: Path, catalogue, org_units
) -> None:  # type: ignore[no-untyped-def]
    # xlsxwriter stores 0 as the result and asks Excel to recalculate on opening: reading the
    # stored 0 would be a guess
    path = _workbook(tmp_path, lambda s: s.write_formula(1, 3, "=40+2"))
    result = _values(path, catalogue, org_units)
    (problem,) = result.problems
    assert problem.code == ErrorCode.CELL_FORMULA
    assert (problem.sheet, problem.row, problem.column) == ("Values", 2, "D")
    assert result.frame.height == 0


def _raw_xlsx(cells: str, *, dimension: str = "", workbook_extra: str = "") -> bytes:
    """A minimal .xlsx package with one sheet whose <sheetData> is ``cells``."""
    ns = "http://schemas.openxmlformats.org"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "[Content_Types].xml",
            f'<Types xmlns="{ns}/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
        )
        z.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{ns}/package/2006/relationships"><Relationship Id="rId1" '
            f'Type="{ns}/officeDocument/2006/relationships/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>',
        )
        z.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{ns}/spreadsheetml/2006/main" '
            f'xmlns:r="{ns}/officeDocument/2006/relationships"><sheets>'
            f'<sheet name="Values" sheetId="1" r:id="rId1"/></sheets>{workbook_extra}</workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="{ns}/package/2006/relationships"><Relationship Id="rId1" '
            f'Type="{ns}/officeDocument/2006/relationships/worksheet" '
            'Target="worksheets/sheet1.xml"/></Relationships>',
        )
        z.writestr(
            "xl/worksheets/sheet1.xml",
            f'<worksheet xmlns="{ns}/spreadsheetml/2006/main">{dimension}'
            f"<sheetData>{cells}</sheetData></worksheet>",
        )
    return buf.getvalue()


def _text(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


HEAD_ROW = (
    '<row r="1">'
    + "".join(_text(f"{c}1", t) for c, t in zip("ABCD", HEADER.strip().split(","), strict=True))
    + "</row>"
)
FIRST = _text("A2", "FIN01") + _text("B2", "2025-03") + _text("C2", "TRUST")


@pytest.mark.parametrize(
    ("cell", "code"),
    [
        ('<c r="D2" t="e"><v>#DIV/0!</v></c>', ErrorCode.CELL_ERROR),
        ("<c r='D2' t = 'e'><v>#N/A</v></c>", ErrorCode.CELL_ERROR),
        ('<c r="D2"><f>1/0</f></c>', ErrorCode.CELL_FORMULA),
        ('<c r="D2"><f>SUM(X1:X9)</f><v></v></c>', ErrorCode.CELL_FORMULA),
    ],
    ids=[
        "error cell",
        "error cell in single quotes",
        "formula without a result",
        "formula with an empty result",
    ],
)
def test_error_cells_and_formulas_without_results_are_refused(
    tmp_path: Path, catalogue, org_units, cell: str, code: str
) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "v.xlsx"
    path.write_bytes(_raw_xlsx(HEAD_ROW + f'<row r="2">{FIRST}{cell}</row>'))
    result = _values(path, catalogue, org_units)
    (problem,) = result.problems
    assert problem.code == code
    assert (problem.sheet, problem.row, problem.column) == ("Values", 2, "D")
    assert result.frame.height == 0


def test_a_formula_with_a_calculated_result_is_read(tmp_path: Path, catalogue, org_units) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "v.xlsx"
    path.write_bytes(
        _raw_xlsx(HEAD_ROW + f'<row r="2">{FIRST}<c r="D2"><f>40+2</f><v>42</v></c></row>')
    )
    result = _values(path, catalogue, org_units)
    assert result.problems == [] and result.frame["value"].to_list() == [42.0]


# --- item: bounded readers ------------------------------------------------------------------


def _limit_code(error: DataValidationError) -> str:
    assert error.code == ErrorCode.FILE_LIMIT
    (problem,) = error.problems
    assert problem.code == ErrorCode.FILE_LIMIT
    return problem.message


@pytest.mark.parametrize(
    ("cells", "dimension", "expected"),
    [
        (_text("XFD1048576", "x"), "", "reaches row 1,048,576 and column 16,384"),
        (_text("XFD3000", "x"), "", "reaches row 3,000 and column 16,384"),
        (_text("A1", "x"), '<dimension ref="A1:XFD1048576"/>', "declares an area of"),
        (
            "<c r = 'xfd1048576' t='inlineStr'><is><t>x</t></is></c>",
            "",
            "reaches row 1,048,576 and column 16,384",
        ),
        (_text("A1", "x"), "<dimension ref='$A$1:$XFD$1048576'/>", "declares an area of"),
    ],
    ids=[
        "cell at XFD1048576",
        "cell at XFD3000",
        "declared dimension",
        "single quotes and lower case",
        "absolute dimension in single quotes",
    ],
)
def test_a_tiny_workbook_that_asks_for_a_huge_grid_is_refused_before_reading(
    tmp_path: Path, cells: str, dimension: str, expected: str
) -> None:
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(_raw_xlsx(f'<row r="1">{cells}</row>', dimension=dimension))
    assert path.stat().st_size < 5_000
    with pytest.raises(DataValidationError) as caught:
        read_tables(path)
    assert expected in _limit_code(caught.value)
    assert "max_sheet_cells" in caught.value.message


def test_a_workbook_that_decompresses_past_the_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "whitespace.xlsx"
    path.write_bytes(_raw_xlsx(" " * 3_000_000))
    assert path.stat().st_size < 20_000
    with (
        use_limits(ReaderLimits(max_xlsx_bytes=2_000_000)),
        pytest.raises(DataValidationError) as caught,
    ):
        read_tables(path)
    assert "decompresses to" in _limit_code(caught.value)


def test_file_size_rows_and_sheets_are_bounded(tmp_path: Path) -> None:
    csv = tmp_path / "v.csv"
    csv.write_text(HEADER + "FIN01,2025-03,TRUST,1\n" * 11, "utf-8")
    with use_limits(ReaderLimits(max_file_bytes=100)), pytest.raises(DataValidationError) as caught:
        read_tables(csv)
    assert _limit_code(caught.value) == f"the file is {csv.stat().st_size:,} bytes"
    with use_limits(ReaderLimits(max_rows=10)), pytest.raises(DataValidationError) as caught:
        read_tables(csv)
    assert _limit_code(caught.value) == "the file has 11 rows"
    parquet = tmp_path / "v.parquet"
    pl.DataFrame({"a": list(range(11))}).write_parquet(parquet)
    with use_limits(ReaderLimits(max_rows=10)), pytest.raises(DataValidationError) as caught:
        read_tables(parquet)
    assert _limit_code(caught.value) == "the file has 11 rows"
    book = tmp_path / "many.xlsx"
    workbook = xlsxwriter.Workbook(str(book))
    for i in range(4):
        workbook.add_worksheet(f"S{i}").write(0, 0, "x")
    workbook.close()
    with use_limits(ReaderLimits(max_sheets=3)), pytest.raises(DataValidationError) as caught:
        read_tables(book)
    assert _limit_code(caught.value) == "the workbook has 4 sheets"


BILLION_LAUGHS = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def test_a_yaml_alias_bomb_is_refused_by_every_yaml_reader(
    tmp_path: Path, catalogue, org_units
) -> None:  # type: ignore[no-untyped-def]
    assert len(BILLION_LAUGHS) < 700
    commentary = tmp_path / "commentary.yaml"
    commentary.write_text(BILLION_LAUGHS, "utf-8")
    folder = tmp_path / "catalogue"
    folder.mkdir()
    (folder / "metrics.yaml").write_text(BILLION_LAUGHS, "utf-8")
    targets = tmp_path / "targets.yaml"
    targets.write_text(BILLION_LAUGHS, "utf-8")
    register = tmp_path / "baf.yaml"
    register.write_text(BILLION_LAUGHS, "utf-8")
    readers = [
        lambda: read_commentary(commentary, catalogue=catalogue, org_units=org_units),
        lambda: read_catalogue(folder),
        lambda: read_targets(targets, catalogue=catalogue),
        lambda: read_register(register),
    ]
    for read in readers:
        with pytest.raises(DataValidationError) as caught:
            read()
        assert "expands (through its aliases) to more than 5,000,000 values" in _limit_code(
            caught.value
        )


def test_yaml_alias_count_and_size_are_bounded(tmp_path: Path, catalogue, org_units) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "commentary.yaml"
    path.write_text("a: &a 1\nb: [" + ", ".join(["*a"] * 30) + "]\n", "utf-8")
    with (
        use_limits(ReaderLimits(max_yaml_aliases=20)),
        pytest.raises(DataValidationError) as caught,
    ):
        read_commentary(path, catalogue=catalogue, org_units=org_units)
    assert _limit_code(caught.value) == "the YAML document has 30 aliases"
    with use_limits(ReaderLimits(max_yaml_bytes=50)), pytest.raises(DataValidationError) as caught:
        read_commentary(path, catalogue=catalogue, org_units=org_units)
    assert "bytes" in _limit_code(caught.value)
    deep = tmp_path / "deep.yaml"
    deep.write_text("[" * 5000 + "]" * 5000, "utf-8")
    with pytest.raises(DataValidationError) as caught:
        read_commentary(deep, catalogue=catalogue, org_units=org_units)
    assert "nested too deeply" in _limit_code(caught.value)


def test_the_limits_come_from_the_configuration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[limits]\nmax_rows = 10\nmax_sheet_cells = 1_000\n", "utf-8")
    monkeypatch.setenv("TRUSTBOARD_CONFIG", str(config))
    monkeypatch.setenv("TRUSTBOARD_LIMIT_MAX_SHEETS", "7")
    with reader_limits() as limits:
        assert (limits.max_rows, limits.max_sheet_cells, limits.max_sheets) == (10, 1000, 7)
        assert current_limits() is limits
    assert current_limits() == ReaderLimits()
    config.write_text("[limits]\nmax_rowz = 10\n", "utf-8")
    with pytest.raises(Exception, match="max_rowz"), reader_limits():
        pass


def test_the_defaults_admit_the_benchmark_file() -> None:
    # bench/bench_store.py: 200 metrics x 60 months x 500 org units, one row per value
    defaults = ReaderLimits()
    assert defaults.max_rows >= 200 * 60 * 500
    # Excel's own largest sheet (1,048,576 rows) of a ten-column values layout fits
    assert defaults.max_sheet_cells >= 1_048_576 * 10 // 2


# --- item: plausibility at import -------------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        ("FIN01,2025-03,TRUST,1e28", "value", "too large to be a real figure"),
        ("FIN01,2025-03,TRUST,-1e28", "value", "too large to be a real figure"),
        ("SAF04,2025-03,TRUST,0.5", "value", "is a count, and 0.5 is not a whole number"),
        ("SAF04,0001-01-01,TRUST,1", "period", "before July 1948, when the NHS began"),
    ],
    ids=["1e28", "-1e28", "half a never event", "year 1"],
)
def test_implausible_figures_are_refused_at_import(
    tmp_path: Path, catalogue, org_units, row: str, column: str, message: str
) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "v.csv"
    path.write_text(HEADER + row + "\nSAF04,2025-02,TRUST,3\n", "utf-8")
    result = _values(path, catalogue, org_units)
    (problem,) = result.problems
    assert problem.code == ErrorCode.V_IMPLAUSIBLE
    assert (problem.row, problem.column) == (2, column)
    assert message in problem.message
    assert result.frame["value"].to_list() == [3.0]


def test_the_largest_magnitude_is_configurable(tmp_path: Path, catalogue, org_units) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "v.csv"
    path.write_text(HEADER + "FIN01,2025-03,TRUST,5000\n", "utf-8")
    assert _values(path, catalogue, org_units).problems == []
    with use_limits(ReaderLimits(max_magnitude=1000)):
        (problem,) = _values(path, catalogue, org_units).problems
    assert problem.code == ErrorCode.V_IMPLAUSIBLE
    assert problem.expected == "a figure no larger than 1,000 either way (max_magnitude)"


# --- the BAF register reads Excel through the same reader as every other import -------------


def test_the_baf_register_workbook_goes_through_the_bounded_reader(tmp_path: Path) -> None:
    from trustboard.ingest.baf_register import read_register_yaml, write_register_excel

    fixtures = Path(__file__).parents[1] / "fixtures" / "baf"
    register = read_register_yaml(fixtures / "sample_register.yaml")
    book = write_register_excel(register, tmp_path / "baf.xlsx")
    assert read_register(book) == register  # the round trip still holds
    bomb = tmp_path / "bomb.xlsx"
    bomb.write_bytes(_raw_xlsx(f'<row r="1">{_text("XFD1048576", "x")}</row>'))
    with pytest.raises(DataValidationError) as caught:
        read_register(bomb)
    assert "reaches row 1,048,576" in _limit_code(caught.value)
    errors = tmp_path / "errors.xlsx"
    errors.write_bytes(
        _raw_xlsx(HEAD_ROW + f'<row r="2">{FIRST}<c r="D2" t="e"><v>#N/A</v></c></row>')
    )
    with pytest.raises(DataValidationError) as caught:
        read_register(errors)
    assert [p.code for p in caught.value.problems] == [ErrorCode.CELL_ERROR]
