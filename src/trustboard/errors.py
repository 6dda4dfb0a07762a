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
from enum import StrEnum
from typing import Any

__all__ = [
    "EXIT_CODES",
    "HTTP_STATUS",
    "AuthenticationError",
    "ConfigError",
    "ConflictError",
    "DataValidationError",
    "ErrorCode",
    "MissingExtraError",
    "NotFoundError",
    "OptionsError",
    "PermissionDeniedError",
    "Problem",
    "ProblemCollector",
    "StoreError",
    "ThrottledError",
    "TrustboardError",
    "exit_code_for",
    "http_status_for",
]


class ErrorCode(StrEnum):
    """Every stable code trustboard puts on an error or a problem, in one place.

    Code and docs read this enumeration: ``docs/errors.md`` (and the page of the area it
    names) documents each member, and a test fails when a code is used but not listed here,
    listed but not documented, or listed but used nowhere.
    """

    AGENDA = "TB-AGENDA"
    ASSURANCE_LAYOUT = "TB-ASSURANCE-LAYOUT"
    ASSURANCE_VALUE = "TB-ASSURANCE-VALUE"
    AUTH_CSRF = "TB-AUTH-CSRF"
    AUTH_FAILED = "TB-AUTH-FAILED"
    AUTH_FORBIDDEN = "TB-AUTH-FORBIDDEN"
    AUTH_REQUIRED = "TB-AUTH-REQUIRED"
    AUTH_THROTTLED = "TB-AUTH-THROTTLED"
    BAF_ABOVE_APPETITE = "TB-BAF-ABOVE-APPETITE"
    BAF_ACTION_CONFLICT = "TB-BAF-ACTION-CONFLICT"
    BAF_APPETITE_CATEGORY = "TB-BAF-APPETITE-CATEGORY"
    BAF_APPETITE_LEVEL = "TB-BAF-APPETITE-LEVEL"
    BAF_DATE = "TB-BAF-DATE"
    BAF_DUPLICATE = "TB-BAF-DUPLICATE"
    BAF_EDIT_CONFLICT = "TB-BAF-EDIT-CONFLICT"
    BAF_EVIDENCE = "TB-BAF-EVIDENCE"
    BAF_FILE = "TB-BAF-FILE"
    BAF_MISSING = "TB-BAF-MISSING"
    BAF_NO_INDEPENDENT_ASSURANCE = "TB-BAF-NO-INDEPENDENT-ASSURANCE"
    BAF_NO_KEY_METRICS = "TB-BAF-NO-KEY-METRICS"
    BAF_NO_SPC = "TB-BAF-NO-SPC"
    BAF_NOT_FOUND = "TB-BAF-NOT-FOUND"
    BAF_OBJECTIVE = "TB-BAF-OBJECTIVE"
    BAF_OVERDUE = "TB-BAF-OVERDUE"
    BAF_REVIEW = "TB-BAF-REVIEW"
    BAF_REVIEW_ORDER = "TB-BAF-REVIEW-ORDER"
    BAF_SCORE = "TB-BAF-SCORE"
    BAF_SHEET = "TB-BAF-SHEET"
    BAF_SUMMARY = "TB-BAF-SUMMARY"
    BAF_TARGET_ABOVE_APPETITE = "TB-BAF-TARGET-ABOVE-APPETITE"
    BAF_TARGET_UNREACHABLE = "TB-BAF-TARGET-UNREACHABLE"
    BAF_UNKNOWN_ACTION = "TB-BAF-UNKNOWN-ACTION"
    BAF_UNKNOWN_METRIC = "TB-BAF-UNKNOWN-METRIC"
    BAF_UNKNOWN_RISK = "TB-BAF-UNKNOWN-RISK"
    BAF_VALUE = "TB-BAF-VALUE"
    CELL_ERROR = "TB-CELL-ERROR"
    CELL_FORMULA = "TB-CELL-FORMULA"
    CSV_RAGGED = "TB-CSV-RAGGED"
    C_CYCLE = "TB-C-CYCLE"
    C_DUPLICATE_FORUM = "TB-C-DUPLICATE-FORUM"
    C_DUPLICATE_METRIC = "TB-C-DUPLICATE-METRIC"
    C_DUPLICATE_ORG = "TB-C-DUPLICATE-ORG"
    C_FIELD = "TB-C-FIELD"
    C_FILE = "TB-C-FILE"
    C_REQUIRED = "TB-C-REQUIRED"
    C_STRUCTURE = "TB-C-STRUCTURE"
    C_UNKNOWN_COMMITTEE = "TB-C-UNKNOWN-COMMITTEE"
    C_UNKNOWN_DIRECTORATE = "TB-C-UNKNOWN-DIRECTORATE"
    C_UNKNOWN_FIELD = "TB-C-UNKNOWN-FIELD"
    C_UNKNOWN_METRIC = "TB-C-UNKNOWN-METRIC"
    C_UNKNOWN_PARENT = "TB-C-UNKNOWN-PARENT"
    CATALOGUE_EMPTY = "TB-CATALOGUE-EMPTY"
    CATALOGUE_FOLDER = "TB-CATALOGUE-FOLDER"
    CHART_COLUMN = "TB-CHART-COLUMN"
    CHART_DATE_TYPE = "TB-CHART-DATE-TYPE"
    CHART_DUPLICATE_DATE = "TB-CHART-DUPLICATE-DATE"
    CHART_EMPTY = "TB-CHART-EMPTY"
    CHART_POINT_TYPE = "TB-CHART-POINT-TYPE"
    CHECK_FINDINGS = "TB-CHECK-FINDINGS"
    CHECK_OVERRIDE = "TB-CHECK-OVERRIDE"
    CONFIG = "TB-CONFIG"
    CONFLICT = "TB-CONFLICT"
    DATA = "TB-DATA"
    DEMO_EXTRA = "TB-DEMO-EXTRA"
    DEMO_FORUM = "TB-DEMO-FORUM"
    DEMO_OUTPUT = "TB-DEMO-OUTPUT"
    DEMO_STORE = "TB-DEMO-STORE"
    ERROR = "TB-ERROR"
    EXPORT_EMPTY = "TB-EXPORT-EMPTY"
    EXPORT_FORMAT = "TB-EXPORT-FORMAT"
    FILE_LIMIT = "TB-FILE-LIMIT"
    FILE_WRITE = "TB-FILE-WRITE"
    FUNNEL_COLUMN = "TB-FUNNEL-COLUMN"
    FUNNEL_DEGENERATE_TARGET = "TB-FUNNEL-DEGENERATE-TARGET"
    FUNNEL_DUPLICATE_UNIT = "TB-FUNNEL-DUPLICATE-UNIT"
    FUNNEL_EMPTY = "TB-FUNNEL-EMPTY"
    FUNNEL_MISSING = "TB-FUNNEL-MISSING"
    FUNNEL_NEGATIVE = "TB-FUNNEL-NEGATIVE"
    FUNNEL_NOT_NUMERIC = "TB-FUNNEL-NOT-NUMERIC"
    FUNNEL_NOT_POSITIVE = "TB-FUNNEL-NOT-POSITIVE"
    FUNNEL_NOT_WHOLE = "TB-FUNNEL-NOT-WHOLE"
    FUNNEL_NUM_GT_DEN = "TB-FUNNEL-NUM-GT-DEN"
    FUNNEL_TOO_FEW_UNITS = "TB-FUNNEL-TOO-FEW-UNITS"
    IMPORT_NO_FILE = "TB-IMPORT-NO-FILE"
    JOB_NOT_FOUND = "TB-JOB-NOT-FOUND"
    JOB_STATE = "TB-JOB-STATE"
    JOB_STOPPED = "TB-JOB-STOPPED"
    KEY = "TB-KEY"
    MEETING_CONFLICT = "TB-MEETING-CONFLICT"
    MEETING_DATE = "TB-MEETING-DATE"
    METRIC_UNKNOWN = "TB-METRIC-UNKNOWN"
    MISSING_EXTRA = "TB-MISSING-EXTRA"
    N_APPROVER = "TB-N-APPROVER"
    N_DATE = "TB-N-DATE"
    N_DUPLICATE = "TB-N-DUPLICATE"
    N_FIELD = "TB-N-FIELD"
    N_FILE = "TB-N-FILE"
    N_NARRATIVE_STATE = "TB-N-NARRATIVE-STATE"
    N_PERIOD = "TB-N-PERIOD"
    N_REQUIRED = "TB-N-REQUIRED"
    N_STATUS = "TB-N-STATUS"
    N_TEXT_OUTSIDE_SECTION = "TB-N-TEXT-OUTSIDE-SECTION"
    N_UNKNOWN_METRIC = "TB-N-UNKNOWN-METRIC"
    N_UNKNOWN_ORG = "TB-N-UNKNOWN-ORG"
    N_UNKNOWN_SECTION = "TB-N-UNKNOWN-SECTION"
    NOT_FOUND = "TB-NOT-FOUND"
    OPTIONS = "TB-OPTIONS"
    OPTIONS_DATE = "TB-OPTIONS-DATE"
    ORG_UNIT_UNKNOWN = "TB-ORG-UNIT-UNKNOWN"
    OUTPUT_IS_INPUT = "TB-OUTPUT-IS-INPUT"
    PACK_EMPTY = "TB-PACK-EMPTY"
    PAPER_APPETITE = "TB-PAPER-APPETITE"
    PAPER_BLANK = "TB-PAPER-BLANK"
    PAPER_FIELD = "TB-PAPER-FIELD"
    PAPER_FIGURE = "TB-PAPER-FIGURE"
    PAPER_FRONT_MATTER = "TB-PAPER-FRONT-MATTER"
    PAPER_KEY = "TB-PAPER-KEY"
    PAPER_REFERENCE = "TB-PAPER-REFERENCE"
    PERIOD = "TB-PERIOD"
    PUBLISH_MANIFEST = "TB-PUBLISH-MANIFEST"
    PUBLISH_VERIFY = "TB-PUBLISH-VERIFY"
    REQUEST_TOO_LARGE = "TB-REQUEST-TOO-LARGE"
    SPC_COLUMN_MISSING = "TB-SPC-COLUMN-MISSING"
    SPC_COLUMN_NAME = "TB-SPC-COLUMN-NAME"
    SPC_COLUMN_ROLE = "TB-SPC-COLUMN-ROLE"
    SPC_COLUMN_TYPE = "TB-SPC-COLUMN-TYPE"
    SPC_COUNT_NEGATIVE = "TB-SPC-COUNT-NEGATIVE"
    SPC_COUNT_NOT_WHOLE = "TB-SPC-COUNT-NOT-WHOLE"
    SPC_DATE_MISSING = "TB-SPC-DATE-MISSING"
    SPC_DENOMINATOR_NEGATIVE = "TB-SPC-DENOMINATOR-NEGATIVE"
    SPC_DENOMINATOR_ZERO = "TB-SPC-DENOMINATOR-ZERO"
    SPC_DUPLICATE_DATE = "TB-SPC-DUPLICATE-DATE"
    SPC_NO_RESULTS = "TB-SPC-NO-RESULTS"
    SPC_NUMERATOR_EXCEEDS = "TB-SPC-NUMERATOR-EXCEEDS"
    SPC_OPTION = "TB-SPC-OPTION"
    SPC_REBASE_CONFLICT = "TB-SPC-REBASE-CONFLICT"
    SPC_REBASE_KEY = "TB-SPC-REBASE-KEY"
    SPC_REBASE_REASON = "TB-SPC-REBASE-REASON"
    SPC_REBASE_VALUE = "TB-SPC-REBASE-VALUE"
    SPC_SERIES_MISSING = "TB-SPC-SERIES-MISSING"
    SPC_TARGET_KEY = "TB-SPC-TARGET-KEY"
    SPC_TARGET_TABLE = "TB-SPC-TARGET-TABLE"
    SPC_TRAJECTORY_KEY = "TB-SPC-TRAJECTORY-KEY"
    SPC_TRAJECTORY_TABLE = "TB-SPC-TRAJECTORY-TABLE"
    SPC_VALUE_INFINITE = "TB-SPC-VALUE-INFINITE"
    STORE = "TB-STORE"
    STORE_BUSY = "TB-STORE-BUSY"
    STORE_COLUMNS = "TB-STORE-COLUMNS"
    STORE_INTEGRITY = "TB-STORE-INTEGRITY"
    STORE_MISSING = "TB-STORE-MISSING"
    STORE_NULL = "TB-STORE-NULL"
    STORE_ORG_PARENT = "TB-STORE-ORG-PARENT"
    STORE_READ_ONLY = "TB-STORE-READ-ONLY"
    STORE_SCHEMA = "TB-STORE-SCHEMA"
    STORE_STALE = "TB-STORE-STALE"
    STORE_URL = "TB-STORE-URL"
    SUPPRESSION_NOT_A_COUNT = "TB-SUPPRESSION-NOT-A-COUNT"
    T_FIELD = "TB-T-FIELD"
    T_FILE = "TB-T-FILE"
    T_MISSING_COLUMN = "TB-T-MISSING-COLUMN"
    T_OVERLAP = "TB-T-OVERLAP"
    T_UNKNOWN_METRIC = "TB-T-UNKNOWN-METRIC"
    UPLOAD_CHANGED = "TB-UPLOAD-CHANGED"
    UPLOAD_TOO_LARGE = "TB-UPLOAD-TOO-LARGE"
    UPLOAD_TYPE = "TB-UPLOAD-TYPE"
    USER_EXISTS = "TB-USER-EXISTS"
    USER_NAME = "TB-USER-NAME"
    USER_PASSWORD = "TB-USER-PASSWORD"
    USER_ROLE = "TB-USER-ROLE"
    V_BOOL = "TB-V-BOOL"
    V_COLUMN = "TB-V-COLUMN"
    V_DUPLICATE = "TB-V-DUPLICATE"
    V_EMPTY = "TB-V-EMPTY"
    V_FILE = "TB-V-FILE"
    V_FUTURE = "TB-V-FUTURE"
    V_IMPLAUSIBLE = "TB-V-IMPLAUSIBLE"
    V_MEASURE = "TB-V-MEASURE"
    V_MISSING_COLUMN = "TB-V-MISSING-COLUMN"
    V_NEGATIVE = "TB-V-NEGATIVE"
    V_NOT_NUMBER = "TB-V-NOT-NUMBER"
    V_NUM_GT_DEN = "TB-V-NUM-GT-DEN"
    V_PERCENT_SCALE = "TB-V-PERCENT-SCALE"
    V_PERIOD = "TB-V-PERIOD"
    V_PERIOD_FREQUENCY = "TB-V-PERIOD-FREQUENCY"
    V_UNKNOWN_METRIC = "TB-V-UNKNOWN-METRIC"
    V_UNKNOWN_ORG = "TB-V-UNKNOWN-ORG"
    V_VALUE_MISMATCH = "TB-V-VALUE-MISMATCH"
    V_ZERO_DEN = "TB-V-ZERO-DEN"
    WAITS_BAD_DATE = "TB-WAITS-BAD-DATE"
    WAITS_BAD_FLAG = "TB-WAITS-BAD-FLAG"
    WAITS_BAND = "TB-WAITS-BAND"
    WAITS_BEFORE_REFERRAL = "TB-WAITS-BEFORE-REFERRAL"
    WAITS_CLOSED_BEFORE_RECEIVED = "TB-WAITS-CLOSED-BEFORE-RECEIVED"
    WAITS_COURSE = "TB-WAITS-COURSE"
    WAITS_DUPLICATE_REFERRAL = "TB-WAITS-DUPLICATE-REFERRAL"
    WAITS_EMPTY = "TB-WAITS-EMPTY"
    WAITS_KEY = "TB-WAITS-KEY"
    WAITS_LABEL = "TB-WAITS-LABEL"
    WAITS_MAPPING = "TB-WAITS-MAPPING"
    WAITS_METRIC_MAP = "TB-WAITS-METRIC-MAP"
    WAITS_MISSING_COLUMN = "TB-WAITS-MISSING-COLUMN"
    WAITS_MISSING_VALUE = "TB-WAITS-MISSING-VALUE"
    WAITS_PERCENTILE = "TB-WAITS-PERCENTILE"
    WAITS_RECONCILE_DIFFERS = "TB-WAITS-RECONCILE-DIFFERS"
    WAITS_STANDARD_ID = "TB-WAITS-STANDARD-ID"
    WAITS_STOP = "TB-WAITS-STOP"
    WAITS_TARGET = "TB-WAITS-TARGET"
    WAITS_THRESHOLD = "TB-WAITS-THRESHOLD"
    WAITS_UNKNOWN_REFERRAL = "TB-WAITS-UNKNOWN-REFERRAL"
    WAITS_UNMAPPED_VALUE = "TB-WAITS-UNMAPPED-VALUE"
    WAITS_VALUE = "TB-WAITS-VALUE"
    WAITS_YAML = "TB-WAITS-YAML"


