"""Is each chart still the right one?  Rebases accepted and proposed; over-dispersion found.

* :func:`accept_rebase` stores an analyst's decision that a metric's limits are recalculated
  from a date, with the reason (``trustboard spc rebase METRIC --at DATE --reason ...``).
* :func:`rebase_proposals` lists the series of the latest ``spc refresh`` whose limits
  predate a sustained shift (:func:`trustboard.spc.review.propose_rebases`).
* :func:`overdispersion_findings` lists the p-chart series whose points vary far more than
  their denominators allow (Laney's sigma-z ratio), for the pre-publication check.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from trustboard.domain import MetricDefinition, RebasePoint
from trustboard.errors import ErrorCode, NotFoundError
from trustboard.services._store import store_session
from trustboard.store import Store, utc_now
from trustboard.store.catalogue import merge_rebases, rebase_start
from trustboard.store.spc_results import StoredRebase, read_rebases, write_rebase

__all__ = [
    "DispersionFinding",
    "RebaseAccepted",
    "RebaseProposal",
    "accept_rebase",
    "accepted_rebases",
    "overdispersion_findings",
    "rebase_proposals",
    "with_accepted_rebases",
]

#: Charts whose limits come from the binomial model and so can be too narrow.
_BINOMIAL_CHARTS = frozenset({"p"})


@dataclass(frozen=True, slots=True)
class RebaseAccepted:
    """An accepted rebase and the first period its new limits start at."""

    rebase: StoredRebase
    starts: date
    new: bool


@dataclass(frozen=True, slots=True)
class RebaseProposal:
    """A series whose latest limits predate a sustained shift."""

    metric_id: str
    org_unit: str
    #: the first point of the run: where new limits would start
    proposed_at: date
    side: str
    run_length: int
    #: the run has enough points (12) for new limits that are not trial limits
    enough_points: bool
    #: ``shift`` (the run's first point) or ``intervention`` (a completed action began it)
    basis: str = "shift"
    #: the completed action that began the run, when ``basis`` is ``intervention``
    intervention: str | None = None

    def sentence(self) -> str:
        """The proposal in words, naming what the analyst must still supply (the reason)."""
        ready = (
            "enough points to recalculate"
            if self.enough_points
            else f"new limits would be trial limits until {12 - self.run_length} more point(s)"
        )
        began = f", which began with {self.intervention}" if self.intervention else ""
        return (
            f"{self.metric_id} {self.org_unit}: the last {self.run_length} points are "
            f"{self.side} the mean{began}; proposed from {self.proposed_at.isoformat()}; "
            f"{ready}. If the change is explained: trustboard spc rebase {self.metric_id} "
            f'--at {self.proposed_at.isoformat()} --reason "..."'
        )


@dataclass(frozen=True, slots=True)
class DispersionFinding:
    """A proportion chart whose limits are too narrow for the data (pre-publication check)."""

    metric_id: str
    org_unit: str
    #: Laney's sigma-z ratio of the latest rebase group (1 for a p-chart that fits)
    ratio: float
    chart: str
    suggestion: str


def _metric(metrics: list[MetricDefinition], metric_id: str) -> MetricDefinition:
    found = next((m for m in metrics if m.id == metric_id), None)
    if found is None:
        raise NotFoundError(
            f"not in the catalogue: {metric_id}",
            code=ErrorCode.METRIC_UNKNOWN,
            hint="trustboard catalogue show lists the metrics",
        )
    return found


def accept_rebase(
    metric_id: str,
    at: date,
    reason: str,
    *,
    org_unit: str | None = None,
    database: str | Path | None = None,
    actor: str | None = None,
) -> RebaseAccepted:
    """Store an accepted rebase of ``metric_id`` (of one ``org_unit``, or all) from ``at``.

    The reason is required (Making Data Count: recalculate only for an explained change).  The
    next ``spc refresh`` recalculates the limits from the first whole period on or after
    ``at``.  Audited; the same rebase accepted twice changes nothing.
    """
    with store_session(database, actor=actor) as store:
        metric = _metric(store.metrics(), metric_id)
        if org_unit is not None and org_unit not in {u.code for u in store.org_units()}:
            raise NotFoundError(
                f"no org unit '{org_unit}'",
                code=ErrorCode.ORG_UNIT_UNKNOWN,
                hint="leave out --org-unit to rebase every org unit's chart",
            )
        with store.transaction() as conn:
            stored, new = write_rebase(
                conn,
                metric_id=metric_id,
                org_unit=org_unit,
                at=at,
                reason=reason,
                now=utc_now(),
                actor=store.actor,
            )
    return RebaseAccepted(stored, rebase_start(at, metric), new)


def accepted_rebases(
    metric_id: str | None = None, *, database: str | Path | None = None
) -> tuple[list[StoredRebase], list[str]]:
    """The rebases accepted in the store (of one metric, or all) and their conflicts with the
    catalogue's ``rebase:`` entries."""
    with store_session(database) as store:
        metrics = store.metrics()
        if metric_id is not None:
            metrics = [_metric(metrics, metric_id)]
        with store.engine.connect() as conn:
            stored = read_rebases(conn, [metric_id] if metric_id else None)
    _, conflicts = merge_rebases(metrics, stored)
    return stored, conflicts


