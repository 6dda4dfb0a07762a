"""Narrative written and approved: drafts, saves, submission, return, approval and lock.

The narrative of an exception (a metric, a period, an org unit; the trust's is org unit ``""``)
moves through five states::

    draft ──submit──▶ submitted ──approve──▶ approved ──lock (publish)──▶ locked
      ▲                   │                      │
      └──save── returned ◀┘ return (comment)     └──save: a new draft, approved again

Every step adds a version (:mod:`trustboard.store.narrative_versions`): nothing is changed in
place, so every version is kept with its author and time, and any two can be compared
(:func:`diff_sections`).  A save, submission, return or approval names the version it was
based on; when that is no longer the latest (someone else wrote in between) it is refused with
a :class:`NarrativeConflict` that carries both versions, and the refused text is kept in the
audit log (``narrative.conflict``), so nothing typed is lost.

Only the metric's executive lead (the catalogue's ``exec_lead``, held by the accounts recorded
for it with :func:`set_lead`, or their delegates) or an admin may approve or return.  An
approval also writes the approved sections into the commentary the pack reads, as one new
revision, in the same transaction.  A draft starts from the text the pack would carry today
(this period's commentary, when imported) or else last month's, with what changed in the data
beside it (:func:`data_changes`, read from the pack's own section: never recomputed).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import Connection

from trustboard.domain import COMMENTARY_SECTIONS, Commentary, Period
from trustboard.errors import (
    ConflictError,
    DataValidationError,
    ErrorCode,
    NotFoundError,
    OptionsError,
    PermissionDeniedError,
    Problem,
    StoreError,
)
from trustboard.render.pack.formatting import ASSURANCE_LABELS, VARIATION_LABELS
from trustboard.render.pack.model import MetricSection, PackModel
from trustboard.services import notify
from trustboard.services.users import Role, User, record_refusal
from trustboard.store import Store, utc_now
from trustboard.store import narrative as stored_commentary
from trustboard.store import narrative_versions as stored
from trustboard.store.audit import record
from trustboard.store.narrative_versions import NarrativeLead, NarrativeVersion

if TYPE_CHECKING:
    from trustboard.ingest.commentary import EntrySource

__all__ = [
    "MAX_SECTION_LENGTH",
    "WRITER_ROLES",
    "DiffLine",
    "ImportPlan",
    "NarrativeConflict",
    "NarrativeState",
    "SectionDiff",
    "Start",
    "add_imported",
    "approve",
    "data_changes",
    "diff_sections",
    "enter_imported",
    "history",
    "latest",
    "latest_for",
    "leads",
    "lock_published",
    "may_approve",
    "may_write",
    "plan_import",
    "remove_lead",
    "return_for_changes",
    "save",
    "set_lead",
    "start_draft",
    "submit",
]

#: The longest text one section may hold (a page of an exception report is far shorter).
MAX_SECTION_LENGTH = 20_000

#: Roles that write narrative (approval needs more: see :func:`may_approve`).
WRITER_ROLES = frozenset({Role.EXECUTIVE, Role.ANALYST, Role.ADMIN})


class NarrativeState(StrEnum):
    """Where a narrative stands."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    RETURNED = "returned"
    LOCKED = "locked"

    @property
    def label(self) -> str:
        """As a reader sees it."""
        return self.value.capitalize()


_S = NarrativeState
#: The states each step may start from.
_FROM: dict[str, frozenset[NarrativeState]] = {
    "save": frozenset({_S.DRAFT, _S.RETURNED, _S.APPROVED}),
    "submit": frozenset({_S.DRAFT}),
    "approve": frozenset({_S.SUBMITTED}),
    "return": frozenset({_S.SUBMITTED}),
    "lock": frozenset({_S.APPROVED}),
}


class NarrativeConflict(ConflictError):
    """A step based on a version that is no longer the latest: both versions are carried."""

    def __init__(
        self,
        message: str,
        *,
        mine: Mapping[str, str],
        based_on: int | None,
        theirs: NarrativeVersion,
    ) -> None:
        super().__init__(
            message,
            code=ErrorCode.CONFLICT,
            hint="compare the two versions, then save again based on the latest",
        )
        self.mine = dict(mine)
        self.based_on = based_on
        self.theirs = theirs


