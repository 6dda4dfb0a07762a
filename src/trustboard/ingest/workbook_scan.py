"""Check any workbook against the reader limits before calamine reads it, by what it holds.

calamine recognises a workbook by its content, whatever its name, so the scan does too: a zip
package is scanned as every kind it could be read as (``xl/workbook.xml``: .xlsx or .xlsm;
``xl/workbook.bin``: .xlsb; ``content.xml``: .ods), and an OLE2 compound file (an Excel 97-2003
.xls workbook, or an encrypted workbook) is refused outright.

The .xls reader takes the sizes it allocates from the file itself: the compound file's sector
tables and stream lengths, the shared-string count and each sheet's ``DIMENSIONS`` record, and
it follows sector chains without looking for loops.  A scan sound enough to stand in front of
it would have to repeat every one of those checks, so an .xls workbook is refused with a
message that says to save it as .xlsx (one step in Excel or LibreOffice).
"""

from __future__ import annotations

import io
import zipfile
from collections import Counter

from trustboard.errors import DataValidationError
from trustboard.ingest.ods_scan import scan_ods
from trustboard.ingest.xlsb_scan import scan_xlsb
from trustboard.ingest.xlsx_scan import SheetScan, scan_xlsx

__all__ = ["COMPOUND_FILE", "XLS_REFUSED", "reader_failed", "scan_workbook"]

#: the first eight bytes of an OLE2 compound file (.xls, .doc, an encrypted .xlsx)
COMPOUND_FILE = bytes.fromhex("d0cf11e0a1b11ae1")
XLS_REFUSED = (
    "an Excel 97-2003 workbook (.xls) is not read, because its size cannot be checked "
    "safely before it is opened; open it in Excel or LibreOffice and save it as an Excel "
    "workbook (.xlsx), then import that file"
)
XLS_ENCRYPTED = (
    "the workbook is an OLE2 compound file (an Excel 97-2003 .xls workbook or a "
    "password-protected workbook), which is not read; remove any password, save it as an "
    "Excel workbook (.xlsx) and import that file"
)


def scan_workbook(data: bytes, label: str) -> list[SheetScan] | None:
    """Check the workbook ``data`` (read from ``label``) against the limits before calamine
    reads it, as every kind calamine could read it as.

    Returns the sheets measured (``None`` when ``data`` is no workbook calamine would
    recognise, so calamine reports what is wrong).  Raises
    :class:`~trustboard.errors.DataValidationError`: ``TB-FILE-LIMIT`` (naming the sheet, what
    it declares or reaches and the limit) for a workbook too big, the cell codes of the .xlsx
    scan, and (without a code, the caller adds its own) for an .xls workbook.
    """
    if data.startswith(COMPOUND_FILE):
        reason = XLS_REFUSED if label.lower().endswith(".xls") else XLS_ENCRYPTED
        raise DataValidationError(reason, [])
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            listed = package.namelist()
    except (zipfile.BadZipFile, ValueError):
        return None
    names = set(listed)
    if len(names) < len(listed):
        # readers disagree on which of two parts of one name they open, so the one measured
        # might not be the one read
        twice = next(n for n, count in Counter(listed).items() if count > 1)
        raise DataValidationError(
            f"the workbook's zip package holds two parts named '{twice[:120]}'; open it in the "
            "spreadsheet program and save it again",
            [],
        )
    found: list[SheetScan] | None = None
    for part, scan in (
        ("xl/workbook.xml", scan_xlsx),
        ("xl/workbook.bin", scan_xlsb),
        ("content.xml", scan_ods),
    ):
        if part in names:
            scans = scan(data, label)
            if scans is not None:
                found = (found or []) + scans
    return found


def reader_failed(error: BaseException) -> bool:
    """Whether ``error`` is calamine saying a workbook is damaged: one of its errors, or a panic
    (a record shorter than it expects, a shared string that is not there), which pyo3 raises
    as ``PanicException``, a ``BaseException`` that ``except Exception`` lets through."""
    return isinstance(error, Exception) or type(error).__name__ == "PanicException"
