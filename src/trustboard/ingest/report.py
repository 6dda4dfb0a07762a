"""Problem lists: capping per code, tables for the terminal, and report files.

A file with a systematic fault (every percentage on the wrong scale, say) can produce a
problem on each of millions of rows.  Nobody reads past the first screenful, so readers keep
the first :data:`MAX_PROBLEMS_PER_CODE` problems of each code and add one closing problem that
counts the rest ("and 12,345 more").
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from trustboard.errors import ErrorCode, OptionsError, Problem
from trustboard.ingest.files import neutralise_cell, write_atomic

__all__ = [
    "MAX_PROBLEMS_PER_CODE",
    "PROBLEM_COLUMNS",
    "CappedProblems",
    "is_more_line",
    "problem_counts",
    "problems_table",
    "write_problem_report",
]

#: Problems kept per code before the rest are only counted.
MAX_PROBLEMS_PER_CODE = 200

#: Column order of :func:`problems_table` and of CSV reports.
PROBLEM_COLUMNS: tuple[str, ...] = (
    "code",
    "file",
    "sheet",
    "row",
    "column",
    "value",
    "message",
    "expected",
)


class CappedProblems:
    """Collects problems, keeping at most ``limit`` of each code and counting the rest."""

    def __init__(self, limit: int = MAX_PROBLEMS_PER_CODE) -> None:
        self.limit = limit
        self._kept: list[Problem] = []
        self._per_code: Counter[str] = Counter()

    def room(self, code: str) -> int:
        """How many more problems of ``code`` will be kept."""
        return max(0, self.limit - self._per_code[code])

    def add(self, problem: Problem) -> None:
        """Record one problem (kept if there is room for its code, else counted)."""
        if self._per_code[problem.code] < self.limit:
            self._kept.append(problem)
        self._per_code[problem.code] += 1

    def extend(self, problems: Iterable[Problem]) -> None:
        """Record several problems."""
        for problem in problems:
            self.add(problem)

    def count_more(self, code: str, how_many: int) -> None:
        """Count ``how_many`` problems of ``code`` that were found but not built one by one."""
        if how_many > 0:
            self._per_code[code] += how_many

    @property
    def counts(self) -> dict[str, int]:
        """Total problems found per code, including those not kept."""
        return dict(self._per_code)

    def problems(self) -> list[Problem]:
        """The kept problems, then one closing problem per code that went over the limit."""
        out = list(self._kept)
        for code, total in self._per_code.items():
            kept = min(total, self.limit)
            if total > kept:
                out.append(
                    Problem(
                        code,
                        f"and {total - kept:,} more problem(s) of this kind "
                        f"({total:,} in all; the first {kept:,} are listed)",
                        value=total - kept,
                    )
                )
        return out


def is_more_line(problem: Problem) -> bool:
    """Whether ``problem`` is the closing "and N more" line of a capped code."""
    return (
        problem.file is None
        and problem.row is None
        and isinstance(problem.value, int)
        and problem.message.startswith("and ")
    )


def problem_counts(problems: Iterable[Problem]) -> dict[str, int]:
    """Problems per code, reading the "and N more" closing lines as N problems each."""
    counts: Counter[str] = Counter()
    for problem in problems:
        if is_more_line(problem):
            counts[problem.code] += int(problem.value)
        else:
            counts[problem.code] += 1
    return dict(counts)


def _cell(value: Any) -> Any:
    if value is None or isinstance(value, (int, float, str, bool)):
        return value
    return str(value)


def problems_table(problems: Sequence[Problem]) -> list[dict[str, Any]]:
    """One plain dict per problem, keyed by :data:`PROBLEM_COLUMNS` (for a terminal table)."""
    rows: list[dict[str, Any]] = []
    for p in problems:
        rows.append(
            {
                "code": p.code,
                "file": p.file,
                "sheet": p.sheet,
                "row": p.row,
                "column": p.column,
                "value": _cell(p.value),
                "message": p.message,
                "expected": p.expected,
            }
        )
    return rows


def _refuse_other_file(target: Path, suffix: str) -> None:
    """Refuse to replace a file that is not an earlier problem report.

    ``--report d/*.csv`` expands to ``--report d/a.csv d/b.csv ...``: the first input file
    becomes the report's path, and writing the report would destroy it.
    """
    if not target.exists():
        return
    try:
        head = target.read_bytes()[:4096] if target.is_file() else b""
    except OSError:
        head = b""
    if target.is_file() and not head.strip():
        return  # an empty file holds nothing to lose
    if suffix == ".csv":
        ours = head.removeprefix(b"\xef\xbb\xbf").startswith(",".join(PROBLEM_COLUMNS).encode())
    else:
        ours = head.lstrip().startswith(b"{") and b'"problems"' in head
    if not ours:
        raise OptionsError(
            f"the report file '{target}' already exists and is not a problem report; "
            "it is not replaced",
            code=ErrorCode.OUTPUT_IS_INPUT,
            hint="name a new file for --report (a shell pattern such as d/*.csv right after "
            "--report makes its first file the report)",
        )


def write_problem_report(problems: Sequence[Problem], path: str | Path) -> Path:
    """Write ``problems`` to ``path``: CSV for ``.csv``, JSON for ``.json``.

    The CSV has one row per problem with the columns of :data:`PROBLEM_COLUMNS` (opens in
    Excel); the JSON is ``{"problems": [...], "counts": {code: n}}``.  Returns the path.
    """
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in (".csv", ".json"):
        raise OptionsError(
            f"cannot write a problem report to '{target.name}'",
            hint="give a file name ending in .csv or .json",
        )
    _refuse_other_file(target, suffix)
    rows = problems_table(problems)
    if suffix == ".csv":
        handle = io.StringIO(newline="")
        writer = csv.DictWriter(handle, fieldnames=list(PROBLEM_COLUMNS))
        writer.writeheader()
        for row in rows:
            # the report echoes cells of the input: one starting with = must not become a
            # live formula when the report is opened in Excel
            writer.writerow(
                {
                    k: "" if v is None else neutralise_cell(v) if isinstance(v, str) else v
                    for k, v in row.items()
                }
            )
        # utf-8-sig so Excel opens names with accents and the £ sign correctly
        write_atomic(target, handle.getvalue().encode("utf-8-sig"))
    else:
        payload = {"problems": rows, "counts": problem_counts(problems)}
        write_atomic(target, json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
    return target
