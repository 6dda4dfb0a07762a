"""One exception tree for the whole of trustboard.

Every error a user can meet carries a message an analyst understands and a stable
machine code.  Errors about input data carry a list of :class:`Problem` records, one per
problem found, each naming where it was found (file, sheet, row, column, value) and what
was expected.  The command line and the web app map an error to an exit code / HTTP status
through :data:`EXIT_CODES` and :data:`HTTP_STATUS`, so the mapping lives in one place.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = [
    "EXIT_CODES",
    "HTTP_STATUS",
    "ConfigError",
    "ConflictError",
    "DataValidationError",
    "MissingExtraError",
    "NotFoundError",
    "OptionsError",
    "Problem",
    "ProblemCollector",
    "StoreError",
    "TrustboardError",
    "exit_code_for",
    "http_status_for",
]


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem found in the input, with enough context for a person to fix it.

    ``code`` is stable (documented in ``docs/errors.md``); ``message`` is a sentence.
    ``row`` is 1-based as a person counts rows in a spreadsheet (the header is row 1
    for files with a header, so the first data row is row 2) unless a reader says otherwise.
    """

    code: str
    message: str
    file: str | None = None
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    value: Any = None
    expected: str | None = None

    def location(self) -> str:
        """Where the problem is, as ``file, sheet 'S', row R, column 'C'``."""
        parts: list[str] = []
        if self.file:
            parts.append(str(self.file))
        if self.sheet:
            parts.append(f"sheet '{self.sheet}'")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column '{self.column}'")
        return ", ".join(parts)

    def describe(self) -> str:
        """One line: location, code, message, value and what was expected."""
        text = f"[{self.code}] {self.message}"
        where = self.location()
        if where:
            text = f"{where}: {text}"
        if self.value is not None:
            text += f" (value: {self.value!r})"
        if self.expected:
            text += f"; expected {self.expected}"
        return text

    def to_dict(self) -> dict[str, Any]:
        """A plain dict (for JSON reports and web responses)."""
        out = asdict(self)
        if out["value"] is not None and not isinstance(out["value"], (int, float, str, bool)):
            out["value"] = str(out["value"])
        return out


class TrustboardError(Exception):
    """Base of every error trustboard raises on purpose."""

    code: str = "TB-ERROR"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        hint: str | None = None,
        problems: Iterable[Problem] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.hint = hint
        self.problems: tuple[Problem, ...] = tuple(problems)

    def lines(self) -> list[str]:
        """The error as lines for a terminal: the message, then one line per problem."""
        out = [f"error [{self.code}]: {self.message}"]
        out.extend(f"  - {p.describe()}" for p in self.problems)
        if self.hint:
            out.append(f"  hint: {self.hint}")
        return out

    def to_dict(self) -> dict[str, Any]:
        """The one error shape used by every machine-readable output."""
        return {
            "error": {
                "code": self.code,
                "message": self.message,
                "hint": self.hint,
                "problems": [p.to_dict() for p in self.problems],
            }
        }

    def __str__(self) -> str:
        return "\n".join(self.lines())


class OptionsError(TrustboardError):
    """Options given to a verb are not valid (unknown name, wrong type, out of range)."""

    code = "TB-OPTIONS"


class DataValidationError(TrustboardError):
    """Input data failed validation; ``problems`` lists every problem found."""

    code = "TB-DATA"

    def __init__(
        self,
        message: str,
        problems: Sequence[Problem],
        *,
        code: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, code=code, hint=hint, problems=problems)


class ConfigError(TrustboardError):
    """A configuration file (catalogue, paper config, standard) is not valid."""

    code = "TB-CONFIG"


class NotFoundError(TrustboardError):
    """Something asked for does not exist (metric, forum, period, file, published pack)."""

    code = "TB-NOT-FOUND"


class ConflictError(TrustboardError):
    """The request conflicts with what is stored (e.g. re-publishing a frozen pack)."""

    code = "TB-CONFLICT"


class StoreError(TrustboardError):
    """The store cannot be opened, migrated or written."""

    code = "TB-STORE"


class MissingExtraError(TrustboardError):
    """An optional engine is needed but its extra is not installed."""

    code = "TB-MISSING-EXTRA"

    def __init__(self, feature: str, extra: str, module: str) -> None:
        super().__init__(
            f"{feature} needs the optional package '{module}', which is not installed.",
            hint=f"install it with: pip install 'trustboard[{extra}]'",
        )
        self.extra = extra
        self.module = module


#: Exit code of the command line for each error class (most specific class wins).
EXIT_CODES: dict[type[TrustboardError], int] = {
    TrustboardError: 1,
    OptionsError: 2,
    DataValidationError: 3,
    ConfigError: 3,
    NotFoundError: 4,
    ConflictError: 5,
    StoreError: 6,
    MissingExtraError: 7,
}

#: HTTP status of the web app for each error class (most specific class wins).
HTTP_STATUS: dict[type[TrustboardError], int] = {
    TrustboardError: 500,
    OptionsError: 400,
    DataValidationError: 422,
    ConfigError: 422,
    NotFoundError: 404,
    ConflictError: 409,
    StoreError: 503,
    MissingExtraError: 501,
}


def _lookup(table: dict[type[TrustboardError], int], error: TrustboardError) -> int:
    for cls in type(error).__mro__:
        if cls in table:
            return table[cls]
    return table[TrustboardError]


def exit_code_for(error: TrustboardError) -> int:
    """The process exit code for ``error``."""
    return _lookup(EXIT_CODES, error)


def http_status_for(error: TrustboardError) -> int:
    """The HTTP status for ``error``."""
    return _lookup(HTTP_STATUS, error)


@dataclass
class ProblemCollector:
    """Collects problems while validating, so that every problem is reported at once."""

    problems: list[Problem] = field(default_factory=list)

    def add(self, code: str, message: str, **where: Any) -> None:
        """Record one problem."""
        self.problems.append(Problem(code, message, **where))

    def __bool__(self) -> bool:
        return bool(self.problems)

    def raise_if_any(self, message: str, *, hint: str | None = None) -> None:
        """Raise :class:`DataValidationError` listing every problem, if there are any."""
        if self.problems:
            raise DataValidationError(
                f"{message}: {len(self.problems)} problem(s) found", self.problems, hint=hint
            )
