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
* percentiles are computed by one of two methods, a setting of each standard
  (:class:`PercentileMethod`): nearest rank (the p-th percentile of ``n`` waits is the
  ``ceil(p / 100 * n)``-th smallest, domain.md §10.3) or linear interpolation between order
  statistics (Spark SQL's ``percentile``, which NHS England's MHSDS measure code uses, so a
  median of 712.5 days can be published); :func:`percentile` is the one definition;
* a clock starts at the referral's received date, unless the rule restarts it after a
  did-not-attend at the first appointment (:attr:`StopRule.dna_restart_codes`, the RTT
  first-appointment DNA rule); :func:`start_day` is the one definition;
* a clock stops at the earliest or the latest of its *parts* (:meth:`StopRule.parts`): the
  k-th qualifying contact and the first event of each listed type; :func:`stop_day` is the
  one definition every engine is checked against.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from trustboard.errors import ConfigError, ErrorCode, Problem

__all__ = [
    "ATTENDED_CODES",
    "BREAKDOWN_COLUMNS",
    "CHS_BANDS",
    "CONSULTATION_MECHANISMS",
    "CONTACT_COLUMNS",
    "DATE_COLUMNS",
    "DATE_FORMATS",
    "EVENT_COLUMNS",
    "EVENT_TYPES",
    "FALSE_FLAGS",
    "INDIRECT_ACTIVITY",
    "LONG_WAIT_WEEKS",
    "MH_CONTACT_MECHANISMS",
    "REFERRAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "REQUIRED_PERCENTILES",
    "TOTAL_COLUMN",
    "TOTAL_GROUP",
    "TRUE_FLAGS",
    "Cohort",
    "Combine",
    "PercentileMethod",
    "Standard",
    "StopKind",
    "StopRule",
    "Threshold",
    "WaitBand",
    "band_column",
    "nearest_rank",
    "nearest_rank_index",
    "percentile",
    "percentile_column",
    "start_day",
    "stop_day",
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

#: Columns each input table must have (the others may be absent), for every engine.
REQUIRED_COLUMNS: Mapping[str, tuple[str, ...]] = {
    "referrals": ("referral_id", "service", "received_date"),
    "contacts": ("referral_id", "contact_date", "attendance_code"),
    "events": ("referral_id", "event_type", "event_date"),
}
#: Columns holding dates.
DATE_COLUMNS: frozenset[str] = frozenset(
    ("received_date", "closed_date", "contact_date", "event_date")
)
#: Date formats read from text, in the order tried (strftime codes); a ``rejected`` value
#: in one of the first two formats means "rejected on that date".
DATE_FORMATS: tuple[str, ...] = ("%Y-%m-%d", "%d/%m/%Y", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S")
#: Text read as true and as false in a ``rejected`` flag (compared in upper case, trimmed).
TRUE_FLAGS: tuple[str, ...] = ("Y", "YES", "TRUE", "T", "1")
FALSE_FLAGS: tuple[str, ...] = ("N", "NO", "FALSE", "F", "0", "")

#: Canonical clock-stop event types.  The first four are the parts of NHS England's MHSDS
#: "full clock stop" (4w_waits_prep in the MHSDS measure code [S32]; a trust's mapping file
#: translates its own codes, e.g. SNOMED-derived categories, into these); the last two are
#: the RTT non-treatment clock stops ([S12]).
EVENT_TYPES: tuple[str, ...] = (
    "baseline_outcome",
    "meaningful_assessment",
    "care_plan_or_intervention",
    "care_coordinator_allocated",
    "decision_not_to_treat",
    "active_monitoring",
)
#: ``activity_type`` of an indirect activity (work on a patient's behalf without the patient
#: present) in the contacts table; it carries no attendance code or mechanism.
INDIRECT_ACTIVITY = "indirect"

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

#: The internal breakdown column that puts every referral in one group: ``by=()`` (the trust
#: total) is computed as ``by=(TOTAL_COLUMN,)`` and the column is dropped from the result.
TOTAL_COLUMN = "_total"
#: Its one value.
TOTAL_GROUP = "all"

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


class Combine(StrEnum):
    """How a stop rule's parts (contact and events) combine into the clock stop."""

    #: the first of the parts to happen stops the clock
    EARLIEST = "earliest"
    #: the clock stops when every part has happened; a part that never happens means no
    #: clock stop (as NHS England's "full clock stop", [S32])
    LATEST = "latest"


class PercentileMethod(StrEnum):
    """How a percentile of waits is read from the ordered waits."""

    #: the ``ceil(p / 100 * n)``-th smallest wait (domain.md §10.3)
    NEAREST_RANK = "nearest_rank"
    #: linear interpolation between the order statistics at ``p / 100 * (n - 1)`` (0-based),
    #: as Spark SQL's ``percentile`` and so NHS England's MHSDS measures [S32]
    LINEAR = "linear"


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
    """What stops the clock: the earliest or the latest of a set of *parts*.

    The parts are the ``contact_number``-th qualifying contact (``kind`` contact or
    contact_or_event) and the first clock-stop event of the listed ``event_types`` (``kind``
    event or contact_or_event).  With ``combine`` earliest the event types are alternatives
    (the first of any of them); with ``combine`` latest each type is a part of its own, and
    every part must have happened for the clock to stop.

    Contacts qualify by attendance code, mechanism and activity type (empty ``mechanisms`` or
    ``activity_types`` mean "any"); a contact whose activity type is in
    ``indirect_activity_types`` qualifies whatever its attendance code and mechanism (indirect
    activity, which MHSDS counts as a first contact for children and young people [S32]).

    ``events_required_from`` lists event types (with ``combine`` latest) that are a part only
    for pathways received on or after a date, or whose contact part falls on or after it:
    NHS England requires the meaningful assessment only from April 2024 [S32].

    ``dna_restart_codes`` (empty: off) are the attendance codes of a missed appointment: when
    the pathway's *first appointment* (its earliest contact whose attendance code is in
    ``attendance_codes`` or ``dna_restart_codes``, whatever its mechanism or activity type) was
    missed, the clock from the referral is nullified and a new one starts on the date of the
    missed appointment (RTT rules suite [S12]; :func:`start_day`).

    Contacts after the referral was closed never stop the clock: the referral is then a
    removal.
    """

    kind: StopKind = StopKind.CONTACT
    contact_number: int = 1
    attendance_codes: tuple[str, ...] = ATTENDED_CODES
    mechanisms: tuple[str, ...] = ()
    activity_types: tuple[str, ...] = ()
    event_types: tuple[str, ...] = ()
    combine: Combine = Combine.EARLIEST
    indirect_activity_types: tuple[str, ...] = ()
    events_required_from: tuple[tuple[str, date], ...] = ()
    dna_restart_codes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", StopKind(self.kind))
        object.__setattr__(self, "combine", Combine(self.combine))
        object.__setattr__(self, "attendance_codes", _clean_codes(self.attendance_codes))
        object.__setattr__(self, "mechanisms", _clean_codes(self.mechanisms))
        object.__setattr__(self, "activity_types", _clean_codes(self.activity_types))
        object.__setattr__(self, "event_types", _clean_codes(self.event_types))
        object.__setattr__(
            self, "indirect_activity_types", _clean_codes(self.indirect_activity_types)
        )
        object.__setattr__(self, "dna_restart_codes", _clean_codes(self.dna_restart_codes))
        problems = []
        required: list[tuple[str, date]] = []
        pairs = (
            self.events_required_from.items()
            if isinstance(self.events_required_from, Mapping)
            else self.events_required_from
        )
        for event_type, when in pairs:
            try:
                day = when if isinstance(when, date) else date.fromisoformat(str(when))
            except ValueError:
                problems.append(f"events_required_from: {when!r} is not a date (YYYY-MM-DD)")
                continue
            required.append((str(event_type).strip(), day))
            if str(event_type).strip() not in self.event_types:
                problems.append(
                    f"events_required_from names {event_type!r}, which is not in event_types"
                )
        object.__setattr__(self, "events_required_from", tuple(sorted(required)))
        if required and self.combine is not Combine.LATEST:
            problems.append("events_required_from needs combine: latest")
        if self.kind is not StopKind.EVENT:
            if not 1 <= self.contact_number <= 10:
                problems.append("contact_number must be between 1 and 10")
            if not self.attendance_codes:
                problems.append("a contact stop needs at least one attendance code")
        if set(self.dna_restart_codes) & set(self.attendance_codes):
            problems.append("dna_restart_codes must not repeat an attendance code")
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

    def contact_key(
        self,
    ) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
        """The contact filter, so that standards sharing it share one pass over contacts."""
        return (
            self.attendance_codes,
            self.mechanisms,
            self.activity_types,
            self.indirect_activity_types,
        )

    def restart_key(self) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
        """The codes the first-appointment DNA restart reads (attended, missed), or None
        when the rule has no restart; rules sharing it share the per-pathway dates."""
        if not self.dna_restart_codes:
            return None
        return (self.attendance_codes, self.dna_restart_codes)

    def event_parts(self) -> tuple[tuple[str, ...], ...]:
        """The event parts: each is a set of event types whose first event is the part's date."""
        if not self.uses_events:
            return ()
        if self.combine is Combine.EARLIEST:
            return (self.event_types,)
        return tuple((t,) for t in self.event_types)

    def required_from(self, part: tuple[str, ...]) -> date | None:
        """The date from which an event part is required (None: always)."""
        found = dict(self.events_required_from)
        return found.get(part[0]) if len(part) == 1 else None

    def contact_qualifies(
        self, attendance_code: str | None, mechanism: str | None, activity_type: str | None
    ) -> bool:
        """Whether one contact qualifies (the filter every engine applies)."""
        if activity_type is not None and activity_type in self.indirect_activity_types:
            return True
        return (
            attendance_code in self.attendance_codes
            and (not self.mechanisms or mechanism in self.mechanisms)
            and (not self.activity_types or activity_type in self.activity_types)
        )


def start_day(
    rule: StopRule,
    received: int,
    attended_days: Sequence[int],
    missed_days: Sequence[int],
    stop: int | None,
    closed: int | None = None,
) -> int:
    """The day one pathway's clock starts under ``rule``.

    ``attended_days`` are the days of the pathway's contacts whose attendance code is in
    ``rule.attendance_codes`` and ``missed_days`` those whose code is in
    ``rule.dna_restart_codes`` (any mechanism or activity type: an appointment is an
    appointment); ``stop`` is :func:`stop_day`'s answer and ``closed`` the closure day.

    The clock starts at ``received`` unless the first appointment was missed: the earliest
    missed day ``d`` comes before every attended day (on one day, an attended contact counts
    first), the clock has not stopped by then (``stop`` is None or after ``d``) and the
    referral was not closed before it.  Then the clock from the referral is nullified and a
    new one starts at ``d`` (RTT rules suite [S12]: the new clock starts when the patient
    rebooks; the contacts carry no booking date, so the date of the missed appointment
    stands in).  Only the first appointment can do this: a missed appointment after an
    attended one, or a second missed appointment, leaves the clock running.
    """
    if not rule.dna_restart_codes or not missed_days:
        return received
    missed = min(missed_days)
    if attended_days and min(attended_days) <= missed:
        return received
    if stop is not None and stop <= missed:
        return received
    if closed is not None and closed < missed:
        return received
    return missed


def stop_day(
    rule: StopRule,
    received: int,
    contact_days: Sequence[int],
    event_days: Mapping[str, Sequence[int]],
) -> int | None:
    """The clock-stop day of one pathway under ``rule`` (None: the clock has not stopped).

    ``received`` is the pathway's received day, ``contact_days`` the days of its *qualifying*
    contacts and ``event_days`` the days of its events by type, all as days since 1970-01-01
    (``events_required_from`` dates are compared on that scale).  This is the
    specification every engine is checked against (tests/waits/test_waits_stop_contract.py);
    closure is applied afterwards (a stop after the closure does not count).
    """
    parts: list[int | None] = []
    contact: int | None = None
    if rule.uses_contacts:
        ordered = sorted(contact_days)
        contact = ordered[rule.contact_number - 1] if len(ordered) >= rule.contact_number else None
        parts.append(contact)
    for part in rule.event_parts():
        days = [d for t in part for d in event_days.get(t, ())]
        first = min(days) if days else None
        since = rule.required_from(part)
        if since is not None:
            cut = (since - date(1970, 1, 1)).days
            if received < cut and (contact is None or contact < cut):
                # not required for this pathway (a missing contact leaves no stop anyway)
                continue
        parts.append(first)
    if rule.combine is Combine.EARLIEST:
        present = [p for p in parts if p is not None]
        return min(present) if present else None
    if any(p is None for p in parts):
        return None
    return max(p for p in parts if p is not None)


@dataclass(frozen=True, slots=True)
class Threshold:
    """A "within N days" threshold; ``priorities`` restricts it to those priorities.

    ``target_pct`` is the standard's target for this threshold (NHS Talking Therapies: 75%
    within 6 weeks and 95% within 18 weeks).
    """

    label: str
    days: int
    priorities: tuple[str, ...] = ()
    target_pct: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "priorities", _clean_codes(self.priorities))
        if (
            not _LABEL.match(self.label)
            or self.days < 0
            or (self.target_pct is not None and not 0 <= self.target_pct <= 100)
        ):
            raise ConfigError(
                f"threshold {self.label!r} is not valid",
                problems=[
                    Problem(
                        ErrorCode.WAITS_THRESHOLD,
                        "a threshold needs a label of letters, digits, '_', '-' or '+', "
                        "a non-negative number of days and a target_pct in [0, 100]",
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
    treatment (only for the ``finished_course`` cohort).  ``percentile_method`` is how its
    medians and other percentiles are read (each built-in takes its publication's method).
    ``spell_gap_days`` (when set) counts *referral spells*, not referrals: referrals of the
    same person in the standard's scope form one spell when each is received no more than
    that many days after the end of the spell so far (MHSDS: 5 days [S32]).
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
    percentile_method: PercentileMethod = PercentileMethod.NEAREST_RANK
    spell_gap_days: int | None = None
    source: str = ""
    description: str = ""
    notes: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "cohort", Cohort(self.cohort))
        object.__setattr__(self, "percentile_method", PercentileMethod(self.percentile_method))
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
        if self.spell_gap_days is not None and not 0 <= self.spell_gap_days <= 366:
            problems.append(
                Problem(
                    ErrorCode.WAITS_VALUE,
                    "spell_gap_days lies in [0, 366] (or is left out: no spells)",
                    value=self.spell_gap_days,
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
    """Output column of a percentile: ``open_median_days``, ``open_p92_days``,
    ``open_p97_5_days``."""
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


def linear_position(percentile: float, count: int) -> tuple[int, int, int]:
    """Where the linearly interpolated percentile lies among ``count`` ordered values.

    Returns ``(lower, upper, fraction)``: 0-based order statistics and the weight of the
    upper one in millionths of 100 (``p / 100 * (n - 1)`` computed in integers, with p scaled
    by 10^6, so every engine gets the same position without floating-point doubt).
    """
    if count <= 0:
        raise ValueError("no values")
    scaled = round(percentile * 1_000_000) * (count - 1)
    lower, remainder = divmod(scaled, 100_000_000)
    upper = min(lower + 1, count - 1)
    return lower, upper, remainder


def percentile(
    values: Iterable[int],
    p: float,
    method: PercentileMethod | str = PercentileMethod.NEAREST_RANK,
) -> float | None:
    """The ``p``-th percentile of ``values`` by ``method`` (None when there are none).

    The one definition of both methods; the engines' SQL (``finalise``) is checked against
    it by tests/waits/test_waits_spec.py.  Linear: ``x[k] + f * (x[k + 1] - x[k])`` with
    ``k + f = p / 100 * (n - 1)``; ``[10, 20]`` has median 15.0 and 90th percentile 19.0.
    """
    ordered = sorted(values)
    if not ordered:
        return None
    if PercentileMethod(method) is PercentileMethod.NEAREST_RANK:
        return float(ordered[nearest_rank_index(p, len(ordered)) - 1])
    lower, upper, fraction = linear_position(p, len(ordered))
    return ordered[lower] + (ordered[upper] - ordered[lower]) * fraction / 100_000_000
