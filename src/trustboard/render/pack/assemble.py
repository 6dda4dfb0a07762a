"""From catalogue, values and narrative to a :class:`PackModel` (pure: no store, no files).

The steps are the ones a performance team follows each month:

1. keep the metrics the forum receives (``Forum.receives``), less private ones for a public
   forum;
2. for a public forum, suppress small numbers in the *data* (domain.md §10.3), so every later
   step sees only publishable figures;
3. run the SPC engine once per rule set over every series at once, for the reporting period
   and, to say what changed, for the period before;
4. write the statements, decide the exceptions, compare with the last publication.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

import polars as pl

from trustboard.domain import (
    Action,
    ChartType,
    Commentary,
    Forum,
    MetricDefinition,
    Period,
    PeriodType,
    Unit,
)
from trustboard.domain.governance import Governance
from trustboard.render.pack.committees import name_committees
from trustboard.render.pack.formatting import ASSURANCE_LABELS, VARIATION_LABELS, format_value
from trustboard.render.pack.model import (
    DOMAIN_ORDER,
    ChangeNote,
    DataQualityNote,
    DefinitionNote,
    MetricSection,
    PackModel,
    Revision,
    SeriesPoint,
    SummaryRow,
    Triangulation,
)
from trustboard.render.pack.statement import (
    assurance_with_basis,
    chart_basis,
    statement_for,
    trial_limits_note,
)
from trustboard.render.pack.suppression import SUPPRESSION_MARK, suppress_value
from trustboard.render.pack.triggers import ExceptionRules, exception_reasons
from trustboard.spc import SpcOptions, compute

__all__ = ["PackInputs", "assemble_pack", "published_figures", "select_metrics"]

_RATIO_CHARTS = {ChartType.P, ChartType.PP, ChartType.U, ChartType.UP}
_RATIO_VALUES = {c.value for c in _RATIO_CHARTS}


@dataclass(frozen=True)
class PackInputs:
    """Everything a pack is made from, already read from wherever it is kept.

    ``values`` has the store's value columns (at least ``metric_id``, ``period_start``,
    ``value``; optionally ``numerator``, ``denominator``, ``provisional``, ``org_unit``) and
    only trust-level rows are used unless ``org_unit`` is given.  ``published`` holds the
    figures of the previous publication (``{(metric_id, period label): value}``) to show
    revisions; ``definition_changes`` the dated change notes of each metric's definition.
    """

    forum: Forum
    period: Period
    paper: Governance
    trust_name: str
    metrics: Sequence[MetricDefinition]
    values: pl.DataFrame
    commentary: Sequence[Commentary] = ()
    actions: Sequence[Action] = ()
    definition_changes: Mapping[str, Sequence[tuple[date | None, str]]] = field(
        default_factory=dict
    )
    published: Mapping[tuple[str, str], float | None] = field(default_factory=dict)
    previous_publication: str | None = None
    baf_html: str | None = None
    synthetic: bool = False
    data_as_of: datetime | None = None
    rules: ExceptionRules = field(default_factory=ExceptionRules)
    history_periods: int = 24
    org_unit: str | None = None
    #: committee code -> the name the catalogue gives it (``committees.committee_names``)
    committee_names: Mapping[str, str] = field(default_factory=dict)
    #: org unit code -> name (the store's org units): directorate codes are shown with them
    org_unit_names: Mapping[str, str] = field(default_factory=dict)


def select_metrics(forum: Forum, metrics: Sequence[MetricDefinition]) -> list[MetricDefinition]:
    """The metrics the forum receives, in pack order (domain, directorate, id); private
    metrics are left out of a public forum's pack."""
    chosen = [
        m
        for m in metrics
        if forum.receives(m.id, m.lead_committees) and not (forum.public and m.private)
    ]
    order = {d: i for i, d in enumerate(DOMAIN_ORDER)}
    return sorted(
        chosen, key=lambda m: (order[m.domain], m.directorate != "TRUST", m.directorate, m.id)
    )


