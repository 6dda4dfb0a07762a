""".ods, .xlsb and .xls workbooks: measured before calamine reads them, as .xlsx is.

calamine builds each sheet as a dense grid, so a few bytes that place one cell far away (a
repeated row or cell in an .ods, a far row or column number or a declared dimension in an
.xlsb) ask it for gigabytes.  Each is refused with ``TB-FILE-LIMIT`` naming the file, the
sheet, what was found and the limit (docs/security.md), before anything is read and with the
store left as it was; a normal workbook of each kind, including one with the empty repeated
rows LibreOffice writes down to row 1,048,576, is read.  An .xls workbook is refused with a
message that says to save it as .xlsx.  The workbooks are written byte by byte here
(``workbooks.py``); the expected figures are worked from the formats' rules.
"""

from __future__ import annotations

import io
import struct
import zipfile
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from trustboard.domain.limits import ReaderLimits, use_limits
from trustboard.errors import DataValidationError, ErrorCode
from trustboard.ingest import read_values
from trustboard.ingest.generic_table import read_table
from trustboard.ingest.ods_scan import scan_ods
from trustboard.ingest.tables import read_tables
from trustboard.ingest.xlsb_scan import scan_xlsb
from trustboard.services.catalogue import load_catalogue
from trustboard.services.imports import import_values
from trustboard.store import Store

from .conftest import TODAY
from .workbooks import (
    ods,
    ods_empty,
    ods_number,
    ods_row,
    ods_table,
    ods_text,
    record,
    xlsb,
    xlsb_number,
    xlsb_row,
    xlsb_sheet,
    xlsb_text,
)

HEADER = ["metric_id", "period", "org_unit", "value"]
ROWS: list[tuple[str, str, str, float]] = [
    ("FIN01", "2025-03", "TRUST", 42.0),
    ("FIN01", "2025-02", "TRUST", -7.5),
]


def _ods_values(*, trailing: bool = True) -> bytes:
    """The values as LibreOffice saves them: each row padded with empty cells to column 1,024
    and the sheet with one repeated empty row down to row 1,048,576."""
    pad = ods_empty(1020) if trailing else ""
    rows = ods_row("".join(ods_text(h) for h in HEADER) + pad)
    for metric, period, unit, value in ROWS:
        rows += ods_row(
            ods_text(metric) + ods_text(period) + ods_text(unit) + ods_number(value) + pad
        )
    if trailing:
        rows += ods_row(ods_empty(1024), repeat=1_048_576 - 3)
    return ods(ods_table("Values", rows))


def _xlsb_values() -> bytes:
    cells = xlsb_row(0) + b"".join(xlsb_text(c, h) for c, h in enumerate(HEADER))
    for r, (metric, period, unit, value) in enumerate(ROWS, start=1):
        cells += (
            xlsb_row(r)
            + xlsb_text(0, metric)
            + xlsb_text(1, period)
            + xlsb_text(2, unit)
            + xlsb_number(3, value)
        )
    return xlsb({"Values": xlsb_sheet(cells, dimension=(0, 2, 0, 3))})


def _limit_message(error: DataValidationError) -> str:
    assert error.code == ErrorCode.FILE_LIMIT
    (problem,) = error.problems
    assert problem.code == ErrorCode.FILE_LIMIT
    return problem.message


# --- normal workbooks are read -------------------------------------------------------------


@pytest.mark.parametrize(
    ("suffix", "data"),
    [
        (".ods", _ods_values()),
        (".ods", _ods_values(trailing=False)),
        (".xlsb", _xlsb_values()),
    ],
    ids=["ods as LibreOffice writes it", "ods without padding", "xlsb"],
)
def test_a_normal_workbook_of_each_kind_is_read(
    tmp_path: Path,
    catalogue,  # type: ignore[no-untyped-def]
    org_units,
    suffix: str,
    data: bytes,
) -> None:
    path = tmp_path / f"values{suffix}"
    path.write_bytes(data)
    assert path.stat().st_size < 5_000
    result = read_values(path, catalogue=catalogue, org_units=org_units, today=TODAY)
    assert result.problems == []
    assert result.frame["period_start"].to_list() == [date(2025, 3, 1), date(2025, 2, 1)]
    assert result.frame["row"].to_list() == [2, 3]
    assert result.frame["value"].to_list() == [42.0, -7.5]
    # the sheet calamine built is the header and two rows, four columns wide: the repeated
    # empty rows and cells after the last value were not made into cells
    (table,) = read_tables(path)
    assert (table.sheet, table.columns, table.frame.height) == ("Values", HEADER, 2)


