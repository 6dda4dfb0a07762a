"""External assurance: import CQC ratings and NHS Staff Survey results, and read them back as
the ratings grid and the comparison with the benchmarking group.

Each import reads the whole file first; if any problem is found nothing is written, and
otherwise the rows become the source's next revision in one audited transaction.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from trustboard.domain.external_assurance import (
    KEY_QUESTION_LABELS,
    STAFF_SURVEY_MEASURES,
    CqcRating,
    KeyQuestion,
    StaffSurveyMeasure,
    StaffSurveyResult,
)
from trustboard.errors import NotFoundError
from trustboard.ingest.external_assurance import read_cqc, read_staff_survey
from trustboard.store import Store, utc_now
from trustboard.store import external_assurance as stored

__all__ = [
    "GRID_COLUMNS",
    "SIGNIFICANCE_Z",
    "TRUST_ROW",
    "CqcGrid",
    "ImportedAssurance",
    "MeasureBenchmark",
    "RatingChange",
    "cqc_changes",
    "cqc_grid",
    "import_cqc",
    "import_staff_survey",
    "quartile",
    "staff_survey_benchmark",
]

#: The grid's columns: the five key questions, then overall.
GRID_COLUMNS: Final = tuple(KEY_QUESTION_LABELS)
#: The ``Service / Population Group`` of the provider's own (trust-level) ratings.
TRUST_ROW: Final = "Overall"
#: Two-sided 5% critical value of the standard normal distribution, for the change between
#: two survey years (a two-proportion z-test on the published rates and bases).
SIGNIFICANCE_Z: Final = 1.959963984540054


@dataclass(frozen=True, slots=True)
class ImportedAssurance:
    """What an import kept: the source, the revision it became and how many rows."""

    source: str
    revision: int
    rows: int


def import_cqc(store: Store, path: str | Path) -> ImportedAssurance:
    """Read a CQC file (the "latest ratings" layout, or a dump of the public API's locations)
    and keep it as the CQC import's next revision."""
    ratings = read_cqc(path)
    with store.transaction() as conn:
        revision = stored.write_cqc_ratings(
            conn, ratings, file=Path(path).name, actor=store.actor, now=utc_now()
        )
    return ImportedAssurance(stored.CQC, revision, len(ratings))


def import_staff_survey(store: Store, path: str | Path) -> ImportedAssurance:
    """Read an NHS Staff Survey organisational results file and keep it as the next revision."""
    results = read_staff_survey(path)
    with store.transaction() as conn:
        revision = stored.write_staff_survey(
            conn, results, file=Path(path).name, actor=store.actor, now=utc_now()
        )
    return ImportedAssurance(stored.STAFF_SURVEY, revision, len(results))


@dataclass(frozen=True, slots=True)
class CqcGrid:
    """A ratings grid: services (the ``Overall`` row last) × key questions, of a provider or of
    one location."""

    provider_id: str
    location_id: str
    name: str
    services: tuple[str, ...]
    cells: dict[tuple[str, KeyQuestion], CqcRating]

    def cell(self, service: str, question: KeyQuestion) -> CqcRating | None:
        """The published rating for ``service`` on ``question``, or ``None`` when there is none."""
        return self.cells.get((service, question))


def cqc_grid(
    store: Store, provider_id: str | None = None, *, location_id: str | None = None
) -> CqcGrid:
    """The ratings grid of a location (``location_id``) or of a provider's own ratings (the
    only provider in the store when ``provider_id`` is ``None``), from the latest CQC import."""
    with store.reading() as conn:
        ratings = stored.read_cqc_ratings(conn)
    if location_id is not None:
        own = [r for r in ratings if r.location_id == location_id]
        if not own:
            raise NotFoundError(
                f"no CQC ratings for location '{location_id}' in the store",
                hint="import CQC ratings with `trustboard assurance cqc`",
            )
        name = own[0].location_name
        provider_id = own[0].provider_id
    else:
        providers = {r.provider_id: r.provider_name for r in ratings if not r.location_id}
        if provider_id is None and len(providers) == 1:
            provider_id = next(iter(providers))
        if provider_id is None or provider_id not in providers:
            raise NotFoundError(
                f"no CQC ratings of provider '{provider_id}' itself in the store"
                if provider_id
                else "name the provider or a location: the store holds the provider ratings of "
                "more than one provider, or of none",
                hint="providers: " + (", ".join(sorted(providers)) or "none"),
            )
        own = [r for r in ratings if r.provider_id == provider_id and not r.location_id]
        name = providers[provider_id]
    services = list(dict.fromkeys(r.service for r in own if r.service != TRUST_ROW))
    if any(r.service == TRUST_ROW for r in own):
        services.append(TRUST_ROW)
    return CqcGrid(
        provider_id=provider_id,
        location_id=location_id or "",
        name=name,
        services=tuple(services),
        cells={(r.service, r.key_question): r for r in own},
    )


@dataclass(frozen=True, slots=True)
class RatingChange:
    """A cell whose published rating differs between two CQC imports (``None``: no rating)."""

    before: CqcRating | None
    after: CqcRating | None


def _cell_key(r: CqcRating) -> tuple[str, str, str, str]:
    return (r.provider_id, r.location_id, r.service, r.key_question.value)


def cqc_changes(store: Store) -> list[RatingChange]:
    """The cells whose rating or publication date differ between the latest CQC import and the
    one before it (empty with fewer than two imports), in the latest file's order."""
    with store.reading() as conn:
        latest = stored.latest_revision(conn, stored.CQC)
        if latest is None or latest < 2:
            return []
        now = stored.read_cqc_ratings(conn, latest)
        then = {_cell_key(r): r for r in stored.read_cqc_ratings(conn, latest - 1)}
    out: list[RatingChange] = []
    for rating in now:
        old = then.pop(_cell_key(rating), None)
        if old is None or (old.rating, old.published) != (rating.rating, rating.published):
            out.append(RatingChange(old, rating))
    out.extend(RatingChange(old, None) for old in then.values())
    return out


@dataclass(frozen=True, slots=True)
class MeasureBenchmark:
    """A trust's result on one measure against its benchmarking group in one year.

    ``average`` is the mean of the group's organisations' rates, each organisation counted
    once.  ``rank`` is 1 for the best rate in the group (ties share the better rank);
    ``quartile`` is 1 for the best quarter.  ``change`` is in percentage points against the
    previous year, ``significant`` whether a two-proportion z-test on the two years' rates and
    bases finds it at the two-sided 5% level (``None`` without a previous year or its bases).
    """

    measure: StaffSurveyMeasure
    org_code: str
    year: int
    benchmarking_group: str
    respondents: int | None
    rate: float
    base: int | None
    best: float
    average: float
    worst: float
    rank: int
    group_size: int
    quartile: int
    previous: float | None
    change: float | None
    significant: bool | None


def quartile(rank: int, group_size: int) -> int:
    """The quarter of the group a rank falls in: 1 (best) to 4, as ``ceil(4 × rank / size)``."""
    return math.ceil(4 * rank / group_size)


def _significant(now: StaffSurveyResult, before: StaffSurveyResult) -> bool | None:
    if now.rate is None or before.rate is None or not now.base or not before.base:
        return None
    p1, p2 = before.rate / 100, now.rate / 100
    pooled = (p1 * before.base + p2 * now.base) / (before.base + now.base)
    spread = math.sqrt(pooled * (1 - pooled) * (1 / before.base + 1 / now.base))
    if spread == 0:
        return False
    return abs(p2 - p1) / spread > SIGNIFICANCE_Z


def staff_survey_benchmark(store: Store, org_code: str, year: int) -> list[MeasureBenchmark]:
    """Each measure of ``org_code`` in ``year`` against its benchmarking group that year, from
    the latest staff survey import; a measure without the trust's rate is left out."""
    with store.reading() as conn:
        results = stored.read_staff_survey(conn)
    by_key = {(r.org_code, r.year, r.measure): r for r in results}
    own = [r for r in results if r.org_code == org_code and r.year == year]
    if not own:
        raise NotFoundError(
            f"no staff survey results for {org_code} in {year} in the store",
            hint="import the organisational results with `trustboard assurance staff-survey`",
        )
    out: list[MeasureBenchmark] = []
    for measure in STAFF_SURVEY_MEASURES:
        mine = by_key.get((org_code, year, measure.column))
        if mine is None or mine.rate is None:
            continue
        rates = [
            r.rate
            for r in results
            if r.year == year
            and r.measure == measure.column
            and r.benchmarking_group == mine.benchmarking_group
            and r.rate is not None
        ]
        sign = 1 if measure.higher_is_better else -1
        better = sum(1 for rate in rates if sign * rate > sign * mine.rate)
        rank = better + 1
        before = by_key.get((org_code, year - 1, measure.column))
        previous = None if before is None else before.rate
        out.append(
            MeasureBenchmark(
                measure=measure,
                org_code=org_code,
                year=year,
                benchmarking_group=mine.benchmarking_group,
                respondents=mine.respondents,
                rate=mine.rate,
                base=mine.base,
                best=max(rates) if measure.higher_is_better else min(rates),
                average=sum(rates) / len(rates),
                worst=min(rates) if measure.higher_is_better else max(rates),
                rank=rank,
                group_size=len(rates),
                quartile=quartile(rank, len(rates)),
                previous=previous,
                change=None if previous is None else mine.rate - previous,
                significant=None if before is None else _significant(mine, before),
            )
        )
    return out