def _f(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return None if math.isnan(number) else number


@dataclass(frozen=True, slots=True)
class _Row:
    day: date
    value: float | None
    numerator: float | None
    denominator: float | None
    provisional: bool
    suppressed: bool


def _series_rows(frame: pl.DataFrame, metric: MetricDefinition, public: bool) -> list[_Row]:
    rows: list[_Row] = []
    for rec in frame.iter_rows(named=True):
        value, num, den = _f(rec.get("value")), _f(rec.get("numerator")), _f(rec.get("denominator"))
        suppressed = False
        if public and metric.suppression.value != "none":
            shown = suppress_value(
                value,
                metric.suppression,
                numerator=num if metric.has_ratio else None,
                ratio=metric.has_ratio,
                label=f"metric {metric.id}, period starting {rec['period_start']}",
            )
            suppressed, value = shown.suppressed, shown.value
            if suppressed or metric.has_ratio:
                # the counts behind a ratio are never published; a suppressed value hides both
                num = den = None
        rows.append(
            _Row(
                rec["period_start"],
                value,
                num,
                den,
                bool(rec.get("provisional") or False),
                suppressed,
            )
        )
    return rows


def _chart_for(metric: MetricDefinition, rows: Sequence[_Row]) -> str:
    """The chart type used: a ratio chart needs the counts of every shown value (they are
    withheld from public packs), otherwise the XmR chart of the value."""
    if metric.chart_type not in _RATIO_CHARTS:
        return metric.chart_type.value
    complete = any(r.value is not None for r in rows) and all(
        r.numerator is not None and r.denominator is not None for r in rows if r.value is not None
    )
    return metric.chart_type.value if complete else ChartType.XMR.value


def _spc_frames(
    metrics: Sequence[MetricDefinition], rows: Mapping[str, list[_Row]], period: Period
) -> tuple[dict[str, pl.DataFrame], dict[str, pl.DataFrame]]:
    """Points and summary per series key (``metric|now`` and ``metric|prev``), one engine call
    per rule set."""
    batches: dict[tuple[Any, ...], list[MetricDefinition]] = defaultdict(list)
    for metric in metrics:
        has_target = metric.target_on(period.end) is not None
        chart = _chart_for(metric, rows[metric.id])
        key = (
            chart,
            metric.polarity.improvement,
            metric.rule_preset.value,
            has_target,
            (metric.baseline_start, metric.baseline_end)
            if metric.baseline_start and metric.baseline_end
            else None,
        )
        batches[key].append(metric)
    points: dict[str, pl.DataFrame] = {}
    summaries: dict[str, pl.DataFrame] = {}
    for (chart, improvement, preset, has_target, baseline), members in sorted(
        batches.items(), key=lambda kv: repr(kv[0])
    ):
        records: list[dict[str, Any]] = []
        targets: dict[str, float] = {}
        rebase: dict[str, list[date]] = {}
        ratio = chart in _RATIO_VALUES
        for metric in members:
            scale = metric.multiplier if ratio else 1.0
            series_rows = [r for r in rows[metric.id] if r.day <= period.start]
            for view, chosen in (("now", series_rows), ("prev", series_rows[:-1])):
                if not chosen:
                    continue
                series_key = f"{metric.id}|{view}"
                end_day = chosen[-1].day
                target = metric.target_on(end_day) or metric.target_on(period.end)
                if has_target and target is not None:
                    targets[series_key] = target.value / scale
                if metric.rebase:
                    rebase[series_key] = [r.date for r in metric.rebase]
                for r in chosen:
                    trajectory = [t for t in metric.trajectory() if t.in_force(r.day)]
                    records.append(
                        {
                            "series": series_key,
                            "period_start": r.day,
                            "value": r.value,
                            "numerator": r.numerator,
                            "denominator": r.denominator,
                            "trajectory": trajectory[-1].value / scale if trajectory else None,
                        }
                    )
        if not records:
            continue
        data = pl.DataFrame(
            records,
            schema={
                "series": pl.String(),
                "period_start": pl.Date(),
                "value": pl.Float64(),
                "numerator": pl.Float64(),
                "denominator": pl.Float64(),
                "trajectory": pl.Float64(),
            },
        )
        options = SpcOptions(
            preset=preset,
            chart=chart,
            improvement=improvement,
            target=targets if has_target and targets else None,
            trajectory="trajectory",
            rebase=rebase or None,
            baseline=baseline,
        )
        roles: dict[str, str] = (
            {"numerator": "numerator", "denominator": "denominator"}
            if ratio
            else {"value": "value"}
        )
        result = compute(data, date="period_start", by="series", options=options, **roles)
        for key, frame in result.points.partition_by("series", as_dict=True).items():
            points[key[0] if isinstance(key, tuple) else key] = frame
        for key, frame in result.summary.partition_by("series", as_dict=True).items():
            summaries[key[0] if isinstance(key, tuple) else key] = frame
    return points, summaries


def _scaled(value: Any, scale: float) -> float | None:
    number = _f(value)
    return None if number is None else number * scale


def _bounded(metric: MetricDefinition, value: float | None) -> float | None:
    """A limit kept inside the values the unit can take: a count, rate, time or percentage is
    never below 0 and a percentage never above 100% (charts and sentences would otherwise
    speak of impossible values)."""
    if value is None or metric.unit is Unit.GBP_000:
        return value
    value = max(value, 0.0)
    return min(value, 1.0) if metric.unit is Unit.PERCENT else value


def _points(
    metric: MetricDefinition, frame: pl.DataFrame | None, rows: list[_Row], scale: float
) -> tuple[SeriesPoint, ...]:
    by_day = {r.day: r for r in rows}
    out: list[SeriesPoint] = []
    if frame is None:
        return ()
    for rec in frame.sort("date").iter_rows(named=True):
        row = by_day[rec["date"]]
        value = row.value
        target = metric.target_on(row.day)
        trajectory = [t for t in metric.trajectory() if t.in_force(row.day)]
        out.append(
            SeriesPoint(
                date=row.day,
                value=value,
                display=SUPPRESSION_MARK if row.suppressed else format_value(value, metric.unit),
                mean=_scaled(rec.get("mean"), scale),
                lpl=_bounded(metric, _scaled(rec.get("lpl"), scale)),
                upl=_bounded(metric, _scaled(rec.get("upl"), scale)),
                point_type=str(rec.get("point_type") or "common_cause"),
                special_cause_type=str(rec.get("special_cause_type") or "Common Cause"),
                relative_to_mean=int(rec.get("relative_to_mean") or 0),
                target=target.value if target is not None else None,
                trajectory=trajectory[-1].value if trajectory else None,
                rebase_group=int(rec.get("rebase_group") or 0),
                short_group_warning=bool(rec.get("short_group_warning") or False),
                provisional=row.provisional,
                suppressed=row.suppressed,
            )
        )
    return tuple(out)


def _summary(
    metric: MetricDefinition,
    frame: pl.DataFrame | None,
    points: Sequence[SeriesPoint],
    scale: float,
) -> SummaryRow:
    if frame is None or frame.height == 0 or not points:
        return SummaryRow(
            None, None, "–", 0, None, None, None, None, metric.polarity.improvement, None, None
        )
    rec = frame.row(0, named=True)
    last = points[-1]
    return SummaryRow(
        latest_date=last.date,
        value=last.value,
        display=last.display,
        n=int(rec.get("n") or len(points)),
        mean=_scaled(rec.get("mean"), scale),
        lpl=_bounded(metric, _scaled(rec.get("lpl"), scale)),
        upl=_bounded(metric, _scaled(rec.get("upl"), scale)),
        target=_scaled(rec.get("target"), scale),
        improvement=metric.polarity.improvement,
        variation_icon=(str(rec["variation_icon"]) if rec.get("variation_icon") else None),
        assurance_icon=(str(rec["assurance_icon"]) if rec.get("assurance_icon") else None),
        short_group_warning=last.short_group_warning,
    )


#: What a public pack says instead of SPC for a series with suppressed values.
_WITHHELD = (
    "Some values in this series are fewer than 5 and are suppressed in reports to "
    "meetings in public, so its mean, process limits and icons are not shown here: "
    "statistics of the remaining values alone would mislead."
)


def _without_spc(points: Sequence[SeriesPoint]) -> tuple[SeriesPoint, ...]:
    """The points with every SPC statistic removed (values and targets kept)."""
    return tuple(
        replace(
            p,
            mean=None,
            lpl=None,
            upl=None,
            point_type="common_cause",
            special_cause_type="Common Cause",
            relative_to_mean=0,
            short_group_warning=False,
        )
        for p in points
    )


def _without_spc_summary(summary: SummaryRow) -> SummaryRow:
    return replace(
        summary,
        mean=None,
        lpl=None,
        upl=None,
        variation_icon=None,
        assurance_icon=None,
        short_group_warning=False,
    )


def _changes(section: MetricSection, previous_reasons: tuple[str, ...]) -> list[ChangeNote]:
    out: list[ChangeNote] = []
    before, now = section.previous_summary, section.summary
    if before is None:
        return out
    if before.variation_icon != now.variation_icon:
        out.append(
            ChangeNote(
                section.metric_id,
                section.name,
                "Variation icon",
                VARIATION_LABELS.get(before.variation_icon or ""),
                VARIATION_LABELS.get(now.variation_icon or ""),
            )
        )
    if before.assurance_icon != now.assurance_icon:
        out.append(
            ChangeNote(
                section.metric_id,
                section.name,
                "Assurance icon",
                ASSURANCE_LABELS.get(before.assurance_icon or "", "No assurance icon"),
                ASSURANCE_LABELS.get(now.assurance_icon or "", "No assurance icon"),
            )
        )
    if section.is_exception and not previous_reasons:
        out.append(
            ChangeNote(
                section.metric_id,
                section.name,
                "New exception",
                None,
                "; ".join(section.exception_reasons),
            )
        )
    elif previous_reasons and not section.is_exception:
        out.append(
            ChangeNote(
                section.metric_id,
                section.name,
                "Exception closed",
                "; ".join(previous_reasons),
                None,
            )
        )
    return out


def published_figures(model: PackModel) -> dict[tuple[str, str], float | None]:
    """The figures a pack shows, keyed by (metric id, period label): what a later pack
    compares with to list revisions."""
    out: dict[tuple[str, str], float | None] = {}
    for section in model.sections:
        for point in section.points:
            out[
                (
                    section.metric_id,
                    Period.containing(point.date, section.definition.frequency).label(),
                )
            ] = point.value
    return out


def _revisions(sections: Sequence[MetricSection], inputs: PackInputs) -> list[Revision]:
    out: list[Revision] = []
    if not inputs.published:
        return out
    for section in sections:
        unit = section.definition.unit
        for point in section.points:
            label = Period.containing(point.date, section.definition.frequency).label()
            key = (section.metric_id, label)
            if key not in inputs.published:
                continue
            old = inputs.published[key]
            if old is None and point.value is None:
                continue
            if (
                old is not None
                and point.value is not None
                and math.isclose(old, point.value, rel_tol=1e-9, abs_tol=1e-12)
            ):
                continue
            out.append(
                Revision(
                    section.metric_id,
                    section.name,
                    Period.containing(point.date).display(),
                    format_value(old, unit),
                    point.display,
                    inputs.previous_publication or "the last publication",
                )
            )
    return out


def _quality_notes(sections: Sequence[MetricSection], period: Period) -> list[DataQualityNote]:
    notes: list[DataQualityNote] = []
    provisional = [s.name for s in sections if s.provisional]
    if provisional:
        notes.append(
            DataQualityNote(
                f"The {period.display()} values of these metrics are provisional "
                "and may be revised: " + "; ".join(provisional) + "."
            )
        )
    for s in sections:
        d = s.definition
        if d.data_quality_rating.value in ("partial", "insufficient"):
            when = f" (assessed {d.data_quality_date:%B %Y})" if d.data_quality_date else ""
            notes.append(
                DataQualityNote(
                    f"Data quality rated {d.data_quality_rating.value}{when}.", d.id, d.name
                )
            )
        if not s.points or s.points[-1].date < period.start:
            latest = f"{s.points[-1].date:%b %Y}" if s.points else "none"
            notes.append(
                DataQualityNote(
                    f"No value for {period.display()} (latest: {latest}); "
                    f"data expected within {d.expected_lag_days} days of period end.",
                    d.id,
                    d.name,
                )
            )
        trial = trial_limits_note(s.points, s.summary, d) if s.summary.short_group_warning else None
        if trial:
            notes.append(DataQualityNote(trial, d.id, d.name))
        if s.commentary and s.commentary.section("data_quality"):
            notes.append(DataQualityNote(s.commentary.section("data_quality") or "", d.id, d.name))
    return notes


def _ratio_definition(metric: MetricDefinition) -> str | None:
    """What a ratio metric counts, from its catalogue numerator and denominator, for a metric
    whose catalogue entry gives no definition of its own."""
    if not (metric.numerator and metric.denominator):
        return None
    return f"Numerator: {metric.numerator}. Denominator: {metric.denominator}."


def assemble_pack(inputs: PackInputs) -> PackModel:
    """Build the pack model: suppression, SPC, statements, exceptions, changes, revisions."""
    forum, period = inputs.forum, inputs.period
    rules = inputs.rules.for_forum(forum.kind)
    metrics = select_metrics(forum, inputs.metrics)
    first = (
        period.shift(-(inputs.history_periods - 1)).start
        if inputs.history_periods > 0
        else date.min
    )
    values = inputs.values
    if "org_unit" in values.columns:
        wanted = inputs.org_unit
        values = values.filter(
            pl.col("org_unit").is_null() | (pl.col("org_unit") == (wanted or "TRUST"))
            if wanted is None
            else pl.col("org_unit") == wanted
        )
    values = values.filter(
        (pl.col("period_start") >= first) & (pl.col("period_start") <= period.start)
    )
    per_metric = {
        key[0] if isinstance(key, tuple) else key: frame.sort("period_start")
        for key, frame in values.partition_by("metric_id", as_dict=True).items()
    }
    empty = values.clear()
    rows = {m.id: _series_rows(per_metric.get(m.id, empty), m, forum.public) for m in metrics}
    point_frames, summary_frames = _spc_frames(metrics, rows, period)
    commentary = {
        c.metric_id: c.public() if forum.public else c
        for c in inputs.commentary
        if c.period == period.label() and (c.org_unit in (None, "", inputs.org_unit))
    }
    actions: dict[str, list[Action]] = defaultdict(list)
    for action in inputs.actions:
        if action.metric_id and (
            action.status.is_open or (action.completed and action.completed >= period.start)
        ):
            actions[action.metric_id].append(action)
    sections: list[MetricSection] = []
    changes: list[ChangeNote] = []
    for metric in metrics:
        # ratio charts work on numerator / denominator; the multiplier makes a rate per 1,000
        ratio_scale = (
            metric.multiplier if _chart_for(metric, rows[metric.id]) in _RATIO_VALUES else 1.0
        )
        pts = _points(metric, point_frames.get(f"{metric.id}|now"), rows[metric.id], ratio_scale)
        summary = _summary(metric, summary_frames.get(f"{metric.id}|now"), pts, ratio_scale)
        prev_pts = pts[:-1]
        prev_summary = (
            _summary(metric, summary_frames.get(f"{metric.id}|prev"), prev_pts, ratio_scale)
            if f"{metric.id}|prev" in summary_frames
            else None
        )
        if any(p.suppressed for p in pts):
            pts, summary, prev_summary = _without_spc(pts), _without_spc_summary(summary), None
            prev_pts = pts[:-1]
        # no assurance icon without its basis: no target, or limits that predate a shift
        summary = replace(summary, assurance_icon=assurance_with_basis(pts, summary, metric))
        if prev_summary is not None:
            prev_summary = replace(
                prev_summary,
                assurance_icon=assurance_with_basis(prev_pts, prev_summary, metric),
            )
        note = commentary.get(metric.id)
        asked_by = note.deep_dive_requested_by if note is not None else None
        if note is not None and asked_by is not None and asked_by in inputs.committee_names:
            # a deep dive asked for by a committee's code is reported under its name
            note = note.model_copy(
                update={"deep_dive_requested_by": inputs.committee_names[asked_by]}
            )
        reasons = exception_reasons(metric, pts, summary, note, rules) if pts else ()
        previous_reasons = (
            exception_reasons(metric, prev_pts, prev_summary, None, rules)
            if prev_summary is not None and prev_pts
            else ()
        )
        target = (
            metric.target_on(summary.latest_date)
            if summary.latest_date
            else metric.target_on(period.end)
        )
        statement = statement_for(pts, summary, metric, target)
        if metric.period_type is PeriodType.YTD:
            # the page says its chart is of in-month values, not the cumulative figure
            statement = f"{statement} {chart_basis(metric)}"
        if any(p.suppressed for p in pts):
            statement = f"{_WITHHELD} {statement}" if summary.n else statement
        section = MetricSection(
            definition=metric,
            points=pts,
            summary=summary,
            statement=statement,
            target=target,
            commentary=note,
            actions=tuple(sorted(actions.get(metric.id, ()), key=lambda a: (a.due, a.id))),
            exception_reasons=reasons,
            previous_summary=prev_summary,
            suppressed=any(p.suppressed for p in pts),
            committees=name_committees(metric.lead_committees, inputs.committee_names),
        )
        sections.append(section)
        changes.extend(_changes(section, previous_reasons))
    chosen = {m.id for m in metrics}
    triangulations = tuple(
        Triangulation(m.id, tuple(p for p in m.triangulate_with if p in chosen))
        for m in metrics
        if any(p in chosen for p in m.triangulate_with)
    )
    window_start = first
    definitions = tuple(
        DefinitionNote(
            m.id,
            m.name,
            m.effective_from,
            m.data_source,
            m.description or _ratio_definition(m),
            tuple(
                (when, text)
                for when, text in inputs.definition_changes.get(m.id, ())
                if when is None or when >= window_start
            ),
        )
        for m in metrics
    )
    paper = inputs.paper
    return PackModel(
        paper=paper,
        forum=forum,
        period=period,
        trust_name=inputs.trust_name,
        sections=tuple(sections),
        changes=tuple(changes),
        revisions=tuple(_revisions(sections, inputs)),
        triangulations=triangulations,
        baf_html=inputs.baf_html,
        definitions=definitions,
        data_quality_notes=tuple(_quality_notes(sections, period)),
        synthetic=inputs.synthetic,
        data_as_of=inputs.data_as_of,
        previous_publication=inputs.previous_publication,
        # sparklines cover the periods the charts cover (the history window), not fewer
        sparkline_points=max(1, inputs.history_periods),
        exception_rules=tuple(rules.as_dict().items()),
        org_unit=inputs.org_unit,
        org_unit_names=tuple(sorted(inputs.org_unit_names.items())),
    )
