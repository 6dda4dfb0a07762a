"""Pre-publication checks: every sentence in a pack that states a fact agrees with the data.

``trustboard check --period P --forum F`` assembles the forum's pack and compares each
generated statement and each authored text (narrative, cover sheet, actions) with the facts
computed from the values.  Each contradiction is a :class:`Finding` with a stable id (rule,
metric, org unit, period, field), the page it is on and both values.  A finding can be
overridden with a recorded reason; the override holds until the facts it saw change.
``trustboard publish`` refuses while any finding is open.  The rule table is in
``docs/board-pack.md`` (Pre-publication checks).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime

import polars as pl

from trustboard.domain import (
    COMMENTARY_SECTIONS,
    ChartType,
    ForumKind,
    Frequency,
    MetricDefinition,
    Period,
    TargetType,
)
from trustboard.errors import DataValidationError, ErrorCode, NotFoundError, OptionsError, Problem
from trustboard.render.pack import PackModel
from trustboard.render.pack.formatting import ASSURANCE_LABELS, format_value
from trustboard.render.pack.model import MetricSection, SeriesPoint, anchor_for
from trustboard.render.pack.triggers import RARE_EVENT_CHARTS, REASONS
from trustboard.services._claims import (
    assurance_claim,
    count_claims,
    figure_claims,
    run_claims,
    variation_claim,
)
from trustboard.store import CheckOverride, NarrativeVersion, Store, utc_now
from trustboard.store.narrative_versions import read_versions
from trustboard.store.overrides import read_overrides, write_override

__all__ = [
    "CHECK_RULES",
    "CheckReport",
    "Finding",
    "check_model",
    "narrative_standing",
    "override_finding",
    "publication_check",
    "run_check",
    "stored_overrides",
]

#: Every rule of the pre-publication check, with what it compares (docs/board-pack.md).
CHECK_RULES: dict[str, str] = {
    "statement-assurance": "the statement's assurance phrase against the assurance icon",
    "statement-latest": "the statement's assurance phrase against the latest value and target",
    "statement-variation": "the statement's variation phrase against the variation icon",
    "run-mean": "a run above or below the mean (length, first period) against the data",
    "run-missed": "a run of missed targets (length) against the data",
    "narrative-run": "a run in the narrative against the run in the statement",
    "narrative-figure": "a mean or process limit quoted in a text against the computed one",
    "narrative-variation": "the variation a narrative names against the variation icon",
    "cover-count": "a count of metrics by icon on the cover sheet against the icon matrix",
    "exception-reason": "each reason for an exception page against the rule and the data",
    "exception-quiet": "an exception page for a metric the rules say needs none",
    "action-date": "an action's dates against the date the paper is submitted",
    "overdispersion": "a p-chart's limits against the spread of its points (Laney's ratio)",
    "narrative-approval": "each exception's narrative against its approval (approved or locked)",
}

#: The narrative states a pack may be published with (``services/narrative.py``).
PUBLISHABLE_STATES = frozenset({"approved", "locked"})


@dataclass(frozen=True, slots=True)
class Finding:
    """One contradiction between what the pack says and what the data show."""

    rule: str
    metric_id: str | None
    org_unit: str
    period: str
    field: str
    page: str
    anchor: str
    stated: str
    computed: str
    message: str
    page_number: int | None = None

    @property
    def id(self) -> str:
        """Stable id: rule, metric, org unit, period and field (the same every run)."""
        return f"{self.rule}/{self.metric_id or '-'}/{self.org_unit}/{self.period}/{self.field}"

    @property
    def facts_sha256(self) -> str:
        """Digest of both values: an override holds while these stay the same."""
        return hashlib.sha256(f"{self.stated}\x1f{self.computed}".encode()).hexdigest()

    def line(self) -> str:
        """The finding as one line for a terminal."""
        where = f"{self.page}, page {self.page_number}" if self.page_number else self.page
        return (
            f"{self.id} [{where}]: {self.message} (stated: {self.stated}; "
            f"computed: {self.computed})"
        )


@dataclass(frozen=True)
class CheckReport:
    """The findings of one forum's pack for one period: open, and overridden with the record."""

    forum: str
    period: str
    findings: tuple[Finding, ...]
    overridden: tuple[tuple[Finding, CheckOverride], ...] = field(default=())

    @property
    def ok(self) -> bool:
        """Whether no finding is open (publishing may go ahead)."""
        return not self.findings

    def manifest_entry(self) -> dict[str, object]:
        """What the publication manifest records: the rules run and every override applied."""
        return {
            "rules": sorted(CHECK_RULES),
            "open_findings": len(self.findings),
            "overrides": [
                {
                    "finding_id": f.id,
                    "facts_sha256": o.facts_sha256,
                    "reason": o.reason,
                    "by": o.actor,
                    "at": o.created_at.isoformat() + "Z",
                }
                for f, o in self.overridden
            ],
        }


