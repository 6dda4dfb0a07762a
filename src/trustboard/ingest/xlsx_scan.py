"""Look inside an .xlsx workbook before anything allocates for it.

calamine builds each sheet as a dense grid from the sheet's declared or actual extent, so one
cell at ``XFD1048576`` in a 5 KB file asks for hundreds of gigabytes, and a few megabytes of
compressed whitespace decompress to gigabytes.  :func:`scan_xlsx` reads the package's
directory and streams each sheet's XML in small pieces, checking against
:func:`~trustboard.domain.limits.current_limits`:

* the decompressed size of every part together, and the number of sheets;
* each sheet's declared ``<dimension ref=…>`` and its actual extent (rows x columns), and its
  number of cells.

It also finds the cells whose value a reader would have to guess: error cells (``#DIV/0!``,
which calamine reads as blank) and formula cells with no stored result (read as blank), or
every formula cell when the workbook asks to be recalculated when opened (``fullCalcOnLoad``:
files written by programs store a result that was never calculated, usually 0).
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field

from trustboard.domain.limits import ReaderLimits, current_limits
from trustboard.errors import DataValidationError, ErrorCode, Problem

__all__ = ["SheetScan", "column_number", "scan_xlsx", "shown", "too_big"]

_CHUNK = 1 << 20
#: what may follow ``<c`` in a cell's start tag (whitespace, ``>`` or ``/``)
_CELL_ENDS = (b" ", b">", b"/", b"\t", b"\n", b"\r")
_CELL_BODY = re.compile(rb"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.S)
# references may be quoted either way, spaced around "=", lower case or with "$": calamine
# reads them all, so every form counts
_REF = re.compile(rb"\br\s*=\s*[\"']\$?([A-Za-z]{1,3})\$?(\d{1,7})[\"']")
_TYPE = re.compile(rb"\bt\s*=\s*[\"']([a-zA-Z]+)[\"']")
_VALUE = re.compile(rb"<v>([^<]*)</v>")
_DIMENSION = re.compile(
    rb"<dimension\s+ref\s*=\s*[\"']\$?([A-Za-z]{1,3})\$?(\d{1,7})"
    rb"(?::\$?([A-Za-z]{1,3})\$?(\d{1,7}))?[\"']"
)
_SHOWN = 20
# no \b before r="...": a pattern that starts with a literal is found several times faster,
# and a false match (xr="A1") can only make the check stricter
_ROW_REFS = {
    d: re.compile(rb"r\s*=\s*[\"']\$?[A-Za-z]{1,3}\$?(\d{%d})[\"']" % d) for d in range(1, 8)
}
_COLUMN_REFS = {w: re.compile(rb"r\s*=\s*[\"']\$?([A-Za-z]{%d})\$?\d" % w) for w in (1, 2, 3)}
#: cells whose value is to be checked: errors and formulas (rare, so found by one search)
_SUSPECT = re.compile(rb"<f[\s>/]|t\s*=\s*[\"']e[\"']")


def column_number(letters: str) -> int:
    """``A`` is 1, ``Z`` 26, ``AA`` 27, ``XFD`` 16384."""
    number = 0
    for char in letters.upper():
        number = number * 26 + (ord(char) - 64)
    return number


@dataclass
class SheetScan:
    """What one sheet's XML holds: its extent, its cell count and the cells to refuse."""

    name: str
    rows: int = 0
    columns: int = 0
    cells: int = 0
    row_tags: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def width(self) -> int:
        """Columns of the sheet: the last column named, or (when cells name no column) the
        cells per row on average."""
        return max(self.columns, self.cells // max(self.row_tags, 1))


def shown(name: str) -> str:
    """A sheet name as an error message repeats it: cut at ``max_echo_chars``."""
    limit = current_limits().max_echo_chars
    return name if len(name) <= limit else name[:limit] + f"… ({len(name):,} characters)"


def too_big(label: str, what: str, limit_name: str, limit: int) -> DataValidationError:
    """``TB-FILE-LIMIT`` for ``label``: ``what`` was found, and the limit that refuses it."""
    return DataValidationError(
        f"{what}; the limit is {limit:,} ({limit_name} in the configuration, see docs/security.md)",
        [Problem(ErrorCode.FILE_LIMIT, what, file=label, expected=f"at most {limit:,}")],
        code=ErrorCode.FILE_LIMIT,
    )


def _sheet_members(package: zipfile.ZipFile) -> list[tuple[str, str]]:
    from xml.etree import ElementTree

    book = ElementTree.fromstring(package.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(package.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels}
    out: list[tuple[str, str]] = []
    for sheet in book.iter():
        if not sheet.tag.endswith("}sheet"):
            continue
        rel = next((v for k, v in sheet.attrib.items() if k.endswith("}id")), None)
        target = targets.get(rel, "")
        member = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        out.append((sheet.get("name", ""), member))
    return out


def _recalculates(package: zipfile.ZipFile) -> bool:
    book = package.read("xl/workbook.xml")
    return re.search(rb'<calcPr\b[^>]*\bfullCalcOnLoad="(1|true)"', book) is not None


def _check_cells(scan: SheetScan, chunk: bytes, label: str, recalc: bool) -> None:
    for match in _CELL_BODY.finditer(chunk):
        attrs, body = match.group(1), match.group(2) or b""
        kind = _TYPE.search(attrs)
        is_error = kind is not None and kind.group(1) == b"e"
        has_formula = re.search(rb"<f[\s>/]", body) is not None
        if not (is_error or has_formula):
            continue
        value = _VALUE.search(body)
        cached = value.group(1).decode("utf-8", "replace") if value else ""
        ref = _REF.search(attrs)
        row = int(ref.group(2)) if ref else None
        column = ref.group(1).decode() if ref else None
        if is_error:
            problem = Problem(
                ErrorCode.CELL_ERROR,
                "the cell holds a spreadsheet error, not a value",
                file=label,
                sheet=scan.name,
                row=row,
                column=column,
                value=cached or None,
                expected="a value (correct the formula, or leave the cell blank)",
            )
        elif not cached or recalc:
            why = (
                "the workbook was saved without calculating its formulas (it asks to be "
                "recalculated when opened), so the stored result cannot be trusted"
                if cached
                else "the formula has no stored result"
            )
            problem = Problem(
                ErrorCode.CELL_FORMULA,
                why,
                file=label,
                sheet=scan.name,
                row=row,
                column=column,
                expected="open and save the workbook in Excel, or paste the values",
            )
        else:
            continue
        if len(scan.problems) < _SHOWN:
            scan.problems.append(problem)


def _extent(scan: SheetScan, chunk: bytes) -> None:
    # the largest row and column named: among references of the most digits (letters), the
    # largest by comparing bytes, which the regex engine does without a Python loop per cell
    for digits in range(7, 0, -1):
        rows = _ROW_REFS[digits].findall(chunk)
        if rows:
            scan.rows = max(scan.rows, int(max(rows)))
            break
    for width in (3, 2, 1):
        found = _COLUMN_REFS[width].findall(chunk)
        if found:
            scan.columns = max(scan.columns, max(column_number(f.decode()) for f in set(found)))
            break
    scan.cells += sum(chunk.count(b"<c" + end) for end in _CELL_ENDS)
    scan.row_tags += chunk.count(b"<row")


def _scan_sheet(
    package: zipfile.ZipFile,
    name: str,
    member: str,
    label: str,
    limits: ReaderLimits,
    recalc: bool,
) -> SheetScan:
    scan = SheetScan(name)
    carry = b""
    first = True
    with package.open(member) as stream:
        while True:
            piece = stream.read(_CHUNK)
            buffer = carry + piece
            if first:
                first = False
                _check_dimension(buffer[:_CHUNK], name, label, limits)
            if not piece:
                ready, carry = buffer, b""
            else:
                # hold back the last (possibly incomplete) cell for the next piece
                cut = max(buffer.rfind(b"<c "), buffer.rfind(b"<c>"), buffer.rfind(b"</row>"))
                if cut <= 0:
                    cut = max(len(buffer) - 64, 0) if len(buffer) > 4 * _CHUNK else 0
                ready, carry = buffer[:cut], buffer[cut:]
            _extent(scan, ready)
            if _SUSPECT.search(ready):
                _check_cells(scan, ready, label, recalc)
            area = scan.rows * scan.columns
            if area > limits.max_sheet_cells or scan.cells > limits.max_sheet_cells:
                raise too_big(
                    label,
                    f"sheet '{name}' reaches row {scan.rows:,} and column {scan.columns:,} "
                    f"({max(area, scan.cells):,} cells)",
                    "max_sheet_cells",
                    limits.max_sheet_cells,
                )
            if scan.rows > limits.max_rows + 1:
                raise too_big(
                    label, f"sheet '{name}' has {scan.rows:,} rows", "max_rows", limits.max_rows
                )
            if not piece:
                return scan


def _check_dimension(head: bytes, name: str, label: str, limits: ReaderLimits) -> None:
    found = _DIMENSION.search(head)
    if found is None or found.group(3) is None:
        return
    first_col, first_row = column_number(found.group(1).decode()), int(found.group(2))
    last_col, last_row = column_number(found.group(3).decode()), int(found.group(4))
    area = (abs(last_row - first_row) + 1) * (abs(last_col - first_col) + 1)
    if area > limits.max_sheet_cells:
        ref = found.group(0).decode()
        raise too_big(
            label,
            f"sheet '{name}' declares an area of {area:,} cells ({ref})",
            "max_sheet_cells",
            limits.max_sheet_cells,
        )


def scan_xlsx(data: bytes, label: str) -> list[SheetScan] | None:
    """Check an .xlsx workbook against the limits before it is read; ``None`` when ``data`` is
    not a plain .xlsx package (calamine then reports what is wrong with it).

    Raises :class:`~trustboard.errors.DataValidationError` (``TB-FILE-LIMIT``) when the
    workbook is too big, and (``TB-CELL-ERROR``, ``TB-CELL-FORMULA``) naming each error cell
    and each formula whose result is not stored (the first twenty).
    """
    limits = current_limits()
    try:
        package = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError):
        return None
    with package:
        total = sum(info.file_size for info in package.infolist())
        if total > limits.max_xlsx_bytes:
            raise too_big(
                label,
                f"the workbook decompresses to {total:,} bytes",
                "max_xlsx_bytes",
                limits.max_xlsx_bytes,
            )
        parts = set(package.namelist())
        try:
            members = _sheet_members(package)
        except (KeyError, ValueError, SyntaxError):
            members = []
        if len(members) > limits.max_sheets:
            raise too_big(
                label, f"the workbook has {len(members):,} sheets", "max_sheets", limits.max_sheets
            )
        if not members or any(member not in parts for _, member in members):
            # the workbook's list of its sheets cannot be followed (XML this parser refuses, a
            # target that is not a part), yet calamine may still find its sheets: every XML
            # part is measured instead
            members = [(part, part) for part in sorted(parts) if part.lower().endswith(".xml")]
        try:
            recalc = _recalculates(package)
        except KeyError:
            recalc = False
        scans: list[SheetScan] = []
        for name, member in members:
            try:
                scans.append(_scan_sheet(package, shown(name), member, label, limits, recalc))
            except (KeyError, zipfile.BadZipFile, EOFError, OSError):
                return None
    problems = [p for s in scans for p in s.problems]
    if problems:
        raise DataValidationError(
            "the workbook holds cells whose value cannot be read without guessing",
            problems,
        )
    return scans
