"""Synthetic patient-level referrals, contacts and clock-stop events (vectorised NumPy).

The generator is deterministic under its seed and is meant to look like a community and
mental health trust's extract:

* demand with a winter peak, fewer referrals at weekends and slow growth;
* services whose capacity falls short, so waits lengthen and lists grow over the years;
* did-not-attend and cancelled appointments, letters and emails that never stop a clock;
* rejected referrals, and referrals discharged without treatment for several reasons;
* assessment contacts before treatment (so "first treatment" and "first contact" differ);
* RTT decisions not to treat as clock-stop events for community paediatrics.

Ten million referrals take well under a minute on a laptop core.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from trustboard.errors import OptionsError

__all__ = ["SERVICE_PROFILES", "ServiceProfile", "SyntheticWaits", "generate", "write"]

_EPOCH = date(1970, 1, 1)


@dataclass(frozen=True)
class ServiceProfile:
    """How one synthetic service behaves."""

    code: str
    teams: tuple[str, ...]
    share: float  #: share of all referrals
    first_wait_days: float  #: mean wait to first offered appointment at the start
    growth: float  #: relative growth of that mean by the end (capacity shortfall)
    treatment_gap_days: float  #: mean days from assessment to first treatment
    reject_rate: float
    remove_rate: float  #: discharged without a clock stop
    urgent_share: float
    age_bands: tuple[str, ...]


#: The synthetic trust's services (codes as in :data:`trustboard.waits.SERVICE_CODES`).
SERVICE_PROFILES: tuple[ServiceProfile, ...] = (
    ServiceProfile(
        "cmh_adult",
        ("cmh_north", "cmh_south", "cmh_city"),
        0.16,
        45,
        1.6,
        30,
        0.08,
        0.12,
        0.05,
        ("18-25", "26-64", "65+"),
    ),
    ServiceProfile(
        "cyp_mh", ("cyp_east", "cyp_west"), 0.12, 60, 1.2, 35, 0.12, 0.10, 0.05, ("0-17",)
    ),
    ServiceProfile(
        "talking_therapies",
        ("tt_step2", "tt_step3"),
        0.20,
        20,
        0.4,
        25,
        0.05,
        0.15,
        0.0,
        ("18-25", "26-64", "65+"),
    ),
    ServiceProfile("eip", ("eip_county",), 0.02, 10, 0.3, 4, 0.05, 0.08, 0.3, ("18-25", "26-64")),
    ServiceProfile("cyp_ed", ("cyp_ed_county",), 0.02, 12, 0.5, 8, 0.04, 0.05, 0.3, ("0-17",)),
    ServiceProfile(
        "community_nursing",
        ("dn_north", "dn_south", "dn_city"),
        0.24,
        6,
        0.2,
        5,
        0.02,
        0.05,
        0.2,
        ("26-64", "65+"),
    ),
    ServiceProfile(
        "community_therapies",
        ("physio", "ot", "slt"),
        0.16,
        40,
        1.0,
        20,
        0.04,
        0.08,
        0.05,
        ("18-25", "26-64", "65+"),
    ),
    ServiceProfile(
        "community_paediatrics", ("paeds_county",), 0.08, 80, 0.8, 45, 0.05, 0.06, 0.05, ("0-17",)
    ),
)

_ETHNIC_GROUPS = (
    "White",
    "Asian or Asian British",
    "Black or Black British",
    "Mixed",
    "Other",
    "Not stated",
)
_ETHNIC_WEIGHTS = (0.74, 0.12, 0.04, 0.03, 0.02, 0.05)
_REMOVAL_REASONS = (
    "discharged_not_seen",
    "declined",
    "referred_elsewhere",
    "moved_away",
    "dna_discharge",
    "died",
)
_REMOVAL_WEIGHTS = (0.35, 0.2, 0.2, 0.08, 0.15, 0.02)
#: attended on time, arrived late but seen, did not attend, cancelled by patient/provider,
#: arrived late and not seen (NHS Data Dictionary attended-or-did-not-attend codes)
_ATTEND = ("5", "6", "3", "2", "4", "7")
_ATTEND_WEIGHTS = (0.80, 0.04, 0.09, 0.03, 0.03, 0.01)
#: face to face, telephone, video, email, other (letters)
_MECHANISMS = ("01", "02", "11", "05", "98")
_MECHANISM_WEIGHTS = (0.62, 0.22, 0.10, 0.03, 0.03)


@dataclass(frozen=True)
class SyntheticWaits:
    """The three generated tables (Arrow) and the extract date."""

    referrals: pa.Table
    contacts: pa.Table
    events: pa.Table
    extract_date: date


def _dates(days: np.ndarray) -> pa.Array:
    return pa.array(days.astype(np.int32), type=pa.int32()).cast(pa.date32())


def _dates_or_null(days: np.ndarray, valid: np.ndarray) -> pa.Array:
    return pa.array(days.astype(np.int32), type=pa.int32(), mask=~valid).cast(pa.date32())


def _dictionary(
    indices: np.ndarray, values: tuple[str, ...], valid: np.ndarray | None = None
) -> pa.Array:
    idx = pa.array(indices.astype(np.int32), mask=None if valid is None else ~valid)
    return pa.DictionaryArray.from_arrays(idx, pa.array(values))


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def generate(
    referrals: int,
    months: int = 36,
    seed: int = 1,
    *,
    start: date = date(2022, 4, 1),
    contacts_per_referral: float = 3.4,
) -> SyntheticWaits:
    """Generate ``referrals`` referrals received over ``months`` months from ``start``.

    The extract date is the last day of the last month: later contacts and closures are not
    in the extract, as in a real monthly submission.
    """
    if referrals < 1 or months < 1 or months > 240:
        raise OptionsError("synthetic waits need at least one referral and 1 to 240 months")
    rng = np.random.default_rng(seed)
    n = referrals
    first_day = (start - _EPOCH).days
    extract = _add_months(start, months)
    last_day = (extract - _EPOCH).days - 1
    span = last_day - first_day + 1

    # demand: winter peak (January), quiet weekends, 3% a year growth
    day_index = np.arange(span)
    calendar_days = first_day + day_index
    doy = (calendar_days - 0) % 365.25
    weekday = (calendar_days + 3) % 7  # 1970-01-01 was a Thursday; 5, 6 = Saturday, Sunday
    weight = (1 + 0.15 * np.cos(2 * np.pi * (doy - 15) / 365.25)) * np.where(
        weekday >= 5, 0.25, 1.0
    )
    weight *= 1 + 0.03 * day_index / 365.25
    received = first_day + rng.choice(span, size=n, p=weight / weight.sum())
    received.sort()
    progress = (received - first_day) / span

    shares = np.array([p.share for p in SERVICE_PROFILES])
    service = rng.choice(len(SERVICE_PROFILES), size=n, p=shares / shares.sum())
    prof = {
        name: np.array([getattr(p, name) for p in SERVICE_PROFILES])
        for name in (
            "first_wait_days",
            "growth",
            "treatment_gap_days",
            "reject_rate",
            "remove_rate",
            "urgent_share",
        )
    }
    urgent = rng.random(n) < prof["urgent_share"][service]
    mean_wait = prof["first_wait_days"][service] * (1 + prof["growth"][service] * progress)
    mean_wait = np.where(urgent, np.maximum(mean_wait * 0.15, 1.0), mean_wait)
    first_wait = np.floor(rng.gamma(1.5, mean_wait / 1.5)).astype(np.int64)

    rejected = rng.random(n) < prof["reject_rate"][service]
    removed = ~rejected & (rng.random(n) < prof["remove_rate"][service])
    # discharge without a clock stop happens while waiting
    removal_day = received + np.floor(rng.random(n) * (first_wait + 14)).astype(np.int64)
    reject_day = received + rng.integers(0, 8, size=n)

    # contacts: attended-or-not attempts until the clock stops, then treatment sessions
    count = 1 + rng.poisson(max(contacts_per_referral - 1.0, 0.0), size=n)
    count = np.where(rejected, 0, count)
    count = np.where(removed, rng.integers(0, 2, size=n), count)
    total = int(count.sum())
    owner = np.repeat(np.arange(n), count)
    starts = np.cumsum(count) - count
    position = np.arange(total) - np.repeat(starts, count)
    gaps = np.floor(
        rng.exponential(1.0, size=total)
        * np.where(position == 0, 1.0, prof["treatment_gap_days"][service[owner]])
    ).astype(np.int64)
    gaps = np.where(position == 0, first_wait[owner], gaps)
    offsets = np.cumsum(gaps)
    offsets -= np.repeat(offsets[starts[count > 0]], count[count > 0])
    offsets += first_wait[owner]
    contact_day = received[owner] + offsets
    attend = rng.choice(len(_ATTEND), size=total, p=_ATTEND_WEIGHTS)
    attend = np.where(removed[owner], 2, attend)  # contacts before a removal were not attended
    mechanism = rng.choice(len(_MECHANISMS), size=total, p=_MECHANISM_WEIGHTS)
    activity = np.where(position == 0, 0, 1)  # assessment, then treatment
    # for community nursing and therapies the first visit is also treatment
    community = np.isin(service[owner], [5, 6])
    activity = np.where(community, 1, activity)

    # letters: an acknowledgement letter soon after referral for a third of referrals
    letter = ~rejected & (rng.random(n) < 0.33)
    letter_owner = np.flatnonzero(letter)
    letter_day = received[letter_owner] + rng.integers(0, 5, size=letter_owner.size)

    all_owner = np.concatenate([owner, letter_owner])
    all_day = np.concatenate([contact_day, letter_day])
    all_attend = np.concatenate([attend, np.zeros(letter_owner.size, dtype=np.int64)])
    all_mech = np.concatenate([mechanism, np.full(letter_owner.size, 4)])
    all_activity = np.concatenate([activity, np.full(letter_owner.size, 2)])
    keep = all_day <= last_day
    keep &= ~(removed[all_owner] & (all_day > removal_day[all_owner]))
    order = np.lexsort((all_day[keep], all_owner[keep]))
    c_owner = all_owner[keep][order]

    # closures: treated referrals close after their last contact; removals and rejections
    last_contact = np.full(n, -1, dtype=np.int64)
    np.maximum.at(last_contact, owner, contact_day)
    treated_close = last_contact + rng.integers(7, 60, size=n)
    closed_day = np.where(rejected, reject_day, np.where(removed, removal_day, treated_close))
    closed_valid = (closed_day <= last_day) & (rejected | removed | (last_contact >= 0))
    closed_valid &= rng.random(n) < np.where(rejected | removed, 1.0, 0.97)
    reason_idx = np.where(
        rejected,
        0,
        np.where(removed, 1 + rng.choice(len(_REMOVAL_REASONS), size=n, p=_REMOVAL_WEIGHTS), 7),
    )
    reasons = ("rejected", *_REMOVAL_REASONS, "treatment_complete")

    teams_flat: list[str] = []
    team_offset = []
    for p in SERVICE_PROFILES:
        team_offset.append(len(teams_flat))
        teams_flat.extend(p.teams)
    team_count = np.array([len(p.teams) for p in SERVICE_PROFILES])
    team = np.array(team_offset)[service] + np.floor(rng.random(n) * team_count[service]).astype(
        np.int64
    )
    bands_flat: list[str] = sorted({b for p in SERVICE_PROFILES for b in p.age_bands})
    band_choice = np.array(
        [
            [bands_flat.index(p.age_bands[i % len(p.age_bands)]) for i in range(3)]
            for p in SERVICE_PROFILES
        ]
    )
    age = band_choice[service, rng.integers(0, 3, size=n)]
    imd = rng.choice(5, size=n, p=(0.24, 0.22, 0.2, 0.18, 0.16))
    ethnic = rng.choice(len(_ETHNIC_GROUPS), size=n, p=_ETHNIC_WEIGHTS)
    sex = rng.choice(2, size=n)

    referral_ids = np.arange(1, n + 1, dtype=np.int64) + 10_000_000
    referral_table = pa.table(
        {
            "referral_id": referral_ids,
            "person_id": rng.integers(1, max(2, int(n * 0.8)), size=n, dtype=np.int64),
            "service": _dictionary(service, tuple(p.code for p in SERVICE_PROFILES)),
            "team": _dictionary(team, tuple(teams_flat)),
            "priority": _dictionary(urgent.astype(np.int64), ("routine", "urgent")),
            "received_date": _dates(received),
            "closed_date": _dates_or_null(closed_day, closed_valid),
            "closure_reason": _dictionary(reason_idx, reasons, closed_valid),
            "rejected": pa.array(rejected),
            "age_band": _dictionary(age, tuple(bands_flat)),
            "sex": _dictionary(sex, ("F", "M")),
            "ethnic_group": _dictionary(ethnic, _ETHNIC_GROUPS),
            "imd_quintile": _dictionary(imd, ("1", "2", "3", "4", "5")),
        }
    )
    contact_table = pa.table(
        {
            "referral_id": referral_ids[c_owner],
            "contact_date": _dates(all_day[keep][order]),
            "attendance_code": _dictionary(all_attend[keep][order], _ATTEND),
            "mechanism": _dictionary(all_mech[keep][order], _MECHANISMS),
            "activity_type": _dictionary(
                all_activity[keep][order], ("assessment", "treatment", "letter")
            ),
        }
    )
    # clock-stop events.  Mental health: a baseline outcome and a care plan or intervention
    # around the first contact, and (adults) a meaningful assessment, each recorded for most
    # pathways (a missing one leaves the full clock stop open, as nationally); EIP: a care
    # coordinator allocated; consultant-led paediatrics: some decisions not to treat.
    codes = [p.code for p in SERVICE_PROFILES]
    seen = ~rejected & ~removed & (last_contact >= 0)
    first_seen = received + first_wait
    kinds: list[tuple[str, np.ndarray, np.ndarray]] = []
    for kind, services, mean_after, share in (
        ("baseline_outcome", ("cmh_adult", "cyp_mh"), 2.0, 0.93),
        ("meaningful_assessment", ("cmh_adult",), 6.0, 0.9),
        ("care_plan_or_intervention", ("cmh_adult", "cyp_mh"), 12.0, 0.9),
    ):
        scope = np.isin(service, [codes.index(c) for c in services if c in codes])
        who = np.flatnonzero(scope & seen & (rng.random(n) < share))
        day = first_seen[who] + np.floor(rng.exponential(mean_after, size=who.size)).astype(
            np.int64
        )
        kinds.append((kind, who, day))
    if "eip" in codes:
        who = np.flatnonzero((service == codes.index("eip")) & ~rejected & ~removed)
        who = who[rng.random(who.size) < 0.95]
        day = received[who] + np.floor(rng.gamma(2.0, 5.0, size=who.size)).astype(np.int64)
        kinds.append(("care_coordinator_allocated", who, day))
    paeds = np.flatnonzero((service == 7) & ~rejected & ~removed & (rng.random(n) < 0.1))
    kinds.append(
        (
            "decision_not_to_treat",
            paeds,
            received[paeds] + np.floor(first_wait[paeds] * 0.8).astype(np.int64),
        )
    )
    event_owner = np.concatenate([who for _, who, _ in kinds])
    event_day = np.concatenate([day for _, _, day in kinds])
    event_kind = np.concatenate([np.full(who.size, i) for i, (_, who, _) in enumerate(kinds)])
    event_keep = event_day <= last_day
    event_table = pa.table(
        {
            "referral_id": referral_ids[event_owner[event_keep]],
            "event_type": _dictionary(event_kind[event_keep], tuple(k for k, _, _ in kinds)),
            "event_date": _dates(event_day[event_keep]),
        }
    )
    return SyntheticWaits(
        referral_table, contact_table, event_table, date.fromordinal(extract.toordinal() - 1)
    )


def write(directory: str | Path, data: SyntheticWaits) -> dict[str, Path]:
    """Write ``referrals.parquet``, ``contacts.parquet`` and ``events.parquet`` to ``directory``."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, table in (
        ("referrals", data.referrals),
        ("contacts", data.contacts),
        ("events", data.events),
    ):
        path = out / f"{name}.parquet"
        pq.write_table(table, path, compression="zstd")
        paths[name] = path
    return paths