# -- facts computed here, by plain loops, independently of the SPC engine's run fields --------


def _trailing_mean_run(
    points: Sequence[SeriesPoint], frequency: Frequency | None = None
) -> tuple[int, date | None, str]:
    """Length, first date and side of the run of points on one side of their mean that ends
    at the latest point (within the latest limits' group; a point on the mean ends it).  With
    ``frequency`` a missing period (no point for it) ends the run too, so the count and the
    first date agree: 3 months since January are January, February and March."""
    if not points or points[-1].value is None or points[-1].mean is None:
        return 0, None, "none"
    last = points[-1]
    assert last.value is not None and last.mean is not None
    side = "above" if last.value > last.mean else "below" if last.value < last.mean else "none"
    if side == "none":
        return 0, None, side
    count, first = 0, None
    for point in reversed(points):
        if point.value is None or point.mean is None or point.rebase_group != last.rebase_group:
            break
        here = "above" if point.value > point.mean else "below" if point.value < point.mean else ""
        if here != side:
            break
        if (
            frequency is not None
            and first is not None
            and Period.containing(point.date, frequency).next().start != first
        ):
            break  # a month with no figure between this point and the run
        count, first = count + 1, point.date
    return count, first, side


def _trailing_misses(points: Sequence[SeriesPoint], definition: MetricDefinition) -> int:
    count = 0
    for point in reversed(points):
        target = definition.target_on(point.date)
        if point.value is None or target is None or target.is_met(point.value):
            break
        count += 1
    return count


def _latest_met(points: Sequence[SeriesPoint], definition: MetricDefinition) -> bool | None:
    if not points or points[-1].value is None:
        return None
    target = definition.target_on(points[-1].date)
    return None if target is None else target.is_met(points[-1].value)


def _variation_kind(icon: str | None) -> str | None:
    if icon is None:
        return None
    return "common" if icon == "common_cause" else icon.split("_")[0]


def _month(day: date | None, frequency: Frequency) -> str:
    return "–" if day is None else Period.containing(day, frequency).display()


# -- the rules -------------------------------------------------------------------------------


class _Collector:
    def __init__(self, model: PackModel, org_unit: str) -> None:
        self.model, self.org_unit = model, org_unit
        self.period = model.period.label()
        self.found: dict[str, Finding] = {}

    def add(
        self,
        rule: str,
        section: MetricSection | None,
        field_name: str,
        page: tuple[str, str],
        stated: str,
        computed: str,
        message: str,
    ) -> None:
        finding = Finding(
            rule=rule,
            metric_id=section.metric_id if section else None,
            org_unit=self.org_unit,
            period=self.period,
            field=field_name,
            page=page[0],
            anchor=page[1],
            stated=stated,
            computed=computed,
            message=message,
        )
        self.found.setdefault(finding.id, finding)  # the first place a claim is made


def _pages(model: PackModel, section: MetricSection) -> list[tuple[str, str]]:
    out = []
    if model.forum.detail.value == "full":
        out.append((f"Metric detail: {section.name}", section.anchor))
    if section.is_exception:
        out.append((f"Exception: {section.name}", anchor_for(section.metric_id, "exception")))
    return out or [("Summary table", anchor_for(section.metric_id, "row"))]


