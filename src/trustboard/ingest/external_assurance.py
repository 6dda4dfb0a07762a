"""Readers for external assurance files in their published layouts.

* CQC's "latest ratings" layout (CSV): one row per rating, with the columns ``Location ID,
  Location Name, Service / Population Group, Domain, Latest Rating, Publication Date, Report
  Type, Inherited Rating (Y/N), Provider ID, Provider Name`` (older files say ``Key Question``
  for ``Domain``).  A row with an empty ``Location ID`` is the provider's own rating.
* CQC's public API locations (CSV, one row per location, as a dump of the API writes it):
  ``locationId``, ``providerId``, ``name``, ``inspectionAreas``, ``reports`` and
  ``currentRatings``, the last three holding the API's JSON as Python-style text.  The text is
  read as literals only (``ast.literal_eval``, which runs nothing); the location's overall
  and key-question ratings and each service's ratings become one rating each.
* The NHS Staff Survey organisational results (CSV): one row per organisation and year, with
  ``ODS code, Year, Organisation name, Benchmarking group, Respondents`` and, per measure,
  ``<name>_base`` and ``<name>_rate``; ``NA`` and ``-`` mean no value.

Every problem in a file is collected (file, row, column, value, expected) and reported at once;
a reader returns values only when there is none.
"""

from __future__ import annotations

import ast
import csv
from collections.abc import Iterator, Sized
from datetime import date, datetime
from pathlib import Path
from typing import Any, Final, Protocol

from trustboard.domain.external_assurance import (
    KEY_QUESTION_LABELS,
    OVERALL,
    RATING_LABELS,
    STAFF_SURVEY_MEASURES,
    CqcRating,
    StaffSurveyResult,
    parse_key_question,
    parse_rating,
)
from trustboard.errors import DataValidationError, ErrorCode, Problem

__all__ = [
    "CQC_API_COLUMNS",
    "CQC_COLUMNS",
    "STAFF_SURVEY_COLUMNS",
    "read_cqc",
    "read_cqc_api_locations",
    "read_cqc_ratings",
    "read_staff_survey",
]

#: The columns of CQC's "latest ratings" layout, as published.
CQC_COLUMNS: Final = (
    "Location ID",
    "Location Name",
    "Service / Population Group",
    "Domain",
    "Latest Rating",
    "Publication Date",
    "Report Type",
    "Inherited Rating (Y/N)",
    "Provider ID",
    "Provider Name",
)
#: The name older files give the ``Domain`` column.
_OLD_DOMAIN: Final = "Key Question"

#: The columns read from a dump of CQC's public API locations.
CQC_API_COLUMNS: Final = (
    "locationId",
    "providerId",
    "name",
    "inspectionAreas",
    "reports",
    "currentRatings",
)
#: What the API writes where nothing has been published; such an entry is not a rating to keep.
_NOTHING_PUBLISHED: Final = "No published rating"

#: The identifying columns of the staff survey organisational results.
STAFF_SURVEY_COLUMNS: Final = (
    "ODS code",
    "Year",
    "Organisation name",
    "Benchmarking group",
    "Respondents",
)
_MISSING: Final = frozenset({"", "NA", "-"})
_DATE_FORMATS: Final = ("%Y-%m-%d", "%d/%m/%Y")