@dataclass(frozen=True, slots=True)
class Start:
    """A draft's starting point: the version, where its text came from, and what changed."""

    version: NarrativeVersion
    source: str
    created: bool


@dataclass(frozen=True, slots=True)
class DiffLine:
    """One line of a diff: ``kind`` is ``+`` (added), ``-`` (removed), `` `` (kept) or ``@``
    (a hunk's position)."""

    kind: str
    text: str


@dataclass(frozen=True, slots=True)
class SectionDiff:
    """The changes to one section between two versions."""

    key: str
    heading: str
    lines: tuple[DiffLine, ...] = field(default_factory=tuple)


def _clean(sections: Mapping[str, str]) -> dict[str, str]:
    """Known sections with text, line endings made ``\\n``; unknown keys or overlong text are
    refused."""
    unknown = sorted(set(sections) - set(COMMENTARY_SECTIONS))
    if unknown:
        raise OptionsError(
            f"unknown narrative section {', '.join(repr(k) for k in unknown)}",
            hint="use one of " + ", ".join(COMMENTARY_SECTIONS),
        )
    out: dict[str, str] = {}
    for key, text in sections.items():
        body = text.replace("\r\n", "\n").replace("\r", "\n").strip()
        if len(body) > MAX_SECTION_LENGTH:
            raise OptionsError(
                f"section '{COMMENTARY_SECTIONS[key]}' is {len(body)} characters long; "
                f"at most {MAX_SECTION_LENGTH} are kept"
            )
        if body:
            out[key] = body
    return out


def history(
    store: Store, metric_id: str, period: str, org_unit: str = ""
) -> list[NarrativeVersion]:
    """Every version of one narrative, oldest first."""
    with store.reading() as conn:
        return stored.read_versions(conn, metric_ids=[metric_id], period=period, org_unit=org_unit)


def latest(
    store: Store, metric_id: str, period: str, org_unit: str = ""
) -> NarrativeVersion | None:
    """The newest version of one narrative (None before a draft is started)."""
    found = history(store, metric_id, period, org_unit)
    return found[-1] if found else None


def latest_for(store: Store, metric_ids: Iterable[str], period: str) -> list[NarrativeVersion]:
    """The newest version of each trust-level narrative of ``metric_ids`` for ``period``."""
    with store.reading() as conn:
        return stored.read_versions(
            conn, metric_ids=sorted(set(metric_ids)), period=period, org_unit="", latest_only=True
        )


def may_write(user: User) -> bool:
    """Whether ``user``'s role writes narrative."""
    return user.role in WRITER_ROLES and not user.disabled


def _exec_lead(store: Store, metric_id: str) -> str | None:
    definition = store.metric(metric_id)
    if definition is None:
        raise NotFoundError(f"there is no metric '{metric_id}'")
    return definition.exec_lead


def may_approve(store: Store, user: User, metric_id: str) -> bool:
    """Whether ``user`` may approve (or return) the metric's narrative: an admin, or an
    account recorded for the metric's executive lead (the lead or a delegate)."""
    if user.disabled:
        return False
    if user.role is Role.ADMIN:
        return True
    lead = _exec_lead(store, metric_id)
    if not lead or user.role not in WRITER_ROLES:
        return False
    with store.reading() as conn:
        return bool(stored.read_leads(conn, exec_lead=lead, user_name=user.name))


def _refuse(store: Store, user: User, what: str, why: str) -> PermissionDeniedError:
    record_refusal(store, user.name, what, why)
    return PermissionDeniedError(f"you may not {what}: {why}")


def _require_writer(store: Store, user: User, what: str) -> None:
    if not may_write(user):
        raise _refuse(store, user, what, f"role {user.role.value} does not write narrative")


def _commentary_text(store: Store, metric_id: str, period: str, org_unit: str) -> dict[str, str]:
    found = store.commentary([metric_id], period=period)
    for item in found:
        if (item.org_unit or "") == org_unit:
            return {k: v for k, v in item.sections.items() if v}
    return {}