def _check_statement(c: _Collector, s: MetricSection, page: tuple[str, str]) -> None:
    d, icon = s.definition, s.summary.assurance_icon
    claim = assurance_claim(s.statement)
    if claim is not None and claim.icon != icon:
        c.add(
            "statement-assurance",
            s,
            "statement",
            page,
            claim.text,
            ASSURANCE_LABELS.get(icon or "", "no assurance icon"),
            "the statement's assurance does not match the assurance icon",
        )
    met = _latest_met(s.points, d)
    latest = s.points[-1] if s.points else None
    if claim is not None and latest is not None and met is not None:
        when = _month(latest.date, d.frequency)
        target = d.target_on(latest.date)
        assert target is not None
        fact = (
            f"{latest.display} in {when} {'meets' if met else 'misses'} the "
            f"{format_value(target.value, d.unit)} target"
        )
        if (claim.icon == "fail" and met) or (claim.icon == "pass" and not met):
            c.add(
                "statement-latest",
                s,
                "statement",
                page,
                claim.text,
                fact,
                "the statement's assurance contradicts the latest value",
            )
        shown = [p for p in s.points if p.value is not None]
        if claim.icon == "inconsistent" and len(shown) >= 2:
            misses = _trailing_misses(s.points, d)
            if misses >= len(s.points):
                c.add(
                    "statement-latest",
                    s,
                    "statement",
                    page,
                    claim.text,
                    f"missed in all {misses} periods shown",
                    "'met inconsistently' for a target missed in every period shown",
                )
    kinds = variation_claim(s.statement.split(";")[0])
    actual = _variation_kind(s.summary.variation_icon)
    if kinds and actual is not None and actual not in kinds:
        c.add(
            "statement-variation",
            s,
            "statement",
            page,
            ", ".join(sorted(kinds)),
            actual,
            "the statement's variation does not match the variation icon",
        )


def _shown_sections(model: PackModel, s: MetricSection) -> set[str]:
    """The narrative sections the pack prints for this metric (only printed text is checked):
    the summary on a Board's exception page, every section on a committee's, and what the
    chart shows in a full-detail metric section."""
    shown: set[str] = set()
    if s.is_exception:
        shown |= {"summary"} if model.forum.kind is ForumKind.BOARD else set(COMMENTARY_SECTIONS)
    if model.forum.detail.value == "full":
        shown.add("chart_shows")
    return shown


def _texts(s: MetricSection, shown: set[str] | None = None) -> list[tuple[str, str]]:
    out = [("statement", s.statement)]
    if s.commentary is not None:
        out += [
            (f"narrative.{k}", v)
            for k, v in sorted(s.commentary.sections.items())
            if v and (shown is None or k in shown)
        ]
    return out


def _check_runs(c: _Collector, s: MetricSection, page: tuple[str, str], shown: set[str]) -> None:
    d = s.definition
    count, first, side = _trailing_mean_run(s.points, d.frequency)
    misses = _trailing_misses(s.points, d)
    statement_runs = [r for r in run_claims(s.statement) if r.start is not None]
    for field_name, text in _texts(s, shown):
        for claim in run_claims(text):
            stated = f"{claim.count} since {_month(claim.start, d.frequency)}"
            if claim.side in ("above", "below"):
                fact = f"{count} since {_month(first, d.frequency)} {side} the mean"
                if (claim.count, claim.start, claim.side) != (count, first, side):
                    c.add(
                        "run-mean",
                        s,
                        field_name,
                        page,
                        f"{stated} {claim.side} the mean",
                        fact if count else "no run at the latest point",
                        "the run stated does not match the data",
                    )
            elif claim.side == "missed":
                if claim.count != misses:
                    c.add(
                        "run-missed",
                        s,
                        field_name,
                        page,
                        claim.text,
                        f"missed for {misses} consecutive periods",
                        "the run of missed targets stated does not match the data",
                    )
            elif field_name != "statement" and statement_runs:
                ref = statement_runs[0]
                if (claim.count, claim.start) != (ref.count, ref.start):
                    c.add(
                        "narrative-run",
                        s,
                        field_name,
                        page,
                        stated,
                        f"{ref.count} since {_month(ref.start, d.frequency)} (the statement)",
                        "the narrative's run differs from the statement's",
                    )


