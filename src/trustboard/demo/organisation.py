"""The demo trust's organisation: trust → directorates → services → teams.

The shape follows the reference community and mental health trust of the domain notes
(domain.md §1.1): three clinical directorates (``MH``, ``FYPC_LDA``, ``CHS``) and the
corporate ``ENABLING`` directorate.  Every name is invented; none is a real ward or team.
"""

from __future__ import annotations

from trustboard.domain import OrgLevel, OrgUnit

__all__ = [
    "DIRECTORATES",
    "SCOPES",
    "TRUST_CODE",
    "TRUST_NAME",
    "build_org_units",
    "leaf_units",
]

#: Code of the whole-trust unit (also the ``directorate`` of trust-wide metrics).
TRUST_CODE = "TRUST"
#: The demo trust's (invented) name.
TRUST_NAME = "Northvale Community and Mental Health NHS Trust (synthetic)"

#: Directorate code → name (domain.md §1.1).
DIRECTORATES: dict[str, str] = {
    "MH": "Mental Health",
    "FYPC_LDA": "Families, Young People and Children, Learning Disabilities and Autism",
    "CHS": "Community Health Services",
    "ENABLING": "Enabling Services",
}

# (service code, directorate, service name, ((team code, team name), ...))
_SERVICES: tuple[tuple[str, str, str, tuple[tuple[str, str], ...]], ...] = (
    (
        "MH-ACUTE",
        "MH",
        "Adult Acute Inpatient Services",
        (
            ("MH-ACU-ASH", "Ashdown Ward (adult acute)"),
            ("MH-ACU-BEA", "Beacon Ward (adult acute)"),
            ("MH-ACU-CED", "Cedar Ward (psychiatric intensive care)"),
        ),
    ),
    (
        "MH-OPMH",
        "MH",
        "Older People's Mental Health Inpatients",
        (
            ("MH-OPM-ELM", "Elm Ward (older people, functional)"),
            ("MH-OPM-FER", "Fern Ward (older people, organic)"),
        ),
    ),
    (
        "MH-COMM",
        "MH",
        "Community Mental Health",
        (
            ("MH-CMH-NTH", "Community Mental Health Team North"),
            ("MH-CMH-CTY", "Community Mental Health Team City"),
            ("MH-CMH-STH", "Community Mental Health Team South"),
        ),
    ),
    (
        "MH-URG",
        "MH",
        "Urgent and Crisis Mental Health",
        (
            ("MH-URG-CRH", "Crisis Resolution and Home Treatment Team"),
            ("MH-URG-LIA", "Mental Health Liaison Service"),
        ),
    ),
    (
        "MH-SPEC",
        "MH",
        "Specialist Mental Health Services",
        (
            ("MH-SPC-TT", "NHS Talking Therapies"),
            ("MH-SPC-EIP", "Early Intervention in Psychosis"),
            ("MH-SPC-MEM", "Memory Assessment Service"),
        ),
    ),
    (
        "FY-CAMHS",
        "FYPC_LDA",
        "Child and Adolescent Mental Health Services",
        (
            ("FY-CAM-EST", "CAMHS Community Team East"),
            ("FY-CAM-WST", "CAMHS Community Team West"),
            ("FY-CAM-ED", "CAMHS Eating Disorders"),
            ("FY-CAM-CRI", "CAMHS Crisis and Home Treatment"),
        ),
    ),
    (
        "FY-019",
        "FYPC_LDA",
        "0-19 Healthy Together",
        (
            ("FY-019-HV", "Health Visiting"),
            ("FY-019-SN", "School Nursing"),
        ),
    ),
    (
        "FY-PAED",
        "FYPC_LDA",
        "Children's Community Health",
        (
            ("FY-PAE-CP", "Community Paediatrics"),
            ("FY-PAE-ND", "Neurodevelopmental Assessment Service"),
            ("FY-PAE-AUD", "Children's Audiology"),
        ),
    ),
    (
        "FY-LDA",
        "FYPC_LDA",
        "Learning Disabilities and Autism",
        (
            ("FY-LDA-WIL", "Willow Unit (learning disability inpatients)"),
            ("FY-LDA-COM", "Community Learning Disability Team"),
        ),
    ),
    (
        "CHS-HOSP",
        "CHS",
        "Community Hospitals",
        (
            ("CHS-HSP-HAW", "Hawthorn Ward, Brookfield Community Hospital"),
            ("CHS-HSP-MIL", "Millbrook Community Hospital"),
            ("CHS-HSP-ANN", "St Anne's Rehabilitation Unit"),
        ),
    ),
    (
        "CHS-NURS",
        "CHS",
        "Community Nursing",
        (
            ("CHS-NRS-NTH", "District Nursing North"),
            ("CHS-NRS-STH", "District Nursing South"),
            ("CHS-NRS-CTY", "District Nursing City"),
        ),
    ),
    (
        "CHS-URG",
        "CHS",
        "Urgent and Intermediate Care",
        (
            ("CHS-URG-UCR", "Urgent Community Response"),
            ("CHS-URG-VW", "Virtual Ward"),
            ("CHS-URG-MIU", "Millbrook Minor Injuries Unit"),
        ),
    ),
    (
        "CHS-THER",
        "CHS",
        "Community Therapies",
        (
            ("CHS-THR-PHY", "Community Physiotherapy"),
            ("CHS-THR-OT", "Community Occupational Therapy"),
            ("CHS-THR-SLT", "Adult Speech and Language Therapy"),
        ),
    ),
    (
        "EN-CORP",
        "ENABLING",
        "Corporate Services",
        (
            ("EN-COR-FIN", "Finance and Procurement"),
            ("EN-COR-PPL", "People and Organisational Development"),
            ("EN-COR-EST", "Estates and Facilities"),
            ("EN-COR-DIG", "Digital and Information"),
            ("EN-COR-GOV", "Corporate Governance"),
        ),
    ),
)