def start_draft(store: Store, user: User, metric_id: str, period: str, org_unit: str = "") -> Start:
    """The narrative's first version, made now when there is none: this period's commentary
    when some was imported, else last period's approved narrative (its latest version that was
    approved or locked), else last period's commentary, else empty."""
    what = f"start the narrative of {metric_id} for {period}"
    _require_writer(store, user, what)
    _exec_lead(store, metric_id)
    current = latest(store, metric_id, period, org_unit)
    if current is not None:
        return Start(current, "already started", created=False)
    previous = Period.parse(period).previous().label()
    sections = _commentary_text(store, metric_id, period, org_unit)
    source = f"this period's commentary ({period})"
    if not sections:
        approved = [
            v
            for v in history(store, metric_id, previous, org_unit)
            if v.state in (_S.APPROVED, _S.LOCKED)
        ]
        if approved:
            sections = dict(approved[-1].sections)
            source = f"the approved narrative of {previous} (version {approved[-1].version})"
        else:
            sections = _commentary_text(store, metric_id, previous, org_unit)
            source = f"last period's commentary ({previous})" if sections else "nothing (empty)"
    item = NarrativeVersion(
        metric_id=metric_id,
        period=period,
        org_unit=org_unit,
        version=1,
        based_on=None,
        state=_S.DRAFT.value,
        sections=sections,
        author=user.name,
        created_at=utc_now(),
    )
    try:
        with store.transaction() as conn:
            stored.add_version(conn, item, action="narrative.start", before=None)
    except StoreError as error:
        if error.code != ErrorCode.STORE_INTEGRITY:
            raise
        found = latest(store, metric_id, period, org_unit)
        assert found is not None
        return Start(found, "already started", created=False)
    return Start(item, source, created=True)


def _step(
    store: Store,
    user: User,
    step: str,
    metric_id: str,
    period: str,
    org_unit: str,
    based_on: int,
    *,
    state: NarrativeState,
    sections: Mapping[str, str] | None = None,
    reviewer: str | None = None,
    review_comment: str | None = None,
    approver: str | None = None,
    again: bool = True,
) -> NarrativeVersion:
    """Add the version that ``step`` makes, after checking the state and the version read."""
    mine = _clean(sections) if sections is not None else None
    try:
        with store.transaction() as conn:
            versions = stored.read_versions(
                conn, metric_ids=[metric_id], period=period, org_unit=org_unit
            )
            if not versions:
                raise NotFoundError(
                    f"the narrative of {metric_id} for {period} has not been started",
                    hint="open the narrative page to start a draft",
                )
            current = versions[-1]
            if current.version != based_on:
                kept = mine if mine is not None else current.sections
                record(
                    conn,
                    now=utc_now(),
                    actor=user.name,
                    action="narrative.conflict",
                    entity="narrative",
                    entity_id=current.key,
                    before={"version": current.version},
                    after={"step": step, "based_on": based_on, "sections": kept},
                )
                conflict = NarrativeConflict(
                    f"the narrative of {metric_id} for {period} was changed by {current.author} "
                    f"(version {current.version}) after you opened version {based_on}; "
                    "your text was not saved over it",
                    mine=kept,
                    based_on=based_on,
                    theirs=current,
                )
            else:
                conflict = None
                if NarrativeState(current.state) not in _FROM[step]:
                    allowed = ", ".join(sorted(s.value for s in _FROM[step]))
                    raise ConflictError(
                        f"a narrative that is {current.state} cannot be {_PAST[step]} "
                        f"(only one that is {allowed})",
                        hint=_HINTS.get(NarrativeState(current.state)),
                    )
                item = NarrativeVersion(
                    metric_id=metric_id,
                    period=period,
                    org_unit=org_unit,
                    version=current.version + 1,
                    based_on=based_on,
                    state=state.value,
                    sections=mine if mine is not None else dict(current.sections),
                    author=user.name,
                    created_at=utc_now(),
                    reviewer=reviewer,
                    review_comment=review_comment,
                    approver=approver,
                )
                stored.add_version(conn, item, action=f"narrative.{step}", before=current)
                if step == "approve":
                    _write_commentary(conn, current, item)
    except StoreError as error:
        if error.code != ErrorCode.STORE_INTEGRITY or not again:
            raise
        # another writer added the same version number between the read and the write (an
        # engine that does not serialise writers): the step is read again, and so refused
        # as a conflict with both versions
        return _step(
            store,
            user,
            step,
            metric_id,
            period,
            org_unit,
            based_on,
            state=state,
            sections=sections,
            reviewer=reviewer,
            review_comment=review_comment,
            approver=approver,
            again=False,
        )
    if conflict is not None:
        raise conflict
    return item


