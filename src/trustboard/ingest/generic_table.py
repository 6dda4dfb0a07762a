"""Read any table a user points a command at: CSV, Parquet or an Excel sheet.

Used by commands that take a free-form table (``trustboard spc INPUT``) rather than one of
the trust's import layouts.  Errors name the file (and sheet) and say what was expected.
"""

from __future__ import annotations

import io
from pathlib import Path

import polars as pl

from trustboard.domain.limits import current_limits
from trustboard.errors import DataValidationError, ErrorCode, Problem
from trustboard.ingest.files import neutralise_frame, write_atomic
from trustboard.ingest.workbook_scan import reader_failed, scan_workbook

__all__ = ["TABLE_SUFFIXES", "read_table", "write_table"]

#: File suffixes a table can be read from or written to.
TABLE_SUFFIXES = (".csv", ".parquet", ".xlsx", ".xlsm", ".xls", ".json")


def _fail(
    path: Path, message: str, *, sheet: str | None = None, expected: str | None = None
) -> DataValidationError:
    problem = Problem(ErrorCode.V_FILE, message, file=str(path), sheet=sheet, expected=expected)
    return DataValidationError(f"cannot read {path}", [problem])


def read_table(path: str | Path, *, sheet: str | None = None) -> pl.DataFrame:
    """Read ``path`` into a Polars frame; Excel reads ``sheet`` (default: the first sheet).

    CSV dates in ISO form (``2024-04-01``) are parsed as dates.
    """
    source = Path(path)
    if not source.is_file():
        raise _fail(source, "file not found", expected="an existing CSV, Parquet or Excel file")
    suffix = source.suffix.lower()
    limits = current_limits()
    size = source.stat().st_size
    if size > limits.max_file_bytes:
        problem = Problem(
            ErrorCode.FILE_LIMIT,
            f"the file is {size:,} bytes",
            file=str(source),
            expected=f"at most {limits.max_file_bytes:,} (max_file_bytes, see docs/security.md)",
        )
        raise DataValidationError(f"cannot read {source}", [problem], code=ErrorCode.FILE_LIMIT)
    if suffix in (".xlsx", ".xlsm", ".xls"):
        # bounds and unreadable cells are checked before calamine allocates anything (an .xls
        # workbook is refused)
        try:
            scans = scan_workbook(source.read_bytes(), str(source)) or []
        except DataValidationError as exc:
            if exc.problems:
                raise
            raise _fail(source, exc.message, expected="an .xlsx workbook") from None
        wide = max((s.width for s in scans), default=0)
        if wide > limits.max_table_columns:
            problem = Problem(
                ErrorCode.FILE_LIMIT,
                f"the workbook has a sheet {wide:,} columns wide",
                file=str(source),
                expected=f"at most {limits.max_table_columns:,} columns (max_table_columns, "
                "see docs/security.md)",
            )
            raise DataValidationError(f"cannot read {source}", [problem], code=ErrorCode.FILE_LIMIT)
    try:
        if suffix == ".csv":
            return pl.read_csv(source, try_parse_dates=True, infer_schema_length=10_000)
        if suffix == ".parquet":
            return pl.read_parquet(source)
        if suffix in (".xlsx", ".xlsm", ".xls"):
            if sheet is None:
                return pl.read_excel(source, engine="calamine")
            return pl.read_excel(source, sheet_name=sheet, engine="calamine")
    except DataValidationError:
        raise
    except BaseException as exc:  # the readers raise many types (calamine panics too); the user
        # needs the file and the reason
        if not reader_failed(exc):
            raise
        raise _fail(source, f"could not be read: {exc}", sheet=sheet) from exc
    raise _fail(
        source,
        f"unsupported file type '{suffix or '(none)'}'",
        expected="a .csv, .parquet or .xlsx file",
    )


def write_table(frame: pl.DataFrame, path: str | Path) -> Path:
    """Write ``frame`` to CSV, Parquet, Excel or JSON, chosen by the suffix of ``path``."""
    target = Path(path)
    suffix = target.suffix.lower()
    buffer = io.BytesIO()
    if suffix == ".csv":
        # a text cell such as =HYPERLINK(...) from an input file must not become a live
        # formula in the spreadsheet that opens this file
        neutralise_frame(frame).write_csv(buffer)
    elif suffix == ".parquet":
        frame.write_parquet(buffer)
    elif suffix == ".xlsx":
        frame.write_excel(buffer, autofit=True)
    elif suffix == ".json":
        frame.write_json(buffer)
    else:
        raise _fail(
            target,
            f"cannot write a '{suffix or '(none)'}' file",
            expected="a .csv, .parquet, .xlsx or .json file",
        )
    return write_atomic(target, buffer.getvalue())
