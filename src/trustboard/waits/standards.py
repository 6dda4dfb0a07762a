"""The built-in waiting-time standards and the YAML format for a trust's own.

Each built-in standard cites the source keys of domain.md §15.  The services each applies
to are the service codes the synthetic trust uses (:data:`SERVICE_CODES`); a trust whose
extract names services differently says so in a standard file (``extends`` a built-in and
lists its own ``services``), see ``docs/waits.md``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from trustboard.domain.bounded_yaml import parse_bounded_yaml
from trustboard.errors import ConfigError, ErrorCode, Problem, TrustboardError
from trustboard.waits.spec import (
    INDIRECT_ACTIVITY,
    MH_CONTACT_MECHANISMS,
    Cohort,
    Combine,
    PercentileMethod,
    Standard,
    StopKind,
    StopRule,
    Threshold,
    WaitBand,
)

__all__ = [
    "ADULT_FULL_CLOCK_STOP",
    "BUILTIN_STANDARDS",
    "CYP_FULL_CLOCK_STOP",
    "MHSDS_SPELL_GAP",
    "SERVICE_CODES",
    "get_standard",
    "load_standards_file",
    "resolve_standard",
    "standard_from_dict",
    "standards_from_yaml",
]

#: Service codes of the built-in standards (and of the synthetic trust).
SERVICE_CODES: Mapping[str, str] = {
    "cmh_adult": "Adult community mental health",
    "cyp_mh": "Children and young people's mental health",
    "talking_therapies": "NHS Talking Therapies",
    "eip": "Early intervention in psychosis",
    "cyp_ed": "Children and young people's eating disorders",
    "community_nursing": "Community nursing",
    "community_therapies": "Community therapies",
    "community_paediatrics": "Community paediatrics (consultant-led)",
}

_MH_STOP_FIRST = StopRule(StopKind.CONTACT, 1, mechanisms=MH_CONTACT_MECHANISMS)
_TREATMENT_STOP = StopRule(
    StopKind.CONTACT, 1, mechanisms=MH_CONTACT_MECHANISMS, activity_types=("treatment",)
)
#: MHSDS counts indirect activity as a first contact for children and young people [S32].
_CYP_FIRST_CONTACT = StopRule(
    StopKind.CONTACT,
    1,
    mechanisms=MH_CONTACT_MECHANISMS,
    indirect_activity_types=(INDIRECT_ACTIVITY,),
)
#: NHS England's adult "full clock stop" (MRS01, MRS02; 4w_waits_prep [S32]): the latest of
#: the first attended direct contact, the first baseline outcome, the first meaningful
#: assessment (required for spells from April 2024, or whose first contact is from then) and
#: the first care plan or intervention; if one never happens the clock does not stop.
ADULT_FULL_CLOCK_STOP = StopRule(
    StopKind.CONTACT_OR_EVENT,
    1,
    mechanisms=MH_CONTACT_MECHANISMS,
    event_types=("baseline_outcome", "meaningful_assessment", "care_plan_or_intervention"),
    combine=Combine.LATEST,
    events_required_from=(("meaningful_assessment", date(2024, 4, 1)),),
)
#: The CYP full clock stop (MRS08, MRS09): the latest of the first contact (direct or
#: indirect), the first baseline outcome and the first care plan or intervention [S32].
CYP_FULL_CLOCK_STOP = StopRule(
    StopKind.CONTACT_OR_EVENT,
    1,
    mechanisms=MH_CONTACT_MECHANISMS,
    event_types=("baseline_outcome", "care_plan_or_intervention"),
    combine=Combine.LATEST,
    indirect_activity_types=(INDIRECT_ACTIVITY,),
)
#: MHSDS counts referral spells: a referral received no more than 5 days after the end of
#: the spell so far joins it [S32].
MHSDS_SPELL_GAP = 5
_MHSDS: dict[str, Any] = {
    "percentile_method": PercentileMethod.LINEAR,
    "spell_gap_days": MHSDS_SPELL_GAP,
}

_BUILTINS: tuple[Standard, ...] = (
    Standard(
        id="cmh_adult_4w",
        title="Adult community mental health: referral to full clock stop within 4 weeks",
        stop=ADULT_FULL_CLOCK_STOP,
        cohort=Cohort.COMPLETED,
        thresholds=(Threshold("4w", 28),),
        services=("cmh_adult",),
        source="domain.md §10.2; [S8] [S9] [S36]; MHSDS MRS01, MRS02 (4w_waits_prep [S32])",
        description=(
            "NHS England's completed measure since September 2024: the clock stops at the "
            "full clock stop, the latest of the first attended direct contact (face to face, "
            "telephone, talk type or video), the first baseline outcome, the first meaningful "
            "assessment (from April 2024) and the first care plan or intervention."
        ),
        **_MHSDS,
    ),
    Standard(
        id="cmh_adult_2nd_contact",
        title="Adult community mental health: open referrals waiting for a second contact",
        stop=StopRule(StopKind.CONTACT, 2, mechanisms=MH_CONTACT_MECHANISMS),
        cohort=Cohort.OPEN,
        thresholds=(Threshold("4w", 28),),
        services=("cmh_adult",),
        source="MHSDS MRS03, MRS07 (4w_waits_prep [S32])",
        description=(
            "The proxy NHS England uses for the open waiting list: the clock stops at the "
            "second attended direct contact."
        ),
        **_MHSDS,
    ),
    Standard(
        id="cmh_cyp_4w",
        title="Children and young people's mental health: referral to full clock stop within "
        "4 weeks",
        stop=CYP_FULL_CLOCK_STOP,
        cohort=Cohort.COMPLETED,
        thresholds=(Threshold("4w", 28),),
        services=("cyp_mh",),
        source="domain.md §10.2; [S9] [S36] [S37]; MHSDS MRS08, MRS09 (4w_waits_prep [S32])",
        description=(
            "The clock stops at the latest of the first contact (attended direct contact or "
            "indirect activity), the first baseline outcome and the first care plan or "
            "intervention."
        ),
        **_MHSDS,
    ),
    Standard(
        id="cmh_cyp_1st_contact",
        title="Children and young people's mental health: open referrals waiting for a first "
        "contact",
        stop=_CYP_FIRST_CONTACT,
        cohort=Cohort.OPEN,
        thresholds=(Threshold("4w", 28),),
        services=("cyp_mh",),
        source="MHSDS MRS10, MRS14 (4w_waits_prep [S32])",
        description=(
            "The open-list proxy for children and young people: the clock stops at the first "
            "attended direct contact or indirect activity."
        ),
        **_MHSDS,
    ),
    Standard(
        id="talking_therapies",
        title="NHS Talking Therapies: referral to first treatment within 6 and 18 weeks",
        stop=StopRule(StopKind.CONTACT, 1, activity_types=("treatment",)),
        cohort=Cohort.FINISHED_COURSE,
        thresholds=(Threshold("6w", 42, target_pct=75.0), Threshold("18w", 126, target_pct=95.0)),
        services=("talking_therapies",),
        target_pct=75.0,
        course_min_contacts=2,
        source="domain.md §10.2; [S1] [S2]; NHS Talking Therapies measure dictionary",
        description=(
            "Wait from referral to the first attended treatment appointment by any "
            "consultation mechanism (the national measures do not restrict it), reported for "
            "referrals finishing a course of treatment (at least two attended treatment "
            "sessions) in the month; standards 75% within 6 weeks and 95% within 18 weeks."
        ),
    ),
    Standard(
        id="eip_2w",
        title="Early intervention in psychosis: treatment within 2 weeks of referral",
        stop=StopRule(
            StopKind.CONTACT_OR_EVENT,
            1,
            mechanisms=MH_CONTACT_MECHANISMS,
            event_types=("care_coordinator_allocated",),
            combine=Combine.LATEST,
        ),
        cohort=Cohort.COMPLETED,
        thresholds=(Threshold("2w", 14),),
        services=("eip",),
        target_pct=60.0,
        source="domain.md §10.2; [S5]",
        description=(
            "Treatment starts at the later of the first attended contact with the EIP team "
            "and the allocation of a care coordinator; reported for referrals starting "
            "treatment in the month."
        ),
    ),
    Standard(
        id="cyp_ed",
        title="CYP eating disorders: treatment within 1 week (urgent) or 4 weeks (routine)",
        stop=_TREATMENT_STOP,
        cohort=Cohort.COMPLETED,
        thresholds=(Threshold("1w", 7, ("urgent",)), Threshold("4w", 28, ("routine",))),
        services=("cyp_ed",),
        target_pct=95.0,
        source="domain.md §10.2; [S6]",
        description=(
            "Clock stops at the start of NICE-approved treatment; urgent referrals are measured "
            "against 1 week, routine referrals against 4 weeks.  Coded priorities (MHSDS "
            "ClinRespPriorityType 1, 2 and 4 urgent, 3 routine) are recoded by the mhsds "
            "mapping; any other value is reported, not counted as a breach."
        ),
    ),
    Standard(
        id="chs_bands",
        title="Community health services waiting list by band (CHS SitRep)",
        stop=_MH_STOP_FIRST,
        cohort=Cohort.OPEN,
        thresholds=(Threshold("18w", 126),),
        services=("community_nursing", "community_therapies"),
        source="domain.md §10.2; [S10] [S16] [S39]",
        description=(
            "Month-end waiting list in the SitRep bands 0–1, 1–2, 2–4, 4–12, 12–18, 18–52 and "
            "52+ weeks; the clock stops at the first attended care contact."
        ),
    ),
    Standard(
        id="rtt_18w",
        title="Consultant-led RTT: incomplete pathways within 18 weeks",
        stop=StopRule(
            StopKind.CONTACT_OR_EVENT,
            1,
            mechanisms=MH_CONTACT_MECHANISMS,
            activity_types=("treatment",),
            event_types=("decision_not_to_treat", "active_monitoring"),
            dna_restart_codes=("3",),
        ),
        cohort=Cohort.OPEN,
        thresholds=(Threshold("18w", 126),),
        services=("community_paediatrics",),
        target_pct=92.0,
        source="domain.md §10.2; [S12] [S13] [S34]",
        description=(
            "Clock stops at first definitive treatment, or a decision not to treat or to start "
            "active monitoring (events); the headline is the share of the month-end incomplete "
            "list waiting 18 weeks or less.  A did-not-attend (code 3) at the first "
            "appointment nullifies the clock and a new one starts on its date.  Pauses are "
            "not modelled."
        ),
    ),
)

#: The built-in standards by id.
BUILTIN_STANDARDS: Mapping[str, Standard] = {s.id: s for s in _BUILTINS}

_STANDARD_KEYS = {f.name for f in dataclasses.fields(Standard)} | {"extends"}
_STOP_KEYS = {f.name for f in dataclasses.fields(StopRule)}


def get_standard(standard_id: str, extra: Mapping[str, Standard] | None = None) -> Standard:
    """The standard called ``standard_id`` among ``extra`` and the built-ins."""
    known = {**BUILTIN_STANDARDS, **(extra or {})}
    try:
        return known[standard_id]
    except KeyError:
        raise ConfigError(
            f"unknown waiting-time standard {standard_id!r}",
            hint="built-in standards: " + ", ".join(sorted(known)),
        ) from None


def resolve_standard(
    standard: str | Standard, extra: Mapping[str, Standard] | None = None
) -> Standard:
    """A :class:`Standard` from an id or a standard."""
    return standard if isinstance(standard, Standard) else get_standard(standard, extra)


def _as_tuple(value: Any) -> tuple[Any, ...]:
    if value is None:
        return ()
    if isinstance(value, (list, tuple)):
        return tuple(value)
    return (value,)


def _threshold(item: Any) -> Threshold:
    if not isinstance(item, Mapping) or "label" not in item or "days" not in item:
        raise ConfigError(
            "a threshold is a mapping with 'label' and 'days'",
            problems=[Problem(ErrorCode.WAITS_THRESHOLD, "expected {label, days}", value=item)],
        )
    target = item.get("target_pct")
    return Threshold(
        str(item["label"]),
        int(item["days"]),
        _as_tuple(item.get("priorities")),
        None if target is None else float(target),
    )


def _band(item: Any) -> WaitBand:
    if not isinstance(item, Mapping) or "label" not in item or "min_days" not in item:
        raise ConfigError(
            "a band is a mapping with 'label', 'min_days' and optional 'max_days'",
            problems=[Problem(ErrorCode.WAITS_BAND, "expected {label, min_days}", value=item)],
        )
    high = item.get("max_days")
    return WaitBand(str(item["label"]), int(item["min_days"]), None if high is None else int(high))


def _stop(data: Any, base: StopRule | None) -> StopRule:
    if not isinstance(data, Mapping):
        raise ConfigError(
            "'stop' is a mapping",
            problems=[Problem(ErrorCode.WAITS_STOP, "expected a mapping", value=data)],
        )
    unknown = sorted(set(data) - _STOP_KEYS)
    if unknown:
        raise ConfigError(
            "unknown keys in 'stop'",
            problems=[
                Problem(
                    ErrorCode.WAITS_KEY,
                    "unknown key",
                    value=k,
                    expected=", ".join(sorted(_STOP_KEYS)),
                )
                for k in unknown
            ],
        )
    values: dict[str, Any] = dataclasses.asdict(base) if base is not None else {}
    for key, value in data.items():
        if key in ("kind", "contact_number", "combine"):
            values[key] = value
        elif key == "events_required_from":
            if not isinstance(value, Mapping):
                raise ConfigError(
                    "'events_required_from' maps event types to dates",
                    problems=[Problem(ErrorCode.WAITS_STOP, "expected a mapping", value=value)],
                )
            values[key] = tuple(value.items())
        else:
            values[key] = _as_tuple(value)
    if "contact_number" in values:
        values["contact_number"] = int(values["contact_number"])
    return StopRule(**values)


def standard_from_dict(
    data: Mapping[str, Any], extra: Mapping[str, Standard] | None = None
) -> Standard:
    """Build and validate a standard from a mapping (one entry of a standard file).

    ``extends: <id>`` starts from a built-in (or earlier) standard and overrides only the keys
    given; ``stop`` overrides are merged key by key.
    """
    unknown = sorted(set(data) - _STANDARD_KEYS)
    if unknown:
        raise ConfigError(
            f"unknown keys in standard {data.get('id')!r}",
            problems=[
                Problem(
                    ErrorCode.WAITS_KEY,
                    "unknown key in a standard",
                    value=k,
                    expected=", ".join(sorted(_STANDARD_KEYS)),
                )
                for k in unknown
            ],
        )
    base: Standard | None = None
    if data.get("extends") is not None:
        base = get_standard(str(data["extends"]), extra)
    values: dict[str, Any] = {}
    if base is not None:
        values = {f.name: getattr(base, f.name) for f in dataclasses.fields(Standard)}
    for key, value in data.items():
        if key == "extends":
            continue
        if key == "stop":
            values["stop"] = _stop(value, base.stop if base is not None else None)
        elif key == "thresholds":
            values["thresholds"] = tuple(_threshold(item) for item in _as_tuple(value))
        elif key == "bands":
            values["bands"] = tuple(_band(item) for item in _as_tuple(value))
        elif key in ("services", "notes"):
            values[key] = tuple(str(v) for v in _as_tuple(value))
        elif key == "percentiles":
            values[key] = tuple(float(v) for v in _as_tuple(value))
        elif key == "target_pct":
            values[key] = None if value is None else float(value)
        else:
            values[key] = value
    missing = [k for k in ("id", "title", "stop") if k not in values]
    if missing:
        raise ConfigError(
            "a standard needs 'id', 'title' and 'stop' (or 'extends')",
            problems=[Problem(ErrorCode.WAITS_KEY, "missing key", value=k) for k in missing],
        )
    return Standard(**values)


def standards_from_yaml(text: str, *, file: str | None = None) -> dict[str, Standard]:
    """Parse a standard file: ``standards: [...]`` (or a single standard mapping)."""
    try:
        document = parse_bounded_yaml(text, file or "standard file")[0]
    except yaml.YAMLError as exc:
        raise ConfigError(
            "the standard file is not valid YAML",
            problems=[Problem(ErrorCode.WAITS_YAML, str(exc), file=file)],
        ) from None
    if isinstance(document, Mapping) and "standards" in document:
        entries = _as_tuple(document["standards"])
    elif isinstance(document, Mapping):
        entries = (document,)
    else:
        raise ConfigError(
            "a standard file holds 'standards:' followed by a list of standards",
            problems=[Problem(ErrorCode.WAITS_YAML, "unexpected document", file=file)],
        )
    found: dict[str, Standard] = {}
    problems: list[Problem] = []
    for index, entry in enumerate(entries, start=1):
        if not isinstance(entry, Mapping):
            problems.append(
                Problem(ErrorCode.WAITS_YAML, f"standard {index} is not a mapping", file=file)
            )
            continue
        try:
            standard = standard_from_dict(entry, found)
        except TrustboardError as error:
            problems.extend(
                dataclasses.replace(p, file=file, message=f"standard {index}: {p.message}")
                for p in (error.problems or (Problem(error.code, error.message),))
            )
            continue
        except (TypeError, ValueError) as error:
            problems.append(Problem(ErrorCode.WAITS_VALUE, f"standard {index}: {error}", file=file))
            continue
        found[standard.id] = standard
    if problems:
        raise ConfigError(
            f"the standard file is not valid: {len(problems)} problem(s) found", problems=problems
        )
    return found


def load_standards_file(path: str | Path) -> dict[str, Standard]:
    """Read a standard file (YAML) and return its standards by id."""
    file = Path(path)
    if not file.is_file():
        raise ConfigError(f"standard file {file} does not exist")
    return standards_from_yaml(file.read_text(encoding="utf-8"), file=str(file))
