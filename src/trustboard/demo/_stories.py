"""The exception stories of the demo trust, written as a performance lead would write them.

Each story belongs to a metric whose series was built with a deliberate change (its profile's
``story``).  The text is a template over :class:`~trustboard.demo._facts.StoryFacts`, so every
number quoted matches the data; the actions have owners, due dates and a status at each of the
three reporting months, some of them slipping.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from trustboard.demo._facts import StoryFacts
from trustboard.domain import ActionStatus, AssuranceLevel

__all__ = ["STORIES", "ActionPlan", "Lookup", "Story"]

#: Another metric's trust value in the same month, formatted ("not reported" when absent).
Lookup = Callable[[str], str]

ON, RISK, OFF, DONE = (
    ActionStatus.ON_TRACK,
    ActionStatus.AT_RISK,
    ActionStatus.OFF_TRACK,
    ActionStatus.COMPLETE,
)


@dataclass(frozen=True, slots=True)
class ActionPlan:
    """One action of a story and where it stood at each reporting month (oldest first).

    ``timeline`` holds (due, status, note) for each reporting month, or None for months
    before the action was opened.
    """

    key: str
    description: str
    owner: str
    opened: date
    timeline: tuple[tuple[date, ActionStatus, str | None] | None, ...]


@dataclass(frozen=True, slots=True)
class Story:
    """A bespoke exception narrative for one metric."""

    metric_id: str
    author: str
    assurance: AssuranceLevel
    write: Callable[[StoryFacts, Lookup], dict[str, str]]
    actions: tuple[ActionPlan, ...]
    deep_dive_requested_by: str | None = None


def _oap(f: StoryFacts, other: Lookup) -> dict[str, str]:
    trajectory = f.definition.target_on(f.period.end, include_trajectory=True)
    vs_trajectory = ""
    if trajectory is not None and trajectory.type.value == "trajectory":
        gap = f.latest - trajectory.value
        side = "above" if gap > 0 else "below"
        vs_trajectory = (
            f" {f.month} was {f.fmt(abs(gap))} bed days {side} the recovery "
            f"trajectory of {f.fmt(trajectory.value)}."
        )
    return {
        "chart_shows": (
            f"{f.fmt(f.latest)} inappropriate out-of-area bed days in {f.month}, against a plan of "
            f"{f.fmt(f.target)} a month for 2024-25. Placements stepped up in {f.step_month} when "
            "a neighbouring provider closed a ward, and have averaged "
            f"{f.fmt(f.since_mean)} bed days since, against {f.fmt(f.before_mean)} in the year "
            "before. The committee accepted the higher level as the current process, so its "
            "limits start there, and at that level the plan will not be met without a change "
            "to the system."
        ),
        "background": (
            f"Adult acute occupancy was {other('EFF09-MH')} in {f.month} (EFF09-MH) and has been "
            f"above 95% since the summer. New detentions under the Mental Health Act were "
            f"{other('CTX02')} in the month (CTX02). When no local bed is free, patients are "
            f"placed with independent-sector providers, on average 70 miles from home."
        ),
        "root_causes": (
            f"Average length of stay on adult acute wards is {other('EFF07')} (EFF07), well above "
            "the 32-day ambition, driven mainly by patients who are clinically ready for "
            "discharge but waiting for supported accommodation. A neighbouring provider closed "
            "an adult acute ward in June 2024, and the gate-keeping audit found admissions that "
            "home treatment could have avoided on weekends, when the crisis team runs a reduced "
            "rota."
        ),
        "assumptions": (
            "The trajectory assumes the ten step-down beds commissioned with the local authority "
            "open in April 2025, that weekend crisis staffing is recruited to by May 2025 and "
            "that demand stays at the level of the last six months."
        ),
        "expected_impact": (
            "Trajectory agreed at the Finance & Performance Committee in December 2024: 620 bed "
            "days in January, 540 in February, 460 in March, falling to 220 by June 2025."
            f"{vs_trajectory} Full elimination of inappropriate placements is not expected "
            "before the third quarter of 2025-26."
        ),
        "risks": (
            "Corporate risk CRR-095 (out-of-area placement costs, score 16) and BAF-06 "
            f"(financial sustainability): out-of-area spend was {other('FIN09')} in the month "
            "(FIN09). Quality risk of people placed far from families is mitigated by weekly "
            "clinical reviews of every placed patient by the bed management team."
        ),
        "assurance": (
            "Partially assured: the causes are understood and the actions are funded, but the "
            "step-down beds are not yet open and occupancy remains above 95%."
        ),
        "data_quality": (
            "Bed days come from the OAPs collection and are reconciled to invoices each month; "
            f"{f.month} is provisional until the last invoices arrive."
        ),
    }


def _falls(f: StoryFacts, other: Lookup) -> dict[str, str]:
    worst = (
        (
            f" The highest rate was on {f.worst_unit[0]} ({f.fmt(f.worst_unit[1])} per 1,000 "
            "occupied bed days)."
        )
        if f.worst_unit
        else ""
    )
    return {
        "chart_shows": (
            f"{f.fmt(f.latest)} falls per 1,000 occupied bed days in {f.month} against a local "
            f"ceiling of {f.fmt(f.target)}. Since {f.step_month} the rate has averaged "
            f"{f.fmt(f.since_mean)}, up from {f.fmt(f.before_mean)}, as frailer patients were "
            "admitted; the limits are recalculated from that change, which the Quality "
            f"Committee accepted while the falls programme works to reverse it.{worst}"
        ),
        "background": (
            "Community hospitals have admitted more frail patients on the discharge-to-assess "
            "pathway since the summer; patients clinically ready for discharge took up "
            f"{other('EFF10')} of occupied bed days in the month (EFF10). Falls with moderate "
            f"harm or worse numbered {other('SAF12')} (SAF12)."
        ),
        "root_causes": (
            "Post-falls reviews point to three causes: bay observation gaps at night when "
            "registered nurse shifts are unfilled (day fill rate "
            f"{other('SAF17-RN-DAY')}, SAF17-RN-DAY), lying and standing blood pressure not "
            "recorded within 24 hours of admission in a third of the cases reviewed, and "
            "delirium screening not repeated after a change in condition."
        ),
        "assumptions": (
            "Recovery depends on filling the night-shift health care assistant vacancies "
            "through the spring recruitment campaign and on the frailty mix of admissions "
            "staying at its current level."
        ),
        "expected_impact": (
            "The rate should return below 6 falls per 1,000 occupied bed days by June 2025 "
            "once bay observation is in place on every ward; the Falls Steering Group reviews "
            "progress monthly."
        ),
        "risks": (
            "BAF-01 (safety of inpatient care) and CRR-112 (registered nurse staffing). Each "
            "fall with harm has an after-action review under PSIRF."
        ),
        "assurance": (
            "Partially assured: the causes are evidenced by post-falls reviews, but the two "
            "main actions are not yet complete."
        ),
        "data_quality": (
            "Falls are taken from Datix on the fifth working day; a few late reports are added "
            "the following month, so the latest month may rise slightly."
        ),
    }


def _complaints(f: StoryFacts, other: Lookup) -> dict[str, str]:
    return {
        "chart_shows": (
            f"{f.fmt(f.latest)} of complaint responses due in {f.month} were sent within the "
            f"agreed timescale ({f.numerator:.0f} of {f.denominator:.0f}), against 85%. Since "
            f"{f.step_month} performance has averaged {f.fmt(f.since_mean)}, "
            f"{f.change(f.before_mean, f.since_mean)} below the previous year, the month two "
            "investigator posts fell vacant; the limits are recalculated from then and show "
            "the target out of reach until the posts are filled."
        ),
        "background": (
            f"{other('CAR03')} formal complaints were received in the month (CAR03); numbers are "
            "in line with previous years, but a higher share concern community mental health "
            "waits and need input from several services."
        ),
        "root_causes": (
            "Two of the five complaints investigator posts have been vacant since August 2024, "
            "and responses involving more than one directorate wait for sign-off in each. Draft "
            "responses spend a median of 9 working days in executive sign-off."
        ),
        "assumptions": (
            "The recovery assumes both investigator posts are filled by May 2025 and that "
            "delegated sign-off by directors of operations is agreed by the executive team."
        ),
        "expected_impact": (
            "Backlog of overdue responses cleared by the end of May 2025; performance back "
            "above 85% from July 2025."
        ),
        "risks": (
            "Reputational risk and referrals to the Ombudsman "
            f"({other('CAR06')} in the month, CAR06). Complainants whose response is overdue "
            "are contacted weekly by their investigator."
        ),
        "assurance": (
            "Not assured: performance is consistently below target and recruitment has slipped "
            "once already."
        ),
        "data_quality": "Taken from the Ulysses complaints module; no known issues.",
    }


def _nbv(f: StoryFacts, other: Lookup) -> dict[str, str]:
    return {
        "chart_shows": (
            f"{f.fmt(f.latest)} of new birth visits were completed within 14 days in {f.month} "
            f"({f.numerator:.0f} of {f.denominator:.0f} births notified), against the "
            f"commissioner's 90%. Since {f.step_month} the average is {f.fmt(f.since_mean)}, "
            f"down from {f.fmt(f.before_mean)}, as health visitor vacancies grew; the limits "
            "start again at that change, and the new process sits below the commissioner's "
            "level."
        ),
        "background": (
            "Health visitor vacancies reached 18% in the summer of 2024, with the highest gaps "
            f"in the city teams. The 1-year review ({other('RES21-12M')}, RES21-12M) has also "
            "fallen as capacity was moved to protect new birth visits for families with "
            "safeguarding concerns."
        ),
        "root_causes": (
            "Capacity, not demand: births notified are stable. Visits missed within 14 days are "
            "mostly for families assessed as universal need, visited by day 21 instead."
        ),
        "assumptions": (
            "Seven newly qualified health visitors start in September 2025 after the specialist "
            "community public health nursing course; the plan assumes no further leavers above "
            "the current rate."
        ),
        "expected_impact": (
            "Improvement to around 88% by June 2025 from the skill-mix model, and back above "
            "90% once the new health visitors are in post in the autumn."
        ),
        "risks": (
            "Risk of missed early identification of maternal mental health and safeguarding "
            "concerns: every family with a safeguarding flag is still visited within 14 days."
        ),
        "assurance": "Partially assured: prioritisation protects the families most at risk.",
        "data_quality": "SystmOne extract; births notified late by maternity are excluded.",
    }


def _sickness(f: StoryFacts, other: Lookup) -> dict[str, str]:
    return {
        "chart_shows": (
            f"Sickness absence was {f.fmt(f.latest)} in {f.month} against a ceiling of "
            f"{f.fmt(f.target)}. Absence has run higher since {f.step_month} (average "
            f"{f.fmt(f.since_mean)}, against {f.fmt(f.before_mean)} in the year before), beyond "
            "the usual winter rise; the People Committee accepted the new level and the limits "
            "are recalculated from it."
        ),
        "background": (
            "The rise is in long-term absence; anxiety, stress and depression remain the "
            "largest single reason. Agency use has not fallen as planned partly because of "
            f"absence cover: agency spend was {other('WEL04')} of the pay bill (WEL04)."
        ),
        "root_causes": (
            "Absence is highest in inpatient wards and community nursing, where vacancies mean "
            "sustained extra shifts; return-to-work interviews are recorded for only part of "
            "absences, so early support is not offered consistently."
        ),
        "assumptions": (
            "The occupational health contract extension from April 2025 provides fast-track "
            "physiotherapy and psychological support; managers complete stress risk "
            "assessments for every long-term absence."
        ),
        "expected_impact": (
            "Absence should fall to 5.5% by September 2025 and to the 4.5% ceiling during "
            "2025-26, with the usual winter rise."
        ),
        "risks": (
            "BAF-05 (staff wellbeing, culture and inclusion); absence cover drives agency use."
        ),
        "assurance": (
            "Partially assured: the wellbeing offer is in place, but absence management "
            "practice is inconsistent across teams."
        ),
        "data_quality": (
            f"ESR absence for {f.month} is provisional: absences recorded late are added the "
            "following month, usually raising the rate by about 0.1 percentage points."
        ),
    }


def _bppc(f: StoryFacts, other: Lookup) -> dict[str, str]:
    return {
        "chart_shows": (
            f"{f.fmt(f.latest)} of non-NHS invoices ({f.numerator:,.0f} of {f.denominator:,.0f}) "
            f"were paid within 30 days in {f.month}, against the 95% Better Payment Practice "
            f"Code. Performance dropped in {f.step_month}, from {f.fmt(f.before_mean)} to an "
            f"average of {f.fmt(f.since_mean)}, when the new system went live, and has not "
            "recovered; the limits are recalculated from the go-live."
        ),
        "background": (
            "The new procure-to-pay system went live in August 2024. Invoices without a valid "
            "purchase order or a goods receipt are held in a queue the old process did not have."
        ),
        "root_causes": (
            "Goods receipting in the new system is done late by budget holders (median 11 days "
            "after delivery), and around one invoice in eight arrives without a purchase order "
            "number."
        ),
        "assumptions": "Budget holders receipt within 3 working days after training completes.",
        "expected_impact": (
            "Back above 95% by June 2025; the NHS invoices series (FIN08-NHS, "
            f"{other('FIN08-NHS')}) should recover at the same time."
        ),
        "risks": (
            "Supplier relationships and late-payment interest; no supplier has stopped supply."
        ),
        "assurance": (
            "Partially assured: the cause is well understood and within the trust's control."
        ),
        "data_quality": "From the accounts payable system; counts are final at month end.",
    }


def _crfd(f: StoryFacts, other: Lookup) -> dict[str, str]:
    return {
        "chart_shows": (
            f"Patients clinically ready for discharge occupied {f.fmt(f.latest)} of community "
            f"hospital bed days in {f.month} ({f.numerator:,.0f} bed days), against a ceiling of "
            f"{f.fmt(f.target)}. Since {f.step_month} the average is {f.fmt(f.since_mean)}, up "
            f"from {f.fmt(f.before_mean)}, after interim-placement funding ended; the limits "
            "are recalculated from that month."
        ),
        "background": (
            f"Community hospital occupancy was {other('EFF09-CHS')} (EFF09-CHS) and average length "
            f"of stay {other('EFF16')} (EFF16). Most delays are for packages of home care and "
            "for care-home placements for people with dementia."
        ),
        "root_causes": (
            "Home care capacity in the county fell after two providers left the market in the "
            "summer; the discharge-to-assess funding for interim placements ended in June 2024."
        ),
        "assumptions": (
            "The local authority's new home care framework starts in May 2025 as planned; "
            "discharge funding for 2025-26 is confirmed at the 2024-25 level."
        ),
        "expected_impact": (
            "A fall to around 12% by July 2025; the system discharge plan is reviewed at the "
            "urgent and emergency care board each month."
        ),
        "risks": (
            "Flow from acute hospitals slows, raising acute occupancy; tracked at system level."
        ),
        "assurance": "Not assured: the main levers sit with system partners.",
        "data_quality": "Recorded daily on the EPR discharge tracker and checked weekly.",
    }


def _cyp_ed(f: StoryFacts, other: Lookup) -> dict[str, str]:
    return {
        "chart_shows": (
            f"{f.fmt(f.latest)} of routine referrals ({f.numerator:.0f} of "
            f"{f.denominator:.0f}) started treatment within 4 weeks in {f.month}, against the "
            "95% national standard. Variation is common cause, but the target sits above the "
            "process limits for most of the last year: it will be met only by chance."
        ),
        "background": (
            "Referrals have grown by about a third since 2021, with more young people arriving "
            "medically unstable. Urgent referrals are protected "
            f"({other('RES03')} treated within 1 week, RES03), which lengthens routine waits."
        ),
        "root_causes": (
            "Dietetic and family-therapy capacity: two posts were vacant for most of 2024-25. "
            "Routine assessments are booked by clinician availability, not by referral date."
        ),
        "assumptions": (
            "Dietitian recruitment completes by June 2025; "
            "referral growth continues at the same rate."
        ),
        "expected_impact": (
            "Routine performance above 85% by September 2025 and at 95% in 2025-26 quarter 4."
        ),
        "risks": (
            "Deterioration while waiting: "
            "every routine referral is reviewed weekly by a consultant."
        ),
        "assurance": (
            "Partially assured: the service is safe, but the standard will not be met this year."
        ),
        "data_quality": (
            "Small numbers: one referral changes the rate by several percentage points."
        ),
    }


def _cmh_waits(f: StoryFacts, other: Lookup) -> dict[str, str]:
    return {
        "chart_shows": (
            f"{f.fmt(f.latest)} adults open to community mental health teams had waited more "
            f"than 52 weeks for a second contact at the end of {f.month}. The waiting list was "
            f"{other('RES06-LIST')} (RES06-LIST), with a median wait of {other('RES06-MED')} "
            f"and a 90th percentile of {other('RES06-P90')}."
        ),
        "background": (
            "Figures are computed from patient-level referrals with the national definition "
            "(clock stops at the second attended direct contact)."
        ),
        "root_causes": (
            "Psychology and care-coordination capacity in the community teams is below "
            "demand; referrals have grown faster than the workforce since 2022."
        ),
        "assumptions": (
            "Validation removes referrals that should have been closed; new posts are filled."
        ),
        "expected_impact": (
            "Long waits to fall through 2025-26 as the community transformation posts start."
        ),
        "risks": "BAF-03 (access to services) and CRR-104 (community team caseloads).",
        "assurance": "Not assured: waits are long and the recovery plan is at an early stage.",
        "data_quality": "Includes referrals awaiting validation; a validation sprint is under way.",
    }


_D = date
STORIES: dict[str, Story] = {
    "oap": Story(
        "EFF06",
        "Deputy Chief Operating Officer, Mental Health",
        AssuranceLevel.PARTIALLY_ASSURED,
        _oap,
        (
            ActionPlan(
                "EFF06-A1",
                "Open ten step-down beds with the local authority for people "
                "awaiting supported accommodation",
                "Director of Operations, Mental Health",
                _D(2024, 9, 16),
                (
                    (_D(2025, 3, 31), ON, None),
                    (
                        _D(2025, 4, 30),
                        RISK,
                        "Fire safety works at the host site delayed handover by a month",
                    ),
                    (_D(2025, 4, 30), ON, "Handover confirmed for 22 April"),
                ),
            ),
            ActionPlan(
                "EFF06-A2",
                "Recruit to a seven-day crisis team rota so that every admission "
                "is gate-kept at weekends",
                "Service Manager, Crisis and Home Treatment",
                _D(2024, 10, 7),
                (
                    (_D(2025, 2, 28), ON, None),
                    (_D(2025, 2, 28), RISK, "Four of six posts filled"),
                    (_D(2025, 5, 31), OFF, "Two posts re-advertised; due date moved to May"),
                ),
            ),
            ActionPlan(
                "EFF06-A3",
                "Daily system call with the local authority on every adult acute "
                "patient clinically ready for discharge",
                "Head of Patient Flow, Mental Health",
                _D(2024, 8, 1),
                (
                    (_D(2024, 12, 31), DONE, "In place from 2 December"),
                    (_D(2024, 12, 31), DONE, None),
                    (_D(2024, 12, 31), DONE, None),
                ),
            ),
        ),
    ),
    "falls": Story(
        "SAF11",
        "Head of Nursing, Community Health Services",
        AssuranceLevel.PARTIALLY_ASSURED,
        _falls,
        (
            ActionPlan(
                "SAF11-A1",
                "Introduce bay observation (cohort nursing) for patients at high "
                "risk of falls on all three community hospital wards",
                "Matron, Community Hospitals",
                _D(2024, 10, 14),
                (
                    (_D(2025, 1, 31), ON, None),
                    (_D(2025, 3, 31), RISK, "Two wards live; St Anne's waiting for staffing"),
                    (_D(2025, 4, 30), RISK, "St Anne's go-live moved to April"),
                ),
            ),
            ActionPlan(
                "SAF11-A2",
                "Re-audit lying and standing blood pressure within 24 hours of "
                "admission after targeted teaching",
                "Falls Prevention Lead",
                _D(2024, 11, 4),
                (
                    (_D(2025, 2, 28), ON, None),
                    (_D(2025, 2, 28), DONE, "Compliance rose from 64% to 88%"),
                    (_D(2025, 2, 28), DONE, None),
                ),
            ),
            ActionPlan(
                "SAF11-A3",
                "Repeat delirium screening (4AT) after any change in condition",
                "Consultant Geriatrician, Community Hospitals",
                _D(2025, 2, 10),
                (None, (_D(2025, 5, 31), ON, None), (_D(2025, 5, 31), ON, None)),
            ),
        ),
    ),
    "complaints": Story(
        "CAR05",
        "Head of Patient Experience",
        AssuranceLevel.NOT_ASSURED,
        _complaints,
        (
            ActionPlan(
                "CAR05-A1",
                "Fill the two vacant complaints investigator posts",
                "Head of Patient Experience",
                _D(2024, 9, 2),
                (
                    (_D(2025, 1, 31), RISK, "One candidate withdrew"),
                    (_D(2025, 4, 30), OFF, "Re-advertised; interim agency investigator in post"),
                    (_D(2025, 5, 31), RISK, "Both posts offered; start dates in May"),
                ),
            ),
            ActionPlan(
                "CAR05-A2",
                "Delegate sign-off of single-directorate responses to directors of operations",
                "Chief Nurse",
                _D(2024, 12, 9),
                (
                    (_D(2025, 2, 28), ON, None),
                    (_D(2025, 2, 28), DONE, "Agreed by the executive team on 18 February"),
                    (_D(2025, 2, 28), DONE, None),
                ),
            ),
        ),
    ),
    "nbv": Story(
        "RES21-NBV",
        "Service Lead, 0-19 Healthy Together",
        AssuranceLevel.PARTIALLY_ASSURED,
        _nbv,
        (
            ActionPlan(
                "RES21-NBV-A1",
                "Skill-mix model: community nursery nurses complete universal "
                "follow-up contacts so health visitors can prioritise new birth visits",
                "Head of Service, 0-19 Healthy Together",
                _D(2024, 9, 23),
                (
                    (_D(2025, 3, 31), ON, None),
                    (_D(2025, 3, 31), ON, None),
                    (_D(2025, 5, 31), RISK, "Competency sign-off took longer than planned"),
                ),
            ),
            ActionPlan(
                "RES21-NBV-A2",
                "Sponsor seven specialist community public health nursing "
                "students to qualify in September 2025",
                "Deputy Chief Nurse",
                _D(2024, 8, 5),
                (
                    (_D(2025, 9, 30), ON, None),
                    (_D(2025, 9, 30), ON, None),
                    (_D(2025, 9, 30), ON, None),
                ),
            ),
        ),
    ),
    "sickness": Story(
        "WEL01",
        "Deputy Chief People Officer",
        AssuranceLevel.PARTIALLY_ASSURED,
        _sickness,
        (
            ActionPlan(
                "WEL01-A1",
                "Extend the occupational health contract to include fast-track "
                "physiotherapy and psychological support",
                "Head of Health and Wellbeing",
                _D(2024, 11, 11),
                (
                    (_D(2025, 3, 31), ON, None),
                    (_D(2025, 3, 31), ON, None),
                    (_D(2025, 3, 31), DONE, "Contract variation signed"),
                ),
            ),
            ActionPlan(
                "WEL01-A2",
                "Absence management training for every ward and team manager, "
                "with return-to-work interviews recorded in ESR",
                "People Partner, Clinical Directorates",
                _D(2024, 10, 21),
                (
                    (_D(2025, 1, 31), RISK, "58% of managers trained"),
                    (_D(2025, 3, 31), RISK, "Due date moved: winter pressures cancelled sessions"),
                    (_D(2025, 4, 30), OFF, "74% trained; remaining sessions in April"),
                ),
            ),
        ),
    ),
    "bppc": Story(
        "FIN08-NONNHS",
        "Deputy Director of Finance",
        AssuranceLevel.PARTIALLY_ASSURED,
        _bppc,
        (
            ActionPlan(
                "FIN08-A1",
                "Goods-receipting training for all budget holders, with weekly "
                "lists of unreceipted invoices",
                "Financial Controller",
                _D(2024, 10, 1),
                (
                    (_D(2025, 1, 31), ON, None),
                    (_D(2025, 3, 31), RISK, "Take-up lower in community services"),
                    (_D(2025, 3, 31), DONE, "All directorates trained"),
                ),
            ),
            ActionPlan(
                "FIN08-A2",
                "No purchase order, no pay: suppliers told that invoices without "
                "a purchase order will be returned",
                "Head of Procurement",
                _D(2025, 1, 13),
                (
                    (_D(2025, 4, 30), ON, None),
                    (_D(2025, 4, 30), ON, None),
                    (_D(2025, 4, 30), ON, None),
                ),
            ),
        ),
    ),
    "crfd": Story(
        "EFF10",
        "Head of Flow and Discharge, Community Health Services",
        AssuranceLevel.NOT_ASSURED,
        _crfd,
        (
            ActionPlan(
                "EFF10-A1",
                "Trusted assessor agreement with home care providers so "
                "packages restart without a new social care assessment",
                "Director of Community Health Services",
                _D(2024, 9, 9),
                (
                    (_D(2025, 1, 31), RISK, "Two of five providers signed"),
                    (_D(2025, 3, 31), RISK, "Four of five providers signed"),
                    (_D(2025, 3, 31), DONE, "All five providers signed"),
                ),
            ),
            ActionPlan(
                "EFF10-A2",
                "Escalate delays over 7 days to the system discharge cell daily",
                "Head of Flow and Discharge, Community Health Services",
                _D(2024, 8, 12),
                (
                    (_D(2024, 10, 31), DONE, None),
                    (_D(2024, 10, 31), DONE, None),
                    (_D(2024, 10, 31), DONE, None),
                ),
            ),
        ),
    ),
    "cyp_ed": Story(
        "RES04",
        "Head of Service, CAMHS",
        AssuranceLevel.PARTIALLY_ASSURED,
        _cyp_ed,
        (
            ActionPlan(
                "RES04-A1",
                "Book routine assessments in referral order from a single waiting list",
                "Service Manager, CAMHS Eating Disorders",
                _D(2024, 12, 2),
                (
                    (_D(2025, 2, 28), ON, None),
                    (_D(2025, 2, 28), DONE, None),
                    (_D(2025, 2, 28), DONE, None),
                ),
            ),
            ActionPlan(
                "RES04-A2",
                "Recruit two specialist dietitians",
                "Head of Service, CAMHS",
                _D(2024, 10, 14),
                (
                    (_D(2025, 3, 31), RISK, "No appointable candidates"),
                    (
                        _D(2025, 6, 30),
                        OFF,
                        "Moved to June: re-advertised with a recruitment premium",
                    ),
                    (_D(2025, 6, 30), RISK, "One post offered"),
                ),
            ),
        ),
        deep_dive_requested_by="Quality Committee",
    ),
    "cmh_waits": Story(
        "RES07-52W",
        "Director of Operations, Mental Health",
        AssuranceLevel.NOT_ASSURED,
        _cmh_waits,
        (
            ActionPlan(
                "RES07-A1",
                "Validate every referral open more than 52 weeks with the person and their GP",
                "Service Manager, Community Mental Health",
                _D(2024, 11, 18),
                (
                    (_D(2025, 3, 31), ON, None),
                    (_D(2025, 3, 31), RISK, "Half the list validated"),
                    (
                        _D(2025, 6, 30),
                        OFF,
                        "Moved to June: clinical time diverted to urgent reviews",
                    ),
                ),
            ),
        ),
    ),
}
