"""Writing output files safely: whole or not at all, and never over one of the command's inputs.

Every output is written to a temporary file beside its destination and renamed into place, so
a reader (or a crash, or a full disk) never sees half a file; a failure to write becomes a
``TB-FILE-WRITE`` error naming the file and the reason (a read-only folder, a full disk)
instead of a traceback.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path

import polars as pl

from trustboard.errors import ErrorCode, OptionsError, TrustboardError

__all__ = [
    "FileWriteError",
    "neutralise_cell",
    "neutralise_frame",
    "refuse_input_as_output",
    "write_atomic",
    "write_error",
]

#: Characters that make a spreadsheet read a cell as a formula (OWASP, "CSV Injection").
FORMULA_STARTS = "=+-@\t\r"
_FORMULA_PATTERN = r"^[=+\-@\t\r]"
#: A cell that is only a number (a negative number stays a number, not text)
_NUMBER_PATTERN = r"^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$"
_NUMBER = re.compile(_NUMBER_PATTERN)


def neutralise_cell(text: str) -> str:
    """``text`` made safe for a spreadsheet: a cell starting with ``= + - @``, a tab or a
    carriage return gets a leading ``'`` so it is shown as text, never run as a formula;
    a plain number (``-12.5``) is left as it is."""
    if text and text[0] in FORMULA_STARTS and not _NUMBER.match(text):
        return "'" + text
    return text


def neutralise_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """Every text column of ``frame`` passed through :func:`neutralise_cell` (vectorised);
    number columns are numbers in the file and need nothing."""
    exprs = []
    for name, dtype in frame.schema.items():
        if dtype in (pl.String, pl.Categorical) or isinstance(dtype, pl.Enum):
            col = pl.col(name).cast(pl.String)
            risky = col.str.contains(_FORMULA_PATTERN) & ~col.str.contains(_NUMBER_PATTERN)
            exprs.append(pl.when(risky).then(pl.lit("'") + col).otherwise(col).alias(name))
    return frame.with_columns(exprs) if exprs else frame


_REASONS = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is used up",
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "permission denied (the folder is read-only for this user)",
    errno.EPERM: "permission denied",
    errno.ENOTDIR: "a part of the path is a file, not a folder",
    errno.EISDIR: "the path is a folder",
}


class FileWriteError(TrustboardError):
    """An output file could not be written; nothing was left half-written."""

    code = ErrorCode.FILE_WRITE


def write_error(path: str | Path, error: OSError) -> FileWriteError:
    """A :class:`FileWriteError` for ``error`` raised while writing ``path``."""
    reason = _REASONS.get(error.errno or 0, error.strerror or str(error))
    return FileWriteError(
        f"cannot write '{path}': {reason}",
        hint="choose a folder you can write to, or free some space, then run the command again",
    )


def write_atomic(path: str | Path, data: bytes | str) -> Path:
    """Write ``data`` to ``path`` through a temporary file renamed into place."""
    target = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    temp: str | None = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        with os.fdopen(handle, "wb") as out:
            out.write(payload)
            out.flush()
            os.fsync(out.fileno())
        # mkstemp makes the file readable by its owner only; an output keeps the mode of the
        # file it replaces, or the usual 0644 of a new file
        os.chmod(temp, target.stat().st_mode & 0o777 if target.exists() else 0o644)
        os.replace(temp, target)
        temp = None
    except OSError as bad:
        raise write_error(target, bad) from None
    finally:
        if temp is not None:
            with contextlib.suppress(OSError):
                os.unlink(temp)
    return target


def _same(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def refuse_input_as_output(output: str | Path, inputs: Iterable[str | Path]) -> None:
    """Refuse (``TB-OUTPUT-IS-INPUT``) when ``output`` is one of ``inputs``.

    A shell glob such as ``--report d/*.csv`` can name an input file as the output; writing it
    would destroy the input before (or while) it is read.
    """
    out = Path(output)
    for candidate in inputs:
        given = Path(candidate)
        if _same(out, given) or out.resolve() == given.resolve():
            raise OptionsError(
                f"the output '{out}' is also one of the input files; it would be overwritten",
                code=ErrorCode.OUTPUT_IS_INPUT,
                hint="write the output somewhere else (put each option's value right after it)",
            )
