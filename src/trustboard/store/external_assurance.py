"""External assurance imports (``assurance_import``, ``cqc_rating``, ``staff_survey_result``).

Each import of a source (``cqc`` or ``staff-survey``) is a new revision: its rows are kept
beside every earlier revision's, and readers take the latest revision unless asked for an
earlier one, so what a Board saw can always be shown again.  An import and its audit entry are
written in one transaction.  Migration ``0016_external_assurance`` creates the tables.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Final, TypeVar

from sqlalchemy import (
    Boolean,
    Connection,
    Date,
    Float,
    Integer,
    Row,
    String,
    Text,
    func,
    insert,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column

from trustboard.domain.external_assurance import (
    CqcRating,
    KeyQuestion,
    Rating,
    StaffSurveyResult,
)
from trustboard.store.audit import record
from trustboard.store.models import Base, Stamp

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

__all__ = [
    "CQC",
    "STAFF_SURVEY",
    "AssuranceImport",
    "latest_revision",
    "read_assurance_imports",
    "read_cqc_ratings",
    "read_staff_survey",
    "write_cqc_ratings",
    "write_staff_survey",
]


class AssuranceImportRow(Base):
    """One import of an external assurance source: its revision, file, size, who and when."""

    __tablename__ = "assurance_import"
    source: Mapped[str] = mapped_column(String(32), primary_key=True)
    revision: Mapped[int] = mapped_column(Integer, primary_key=True)
    file: Mapped[str] = mapped_column(Text)
    rows: Mapped[int] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(200))
    imported_at: Mapped[datetime] = mapped_column(Stamp)


class CqcRatingRow(Base):
    """One published CQC rating, in one revision of the CQC import."""

    __tablename__ = "cqc_rating"
    revision: Mapped[int] = mapped_column(Integer, primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider_id: Mapped[str] = mapped_column(String(32))
    provider_name: Mapped[str] = mapped_column(Text)
    location_id: Mapped[str] = mapped_column(String(32))
    location_name: Mapped[str] = mapped_column(Text)
    service: Mapped[str] = mapped_column(Text)
    key_question: Mapped[str] = mapped_column(String(16))
    rating: Mapped[str] = mapped_column(String(32))
    published: Mapped[date] = mapped_column(Date)
    report_type: Mapped[str] = mapped_column(Text)
    inherited: Mapped[bool] = mapped_column(Boolean)


class StaffSurveyResultRow(Base):
    """One organisation's result on one staff survey measure, in one revision."""

    __tablename__ = "staff_survey_result"
    revision: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_code: Mapped[str] = mapped_column(String(16), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    measure: Mapped[str] = mapped_column(String(64), primary_key=True)
    org_name: Mapped[str] = mapped_column(Text)
    benchmarking_group: Mapped[str] = mapped_column(Text)
    respondents: Mapped[int | None] = mapped_column(Integer)
    base: Mapped[int | None] = mapped_column(Integer)
    rate: Mapped[float | None] = mapped_column(Float)


_i = AssuranceImportRow.__table__
_c = CqcRatingRow.__table__
_s = StaffSurveyResultRow.__table__

_Kept = TypeVar("_Kept", bound="DataclassInstance")


def _to_row(kept: DataclassInstance, **columns: Any) -> dict[str, Any]:
    """The columns of ``kept``'s row: each field under its own name, then ``columns``."""
    return {field.name: getattr(kept, field.name) for field in fields(kept)} | columns


def _from_row(kind: type[_Kept], row: Row[Any], **values: Any) -> _Kept:
    """A ``kind`` from the row's columns of its fields' names, ``values`` taking their place."""
    return kind(**({field.name: getattr(row, field.name) for field in fields(kind)} | values))


def _chosen(conn: Connection, source: str, revision: int | None) -> int | None:
    """``revision``, or the latest revision of ``source`` when ``None``."""
    return revision if revision is not None else latest_revision(conn, source)


#: The source names an import is kept under.
CQC: Final = "cqc"
STAFF_SURVEY: Final = "staff-survey"


@dataclass(frozen=True, slots=True)
class AssuranceImport:
    """One import: the source, its revision, the file, how many rows, who and when."""

    source: str
    revision: int
    file: str
    rows: int
    actor: str
    imported_at: datetime


def latest_revision(conn: Connection, source: str) -> int | None:
    """The latest revision of ``source``, or ``None`` before its first import."""
    found = conn.execute(select(func.max(_i.c.revision)).where(_i.c.source == source)).scalar()
    return None if found is None else int(found)


def read_assurance_imports(conn: Connection, source: str | None = None) -> list[AssuranceImport]:
    """Every import (optionally of one source), oldest first."""
    query = select(_i)
    if source is not None:
        query = query.where(_i.c.source == source)
    rows = conn.execute(query.order_by(_i.c.source, _i.c.revision)).all()
    return [_from_row(AssuranceImport, r) for r in rows]


def _begin(conn: Connection, source: str, file: str, rows: int, actor: str, now: datetime) -> int:
    before = latest_revision(conn, source)
    revision = (before or 0) + 1
    conn.execute(
        insert(_i).values(
            source=source, revision=revision, file=file, rows=rows, actor=actor, imported_at=now
        )
    )
    record(
        conn,
        now=now,
        actor=actor,
        action="assurance.import",
        entity=source,
        entity_id=str(revision),
        before=None if before is None else {"revision": before},
        after={"revision": revision, "file": file, "rows": rows},
    )
    return revision


def write_cqc_ratings(
    conn: Connection, ratings: list[CqcRating], *, file: str, actor: str, now: datetime
) -> int:
    """Keep ``ratings`` as the CQC import's next revision (audited); returns the revision."""
    revision = _begin(conn, CQC, file, len(ratings), actor, now)
    conn.execute(
        insert(_c),
        [
            _to_row(
                r,
                revision=revision,
                position=position,
                key_question=r.key_question.value,
                rating=r.rating.value,
            )
            for position, r in enumerate(ratings, start=1)
        ],
    )
    return revision


def read_cqc_ratings(conn: Connection, revision: int | None = None) -> list[CqcRating]:
    """The ratings of ``revision`` (the latest when ``None``), in the file's order."""
    chosen = _chosen(conn, CQC, revision)
    if chosen is None:
        return []
    rows = conn.execute(select(_c).where(_c.c.revision == chosen).order_by(_c.c.position)).all()
    return [
        _from_row(
            CqcRating,
            r,
            key_question=KeyQuestion(r.key_question),
            rating=Rating(r.rating),
            inherited=bool(r.inherited),
        )
        for r in rows
    ]


def write_staff_survey(
    conn: Connection, results: list[StaffSurveyResult], *, file: str, actor: str, now: datetime
) -> int:
    """Keep ``results`` as the staff survey import's next revision (audited)."""
    revision = _begin(conn, STAFF_SURVEY, file, len(results), actor, now)
    conn.execute(
        insert(_s),
        [_to_row(r, revision=revision) for r in results],
    )
    return revision


def read_staff_survey(
    conn: Connection, *, revision: int | None = None, measure: str | None = None
) -> list[StaffSurveyResult]:
    """The results of ``revision`` (the latest when ``None``), by year, organisation, measure."""
    chosen = _chosen(conn, STAFF_SURVEY, revision)
    if chosen is None:
        return []
    query = select(_s).where(_s.c.revision == chosen)
    if measure is not None:
        query = query.where(_s.c.measure == measure)
    rows = conn.execute(query.order_by(_s.c.year, _s.c.org_code, _s.c.measure)).all()
    return [_from_row(StaffSurveyResult, r) for r in rows]