def with_accepted_rebases(
    store: Store, metrics: list[MetricDefinition], org_unit: str | None = None
) -> list[MetricDefinition]:
    """``metrics`` with the rebases accepted in the store merged into their ``rebase``.

    For anything that computes SPC from the definitions (the packs): each rebase is dated at
    the first whole period it applies from, so it falls on a point; metric-wide rebases and
    those of ``org_unit`` apply.  Where the catalogue and the store disagree on a reason, the
    store's is used (as in ``spc refresh``).
    """
    with store.engine.connect() as conn:
        stored = read_rebases(conn, [m.id for m in metrics])
    entries, _ = merge_rebases(metrics, stored)
    out = []
    for metric in metrics:
        chosen: dict[date, str] = {}
        for entry in entries:
            if entry.metric_id != metric.id or entry.org_unit not in (None, org_unit):
                continue
            if entry.org_unit is not None or entry.starts not in chosen:
                chosen[entry.starts] = entry.reason
        points = tuple(RebasePoint(date=day, reason=chosen[day]) for day in sorted(chosen))
        out.append(
            metric if points == metric.rebase else metric.model_copy(update={"rebase": points})
        )
    return out


def _interventions(store: Store, metric_ids: list[str] | None) -> pl.DataFrame:
    """Completed actions on metrics: the recorded interventions a shift may have begun with.

    Labelled by action id and completion date only (a description may be withheld)."""
    rows = [
        (a.metric_id, a.completed, f"action {a.id} (completed {a.completed.isoformat()})")
        for a in store.actions(metric_ids)
        if a.metric_id is not None and a.completed is not None
    ]
    return pl.DataFrame(
        rows, schema={"metric_id": pl.String, "date": pl.Date, "label": pl.String}, orient="row"
    )


def _latest_points(
    database: str | Path | None, metric_ids: list[str] | None
) -> tuple[pl.DataFrame, dict[str, MetricDefinition], pl.DataFrame]:
    with store_session(database) as store:
        metrics = {m.id: m for m in store.metrics()}
        stored = store.spc_results(metric_ids, with_points=True)
        done = _interventions(store, metric_ids)
    if stored is None:
        raise NotFoundError(
            "the store holds no SPC results yet",
            code=ErrorCode.SPC_NO_RESULTS,
            hint="run: trustboard spc refresh",
        )
    return stored.points, metrics, done


def rebase_proposals(
    metric_id: str | None = None, *, database: str | Path | None = None
) -> list[RebaseProposal]:
    """Series of the latest SPC run whose limits predate a sustained shift at the end.

    The run length is the shift rule's of the metric's rule preset (7 for both presets).  A
    completed action on the metric, dated within the shift rule's length of points before the
    run began, is taken as the start of the change (Making Data Count: recalculate from the
    intervention); otherwise the run's first point is proposed.
    """
    from trustboard.spc import PRESETS
    from trustboard.spc.review import propose_rebases

    points, metrics, done = _latest_points(database, [metric_id] if metric_id else None)
    if metric_id is not None and metric_id not in metrics:
        _metric(list(metrics.values()), metric_id)
    if points.height == 0:
        return []
    found: list[RebaseProposal] = []
    kinds = sorted({(m.rule_preset.value, m.chart_type.value == "c") for m in metrics.values()})
    for preset, rare in kinds:
        ids = [
            m.id
            for m in metrics.values()
            if m.rule_preset.value == preset and (m.chart_type.value == "c") == rare
        ]
        part = points.filter(pl.col("metric_id").is_in(ids))
        shift = int(PRESETS[preset]["shift_length"])
        for row in propose_rebases(
            part,
            by=["metric_id", "org_unit"],
            shift_length=shift,
            interventions=done,
            rare_events=rare,
        ).iter_rows(named=True):
            found.append(RebaseProposal(**row))
    return sorted(found, key=lambda p: (p.metric_id, p.org_unit))


def overdispersion_findings(
    *,
    database: str | Path | None = None,
    metric_ids: list[str] | None = None,
    threshold: float | None = None,
) -> list[DispersionFinding]:
    """p-chart series of the latest SPC run whose sigma-z ratio is ``threshold`` or more.

    Each finding names the metric, the org unit and the ratio, and suggests Laney's p' chart
    (``chart_type: pp``) or an XmR chart.  Empty when every p-chart fits.  Raises
    :class:`NotFoundError` when no SPC results are stored.
    """
    from trustboard.spc.review import OVERDISPERSION_RATIO, dispersion_ratios

    limit = OVERDISPERSION_RATIO if threshold is None else threshold
    points, metrics, _ = _latest_points(database, metric_ids)
    chosen = [m.id for m in metrics.values() if m.chart_type.value in _BINOMIAL_CHARTS]
    if points.height == 0 or not chosen or "numerator" not in points.columns:
        return []
    part = points.filter(pl.col("metric_id").is_in(chosen))
    ratios = dispersion_ratios(part, by=["metric_id", "org_unit"]).filter(pl.col("ratio") >= limit)
    found = []
    for row in ratios.sort("metric_id", "org_unit").iter_rows(named=True):
        ratio = float(row["ratio"])
        found.append(
            DispersionFinding(
                metric_id=row["metric_id"],
                org_unit=row["org_unit"],
                ratio=ratio,
                chart="p",
                suggestion=(
                    f"the points vary {ratio:.1f} times as much from one period to the next as "
                    "the p-chart's limits allow for, so its limits are too narrow and flag "
                    "ordinary variation; chart it as Laney p′ (chart_type: pp) or as an XmR "
                    "chart (chart_type: xmr)"
                ),
            )
        )
    return found
