"""Reading CSV, Excel and Parquet files into tables of cells, keeping row numbers honest.

Every reader in this package starts here.  A :class:`Table` is one CSV file, one Excel sheet or
one Parquet file: its header as the cells a person sees, a Polars frame of the rows below the
header, and the spreadsheet row number of the first of them, so that a problem can name the
row a person finds when they open the file (the header is row 1 when it is the first row).

CSV and Excel cells are read as text (nothing is guessed, so one stray word cannot make a whole
column unreadable); Parquet columns keep their types.  Excel is read with calamine through
fastexcel (compiled code, many times faster than a pure-Python reader).
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path
from xml.etree import ElementTree

import polars as pl

from trustboard.domain.limits import current_limits
from trustboard.errors import DataValidationError, ErrorCode, Problem
from trustboard.ingest.workbook_scan import reader_failed, scan_workbook

__all__ = [
    "EXCEL_SUFFIXES",
    "TABLE_SUFFIXES",
    "Table",
    "file_problems",
    "file_sha256",
    "normalise_header",
    "read_tables",
]

EXCEL_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"})
TABLE_SUFFIXES = frozenset({".csv", ".txt", ".parquet", ".pq"}) | EXCEL_SUFFIXES


def _unreadable(reason: str) -> DataValidationError:
    """The error for a file that cannot be read as a table; ``message`` says why in plain words.

    Callers turn it into a problem of their own area (TB-V-FILE, TB-C-FILE, TB-T-FILE) with
    :func:`file_problems`.
    """
    return DataValidationError(reason, [])


def file_problems(error: DataValidationError, code: str, path: str | Path) -> list[Problem]:
    """The problems to report for a file :func:`read_tables` refused: the coded problems it
    found (limits, cells that cannot be read), or one ``code`` problem saying why."""
    if error.problems:
        return [p if p.file else replace(p, file=str(path)) for p in error.problems]
    message = f"the file cannot be read: {error.message}"
    return [Problem(code, message, file=str(path), value=str(path))]


def _limit(path: str, what: str, name: str, limit: int) -> DataValidationError:
    return DataValidationError(
        f"{what}; the limit is {limit:,} ({name} in the configuration, see docs/security.md)",
        [Problem(ErrorCode.FILE_LIMIT, what, file=path, expected=f"at most {limit:,}")],
        code=ErrorCode.FILE_LIMIT,
    )


@dataclass
class Table:
    """The cells of one CSV file, Excel sheet or Parquet file.

    ``columns`` are the header cells as text (blank headers become ``''``), in order;
    ``frame`` has one column per header cell, named ``c0``, ``c1``, ... so that repeated or
    blank headers cannot collide; ``first_row`` is the spreadsheet row number of
    ``frame``'s first row.
    """

    path: Path
    label: str
    sheet: str | None
    columns: list[str]
    frame: pl.DataFrame
    first_row: int
    sha256: str
    sheet_index: int = 0
    #: the sheet is hidden in Excel (lookup lists and workings are often kept on hidden sheets)
    hidden: bool = False

    def column_id(self, position: int) -> str:
        """The frame column holding the header cell at ``position``."""
        return f"c{position}"


_SPACES = re.compile(r"[\s\-]+")


def normalise_header(text: str) -> str:
    """A header cell as a field name: lower case, spaces and hyphens as ``_``."""
    return _SPACES.sub("_", str(text).strip().lower()).strip("_")


def file_sha256(data: bytes) -> str:
    """The SHA-256 of a file's bytes, in hex (recorded with every imported row)."""
    return hashlib.sha256(data).hexdigest()


def _header_text(cell: object) -> str:
    if cell is None:
        return ""
    text = str(cell).strip()
    # Excel date headers come back as "2024-04-01 00:00:00"; keep the date only
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}[ T]00:00:00(\.0+)?", text):
        return text[:10]
    return text