def _rows(path: Path, problems: list[Problem]) -> Iterator[tuple[int, dict[str, str]]]:
    """Each data row with its spreadsheet row number (the header is row 1)."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None:
                problems.append(
                    Problem(
                        ErrorCode.ASSURANCE_LAYOUT,
                        "the file is empty",
                        file=str(path),
                        expected="a header row and data rows",
                    )
                )
                return
            names = [name.strip() for name in header]
            for number, cells in enumerate(reader, start=2):
                if not any(cell.strip() for cell in cells):
                    continue
                if len(cells) != len(names):
                    problems.append(
                        Problem(
                            ErrorCode.ASSURANCE_LAYOUT,
                            f"the row has {len(cells)} cells but the header has {len(names)}",
                            file=str(path),
                            row=number,
                            expected=f"{len(names)} cells",
                        )
                    )
                    continue
                yield number, dict(zip(names, (cell.strip() for cell in cells), strict=True))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        problems.append(
            Problem(
                ErrorCode.ASSURANCE_LAYOUT,
                f"the file cannot be read as UTF-8 CSV ({exc})",
                file=str(path),
                expected="a CSV file in UTF-8",
            )
        )


def _header(path: Path) -> list[str]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return [name.strip() for name in next(csv.reader(handle), [])]
    except (OSError, UnicodeDecodeError, csv.Error):
        return []


def _missing_columns(path: Path, wanted: tuple[str, ...], problems: list[Problem]) -> bool:
    header = set(_header(path))
    absent = [name for name in wanted if name not in header]
    for name in absent:
        problems.append(
            Problem(
                ErrorCode.ASSURANCE_LAYOUT,
                f"the column '{name}' is missing, so the file is not in the published layout",
                file=str(path),
                row=1,
                column=name,
                expected="the columns " + ", ".join(wanted),
            )
        )
    return bool(absent)


def _date(text: str) -> date | None:
    for pattern in _DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def read_cqc_ratings(path: str | Path) -> list[CqcRating]:
    """The ratings in a CQC "latest ratings" file; raises :class:`DataValidationError`
    naming every problem (``TB-ASSURANCE-LAYOUT``, ``TB-ASSURANCE-VALUE``)."""
    source = Path(path)
    problems: list[Problem] = []
    _exists(source)
    header = _header(source)
    wanted = tuple(
        _OLD_DOMAIN if name == "Domain" and _OLD_DOMAIN in header else name for name in CQC_COLUMNS
    )
    if _missing_columns(source, wanted, problems):
        _fail(source, problems)
    domain = wanted[3]
    ratings: list[CqcRating] = []
    seen: dict[tuple[str, str, str, str], int] = {}
    for number, row in _rows(source, problems):
        bad = _reporter(source, problems, number, row)
        question = parse_key_question(row[domain])
        if question is None:
            bad(domain, "not one of CQC's key questions", ", ".join(KEY_QUESTION_LABELS.values()))
        rating = parse_rating(row["Latest Rating"])
        if rating is None:
            bad("Latest Rating", "not one of CQC's ratings", ", ".join(RATING_LABELS.values()))
        published = _date(row["Publication Date"])
        if published is None:
            bad("Publication Date", "not a date", "a date as YYYY-MM-DD or DD/MM/YYYY")
        inherited_text = row["Inherited Rating (Y/N)"].upper()
        if inherited_text not in ("Y", "N"):
            bad("Inherited Rating (Y/N)", "not Y or N", "Y or N")
        for column in ("Provider ID", "Provider Name", "Service / Population Group"):
            if not row[column]:
                bad(column, "is empty", "a value")
        if question is None or rating is None or published is None:
            continue
        key = (row["Provider ID"], row["Location ID"], row["Service / Population Group"], question)
        if key in seen:
            bad(
                domain,
                f"a second rating for this service and key question (the first is on row "
                f"{seen[key]})",
                "one rating for each provider, location, service and key question",
            )
            continue
        seen[key] = number
        ratings.append(
            CqcRating(
                provider_id=row["Provider ID"],
                provider_name=row["Provider Name"],
                location_id=row["Location ID"],
                location_name=row["Location Name"],
                service=row["Service / Population Group"],
                key_question=question,
                rating=rating,
                published=published,
                report_type=row["Report Type"],
                inherited=inherited_text == "Y",
            )
        )
    _finish(source, problems, ratings, "the file has no ratings", "at least one data row")
    return ratings


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def read_staff_survey(path: str | Path) -> list[StaffSurveyResult]:
    """The results in an NHS Staff Survey organisational results file, one per organisation,
    year and measure (the measures of ``STAFF_SURVEY_MEASURES``); raises
    :class:`DataValidationError` naming every problem."""
    source = Path(path)
    problems: list[Problem] = []
    _exists(source)
    measure_columns = tuple(
        f"{m.column}_{part}" for m in STAFF_SURVEY_MEASURES for part in ("base", "rate")
    )
    if _missing_columns(source, STAFF_SURVEY_COLUMNS + measure_columns, problems):
        _fail(source, problems)
    results: list[StaffSurveyResult] = []
    seen: dict[tuple[str, int], int] = {}
    for number, row in _rows(source, problems):
        bad = _reporter(source, problems, number, row)
        code = row["ODS code"]
        if not code:
            bad("ODS code", "is empty", "the organisation's ODS code")
        year_text = row["Year"]
        year = int(year_text) if year_text.isdigit() and len(year_text) == 4 else None
        if year is None:
            bad("Year", "not a survey year", "a year such as 2024")
        respondents = _count(row, "Respondents", bad)
        if not code or year is None:
            continue
        if (code, year) in seen:
            bad(
                "ODS code",
                f"a second row for {code} in {year} (the first is on row {seen[(code, year)]})",
                "one row for each organisation and year",
            )
            continue
        seen[(code, year)] = number
        for measure in STAFF_SURVEY_MEASURES:
            base = _count(row, f"{measure.column}_base", bad)
            rate_column = f"{measure.column}_rate"
            rate_text = row[rate_column]
            rate = None if rate_text in _MISSING else _number(rate_text)
            if rate_text not in _MISSING and (rate is None or not 0 <= rate <= 100):
                bad(rate_column, "not a percentage", "a number from 0 to 100, NA or -")
                rate = None
            results.append(
                StaffSurveyResult(
                    org_code=code,
                    org_name=row["Organisation name"],
                    year=year,
                    benchmarking_group=row["Benchmarking group"],
                    respondents=respondents,
                    measure=measure.column,
                    base=base,
                    rate=rate,
                )
            )
    _finish(source, problems, results, "the file has no results", "at least one data row")
    return results


def _count(row: dict[str, str], column: str, bad: _Bad) -> int | None:
    text = row[column]
    if text in _MISSING:
        return None
    value = _number(text)
    if value is None or value < 0 or value != int(value):
        bad(column, "not a count", "a whole number of respondents, NA or -")
        return None
    return int(value)


class _Bad(Protocol):
    """The shape of a row's problem reporter."""

    def __call__(self, column: str, message: str, expected: str) -> None: ...