def _check_figures(c: _Collector, s: MetricSection, page: tuple[str, str], shown: set[str]) -> None:
    d, summary = s.definition, s.summary
    facts = {"mean": summary.mean, "lpl": summary.lpl, "upl": summary.upl}
    names = {"mean": "mean", "lpl": "lower process limit", "upl": "upper process limit"}
    for field_name, text in _texts(s, shown):
        if field_name == "statement":
            continue
        for claim in figure_claims(text, d.unit):
            actual = facts[claim.statistic]
            if actual is None:
                continue
            if abs(claim.value - actual) > claim.tolerance + 1e-9:
                c.add(
                    "narrative-figure",
                    s,
                    f"{field_name}.{claim.statistic}",
                    page,
                    claim.written,
                    format_value(actual, d.unit, precise=True),
                    f"the {names[claim.statistic]} quoted differs from the computed one",
                )


def _check_narrative_variation(
    c: _Collector, s: MetricSection, page: tuple[str, str], shown: set[str]
) -> None:
    actual = _variation_kind(s.summary.variation_icon)
    if s.commentary is None or actual is None:
        return
    for key in sorted({"summary", "chart_shows"} & shown):
        text = s.commentary.section(key)
        kinds = variation_claim(text or "")
        if kinds and actual not in kinds:
            c.add(
                "narrative-variation",
                s,
                f"narrative.{key}",
                page,
                ", ".join(sorted(kinds)),
                actual,
                "the narrative names a variation the chart does not show",
            )


def _check_exception(c: _Collector, s: MetricSection, page: tuple[str, str]) -> None:
    d, icon = s.definition, s.summary.variation_icon or ""
    met = _latest_met(s.points, d)
    automatic = [r for r in s.exception_reasons if not r.startswith("Deep dive requested by")]
    quiet = met is True and (icon == "common_cause" or icon.startswith("improvement"))
    zero = d.chart_type in RARE_EVENT_CHARTS and bool(s.points) and s.points[-1].value == 0
    if automatic and (quiet or zero):
        c.add(
            "exception-quiet",
            s,
            "exception_reasons",
            page,
            "; ".join(automatic),
            "latest value is zero on a rare-event chart"
            if zero
            else f"latest value meets its target with {_variation_kind(icon)} variation",
            "an exception page the rules say is not needed",
        )
    for reason in automatic:
        fact: str | None = None
        if reason == REASONS["concern_at_latest_point"] and not icon.startswith("concern"):
            fact = f"variation icon {icon or 'none'}"
        elif reason == REASONS["consistently_failing"] and (
            s.summary.assurance_icon != "fail" or met is not False
        ):
            fact = f"assurance icon {s.summary.assurance_icon or 'none'}, latest meets: {met}"
        elif reason.startswith("The national standard has been missed for"):
            target = d.target_on(s.points[-1].date) if s.points else None
            misses = _trailing_misses(s.points, d)
            if f" {misses} " not in f" {reason} " or (
                target is None or target.type is not TargetType.NATIONAL_STANDARD
            ):
                fact = f"missed for {misses} consecutive periods"
        if fact is not None:
            c.add(
                "exception-reason",
                s,
                "exception_reasons",
                page,
                reason,
                fact,
                "an exception reason the data do not support",
            )