#: Characters of an input value, and of a message, repeated on a terminal.
_ECHO_VALUE = 120
_ECHO_MESSAGE = 400


def _shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text):,} characters)"


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
        """One line: location, code, message, value and what was expected (each part cut short
        when it is longer than a person reads: a hostile file can hold a megabyte in a cell)."""
        text = f"[{self.code}] {_shorten(self.message, _ECHO_MESSAGE)}"
        where = self.location()
        if where:
            text = f"{_shorten(where, _ECHO_MESSAGE)}: {text}"
        if self.value is not None:
            text += f" (value: {_shorten(repr(self.value), _ECHO_VALUE)})"
        if self.expected:
            text += f"; expected {_shorten(self.expected, _ECHO_MESSAGE)}"
        return text

    def to_dict(self) -> dict[str, Any]:
        """A plain dict (for JSON reports and web responses)."""
        out = asdict(self)
        if out["value"] is not None and not isinstance(out["value"], (int, float, str, bool)):
            out["value"] = str(out["value"])
        return out


class TrustboardError(Exception):
    """Base of every error trustboard raises on purpose."""

    code: str = ErrorCode.ERROR

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
        out = [f"error [{self.code}]: {_shorten(self.message, 4 * _ECHO_MESSAGE)}"]
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

    code = ErrorCode.OPTIONS


