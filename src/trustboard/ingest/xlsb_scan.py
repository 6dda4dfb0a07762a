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
from trustboard.ingest.xlsx_scan import SheetScan, too_big

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
#: cell records that hold a value (blank, RK, error, bool, real, string, shared string and the
#: four formula cells); the blank cell (0x0001) is not read as a cell
_CELLS = range(0x0002, 0x000C)
#: calamine stops reading a sheet at a row past this one
_LAST_ROW = 0x0010_0000
#: folders whose parts calamine may open as sheets
_SHEET_FOLDERS = ("xl/worksheets/", "xl/chartsheets/", "xl/dialogsheets/")
_RELATIONSHIP = re.compile(
    rb"<Relationship\b[^>]*?\bId\s*=\s*\"([^\"]*)\"[^>]*?\bTarget\s*=\s*\"([^\"]*)\"", re.S
)


class _Truncated(Exception):
    """The record stream ends inside a record."""


class _Records:
    """The records of one part, read in pieces: (type, leading bytes, size) for each."""

    def __init__(self, stream: IO[bytes], head: int = _HEAD) -> None:
        self.stream = stream
        self.head = head
        self.buffer = b""
        self.at = 0

    def _ensure(self, count: int) -> bool:
        """Make ``count`` bytes available from ``at``; False at the end of the part."""
        while len(self.buffer) - self.at < count:
            piece = self.stream.read(_CHUNK)
            if not piece:
                return False
            self.buffer = self.buffer[self.at :] + piece
            self.at = 0
        return True

    def _byte(self) -> int:
        if not self._ensure(1):
            raise _Truncated
        value = self.buffer[self.at]
        self.at += 1
        return value

    def _skip(self, count: int) -> None:
        while count:
            available = len(self.buffer) - self.at
            if available >= count:
                self.at += count
                return
            count -= available
            self.buffer, self.at = b"", 0
            if not self._ensure(min(count, _CHUNK)):
                raise _Truncated

    def __iter__(self) -> Iterator[tuple[int, bytes, int]]:
        while self._ensure(1):
            # the type: one byte, or two when the first has its high bit set (seven bits each)
            first = self._byte()
            kind = first
            if first & 0x80:
                kind = (first & 0x7F) | ((self._byte() & 0x7F) << 7)
            # the size: one to four bytes, seven bits each, while the high bit is set
            part = self._byte()
            size = part & 0x7F
            for shift in (7, 14, 21):
                if not part & 0x80:
                    break
                part = self._byte()
                size |= (part & 0x7F) << shift
            keep = min(size, self.head)
            if not self._ensure(keep):
                raise _Truncated
            head = self.buffer[self.at : self.at + keep]
            self.at += keep
            self._skip(size - keep)
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
            for kind, data, size in _Records(stream, head=_BUNDLE_BYTES):
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
    row = 0
    with package.open(member) as stream:
        for kind, head, _ in _Records(stream):
            if kind in _CELLS:
                (column,) = _u32s(head, 1)
                scan.rows = max(scan.rows, row + 1)
                scan.columns = max(scan.columns, column + 1)
                scan.cells += 1
                if scan.rows * scan.columns > limits.max_sheet_cells or (
                    scan.cells > limits.max_sheet_cells
                ):
                    area = max(scan.rows * scan.columns, scan.cells)
                    raise too_big(
                        label,
                        f"sheet '{name}' reaches row {scan.rows:,} and column "
                        f"{scan.columns:,} ({area:,} cells)",
                        "max_sheet_cells",
                        limits.max_sheet_cells,
                    )
                if scan.rows > limits.max_rows + 1:
                    raise too_big(
                        label, f"sheet '{name}' has {scan.rows:,} rows", "max_rows", limits.max_rows
                    )
            elif kind == _ROW_HEADER:
                (row,) = _u32s(head, 1)
                scan.row_tags += 1
                if row > _LAST_ROW:
                    break  # calamine stops reading the sheet here
            elif kind == _DIMENSION:
                _check_dimension(head, name, label, limits)
            elif kind == _END_SHEET_DATA:
                break
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
                scans.append(_scan_sheet(package, member, names.get(member, member), label, limits))
            except (zipfile.BadZipFile, EOFError, OSError, _Truncated):
                return None
    return scans
