"""The waiting-time specification: pure value types, no engine imports.

A :class:`Standard` says when a clock starts (referral received), what stops it
(:class:`StopRule`: the k-th qualifying attended contact, or an explicit event), which pathways
are reported as completed (:class:`Cohort`), and the thresholds, percentiles and wait bands to
report.  Every engine (DuckDB, Spark) computes the same definitions from these objects
(domain.md §10.3).

Conventions used by every engine, written once here:

* a wait is measured in whole days: ``snapshot - received`` for open pathways and
  ``stop - received`` for completed ones;
* "within N weeks" means ``wait_days <= 7 * N`` (domain.md §10.3 step 4: "≤ 28 days for within
  4 weeks"); "over N weeks" means ``wait_days > 7 * N``, so that the CHS SitRep band "52+ weeks"
  (365 days or more, [S10]) and "over 52 weeks" count the same pathways;
* percentiles are nearest-rank order statistics over patients: the p-th percentile of ``n``
  waits is the ``ceil(p / 100 * n)``-th smallest (domain.md §10.3 "Percentile convention").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from trustboard.errors import ConfigError, ErrorCode, Problem

__all__ = [
    "ATTENDED_CODES",
    "BREAKDOWN_COLUMNS",
    "CHS_BANDS",
    "CONSULTATION_MECHANISMS",
    "CONTACT_COLUMNS",
    "EVENT_COLUMNS",
    "LONG_WAIT_WEEKS",
    "MH_CONTACT_MECHANISMS",
    "REFERRAL_COLUMNS",
    "REQUIRED_PERCENTILES",
    "Cohort",
    "Standard",
    "StopKind",
    "StopRule",
    "Threshold",
    "WaitBand",
    "band_column",
    "nearest_rank",
    "nearest_rank_index",
    "percentile_column",
    "threshold_column",
]

#: Canonical referral columns (domain.md §10.3 inputs).
REFERRAL_COLUMNS: tuple[str, ...] = (
    "referral_id",
    "person_id",
    "service",
    "team",
    "priority",
    "received_date",
    "closed_date",
    "closure_reason",
    "rejected",
    "age_band",
    "sex",
    "ethnic_group",
    "imd_quintile",
)
#: Canonical contact columns.
CONTACT_COLUMNS: tuple[str, ...] = (
    "referral_id",
    "contact_date",
    "attendance_code",
    "mechanism",
    "activity_type",
)
#: Canonical clock-stop event columns.
EVENT_COLUMNS: tuple[str, ...] = ("referral_id", "event_type", "event_date")

#: Referral columns results may be broken down by (domain.md §10.3 step 7, §12).
BREAKDOWN_COLUMNS: tuple[str, ...] = (
    "service",
    "team",
    "priority",
    "age_band",
    "sex",
    "ethnic_group",
    "imd_quintile",
)

#: NHS Data Dictionary "Attended or did not attend" codes that count as attended:
#: 5 attended on time (or, if late, before the professional was ready), 6 arrived late but
#: was seen.  NHS England's MHSDS measures keep exactly these two ([S32]); 2, 3, 4 and 7
#: (cancelled, did not attend, arrived late and not seen) never stop a clock.
ATTENDED_CODES: tuple[str, ...] = ("5", "6")

#: NHS Data Dictionary consultation mechanism codes (MHSDS v5 ``ConsMechanismMH``).
CONSULTATION_MECHANISMS: Mapping[str, str] = {
    "01": "face to face",
    "02": "telephone",
    "04": "talk type for a person unable to speak",
    "05": "email",
    "09": "text message (asynchronous)",
    "10": "instant messaging (synchronous)",
    "11": "video consultation",
    "12": "message board (asynchronous)",
    "13": "chat room (synchronous)",
    "98": "other (for example a letter)",
}
#: Mechanisms that count as a contact for the national mental health waiting measures:
#: face to face, telephone, talk type and video; email, text, letters and message boards do
#: not (NHS England MHSDS v5 measure code, ``ConsMechanismMH IN ('01','02','04','11')`` [S32]).
MH_CONTACT_MECHANISMS: tuple[str, ...] = ("01", "02", "04", "11")

#: The "over N weeks" counts every result carries (domain.md §3.5 RES07/RES13, §10.3 step 5).
LONG_WAIT_WEEKS: tuple[int, ...] = (18, 52, 78, 104)
#: Percentiles every result carries (median; MHSDS 90th [S36]; RTT 92nd [S12]).
REQUIRED_PERCENTILES: tuple[float, ...] = (50.0, 90.0, 92.0)

_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_LABEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_+\-]*$")


class StopKind(StrEnum):
    """What stops the clock."""

    #: the k-th qualifying attended contact on or after the referral date
    CONTACT = "contact"
    #: the first clock-stop event of a listed type on or after the referral date
    EVENT = "event"
    #: whichever of the two comes first
    CONTACT_OR_EVENT = "contact_or_event"


class Cohort(StrEnum):
    """Which pathways a standard's "completed" measures count."""

    #: pathways whose clock stopped in the month (EIP, CYP eating disorders, CMH 4 weeks)
    COMPLETED = "completed"
    #: the open (incomplete) list at month end is the headline (RTT, CHS SitRep)
    OPEN = "open"
    #: referrals finishing a course of treatment in the month (NHS Talking Therapies [S2])
    FINISHED_COURSE = "finished_course"


