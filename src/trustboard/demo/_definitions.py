"""What each demo metric measures and what good looks like, in the words of its national or
local definition (domain.md §3, §10, §11).

:func:`describe` turns a metric's catalogue entry into the definition printed in the pack's
definitions appendix: this text, its numerator and denominator, the target in force at the end
of the demo's latest year with its type and source, and any note about the series (a missing
month, a reporting basis).
"""

from __future__ import annotations

import re
from datetime import date

from trustboard.domain import MetricDefinition, TargetType, Unit

__all__ = ["MEANING", "describe"]

#: Metric id → what it counts and what good looks like.
MEANING: dict[str, str] = {
    # Safe
    "SAF01": "Patient safety incidents of any harm level reported by staff to the Learning from "
    "Patient Safety Events service. Monitored without a target: many reports with a low share "
    "of harm is the sign of an open reporting culture.",
    "SAF02": "Share of reported patient safety incidents whose harm was graded moderate, severe "
    "or fatal. Lower is better, read with the number of reports.",
    "SAF04": "Serious incidents on NHS England's never events list: wholly preventable where "
    "the national guidance and safety barriers are in place. Every one is investigated; good is "
    "none.",
    "SAF05": "Deaths of people open to services where suicide is suspected, counted in the "
    "month of death and revised as the coroner concludes. Lower is better; every death is "
    "reviewed under the suicide prevention strategy.",
    "SAF06": "Share of deaths in scope of the Learning from Deaths policy (the National Quality "
    "Board framework) whose structured judgement review was completed within 3 months. Higher "
    "is better.",
    "SAF07": "Episodes of physical restraint of any duration on mental health and learning "
    "disability wards, recorded as the Mental Health Units (Use of Force) Act 2018 requires, "
    "per 1,000 occupied bed days. Lower is better, with reporting kept complete.",
    "SAF08": "Restraint episodes in which the patient was held face down. National guidance on "
    "positive and proactive care says prone restraint should be avoided; good is none.",
    "SAF09": "Episodes of seclusion (supervised confinement of a patient away from others, as "
    "defined in the Mental Health Act Code of Practice) per 1,000 occupied bed days. Lower is "
    "better.",
    "SAF10": "Episodes of rapid tranquillisation (medicines given by injection to calm acute "
    "disturbance, NICE NG10) on mental health wards. Lower is better.",
    "SAF11": "Inpatient falls of any harm level on community hospital and older people's mental "
    "health wards per 1,000 occupied bed days. Lower is better.",
    "SAF12": "Inpatient falls causing moderate harm, severe harm or death on the same wards. "
    "Good is none.",
    "SAF13": "Category 2, 3, 4 and unstageable pressure ulcers and deep tissue injuries that "
    "developed or worsened while the patient was on a community hospital ward, per 1,000 "
    "occupied bed days. Lower is better.",
    "SAF14": "Category 3, 4 and unstageable pressure ulcers that developed or worsened while "
    "the patient was on a district nursing caseload. Lower is better; each is reviewed for "
    "lapses in care.",
    "SAF15": "Share of reported medication incidents that caused harm to the patient. Lower "
    "is better, alongside a high reporting rate.",
    "SAF16-CDI": "Clostridioides difficile infections attributed to the trust's inpatient units "
    "under UK Health Security Agency mandatory surveillance. Good is staying within the "
    "monthly share of the threshold NHS England sets each year.",
    "SAF16-MRSA": "MRSA bloodstream infections attributed to the trust's inpatient units under "
    "mandatory surveillance. Good is none.",
    "SAF17-RN-DAY": "Registered nurse hours worked on day shifts as a share of the hours planned "
    "on the roster, across every inpatient ward (the national safer staffing return). Higher is "
    "better; above 100% means extra staff for acuity.",
    "SAF17-RN-NIGHT": "Registered nurse hours worked on night shifts as a share of the hours "
    "planned, across every inpatient ward. Higher is better.",
    "SAF18": "Nursing and care support hours worked divided by the patients on the wards at "
    "midnight (care hours per patient day, published in the Model Health System). Monitored "
    "without a target, read against acuity and fill rates.",
    "SAF19": "Incidents of physical or verbal violence and aggression against staff reported on "
    "Datix. Lower is better; under-reporting is the known risk.",
    "SAF20": "Patients detained under the Mental Health Act who left the ward without leave or "
    "did not return from leave (section 18). Lower is better.",
    "SAF21": "Share of staff whose role requires level 3 adult or children's safeguarding "
    "training (intercollegiate documents) who are in date. Higher is better.",
    "SAF22": "Share of community hospital admissions with a venous thromboembolism risk "
    "assessment within 24 hours (NICE NG89). Higher is better.",
    # Effective
    "EFF01": "Share of eligible discharges from adult acute mental health beds followed up "
    "within 72 hours (MHSDS measures MHS78 to MHS80); discharges to prison, another hospital or "
    "abroad are excluded. Higher is better.",
    "EFF02": "Share of people referred with a first episode of psychosis who started treatment "
    "with a NICE-recommended package of care within 2 weeks of referral; both parts must be "
    "met. Higher is better.",
    "EFF03": "Share of people finishing a course of NHS Talking Therapies treatment who started "
    "above the clinical threshold (caseness) and finished below it on both the depression and "
    "the anxiety measure. Higher is better.",
    "EFF04": "Share of people finishing a course of treatment whose scores improved by more than "
    "the measurement error on at least one measure, with no reliable deterioration. Higher is "
    "better.",
    "EFF05": "Share of people finishing treatment at caseness who both moved to recovery and "
    "showed reliable improvement. Higher is better.",
    "EFF06": "Bed days in the month spent by adults placed in an acute or psychiatric intensive "
    "care bed away from local services because no local bed was free. The national ambition is "
    "none; lower is better.",
    "EFF07": "Average length of stay of patients discharged from adult acute wards in the month "
    "(their bed days divided by discharges). Lower is better, provided readmissions do not "
    "rise.",
    "EFF08": "Share of discharges from mental health wards followed by an emergency readmission "
    "within 30 days. Lower is better.",
    "EFF09-MH": "Occupied bed days as a share of available bed days on adult acute mental health "
    "wards. Lower is better: above about 85% a ward has no room to admit safely.",
    "EFF09-CHS": "Occupied bed days as a share of available bed days on community hospital "
    "wards. Lower is better: above about 92% admissions from acute hospitals wait.",
    "EFF10": "Bed days of community hospital patients whose team has agreed they no longer need "
    "a bed (clinically ready for discharge) as a share of occupied bed days. Lower is better.",
    "EFF11": "Share of admissions to adult acute beds assessed first by the crisis resolution "
    "and home treatment team (gate-kept). Higher is better.",
    "EFF12": "Share of people on GP severe mental illness registers who had all six physical "
    "health checks (body mass index, blood pressure, lipids, glucose or HbA1c, alcohol and "
    "smoking) in the last 12 months. Higher is better.",
    "EFF13": "Recorded dementia diagnoses of people aged 65 and over as a share of the number "
    "expected from prevalence estimates (the national dementia diagnosis rate). Higher is "
    "better.",
    "EFF14": "Share of people on a mental health care plan whose plan was reviewed with them in "
    "the last 12 months. Higher is better.",
    "EFF15": "Share of closed referrals with two or more contacts that have the same outcome "
    "measure recorded at two points (paired scores). Higher is better.",
    "EFF16": "Average length of stay of patients discharged from community hospital wards in the "
    "month. Lower is better.",
    "EFF17": "Virtual ward patient days as a share of the virtual ward's capacity. Higher is "
    "better.",
    "EFF18": "Share of Care (Education) and Treatment Reviews for people with a learning "
    "disability or autism in specialist inpatient care held within the timescale of NHS "
    "England's policy. Higher is better.",
    "EFF19": "People with a learning disability, autism or both in specialist inpatient beds at "
    "month end (Assuring Transformation). Lower is better, along the Building the Right Support "
    "trajectory.",
    "EFF20": "Share of new detentions where the patient was told of their rights under section "
    "132 of the Mental Health Act within 24 hours, orally and in writing. Higher is better.",
    # Caring
    "CAR01": "Share of Friends and Family Test responses rating the experience very good or "
    "good, out of all responses. Higher is better.",
    "CAR02": "Friends and Family Test responses received across all services. Higher is better: "
    "more people heard.",
    "CAR03": "Formal complaints received under the NHS complaints regulations. Monitored without "
    "a target, read with PALS concerns and complaint themes.",
    "CAR04": "Share of formal complaints acknowledged within 3 working days of receipt, as the "
    "complaints regulations require. Good is every complaint.",
    "CAR05": "Share of complaint responses due in the month that were sent within the timescale "
    "agreed with the complainant. Higher is better.",
    "CAR06": "Complaints the Parliamentary and Health Service Ombudsman accepted for "
    "investigation. Lower is better.",
    "CAR07": "Written and verbal compliments from patients, families and carers recorded by "
    "services. Higher is better.",
    "CAR08": "Concerns raised with the Patient Advice and Liaison Service and resolved "
    "informally. Monitored without a target.",
    "CAR09": "Breaches of the requirement for same-sex sleeping and bathroom facilities, each "
    "reported nationally. Good is none.",
    "CAR10": "Share of carers identified by services who were offered a carer's assessment or a "
    "contact of their own. Higher is better.",
    # Responsive
    "RES01": "Share of people finishing a course of NHS Talking Therapies treatment in the month "
    "who entered treatment within 6 weeks of referral. Higher is better.",
    "RES02": "Share of people finishing a course of NHS Talking Therapies treatment in the month "
    "who entered treatment within 18 weeks of referral. Higher is better.",
    "RES03": "Share of urgent referrals of children and young people with an eating disorder who "
    "started NICE-concordant treatment within 1 week. Higher is better.",
    "RES04": "Share of routine referrals of children and young people with an eating disorder "
    "who started NICE-concordant treatment within 4 weeks. Higher is better.",
    "RES05": "Share of adult community mental health referrals reaching their second attended "
    "contact in the month whose wait from referral was 28 days or less (the clock of the "
    "proposed 4-week standard). Higher is better.",
    "RES06-LIST": "Referrals open to adult community mental health teams still waiting for a "
    "second attended contact at month end. Lower is better.",
    "RES06-MED": "Median days waited so far by the adult community mental health referrals "
    "still waiting for a second contact at month end. Lower is better.",
    "RES06-P90": "Days waited so far by the adult community mental health referral at the 90th "
    "percentile of those still waiting at month end: the long tail of the list. Lower is "
    "better.",
    "RES07-52W": "Adult community mental health referrals waiting more than 52 weeks for a "
    "second contact at month end. Good is none.",
    "RES08-4W": "Share of children's and young people's mental health referrals reaching a "
    "first attended contact in the month within 28 days of referral. Higher is better.",
    "RES08-LIST": "Children's and young people's mental health referrals still waiting for a "
    "first attended contact at month end. Lower is better.",
    "RES08-52W": "Children's and young people's mental health referrals waiting more than 52 "
    "weeks for a first contact at month end. Good is none.",
    "RES11-LIST": "Patients on community health services waiting lists at month end, counted as "
    "the Community Health Services SitRep counts them. Lower is better.",
    "RES11-52W": "Patients on community health services waiting lists who had waited more than "
    "52 weeks at month end. Good is none.",
    "RES12": "Share of incomplete consultant-led referral-to-treatment pathways in community "
    "paediatrics waiting 18 weeks or less at month end (the NHS Constitution standard). Higher "
    "is better.",
    "RES13": "Incomplete consultant-led pathways in community paediatrics waiting more than 52 "
    "weeks at month end. Good is none.",
    "RES09": "Children and young people aged 0 to 17 with at least one contact from NHS-funded "
    "mental health services in the 12 months to month end (the MHSDS access measure). Higher is "
    "better.",
    "RES14": "Share of children waiting for an audiology diagnostic test at month end who had "
    "waited under 6 weeks (the DM01 return). Higher is better.",
    "RES15": "Share of referrals in scope of the 2-hour urgent community response standard "
    "reached by the team within 2 hours. Higher is better.",
    "RES16-4H": "Share of very urgent referrals to the crisis resolution and home treatment team "
    "seen face to face within 4 hours. Higher is better.",
    "RES16-24H": "Share of urgent referrals to the crisis resolution and home treatment team "
    "seen face to face within 24 hours. Higher is better.",
    "RES17": "Share of emergency department referrals to mental health liaison seen face to face "
    "within 1 hour. Higher is better.",
    "RES18": "Share of people given a diagnosis by the memory assessment service in the month "
    "who were diagnosed within 6 weeks of referral. Higher is better.",
    "RES19": "Share of booked first and follow-up appointments that the patient missed without "
    "notice. Lower is better.",
    "RES20": "Share of booked children's appointments the child was not brought to; each is "
    "followed up as a possible safeguarding concern. Lower is better.",
    "RES21-NBV": "Share of births notified whose health visitor new birth visit took place "
    "within 14 days (Healthy Child Programme). Higher is better.",
    "RES21-12M": "Share of children turning one in the month who had their health visitor "
    "review by 12 months of age. Higher is better.",
    "RES24": "Share of minor injuries unit attendances completed (discharged, referred or "
    "transferred) within 4 hours of arrival. Higher is better.",
    "RES25-LIST": "Children and young people waiting for a neurodevelopmental (autism or ADHD) "
    "assessment at month end. Lower is better.",
    "RES25-52W": "Children and young people who had waited more than 52 weeks for a "
    "neurodevelopmental assessment at month end. Lower is better; good is none.",
    "RES26": "Share of people waiting over 18 weeks for community mental health, CAMHS or "
    "neurodevelopmental services who had a documented risk review or contact in the last 3 "
    "months (the waiting list harm-review protocol). Higher is better.",
    # Well-led
    "WEL01": "Full-time-equivalent days lost to sickness as a share of the days available (the "
    "NHS Digital method). Lower is better.",
    "WEL02": "Full-time-equivalent leavers in the last 12 months divided by the average staff in "
    "post over the same 12 months. Lower is better, within a healthy range.",
    "WEL03": "Vacant funded posts as a share of the funded establishment, in full-time "
    "equivalents. Lower is better.",
    "WEL04": "Agency staff costs as a share of the total pay bill. Lower is better, and within "
    "the system agency limit NHS England sets each year.",
    "WEL05": "Agency shifts filled through agencies not on an approved framework, which NHS "
    "England's agency rules allow only in exceptional cases. Good is none.",
    "WEL06": "Whole-time equivalents worked by bank staff in the month. Monitored without a "
    "target, read with vacancies and agency use.",
    "WEL07": "Share of required statutory and mandatory training competences that are in date "
    "(Core Skills Training Framework). Higher is better.",
    "WEL08": "Share of eligible non-medical staff with an appraisal in the last 12 months. Higher "
    "is better.",
    "WEL09": "Share of clinicians who received clinical supervision as often as the policy "
    "requires. Higher is better.",
    "WEL13": "Concerns raised with the Freedom to Speak Up guardians. Monitored without a "
    "target: a rise can mean more confidence in speaking up.",
    "WEL14": "Average days from job advert to unconditional offer for hires in the month. Lower "
    "is better.",
    "WEL15": "NHS England's Data Quality Maturity Index for the trust's Mental Health Services "
    "Data Set submission: the share of data items that are valid and complete. Higher is "
    "better.",
    "WEL16": "Personal data breaches serious enough to be reported to the Information "
    "Commissioner's Office within 72 hours. Good is none.",
    "WEL17": "Share of Freedom of Information requests answered within the 20 working days the "
    "Act allows. Higher is better.",
    "WEL18": "Share of trust policies within their review date. Higher is better.",
    # Finance
    "FIN01": "Surplus or deficit for the year to date less the plan agreed with the integrated "
    "care board. Good is on plan or better.",
    "FIN02": "Forecast surplus or deficit for the year less the plan. Good is on plan or better.",
    "FIN03": "Efficiency (cost improvement) savings delivered in the year to date less the "
    "savings planned. Good is on plan or better.",
    "FIN04": "Spend on agency staff in the month, in £000. Lower is better, within the monthly "
    "share of the system agency ceiling.",
    "FIN05": "Pay expenditure in the month less the pay budget; an overspend is positive. Good "
    "is at or under budget.",
    "FIN06": "Capital expenditure in the year to date less the capital plan (the trust's share "
    "of the system capital allocation). Good is close to plan.",
    "FIN07": "Cash and cash equivalents at month end. Higher is better; the cash plan keeps a "
    "minimum balance for payroll and suppliers.",
    "FIN08-NONNHS": "Share of non-NHS supplier invoices paid within 30 days of receipt or the "
    "due date, by number (Better Payment Practice Code). Higher is better.",
    "FIN08-NHS": "Share of invoices from NHS bodies paid within 30 days, by number (Better "
    "Payment Practice Code). Higher is better.",
    "FIN09": "Spend in the month on inappropriate out-of-area placements, in £000. Lower is "
    "better.",
    "FIN10": "Bank and agency staff costs as a share of the total pay bill. Lower is better.",
    "FIN11": "Value of invoices raised by the trust that are more than 90 days overdue, in £000. "
    "Lower is better.",
    # Context
    "RES22": "Referrals received by all services in the month. Monitored without a target as a "
    "measure of demand.",
    "RES23": "Clinical contacts delivered in the month, face to face, by video or by telephone. "
    "Monitored without a target as a measure of activity.",
    "CTX01": "Bed days occupied across every inpatient ward at the midnight census. Monitored "
    "without a target.",
    "CTX02": "New detentions under any section of the Mental Health Act in the month, including "
    "place-of-safety orders. Monitored without a target; read with occupancy and "
    "out-of-area placements.",
    "CTX03": "Substantive staff in post at month end, in whole-time equivalents. Monitored "
    "without a target.",
}

