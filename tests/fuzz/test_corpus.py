"""A corpus of hostile files, generated here, run through every reader in a memory-limited
child process: each file is read or refused with a ``TB-`` code; no traceback, no abort, no
exhausted machine."""

from __future__ import annotations

import io
import json
import struct
import zipfile
import zlib
from pathlib import Path

import polars as pl
import xlsxwriter

from .conftest import run_limited

CATALOGUE = Path(__file__).parents[1] / "fixtures" / "ingest" / "catalogue"

BILLION_LAUGHS = "a: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
    f"{n}: &{n} [{','.join([f'*{p}'] * 9)}]\n" for p, n in zip("abcdefgh", "bcdefghi", strict=True)
)

YAML = {
    "alias_bomb.yaml": BILLION_LAUGHS,
    "deep.yaml": "[" * 20_000 + "]" * 20_000,
    "recursive.yaml": "a: &a [*a, *a]\n",
    "python_tag.yaml": '!!python/object/apply:os.system ["echo owned"]\n',
    "long_key.yaml": "k" * 2_000_000 + ": 1\n",
    "huge_number.yaml": "metrics:\n  - id: SAF04\n    value: 1e400\n",
    "binary.yaml": "\x00\x01\x02\xff\xfe",
    "not_a_mapping.yaml": "- 1\n- 2\n",
    "dates.yaml": "metrics:\n  - {id: SAF04, effective_from: 2024-13-45}\n",
}

CSV = {
    "ragged.csv": "metric_id,period,org_unit,value\nSAF04,2025-03,TRUST,1,250\n",
    "nul.csv": "metric_id,period\x00,org_unit,value\nSAF04,2025-03,TRUST,\x00\n",
    "semicolon.csv": "metric_id;period;org_unit;value\nSAF04;2025-03;TRUST;1,5\n",
    "quotes.csv": 'metric_id,period,org_unit,value\n"SAF04,2025-03,TRUST,1\n',
    "formula.csv": 'metric_id,period,org_unit,value\n=cmd|"/C calc"!A0,2025-03,TRUST,@SUM(1)\n',
    "numbers.csv": "metric_id,period,org_unit,value\n"
    + "".join(
        f"SAF04,2024-{m:02d},TRUST,{v}\n"
        for m, v in enumerate(['"1,5"', "1e28", "-0", "nan", "inf", '"1 2"', "0x10", "1e-400"], 1)
    ),
    "year_one.csv": "metric_id,period,org_unit,value\nSAF04,0001-01-01,TRUST,1\n",
    "wide_header.csv": ",".join(f"c{i}" for i in range(20_000)) + "\n1\n",
    "long_line.csv": "metric_id,period,org_unit,value\n" + "M" * 5_000_000 + ",2025-03,TRUST,1\n",
    "header_only.csv": "metric_id,period,org_unit,value\n",
    "empty.csv": "",
    "bom_only.csv": "\ufeff",
    "crlf_mixed.csv": "metric_id,period,org_unit,value\r\n"
    "SAF04,2025-03,TRUST,1\rSAF04,2025-02,TRUST,2\n",
}


def _xlsx(sheet_xml: str, *, dimension: str = "", sheets: int = 1, extra: str = "") -> bytes:
    ns = "http://schemas.openxmlformats.org"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "[Content_Types].xml",
            f'<Types xmlns="{ns}/package/2006/content-types"><Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/></Types>',
        )
        z.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{ns}/package/2006/relationships"><Relationship Id="rId1" '
            f'Type="{ns}/officeDocument/2006/relationships/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>',
        )
        listed = "".join(
            f'<sheet name="S{i}" sheetId="{i + 1}" r:id="rId{i + 1}"/>' for i in range(sheets)
        )
        z.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{ns}/spreadsheetml/2006/main" xmlns:r="{ns}/officeDocument/2006/'
            f'relationships"><sheets>{listed}</sheets>{extra}</workbook>',
        )
        rels = "".join(
            f'<Relationship Id="rId{i + 1}" Type="{ns}/officeDocument/2006/relationships/'
            f'worksheet" Target="worksheets/sheet{i + 1}.xml"/>'
            for i in range(sheets)
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="{ns}/package/2006/relationships">{rels}</Relationships>',
        )
        for i in range(sheets):
            z.writestr(
                f"xl/worksheets/sheet{i + 1}.xml",
                f'<worksheet xmlns="{ns}/spreadsheetml/2006/main">{dimension}'
                f"<sheetData>{sheet_xml}</sheetData></worksheet>",
            )
    return buf.getvalue()


