"""The reporting cycle's control panel: a forum's timetable for a period and what is outstanding.

Nothing here decides anything of its own.  Each list comes from the code that already owns the
rule: data that is missing or late from :func:`trustboard.services.status.metric_statuses` (what
``trustboard status`` prints); exceptions and their narrative from the forum's pack model, made
by the pack's own assembly (:func:`trustboard.services.browse.forum_pack`); narrative awaiting
approval from :mod:`trustboard.services.narrative`; actions overdue or slipping from
:func:`trustboard.services.actions.actions_needing_attention`; BAF risks awaiting review from
:func:`trustboard.services.baf.risks_awaiting_review`; findings and overrides from
:func:`trustboard.services.check.run_check` (what ``trustboard check`` prints).  The
timetable's dates (data cut-off, narrative due, papers due, the meeting) come from the meeting
calendar (:mod:`trustboard.services.meetings`), and each metric's own due date from its
``expected_lag_days`` in the catalogue.  The check's report is kept, like the pack models,
until the next audited change to the store (an override or a meeting date included).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from trustboard.domain import Period
from trustboard.errors import (
    ConfigError,
    ConflictError,
    DataValidationError,
    ErrorCode,
    NotFoundError,
    Problem,
    TrustboardError,
)
from trustboard.render.pack import MetricSection, PackModel
from trustboard.services import browse, jobs
from trustboard.services.actions import ActionAttention, actions_needing_attention
from trustboard.services.baf import RiskAwaitingReview, risks_awaiting_review
from trustboard.services.check import CheckReport, override_finding, run_check
from trustboard.services.jobs import Job
from trustboard.services.meetings import Meeting, meeting_for, meetings, record_meeting
from trustboard.services.narrative import NarrativeState, latest_for
from trustboard.services.pack import PaperConfig
from trustboard.services.publish import MANIFEST_NAME, publication_dir, publish_pack
from trustboard.services.status import MetricStatus, metric_statuses
from trustboard.services.users import Role, User, require_role
from trustboard.store import CheckOverride, NarrativeVersion, Store
from trustboard.store import users as stored

__all__ = [
    "CYCLE_ROLES",
    "PUBLISH_JOB",
    "CheckView",
    "CycleView",
    "DataItem",
    "Timetable",
    "check_report",
    "check_view",
    "cycle_view",
    "override_from_web",
    "publish_from_web",
    "publish_job",
    "require_cycle_role",
    "schedule_meeting",
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
    #: the forum's meeting for the period in the meeting calendar (data cut-off, narrative
    #: due, papers due, the meeting); None until it is set
    meeting: Meeting | None
    #: every forum's meeting for the period in the calendar, by date (committees, then Board)
    meetings: tuple[Meeting, ...] = ()


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
    #: exception pages whose newest narrative is written but not approved (draft, submitted,
    #: returned), with that version
    unapproved: tuple[tuple[MetricSection, NarrativeVersion], ...] = ()
    #: the register's risks whose review is overdue or not yet accepted on the meeting day
    #: (today when the calendar has no meeting)
    risks: tuple[RiskAwaitingReview, ...] = ()
    #: the forum's actions carried into the period that are overdue or slipping
    actions: tuple[ActionAttention, ...] = ()

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
            "approval": len(self.unapproved),
            "actions": len(self.actions),
            "risks": len(self.risks),
            "findings": len(self.check.findings),
            "overrides": len(self.check.overridden),
        }

    @property
    def outstanding(self) -> int:
        """Everything still to do (overrides are done: they are listed as a record)."""
        counts = self.counts
        return sum(v for k, v in counts.items() if k != "overrides")


_CACHE_SIZE = 32
_lock = threading.Lock()
_checks: OrderedDict[tuple[Any, ...], CheckReport] = OrderedDict()
_views: OrderedDict[tuple[Any, ...], CycleView] = OrderedDict()


def check_report(store: Store, forum_id: str, period: Period, config: PaperConfig) -> CheckReport:
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
    a refusal is audited; an unknown forum or a period with no data is not found).

    The panel is kept, like the pack models and the check's report, until the next audited
    change to the store (an import, narrative, a review, a meeting date, an override) or the
    next day: reading it again (``trustboard status``'s answer for every metric, the BAF
    register, the narrative versions) costs more than the page's budget.
    """
    require_cycle_role(store, user, "the reporting cycle's control panel")
    forum = browse.require_forum(store, user, forum_id)
    day = today or date.today()
    try:
        label = Period.parse(period).label()
    except (ValueError, TrustboardError):
        label = period  # forum_pack names the bad period
    key = (store.url, forum.id, label, id(config), browse.data_version(store), day)
    with _lock:
        kept = _views.get(key)
        if kept is not None:
            _views.move_to_end(key)
            return kept
    found = _build_view(store, user, forum_id, period, config, day)
    with _lock:
        _views[key] = found
        while len(_views) > _CACHE_SIZE:
            _views.popitem(last=False)
    return found