def _check_actions(c: _Collector, s: MetricSection, page: tuple[str, str]) -> None:
    submitted = c.model.paper.date_submitted
    if submitted is None:
        return
    for action in s.actions:
        if action.completed is not None and action.completed > submitted:
            c.add(
                "action-date",
                s,
                f"action.{action.id}.completed",
                page,
                f"completed {action.completed.isoformat()}",
                f"paper submitted {submitted.isoformat()}",
                "an action is recorded as completed after the paper was submitted",
            )
        elif action.status.is_open and action.due < submitted:
            c.add(
                "action-date",
                s,
                f"action.{action.id}.due",
                page,
                f"due {action.due.isoformat()}, {action.status.value.replace('_', ' ')}",
                f"paper submitted {submitted.isoformat()}",
                "an open action's due date passed before the paper was submitted; "
                "record it as slipped with a new date, or complete it",
            )


def _check_cover(c: _Collector, model: PackModel) -> None:
    sections = model.sections
    counts = {
        "concern": sum(
            1 for s in sections if (s.summary.variation_icon or "").startswith("concern")
        ),
        "improvement": sum(
            1 for s in sections if (s.summary.variation_icon or "").startswith("improvement")
        ),
        "fail": sum(1 for s in sections if s.summary.assurance_icon == "fail"),
        "inconsistent": sum(1 for s in sections if s.summary.assurance_icon == "inconsistent"),
        "pass": sum(1 for s in sections if s.summary.assurance_icon == "pass"),
    }
    paper = model.paper
    texts = [
        ("executive_summary", paper.executive_summary),
        ("assurance_rationale", paper.assurance_rationale),
        ("decision", paper.decision_required),
        ("risk_appetite", paper.risk_appetite.reason if paper.risk_appetite else None),
    ]
    texts += [(f"previous_forums.{i}", f.outcome) for i, f in enumerate(paper.previous_forums)]
    page = ("Cover sheet", "cover")
    for field_name, text in texts:
        for claim in count_claims(text or ""):
            if claim.kind == "remaining_stable":
                unstable = sum(
                    1
                    for s in sections
                    if s.summary.variation_icon not in (None, "common_cause")
                    and not (s.summary.variation_icon or "").startswith("concern")
                )
                if unstable:
                    c.add(
                        "cover-count",
                        None,
                        f"{field_name}.remaining_stable",
                        page,
                        claim.text,
                        f"{unstable} other metrics show special cause variation",
                        "the cover sheet calls the other metrics stable; the matrix does not",
                    )
            elif claim.count != counts[claim.kind]:
                c.add(
                    "cover-count",
                    None,
                    f"{field_name}.{claim.kind}",
                    page,
                    claim.text,
                    f"{counts[claim.kind]} in the icon matrix",
                    "the cover sheet's count differs from the icon matrix",
                )


def _check_dispersion(c: _Collector, model: PackModel, values: pl.DataFrame) -> None:
    """Flag each p-chart in the pack whose points vary more than its limits allow.

    Laney's sigma-z ratio is computed over the latest rebase group of the points the pack
    charts (their numerators and denominators from ``values``); at
    :data:`~trustboard.spc.review.OVERDISPERSION_RATIO` or more the limits are too narrow.
    """
    from trustboard.spc.review import OVERDISPERSION_RATIO, dispersion_ratios

    needed = {"metric_id", "period_start", "numerator", "denominator"}
    if values.height == 0 or not needed <= set(values.columns):
        return
    if "org_unit" in values.columns:
        values = values.filter(pl.col("org_unit") == c.org_unit)
    for s in model.sections:
        if s.definition.chart_type is not ChartType.P or not s.points or s.summary.mean is None:
            continue
        groups = pl.DataFrame(
            {
                "date": [p.date for p in s.points],
                "rebase_group": [p.rebase_group for p in s.points],
            },
            schema={"date": pl.Date(), "rebase_group": pl.Int64()},
        )
        counts = values.filter(pl.col("metric_id") == s.metric_id).select(
            pl.col("period_start").cast(pl.Date()).alias("date"),
            pl.col("numerator").cast(pl.Float64()),
            pl.col("denominator").cast(pl.Float64()),
        )
        ratios = dispersion_ratios(groups.join(counts, on="date", how="inner"))
        if ratios.height == 0:
            continue
        ratio = float(ratios["ratio"][0])
        if ratio < OVERDISPERSION_RATIO:
            continue
        c.add(
            "overdispersion",
            s,
            "chart_type",
            _pages(model, s)[-1],
            "p-chart",
            f"sigma-z ratio {ratio:.1f}",
            f"the points vary {ratio:.1f} times as much from one period to the next as the "
            "p-chart's limits allow for, so its limits are too narrow and flag ordinary "
            "variation; chart it as Laney p′ (chart_type: pp) or as an XmR chart "
            "(chart_type: xmr)",
        )


