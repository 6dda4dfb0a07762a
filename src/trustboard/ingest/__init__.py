"""Readers for catalogue, values, targets and commentary files, with validation reports.

This adapter reads files and checks them; it writes nothing.  Every reader returns what it
could read together with *every* problem found (file, sheet, row, column, value and a stable
code from :data:`CODES`); the import service loads all or nothing.  File layouts are in
``docs/imports.md`` and the codes in ``docs/errors.md``.
"""

from trustboard.ingest.catalogue import CatalogueRead, read_catalogue
from trustboard.ingest.codes import CODES, CodeInfo
from trustboard.ingest.commentary import CommentaryRead, read_commentary, section_key
from trustboard.ingest.report import (
    MAX_PROBLEMS_PER_CODE,
    problem_counts,
    problems_table,
    write_problem_report,
)
from trustboard.ingest.targets import TargetsRead, read_targets
from trustboard.ingest.values import (
    PERCENT_SCALE_LIMIT,
    VALUE_TOLERANCE_ABS,
    VALUE_TOLERANCE_REL,
    VALUES_SCHEMA,
    ValuesRead,
    read_values,
)

__all__ = [
    "CODES",
    "MAX_PROBLEMS_PER_CODE",
    "PERCENT_SCALE_LIMIT",
    "VALUES_SCHEMA",
    "VALUE_TOLERANCE_ABS",
    "VALUE_TOLERANCE_REL",
    "CatalogueRead",
    "CodeInfo",
    "CommentaryRead",
    "TargetsRead",
    "ValuesRead",
    "problem_counts",
    "problems_table",
    "read_catalogue",
    "read_commentary",
    "read_targets",
    "read_values",
    "section_key",
    "write_problem_report",
]