def _build_view(
    store: Store, user: User, forum_id: str, period: str, config: PaperConfig, day: date
) -> CycleView:
    model = browse.forum_pack(store, user, forum_id, period, config)
    forum, when = model.forum, model.period
    shown = {s.metric_id for s in model.sections}
    received = [
        m
        for m in store.metrics()
        if forum.receives(m.id, m.lead_committees) and not (forum.public and m.private)
    ]
    status = {m.metric_id: m for m in metric_statuses(store, today=day)}
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
    meeting = meeting_for(store, forum.id, when)
    timetable = Timetable(
        data_due=max(dues) if dues else None,
        meeting=meeting,
        meetings=tuple(m for m in meetings(store) if m.period == when),
    )
    report = check_report(store, forum.id, when, config)
    missing = tuple(s for s in model.exceptions if not _has_narrative(s))
    versions = {
        v.metric_id: v
        for v in latest_for(store, [s.metric_id for s in model.exceptions], when.label())
    }
    unapproved = tuple(
        (s, versions[s.metric_id])
        for s in model.exceptions
        if s.metric_id in versions and versions[s.metric_id].state in _UNAPPROVED
    )
    as_of = meeting.meeting_date if meeting is not None else day
    risks = tuple(risks_awaiting_review(store, as_of))
    actions = tuple(actions_needing_attention(store, forum.id, when.label()))
    return CycleView(
        model, day, timetable, tuple(items), missing, report, unapproved, risks, actions
    )


#: Narrative states that still need an approval before the pack may be published.
_UNAPPROVED = frozenset({NarrativeState.DRAFT, NarrativeState.SUBMITTED, NarrativeState.RETURNED})


def schedule_meeting(
    store: Store,
    user: User,
    forum_id: str,
    period: str,
    fields: dict[str, str],
) -> Meeting:
    """Set the forum's meeting for ``period`` from the control panel's form (analysts and
    administrators; a refusal is audited), as ``trustboard meeting schedule`` does, with the
    signed-in person named in the audit log."""
    require_cycle_role(store, user, "the meeting calendar")
    forum = browse.require_forum(store, user, forum_id)
    writer = Store(store.engine, actor=user.name)
    return record_meeting(
        writer,
        forum.id,
        period,
        meeting_date=fields.get("meeting_date"),
        data_cutoff=fields.get("data_cutoff"),
        narrative_due=fields.get("narrative_due"),
        papers_due=fields.get("papers_due"),
        part=fields.get("part"),
        time=fields.get("time"),
        place=fields.get("place"),
    )


# -- check and publish -------------------------------------------------------------------------

#: The kind of job that publishes a pack from the web app.
PUBLISH_JOB = "publish"


@dataclass(frozen=True, slots=True)
class CheckView:
    """The check-and-publish page of one forum for one period."""

    model: PackModel
    #: ``trustboard check`` for the forum and period, exactly as the command reports it
    check: CheckReport
    #: the folder the pack is (or would be) published in; None when the server keeps no
    #: published packs (``trustboard serve --published-root``)
    folder: Path | None
    #: whether the pack is published already (a published pack never changes)
    published: bool
    #: the publishing jobs of this forum and period, newest first
    jobs: tuple[Job, ...]

    @property
    def running(self) -> Job | None:
        """The publishing job that is still at work, if any."""
        return next((j for j in self.jobs if j.working), None)

    @property
    def may_publish(self) -> bool:
        """Whether the publish button is offered: nothing open, a folder to publish in, not
        published yet, and no publishing job at work."""
        return (
            self.check.ok
            and self.folder is not None
            and not self.published
            and self.running is None
        )


