"""The reporting cycle's control panel: a forum's timetable for a period and what is outstanding.

Nothing here decides anything of its own.  Each list comes from the code that already owns the
rule: data that is missing or late from :func:`trustboard.services.status.status_of` (what
``trustboard status`` prints); exceptions and their narrative from the forum's pack model, made
by the pack's own assembly (:func:`trustboard.services.browse.forum_pack`); findings and
overrides from :func:`trustboard.services.check.run_check` (what ``trustboard check`` prints).
The timetable's dates come from the paper configuration (``meeting_date``,
``date_submitted``) and, for the data, from each metric's ``expected_lag_days`` in the
catalogue.  The check's report is kept, like the pack models, until the next audited change
to the store (an override included).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from trustboard.domain import Period
from trustboard.render.pack import MetricSection, PackModel
from trustboard.services import browse
from trustboard.services.check import CheckReport, run_check
from trustboard.services.pack import PaperConfig
from trustboard.services.status import MetricStatus, status_of
from trustboard.services.users import Role, User, require_role
from trustboard.store import Store
from trustboard.store import users as stored

__all__ = [
    "CYCLE_ROLES",
    "CycleView",
    "DataItem",
    "Timetable",
    "cycle_view",
    "require_cycle_role",
]

#: Roles that run the reporting cycle (the control panel and the data-in templates).
CYCLE_ROLES = frozenset({Role.ANALYST, Role.ADMIN})


def require_cycle_role(store: Store, user: User, what: str) -> None:
    """Refuse (and audit) unless ``user`` runs the reporting cycle (analysts, administrators)."""
    require_role(store, user, CYCLE_ROLES, what)


@dataclass(frozen=True, slots=True)
class Timetable:
    """The dates of a forum's cycle for a period, where the store holds them."""

    #: when the latest of the forum's metrics' data for the period is due (the period's end
    #: plus the metric's ``expected_lag_days``); None when the forum receives no metrics
    data_due: date | None
    #: the paper configuration's ``date_submitted`` (when the paper goes to the meeting)
    paper_due: date | None
    #: the paper configuration's ``meeting_date``
    meeting: date | None


@dataclass(frozen=True, slots=True)
class DataItem:
    """One metric of the forum with no figure loaded for the period yet."""

    metric_id: str
    name: str
    #: the period of the metric's own frequency that holds the cycle's month
    period: Period
    #: the day its data for ``period`` is due
    due: date
    #: ``trustboard status``'s answer for the metric
    status: MetricStatus
    #: whether the forum's pack has a page for the metric (its earlier data)
    in_pack: bool


@dataclass(frozen=True, slots=True)
class CycleView:
    """The control panel of one forum for one period."""

    model: PackModel
    today: date
    timetable: Timetable
    #: metrics with no figure for the period: never loaded, late, or not yet due
    data: tuple[DataItem, ...]
    #: the pack's exception pages that have no narrative written
    no_narrative: tuple[MetricSection, ...]
    #: ``trustboard check`` for the forum and period (open findings and overrides)
    check: CheckReport

    def late_by(self, item: DataItem) -> int:
        """Days ``item``'s data is past its due date (0 when it is not due yet)."""
        return max(0, (self.today - item.due).days)

    @property
    def data_overdue(self) -> tuple[DataItem, ...]:
        """The outstanding data that is past its due date."""
        return tuple(i for i in self.data if self.today > i.due)

    @property
    def counts(self) -> dict[str, int]:
        """How many of each outstanding item, for the top of the page."""
        return {
            "data": len(self.data),
            "narrative": len(self.no_narrative),
            "findings": len(self.check.findings),
            "overrides": len(self.check.overridden),
        }

    @property
    def outstanding(self) -> int:
        """Everything still to do (overrides are done: they are listed as a record)."""
        counts = self.counts
        return counts["data"] + counts["narrative"] + counts["findings"]


_CACHE_SIZE = 32
_lock = threading.Lock()
_checks: OrderedDict[tuple[Any, ...], CheckReport] = OrderedDict()


def _check(store: Store, forum_id: str, period: Period, config: PaperConfig) -> CheckReport:
    """``run_check``'s report, kept until the data changes (every write to the store, an
    override included, is audited, so a report made at the newest audit entry is current)."""
    with store.reading() as conn:
        version = stored.latest_data_change(conn)
    key = (store.url, forum_id, period.label(), id(config), version)
    with _lock:
        found = _checks.get(key)
        if found is not None:
            _checks.move_to_end(key)
            return found
    report = run_check(store, forum_id, period, config=config)
    with _lock:
        _checks[key] = report
        while len(_checks) > _CACHE_SIZE:
            _checks.popitem(last=False)
    return report


def _has_narrative(section: MetricSection) -> bool:
    commentary = section.commentary
    return commentary is not None and any(commentary.section(key) for key in commentary.sections)


def cycle_view(
    store: Store,
    user: User,
    forum_id: str,
    period: str,
    config: PaperConfig,
    *,
    today: date | None = None,
) -> CycleView:
    """The control panel of ``forum_id`` for ``period`` (analysts and administrators only;
    a refusal is audited; an unknown forum or a period with no data is not found)."""
    require_cycle_role(store, user, "the reporting cycle's control panel")
    model = browse.forum_pack(store, user, forum_id, period, config)
    day = today or date.today()
    forum, when = model.forum, model.period
    shown = {s.metric_id for s in model.sections}
    received = [
        m
        for m in store.metrics()
        if forum.receives(m.id, m.lead_committees) and not (forum.public and m.private)
    ]
    status = {m.metric_id: m for m in status_of(store, today=day).metrics}
    items: list[DataItem] = []
    dues: list[date] = []
    for metric in received:
        own = Period.containing(when.start, metric.frequency)
        due = own.end + timedelta(days=metric.expected_lag_days)
        dues.append(due)
        found = status.get(metric.id)
        if found is None:
            continue
        if found.latest_start is not None and found.latest_start >= own.start:
            continue  # the period's data (or later) is loaded
        items.append(DataItem(metric.id, metric.name, own, due, found, metric.id in shown))
    items.sort(key=lambda i: (i.due, i.metric_id))
    timetable = Timetable(
        data_due=max(dues) if dues else None,
        paper_due=model.paper.date_submitted,
        meeting=model.paper.meeting_date,
    )
    report = _check(store, forum.id, when, config)
    missing = tuple(s for s in model.exceptions if not _has_narrative(s))
    return CycleView(model, day, timetable, tuple(items), missing, report)
