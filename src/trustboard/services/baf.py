"""Board Assurance Framework use cases: import, export, review, and the evidence check.

The evidence check (:func:`check_register`) is a pure function over the register, a per-metric
SPC summary and the review date.  It asks of each risk the question domain.md §4.4 puts to the
Board — "does the evidence support the score?" — and answers in sentences that name the evidence.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path

import polars as pl

from trustboard.domain.baf import (
    CHECK_RULES,
    AssuranceLine,
    BafRegister,
    BafRisk,
    EvidenceFlag,
    ReviewEntry,
    RiskScore,
)
from trustboard.domain.metric import MetricDefinition, TargetType, Unit
from trustboard.domain.period import add_months
from trustboard.errors import ErrorCode, NotFoundError, OptionsError
from trustboard.ingest.baf_register import read_register, write_register
from trustboard.ingest.generic_table import read_table
from trustboard.render.baf import KeyMetricView, baf_section_html
from trustboard.render.svg import svg_to_data_uri
from trustboard.render.svg.formatting import format_value
from trustboard.render.svg.icons import icon_svg
from trustboard.render.svg.sparkline import sparkline_svg
from trustboard.services._store import store_session
from trustboard.store import Store
from trustboard.store import baf as store_baf
from trustboard.store.spc_results import StoredSpc

__all__ = [
    "CONCERN_ICONS",
    "DEMO_REGISTER_RESOURCE",
    "INDEPENDENT_ASSURANCE_MONTHS",
    "BafEvidence",
    "MetricEvidence",
    "RiskAwaitingReview",
    "awaiting_review",
    "build_section",
    "check_register",
    "demo_register",
    "evidence_from_frame",
    "export_register",
    "gather_evidence",
    "import_register",
    "key_metric_views",
    "load_register",
    "read_spc_summary",
    "record_review",
    "risks_awaiting_review",
    "run_check",
    "spc_summary_from_store",
]

#: Variation icons that show special cause concern at the latest point (spc.md vocabulary).
CONCERN_ICONS: frozenset[str] = frozenset({"concern_high", "concern_low"})
#: Second- and third-line assurance must be this recent (domain.md §5.5: independent evidence).
INDEPENDENT_ASSURANCE_MONTHS = 12
#: Package resource holding the sample register used by the demo trust.
DEMO_REGISTER_RESOURCE = "baf_demo_register.yaml"


@dataclass(frozen=True, slots=True)
class MetricEvidence:
    """What one key metric shows at its latest point (a row of the SPC summary)."""

    metric_id: str
    variation_icon: str | None
    assurance_icon: str | None
    date: date | None
    value: float | None
    statement: str | None = None
    name: str | None = None


_SUMMARY_COLUMNS = ("metric_id", "variation_icon", "assurance_icon", "date", "value")


def evidence_from_frame(
    summary: pl.DataFrame, *, org_unit: str | None = None
) -> dict[str, MetricEvidence]:
    """The SPC summary frame as evidence per metric id.

    The frame has ``metric_id``, ``variation_icon``, ``assurance_icon``, ``date`` and ``value``,
    and optionally ``statement`` (a short sentence such as "7 months above the mean since March
    2025"), ``metric_name`` and ``org_unit``.  With an ``org_unit`` column, pass ``org_unit`` to
    choose the level the BAF reads (usually the trust).
    """
    missing = [c for c in _SUMMARY_COLUMNS if c not in summary.columns]
    if missing:
        raise OptionsError(
            f"the SPC summary has no column(s) {', '.join(missing)}",
            code=ErrorCode.BAF_SUMMARY,
            hint="columns: " + ", ".join(_SUMMARY_COLUMNS),
        )
    frame = summary
    if "org_unit" in frame.columns and org_unit is not None:
        frame = frame.filter(pl.col("org_unit") == org_unit)
    ids = frame.get_column("metric_id").cast(pl.String)
    if ids.n_unique() != frame.height:
        raise OptionsError(
            "the SPC summary has more than one row for a metric",
            code=ErrorCode.BAF_SUMMARY,
            hint="give the org unit the BAF reads (e.g. the trust)",
        )
    out: dict[str, MetricEvidence] = {}
    for row in frame.iter_rows(named=True):
        day = row["date"]
        if isinstance(day, str):
            day = date.fromisoformat(day[:10])
        elif day is not None and not isinstance(day, date):
            raise OptionsError(
                "the SPC summary's 'date' column must hold dates", code=ErrorCode.BAF_SUMMARY
            )
        if hasattr(day, "date") and callable(day.date):
            day = day.date()
        value = row["value"]
        out[str(row["metric_id"])] = MetricEvidence(
            metric_id=str(row["metric_id"]),
            variation_icon=row["variation_icon"] or None,
            assurance_icon=row["assurance_icon"] or None,
            date=day,
            value=None if value is None else float(value),
            statement=(row.get("statement") or None),
            name=(row.get("metric_name") or None),
        )
    return out


# ---------------------------------------------------------------------------- the check itself


def _day(value: date) -> str:
    return f"{value.day} {value.strftime('%b %Y')}"


def _name(risk: BafRisk) -> str:
    return f"{risk.id} '{risk.title}'"


def _metric_label(
    metric_id: str, evidence: MetricEvidence | None, catalogue: Mapping[str, MetricDefinition]
) -> str:
    definition = catalogue.get(metric_id)
    name = (evidence.name if evidence else None) or (
        (definition.short_name or definition.name) if definition else None
    )
    return f"{metric_id} ({name})" if name else metric_id


def _latest(evidence: MetricEvidence, catalogue: Mapping[str, MetricDefinition]) -> str:
    if evidence.date is None:
        return ""
    definition = catalogue.get(evidence.metric_id)
    month = evidence.date.strftime("%b %Y")
    if evidence.value is None:
        return f" (latest point {month})"
    value = format_value(evidence.value, definition.unit if definition else Unit.COUNT)
    return f" (latest point {month}: {value})"


def _what_metric_shows(evidence: MetricEvidence, catalogue: Mapping[str, MetricDefinition]) -> str:
    label = _metric_label(evidence.metric_id, evidence, catalogue)
    findings = []
    if evidence.variation_icon in CONCERN_ICONS:
        side = "high" if evidence.variation_icon == "concern_high" else "low"
        if evidence.statement:
            findings.append(f"shows special cause concern: {evidence.statement.rstrip('.')}")
        else:
            findings.append(
                f"shows special cause concern, with unusually {side} values"
                + _latest(evidence, catalogue)
            )
    if _assurance_with_basis(evidence, catalogue.get(evidence.metric_id)) == "fail":
        findings.append("consistently fails its target")
    return f"{label} " + " and ".join(findings)


def _flag(code: str, risk: BafRisk, message: str, evidence: tuple[str, ...] = ()) -> EvidenceFlag:
    rule = CHECK_RULES[code]
    return EvidenceFlag(
        risk_id=risk.id, code=code, severity=rule.severity, message=message, evidence=evidence
    )


def _rule_score_against_evidence(
    risk: BafRisk, evidence: Mapping[str, MetricEvidence], catalogue: Mapping[str, MetricDefinition]
) -> EvidenceFlag | None:
    # A risk is presented as controlled unless its last review raised the score: a new risk
    # (one review or none) is tested as much as one whose score held or fell.
    last, before = risk.last_review, risk.previous_review
    if last is not None and before is not None and last.current.score > before.current.score:
        return None
    concerning = [
        evidence[m]
        for m in risk.key_metrics
        if m in evidence
        and (
            evidence[m].variation_icon in CONCERN_ICONS
            or _assurance_with_basis(evidence[m], catalogue.get(m)) == "fail"
        )
    ]
    if not concerning:
        return None
    if last is None:
        moved = f"is scored {risk.current.score} with no review on record"
    elif before is None:
        moved = f"was scored {last.current.score} at its first review ({_day(last.date)})"
    elif last.current.score == before.current.score:
        moved = f"held at {last.current.score} at the {_day(last.date)} review"
    else:
        moved = (
            f"fell from {before.current.score} to {last.current.score} at the "
            f"{_day(last.date)} review"
        )
    shows = "; ".join(_what_metric_shows(e, catalogue) for e in concerning)
    return _flag(
        ErrorCode.BAF_EVIDENCE,
        risk,
        message=f"{_name(risk)} {moved}, but {shows}. Does the evidence support the score?",
        evidence=tuple(e.metric_id for e in concerning),
    )


def _rule_above_appetite(risk: BafRisk, register: BafRegister, on: date) -> EvidenceFlag | None:
    level = register.tolerance_for(risk)
    if level is None or level.tolerates(risk.current.score):
        return None
    above = (
        f"{_name(risk)} is at {risk.current.score}, above the {level.range_text} tolerated by "
        f"its '{level.name}' appetite for {risk.appetite_category}"
    )
    due = sorted((a for a in risk.open_actions if a.due >= on), key=lambda a: (a.due, a.id))
    if not due:
        return _flag(
            ErrorCode.BAF_ABOVE_APPETITE,
            risk,
            message=f"{above}, and no open action is due on or after {_day(on)}: there is no "
            "plan on record to bring it within appetite.",
            evidence=tuple(a.id for a in risk.open_actions),
        )
    # Actions due later do not bring the risk within appetite today; the Board is told when
    # the plan says it will be (action ids and dates only: descriptions may be withheld).
    last = due[-1]
    count = f"{len(due)} open action" + ("s" if len(due) > 1 else "")
    return _flag(
        ErrorCode.BAF_ABOVE_APPETITE,
        risk,
        message=f"{above} at {_day(on)}; {count} to reduce it fall due by {_day(last.due)} "
        f"({', '.join(a.id for a in due)}): the risk stays outside appetite until then.",
        evidence=tuple(a.id for a in due),
    )


def _rule_overdue(risk: BafRisk, on: date) -> EvidenceFlag | None:
    overdue = sorted((a for a in risk.actions if a.is_overdue(on)), key=lambda a: (a.due, a.id))
    if not overdue:
        return None
    parts = []
    for action in overdue:
        text = (
            f"{action.id} '{action.description}' (owner {action.owner}, due {_day(action.due)}, "
            f"{(on - action.due).days} days overdue"
        )
        if action.slippage_days and action.original_due is not None:
            text += f"; first promised for {_day(action.original_due)}"
        parts.append(text + ")")
    count = f"{len(overdue)} overdue action" + ("s" if len(overdue) > 1 else "")
    return _flag(
        ErrorCode.BAF_OVERDUE,
        risk,
        message=f"{_name(risk)} has {count} at {_day(on)}: " + "; ".join(parts) + ".",
        evidence=tuple(a.id for a in overdue),
    )


def _rule_independent_assurance(risk: BafRisk, on: date) -> EvidenceFlag | None:
    since = add_months(on, -INDEPENDENT_ASSURANCE_MONTHS)
    independent = [
        a
        for a in risk.assurances
        if a.line in (AssuranceLine.SECOND, AssuranceLine.THIRD) and a.date <= on
    ]
    if any(a.date >= since for a in independent):
        return None
    if independent:
        latest = max(independent, key=lambda a: a.date)
        last = f"the latest is {latest.source} ({latest.line.label}, {_day(latest.date)})"
    else:
        last = "none is recorded"
    return _flag(
        ErrorCode.BAF_NO_INDEPENDENT_ASSURANCE,
        risk,
        message=f"{_name(risk)} has no second- or third-line assurance in the "
        f"{INDEPENDENT_ASSURANCE_MONTHS} months to {_day(on)} ({last}): the Board relies "
        "on management's own view that the controls work.",
        evidence=tuple(a.id for a in independent),
    )


def _rule_target_unreachable(risk: BafRisk) -> EvidenceFlag | None:
    if risk.current.score <= risk.target.score:
        return None
    open_actions = risk.open_actions
    if not open_actions:
        return _flag(
            ErrorCode.BAF_TARGET_UNREACHABLE,
            risk,
            message=f"{_name(risk)} is at {risk.current.score} against a target of "
            f"{risk.target.score} but has no open actions to close the gap.",
        )
    last = max(open_actions, key=lambda a: (a.due, a.id))
    if risk.target_date is None or risk.target_date >= last.due:
        return None
    return _flag(
        ErrorCode.BAF_TARGET_UNREACHABLE,
        risk,
        message=f"{_name(risk)} aims to reach {risk.target.score} by {_day(risk.target_date)}, "
        f"but its last open action ({last.id} '{last.description}') is not due until "
        f"{_day(last.due)}: the target date or the plan needs revising.",
        evidence=(last.id,),
    )


def _rule_no_key_metrics(risk: BafRisk) -> EvidenceFlag | None:
    if risk.key_metrics:
        return None
    return _flag(
        ErrorCode.BAF_NO_KEY_METRICS,
        risk,
        message=f"{_name(risk)} has no key metrics, so no performance evidence tests its score: "
        "link the leading and lagging indicators that would show the risk materialising.",
    )


def _rule_target_above_appetite(risk: BafRisk, register: BafRegister) -> EvidenceFlag | None:
    level = register.tolerance_for(risk)
    if level is None or level.tolerates(risk.target.score):
        return None
    return _flag(
        ErrorCode.BAF_TARGET_ABOVE_APPETITE,
        risk,
        message=f"{_name(risk)} has a target score of {risk.target.score}, above the "
        f"{level.range_text} tolerated by its '{level.name}' appetite for "
        f"{risk.appetite_category}: the Board accepts a risk beyond its stated appetite.",
    )


def check_register(
    register: BafRegister,
    summary: pl.DataFrame | Mapping[str, MetricEvidence] | None,
    review_date: date,
    *,
    catalogue: Mapping[str, MetricDefinition] | None = None,
    org_unit: str | None = None,
) -> tuple[EvidenceFlag, ...]:
    """Every finding of the evidence check, risk by risk, in register order.

    Rules (each a sentence naming its evidence): a key metric shows special cause concern or
    consistently fails its target while the score did not rise at the last review (a new risk
    is tested too); the score is above appetite (with or without actions due later); actions
    overdue; no second- or third-line assurance in 12 months; the target cannot be reached by
    the open actions' dates; no key metrics; and, as a warning, a target score above appetite
    tolerance.
    """
    if isinstance(summary, pl.DataFrame):
        evidence: Mapping[str, MetricEvidence] = evidence_from_frame(summary, org_unit=org_unit)
    else:
        evidence = summary or {}
    definitions = catalogue or {}
    flags: list[EvidenceFlag] = []
    for risk in register.risks:
        found: Iterable[EvidenceFlag | None] = (
            _rule_score_against_evidence(risk, evidence, definitions),
            _rule_above_appetite(risk, register, review_date),
            _rule_overdue(risk, review_date),
            _rule_independent_assurance(risk, review_date),
            _rule_target_unreachable(risk),
            _rule_no_key_metrics(risk),
            _rule_target_above_appetite(risk, register),
        )
        flags.extend(flag for flag in found if flag is not None)
    return tuple(flags)


# ------------------------------------------------------------------------------- use cases


def demo_register() -> BafRegister:
    """The sample register of the demo trust (eight risks across the four strategic goals)."""
    with resources.as_file(resources.files("trustboard.services") / DEMO_REGISTER_RESOURCE) as path:
        return read_register(path)


def read_spc_summary(path: str | Path) -> pl.DataFrame:
    """Read an SPC summary table (CSV, Parquet or Excel) for :func:`check_register`."""
    frame = read_table(path)
    if "date" in frame.columns and frame.schema["date"] == pl.String:
        frame = frame.with_columns(pl.col("date").str.slice(0, 10).str.to_date(strict=False))
    return frame


def _catalogue_ids(store: Store) -> set[str] | None:
    ids = {m.id for m in store.metrics(include_retired=True)}
    return ids or None


def load_register(
    source: str | Path | None = None,
    *,
    database: str | Path | None = None,
    catalogue_ids: Collection[str] | None = None,
) -> BafRegister:
    """The register from a file (``source``) or, without one, from the store at ``database``."""
    if source is not None:
        return read_register(source, catalogue_ids=catalogue_ids)
    with store_session(database) as store, store.engine.connect() as conn:
        return store_baf.load_register(conn)


def import_register(
    path: str | Path,
    *,
    database: str | Path | None = None,
    catalogue_ids: Collection[str] | None = None,
    check_catalogue: bool = True,
    actor: str | None = None,
) -> tuple[BafRegister, dict[str, int]]:
    """Validate the register in ``path`` and make the stored register equal to it, audited.

    Key metrics are checked against ``catalogue_ids`` or, when none are given, against the
    store's catalogue (if one is loaded and ``check_catalogue``).  Nothing is written unless the
    whole file is valid.  Returns the register and the counts of risks added, changed, removed
    and unchanged.
    """
    with store_session(database, actor=actor) as store:
        ids = catalogue_ids
        if ids is None and check_catalogue:
            ids = _catalogue_ids(store)
        register = read_register(path, catalogue_ids=ids)
        with store.transaction() as conn:
            counts = store_baf.save_register(conn, register, actor=store.actor, source=str(path))
    return register, counts


def export_register(path: str | Path, *, database: str | Path | None = None) -> Path:
    """Write the stored register to ``path`` (``.yaml`` or ``.xlsx``)."""
    return write_register(load_register(database=database), path)


def record_review(
    risk_id: str,
    *,
    likelihood: int,
    consequence: int,
    rationale: str,
    review_date: date,
    reviewer: str | None = None,
    target: tuple[int, int] | None = None,
    committee: str | None = None,
    database: str | Path | None = None,
    actor: str | None = None,
) -> BafRisk:
    """Record a review of ``risk_id`` in the store: the scores agreed, why, when, by whom and
    the committee that accepted it (a forum id of the catalogue, checked when one is loaded)."""
    try:
        entry = ReviewEntry(
            date=review_date,
            current=RiskScore(likelihood=likelihood, consequence=consequence),
            target=RiskScore(likelihood=target[0], consequence=target[1]) if target else None,
            rationale=rationale,
            reviewer=reviewer,
            committee=committee,
        )
    except ValueError as error:
        raise OptionsError(
            f"the review is not valid: {error}",
            code=ErrorCode.BAF_REVIEW,
            hint="scores are whole numbers from 1 to 5; a rationale is required",
        ) from None
    with store_session(database, actor=actor) as store:
        forums = {f.id for f in store.forums()}
        if committee is not None and forums and committee not in forums:
            raise OptionsError(
                f"'{committee}' is not a committee of the catalogue",
                code=ErrorCode.BAF_REVIEW,
                hint="name a forum id: " + ", ".join(sorted(forums)),
            )
        with store.transaction() as conn:
            return store_baf.record_review(conn, risk_id, entry, actor=store.actor)


def _summary_of(stored: StoredSpc) -> pl.DataFrame:
    return stored.summary.select(
        "metric_id", "org_unit", "variation_icon", "assurance_icon", "date", "value"
    )


def spc_summary_from_store(
    *, database: str | Path | None = None, org_unit: str | None = None
) -> pl.DataFrame:
    """The latest stored SPC summary (``spc refresh``), in the shape :func:`check_register` reads.

    Raises :class:`NotFoundError` when no SPC results are stored yet.
    """
    with store_session(database) as store:
        stored = store.spc_results(org_units=[org_unit] if org_unit else None, with_points=False)
    if stored is None:
        raise NotFoundError(
            "the store holds no SPC results yet",
            code=ErrorCode.BAF_NO_SPC,
            hint="run: trustboard spc refresh (or pass --summary FILE)",
        )
    return _summary_of(stored)


def _assurance_with_basis(
    evidence: MetricEvidence, definition: MetricDefinition | None
) -> str | None:
    """The assurance icon only where the metric has a target in force at its latest point
    (an icon without a target has nothing to assure against, whatever a summary file says)."""
    if evidence.assurance_icon is None or definition is None:
        return evidence.assurance_icon
    if definition.polarity.improvement == "neutral":
        return None
    day = evidence.date
    has_target = (
        definition.target_on(day) is not None
        if day is not None
        else any(t.type is not TargetType.TRAJECTORY for t in definition.targets)
    )
    return evidence.assurance_icon if has_target else None


def key_metric_views(
    register: BafRegister,
    summary: pl.DataFrame | None,
    *,
    points: pl.DataFrame | None = None,
    org_unit: str | None = None,
    catalogue: Mapping[str, MetricDefinition] | None = None,
    as_image: bool = False,
) -> dict[str, KeyMetricView]:
    """Each key metric's icons, sparkline and latest value, ready for the risk pages.

    ``as_image`` embeds the pictures as ``<img>`` (what a PDF keeps); their meaning is written
    beside them in words, so they carry empty alternative text.
    """
    evidence = evidence_from_frame(summary, org_unit=org_unit) if summary is not None else {}
    definitions = catalogue or {}
    views: dict[str, KeyMetricView] = {}
    for metric_id in sorted({m for r in register.risks for m in r.key_metrics}):
        found = evidence.get(metric_id)
        definition = definitions.get(metric_id)
        name = (found.name if found else None) or (
            (definition.short_name or definition.name) if definition else None
        )
        latest = None
        if found is not None and found.date is not None:
            unit = definition.unit if definition else Unit.COUNT
            latest = f"{format_value(found.value, unit)} ({found.date.strftime('%b %Y')})"
        sparkline = None
        if points is not None and points.height and "metric_id" in points.columns:
            series = points.filter(pl.col("metric_id") == metric_id)
            if org_unit is not None and "org_unit" in series.columns:
                series = series.filter(pl.col("org_unit") == org_unit)
            if series.height >= 2:
                sparkline = sparkline_svg(series)

        def picture(svg: str | None) -> str | None:
            if svg is None or not as_image:
                return svg
            return f'<img src="{svg_to_data_uri(svg)}" alt="">'

        assurance = _assurance_with_basis(found, definition) if found else None
        views[metric_id] = KeyMetricView(
            metric_id=metric_id,
            name=name,
            latest=latest,
            variation_icon=found.variation_icon if found else None,
            assurance_icon=assurance,
            variation_icon_html=picture(icon_svg(found.variation_icon or "empty", 28))
            if found
            else None,
            assurance_icon_html=picture(icon_svg(assurance or "empty", 28)) if found else None,
            sparkline_html=picture(sparkline),
            statement=found.statement if found else None,
        )
    return views


@dataclass(frozen=True, slots=True)
class BafEvidence:
    """What the evidence check and the pack section read: the register and the SPC evidence."""

    register: BafRegister
    summary: pl.DataFrame | None
    points: pl.DataFrame | None
    catalogue: Mapping[str, MetricDefinition]


def gather_evidence(
    *,
    register_path: str | Path | None = None,
    summary_path: str | Path | None = None,
    database: str | Path | None = None,
    org_unit: str | None = None,
    with_points: bool = True,
) -> BafEvidence:
    """The register (``register_path`` or the store) and the SPC evidence (``summary_path`` or
    the store's latest SPC run, with points for sparklines); the store is opened only if needed."""
    if register_path is not None and summary_path is not None:
        return BafEvidence(read_register(register_path), read_spc_summary(summary_path), None, {})
    with store_session(database) as store:
        catalogue = {m.id: m for m in store.metrics(include_retired=True)}
        if register_path is not None:
            register = read_register(register_path)
        else:
            with store.engine.connect() as conn:
                register = store_baf.load_register(conn)
        if summary_path is not None:
            return BafEvidence(register, read_spc_summary(summary_path), None, catalogue)
        metric_ids = sorted({m for r in register.risks for m in r.key_metrics})
        stored = store.spc_results(
            metric_ids, [org_unit] if org_unit else None, with_points=with_points
        )
    if stored is None:
        raise NotFoundError(
            "the store holds no SPC results yet",
            code=ErrorCode.BAF_NO_SPC,
            hint="run: trustboard spc refresh (or pass --summary FILE)",
        )
    return BafEvidence(
        register, _summary_of(stored), stored.points if with_points else None, catalogue
    )


def run_check(
    review_date: date,
    *,
    register_path: str | Path | None = None,
    summary_path: str | Path | None = None,
    database: str | Path | None = None,
    org_unit: str | None = None,
) -> tuple[BafRegister, tuple[EvidenceFlag, ...]]:
    """The evidence check over the register and SPC evidence found as :func:`gather_evidence`
    says."""
    found = gather_evidence(
        register_path=register_path,
        summary_path=summary_path,
        database=database,
        org_unit=org_unit,
        with_points=False,
    )
    flags = check_register(
        found.register, found.summary, review_date, catalogue=found.catalogue, org_unit=org_unit
    )
    return found.register, flags


def build_section(
    review_date: date,
    *,
    register_path: str | Path | None = None,
    summary_path: str | Path | None = None,
    database: str | Path | None = None,
    org_unit: str | None = None,
    public: bool = False,
    as_image: bool = False,
    include_style: bool = False,
) -> tuple[str, tuple[EvidenceFlag, ...]]:
    """The BAF section of the board pack (HTML fragment) and the evidence check's findings."""
    found = gather_evidence(
        register_path=register_path, summary_path=summary_path, database=database, org_unit=org_unit
    )
    flags = check_register(
        found.register, found.summary, review_date, catalogue=found.catalogue, org_unit=org_unit
    )
    views = key_metric_views(
        found.register,
        found.summary,
        points=found.points,
        org_unit=org_unit,
        catalogue=found.catalogue,
        as_image=as_image,
    )
    html = baf_section_html(
        found.register,
        review_date=review_date,
        flags=flags,
        metrics=views,
        public=public,
        as_image=as_image,
        include_style=include_style,
    )
    return html, flags


@dataclass(frozen=True, slots=True)
class RiskAwaitingReview:
    """A risk the reporting cycle must chase: its review is overdue, or not accepted yet.

    ``overdue`` when its next review date is before the day asked about; ``unaccepted`` when
    it has never been reviewed or its latest review names no committee that accepted it.
    """

    risk_id: str
    title: str
    executive_lead: str
    lead_committee: str
    next_review: date | None
    last_reviewed: date | None
    overdue: bool
    unaccepted: bool

    @property
    def reasons(self) -> tuple[str, ...]:
        """Why the risk awaits review, as a reader sees it."""
        out = []
        if self.overdue and self.next_review is not None:
            out.append(f"review was due on {_day(self.next_review)}")
        if self.unaccepted:
            out.append(
                "never reviewed"
                if self.last_reviewed is None
                else f"the {_day(self.last_reviewed)} review is not accepted by a committee"
            )
        return tuple(out)


def awaiting_review(register: BafRegister, as_of: date) -> list[RiskAwaitingReview]:
    """The register's risks whose next review date is before ``as_of`` or whose latest review
    no committee has accepted, in register order."""
    found = []
    for risk in register.risks:
        last = risk.last_review
        overdue = risk.next_review is not None and risk.next_review < as_of
        unaccepted = last is None or last.committee is None
        if overdue or unaccepted:
            found.append(
                RiskAwaitingReview(
                    risk_id=risk.id,
                    title=risk.title,
                    executive_lead=risk.executive_lead,
                    lead_committee=risk.lead_committee,
                    next_review=risk.next_review,
                    last_reviewed=risk.last_reviewed,
                    overdue=overdue,
                    unaccepted=unaccepted,
                )
            )
    return found


def risks_awaiting_review(store: Store, as_of: date) -> list[RiskAwaitingReview]:
    """The stored register's risks awaiting review on ``as_of`` (see :func:`awaiting_review`):
    for the reporting cycle's control panel."""
    with store.reading() as conn:
        register = store_baf.load_register(conn)
    return awaiting_review(register, as_of)