def check_view(
    store: Store,
    user: User,
    forum_id: str,
    period: str,
    config: PaperConfig,
    root: str | Path | None,
) -> CheckView:
    """The pre-publication checks of ``forum_id`` for ``period`` and where publishing stands
    (analysts and administrators only; a refusal is audited)."""
    require_cycle_role(store, user, "checking and publishing packs")
    model = browse.forum_pack(store, user, forum_id, period, config)
    report = check_report(store, model.forum.id, model.period, config)
    folder = publication_dir(root, model.forum.id, model.period) if root is not None else None
    found = [
        j
        for j in jobs.recent(store, kinds=[PUBLISH_JOB], limit=50)
        if j.forum == model.forum.id and j.period == model.period.label()
    ]
    published = folder is not None and (folder / MANIFEST_NAME).is_file()
    return CheckView(model, report, folder, published, tuple(found))


def override_from_web(
    store: Store,
    user: User,
    forum_id: str,
    period: str,
    finding_id: str,
    reason: str,
    config: PaperConfig,
) -> CheckOverride:
    """Accept a current finding with a reason, as ``trustboard check --override ID --reason``
    does, with the signed-in person named in the record and the audit log."""
    require_cycle_role(store, user, "overriding check findings")
    forum = browse.require_forum(store, user, forum_id)
    writer = Store(store.engine, actor=user.name)
    return override_finding(writer, forum.id, period, finding_id, reason, config=config)


def publish_from_web(
    store: Store,
    user: User,
    forum_id: str,
    period: str,
    config: PaperConfig,
    root: str | Path | None,
    *,
    background: bool = True,
) -> int:
    """Publish the forum's pack for ``period`` as ``trustboard publish`` does (freeze, manifest,
    HTML and PDF, through :func:`trustboard.services.publish.publish_pack`), as a job run by
    this worker; returns the job's id.

    Refused (and audited) for any role but analysts and administrators; refused while a
    finding is open, while another publishing job of the pack is at work, or when the server
    keeps no published packs.  A refusal writes nothing.
    """
    view = check_view(store, user, forum_id, period, config, root)
    if root is None or view.folder is None:
        raise ConfigError(
            "this server keeps no published packs, so it cannot publish",
            hint="start it with trustboard serve --published-root FOLDER",
        )
    if view.published:
        raise ConflictError(
            f"the {view.model.forum.id} pack for {view.model.period.label()} is already "
            "published; a published pack is never replaced"
        )
    if view.running is not None:
        raise ConflictError(
            f"the {view.model.forum.id} pack for {view.model.period.label()} is being "
            f"published already (job {view.running.id})",
            code=ErrorCode.JOB_STATE,
        )
    if not view.check.ok:
        raise DataValidationError(
            f"{len(view.check.findings)} pre-publication check finding(s) are open; fix or "
            "override each before publishing",
            [Problem(ErrorCode.CHECK_FINDINGS, f.id, column=f.field) for f in view.check.findings],
            code=ErrorCode.CHECK_FINDINGS,
        )
    forum, label = view.model.forum.id, view.model.period.label()
    job_id = jobs.start(store, kind=PUBLISH_JOB, actor=user.name, forum=forum, period=label)
    output = Path(root)

    def work(ctx: jobs.JobContext) -> jobs.Step:
        ctx.progress(0, 1, "rendering the HTML and PDF and freezing the pack")
        writer = Store(ctx.store.engine, actor=ctx.job.actor)
        done = publish_pack(writer, forum, label, output, config=config)
        ctx.progress(1, 1, "published")
        return jobs.Step(
            jobs.JobStatus.DONE,
            result={"folder": str(done.folder), "files": dict(done.manifest["files"])},
        )

    jobs.run(
        store,
        job_id,
        allowed=[jobs.JobStatus.QUEUED],
        working=jobs.JobStatus.COMMITTING,
        work=work,
        background=background,
    )
    return job_id


def publish_job(store: Store, user: User, job_id: int) -> Job:
    """A publishing job as any worker sees it (analysts and administrators)."""
    require_cycle_role(store, user, "publishing jobs")
    found = jobs.get(store, job_id)
    if found.kind != PUBLISH_JOB:
        raise NotFoundError(f"there is no publishing job {job_id}", code=ErrorCode.JOB_NOT_FOUND)
    return found
