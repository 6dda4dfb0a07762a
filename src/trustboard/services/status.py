"""What the store holds: the catalogue version, what is loaded, and which data is late.

A metric's data for a period is expected ``expected_lag_days`` after the period ends.  A metric
is *late* when the period after its latest loaded one is past that date with nothing loaded,
and *missing* when nothing has ever been loaded for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from trustboard.domain import MetricDefinition, Period
from trustboard.services._store import store_session
from trustboard.store import CatalogueVersion, ImportBatch, Store

__all__ = ["MetricStatus", "StoreStatus", "metric_statuses", "status_of", "store_status"]


@dataclass(frozen=True, slots=True)
class MetricStatus:
    """Where one metric stands."""

    metric_id: str
    name: str
    frequency: str
    latest_period: str | None
    latest_start: date | None
    #: org units with a value for the latest period, as loaded (not rolled up)
    units_reporting: int
    provisional: int
    #: the first period with no data, and the day its data was due
    next_period: str | None
    next_due: date | None
    days_late: int
    state: str

    @property
    def is_late(self) -> bool:
        """Whether data is overdue (late or never loaded)."""
        return self.state in ("late", "missing")


@dataclass(frozen=True, slots=True)
class StoreStatus:
    """The whole picture, as ``trustboard status`` prints it."""

    url: str
    schema: str | None
    catalogue: CatalogueVersion | None
    counts: dict[str, int]
    last_import: ImportBatch | None
    metrics: tuple[MetricStatus, ...]
    today: date

    @property
    def late(self) -> tuple[MetricStatus, ...]:
        """Metrics whose data is late or missing."""
        return tuple(m for m in self.metrics if m.is_late)


def store_status(*, database: str | Path | None = None, today: date | None = None) -> StoreStatus:
    """Read the store and work out, for every metric, its latest data and whether it is late."""
    with store_session(database) as store:
        return status_of(store, today=today)


def metric_statuses(
    store: Store, *, today: date | None = None, metrics: Sequence[MetricDefinition] | None = None
) -> tuple[MetricStatus, ...]:
    """Each metric's latest data and whether it is late, without the store-wide counts of
    :func:`status_of` (the reporting cycle's control panel reads only these)."""
    day = today or date.today()
    if metrics is None:
        metrics = store.metrics()
    latest = store.latest_periods()
    per_metric = {r["metric_id"]: r for r in latest.iter_rows(named=True)}
    rows: list[MetricStatus] = []
    for metric in metrics:
        found = per_metric.get(metric.id)
        if found is None:
            rows.append(
                MetricStatus(
                    metric.id,
                    metric.name,
                    metric.frequency.value,
                    None,
                    None,
                    0,
                    0,
                    None,
                    None,
                    0,
                    "missing",
                )
            )
            continue
        period = Period.containing(found["latest"], metric.frequency)
        following = period.next()
        due = following.end + timedelta(days=metric.expected_lag_days)
        late_by = (day - due).days
        state = "late" if late_by > 0 else "provisional" if found["provisional"] else "ok"
        rows.append(
            MetricStatus(
                metric.id,
                metric.name,
                metric.frequency.value,
                period.label(),
                period.start,
                int(found["units"]),
                int(found["provisional"]),
                following.label(),
                due,
                max(0, late_by),
                state,
            )
        )
    return tuple(rows)


def status_of(store: Store, *, today: date | None = None) -> StoreStatus:
    """:func:`store_status` over an open store (the web app's data status page)."""
    from trustboard.store import current_revision

    day = today or date.today()
    metrics = store.metrics()
    rows = metric_statuses(store, today=day, metrics=metrics)
    imports = store.imports(limit=1)
    counts = store.row_counts()
    history = counts.get("metric_value", 0)
    schema = current_revision(store.engine)
    current = store.values_count()
    catalogue = store.catalogue_version()
    url = store.url
    summary = {
        "metrics": len(metrics),
        "org_units": counts.get("org_unit", 0),
        "forums": counts.get("forum", 0),
        "values_current": current,
        "values_revised": history - current,
        "imports": counts.get("import_batch", 0),
        "commentary": counts.get("commentary", 0),
        "actions": counts.get("action", 0),
        "spc_runs": counts.get("spc_run", 0),
    }
    return StoreStatus(url, schema, catalogue, summary, imports[0] if imports else None, rows, day)
