"""Look inside an OpenDocument spreadsheet (.ods) before anything allocates for it.

An .ods file is a zip package whose ``content.xml`` holds every sheet (``table:table``) as rows
and cells.  A row or cell may stand for many: ``table:number-rows-repeated`` and
``table:number-columns-repeated`` repeat it, so a few bytes can describe a sheet of a billion
cells, and calamine builds each sheet as a dense grid.  :func:`scan_ods` measures the package
from its zip directory and streams ``content.xml`` through expat, honouring both repeat
attributes, and checks each sheet against :func:`~trustboard.domain.limits.current_limits`
before calamine reads it.

A sheet's extent runs to its last cell with a value or a formula (calamine reads a cell
without a value type as empty): LibreOffice writes the unused rest of a sheet as repeated
*empty* rows and cells (down to row 1,048,576), which calamine skips and so does this scan.
A document type declaration is refused: a spreadsheet never needs one, and it is how entity
expansion is smuggled in.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from xml.parsers import expat

from trustboard.domain.limits import ReaderLimits, current_limits
from trustboard.errors import DataValidationError
from trustboard.ingest.xlsx_scan import SheetScan, shown, too_big

__all__ = ["check_package_size", "scan_ods"]

_CHUNK = 1 << 20
#: a repeat count (calamine parses it as a 64-bit number)
_COUNT = re.compile(r"\+?[0-9]{1,19}")
# what an element or attribute is, by its local name (any prefix: calamine matches the
# ``table:`` prefix literally, a namespace-aware reader would match another)
_TABLE, _ROW, _CELL = 1, 2, 3
_ELEMENTS = {"table": _TABLE, "table-row": _ROW, "table-cell": _CELL, "covered-table-cell": _CELL}
_VALUE, _COLUMNS, _ROWS, _NAME = 1, 2, 3, 4
_ATTRIBUTES = {
    # attributes that give a cell a value: calamine reads a cell without one of them as empty
    "value-type": _VALUE,
    "value": _VALUE,
    "string-value": _VALUE,
    "date-value": _VALUE,
    "time-value": _VALUE,
    "boolean-value": _VALUE,
    "formula": _VALUE,
    "number-columns-repeated": _COLUMNS,
    "number-rows-repeated": _ROWS,
    "name": _NAME,
}


def _kind(cache: dict[str, int], table: dict[str, int], name: str) -> int:
    """What the (prefixed) ``name`` is, 0 for anything else; remembered in ``cache``."""
    kind = cache[name] = table.get(name.rpartition(":")[2], 0)
    return kind


def _count(key: str, value: str) -> int:
    if not _COUNT.fullmatch(value):
        raise _Unreadable(
            f"a {key} attribute holds '{value[:40]}', not a whole number of at most 19 digits"
        )
    return int(value)


class _Unreadable(Exception):
    """content.xml cannot be measured, so it is not handed to calamine either."""


@dataclass
class _Table:
    scan: SheetScan
    #: rows seen so far, repeats counted
    row_at: int = 0


class _Scanner:
    """expat handlers that follow tables, rows and cells and refuse a sheet too big."""

    def __init__(self, label: str, limits: ReaderLimits) -> None:
        self.label = label
        self.limits = limits
        self.scans: list[SheetScan] = []
        self.tables: list[_Table] = []
        self.row_repeats = 0
        self.in_row = False
        self.column_at = 0
        self.last_column = 0
        self.row_cells = 0
        #: depth inside the current cell (its content: paragraphs, annotations, sub-tables)
        self.cell_depth = 0
        self.elements: dict[str, int] = {}
        self.attributes: dict[str, int] = {}

    def start(self, name: str, attributes: dict[str, str]) -> None:
        if self.cell_depth:
            self.cell_depth += 1
            return
        kind = self.elements.get(name)
        if kind is None:
            kind = _kind(self.elements, _ELEMENTS, name)
        if kind == _CELL:
            if not self.in_row:
                return
            self.cell_depth = 1
            repeats, filled = 1, False
            for key, value in attributes.items():
                role = self.attributes.get(key)
                if role is None:
                    role = _kind(self.attributes, _ATTRIBUTES, key)
                if role == _VALUE:
                    filled = True
                elif role == _COLUMNS:
                    repeats = max(repeats, _count(key, value))
            if filled:
                self.last_column = self.column_at + repeats
                self.row_cells += repeats
            self.column_at += repeats
        elif kind == _ROW:
            if not self.tables:
                return
            self.in_row = True
            self.row_repeats = max(
                [_count(k, v) for k, v in attributes.items() if self._role(k) == _ROWS] or [1]
            )
            self.column_at = self.last_column = self.row_cells = 0
        elif kind == _TABLE:
            if self.tables:
                # a table inside a table but outside any row's cell: calamine reads its rows as
                # more rows of the sheet, so they are counted there
                self.tables.append(self.tables[-1])
                return
            if len(self.scans) >= self.limits.max_sheets:
                raise too_big(
                    self.label,
                    f"the workbook has more than {self.limits.max_sheets:,} sheets",
                    "max_sheets",
                    self.limits.max_sheets,
                )
            sheet = next((v for k, v in attributes.items() if self._role(k) == _NAME), "")
            scan = SheetScan(shown(sheet))
            self.scans.append(scan)
            self.tables.append(_Table(scan))

    def _role(self, key: str) -> int:
        role = self.attributes.get(key)
        return _kind(self.attributes, _ATTRIBUTES, key) if role is None else role

    def end(self, name: str) -> None:
        if self.cell_depth:
            self.cell_depth -= 1
            return
        kind = self.elements.get(name)
        if kind == _ROW and self.in_row:
            self.in_row = False
            self._row_done()
        elif kind == _TABLE and self.tables:
            self.tables.pop()

    def _row_done(self) -> None:
        table = self.tables[-1]
        scan = table.scan
        table.row_at += self.row_repeats
        if self.last_column == 0:
            return  # an empty row (repeated or not) counts only if content follows it
        scan.rows = table.row_at
        scan.columns = max(scan.columns, self.last_column)
        scan.cells += self.row_cells * self.row_repeats
        scan.row_tags += 1
        self._check(scan)

    def _check(self, scan: SheetScan) -> None:
        limits = self.limits
        area = scan.rows * scan.columns
        if area > limits.max_sheet_cells or scan.cells > limits.max_sheet_cells:
            raise too_big(
                self.label,
                f"sheet '{scan.name}' reaches row {scan.rows:,} and column {scan.columns:,} "
                f"({max(area, scan.cells):,} cells)",
                "max_sheet_cells",
                limits.max_sheet_cells,
            )
        if scan.rows > limits.max_rows + 1:
            raise too_big(
                self.label,
                f"sheet '{scan.name}' has {scan.rows:,} rows",
                "max_rows",
                limits.max_rows,
            )


def _refuse_doctype(*_: object) -> None:
    raise DataValidationError(
        "the spreadsheet declares a document type (<!DOCTYPE>), which a spreadsheet never "
        "needs and which can expand entities without bound; save it again from the "
        "spreadsheet program",
        [],
    )


def check_package_size(package: zipfile.ZipFile, label: str, limits: ReaderLimits) -> None:
    """Refuse a zip package (.xlsx, .xlsb, .ods) whose parts decompress past the limit, judged
    from its directory before anything is decompressed."""
    total = sum(info.file_size for info in package.infolist())
    if total > limits.max_xlsx_bytes:
        raise too_big(
            label,
            f"the workbook decompresses to {total:,} bytes",
            "max_xlsx_bytes",
            limits.max_xlsx_bytes,
        )


def scan_ods(data: bytes, label: str) -> list[SheetScan] | None:
    """Check an .ods workbook against the limits before it is read; ``None`` when ``data`` is
    not a plain .ods package (calamine then reports what is wrong with it).

    Raises :class:`~trustboard.errors.DataValidationError` (``TB-FILE-LIMIT``) naming the
    sheet, its extent and the limit when a sheet, the sheet count or the package is too big,
    and (without a code) when ``content.xml`` declares a document type.
    """
    limits = current_limits()
    try:
        package = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError):
        return None
    with package:
        check_package_size(package, label, limits)
        scanner = _Scanner(label, limits)
        parser = expat.ParserCreate()
        parser.StartDoctypeDeclHandler = _refuse_doctype
        parser.EntityDeclHandler = _refuse_doctype
        parser.StartElementHandler = scanner.start
        parser.EndElementHandler = scanner.end
        try:
            with package.open("content.xml") as stream:
                while piece := stream.read(_CHUNK):
                    parser.Parse(piece, False)
                parser.Parse(b"", True)
        except (KeyError, zipfile.BadZipFile, EOFError, OSError):
            return None
        except expat.ExpatError as exc:
            # calamine's parser may read on past the point where expat stops, so what follows
            # cannot be left unmeasured
            reason = f"{expat.ErrorString(exc.code)}, line {exc.lineno}"
            raise _refused(f"content.xml is not well-formed XML ({reason})") from None
        except _Unreadable as exc:
            raise _refused(f"content.xml cannot be measured: {exc}") from None
    return scanner.scans


def _refused(reason: str) -> DataValidationError:
    return DataValidationError(
        f"the spreadsheet cannot be read safely: {reason}; open it in LibreOffice or Excel and "
        "save it again",
        [],
    )