_PAST = {
    "save": "saved",
    "submit": "submitted",
    "approve": "approved",
    "return": "returned",
    "lock": "locked",
}
_HINTS = {
    _S.SUBMITTED: "it is with the approver: ask them to approve it or return it",
    _S.LOCKED: "it was published; a later change is next period's narrative",
    _S.APPROVED: "edit it to start a new draft, which is approved again",
    _S.DRAFT: "submit it first",
    _S.RETURNED: "edit it, then submit it again",
}


def _write_commentary(
    conn: Connection, submitted: NarrativeVersion, approved: NarrativeVersion
) -> None:
    """The approved sections become the commentary the pack reads (one revision), keeping
    what the narrative does not hold (assurance level, deep-dive request, private sections)."""
    existing = [
        c
        for c in stored_commentary.read_commentary(
            conn, metric_ids=[approved.metric_id], period=approved.period
        )
        if (c.org_unit or "") == approved.org_unit
    ]
    kept = existing[0] if existing else None
    item = Commentary(
        metric_id=approved.metric_id,
        period=approved.period,
        org_unit=approved.org_unit or None,
        sections=dict(approved.sections),
        assurance_level=kept.assurance_level if kept else None,
        author=submitted.author,
        deep_dive_requested_by=kept.deep_dive_requested_by if kept else None,
        private_sections=tuple(
            k for k in (kept.private_sections if kept else ()) if k in approved.sections
        ),
    )
    stored_commentary.write_commentary(
        conn, [item], now=approved.created_at, actor=approved.author, import_id=None
    )


def save(
    store: Store,
    user: User,
    metric_id: str,
    period: str,
    sections: Mapping[str, str],
    *,
    based_on: int,
    org_unit: str = "",
) -> NarrativeVersion:
    """Save edited text as a new draft version (refused with :class:`NarrativeConflict` when
    ``based_on`` is no longer the latest version)."""
    _require_writer(store, user, f"edit the narrative of {metric_id}")
    return _step(
        store,
        user,
        "save",
        metric_id,
        period,
        org_unit,
        based_on,
        state=_S.DRAFT,
        sections=sections,
    )


def submit(
    store: Store, user: User, metric_id: str, period: str, *, based_on: int, org_unit: str = ""
) -> NarrativeVersion:
    """Submit a draft for approval."""
    _require_writer(store, user, f"submit the narrative of {metric_id}")
    item = _step(store, user, "submit", metric_id, period, org_unit, based_on, state=_S.SUBMITTED)
    notify.narrative_submitted(store, item)
    return item


def _require_approver(store: Store, user: User, metric_id: str, what: str) -> None:
    if not may_approve(store, user, metric_id):
        lead = _exec_lead(store, metric_id) or "no executive lead"
        raise _refuse(store, user, what, f"only {lead} (or their delegate) or an admin may do that")


def approve(
    store: Store, user: User, metric_id: str, period: str, *, based_on: int, org_unit: str = ""
) -> NarrativeVersion:
    """Approve a submitted narrative (the metric's executive lead, a delegate or an admin);
    the text becomes the pack's commentary."""
    _require_approver(store, user, metric_id, f"approve the narrative of {metric_id}")
    return _step(
        store,
        user,
        "approve",
        metric_id,
        period,
        org_unit,
        based_on,
        state=_S.APPROVED,
        approver=user.name,
    )