def _exists(source: Path) -> None:
    if not source.is_file():
        _fail(
            source,
            [
                Problem(
                    ErrorCode.ASSURANCE_LAYOUT,
                    "the file does not exist",
                    file=str(source),
                    expected="a CSV file",
                )
            ],
        )


def _fail(source: Path, problems: list[Problem]) -> None:
    if problems:
        raise DataValidationError(
            f"{source.name}: {len(problems)} problem(s) found; nothing was loaded",
            problems,
            code=ErrorCode.ASSURANCE_LAYOUT
            if any(p.code == ErrorCode.ASSURANCE_LAYOUT for p in problems)
            else ErrorCode.ASSURANCE_VALUE,
        )


def _reporter(source: Path, problems: list[Problem], number: int, row: dict[str, str]) -> _Bad:
    """A reporter of the problems in one value of a data row: each names the file, the row, the
    column and the value found there."""

    def bad(column: str, message: str, expected: str) -> None:
        problems.append(
            Problem(
                ErrorCode.ASSURANCE_VALUE,
                message,
                file=str(source),
                row=number,
                column=column,
                value=row[column],
                expected=expected,
            )
        )

    return bad


def _finish(
    source: Path, problems: list[Problem], found: Sized, message: str, expected: str
) -> None:
    """Raise for the file's problems, counting a file that yields nothing as one."""
    if not problems and not found:
        problems.append(
            Problem(ErrorCode.ASSURANCE_LAYOUT, message, file=str(source), expected=expected)
        )
    _fail(source, problems)


def read_cqc(path: str | Path) -> list[CqcRating]:
    """The ratings in a CQC file of either layout: a dump of the public API's locations (it has
    a ``currentRatings`` column) or the "latest ratings" layout."""
    source = Path(path)
    if "currentRatings" in _header(source):
        return read_cqc_api_locations(source)
    return read_cqc_ratings(source)


def _literal(text: str) -> Any:
    """The API's JSON written as Python literals, read without running anything."""
    if not text:
        return None
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return _UNREADABLE