def test_the_ods_scan_measures_to_the_last_cell_with_content() -> None:
    # three rows with content, four columns; the padding to column 1,024 and the repeated
    # empty row down to 1,048,576 are not counted
    (scan,) = scan_ods(_ods_values(), "values.ods") or []
    assert (scan.name, scan.rows, scan.columns, scan.cells) == ("Values", 3, 4, 12)
    # an empty repeated row *between* rows with content is counted (calamine fills it in),
    # and so are empty cells before a value in the same row
    data = ods(
        ods_table(
            "S",
            ods_row(ods_text("a"))
            + ods_row(ods_empty(1024), repeat=10)
            + ods_row(ods_empty(5) + ods_text("b", repeat=2) + ods_empty(1017)),
        )
    )
    (scan,) = scan_ods(data, "s.ods") or []
    assert (scan.rows, scan.columns, scan.cells) == (12, 7, 3)


def test_the_xlsb_scan_measures_cells_not_padding() -> None:
    (scan,) = scan_xlsb(_xlsb_values(), "values.xlsb") or []
    assert (scan.name, scan.rows, scan.columns, scan.cells) == ("Values", 3, 4, 12)


@pytest.mark.parametrize("suffix", [".ods", ".xlsb"])
def test_the_limit_is_the_configured_one(tmp_path: Path, suffix: str) -> None:
    # the values sheet spans 3 rows x 4 columns = 12 cells: 12 is within a limit of 12
    path = tmp_path / f"values{suffix}"
    path.write_bytes(_ods_values() if suffix == ".ods" else _xlsb_values())
    with use_limits(ReaderLimits(max_sheet_cells=12)):
        assert len(read_tables(path)) == 1
    with (
        use_limits(ReaderLimits(max_sheet_cells=11)),
        pytest.raises(DataValidationError) as caught,
    ):
        read_tables(path)
    # the .xlsb declares its dimension (rows 0 to 2, columns 0 to 3) before its cells
    assert _limit_message(caught.value) == (
        "sheet 'Values' reaches row 3 and column 4 (12 cells)"
        if suffix == ".ods"
        else "sheet 'Values' declares an area of 12 cells (rows 1 to 3, columns 1 to 4)"
    )
    assert "max_sheet_cells in the configuration" in caught.value.message
    with use_limits(ReaderLimits(max_rows=1)), pytest.raises(DataValidationError) as caught:
        read_tables(path)
    assert _limit_message(caught.value) == "sheet 'Values' has 3 rows"


# --- hostile workbooks are refused before calamine reads them -------------------------------

FAR_ODS = ods(
    ods_table(
        "Bomb",
        ods_row(ods_text("x"))
        + ods_row(ods_empty(), repeat=999_998)
        + ods_row(ods_empty(15_999) + ods_text("y")),
    )
)
REPEATED_ROW_ODS = ods(
    ods_table(
        "Bomb",
        ods_row(
            '<table:table-cell office:value-type="float" office:value="1" '
            'table:number-columns-repeated="16384"/>',
            repeat=1_048_576,
        ),
    )
)
# a prefix other than table: for the repeat attribute
PREFIXED_ODS = ods(
    ods_table(
        "Bomb",
        '<table:table-row xmlns:t="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        't:number-rows-repeated="2000000"><table:table-cell office:value-type="string">'
        "<text:p>x</text:p></table:table-cell></table:table-row>",
    )
)
# rows of a table inside the sheet's table (outside any cell) are more rows of the sheet
NESTED_ODS = ods(
    ods_table(
        "Bomb",
        ods_row(ods_text("x"), repeat=1_000_000)
        + '<table:table table:name="inner">'
        + ods_row(ods_text("y"), repeat=1_000_000)
        + "</table:table>",
    )
)
MANY_SHEETS_ODS = ods("".join(ods_table(f"S{i}", ods_row(ods_text("x"))) for i in range(4)))
FAR_XLSB = xlsb(
    {
        "Bomb": xlsb_sheet(
            xlsb_row(0) + xlsb_text(0, "x") + xlsb_row(1_048_575) + xlsb_text(16_383, "y")
        )
    }
)
DIMENSION_XLSB = xlsb(
    {"Bomb": xlsb_sheet(xlsb_row(0) + xlsb_text(0, "x"), dimension=(0, 1_048_575, 0, 16_383))}
)
WIDE_XLSB = xlsb(
    {"Bomb": xlsb_sheet(xlsb_row(0) + xlsb_text(0, "x") + xlsb_text(4_000_000_000, "y"))}
)