def _check_approval(
    c: _Collector, s: MetricSection, page: tuple[str, str], standing: NarrativeVersion | None
) -> None:
    """An exception page whose narrative is not approved (a draft, submitted, returned, or
    never started) may not be published without a recorded override."""
    if standing is not None and standing.state in PUBLISHABLE_STATES:
        return
    stated = (
        "no narrative"
        if standing is None
        else f"{standing.state} (version {standing.version}, {standing.author})"
    )
    lead = s.definition.exec_lead or "an admin"
    c.add(
        "narrative-approval",
        s,
        "narrative",
        page,
        stated,
        "approved narrative",
        f"the exception's narrative is not approved; {lead} (or their delegate) approves it",
    )


def narrative_standing(store: Store, model: PackModel) -> dict[str, NarrativeVersion]:
    """The newest narrative version of each exception of ``model`` for its period (the
    trust-level narrative, org unit ``""``, else one kept under the pack's own org unit)."""
    ids = sorted(s.metric_id for s in model.sections if s.is_exception)
    if not ids:
        return {}
    with store.reading() as conn:
        found = read_versions(conn, metric_ids=ids, period=model.period.label(), latest_only=True)
    units = ("", model.org_unit or "")
    out: dict[str, NarrativeVersion] = {}
    for unit in reversed(units):  # the trust-level key, read last, wins
        out |= {v.metric_id: v for v in found if v.org_unit == unit}
    return out


def check_model(
    model: PackModel,
    *,
    org_unit: str | None = None,
    overrides: Iterable[CheckOverride] = (),
    pages: Mapping[str, int] | None = None,
    values: pl.DataFrame | None = None,
    narrative: Mapping[str, NarrativeVersion] | None = None,
) -> CheckReport:
    """Run every rule of :data:`CHECK_RULES` over a pack model.

    ``overrides`` are matched by finding id *and* facts digest; ``pages`` maps HTML anchors to
    PDF page numbers (from :func:`trustboard.render.pack.anchor_pages`) when known; ``values``
    (the pack's input values, with numerators and denominators) lets the over-dispersion rule
    test the pack's p-charts; ``narrative`` (from :func:`narrative_standing`: the newest
    version of each exception's narrative, none when never started) lets the approval rule
    test the exception pages.  The narrative-approval rule runs only when it is given.
    """
    collector = _Collector(model, org_unit or model.org_unit or "TRUST")
    if values is not None:
        _check_dispersion(collector, model, values)
    for s in model.sections:
        page = _pages(model, s)[-1]
        _check_statement(collector, s, page)
        shown = _shown_sections(model, s)
        _check_runs(collector, s, page, shown)
        _check_figures(collector, s, page, shown)
        _check_narrative_variation(collector, s, page, shown)
        _check_exception(collector, s, page)
        if s.is_exception:  # actions are printed on exception pages only
            _check_actions(collector, s, page)
            if narrative is not None:
                _check_approval(collector, s, page, narrative.get(s.metric_id))
    _check_cover(collector, model)
    found = sorted(collector.found.values(), key=lambda f: f.id)
    if pages:
        found = [replace(f, page_number=pages.get(f.anchor)) for f in found]
    accepted: dict[tuple[str, str], CheckOverride] = {}
    for override in overrides:  # oldest first: a later override of the same facts wins
        accepted[(override.finding_id, override.facts_sha256)] = override
    open_, overridden = [], []
    for finding in found:
        match = accepted.get((finding.id, finding.facts_sha256))
        if match is None:
            open_.append(finding)
        else:
            overridden.append((finding, match))
    return CheckReport(model.forum.id, model.period.label(), tuple(open_), tuple(overridden))


