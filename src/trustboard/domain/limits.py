"""How much a reader may take in before it refuses: the bounds that keep a small hostile file
from exhausting the machine.

The readers check these before they allocate (a workbook's declared dimensions and the
decompressed size of its parts, a YAML document's aliases and expanded size, a file's size,
a table's row count).  The defaults admit the 6-million-value benchmark file with room to
spare; an installation changes them in its configuration (``[limits]``, see
``docs/security.md``), and the services apply them for the length of a command with
:func:`use_limits`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

__all__ = ["ReaderLimits", "current_limits", "use_limits"]


@dataclass(frozen=True, slots=True)
class ReaderLimits:
    """Upper bounds on what one input file may hold (every figure is inclusive)."""

    #: bytes of any one input file on disk
    max_file_bytes: int = 4 * 1024**3
    #: bytes of a YAML document (commentary, catalogue, targets, BAF register)
    max_yaml_bytes: int = 32 * 1024**2
    #: aliases (``*name``) in one YAML document
    max_yaml_aliases: int = 10_000
    #: nodes of a YAML document once every alias is expanded
    max_yaml_nodes: int = 5_000_000
    #: worksheets in one workbook
    max_sheets: int = 500
    #: cells of one worksheet's declared area (rows x columns), before it is read
    max_sheet_cells: int = 30_000_000
    #: decompressed bytes of all the parts of one .xlsx workbook
    max_xlsx_bytes: int = 1024**3
    #: data rows of one table (CSV, Excel sheet or Parquet file)
    max_rows: int = 50_000_000
    #: columns of a free-form Excel table (``trustboard spc INPUT``)
    max_table_columns: int = 1_000
    #: characters of an input value echoed back in an error message
    max_echo_chars: int = 120
    #: largest magnitude a stored value, numerator or denominator may have
    max_magnitude: int = 10**15


_DEFAULT = ReaderLimits()
# the dataclass is frozen, so sharing one default instance is safe
_ACTIVE: ContextVar[ReaderLimits] = ContextVar("trustboard_reader_limits", default=_DEFAULT)


def current_limits() -> ReaderLimits:
    """The limits in force (the defaults unless :func:`use_limits` applied others)."""
    return _ACTIVE.get()


@contextmanager
def use_limits(limits: ReaderLimits) -> Iterator[ReaderLimits]:
    """Apply ``limits`` for the length of a ``with`` block."""
    token = _ACTIVE.set(limits)
    try:
        yield limits
    finally:
        _ACTIVE.reset(token)