def _clean_codes(values: Iterable[object]) -> tuple[str, ...]:
    return tuple(str(v).strip() for v in values)


@dataclass(frozen=True, slots=True)
class StopRule:
    """What stops the clock; contacts qualify by attendance, mechanism and activity type.

    Empty ``mechanisms`` or ``activity_types`` mean "any".  Contacts after the referral was
    closed never stop the clock: the referral is then a removal.
    """

    kind: StopKind = StopKind.CONTACT
    contact_number: int = 1
    attendance_codes: tuple[str, ...] = ATTENDED_CODES
    mechanisms: tuple[str, ...] = ()
    activity_types: tuple[str, ...] = ()
    event_types: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", StopKind(self.kind))
        object.__setattr__(self, "attendance_codes", _clean_codes(self.attendance_codes))
        object.__setattr__(self, "mechanisms", _clean_codes(self.mechanisms))
        object.__setattr__(self, "activity_types", _clean_codes(self.activity_types))
        object.__setattr__(self, "event_types", _clean_codes(self.event_types))
        problems = []
        if self.kind is not StopKind.EVENT:
            if not 1 <= self.contact_number <= 10:
                problems.append("contact_number must be between 1 and 10")
            if not self.attendance_codes:
                problems.append("a contact stop needs at least one attendance code")
        if self.kind is not StopKind.CONTACT and not self.event_types:
            problems.append("an event stop needs at least one event type")
        if problems:
            raise ConfigError(
                "the clock-stop rule is not valid",
                problems=[Problem(ErrorCode.WAITS_STOP, text) for text in problems],
            )

    @property
    def uses_contacts(self) -> bool:
        """Whether contacts can stop the clock."""
        return self.kind is not StopKind.EVENT

    @property
    def uses_events(self) -> bool:
        """Whether clock-stop events can stop the clock."""
        return self.kind is not StopKind.CONTACT

    def contact_key(self) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
        """The contact filter, so that standards sharing it share one pass over contacts."""
        return (self.attendance_codes, self.mechanisms, self.activity_types)


@dataclass(frozen=True, slots=True)
class Threshold:
    """A "within N days" threshold; ``priorities`` restricts it to those priorities."""

    label: str
    days: int
    priorities: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "priorities", _clean_codes(self.priorities))
        if not _LABEL.match(self.label) or self.days < 0:
            raise ConfigError(
                f"threshold {self.label!r} is not valid",
                problems=[
                    Problem(
                        ErrorCode.WAITS_THRESHOLD,
                        "a threshold needs a label of letters, digits, '_', '-' or '+' "
                        "and a non-negative number of days",
                        value=f"{self.label}: {self.days}",
                    )
                ],
            )

    def applies_to(self, priority: str | None) -> bool:
        """Whether this threshold applies to a pathway of ``priority``."""
        return not self.priorities or priority in self.priorities


@dataclass(frozen=True, slots=True)
class WaitBand:
    """A wait band ``min_days <= wait <= max_days`` (``max_days`` None: open-ended)."""

    label: str
    min_days: int
    max_days: int | None = None

    def __post_init__(self) -> None:
        if (
            not _LABEL.match(self.label)
            or self.min_days < 0
            or (self.max_days is not None and self.max_days < self.min_days)
        ):
            raise ConfigError(
                f"wait band {self.label!r} is not valid",
                problems=[
                    Problem(
                        ErrorCode.WAITS_BAND,
                        "a band needs a label and 0 <= min_days <= max_days",
                        value=f"{self.label}: {self.min_days}-{self.max_days}",
                    )
                ],
            )

    def contains(self, days: int) -> bool:
        """Whether a wait of ``days`` falls in this band."""
        return days >= self.min_days and (self.max_days is None or days <= self.max_days)


#: CHS SitRep bands 0–1, 1–2, 2–4, 4–12, 12–18, 18–52, 52+ weeks, in days as NHS England
#: publishes them: 0–7, 8–14, 15–28, 29–84, 85–126, 127–364, 365+ (domain.md §10.2, [S10]).
CHS_BANDS: tuple[WaitBand, ...] = (
    WaitBand("0-1w", 0, 7),
    WaitBand("1-2w", 8, 14),
    WaitBand("2-4w", 15, 28),
    WaitBand("4-12w", 29, 84),
    WaitBand("12-18w", 85, 126),
    WaitBand("18-52w", 127, 364),
    WaitBand("52w+", 365, None),
)