def _whitespace_bomb(size: int) -> bytes:
    """An .xlsx whose one sheet decompresses to ``size`` bytes of spaces (a few MB on disk)."""
    base = _xlsx("")
    packed = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as source, zipfile.ZipFile(packed, "w") as out:
        for info in source.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                out.writestr(info, source.read(info.filename))
        head = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        info = zipfile.ZipInfo("xl/worksheets/sheet1.xml")
        info.compress_type = zipfile.ZIP_DEFLATED
        with out.open(info, "w", force_zip64=True) as sheet:
            sheet.write(head)
            block = b" " * (1 << 20)
            for _ in range(size // len(block)):
                sheet.write(block)
            sheet.write(b"<sheetData/></worksheet>")
    return packed.getvalue()


def _cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def _corpus(folder: Path) -> list[tuple[str, str]]:
    """Write the hostile files; return (reader, path) pairs to run."""
    runs: list[tuple[str, str]] = []
    for name, text in YAML.items():
        path = folder / name
        path.write_text(text, "utf-8", errors="surrogatepass")
        runs += [(r, str(path)) for r in ("commentary", "targets", "baf")]
        cat = folder / f"cat_{path.stem}"
        cat.mkdir()
        (cat / "metrics.yaml").write_text(text, "utf-8")
        runs.append(("catalogue", str(cat)))
    md = folder / "front_matter.md"
    md.write_text(f"---\n{BILLION_LAUGHS}---\n# SAF04\n", "utf-8")
    runs.append(("commentary", str(md)))
    for name, text in CSV.items():
        path = folder / name
        path.write_text(text, "utf-8")
        runs += [(r, str(path)) for r in ("values", "targets", "table")]
    (folder / "utf16_no_bom.csv").write_bytes(
        "metric_id,period,org_unit,value\nSAF04,2025-03,TRUST,1\n".encode("utf-16-le")
    )
    runs.append(("values", str(folder / "utf16_no_bom.csv")))
    header = "".join(
        _cell(f"{c}1", t)
        for c, t in zip("ABCD", ["metric_id", "period", "org_unit", "value"], strict=True)
    )
    books = {
        "far_cell.xlsx": _xlsx(f'<row r="1048576">{_cell("XFD1048576", "x")}</row>'),
        "wide_cell.xlsx": _xlsx(f'<row r="3000">{_cell("XFD3000", "x")}</row>'),
        "dimension.xlsx": _xlsx(_cell("A1", "x"), dimension='<dimension ref="A1:XFD1048576"/>'),
        "many_sheets.xlsx": _xlsx(_cell("A1", "x"), sheets=600),
        "errors.xlsx": _xlsx(
            f'<row r="1">{header}</row><row r="2">{_cell("A2", "SAF04")}'
            '<c r="B2" t="e"><v>#REF!</v></c><c r="D2"><f>1/0</f></c></row>'
        ),
        "recalc.xlsx": _xlsx(
            f'<row r="1">{header}</row><row r="2">{_cell("A2", "SAF04")}{_cell("B2", "2025-03")}'
            f'{_cell("C2", "TRUST")}<c r="D2"><f>2+2</f><v>0</v></c></row>',
            extra='<calcPr fullCalcOnLoad="1"/>',
        ),
        "no_refs.xlsx": _xlsx("<row>" + "<c><v>1</v></c>" * 5_000 + "</row>"),
        "whitespace.xlsx": _whitespace_bomb(1100 * 1024**2),
        "random.xlsx": bytes(range(256)) * 40,
        "truncated.xlsx": _xlsx(f'<row r="1">{header}</row>')[:300],
        "no_workbook.xlsx": _zip_without_workbook(),
    }
    for name, data in books.items():
        path = folder / name
        path.write_bytes(data)
        runs += [(r, str(path)) for r in ("values", "targets", "baf", "table")]
    for name, data in _other_workbooks().items():
        path = folder / name
        path.write_bytes(data)
        runs += [(r, str(path)) for r in ("values", "targets", "baf")]
    book = folder / "xlsxwriter_formula.xlsx"
    workbook = xlsxwriter.Workbook(str(book))
    sheet = workbook.add_worksheet("risks")
    sheet.write_row(0, 0, ["id", "title", "current_likelihood", "current_consequence"])
    sheet.write_row(1, 0, ["SR1", "A risk"])
    sheet.write_formula(1, 2, "=2+2")
    workbook.close()
    runs += [(r, str(book)) for r in ("values", "baf")]
    nested = folder / "nested.parquet"
    pl.DataFrame({"metric_id": ["SAF04"], "value": [[1.0, 2.0]]}).write_parquet(nested)
    garbage = folder / "garbage.parquet"
    garbage.write_bytes(b"PAR1" + bytes(range(256)) * 10 + b"PAR1")
    runs += [(r, str(p)) for p in (nested, garbage) for r in ("values", "table")]
    return runs


def _ods(rows: str, *, prolog: str = "") -> bytes:
    """An .ods package with one sheet ``S`` whose rows are ``rows``."""
    ns = "urn:oasis:names:tc:opendocument:xmlns"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr(
            "META-INF/manifest.xml",
            f'<manifest:manifest xmlns:manifest="{ns}:manifest:1.0"><manifest:file-entry '
            'manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>',
        )
        z.writestr(
            "content.xml",
            f'<?xml version="1.0"?>{prolog}<office:document-content xmlns:office="{ns}:office:1.0"'
            f' xmlns:table="{ns}:table:1.0" xmlns:text="{ns}:text:1.0"><office:body>'
            f'<office:spreadsheet><table:table table:name="S">{rows}</table:table>'
            "</office:spreadsheet></office:body></office:document-content>",
        )
    return buf.getvalue()


def _ods_cell(text: str = "", columns: int = 1) -> str:
    repeat = f' table:number-columns-repeated="{columns}"'
    if not text:
        return f"<table:table-cell{repeat}/>"
    return (
        f'<table:table-cell office:value-type="string"{repeat}><text:p>{text}</text:p>'
        "</table:table-cell>"
    )


def _ods_row(cells: str, rows: int = 1) -> str:
    return f'<table:table-row table:number-rows-repeated="{rows}">{cells}</table:table-row>'


def _record(kind: int, data: bytes = b"") -> bytes:
    """An MS-XLSB record: type and size, seven bits to a byte, then the data."""
    head = bytes([kind]) if kind < 0x80 else bytes([(kind & 0x7F) | 0x80, kind >> 7])
    size, sized = len(data), bytearray()
    while True:
        sized.append((size & 0x7F) | (0x80 if size >> 7 else 0))
        size >>= 7
        if not size:
            return head + bytes(sized) + data


def _xlsb(
    cells: list[tuple[int, int]],
    dimension: tuple[int, int, int, int] = (0, 0, 0, 0),
    *,
    extra: bytes = b"",
    dimension_bytes: bytes | None = None,
) -> bytes:
    """An .xlsb package with one sheet ``S`` holding a number at each (row, column), then the
    records ``extra``."""
    ns = "http://schemas.openxmlformats.org"
    data = b"".join(
        _record(0x0000, struct.pack("<I", r) + bytes(13))
        + _record(0x0005, struct.pack("<IId", c, 0, 1.0))
        for r, c in cells
    )
    data += extra
    if dimension_bytes is None:
        dimension_bytes = struct.pack("<4I", *dimension)
    sheet = (
        _record(0x0081)
        + _record(0x0094, dimension_bytes)
        + _record(0x0091)
        + data
        + _record(0x0092)
        + _record(0x0082)
    )
    bundle = struct.pack("<III", 0, 1, 4) + "rId1".encode("utf-16-le")
    bundle += struct.pack("<I", 1) + "S".encode("utf-16-le")
    book = _record(0x0083) + _record(0x008F) + _record(0x009C, bundle) + _record(0x0090)
    book += _record(0x009D, bytes(26)) + _record(0x0084)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/workbook.bin", book)
        z.writestr(
            "xl/_rels/workbook.bin.rels",
            f'<Relationships xmlns="{ns}/package/2006/relationships"><Relationship Id="rId1" '
            f'Type="{ns}/officeDocument/2006/relationships/worksheet" '
            'Target="worksheets/sheet1.bin"/></Relationships>',
        )
        z.writestr("xl/worksheets/sheet1.bin", sheet)
    return buf.getvalue()


def _other_workbooks() -> dict[str, bytes]:
    """.ods, .xlsb and .xls workbooks: far cells, repeats, declared areas, and a normal one."""
    header = "".join(_ods_cell(h) for h in ("metric_id", "period", "org_unit", "value"))
    first = "".join(_ods_cell(v) for v in ("SAF04", "2025-03", "TRUST", "3"))
    return {
        "libreoffice.ods": _ods(
            _ods_row(header + _ods_cell(columns=1020))
            + _ods_row(first + _ods_cell(columns=1020))
            + _ods_row(_ods_cell(columns=1024), rows=1_048_574)
        ),
        "far_cell.ods": _ods(
            _ods_row(_ods_cell("x"))
            + _ods_row(_ods_cell(), rows=1_048_574)
            + _ods_row(_ods_cell(columns=16_383) + _ods_cell("y"))
        ),
        "repeated_rows.ods": _ods(_ods_row(_ods_cell("x", columns=16_384), rows=1_048_576)),
        "entities.ods": _ods(
            _ods_row(_ods_cell("&b;")),
            prolog='<!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>',
        ),
        "far_cell.xlsb": _xlsb([(0, 0), (1_048_575, 16_383)]),
        "dimension.xlsb": _xlsb([(0, 0)], dimension=(0, 1_048_575, 0, 16_383)),
        "wide_column.xlsb": _xlsb([(0, 0), (0, 0xFFFF_FFF0)]),
        "truncated.xlsb": _xlsb([(0, 0), (1, 1)])[:-40],
        # records calamine reads past the end of (it panics): a short dimension, a shared
        # string that is not there
        "short_dimension.xlsb": _xlsb([(0, 0)], dimension_bytes=bytes(4)),
        "missing_string.xlsb": _xlsb(
            [(0, 0)], extra=_record(0x0007, struct.pack("<III", 1, 0, 99))
        ),
        "compound.xls": bytes.fromhex("d0cf11e0a1b11ae1") + bytes(1016),
    }


def _zip_without_workbook() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("hello.txt", zlib.compress(b"x"))
    return buf.getvalue()


CHILD = r"""
import json, sys, traceback
from datetime import date
from pathlib import Path
from trustboard.errors import TrustboardError
from trustboard.ingest import read_catalogue, read_commentary, read_targets, read_values
from trustboard.ingest.baf_register import read_register
from trustboard.ingest.generic_table import read_table

cat = read_catalogue(sys.argv[1])
metrics = cat.metrics_by_id()
units = {u.code for u in cat.org_units}
readers = {
    "values": lambda p: read_values(p, catalogue=metrics, org_units=units, today=date(2025, 6, 15)),
    "targets": lambda p: read_targets(p, catalogue=metrics),
    "commentary": lambda p: read_commentary(p, catalogue=metrics, org_units=units),
    "catalogue": read_catalogue,
    "baf": read_register,
    "table": read_table,
}
for reader, path in json.loads(Path(sys.argv[2]).read_text()):
    try:
        result = readers[reader](path)
        problems = getattr(result, "problems", [])
        outcome = sorted({str(p.code) for p in problems}) or "read"
    except TrustboardError as error:
        outcome = sorted({str(p.code) for p in error.problems}) or str(error.code)
    except BaseException:
        outcome = "CRASH " + traceback.format_exc()[-1500:]
    print(json.dumps({"reader": reader, "path": Path(path).name, "outcome": outcome}), flush=True)
"""


def test_every_reader_reads_or_refuses_every_hostile_file(tmp_path: Path) -> None:
    runs = _corpus(tmp_path)
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(runs), "utf-8")
    results = run_limited(CHILD, str(CATALOGUE), str(plan), timeout=150)
    assert len(results) == len(runs)
    crashes = [r for r in results if str(r["outcome"]).startswith("CRASH")]
    assert crashes == []
    outcome = {(r["reader"], r["path"]): r["outcome"] for r in results}

    def codes(reader: str, name: str) -> set[str]:
        found = outcome[(reader, name)]
        return {found} if isinstance(found, str) else set(found)

    # what each hostile file must give, worked from the rules (not from a run)
    for name in (
        "far_cell.xlsx",
        "wide_cell.xlsx",
        "dimension.xlsx",
        "many_sheets.xlsx",
        "whitespace.xlsx",
    ):
        for reader in ("values", "targets", "baf", "table"):
            assert "TB-FILE-LIMIT" in codes(reader, name), (reader, name)
    for reader in ("commentary", "targets", "baf", "catalogue"):
        path = "cat_alias_bomb" if reader == "catalogue" else "alias_bomb.yaml"
        assert codes(reader, path) == {"TB-FILE-LIMIT"}, reader
    assert codes("commentary", "front_matter.md") == {"TB-FILE-LIMIT"}
    for name in (
        "far_cell.ods",
        "repeated_rows.ods",
        "far_cell.xlsb",
        "dimension.xlsb",
        "wide_column.xlsb",
    ):
        # (the BAF register reader takes .xlsx only, and refuses these by their suffix)
        for reader in ("values", "targets"):
            assert codes(reader, name) == {"TB-FILE-LIMIT"}, (reader, name)
    assert codes("values", "libreoffice.ods") == {"read"}
    assert codes("values", "entities.ods") == {"TB-V-FILE"}
    assert codes("values", "short_dimension.xlsb") == {"TB-V-FILE"}
    assert codes("values", "missing_string.xlsb") == {"TB-V-FILE"}
    assert codes("values", "compound.xls") == {"TB-V-FILE"}
    assert codes("values", "errors.xlsx") == {"TB-CELL-ERROR", "TB-CELL-FORMULA"}
    assert codes("values", "recalc.xlsx") == {"TB-CELL-FORMULA"}
    assert codes("baf", "xlsxwriter_formula.xlsx") == {"TB-CELL-FORMULA"}
    assert codes("values", "ragged.csv") == {"TB-CSV-RAGGED"}
    assert codes("values", "year_one.csv") == {"TB-V-IMPLAUSIBLE"}
    assert codes("values", "numbers.csv") == {"TB-V-NOT-NUMBER", "TB-V-IMPLAUSIBLE"}
    assert codes("values", "header_only.csv") == {"TB-V-EMPTY"}
    assert codes("values", "utf16_no_bom.csv") == {"read"}
    # a one-row sheet of 5,000 cells took minutes through the free-form table reader
    assert codes("table", "no_refs.xlsx") == {"TB-FILE-LIMIT"}
    assert codes("values", "crlf_mixed.csv") == {"TB-V-FILE"}