def return_for_changes(
    store: Store,
    user: User,
    metric_id: str,
    period: str,
    comment: str,
    *,
    based_on: int,
    org_unit: str = "",
) -> NarrativeVersion:
    """Return a submitted narrative to its author with a review comment (needed)."""
    _require_approver(store, user, metric_id, f"return the narrative of {metric_id}")
    text = comment.strip()
    if not text:
        raise OptionsError(
            "a returned narrative needs a review comment", hint="say what should change"
        )
    item = _step(
        store,
        user,
        "return",
        metric_id,
        period,
        org_unit,
        based_on,
        state=_S.RETURNED,
        reviewer=user.name,
        review_comment=text[:MAX_SECTION_LENGTH],
    )
    notify.narrative_returned(store, item)
    return item


@dataclass(frozen=True, slots=True)
class ImportPlan:
    """What importing narrative text will add: each new version with the version it follows,
    how many entries left their narrative as it was, and every problem (nothing is added
    while there is one)."""

    versions: tuple[tuple[NarrativeVersion, NarrativeVersion | None], ...] = ()
    unchanged: int = 0
    problems: tuple[Problem, ...] = ()
    approver: str | None = None


def _approver_problem(name: str, message: str, expected: str) -> Problem:
    return Problem(
        ErrorCode.N_APPROVER, message, column="--approved-by", value=name, expected=expected
    )


def _lead_accounts(store: Store, lead: str | None) -> str:
    if not lead:
        return "an admin (the metric has no executive lead)"
    with store.reading() as conn:
        names = [item.user_name for item in stored.read_leads(conn, exec_lead=lead)]
    named = ", ".join(names) if names else "none is named yet"
    return f"an account that approves for {lead} ({named}), or an admin"


def plan_import(
    store: Store,
    items: Sequence[Commentary],
    sources: Sequence[EntrySource] | None = None,
    *,
    author: str,
    approved_by: str | None = None,
) -> ImportPlan:
    """The narrative versions that imported commentary adds: a draft for each entry whose
    text differs from its narrative's latest version, or, with ``approved_by``, an approved
    version recorded with that approver, who must approve for each metric's executive lead.

    Re-importing the same text adds nothing (and never turns approved text back into a
    draft).  A locked narrative (its pack was published) is not changed, nor, by a draft, one
    that is submitted and with its approver.  ``sources`` (file and line of each entry) place
    the problems; an entry without text has no narrative to add.
    """
    problems: list[Problem] = []
    approver: User | None = None
    if approved_by is not None:
        name = approved_by.strip()
        accounts = {u.name: u for u in _users(store)}
        approver = accounts.get(name)
        if approver is None or approver.disabled:
            why = "is disabled" if approver is not None else "is not an account"
            problems.append(
                _approver_problem(
                    name,
                    f"'{name}' {why}; narrative can be imported as approved only by an account "
                    "that approves it",
                    "the name of an active account (trustboard users list)",
                )
            )
            return ImportPlan(problems=tuple(problems))
    keys = sorted({(c.metric_id, c.period) for c in items})
    newest: dict[tuple[str, str, str], NarrativeVersion] = {}
    with store.reading() as conn:
        for metric_id, period in keys:
            for v in stored.read_versions(
                conn, metric_ids=[metric_id], period=period, latest_only=True
            ):
                newest[(v.metric_id, v.period, v.org_unit)] = v
    state = _S.APPROVED if approver is not None else _S.DRAFT
    now = utc_now()
    planned: list[tuple[NarrativeVersion, NarrativeVersion | None]] = []
    unchanged = 0
    for index, item in enumerate(items):
        source = sources[index] if sources is not None else None
        file = source.file if source is not None else None
        row = source.line if source is not None else None
        try:
            sections = _clean(item.sections)
        except OptionsError as error:
            problems.append(
                Problem(ErrorCode.N_FIELD, error.message, file=file, row=row, column="sections")
            )
            continue
        if not sections:
            continue
        org_unit = item.org_unit or ""
        current = newest.get((item.metric_id, item.period, org_unit))
        if (
            current is not None
            and current.sections == sections
            and (approver is None or current.state in (_S.APPROVED.value, _S.LOCKED.value))
        ):
            unchanged += 1
            continue
        if approver is not None and not may_approve(store, approver, item.metric_id):
            lead = _exec_lead(store, item.metric_id)
            problems.append(
                Problem(
                    ErrorCode.N_APPROVER,
                    f"'{approver.name}' does not approve narrative for {item.metric_id}, whose "
                    f"executive lead is {lead or 'not named'}",
                    column="--approved-by",
                    value=approver.name,
                    expected=_lead_accounts(store, lead),
                    file=file,
                    row=row,
                )
            )
            continue
        if current is not None and (
            current.state == _S.LOCKED or (approver is None and current.state == _S.SUBMITTED)
        ):
            why = (
                "its pack was published; a later change is next period's narrative"
                if current.state == _S.LOCKED
                else "it is with its approver, who approves or returns it first"
            )
            problems.append(
                Problem(
                    ErrorCode.N_NARRATIVE_STATE,
                    f"the narrative of {item.metric_id} for {item.period} is {current.state} "
                    f"(version {current.version}): {why}",
                    column="sections",
                    value=current.state,
                    expected="a narrative that is not started, draft, returned or approved"
                    if approver is None
                    else "a narrative that is not locked",
                    file=file,
                    row=row,
                )
            )
            continue
        version = NarrativeVersion(
            metric_id=item.metric_id,
            period=item.period,
            org_unit=org_unit,
            version=1 if current is None else current.version + 1,
            based_on=None if current is None else current.version,
            state=state.value,
            sections=sections,
            author=author,
            created_at=now,
            approver=approver.name if approver is not None else None,
        )
        planned.append((version, current))
    return ImportPlan(
        tuple(planned), unchanged, tuple(problems), approver.name if approver else None
    )