@dataclass(frozen=True, slots=True)
class Standard:
    """One waiting-time standard: clock rules, cohort and what to report.

    ``services`` lists the referral ``service`` values in scope (empty: every service).
    ``thresholds`` are checked in order: a pathway's *headline* threshold is the first that
    applies to its priority (so ``cyp_ed`` gives urgent referrals 7 days and routine ones 28).
    ``course_min_contacts`` is the number of qualifying contacts that makes a course of
    treatment (only for the ``finished_course`` cohort).
    """

    id: str
    title: str
    stop: StopRule
    cohort: Cohort = Cohort.COMPLETED
    thresholds: tuple[Threshold, ...] = ()
    services: tuple[str, ...] = ()
    percentiles: tuple[float, ...] = REQUIRED_PERCENTILES
    bands: tuple[WaitBand, ...] = CHS_BANDS
    target_pct: float | None = None
    course_min_contacts: int = 2
    source: str = ""
    description: str = ""
    notes: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "cohort", Cohort(self.cohort))
        object.__setattr__(self, "services", _clean_codes(self.services))
        merged = sorted({float(p) for p in (*REQUIRED_PERCENTILES, *self.percentiles)})
        problems: list[Problem] = []
        if not _ID.match(self.id):
            problems.append(
                Problem(
                    ErrorCode.WAITS_STANDARD_ID,
                    "a standard id is lower case letters, digits and '_', starting with a letter",
                    value=self.id,
                )
            )
        if not self.thresholds:
            problems.append(
                Problem(ErrorCode.WAITS_THRESHOLD, "a standard needs at least one threshold")
            )
        for p in merged:
            if not 0 < p <= 100:
                problems.append(
                    Problem(ErrorCode.WAITS_PERCENTILE, "percentiles lie in (0, 100]", value=p)
                )
        for kind, labels in (
            ("threshold", [t.label for t in self.thresholds]),
            ("band", [b.label for b in self.bands]),
        ):
            if len(set(labels)) != len(labels):
                problems.append(
                    Problem(ErrorCode.WAITS_LABEL, f"{kind} labels must be unique", value=labels)
                )
        if self.target_pct is not None and not 0 <= self.target_pct <= 100:
            problems.append(
                Problem(
                    ErrorCode.WAITS_TARGET, "target_pct lies in [0, 100]", value=self.target_pct
                )
            )
        if self.course_min_contacts < 1:
            problems.append(
                Problem(
                    ErrorCode.WAITS_COURSE,
                    "course_min_contacts must be at least 1",
                    value=self.course_min_contacts,
                )
            )
        if problems:
            raise ConfigError(f"waiting-time standard {self.id!r} is not valid", problems=problems)
        object.__setattr__(self, "percentiles", tuple(merged))

    def headline_threshold(self, priority: str | None) -> Threshold | None:
        """The first threshold that applies to a pathway of ``priority``."""
        for threshold in self.thresholds:
            if threshold.applies_to(priority):
                return threshold
        return None

    def applies_to_service(self, service: str | None) -> bool:
        """Whether referrals to ``service`` are in scope."""
        return not self.services or service in self.services


def _column_token(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def percentile_column(percentile: float, prefix: str = "open") -> str:
    """Output column of a percentile: ``open_median_days``, ``open_p92_days``, ``open_p97_5_days``."""
    if percentile == 50:
        return f"{prefix}_median_days"
    text = f"{percentile:g}".replace(".", "_")
    return f"{prefix}_p{text}_days"


def threshold_column(threshold: Threshold) -> str:
    """Token of a threshold in column names: ``completed_within_<token>``."""
    return _column_token(threshold.label)


def band_column(band: WaitBand) -> str:
    """Output column of a wait band: ``open_band_0_1w``, ``open_band_52w``."""
    return f"open_band_{_column_token(band.label)}"


def nearest_rank_index(percentile: float, count: int) -> int:
    """The 1-based rank of the ``percentile``-th nearest-rank percentile of ``count`` values.

    ``ceil(p / 100 * n)``, at least 1.  Computed in integers (p scaled by 10^6) so that
    every engine gets the same rank without floating-point doubt at exact boundaries.
    """
    if count <= 0:
        raise ValueError("no values")
    scaled = round(percentile * 1_000_000)
    return max(1, -(-scaled * count // 100_000_000))


def nearest_rank(values: Iterable[int], percentile: float) -> int | None:
    """Nearest-rank percentile of ``values`` (None when there are none)."""
    ordered = sorted(values)
    if not ordered:
        return None
    return ordered[nearest_rank_index(percentile, len(ordered)) - 1]
