"""Commentary and actions of the demo trust for its last three reporting months.

For each reporting month the SPC engine reads every trust-level series
(:mod:`trustboard.demo.assessment`); each metric a performance lead reports by exception gets
a commentary in the sections of :data:`~trustboard.domain.COMMENTARY_SECTIONS`.  Metrics with
a designed story (:mod:`trustboard.demo._stories`) get their bespoke narrative; the others a
narrative written from their own figures.  Actions are carried forward month to month: the
action log holds every action as it stood at each month, so due dates that slip stay visible.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

import polars as pl

from trustboard.demo._facts import StoryFacts, collect_facts, format_value
from trustboard.demo._notes import NOTES
from trustboard.demo._spec import PROVISIONAL, DemoMetric
from trustboard.demo._stories import STORIES, ActionPlan, Lookup
from trustboard.demo.assessment import SeriesAssessment, assess_series, exception_metric_ids
from trustboard.demo.organisation import DIRECTORATES, TRUST_CODE
from trustboard.demo.paper import meeting_dates
from trustboard.demo.values import LATEST_PERIOD
from trustboard.domain import (
    COMMENTARY_SECTIONS,
    Action,
    ActionStatus,
    AssuranceLevel,
    Commentary,
    MetricDefinition,
    OrgUnit,
    Period,
)
from trustboard.domain.period import months_between

__all__ = ["REPORTING_MONTHS", "Narrative", "build_narrative", "reporting_periods"]

#: How many months of commentary the demo carries (the latest and the two before).
REPORTING_MONTHS = 3


@dataclass(frozen=True, slots=True)
class Narrative:
    """Commentary for every reporting month and the action log.

    ``action_log`` holds, for each reporting month (oldest first), every action as it stood
    when that month was reported; ``actions`` is the latest state of each action.
    ``exceptions`` lists, per reporting month label, the metrics reported by exception.
    """

    commentary: tuple[Commentary, ...]
    action_log: tuple[tuple[Period, tuple[Action, ...]], ...]
    exceptions: dict[str, tuple[str, ...]]

    @property
    def actions(self) -> tuple[Action, ...]:
        """Each action as it stands at the latest reporting month."""
        return self.action_log[-1][1] if self.action_log else ()


def reporting_periods(
    latest: Period = LATEST_PERIOD, months: int = REPORTING_MONTHS
) -> tuple[Period, ...]:
    """The months that carry commentary, oldest first."""
    return tuple(latest.shift(-offset) for offset in range(months - 1, -1, -1))


def _lookup_factory(metrics: Sequence[DemoMetric], values: pl.DataFrame, period: Period) -> Lookup:
    units = {m.id: m.definition.unit for m in metrics}
    month = values.filter(
        (pl.col("org_unit") == TRUST_CODE) & (pl.col("period_start") == period.start)
    )
    found = dict(zip(month["metric_id"].to_list(), month["value"].to_list(), strict=True))

    def lookup(metric_id: str) -> str:
        value = found.get(metric_id)
        return format_value(value, units[metric_id]) if metric_id in units else "not reported"

    return lookup


def _action_at(plan: ActionPlan, metric_id: str, index: int, period: Period) -> Action | None:
    state = plan.timeline[index] if index < len(plan.timeline) else plan.timeline[-1]
    if state is None:
        return None
    due, status, note = state
    first_due = next(entry[0] for entry in plan.timeline if entry is not None)
    # a finished action is dated by its due date, or by the month that reported it if sooner
    completed = None if status.is_open else min(due, period.end)
    return Action(
        id=plan.key,
        metric_id=metric_id,
        description=plan.description,
        owner=plan.owner,
        due=due,
        original_due=first_due,
        status=status,
        opened=plan.opened,
        completed=completed,
        note=note,
    )


def _actions_text(actions: Sequence[Action], subject: str, month: str) -> str:
    """A summary of the recovery plan for ``subject``; the actions themselves are records
    shown in a table."""
    if not actions:
        return (
            f"No new action for {subject[0].lower()}{subject[1:]}: the target was met in "
            f"{month} and the existing controls continue."
        )
    if len(actions) == 1:
        only = actions[0]
        first = (
            f", first promised for {only.original_due.day} {only.original_due:%B %Y}"
            if only.slippage_days and only.original_due is not None
            else ""
        )
        return (
            f"One action in the recovery plan, {only.status.value.replace('_', ' ')}: "
            f"{only.description[0].lower()}{only.description[1:].rstrip('.')} "
            f"({only.owner}, due {only.due.day} {only.due:%B %Y}{first})."
        )
    counts = {status: sum(1 for a in actions if a.status is status) for status in ActionStatus}
    parts = [f"{counts[s]} {s.value.replace('_', ' ')}" for s in ActionStatus if counts[s]]
    slipped = [a for a in actions if a.slippage_days]
    text = f"{len(actions)} actions in the recovery plan for {subject}: {', '.join(parts)}."
    if slipped:
        latest = max(slipped, key=lambda a: (a.slippage_days, a.id))
        text += (
            f" {len(slipped)} moved from the date first promised, the furthest by "
            f"{latest.slippage_days} days ({latest.description[0].lower()}"
            f"{latest.description[1:]}, now due {latest.due:%d %B %Y})."
        )
    owners = sorted({a.owner for a in actions if a.status.is_open})
    if owners:
        text += f" Open actions are owned by: {'; '.join(owners)}."
    return text


def _committee(f: StoryFacts) -> str:
    return f.definition.lead_committees[0] if f.definition.lead_committees else "Trust Board"


def _met(f: StoryFacts) -> bool:
    in_force = f.definition.target_on(f.period.end)
    return in_force is not None and in_force.is_met(f.latest)


def _generic_sections(
    f: StoryFacts, a: SeriesAssessment, metric: DemoMetric, actions: Sequence[Action]
) -> dict[str, str]:
    """A narrative from the metric's own figures and its lead's notes (:data:`NOTES`).

    The variation and assurance are the pack's own statement, computed from the data; the
    narrative adds what the chart cannot say, so it never restates (or contradicts) them.
    Every sentence names this metric or its figures, so no two exceptions read alike.
    """
    d = f.definition
    notes = NOTES.get(d.id)
    subject = d.short_name or d.name
    # a leading acronym (NHS, CYP) keeps its capitals
    lower = subject if subject[1:2].isupper() else f"{subject[0].lower()}{subject[1:]}"
    target = f" against a target of {f.fmt(f.target)}" if f.target is not None else ""
    met = _met(f)
    chart = f"{d.name}: {f.fmt(f.latest)} in {f.month}{target}."
    background = ""
    if d.numerator and d.denominator and f.numerator is not None and f.denominator is not None:
        background = (
            f"In {f.month} this was {f.numerator:,.0f} {d.numerator.lower()} out of "
            f"{f.denominator:,.0f} {d.denominator.lower()}."
        )
    if f.last_year is not None:
        background += f" The same month last year was {f.fmt(f.last_year)}."
    background = background.strip() or f"{d.name} is reported to the {_committee(f)}."
    directorate = DIRECTORATES.get(d.directorate, "trust-wide")
    if met:
        cause = (
            f"The target was met in {f.month} at {f.fmt(f.latest)}; the service reviews "
            f"{lower} at each performance meeting so that a slip is caught early."
        )
    elif notes is not None:
        cause = notes.cause
    else:
        cause = (
            f"No single cause explains {lower} at {f.fmt(f.latest)}; the {directorate} "
            "performance review is tracing it team by team."
        )
    if not met and f.worst_unit and f.best_unit:
        cause += (
            f" Performance was weakest in {f.worst_unit[0]} ({f.fmt(f.worst_unit[1])}) "
            f"and strongest in {f.best_unit[0]} ({f.fmt(f.best_unit[1])})."
        )
    next_month = f.period.next().start.strftime("%B %Y")
    has_target = f.target is not None
    if met:
        impact = (
            f"{subject} met its target in {f.month}; the aim is to hold it there, and the "
            "chart shows whether it does so month after month."
        )
    elif not has_target and not a.concern:
        impact = (
            f"{subject} has no target; it is watched for a change in its usual level of "
            f"{f.fmt(a.mean) if a.mean is not None else f.fmt(f.latest)}."
        )
    elif notes is not None:
        impact = notes.impact
    elif a.assurance_icon == "fail":
        impact = (
            f"{subject} is not expected to reach its target before the end of the first "
            f"quarter of 2025-26; its recovery trajectory goes to the {_committee(f)} in "
            f"{next_month}."
        )
    else:
        impact = (
            f"The aim is to bring {lower} back from {f.fmt(f.latest)} to its usual level "
            "within three months."
        )
    if met:
        assumption = f"Holding {lower} within target assumes the controls of {f.month} continue."
    elif not has_target and not a.concern:
        assumption = f"{subject} is read against its own history: no target applies to it."
    elif notes is not None:
        assumption = notes.assumption
    else:
        assumption = (
            f"Recovery of {lower} assumes demand and staffing in the service stay at their "
            "level of the last twelve months."
        )
    if d.baf_risks or d.risk_register_ids:
        named = (
            [f"{', '.join(d.baf_risks)} on the Board Assurance Framework"] if d.baf_risks else []
        )
        named += (
            [f"{', '.join(d.risk_register_ids)} on the corporate risk register"]
            if d.risk_register_ids
            else []
        )
        risks = (
            f"{d.id} is a key metric for {' and '.join(named)}: at {f.fmt(f.latest)} it "
            "prompts a review of whether the evidence still supports the risk's current score."
        )
    else:
        risks = (
            f"No strategic risk is linked to {d.id}; the operational risk is held on the "
            f"{directorate} risk register and reviewed at the directorate board."
        )
    level = _generic_level(a)
    rating = d.data_quality_rating.value.replace("_", " ")
    assessed = f", last assessed {d.data_quality_date:%B %Y}" if d.data_quality_date else ""
    # written as the month closed: a source that revises the month later says why
    provisional = (
        f"; the {f.month} figure of {f.fmt(f.latest)} is provisional: {PROVISIONAL[d.id]}"
        if d.id in PROVISIONAL
        else f"; the {f.month} figure of {f.fmt(f.latest)} is final at month end"
    )
    quality = f"From {d.data_source}, rated {rating}{assessed}{provisional}."
    gap = re.search(r"[A-Z][a-z]+ \d{4} is missing: [^.]*\.", d.description or "")
    if gap:
        quality += f" {gap.group(0)}"
    if met:
        reason = (
            f"{lower} met its target in {f.month} at {f.fmt(f.latest)}, but one month's "
            "result does not show that it will keep doing so."
        )
    elif level is AssuranceLevel.NOT_ASSURED:
        reason = f"at {f.fmt(f.latest)}{target}, {lower} will not recover without further action."
    elif not has_target and not a.concern:
        reason = (
            f"{lower} has no target to assure against; the chart shows whether its level changes."
        )
    else:
        reason = (
            f"the causes behind {lower} are understood and actions are in place, but "
            f"{f.fmt(f.latest)} in {f.month} shows it has not yet recovered."
        )
    return {
        "chart_shows": chart,
        "background": background,
        "root_causes": cause,
        "actions": _actions_text(actions, subject, f.month),
        "assumptions": assumption,
        "expected_impact": impact,
        "risks": risks,
        "assurance": f"{level.label}: {reason}",
        "data_quality": quality,
    }


def summary_text(f: StoryFacts, sections: dict[str, str], actions: Sequence[Action]) -> str:
    """The Board's summary of an exception: the latest figure, the main cause in one sentence
    and the next step with its owner and date (built from this metric's own facts)."""
    target = f" against {f.fmt(f.target)}" if f.target is not None else ""
    cause = (sections.get("root_causes") or "").split(". ")[0].rstrip(".")
    text = f"{f.definition.name} was {f.fmt(f.latest)} in {f.month}{target}."
    if cause:
        text += f" {cause}."
    open_actions = sorted((a for a in actions if a.status.is_open), key=lambda a: a.due)
    if open_actions:
        first = open_actions[0]
        text += (
            f" Next step: {first.description[0].lower()}{first.description[1:].rstrip('.')} "
            f"({first.owner}, by {first.due.day} {first.due:%B %Y})."
        )
    return text


def _generic_level(a: SeriesAssessment) -> AssuranceLevel:
    if a.assurance_icon == "fail":
        return AssuranceLevel.NOT_ASSURED
    return AssuranceLevel.PARTIALLY_ASSURED


def _slip_note(d: MetricDefinition, moved: str) -> str:
    """Why an action's due date moved, in the metric's own terms: what recovery waits on
    where the lead's notes say, else the directorate review that agreed the move."""
    notes = NOTES.get(d.id)
    if notes is not None:
        waits_on = notes.assumption.rstrip(".")
        return f"Due date moved {moved}; recovery assumes {waits_on[0].lower()}{waits_on[1:]}"
    where = DIRECTORATES.get(d.directorate or "", "trust")
    return f"Due date moved {moved} for {d.short_name or d.name} at the {where} review"


def _generic_action(
    metric: DemoMetric, first_seen: Period, period: Period, still_exception: bool
) -> Action:
    d = metric.definition
    opened = first_seen.end + timedelta(days=12)
    original_due = opened + timedelta(days=61)
    months_open = months_between(first_seen.start, period.start)
    due, status, note = original_due, ActionStatus.ON_TRACK, None
    if months_open >= 2 and still_exception:
        due = original_due + timedelta(days=30)
        status = ActionStatus.AT_RISK
        note = _slip_note(d, "by a month")
    # an open action is never reported as due before the papers are submitted: a date that
    # has passed is moved, and the move shows as slippage
    submitted = max(meeting_dates(period).values()) - timedelta(days=7)
    while due <= submitted:
        due += timedelta(days=30)
        status = ActionStatus.AT_RISK
        note = _slip_note(d, f"to {due.day} {due:%B %Y}")
    notes = NOTES.get(d.id)
    if notes is not None:
        owner, description = notes.owner, notes.action
    else:
        owner = (
            f"Director of Operations, {DIRECTORATES[d.directorate]}"
            if d.directorate in ("MH", "FYPC_LDA", "CHS")
            else (d.exec_lead or "Chief Operating Officer")
        )
        description = (
            f"Agree a recovery plan for {d.name.lower()} at the directorate performance "
            "review, with a monthly trajectory"
        )
    return Action(
        id=f"{d.id}-R1",
        metric_id=d.id,
        description=description,
        owner=owner,
        due=due,
        original_due=original_due,
        status=status,
        opened=opened,
        note=note,
    )


def build_narrative(
    metrics: Sequence[DemoMetric],
    values: pl.DataFrame,
    org_units: Sequence[OrgUnit],
    *,
    latest: Period = LATEST_PERIOD,
    months: int = REPORTING_MONTHS,
) -> Narrative:
    """Commentary and the action log for the ``months`` reporting months ending at ``latest``."""
    periods = reporting_periods(latest, months)
    stories = {story.metric_id: story for story in STORIES.values()}
    by_id = {m.id: m for m in metrics}
    units = tuple(org_units)
    commentary: list[Commentary] = []
    log: list[tuple[Period, tuple[Action, ...]]] = []
    exceptions: dict[str, tuple[str, ...]] = {}
    first_seen: dict[str, Period] = {}
    for index, period in enumerate(periods):
        story_index = index + (REPORTING_MONTHS - months)
        assessments = assess_series(metrics, values, period)
        flagged = exception_metric_ids(metrics, assessments, period)
        # a known issue with a recovery plan keeps its narrative every month, flagged or not
        chosen = [m.id for m in metrics if m.id in flagged or m.id in stories]
        exceptions[period.label()] = tuple(chosen)
        lookup = _lookup_factory(metrics, values, period)
        month_actions: list[Action] = []
        for metric_id in chosen:
            metric = by_id[metric_id]
            facts = collect_facts(metric, values, period, assessments.get(metric_id), units)
            if facts is None:
                continue
            story = stories.get(metric_id)
            if story is not None:
                actions = [
                    a
                    for plan in story.actions
                    if (a := _action_at(plan, metric_id, story_index, period)) is not None
                ]
                subject = metric.definition.short_name or metric.definition.name
                sections = {
                    **story.write(facts, lookup),
                    "actions": _actions_text(actions, subject, facts.month),
                }
                sections["summary"] = summary_text(facts, sections, actions)
                item = _commentary(
                    metric_id,
                    period,
                    sections,
                    story.assurance,
                    story.author,
                    story.deep_dive_requested_by,
                )
            else:
                first = first_seen.setdefault(metric_id, period)
                assessment = assessments[metric_id]
                # a target met this month needs watching, not a recovery plan
                actions = (
                    []
                    if _met(facts) and not assessment.concern
                    else [_generic_action(metric, first, period, True)]
                )
                sections = _generic_sections(facts, assessment, metric, actions)
                sections["summary"] = summary_text(facts, sections, actions)
                item = _commentary(
                    metric_id,
                    period,
                    sections,
                    _generic_level(assessment),
                    "Head of Performance and Business Intelligence, for the "
                    f"{metric.definition.exec_lead}",
                    None,
                )
            commentary.append(item)
            month_actions.extend(actions)
        carried = _carry_forward(log, month_actions, period)
        log.append((period, carried))
    return Narrative(commentary=tuple(commentary), action_log=tuple(log), exceptions=exceptions)


def _carry_forward(
    log: list[tuple[Period, tuple[Action, ...]]], current: list[Action], period: Period
) -> tuple[Action, ...]:
    """This month's actions plus every open action from last month that was not updated."""
    by_id = {a.id: a for a in current}
    if log:
        for action in log[-1][1]:
            if action.id not in by_id and action.status.is_open:
                # not reported on this month: its metric is no longer an exception, so the
                # action closed when the month ended (never dated after the month's papers)
                by_id[action.id] = action.model_copy(
                    update={
                        "status": ActionStatus.COMPLETE,
                        "completed": min(action.due, period.end),
                        "note": (
                            f"Closed: {action.metric_id or 'the metric'} no longer an exception "
                            f"in {period.display()}"
                        ),
                    }
                )
    return tuple(sorted(by_id.values(), key=lambda a: (a.metric_id or "", a.id)))


def _commentary(
    metric_id: str,
    period: Period,
    sections: dict[str, str],
    level: AssuranceLevel,
    author: str,
    deep_dive: str | None,
) -> Commentary:
    ordered = {key: sections[key] for key in COMMENTARY_SECTIONS if sections.get(key)}
    return Commentary(
        metric_id=metric_id,
        period=period.label(),
        org_unit=TRUST_CODE,
        sections=ordered,
        assurance_level=level,
        author=author,
        deep_dive_requested_by=deep_dive,
    )