def add_imported(store: Store, plan: ImportPlan) -> list[NarrativeVersion]:
    """Store the versions of ``plan`` (audited as ``narrative.import``) in one transaction,
    which joins the caller's; refused while the plan has problems."""
    if plan.problems:
        raise DataValidationError(
            f"the narrative was not imported: {len(plan.problems)} problem(s) found",
            list(plan.problems),
            hint="nothing was loaded; correct the file(s) or the approver and import again",
        )
    with store.transaction() as conn:
        for item, before in plan.versions:
            stored.add_version(conn, item, action="narrative.import", before=before)
    return [item for item, _before in plan.versions]


def enter_imported(
    store: Store,
    items: Sequence[Commentary],
    sources: Sequence[EntrySource] | None = None,
    *,
    author: str,
    approved_by: str | None = None,
) -> list[NarrativeVersion]:
    """:func:`plan_import` then :func:`add_imported`: commentary written outside a file
    import (the demo's) enters the workflow as the import's does."""
    plan = plan_import(store, items, sources, author=author, approved_by=approved_by)
    return add_imported(store, plan)


def lock_published(
    store: Store, metric_ids: Iterable[str], period: str, *, actor: str
) -> list[NarrativeVersion]:
    """Lock every approved narrative of ``metric_ids`` for ``period`` (the publish path calls
    this once the pack is frozen); returns the lock versions added.  Nothing is written when
    none is approved."""
    ids = sorted(set(metric_ids))
    with store.reading() as conn:
        newest = stored.read_versions(conn, metric_ids=ids, period=period, latest_only=True)
    approved = [v for v in newest if v.state == _S.APPROVED.value]
    if not approved:
        return []
    now = utc_now()
    added: list[NarrativeVersion] = []
    with store.transaction() as conn:
        for current in approved:
            item = NarrativeVersion(
                metric_id=current.metric_id,
                period=current.period,
                org_unit=current.org_unit,
                version=current.version + 1,
                based_on=current.version,
                state=_S.LOCKED.value,
                sections=dict(current.sections),
                author=actor,
                created_at=now,
                approver=current.approver,
            )
            stored.add_version(conn, item, action="narrative.lock", before=current)
            added.append(item)
    return added


