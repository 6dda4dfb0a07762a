"""Column mappings: how a published layout (MHSDS, CSDS) or a trust's extract names the
canonical waiting-time columns, and value recodes (e.g. team-type codes to service codes).

A mapping file is YAML::

    referrals:
      referral_id: UniqServReqID
      received_date: ReferralRequestReceivedDate
      rejected: ReferRejectionDate        # a date here means "rejected on that date"
    contacts:
      attendance_code: [AttendOrDNACode, AttendStatus]   # first one present wins
    values:
      service: {A14: eip}

Columns not named keep their canonical name.  Field names of the built-in layouts are those
used in NHS England's published MHSDS code ([S32]) and public CSDS analysis code ([S33]).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from trustboard.domain.bounded_yaml import parse_bounded_yaml
from trustboard.errors import ConfigError, ErrorCode, Problem
from trustboard.waits.spec import CONTACT_COLUMNS, EVENT_COLUMNS, REFERRAL_COLUMNS

__all__ = [
    "BUILTIN_MAPPINGS",
    "CANONICAL",
    "ColumnMapping",
    "load_mapping",
    "mapping_from_dict",
    "resolve_mapping",
]

#: Canonical columns of each table.
CANONICAL: Mapping[str, tuple[str, ...]] = {
    "referrals": REFERRAL_COLUMNS,
    "contacts": CONTACT_COLUMNS,
    "events": EVENT_COLUMNS,
}


@dataclass(frozen=True)
class ColumnMapping:
    """Source column names (alternatives in order) per canonical column, and value recodes."""

    name: str = "canonical"
    columns: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)
    values: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def source_for(self, table: str, canonical: str, available: Sequence[str]) -> str | None:
        """The source column that provides ``canonical`` in ``table`` (None if absent).

        Matching is exact first, then case-insensitive, over the mapped alternatives and
        finally the canonical name itself.
        """
        candidates = (*self.columns.get(table, {}).get(canonical, ()), canonical)
        for name in candidates:
            if name in available:
                return name
        lowered = {a.lower(): a for a in available}
        for name in candidates:
            if name.lower() in lowered:
                return lowered[name.lower()]
        return None

    def describe(self, table: str, canonical: str) -> str:
        """The names looked for, for error messages."""
        names = (*self.columns.get(table, {}).get(canonical, ()), canonical)
        return " or ".join(f"'{n}'" for n in dict.fromkeys(names))


#: Columns whose values a mapping may recode (referral columns share no name with the
#: contact and event columns they are listed with, except the referral id, which is not
#: recoded).
_RECODABLE = frozenset(
    (
        *(c for c in REFERRAL_COLUMNS if c != "referral_id"),
        "attendance_code",
        "mechanism",
        "activity_type",
        "event_type",
    )
)


def mapping_from_dict(data: Mapping[str, Any], *, name: str = "custom") -> ColumnMapping:
    """Build a mapping from a parsed mapping file, checking table and column names."""
    problems: list[Problem] = []
    columns: dict[str, dict[str, tuple[str, ...]]] = {}
    for table, entries in data.items():
        if table == "values":
            continue
        if table not in CANONICAL:
            problems.append(
                Problem(
                    ErrorCode.WAITS_MAPPING,
                    "unknown table in the mapping",
                    value=table,
                    expected="referrals, contacts, events or values",
                )
            )
            continue
        if not isinstance(entries, Mapping):
            problems.append(Problem(ErrorCode.WAITS_MAPPING, f"'{table}' is not a mapping"))
            continue
        columns[table] = {}
        for canonical, source in entries.items():
            if canonical not in CANONICAL[table]:
                problems.append(
                    Problem(
                        ErrorCode.WAITS_MAPPING,
                        f"unknown canonical column in '{table}'",
                        value=canonical,
                        expected=", ".join(CANONICAL[table]),
                    )
                )
                continue
            names = source if isinstance(source, (list, tuple)) else [source]
            columns[table][canonical] = tuple(str(n) for n in names)
    values: dict[str, dict[str, str]] = {}
    raw_values = data.get("values") or {}
    if not isinstance(raw_values, Mapping):
        problems.append(Problem(ErrorCode.WAITS_MAPPING, "'values' is not a mapping"))
    else:
        for column, recode in raw_values.items():
            if column not in _RECODABLE or not isinstance(recode, Mapping):
                problems.append(
                    Problem(
                        ErrorCode.WAITS_MAPPING,
                        "value recodes are mappings and apply to referral columns, "
                        "attendance_code, mechanism, activity_type and event_type",
                        value=column,
                    )
                )
                continue
            values[str(column)] = {str(k): str(v) for k, v in recode.items()}
    if problems:
        raise ConfigError(f"column mapping {name!r} is not valid", problems=problems)
    return ColumnMapping(name, columns, values)


#: MHSDS field names (MHS101Referral, MHS102ServiceTypeReferredTo, MHS201CareContact,
#: MHS202CareActivity) as in NHS England's published measure code [S32].
_MHSDS = {
    "referrals": {
        "referral_id": "UniqServReqID",
        "person_id": "Person_ID",
        "service": "ServTeamTypeRefToMH",
        "team": "UniqCareProfTeamID",
        "priority": "ClinRespPriorityType",
        "received_date": "ReferralRequestReceivedDate",
        "closed_date": ["ServDischDate", "ReferClosureDate"],
        "closure_reason": ["ReferClosReason", "ReferClosureReason"],
        "rejected": "ReferRejectionDate",
        "age_band": "AgeBand",
        "sex": ["Gender", "GenderIDCode"],
        "ethnic_group": "EthnicCategory",
        "imd_quintile": "IMD_Quintile",
    },
    "contacts": {
        "referral_id": "UniqServReqID",
        "contact_date": "CareContDate",
        "attendance_code": ["AttendOrDNACode", "AttendStatus"],
        "mechanism": ["ConsMechanismMH", "ConsMediumUsed"],
        "activity_type": ["Der_ActivityType", "CareActType"],
    },
    "events": {"referral_id": "UniqServReqID"},
    "values": {
        # ServTeamTypeRefToMH: the core community mental health team types of NHS England's
        # adult four-week-wait measures (4w_waits_prep, which also reads C03 as C10) and the
        # early intervention in psychosis team (A14) [S32]
        "service": {
            **{
                code: "cmh_adult"
                for code in ("A05", "A06", "A08", "A09", "A12", "A13", "A16", "C03", "C10")
            },
            "A14": "eip",
        },
        # ClinRespPriorityType: 1 emergency, 2 urgent/serious, 4 very urgent are urgent;
        # 3 routine (the CYP eating disorder measures' reading)
        "priority": {"1": "urgent", "2": "urgent", "4": "urgent", "3": "routine"},
    },
}

#: CSDS field names (CYP101Referral, CYP102ServiceTypeReferredTo, CYP201CareContact,
#: CYP202CareActivity) as in public CSDS analysis code [S33].
_CSDS = {
    "referrals": {
        "referral_id": "UniqServReqID",
        "person_id": "Person_ID",
        "service": ["TeamTypeCommunity", "ServTeamTypeRefToCommServ"],
        "team": "UniqCareProfTeamID",
        "priority": ["PriorityType", "ClinRespPriorityType"],
        "received_date": "ReferralRequestReceivedDate",
        "closed_date": ["ServDischDate", "ReferClosureDate"],
        "closure_reason": ["ReferClosReason", "ReferClosureReason"],
        "rejected": ["ReferRejectDate", "ReferRejectionDate"],
        "age_band": "AgeBand",
        "sex": ["Gender", "GenderIDCode"],
        "ethnic_group": "EthnicCategory",
        "imd_quintile": "IMD_Quintile",
    },
    "contacts": {
        "referral_id": "UniqServReqID",
        "contact_date": "CareContDate",
        "attendance_code": ["AttendStatus", "AttendOrDNACode"],
        "mechanism": ["ConsMechanism", "ConsMediumUsed", "ConsType"],
        "activity_type": ["CommCareActType", "CareActType"],
    },
    "events": {"referral_id": "UniqServReqID"},
    "values": {
        # SERVICE OR TEAM TYPE REFERRED TO (COMMUNITY CARE) [S33]: 12 district nursing is
        # community nursing; 23 occupational therapy, 26 physiotherapy, 33 speech and
        # language therapy and 58 nutrition and dietetics (excluding weight management) are
        # the CHS SitRep's therapy interventions.  Community paediatrics is left for a
        # trust's mapping (its code is not among those confirmed; see docs/waits.md).
        "service": {
            "12": "community_nursing",
            **{code: "community_therapies" for code in ("23", "26", "33", "58")},
        },
        # NHS Data Dictionary PRIORITY TYPE CODE: 1 routine, 2 urgent (3, two week wait, is
        # a cancer pathway and left for a trust's mapping to place)
        "priority": {"1": "routine", "2": "urgent"},
    },
}

#: Built-in mappings by name.
BUILTIN_MAPPINGS: Mapping[str, ColumnMapping] = {
    "canonical": ColumnMapping(),
    "mhsds": mapping_from_dict(_MHSDS, name="mhsds"),
    "csds": mapping_from_dict(_CSDS, name="csds"),
}


def load_mapping(path: str | Path) -> ColumnMapping:
    """Read a column-mapping YAML file."""
    file = Path(path)
    if not file.is_file():
        raise ConfigError(f"column mapping file {file} does not exist")
    try:
        data = parse_bounded_yaml(file.read_text(encoding="utf-8"), str(file))[0] or {}
    except yaml.YAMLError as exc:
        raise ConfigError(
            "the column mapping file is not valid YAML",
            problems=[Problem(ErrorCode.WAITS_YAML, str(exc), file=str(file))],
        ) from None
    if not isinstance(data, Mapping):
        raise ConfigError("a column mapping file is a mapping of tables to columns")
    return mapping_from_dict(data, name=file.stem)


def resolve_mapping(mapping: ColumnMapping | str | Path | None) -> ColumnMapping:
    """A mapping from a :class:`ColumnMapping`, a built-in name, a file path or None."""
    if mapping is None:
        return BUILTIN_MAPPINGS["canonical"]
    if isinstance(mapping, ColumnMapping):
        return mapping
    key = str(mapping).lower()
    if key in BUILTIN_MAPPINGS:
        return BUILTIN_MAPPINGS[key]
    return load_mapping(mapping)