def _named(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.rename({old: f"c{i}" for i, old in enumerate(frame.columns)})


def _read_csv_bytes(data: bytes) -> pl.DataFrame:
    # ragged lines are an error, not truncated: an unquoted 1,250 is two fields, and dropping
    # the second would store 1 (see _ragged_rows)
    return pl.read_csv(
        io.BytesIO(data),
        has_header=False,
        infer_schema=False,
        encoding="utf8",
        truncate_ragged_lines=False,
        raise_if_empty=False,
    )


def _ragged_rows(label: str, text: str) -> DataValidationError:
    """Name the rows that have more fields than the header (the first twenty)."""
    problems: list[Problem] = []
    rows = csv.reader(io.StringIO(text, newline=None))
    count = 0
    try:
        header = next(rows, [])
        numbered = list(enumerate(rows, start=2))
    except csv.Error as bad:
        return _unreadable(f"not a readable CSV file ({bad})")
    for number, row in numbered:
        if len(row) > len(header):
            count += 1
            if len(problems) < 20:
                problems.append(
                    Problem(
                        ErrorCode.CSV_RAGGED,
                        f"the row has {len(row)} fields but the header has {len(header)}",
                        file=label,
                        row=number,
                        value=_echo(",".join(row)),
                        expected="as many fields as the header; a value with a comma "
                        '(1,250) must be in quotes ("1,250") or written without it',
                    )
                )
    if not problems:
        return _unreadable("the rows do not have as many fields as the header")
    return DataValidationError(
        f"{count} row(s) have more fields than the header", problems, code=ErrorCode.CSV_RAGGED
    )


def _echo(text: str) -> str:
    limit = current_limits().max_echo_chars
    return text if len(text) <= limit else text[:limit] + f"… ({len(text):,} characters)"


def _utf16(data: bytes) -> str | None:
    """The text of a UTF-16 file (Excel's "Unicode text"), found by its byte-order mark or by
    the zero bytes of ASCII text in UTF-16; ``None`` for any other file."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    head = data[:400]
    if len(head) >= 4 and head.count(b"\x00") * 3 >= len(head):
        encoding = "utf-16-le" if head[1:2] == b"\x00" else "utf-16-be"
        return data.decode(encoding, errors="replace")
    return None


def _other_delimiter(first_line: str) -> str | None:
    """The delimiter a header line uses when it is plainly not a comma."""
    if "," in first_line:
        return None
    for char, name in ((";", "semicolons"), ("\t", "tabs"), ("|", "vertical bars")):
        if char in first_line:
            return name
    return None


def _csv_tables(path: Path, label: str, data: bytes, digest: str) -> list[Table]:
    text: str | None = None
    wide = _utf16(data)
    if wide is not None:
        # read, not guessed: the byte order (mark) says how to decode it
        text = wide.lstrip("\ufeff")
        data = text.encode("utf-8")
    first = data.split(b"\n", 1)[0].decode("utf-8", errors="replace")
    delimiter = _other_delimiter(first)
    if delimiter is not None:
        raise _unreadable(
            f"the columns are separated by {delimiter}, not commas"
            + (" (the file is UTF-16 text)" if wide is not None else "")
            + "; save it from Excel as 'CSV UTF-8 (Comma delimited)'"
        )
    try:
        try:
            raw = _read_csv_bytes(data)
        except pl.exceptions.ComputeError as exc:
            if "utf-8" not in str(exc).lower():
                raise
            # Excel on Windows saves "CSV" in Windows-1252 (a £ sign is byte 0xA3), not UTF-8
            text = data.decode("cp1252", errors="replace")
            raw = _read_csv_bytes(text.encode("utf-8"))
    except pl.exceptions.PolarsError as exc:
        if "more fields" in str(exc).lower() or "ragged" in str(exc).lower():
            if text is None:
                text = data.decode("utf-8", errors="replace")
            raise _ragged_rows(label, text) from None
        raise _unreadable(f"not a readable CSV file ({_first_line(exc)})") from exc
    if raw.height == 0:
        raise _unreadable("the file is empty")
    limits = current_limits()
    if raw.height - 1 > limits.max_rows:
        raise _limit(label, f"the file has {raw.height - 1:,} rows", "max_rows", limits.max_rows)
    header = [_header_text(v) for v in raw.row(0)]
    return [Table(path, label, None, header, _named(raw.slice(1)), 2, digest)]


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


_CELL_ROW = re.compile(r"[A-Z]+(\d+)$")


def _xlsx_first_rows(data: bytes) -> dict[str, int] | None:
    """The first row (1-based) holding a value on each sheet of an .xlsx workbook, by name.

    calamine starts a sheet at its first non-empty cell, so a header below empty rows comes
    back as the frame's first row; this finds the row number a person sees without parsing the
    sheet twice: the sheet's XML is read only as far as its first cell with a value.  None when
    the workbook is not a plain .xlsx package (the caller then asks calamine).
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            book = ElementTree.fromstring(package.read("xl/workbook.xml"))
            rels = ElementTree.fromstring(package.read("xl/_rels/workbook.xml.rels"))
            targets = {r.get("Id"): r.get("Target", "") for r in rels}
            out: dict[str, int] = {}
            for sheet in book.iter():
                if not sheet.tag.endswith("}sheet"):
                    continue
                rel = next((v for k, v in sheet.attrib.items() if k.endswith("}id")), None)
                target = targets.get(rel, "")
                member = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
                out[sheet.get("name", "")] = _first_value_row(package, member)
            return out
    except (KeyError, zipfile.BadZipFile, ElementTree.ParseError, ValueError):
        return None


def _first_value_row(package: zipfile.ZipFile, member: str) -> int:
    with package.open(member) as stream:
        for _, element in ElementTree.iterparse(stream, events=("end",)):
            if element.tag.endswith("}c"):
                has_value = any(
                    (child.tag.endswith("}v") and child.text) or child.tag.endswith("}is")
                    for child in element
                )
                match = _CELL_ROW.match(element.get("r", ""))
                if has_value and match:
                    return int(match.group(1))
            elif element.tag.endswith("}row"):
                element.clear()
    return 0


def _excel_tables(path: Path, label: str, data: bytes, digest: str) -> list[Table]:
    import fastexcel

    # bounds and unreadable cells are checked before calamine allocates anything, for every
    # kind of workbook calamine could take the content for (an .xls workbook is refused)
    scan_workbook(data, label)
    try:
        reader = fastexcel.read_excel(data)
    except BaseException as exc:  # calamine's own error types, or a panic, for a damaged workbook
        if not reader_failed(exc):
            raise
        raise _unreadable(f"not a readable Excel workbook ({_first_line(exc)})") from exc
    first_rows = _xlsx_first_rows(data) if path.suffix.lower() in (".xlsx", ".xlsm") else None
    tables: list[Table] = []
    for index, name in enumerate(reader.sheet_names):
        try:
            loaded = reader.load_sheet(name, header_row=None, dtypes="string")
            hidden = str(getattr(loaded, "visible", "visible")).lower() != "visible"
            frame = loaded.to_polars()
            if frame.height == 0:
                continue
            header_row = first_rows.get(name) if first_rows is not None else None
            if not header_row:
                header_row = _calamine_first_row(data, name)
        except BaseException as exc:
            if not reader_failed(exc):
                raise
            raise _unreadable(f"sheet '{name}' cannot be read ({_first_line(exc)})") from exc
        header = [_header_text(v) for v in frame.row(0)]
        tables.append(
            Table(
                path,
                label,
                name,
                header,
                _named(frame.slice(1)),
                header_row + 1,
                digest,
                sheet_index=index,
                hidden=hidden,
            )
        )
    if not tables:
        raise _unreadable("the workbook has no sheet with any cells")
    return tables


def _calamine_first_row(data: bytes, name: str) -> int:
    from python_calamine import CalamineWorkbook

    start = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name(name).start
    return (start[0] if start else 0) + 1  # calamine counts from 0; people count from 1


def _parquet_tables(path: Path, label: str, data: bytes, digest: str) -> list[Table]:
    limits = current_limits()
    try:
        schema = pl.read_parquet_schema(io.BytesIO(data))
        rows = pl.scan_parquet(io.BytesIO(data)).select(pl.len()).collect().item()
    except Exception as exc:  # pyarrow and polars raise several types for a damaged file
        raise _unreadable(f"not a readable Parquet file ({_first_line(exc)})") from exc
    if rows > limits.max_rows:
        raise _limit(label, f"the file has {rows:,} rows", "max_rows", limits.max_rows)
    nested = [name for name, dtype in schema.items() if dtype.is_nested()]
    if nested:
        raise _unreadable(
            "the column(s) "
            + ", ".join(f"'{_echo(n)}'" for n in nested)
            + " hold lists or records; every column must hold plain values (text, numbers, dates)"
        )
    try:
        frame = pl.read_parquet(io.BytesIO(data))
    except Exception as exc:  # pyarrow and polars raise several types for a damaged file
        raise _unreadable(f"not a readable Parquet file ({_first_line(exc)})") from exc
    header = [str(c) for c in frame.columns]
    # Parquet rows are counted as if the column names were row 1, as in the other formats
    return [Table(path, label, None, header, _named(frame), 2, digest)]


def read_tables(path: str | Path) -> list[Table]:
    """Read ``path`` (CSV, Excel or Parquet, by suffix) into one :class:`Table` per sheet.

    Raises :class:`~trustboard.errors.DataValidationError` (no problems; the message says
    why) when the file is missing, of an unknown kind or damaged.
    Empty Excel sheets are skipped.
    """
    file = Path(path)
    label = str(path)
    suffix = file.suffix.lower()
    if suffix not in TABLE_SUFFIXES:
        raise _unreadable(
            f"'{file.suffix or file.name}' files are not read; use .csv, .xlsx or .parquet"
        )
    limits = current_limits()
    try:
        size = file.stat().st_size
        if size > limits.max_file_bytes:
            raise _limit(
                label, f"the file is {size:,} bytes", "max_file_bytes", limits.max_file_bytes
            )
        data = file.read_bytes()
    except FileNotFoundError as exc:
        raise _unreadable("the file does not exist") from exc
    except OSError as exc:
        raise _unreadable(f"the file cannot be opened ({exc.strerror or exc})") from exc
    digest = file_sha256(data)
    if suffix in EXCEL_SUFFIXES:
        return _excel_tables(file, label, data, digest)
    if suffix in (".parquet", ".pq"):
        return _parquet_tables(file, label, data, digest)
    return _csv_tables(file, label, data, digest)