def stored_overrides(store: Store, forum: str, period: str) -> list[CheckOverride]:
    """The overrides recorded for a forum's pack of a period."""
    with store.reading() as conn:
        return read_overrides(conn, forum=forum, period=period)


def run_check(
    store: Store,
    forum_id: str,
    period: Period | str,
    *,
    config: object = None,
    pages: bool = False,
) -> CheckReport:
    """Assemble the forum's pack from the store and check it (``pages``: lay the PDF out to
    give each finding its page number; needs the ``pdf`` extra)."""
    from trustboard.render.pack import assemble_pack, render_html
    from trustboard.services.pack import PaperConfig, gather_inputs, load_paper_config

    cfg = config if isinstance(config, PaperConfig) else load_paper_config(config)  # type: ignore[arg-type]
    inputs = gather_inputs(store, forum_id, period, config=cfg)
    model = assemble_pack(inputs)
    numbers = None
    if pages:
        from trustboard.render.pack.pdf import anchor_pages

        numbers = anchor_pages(render_html(model))
    return check_model(
        model,
        org_unit=inputs.org_unit,
        overrides=stored_overrides(store, forum_id, model.period.label()),
        pages=numbers,
        values=inputs.values,
        narrative=narrative_standing(store, model),
    )


def override_finding(
    store: Store,
    forum_id: str,
    period: Period | str,
    finding_id: str,
    reason: str,
    *,
    config: object = None,
    now: datetime | None = None,
) -> CheckOverride:
    """Record that a current finding is accepted, with who, when and why (audited).

    The override covers the finding's present facts only; it lapses when they change.
    """
    if not reason or not reason.strip():
        raise OptionsError(
            "an override needs a reason",
            code=ErrorCode.CHECK_OVERRIDE,
            hint='give --reason "why this finding may stand"',
        )
    report = run_check(store, forum_id, period, config=config)
    current = {f.id: f for f in report.findings} | {f.id: f for f, _ in report.overridden}
    if finding_id not in current:
        raise NotFoundError(
            f"no current finding '{finding_id}' for {forum_id} {report.period}",
            code=ErrorCode.CHECK_OVERRIDE,
            hint="run trustboard check to list the findings and their ids",
        )
    finding = current[finding_id]
    override = CheckOverride(
        finding_id=finding.id,
        facts_sha256=finding.facts_sha256,
        forum=forum_id,
        period=report.period,
        stated=finding.stated,
        computed=finding.computed,
        reason=reason.strip(),
        actor=store.actor,
        created_at=now or utc_now(),
    )
    with store.transaction() as conn:
        write_override(conn, override)
    return override


def publication_check(
    store: Store, model: PackModel, org_unit: str | None = None
) -> dict[str, object]:
    """Check a pack about to be published; refuse (``TB-CHECK-FINDINGS``) while a finding is
    open, otherwise return the manifest's ``check`` entry (rules run, overrides applied)."""
    report = check_model(
        model,
        org_unit=org_unit,
        overrides=stored_overrides(store, model.forum.id, model.period.label()),
        narrative=narrative_standing(store, model),
    )
    if not report.ok:
        raise DataValidationError(
            f"the {model.forum.id} pack for {report.period} has {len(report.findings)} "
            "pre-publication check finding(s); it cannot be published until each is corrected "
            "or overridden with a reason",
            [Problem(ErrorCode.CHECK_FINDINGS, f.line(), column=f.field) for f in report.findings],
            code=ErrorCode.CHECK_FINDINGS,
            hint="see trustboard check; override one with trustboard check --override ID "
            '--reason "…"',
        )
    return report.manifest_entry()
