"""What a performance lead knows about each metric that may be reported by exception: the
cause behind a miss, what recovery assumes, the expected trajectory and the recovery action with
its owner, written for that metric (the metrics with a designed story have theirs in
:mod:`trustboard.demo._stories`).

A metric without notes here gets a narrative built from its own figures only.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["NOTES", "MetricNotes"]


@dataclass(frozen=True, slots=True)
class MetricNotes:
    """The lead's notes on one metric.

    ``cause``: the root causes, first sentence the main one (it goes into the Board's
    summary); ``assumption``: what recovery assumes; ``impact``: the expected trajectory;
    ``action``: the recovery action; ``owner``: the role that owns it.
    """

    cause: str
    assumption: str
    impact: str
    action: str
    owner: str


NOTES: dict[str, MetricNotes] = {
    "SAF17-RN-DAY": MetricNotes(
        "Registered nurse vacancies on the two adult acute wards and Millbrook leave day shifts "
        "to bank staff, and bank fill falls in the school holidays and over winter. Shifts are "
        "covered by moving staff between wards, which the roster records as unfilled on the "
        "home ward.",
        "International recruits on Ashdown and Beacon wards pass their OSCE by June 2025 and "
        "move onto the registered establishment.",
        "Day fill back to 95% by September 2025 as the new registrants join; night fill holds "
        "above 95% meanwhile.",
        "Move the twelve international nurses awaiting registration onto a supernumerary "
        "preceptorship rota with a fixed OSCE date",
        "Deputy Chief Nurse",
    ),
    "SAF17-RN-NIGHT": MetricNotes(
        "Night shifts on the older people's wards depend on bank registered nurses, and bank "
        "fill at night fell when the enhanced night rate ended.",
        "The revised bank rate card for nights is approved by the executive team in April.",
        "Night fill above 95% within two months of the new rate card.",
        "Take a revised night bank rate card for registered nurses to the executive team",
        "Director of Nursing, Mental Health",
    ),
    "EFF05": MetricNotes(
        "Reliable recovery fell where therapists left the step 3 team and their caseloads were "
        "split, so more people finished with fewer than the planned sessions.",
        "The three vacant high-intensity therapist posts are filled from the trainee cohort "
        "that qualifies in April.",
        "Reliable recovery back to the 48% ambition by the second quarter of 2025-26.",
        "Review every case that ended with fewer than six sessions at the step 3 clinical meeting",
        "Clinical Lead, NHS Talking Therapies",
    ),
    "EFF09-MH": MetricNotes(
        "Adult acute wards have run above 95% occupancy since the summer: length of stay rose "
        "with delayed discharges to supported accommodation, and admissions under the Mental "
        "Health Act grew.",
        "The ten step-down beds open in April 2025 and the local authority's supported housing "
        "panel meets weekly.",
        "Occupancy expected to fall towards 90% by the summer of 2025; the 85% target needs "
        "the step-down beds and a shorter length of stay together.",
        "Hold a weekly long-length-of-stay review of every adult acute patient in hospital over "
        "60 days",
        "Clinical Director, Adult Acute Services",
    ),
    "EFF09-CHS": MetricNotes(
        "Community hospital beds stay full because a fifth of bed days are taken by patients "
        "ready to leave and waiting for home care or a care-home place.",
        "The local authority's home care framework starts in May 2025 and discharge funding "
        "for 2025-26 is confirmed.",
        "Occupancy back below 92% once delays fall under 12% of bed days, expected by July 2025.",
        "Agree a daily discharge-to-assess slot with the home care framework providers for "
        "community hospital patients",
        "Head of Flow and Discharge, Community Health Services",
    ),
    "EFF14": MetricNotes(
        "Care plan reviews are overdue mostly in Community Mental Health Team City, where "
        "care coordinators carry caseloads above 35 and reviews give way to urgent work.",
        "Caseload weighting is introduced in the three teams and the new community "
        "transformation posts start on time.",
        "Reviews back above 95% by the end of the second quarter of 2025-26.",
        "Book every overdue care plan review with a named care coordinator and track it weekly",
        "Service Manager, Community Mental Health",
    ),
    "RES05": MetricNotes(
        "Second contacts wait for psychology and care coordination capacity: the community "
        "teams assess quickly but the first intervention waits, so most people pass 28 days.",
        "The single point of access opens as planned and the twelve practitioner posts are "
        "filled in 2025-26.",
        "The share within 4 weeks should pass the 15% local trajectory in the first quarter "
        "of 2025-26 and keep rising as the list shortens.",
        "Offer a group-based first intervention to people assessed as routine so that the "
        "second contact is not held for individual therapy",
        "Consultant Clinical Psychologist, Community Mental Health",
    ),
    "RES06-LIST": MetricNotes(
        "Referrals to the adult community teams have grown faster than the teams since 2022, "
        "and people waiting for a second contact stay on the list longest in City.",
        "Referral growth stays near the last two years' rate and the validation sprint "
        "removes referrals that should have closed.",
        "The list should stop growing in the summer of 2025 and fall once the single point of "
        "access is in place.",
        "Publish a team-by-team demand and capacity plan for the adult community teams with a "
        "monthly list-size trajectory",
        "Head of Performance and Business Intelligence",
    ),
    "RES06-MED": MetricNotes(
        "The median wait lengthens because new referrals are seen in order of clinical "
        "priority, so routine referrals age while urgent ones are seen quickly.",
        "Routine referrals are booked in referral order once triage is complete.",
        "The median should fall within six months of booking routine referrals in order.",
        "Book routine second contacts in referral order across the three community teams",
        "Service Manager, Community Mental Health",
    ),
    "RES06-P90": MetricNotes(
        "The longest waits belong to people waiting for specialist psychological therapy, "
        "which has one post per team.",
        "A shared psychological therapies waiting list across the three teams starts in June 2025.",
        "The 90th percentile should fall below a year by March 2026.",
        "Pool the psychological therapy waiting lists of the three community teams",
        "Head of Psychological Professions",
    ),
    "RES08-4W": MetricNotes(
        "CAMHS community teams hold a single intake clinic a week each, so referrals that miss "
        "it wait a fortnight before a first contact.",
        "A second weekly intake clinic is staffed from the CAMHS transformation funding.",
        "The share seen within 4 weeks should reach the 30% local trajectory by the summer "
        "of 2025.",
        "Run a second weekly intake clinic in each CAMHS community team",
        "Service Manager, CAMHS Community Teams",
    ),
    "RES08-LIST": MetricNotes(
        "Referrals to CAMHS rose after schools reopened their wellbeing referral route, and "
        "the East team has two vacant clinical posts.",
        "The mental health support teams in schools take the referrals that need lower "
        "intensity help from September 2025.",
        "The CAMHS list should level off by the autumn of 2025.",
        "Agree referral criteria with the mental health support teams in schools",
        "Head of Service, CAMHS",
    ),
    "RES08-52W": MetricNotes(
        "Young people waiting over a year are mostly waiting for a specific therapy (family "
        "therapy or dialectical behaviour therapy) after their first contact.",
        "The family therapy vacancy is filled and the DBT group restarts in May 2025.",
        "No young person waiting over 52 weeks by March 2026.",
        "Offer every young person waiting over 40 weeks a named clinician and a booked "
        "therapy start date",
        "Head of Service, CAMHS",
    ),
    "RES11-LIST": MetricNotes(
        "The community health services list is driven by adult speech and language therapy "
        "and community physiotherapy, where referrals rose after the acute trust's early "
        "discharge scheme began.",
        "The therapy posts funded by the early discharge scheme are recruited to by the summer.",
        "The list should fall by a tenth during the first half of 2025-26.",
        "Agree with the acute trust the therapy capacity its early discharge scheme funds",
        "Director of Community Health Services",
    ),
    "RES11-52W": MetricNotes(
        "Patients waiting over 52 weeks are almost all on the adult speech and language "
        "therapy and community physiotherapy lists for routine, non-urgent treatment.",
        "Weekend clinics run through the spring and the validation of the longest waiters "
        "finds some who no longer need treatment.",
        "No patient over 52 weeks by September 2025, in line with the planning guidance.",
        "Run weekend physiotherapy and speech and language therapy clinics for the longest waiters",
        "Head of Community Therapies",
    ),
    "RES12": MetricNotes(
        "Community paediatric clinics lost two consultant sessions a week after a retirement, "
        "and follow-ups for children on medication take first call on the remaining clinics.",
        "The locum consultant starts in April and the nurse-led medication review clinic "
        "takes routine follow-ups.",
        "Incomplete pathways within 18 weeks should recover towards 80% by the end of 2025-26; "
        "the 92% standard is not expected this year.",
        "Move routine medication reviews to a nurse-led clinic to free consultant new-patient "
        "slots",
        "Clinical Director, Children's Community Health",
    ),
    "RES13": MetricNotes(
        "Children waiting over 52 weeks for community paediatrics are routine developmental "
        "referrals that wait behind urgent and safeguarding assessments.",
        "The locum consultant's sessions go to the longest waiters first.",
        "The number over 52 weeks should halve by September 2025.",
        "Book every child waiting over 45 weeks into a dedicated long-waiter clinic",
        "Service Manager, Community Paediatrics",
    ),
    "RES18": MetricNotes(
        "Memory assessment waits for brain scans at the acute trust, which take five weeks to "
        "report, so diagnoses fall outside 6 weeks.",
        "The acute trust's extra weekend scanning lists continue into 2025-26.",
        "Diagnosis within 6 weeks should reach 70% by the autumn of 2025.",
        "Agree a scanning slot for memory referrals with the acute trust's radiology service",
        "Service Manager, Memory Assessment",
    ),
    "RES21-12M": MetricNotes(
        "Health visitor capacity went first to new birth visits, so 1-year reviews for "
        "families with universal need were booked late.",
        "Community nursery nurses take on universal 1-year reviews after their competency "
        "sign-off.",
        "1-year reviews back to 85% by the autumn of 2025.",
        "Offer universal 1-year reviews in group clinics led by community nursery nurses",
        "Head of Service, 0-19 Healthy Together",
    ),
    "RES25-LIST": MetricNotes(
        "Referrals for autism and ADHD assessment have risen by half since 2021 while the "
        "assessment team has not grown, so the list rises every month.",
        "The ICB agrees the trajectory and recurrent funding that BAF-03 action BAF03-A2 seeks.",
        "Without new funding the list keeps growing by about 300 children a year; the "
        "trajectory will be set when funding is agreed.",
        "Put a costed neurodevelopmental assessment trajectory to the ICB's children's board",
        "Chief Operating Officer",
    ),
    "RES25-52W": MetricNotes(
        "Children waiting over a year for an autism or ADHD assessment rise because assessment "
        "capacity is below referrals; the longest waits are for combined assessments.",
        "Schools and families are offered support while waiting through the neurodiversity "
        "hub, and the independent-sector assessments funded this winter continue.",
        "Long waits will keep rising until capacity matches referrals; the funding decision "
        "is expected at the ICB in June 2025.",
        "Commission 300 autism assessments from an independent provider for the longest waiters",
        "Director of Families, Young People and Children",
    ),
    "RES26": MetricNotes(
        "Risk reviews lag where care coordinators hold the longest lists, and contacts made by "
        "the waiting list team are not always recorded as a review.",
        "The waiting list team records every contact on the harm-review template from April.",
        "Risk reviews for everyone waiting over 18 weeks at 90% by September 2025.",
        "Audit a sample of harm reviews of long waiters each quarter and report it to the "
        "Quality Committee",
        "Head of Nursing, Mental Health",
    ),
    "WEL17": MetricNotes(
        "Freedom of Information requests wait for answers from the finance and workforce "
        "teams, where one person answers each request type.",
        "Two deputies are named in each team by May.",
        "Back above 90% within three months of naming deputies.",
        "Name a deputy for each request type in finance and workforce",
        "Head of Information Governance",
    ),
    "FIN07": MetricNotes(
        "Cash fell with the year-to-date deficit, capital paid from the trust's own cash and "
        "slower receipt of ICB income for the new services.",
        "The ICB pays the 2024-25 growth funding in the first quarter of 2025-26.",
        "Cash back above £30m when the growth funding arrives; the 2025-26 cash plan goes to "
        "the committee in May.",
        "Agree the timing of the outstanding growth funding payments with the ICB",
        "Deputy Director of Finance",
    ),
    "FIN08-NHS": MetricNotes(
        "NHS invoices wait for goods receipting in the new procure-to-pay system, the same "
        "cause as non-NHS invoices, and inter-NHS queries take longer to agree.",
        "Budget holders receipt within 3 working days after the goods-receipting training.",
        "NHS invoices back above 95% by June 2025.",
        "Clear inter-NHS invoice queries at a fortnightly agreement-of-balances meeting",
        "Financial Controller",
    ),
    "FIN09": MetricNotes(
        "Spend follows out-of-area bed days at about £650 a bed day: the same occupancy and "
        "length-of-stay pressures behind EFF06 drive it.",
        "The recovery trajectory for out-of-area bed days is delivered.",
        "Spend should fall with bed days to about £140k a month by June 2025.",
        "Reconcile every out-of-area invoice to the bed-day record before payment",
        "Head of Financial Management, Mental Health",
    ),
}