_UNREADABLE: Final = object()


def read_cqc_api_locations(path: str | Path) -> list[CqcRating]:
    """The current ratings of every location in a dump of CQC's public API (see the module's
    notes); a location without ``currentRatings`` has none, and an entry the API gives as "No
    published rating" is left out.  Raises :class:`DataValidationError` naming every problem."""
    source = Path(path)
    problems: list[Problem] = []
    _exists(source)
    if _missing_columns(source, CQC_API_COLUMNS, problems):
        _fail(source, problems)
    ratings: list[CqcRating] = []
    for number, row in _rows(source, problems):
        current = _literal(row["currentRatings"])
        if current is None:
            continue
        if current is _UNREADABLE or not isinstance(current, dict):
            problems.append(
                Problem(
                    ErrorCode.ASSURANCE_VALUE,
                    "the ratings cannot be read as the API's JSON",
                    file=str(source),
                    row=number,
                    column="currentRatings",
                    value=row["currentRatings"][:80],
                    expected="the API's currentRatings object",
                )
            )
            continue
        areas = _literal(row["inspectionAreas"])
        names = (
            {
                str(a.get("inspectionAreaId")): str(a.get("inspectionAreaName"))
                for a in areas
                if isinstance(a, dict)
            }
            if isinstance(areas, list)
            else {}
        )
        reports = _literal(row["reports"])
        report_types = (
            {
                str(r.get("linkId")): str(r.get("reportType", ""))
                for r in reports
                if isinstance(r, dict)
            }
            if isinstance(reports, list)
            else {}
        )
        location = row["locationId"]
        fallback = current.get("reportDate")
        entries: list[tuple[str, dict[str, Any], dict[str, Any] | None]] = []
        overall = current.get("overall")
        if isinstance(overall, dict):
            entries.append(("Overall", overall, None))
        for service in current.get("serviceRatings") or []:
            if isinstance(service, dict):
                name = str(service.get("name", ""))
                entries.append((names.get(name, name), service, None))
        for service_name, entry, _ in entries:
            items = [(KEY_QUESTION_LABELS[OVERALL], entry)] + [
                (str(k.get("name", "")), k)
                for k in entry.get("keyQuestionRatings") or []
                if isinstance(k, dict)
            ]
            for question_name, item in items:
                word = str(item.get("rating", ""))
                if word == _NOTHING_PUBLISHED:
                    continue
                question = parse_key_question(question_name)
                rating = parse_rating(word)
                published = _date(
                    str(item.get("reportDate") or entry.get("reportDate") or fallback or "")
                )
                for ok, what, shown, expected in (
                    (
                        question is not None,
                        "not one of CQC's key questions",
                        question_name,
                        ", ".join(KEY_QUESTION_LABELS.values()),
                    ),
                    (
                        rating is not None,
                        "not one of CQC's ratings",
                        word,
                        ", ".join(RATING_LABELS.values()) + " or " + _NOTHING_PUBLISHED,
                    ),
                    (
                        published is not None,
                        "a rating without a report date",
                        word,
                        "a reportDate as YYYY-MM-DD",
                    ),
                ):
                    if not ok:
                        problems.append(
                            Problem(
                                ErrorCode.ASSURANCE_VALUE,
                                f"{service_name}, {question_name}: {what}",
                                file=str(source),
                                row=number,
                                column="currentRatings",
                                value=shown,
                                expected=expected,
                            )
                        )
                if question is None or rating is None or published is None:
                    continue
                owner = item.get("organisationId") or entry.get("organisationId")
                link = str(item.get("reportLinkId") or entry.get("reportLinkId") or "")
                ratings.append(
                    CqcRating(
                        provider_id=row["providerId"],
                        provider_name="",
                        location_id=location,
                        location_name=row["name"],
                        service=service_name,
                        key_question=question,
                        rating=rating,
                        published=published,
                        report_type=report_types.get(link, ""),
                        inherited=bool(owner) and owner != location,
                    )
                )
    _finish(
        source,
        problems,
        ratings,
        "the file has no published ratings",
        "at least one location with current ratings",
    )
    return ratings