class DataValidationError(TrustboardError):
    """Input data failed validation; ``problems`` lists every problem found."""

    code = ErrorCode.DATA

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

    code = ErrorCode.CONFIG


class NotFoundError(TrustboardError):
    """Something asked for does not exist (metric, forum, period, file, published pack)."""

    code = ErrorCode.NOT_FOUND


class ConflictError(TrustboardError):
    """The request conflicts with what is stored (e.g. re-publishing a frozen pack)."""

    code = ErrorCode.CONFLICT


class StoreError(TrustboardError):
    """The store cannot be opened, migrated or written."""

    code = ErrorCode.STORE


class MissingExtraError(TrustboardError):
    """An optional engine is needed but its extra is not installed."""

    code = ErrorCode.MISSING_EXTRA

    def __init__(self, feature: str, extra: str, module: str) -> None:
        super().__init__(
            f"{feature} needs the optional package '{module}', which is not installed.",
            hint=f"install it with: pip install 'trustboard[{extra}]'",
        )
        self.extra = extra
        self.module = module


class AuthenticationError(TrustboardError):
    """The request carries no valid session or token, or a sign-in failed."""

    code = ErrorCode.AUTH_REQUIRED


class PermissionDeniedError(TrustboardError):
    """The signed-in user's role or forums do not allow what was asked."""

    code = ErrorCode.AUTH_FORBIDDEN


class ThrottledError(TrustboardError):
    """Too many failed sign-ins: the account is locked for a while."""

    code = ErrorCode.AUTH_THROTTLED


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
    AuthenticationError: 401,
    PermissionDeniedError: 403,
    ThrottledError: 429,
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
