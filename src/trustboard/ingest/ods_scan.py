"""Look inside an OpenDocument spreadsheet (.ods) before anything allocates for it.

An .ods file is a zip package whose ``content.xml`` holds every sheet (``table:table``) as rows
and cells.  A row or cell may stand for many: ``table:number-rows-repeated`` and
``table:number-columns-repeated`` repeat it, so a few bytes can describe a sheet of a billion
cells, and calamine builds each sheet as a dense grid.  :func:`scan_ods` measures the package
from its zip directory and streams ``content.xml`` through expat, honouring both repeat
attributes, and checks each sheet against :func:`~trustboard.domain.limits.current_limits`
before calamine reads it.

A sheet's extent runs to its last cell with content (a value, a formula or any text):
LibreOffice writes the unused rest of a sheet as repeated *empty* rows and cells (down to row
1,048,576), which calamine skips and so does this scan.  A document type declaration is
refused: a spreadsheet never needs one, and it is how entity expansion is smuggled in.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from xml.parsers import expat

from trustboard.domain.limits import ReaderLimits, current_limits
from trustboard.errors import DataValidationError
from trustboard.ingest.xlsx_scan import SheetScan, too_big

__all__ = ["check_package_size", "scan_ods"]

_CHUNK = 1 << 20
_COUNT = re.compile(r"\+?[0-9]+")
#: attributes that give a cell a value (calamine reads the cell as empty without one of them)
_VALUE_ATTRIBUTES = frozenset(
    {
        "value-type",
        "value",
        "string-value",
        "date-value",
        "time-value",
        "boolean-value",
        "formula",
    }
)


def _local(name: str) -> str:
    return name.rpartition(":")[2]


def _repeats(attributes: dict[str, str], local: str) -> int:
    """The largest repeat count among the attributes named ``local`` under any prefix (1 when
    there is none)."""
    found = 1
    for key, value in attributes.items():
        if _local(key) == local:
            if not _COUNT.fullmatch(value):
                shown = value[:40]
                raise _Unreadable(f"a {key} attribute holds '{shown}', not a whole number")
            found = max(found, int(value))
    return found


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
        self.cell_repeats = 1
        self.cell_filled = False
        #: depth inside the current cell (its content: paragraphs, annotations, sub-tables)
        self.cell_depth = 0

    def start(self, name: str, attributes: dict[str, str]) -> None:
        if self.cell_depth:
            self.cell_depth += 1
            return
        local = _local(name)
        if local == "table":
            if len(self.scans) >= self.limits.max_sheets:
                raise too_big(
                    self.label,
                    f"the workbook has more than {self.limits.max_sheets:,} sheets",
                    "max_sheets",
                    self.limits.max_sheets,
                )
            sheet = next((v for k, v in attributes.items() if _local(k) == "name"), "")
            scan = SheetScan(sheet)
            self.scans.append(scan)
            self.tables.append(_Table(scan))
        elif local == "table-row" and self.tables:
            self.in_row = True
            self.row_repeats = _repeats(attributes, "number-rows-repeated")
            self.column_at = 0
            self.last_column = 0
            self.row_cells = 0
        elif local in ("table-cell", "covered-table-cell") and self.in_row:
            self.cell_repeats = _repeats(attributes, "number-columns-repeated")
            self.cell_filled = False
            if any(_local(k) in _VALUE_ATTRIBUTES for k in attributes):
                self._filled()
            self.column_at += self.cell_repeats
            self.cell_depth = 1

    def _filled(self) -> None:
        """The current cell (with its repeats) has content."""
        if not self.cell_filled:
            self.cell_filled = True
            start = self.column_at if self.cell_depth == 0 else self.column_at - self.cell_repeats
            self.last_column = start + self.cell_repeats
            self.row_cells += self.cell_repeats

    def end(self, name: str) -> None:
        if self.cell_depth:
            self.cell_depth -= 1
            return
        local = _local(name)
        if local == "table" and self.tables:
            self.tables.pop()
        elif local == "table-row" and self.in_row:
            self.in_row = False
            self._row_done()

    def content(self, data: str) -> None:
        # text directly in a cell without a value type (calamine skips it; counted anyway, so
        # that nothing a reader might show lies outside the measured extent)
        if self.cell_depth and data.strip():
            self._filled()

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
        parser.CharacterDataHandler = scanner.content
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
