"""Small .ods and .xlsb workbooks written byte by byte, for the tests of the bounded readers.

Only the parts calamine needs are written: for .ods the ``mimetype``, the manifest and
``content.xml``; for .xlsb the workbook (its sheet list), its relationships and each sheet's
record stream (MS-XLSB: a type and a size, each seven bits to a byte, then the data).
"""

from __future__ import annotations

import io
import struct
import zipfile
from xml.sax.saxutils import escape

ODS_NAMESPACES = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
)


def ods(tables: str, *, prolog: str = "") -> bytes:
    """An .ods package whose spreadsheet body is ``tables`` (``<table:table>`` elements)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr(
            zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet"
        )
        package.writestr(
            "META-INF/manifest.xml",
            '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:'
            'manifest:1.0"><manifest:file-entry manifest:full-path="/" manifest:media-type='
            '"application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry '
            'manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
            "</manifest:manifest>",
        )
        package.writestr(
            "content.xml",
            f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<office:document-content '
            f"{ODS_NAMESPACES}><office:body><office:spreadsheet>{tables}"
            "</office:spreadsheet></office:body></office:document-content>",
        )
    return buffer.getvalue()


def ods_text(text: str, repeat: int = 1) -> str:
    """A text cell, repeated across ``repeat`` columns."""
    repeated = f' table:number-columns-repeated="{repeat}"' if repeat > 1 else ""
    return (
        f'<table:table-cell office:value-type="string"{repeated}>'
        f"<text:p>{escape(text)}</text:p></table:table-cell>"
    )


def ods_number(value: float) -> str:
    return (
        f'<table:table-cell office:value-type="float" office:value="{value}">'
        f"<text:p>{value}</text:p></table:table-cell>"
    )


def ods_empty(repeat: int = 1) -> str:
    """Empty cells as LibreOffice writes them: one element repeated across the columns."""
    repeated = f' table:number-columns-repeated="{repeat}"' if repeat > 1 else ""
    return f'<table:table-cell table:style-name="ce1"{repeated}/>'


def ods_row(cells: str, repeat: int = 1) -> str:
    repeated = f' table:number-rows-repeated="{repeat}"' if repeat > 1 else ""
    return f'<table:table-row table:style-name="ro1"{repeated}>{cells}</table:table-row>'


def ods_table(name: str, rows: str) -> str:
    return (
        f'<table:table table:name="{escape(name)}"><table:table-column '
        f'table:number-columns-repeated="1024"/>{rows}</table:table>'
    )


def record(kind: int, data: bytes = b"") -> bytes:
    """One MS-XLSB record: its type and size (seven bits to a byte), then ``data``."""
    head = bytes([kind]) if kind < 0x80 else bytes([(kind & 0x7F) | 0x80, kind >> 7])
    size, encoded = len(data), bytearray()
    while True:
        byte = size & 0x7F
        size >>= 7
        encoded.append(byte | (0x80 if size else 0))
        if not size:
            break
    return head + bytes(encoded) + data


def _wide(text: str) -> bytes:
    return struct.pack("<I", len(text)) + text.encode("utf-16-le")


def xlsb_row(row: int) -> bytes:
    """``BrtRowHdr`` for row ``row`` (0-based): the row, then style, height and flags."""
    return record(0x0000, struct.pack("<IIH", row, 0, 300) + bytes(7))


def xlsb_number(column: int, value: float) -> bytes:
    """``BrtCellReal`` at ``column`` (0-based) of the current row."""
    return record(0x0005, struct.pack("<II", column, 0) + struct.pack("<d", value))


def xlsb_text(column: int, text: str) -> bytes:
    """``BrtCellSt`` (an inline string) at ``column`` (0-based) of the current row."""
    return record(0x0006, struct.pack("<II", column, 0) + _wide(text))


def xlsb_sheet(cells: bytes, *, dimension: tuple[int, int, int, int] = (0, 0, 0, 0)) -> bytes:
    """A sheet's records: begin, dimension (first row, last row, first column, last column,
    0-based), the sheet data ``cells``, end."""
    return (
        record(0x0081)
        + record(0x0094, struct.pack("<4I", *dimension))
        + record(0x0091)
        + cells
        + record(0x0092)
        + record(0x0082)
    )


def xlsb(sheets: dict[str, bytes]) -> bytes:
    """An .xlsb package holding ``sheets`` (name to the sheet's records, see
    :func:`xlsb_sheet`)."""
    ns = "http://schemas.openxmlformats.org"
    bundles = b"".join(
        record(0x009C, struct.pack("<II", 0, i + 1) + _wide(f"rId{i + 1}") + _wide(name))
        for i, name in enumerate(sheets)
    )
    workbook = (
        record(0x0083)  # BrtBeginBook
        + record(0x008F)  # BrtBeginBundleShs
        + bundles
        + record(0x0090)  # BrtEndBundleShs
        + record(0x009D, bytes(26))  # BrtCalcProp
        + record(0x0084)  # BrtEndBook
    )
    rels = "".join(
        f'<Relationship Id="rId{i + 1}" Type="{ns}/officeDocument/2006/relationships/'
        f'worksheet" Target="worksheets/sheet{i + 1}.bin"/>'
        for i in range(len(sheets))
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr(
            "[Content_Types].xml",
            f'<Types xmlns="{ns}/package/2006/content-types"><Default Extension="bin" '
            'ContentType="application/vnd.ms-excel.sheet.binary.macroEnabled.main"/></Types>',
        )
        package.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{ns}/package/2006/relationships"><Relationship Id="rId1" '
            f'Type="{ns}/officeDocument/2006/relationships/officeDocument" '
            'Target="xl/workbook.bin"/></Relationships>',
        )
        package.writestr("xl/workbook.bin", workbook)
        package.writestr(
            "xl/_rels/workbook.bin.rels",
            f'<Relationships xmlns="{ns}/package/2006/relationships">{rels}</Relationships>',
        )
        for i, records in enumerate(sheets.values()):
            package.writestr(f"xl/worksheets/sheet{i + 1}.bin", records)
    return buffer.getvalue()