def set_lead(
    store: Store, admin: User, exec_lead: str, user_name: str, *, delegate: bool = False
) -> NarrativeLead:
    """Record that account ``user_name`` approves for ``exec_lead`` (an admin's step)."""
    if admin.role is not Role.ADMIN:
        raise _refuse(store, admin, "name narrative approvers", "only an admin may")
    names = {u.name for u in _users(store)}
    if user_name not in names:
        raise NotFoundError(f"there is no account '{user_name}'")
    lead_text = exec_lead.strip()
    if not lead_text:
        raise OptionsError("name the executive lead as the catalogue's exec_lead gives it")
    lead = NarrativeLead(lead_text, user_name, delegate, admin.name, utc_now())
    with store.transaction() as conn:
        stored.write_lead(conn, lead)
    return lead


def remove_lead(store: Store, admin: User, exec_lead: str, user_name: str) -> bool:
    """Remove an approver (an admin's step); False when there was none."""
    if admin.role is not Role.ADMIN:
        raise _refuse(store, admin, "remove narrative approvers", "only an admin may")
    with store.transaction() as conn:
        return stored.remove_lead(
            conn, exec_lead=exec_lead, user_name=user_name, actor=admin.name, now=utc_now()
        )


def leads(store: Store, user_name: str | None = None) -> list[NarrativeLead]:
    """The recorded approvers (of one account, when named)."""
    with store.reading() as conn:
        return stored.read_leads(conn, user_name=user_name)


def _users(store: Store) -> list[User]:
    from trustboard.services.users import list_users

    return list_users(store)


def diff_sections(old: Mapping[str, str] | None, new: Mapping[str, str]) -> list[SectionDiff]:
    """Each changed section's line diff from ``old`` to ``new``, in the pack's section order
    (text is returned as typed: a page escapes it)."""
    before = old or {}
    out: list[SectionDiff] = []
    for key, heading in COMMENTARY_SECTIONS.items():
        a, b = before.get(key, ""), new.get(key, "")
        if a == b:
            continue
        lines: list[DiffLine] = []
        for line in difflib.unified_diff(a.splitlines(), b.splitlines(), lineterm="", n=2):
            if line.startswith(("---", "+++")):
                continue
            kind = line[:1] if line[:1] in "+-@" else " "
            lines.append(DiffLine(kind, line[1:] if kind != "@" else line))
        out.append(SectionDiff(key, heading, tuple(lines)))
    return out


def _label(labels: Mapping[str, str], icon: str | None) -> str:
    return labels.get(icon or "", icon or "no icon")


def data_changes(model: PackModel, section: MetricSection) -> list[str]:
    """What changed in the data this period, as the pack states it: the latest point, icon
    changes since the previous period, the exception rules that fired and revisions of
    published figures (all read from the pack's section, never recomputed)."""
    out: list[str] = []
    summary = section.summary
    if section.points:
        last = section.points[-1]
        text = f"New point for {last.date.isoformat()}: {last.display}"
        if last.special_cause_type and last.special_cause_type != "Common Cause":
            text += f" ({last.special_cause_type})"
        if last.provisional:
            text += ", provisional"
        out.append(text)
    before = section.previous_summary
    if before is not None:
        if before.variation_icon != summary.variation_icon:
            out.append(
                f"Variation icon changed: {_label(VARIATION_LABELS, before.variation_icon)} → "
                f"{_label(VARIATION_LABELS, summary.variation_icon)}"
            )
        if before.assurance_icon != summary.assurance_icon:
            out.append(
                f"Assurance icon changed: {_label(ASSURANCE_LABELS, before.assurance_icon)} → "
                f"{_label(ASSURANCE_LABELS, summary.assurance_icon)}"
            )
    for reason in section.exception_reasons:
        out.append(f"Exception rule: {reason}")
    for revision in model.revisions:
        if revision.metric_id == section.metric_id:
            out.append(
                f"Revised figure for {revision.period_label}: published {revision.published} "
                f"in {revision.published_in}, now {revision.current}"
            )
    return out