@pytest.mark.parametrize(
    ("name", "data", "expected", "limit"),
    [
        (
            "far.ods",
            FAR_ODS,
            "sheet 'Bomb' reaches row 1,000,000 and column 16,000 (16,000,000,000 cells)",
            "max_sheet_cells",
        ),
        (
            "repeated.ods",
            REPEATED_ROW_ODS,
            "sheet 'Bomb' reaches row 1,048,576 and column 16,384 (17,179,869,184 cells)",
            "max_sheet_cells",
        ),
        ("prefixed.ods", PREFIXED_ODS, "sheet 'Bomb' has 2,000,000 rows", "max_rows"),
        ("nested.ods", NESTED_ODS, "sheet 'Bomb' has 2,000,000 rows", "max_rows"),
        ("sheets.ods", MANY_SHEETS_ODS, "the workbook has more than 3 sheets", "max_sheets"),
        (
            "far.xlsb",
            FAR_XLSB,
            "sheet 'Bomb' reaches row 1,048,576 and column 16,384 (17,179,869,184 cells)",
            "max_sheet_cells",
        ),
        (
            "dimension.xlsb",
            DIMENSION_XLSB,
            "sheet 'Bomb' declares an area of 17,179,869,184 cells (rows 1 to 1,048,576, "
            "columns 1 to 16,384)",
            "max_sheet_cells",
        ),
        (
            "wide.xlsb",
            WIDE_XLSB,
            "sheet 'Bomb' reaches row 1 and column 4,000,000,001 (4,000,000,001 cells)",
            "max_sheet_cells",
        ),
    ],
    ids=lambda v: v if isinstance(v, str) and "." in v and len(v) < 20 else "",
)
def test_a_tiny_workbook_that_asks_for_a_huge_grid_is_refused(
    tmp_path: Path, name: str, data: bytes, expected: str, limit: str
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    assert path.stat().st_size < 5_000
    limits = ReaderLimits(max_sheets=3, max_rows=1_500_000)
    with use_limits(limits), pytest.raises(DataValidationError) as caught:
        read_tables(path)
    assert _limit_message(caught.value) == expected
    (problem,) = caught.value.problems
    assert problem.file == str(path)
    assert f"({limit} in the configuration, see docs/security.md)" in caught.value.message


def test_a_workbook_is_measured_by_its_content_not_its_name(tmp_path: Path) -> None:
    # calamine recognises a workbook by what it holds: an .ods named .xlsx is still measured
    path = tmp_path / "disguised.xlsx"
    path.write_bytes(FAR_ODS)
    with pytest.raises(DataValidationError) as caught:
        read_tables(path)
    assert "reaches row 1,000,000" in _limit_message(caught.value)


def test_an_ods_that_declares_a_doctype_or_is_not_well_formed_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "entities.ods"
    path.write_bytes(
        ods(
            ods_table("S", ods_row(ods_text("&a;"))),
            prolog='<!DOCTYPE office:document-content [<!ENTITY a "aaaaaaaaaa">]>',
        )
    )
    with pytest.raises(DataValidationError) as caught:
        read_tables(path)
    assert "declares a document type" in caught.value.message
    path.write_bytes(ods(ods_table("S", ods_row(ods_text("x")) + "</table:table-row>")))
    with pytest.raises(DataValidationError) as caught:
        read_tables(path)
    assert "content.xml is not well-formed XML" in caught.value.message
    path.write_bytes(
        ods(
            ods_table(
                "S",
                ods_row(ods_text("x"), repeat=1).replace(
                    "<table:table-row", '<table:table-row table:number-rows-repeated="many"'
                ),
            )
        )
    )
    with pytest.raises(DataValidationError) as caught:
        read_tables(path)
    assert "table:number-rows-repeated attribute holds 'many'" in caught.value.message
    # more digits than Python turns into a number by default (4,300) are refused, not a crash
    huge = ods_row(ods_text("x"), repeat=2).replace('"2"', '"' + "9" * 5000 + '"')
    path.write_bytes(ods(ods_table("S", huge)))
    with pytest.raises(DataValidationError) as caught:
        read_tables(path)
    assert "not a whole number of at most 19 digits" in caught.value.message


def test_an_xlsx_whose_sheet_list_cannot_be_followed_is_still_measured(tmp_path: Path) -> None:
    # calamine reads a workbook.xml holding an entity Python's parser refuses (A1 and
    # XFD1048576 then asked it for 512 GB); a relationship whose target is not a part (this
    # calamine finds no sheet there, a reader that tidies the path would): every XML part is
    # then measured
    from .test_hostile_files import _raw_xlsx, _text

    cells = f'<row r="1">{_text("A1", "x")}</row><row r="1048576">{_text("XFD1048576", "y")}</row>'
    source = zipfile.ZipFile(io.BytesIO(_raw_xlsx(cells)))
    for name, change in (
        ("entity.xlsx", ("xl/workbook.xml", b"<sheets>", b'<fileVersion appName="a&b;"/><sheets>')),
        ("target.xlsx", ("xl/_rels/workbook.xml.rels", b"worksheets/", b"worksheets/./")),
    ):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as package:
            for info in source.infolist():
                data = source.read(info)
                if info.filename == change[0]:
                    assert change[1] in data
                    data = data.replace(change[1], change[2])
                package.writestr(info.filename, data)
        path = tmp_path / name
        path.write_bytes(buffer.getvalue())
        with pytest.raises(DataValidationError) as caught:
            read_tables(path)
        assert _limit_message(caught.value) == (
            "sheet 'xl/worksheets/sheet1.xml' reaches row 1,048,576 and column 16,384 "
            "(17,179,869,184 cells)"
        ), name


def test_a_package_with_two_parts_of_one_name_is_refused(tmp_path: Path) -> None:
    # Python's zipfile opens the last of two parts named content.xml; another reader may open
    # the first, which would then go unmeasured
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(FAR_ODS)) as source, zipfile.ZipFile(buffer, "w") as package:
        for info in source.infolist():
            package.writestr(info.filename, source.read(info))
        with pytest.warns(UserWarning, match="Duplicate name"):
            package.writestr("content.xml", source.read("content.xml").replace(b"15999", b"1"))
    path = tmp_path / "twice.ods"
    path.write_bytes(buffer.getvalue())
    with pytest.raises(DataValidationError) as caught:
        read_tables(path)
    assert "holds two parts named 'content.xml'" in caught.value.message


