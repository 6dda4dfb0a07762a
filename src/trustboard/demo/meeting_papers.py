"""The bodies of the demo Board meeting's papers (Markdown), written for the synthetic trust.

Each follows the reference trust's template: Purpose of the Report, Analysis of the Issue,
Proposal, Decision Required.  Every name, event and figure is made up for the demo.
"""

from __future__ import annotations

__all__ = ["PAPERS"]

_CEO = """\
# Purpose of the Report

This report tells the Board what has happened in the trust and around it since the Board last
met in public, what it means for the people who use our services, and what the executive team
is doing about it. Matters that need a decision come to the Board as papers of their own.

# Analysis of the Issue

## Our patients and the people we care for

Demand for community mental health services stayed high through the winter. Referrals to the
adult community teams were about a tenth above the same months last year, and the teams took
on more people with complex needs after discharge from hospital. The neurodevelopmental
assessment waiting list is still our largest single concern: the recovery plan agreed by the
Quality Committee in February is on track for its first milestone, but the longest waits will
not come down until the new assessment capacity opens in the summer.[^waits]

Out-of-area placements for adult acute care fell for the third month running as the two
reopened beds on Ash ward came back into use. The Finance and Performance Committee has asked
for the trajectory to be reported monthly until placements are back within plan.

## Our people

Sickness absence rose in the winter months, mostly from seasonal illness, and the People
Committee has looked closely at the wards where it has been highest for longest. More than 600
colleagues took part in the listening events on the staff survey results; the three themes they
raised most (rosters published earlier, quicker recruitment, and time for supervision) shape the
workforce plan that comes to the Board in June.

## Our partners and the wider system

The integrated care board confirmed the mental health investment standard for the coming year.
Together with the other providers in the county we have agreed a single approach to urgent
mental health care for children and young people, which starts in the autumn. The trust's
community teams joined the county's virtual ward programme for frail older people in March.

## Recognition

The perinatal mental health team was shortlisted for a national award for its work with new
fathers, and two of our nursing associates completed their registered nurse apprenticeships
with distinction.

# Proposal

The Board is asked to receive the report, to note the pressures described and the actions the
executive team is taking, and to hear the detail of each in the performance report and the
committee reports later on the agenda.

# Decision Required

The Board is asked to **note** the report.

[^waits]: The waiting list figures are set out in the Integrated Performance Report (responsive
    domain), item TB/25/054.
"""

_MINUTES = """\
# Purpose of the Report

To present the minutes of the Trust Board meeting held in public on 6 March 2025 for approval
as a true record, and the Board's action log for review.

# Analysis of the Issue

The draft minutes were circulated to members after the meeting and amended for two points of
accuracy. Of the nine actions open at the last meeting, six are complete and proposed for
closure; three are in progress and due at later meetings.

| Action | Lead | Due | Status |
|---|---|---|---|
| TB/24/112 Report on estate condition survey | Director of Finance | May 2025 | Complete |
| TB/25/021 Deep dive on inpatient falls | Chief Nurse | June 2025 | In progress |
| TB/25/030 Staff survey action plan | Director of People | June 2025 | In progress |
| TB/25/033 Board development session on digital | Chief Executive | July 2025 | In progress |

# Proposal

That the minutes are approved as a true record and the completed actions are closed.

# Decision Required

The Board is asked to **approve** the minutes and to **note** the action log.
"""

_FINANCE = """\
# Purpose of the Report

To report the trust's financial position at the end of the financial year (month 12) against
the plan agreed with the integrated care board, and the risks to the plan for the year ahead.

# Analysis of the Issue

The trust ended the year with a small surplus against a break-even plan. Pay spend was above
plan because of temporary staffing on the inpatient wards; this was offset by vacancies in
community services and by interest received. Agency spend was above the system's ceiling for
the year but fell in each of the last four months.

| Measure (£000) | Plan | Actual | Variance |
|---|--:|--:|--:|
| Income | 312,400 | 315,950 | 3,550 |
| Pay | 228,100 | 231,780 | (3,680) |
| Non-pay | 84,300 | 83,940 | 360 |
| Surplus | 0 | 230 | 230 |

![Bar chart of agency spend by quarter against the system ceiling: spend was above the
ceiling in the first three quarters and below it in the fourth](figures/agency.svg)

The capital programme was delivered in full, including the ward refurbishments at the Bradgate
Unit. Cash stayed above the minimum the trust holds for thirty days of operating costs.[^cash]

# Proposal

That the Board takes assurance on the year-end position and notes the risks to next year's plan
set out by the Finance and Performance Committee: the cost of out-of-area placements and the
efficiency programme's reliance on reducing agency spend further.

# Decision Required

The Board is asked to take **assurance** on the financial position.

[^cash]: Cash at 31 March 2025 was £41.2 million.
"""

_QUALITY = """\
# Purpose of the Report

To give the Board assurance on the quality and safety of care, drawing on the Quality
Committee's work in April and on what patients, families and staff have told us.

# Analysis of the Issue

## Patient safety

No never events were reported. Inpatient falls rose on the older people's mental health wards,
and the falls improvement group has introduced a post-fall huddle on every ward. Two patient
safety incident investigations were commissioned under the Patient Safety Incident Response
Framework; the learning from both will come to the Quality Committee.

## Patient experience

The Friends and Family Test response rate held steady, with nine in ten people rating their
experience as good or very good. Complaints answered within the agreed timescale fell below the
standard; the complaints team has cleared the backlog of the oldest cases.

## Clinical effectiveness

The deep dive into eating disorder services for children and young people found that waits for
routine assessment meet the national standard, and that urgent cases are seen within a week.

# Proposal

That the Board takes partial assurance: care is safe and effective in most services, with the
falls and complaints actions above followed up by the Quality Committee.

# Decision Required

The Board is asked to take **partial assurance** from the report.
"""

_ESTATES = """\
# Purpose of the Report

To seek the Board's approval to sell the former Hollybank clinic site, which has been empty
since its services moved to the new health centre.

# Analysis of the Issue

Two offers were received after the site was marketed. The preferred bidder's offer is the
higher of the two and is not conditional on planning permission. The terms are commercially
confidential until contracts are exchanged.

# Proposal

That the Board approves the sale to the preferred bidder on the terms set out in the appendix.

# Decision Required

The Board is asked to **approve** the sale.
"""

#: Each paper's file name (in the meeting folder) and body.
PAPERS: dict[str, str] = {
    "minutes-and-actions.md": _MINUTES,
    "chief-executive-report.md": _CEO,
    "finance-report.md": _FINANCE,
    "quality-and-safety-report.md": _QUALITY,
    "estates-hollybank.md": _ESTATES,
}