_MH_ACUTE = ("MH-ACU-ASH", "MH-ACU-BEA", "MH-ACU-CED")
_MH_WARDS = (*_MH_ACUTE, "MH-OPM-ELM", "MH-OPM-FER")
_LD_WARD = ("FY-LDA-WIL",)
_CHS_WARDS = ("CHS-HSP-HAW", "CHS-HSP-MIL", "CHS-HSP-ANN")
_MH_COMMUNITY = ("MH-CMH-NTH", "MH-CMH-CTY", "MH-CMH-STH")
_ENABLING_TEAMS = ("EN-COR-FIN", "EN-COR-PPL", "EN-COR-EST", "EN-COR-DIG", "EN-COR-GOV")
_ALL_TEAMS = tuple(team for *_, teams in _SERVICES for team, _ in teams)
_CLINICAL_TEAMS = tuple(t for t in _ALL_TEAMS if t not in _ENABLING_TEAMS)

#: Named sets of leaf units a metric's values are generated for (then summed upwards).
SCOPES: dict[str, tuple[str, ...]] = {
    "trust": (TRUST_CODE,),
    "directorates": tuple(DIRECTORATES),
    "clinical_directorates": ("MH", "FYPC_LDA", "CHS"),
    "mh_acute_wards": _MH_ACUTE,
    "mh_wards": _MH_WARDS,
    "mh_ld_wards": (*_MH_WARDS, *_LD_WARD),
    "chs_wards": _CHS_WARDS,
    "falls_wards": (*_CHS_WARDS, "MH-OPM-ELM", "MH-OPM-FER"),
    "all_wards": (*_MH_WARDS, *_LD_WARD, *_CHS_WARDS),
    "mh_community": _MH_COMMUNITY,
    "mh_suicide_prevention": (
        *_MH_COMMUNITY,
        "MH-URG-CRH",
        "MH-SPC-EIP",
        "FY-CAM-EST",
        "FY-CAM-WST",
        "FY-CAM-CRI",
    ),
    "mh_crisis": ("MH-URG-CRH",),
    "mh_liaison": ("MH-URG-LIA",),
    "talking_therapies": ("MH-SPC-TT",),
    "eip": ("MH-SPC-EIP",),
    "memory": ("MH-SPC-MEM",),
    "mh_cpa": (*_MH_COMMUNITY, "MH-SPC-EIP"),
    "cyp_eating_disorders": ("FY-CAM-ED",),
    "cyp_mh": ("FY-CAM-EST", "FY-CAM-WST", "FY-CAM-ED", "FY-CAM-CRI"),
    "health_visiting": ("FY-019-HV",),
    "children_services": ("FY-019-HV", "FY-019-SN", "FY-PAE-CP", "FY-PAE-ND", "FY-PAE-AUD"),
    "audiology": ("FY-PAE-AUD",),
    "ld_inpatients": _LD_WARD,
    "community_nursing": ("CHS-NRS-NTH", "CHS-NRS-STH", "CHS-NRS-CTY"),
    "ucr": ("CHS-URG-UCR",),
    "virtual_ward": ("CHS-URG-VW",),
    "miu": ("CHS-URG-MIU",),
    "outpatient_teams": (
        *_MH_COMMUNITY,
        "MH-SPC-MEM",
        "FY-CAM-EST",
        "FY-CAM-WST",
        "FY-PAE-CP",
        "FY-PAE-ND",
        "FY-PAE-AUD",
        "FY-LDA-COM",
        "CHS-THR-PHY",
        "CHS-THR-OT",
        "CHS-THR-SLT",
    ),
    "clinical_teams": _CLINICAL_TEAMS,
    "all_teams": _ALL_TEAMS,
    "finance_team": ("EN-COR-FIN",),
    "people_team": ("EN-COR-PPL",),
    "governance_team": ("EN-COR-GOV",),
}


def build_org_units() -> tuple[OrgUnit, ...]:
    """Every unit of the demo trust, parents before children, in a fixed order."""
    units = [OrgUnit(code=TRUST_CODE, name=TRUST_NAME, level=OrgLevel.TRUST)]
    units.extend(
        OrgUnit(code=code, name=name, level=OrgLevel.DIRECTORATE, parent=TRUST_CODE)
        for code, name in DIRECTORATES.items()
    )
    for service, directorate, service_name, teams in _SERVICES:
        units.append(
            OrgUnit(code=service, name=service_name, level=OrgLevel.SERVICE, parent=directorate)
        )
        units.extend(
            OrgUnit(code=team, name=team_name, level=OrgLevel.TEAM, parent=service)
            for team, team_name in teams
        )
    return tuple(units)


def leaf_units(scope: str | tuple[str, ...]) -> tuple[str, ...]:
    """The leaf units of a named scope (or the codes given, unchanged)."""
    if isinstance(scope, tuple):
        return scope
    return SCOPES[scope]