def test_a_long_sheet_name_is_cut_short_in_the_message(tmp_path: Path) -> None:
    path = tmp_path / "long.ods"
    path.write_bytes(
        ods(
            ods_table(
                "N" * 100_000, ods_row(ods_text("x")) + ods_row(ods_empty(20_000) + ods_text("y"))
            )
        )
    )
    with (
        use_limits(ReaderLimits(max_sheet_cells=1_000)),
        pytest.raises(DataValidationError) as caught,
    ):
        read_tables(path)
    # 120 characters of the name (max_echo_chars), then how long it is
    expected = (
        f"sheet '{'N' * 120}… (100,000 characters)' reaches row 2 and column 20,001 (40,002 cells)"
    )
    assert _limit_message(caught.value) == expected
    # an .xlsb names its sheets in the workbook's records (an entry over 4 KB is not read for
    # its name, and the sheet goes by its part's path)
    path = tmp_path / "long.xlsb"
    path.write_bytes(xlsb({"N" * 1_000: xlsb_sheet(xlsb_row(1) + xlsb_text(20_000, "y"))}))
    with (
        use_limits(ReaderLimits(max_sheet_cells=1_000)),
        pytest.raises(DataValidationError) as caught,
    ):
        read_tables(path)
    assert _limit_message(caught.value) == expected.replace(
        "100,000 characters", "1,000 characters"
    )


def _compound_file() -> bytes:
    """The first sector of an OLE2 compound file: what an .xls workbook starts with."""
    header = (
        bytes.fromhex("d0cf11e0a1b11ae1") + bytes(16) + struct.pack("<HHHH", 0x3E, 3, 0xFFFE, 9)
    )
    return header.ljust(512, b"\0") + bytes(512)


def test_an_xls_workbook_is_refused_with_a_way_forward(
    tmp_path: Path, catalogue, org_units
) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "values.xls"
    path.write_bytes(_compound_file())
    result = read_values(path, catalogue=catalogue, org_units=org_units, today=TODAY)
    (problem,) = result.problems
    assert problem.code == ErrorCode.V_FILE and problem.file == str(path)
    assert "Excel 97-2003 workbook (.xls) is not read" in problem.message
    assert "save it as an Excel workbook (.xlsx)" in problem.message
    with pytest.raises(DataValidationError) as caught:
        read_table(path)
    (problem,) = caught.value.problems
    assert "save it as an Excel workbook (.xlsx)" in problem.message
    # the same content under another name (an encrypted workbook is a compound file too)
    disguised = tmp_path / "values.xlsx"
    disguised.write_bytes(_compound_file())
    with pytest.raises(DataValidationError) as caught:
        read_tables(disguised)
    assert "OLE2 compound file" in caught.value.message