_TYPE_LABELS = {
    TargetType.NATIONAL_STANDARD: "national standard",
    TargetType.NATIONAL_AMBITION: "national ambition",
    TargetType.CONTRACTUAL: "contractual",
    TargetType.LOCAL: "local target",
    TargetType.TRAJECTORY: "trajectory",
}

#: The day whose targets the definition quotes (the end of the demo's latest year).
_TARGET_DAY = date(2025, 3, 31)


def _target_value(value: float, unit: Unit) -> str:
    if unit is Unit.PERCENT:
        return f"{value * 100:g}%"
    if unit is Unit.GBP_000:
        return f"£{value:,.0f}k"
    if unit in (Unit.DAYS, Unit.HOURS):
        return f"{value:g} {unit.value}"
    return f"{value:,g}"


def describe(definition: MetricDefinition, note: str | None = None) -> str:
    """The metric's definition for the appendix: meaning, numerator and denominator, the
    standard in force in 2024-25 (or that it has none) and ``note``."""
    meaning = MEANING[definition.id]
    parts = [meaning]
    # a share names its numerator and denominator in its meaning; other ratios say them
    if definition.numerator and definition.denominator and not meaning.startswith("Share of"):
        parts.append(f"Numerator: {definition.numerator}; denominator: {definition.denominator}.")
    target = definition.target_on(_TARGET_DAY)
    if target is not None:
        comparator = {">=": "≥", "<=": "≤"}.get(target.comparator.value, "=")
        # the planning year a by-year target names is the year quoted already
        source = re.sub(r" \(\d{4}-\d{2}\)$", "", target.source or "")
        parts.append(
            f"Standard in 2024-25: {comparator} {_target_value(target.value, definition.unit)}, "
            f"{_TYPE_LABELS[target.type]}{f' ({source})' if source else ''}."
        )
    if note:
        parts.append(note)
    return " ".join(parts)
