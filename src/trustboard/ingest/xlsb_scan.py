"""Look inside an Excel binary workbook (.xlsb) before anything allocates for it.

An .xlsb file is a zip package whose sheets (``xl/worksheets/sheetN.bin``) are streams of
binary records (MS-XLSB 2.1.4): a record type of one or two bytes and a size of one to four
bytes, seven bits to a byte, then the record's data.  calamine builds each sheet as a dense grid
spanning its cells, whose row and column numbers a record may set to anything.
:func:`scan_xlsb` measures the package from its zip directory and streams each sheet's records
in one-megabyte pieces, checking against :func:`~trustboard.domain.limits.current_limits`:

* the declared dimension (``BrtWsDim``: first and last row and column);
* the extent the cells reach (each ``BrtRowHdr`` sets the row, each cell record names its
  column) and the number of cells.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
from collections.abc import Iterator
from typing import IO

from trustboard.domain.limits import ReaderLimits, current_limits
from trustboard.ingest.ods_scan import check_package_size
from trustboard.ingest.xlsx_scan import SheetScan, shown, too_big

__all__ = ["scan_xlsb"]

_CHUNK = 1 << 20
#: the leading bytes of a record kept for the scan (the dimension record has sixteen)
_HEAD = 16
_ROW_HEADER = 0x0000
_DIMENSION = 0x0094
_END_SHEET_DATA = 0x0092
_BUNDLE_SHEET = 0x009C
_END_BUNDLE_SHEETS = 0x0090
#: a sheet's entry in the workbook (state, tab id, relationship id and name) is read whole
_BUNDLE_BYTES = 4096
#: cell records that hold a value run from 0x0002 to 0x000B (RK, error, bool, real, string,
#: shared string and the four formula cells); the blank cell (0x0001) is not read as a cell
_FIRST_CELL, _LAST_CELL = 0x0002, 0x000B
#: calamine stops reading a sheet at a row past this one
_LAST_ROW = 0x0010_0000
#: folders whose parts calamine may open as sheets
_SHEET_FOLDERS = ("xl/worksheets/", "xl/chartsheets/", "xl/dialogsheets/")
_RELATIONSHIP = re.compile(
    rb"<Relationship\b[^>]*?\bId\s*=\s*\"([^\"]*)\"[^>]*?\bTarget\s*=\s*\"([^\"]*)\"", re.S
)


class _Truncated(Exception):
    """The record stream ends inside a record."""


def _records(stream: IO[bytes], keep: int = _HEAD) -> Iterator[tuple[int, bytes, int]]:
    """The records of one part, read in pieces: (type, its first ``keep`` bytes, size)."""
    data, at, ended = b"", 0, False
    # a record's header is at most six bytes: with this much in hand, the header and the
    # bytes kept are never split across pieces (unless the part ends first)
    wanted = keep + 8
    while True:
        if len(data) - at < wanted and not ended:
            piece = stream.read(_CHUNK)
            ended = not piece
            data, at = data[at:] + piece, 0
        end = len(data)
        if at >= end:
            return
        # the type: one byte, or two when the first has its high bit set (seven bits each)
        kind = data[at]
        at += 1
        if kind & 0x80:
            if at >= end:
                raise _Truncated
            kind = (kind & 0x7F) | ((data[at] & 0x7F) << 7)
            at += 1
        # the size: one to four bytes, seven bits each, while the high bit is set
        size = 0
        for shift in (0, 7, 14, 21):
            if at >= end:
                raise _Truncated
            part = data[at]
            at += 1
            size |= (part & 0x7F) << shift
            if not part & 0x80:
                break
        head = data[at : at + min(size, keep)]
        if len(head) < min(size, keep):
            raise _Truncated
        at += size
        if at > end:
            # a record longer than the piece in hand: skip the rest of it
            left = at - end
            data, at = b"", 0
            while left:
                skipped = len(stream.read(min(left, _CHUNK)))
                if not skipped:
                    raise _Truncated
                left -= skipped
        yield kind, head, size


def _u32s(head: bytes, count: int) -> tuple[int, ...]:
    padded = head.ljust(4 * count, b"\0")
    return struct.unpack_from(f"<{count}I", padded)


def _sheet_names(package: zipfile.ZipFile) -> dict[str, str]:
    """Each sheet part's name in the workbook (``{"xl/worksheets/sheet1.bin": "Data"}``), as
    far as ``xl/workbook.bin`` and its relationships say; parts it does not name keep their
    path."""
    try:
        rels = package.read("xl/_rels/workbook.bin.rels")
        targets = {
            rel.decode("utf-8", "replace"): target.decode("utf-8", "replace")
            for rel, target in _RELATIONSHIP.findall(rels)
        }
        names: dict[str, str] = {}
        with package.open("xl/workbook.bin") as stream:
            for kind, data, size in _records(stream, _BUNDLE_BYTES):
                if kind == _END_BUNDLE_SHEETS:
                    break
                if kind != _BUNDLE_SHEET or size > _BUNDLE_BYTES:
                    continue
                (rel_length,) = _u32s(data[8:12], 1)
                if rel_length == 0xFFFF_FFFF or 12 + 2 * rel_length + 4 > len(data):
                    continue
                rel = data[12 : 12 + 2 * rel_length].decode("utf-16-le", "replace")
                start = 12 + 2 * rel_length
                (name_length,) = _u32s(data[start : start + 4], 1)
                name = data[start + 4 : start + 4 + 2 * name_length].decode("utf-16-le", "replace")
                if rel in targets:
                    names[f"xl/{targets[rel]}"] = name
        return names
    except (KeyError, zipfile.BadZipFile, EOFError, OSError, _Truncated):
        return {}


def _scan_sheet(
    package: zipfile.ZipFile, member: str, name: str, label: str, limits: ReaderLimits
) -> SheetScan:
    scan = SheetScan(name)
    most_cells, most_rows = limits.max_sheet_cells, limits.max_rows + 1
    row = rows = columns = cells = row_tags = 0
    with package.open(member) as stream:
        for kind, head, _ in _records(stream):
            if _FIRST_CELL <= kind <= _LAST_CELL:
                column = int.from_bytes(head[:4], "little") + 1
                cells += 1
                if row >= rows or column > columns:
                    rows, columns = max(rows, row + 1), max(columns, column)
                    if rows * columns > most_cells or rows > most_rows:
                        break
                elif cells > most_cells:
                    break
            elif kind == _ROW_HEADER:
                row = int.from_bytes(head[:4], "little")
                row_tags += 1
                if row > _LAST_ROW:
                    break  # calamine stops reading the sheet here
            elif kind == _DIMENSION:
                _check_dimension(head, name, label, limits)
            elif kind == _END_SHEET_DATA:
                break
    scan.rows, scan.columns, scan.cells, scan.row_tags = rows, columns, cells, row_tags
    area = rows * columns
    if area > most_cells or cells > most_cells:
        raise too_big(
            label,
            f"sheet '{name}' reaches row {rows:,} and column {columns:,} "
            f"({max(area, cells):,} cells)",
            "max_sheet_cells",
            most_cells,
        )
    if rows > most_rows:
        raise too_big(label, f"sheet '{name}' has {rows:,} rows", "max_rows", limits.max_rows)
    return scan


def _check_dimension(head: bytes, name: str, label: str, limits: ReaderLimits) -> None:
    first_row, last_row, first_column, last_column = _u32s(head, 4)
    area = (abs(last_row - first_row) + 1) * (abs(last_column - first_column) + 1)
    if area > limits.max_sheet_cells:
        raise too_big(
            label,
            f"sheet '{name}' declares an area of {area:,} cells (rows {first_row + 1:,} to "
            f"{last_row + 1:,}, columns {first_column + 1:,} to {last_column + 1:,})",
            "max_sheet_cells",
            limits.max_sheet_cells,
        )


def scan_xlsb(data: bytes, label: str) -> list[SheetScan] | None:
    """Check an .xlsb workbook against the limits before it is read; ``None`` when ``data`` is
    not a plain .xlsb package (calamine then reports what is wrong with it).

    Raises :class:`~trustboard.errors.DataValidationError` (``TB-FILE-LIMIT``) naming the
    sheet, what it declares or reaches and the limit when a sheet, the sheet count or the
    package is too big.
    """
    limits = current_limits()
    try:
        package = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError):
        return None
    with package:
        check_package_size(package, label, limits)
        names = _sheet_names(package)
        members = [
            info.filename
            for info in package.infolist()
            if info.filename.startswith(_SHEET_FOLDERS) and not info.is_dir()
        ]
        count = max(len(names), len(members))
        if count > limits.max_sheets:
            raise too_big(
                label, f"the workbook has {count:,} sheets", "max_sheets", limits.max_sheets
            )
        scans: list[SheetScan] = []
        for member in members:
            try:
                name = shown(names.get(member, member))
                scans.append(_scan_sheet(package, member, name, label, limits))
            except (zipfile.BadZipFile, EOFError, OSError, _Truncated):
                return None
    return scans