def test_a_workbook_calamine_panics_on_is_refused_not_a_traceback(
    tmp_path: Path,
    catalogue,  # type: ignore[no-untyped-def]
    org_units,
) -> None:
    # a dimension record of 4 bytes (calamine reads 16) and a shared-string cell whose string
    # is not there: calamine panics, which pyo3 raises as a BaseException
    books = {
        "short.xlsb": xlsb(
            {"S": record(0x0081) + record(0x0094, bytes(4)) + record(0x0091) + record(0x0092)}
        ),
        "string.xlsb": xlsb(
            {"S": xlsb_sheet(xlsb_row(0) + record(0x0007, struct.pack("<III", 0, 0, 99)))}
        ),
    }
    for name, data in books.items():
        path = tmp_path / name
        path.write_bytes(data)
        result = read_values(path, catalogue=catalogue, org_units=org_units, today=TODAY)
        (problem,) = result.problems
        assert problem.code == ErrorCode.V_FILE and problem.file == str(path)
        assert "sheet 'S' cannot be read" in problem.message


# --- and the store is left as it was -------------------------------------------------------

STORE_CATALOGUE = Path(__file__).parents[1] / "fixtures" / "store" / "catalogue"


def test_a_refused_workbook_leaves_the_store_unchanged(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'trustboard.db'}"
    Store.init(url)[0].close()
    load_catalogue(STORE_CATALOGUE, database=url, effective=date(2022, 4, 1))
    good = tmp_path / "good.ods"
    good.write_bytes(
        ods(
            ods_table(
                "Values",
                ods_row("".join(ods_text(h) for h in HEADER))
                + ods_row(
                    ods_text("SAF04")
                    + ods_text("2022-05")
                    + ods_text("MH-ACUTE-W1")
                    + ods_number(3)
                )
                + ods_row(ods_empty(4), repeat=1_048_574),
            )
        )
    )
    first = import_values([good], database=url, today=date(2025, 6, 30))
    assert first.summary.inserted == 1
    with Store.open(url) as store:
        before = store.fingerprint()
    for name, data in (("far.ods", FAR_ODS), ("far.xlsb", FAR_XLSB), ("old.xls", _compound_file())):
        hostile = tmp_path / name
        hostile.write_bytes(data)
        with pytest.raises(DataValidationError) as caught:
            import_values([good, hostile], database=url, today=date(2025, 6, 30))
        codes = {p.code for p in caught.value.problems}
        assert codes == ({ErrorCode.V_FILE} if name.endswith(".xls") else {ErrorCode.FILE_LIMIT})
        with Store.open(url) as store:
            assert store.fingerprint() == before, name


# --- the scans measure what calamine builds -------------------------------------------------

_ODS_CELL = st.tuples(st.booleans(), st.integers(1, 4))  # (has a value, columns repeated)
_ODS_ROW = st.tuples(st.integers(1, 3), st.lists(_ODS_CELL, max_size=5))  # (rows repeated, cells)


def _calamine_extent(data: bytes, sheet: str) -> tuple[int, int]:
    """Rows and columns from the first row and column to the end of the grid calamine builds
    (0, 0 for an empty sheet)."""
    built = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name(sheet)
    if built.end is None or not built.to_python():
        return 0, 0
    return built.end[0] + 1, built.end[1] + 1


@settings(max_examples=80, deadline=None)
@given(st.lists(_ODS_ROW, max_size=6), st.integers(0, 5))
def test_the_ods_scan_reaches_as_far_as_calamine_reads(
    rows: list[tuple[int, list[tuple[bool, int]]]], trailing: int
) -> None:
    body = "".join(
        ods_row(
            "".join(
                ods_text("v", width) if filled else ods_empty(width) for filled, width in cells
            ),
            repeat,
        )
        for repeat, cells in rows
    )
    body += ods_row(ods_empty(8), trailing) if trailing else ""
    data = ods(ods_table("S", body))
    (scan,) = scan_ods(data, "fuzz.ods") or []
    assert (scan.rows, scan.columns) == _calamine_extent(data, "S")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 40), st.integers(0, 40)), max_size=12))
def test_the_xlsb_scan_reaches_as_far_as_calamine_reads(cells: list[tuple[int, int]]) -> None:
    records = b""
    for row, column in sorted(cells):
        records += xlsb_row(row) + xlsb_number(column, 1.0)
    data = xlsb({"S": xlsb_sheet(records)})
    (scan,) = scan_xlsb(data, "fuzz.xlsb") or []
    assert (scan.rows, scan.columns) == _calamine_extent(data, "S")
