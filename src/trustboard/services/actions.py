"""The action tracker: actions across metrics and BAF risks, who owns them, what slipped.

Actions have one source, the store's ``action`` table.  Commentary imports and the BAF register
write to it under each action's own id (the stable key: importing a file again updates the same
action, never adds a second); a due date that an import changes is recorded as a due-date
change with the action's note as its reason (:mod:`trustboard.store.actions`).  The packs read
the same table (the actions carried into the period, with their first and current due dates),
so the tracker, the control panel and the pack cannot disagree.

Words used here, each defined once:

* **slipping**: the current due date is later than the first one promised; by how many days is
  :func:`slipping_days`.
* **overdue** on a day: the action is open (not complete or closed) and its current due date
  is before that day (:func:`overdue_days`).  For a reporting period the day is the period's
  last day, the day the pack reports on.

**Owners and accounts.**  An action's owner is written as the catalogue writes a metric's
``exec_lead`` (a job title such as ``Chief Operating Officer``) or as an account name.  An
account owns the action when its name is the owner, or when it is recorded as approving
narrative for that executive lead (the lead or a delegate; admins record these on the narrative
approvers page, :func:`trustboard.services.narrative.set_lead`).  One mapping serves narrative
approval, "my actions" and notifications.

**Who may do what.**  Analysts, admins and risk leads read every action; anyone else reads the
actions they own.  The owner, an analyst or an admin may change an action; a risk lead may
change a BAF risk's actions.  A change of due date needs a reason.  Every change and every
refusal is audited.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import quote

from sqlalchemy import Connection

from trustboard.domain import Action, ActionStatus, ForumKind, Period
from trustboard.errors import NotFoundError, OptionsError, PermissionDeniedError
from trustboard.services import notify
from trustboard.services.users import Role, User, list_users, record_refusal
from trustboard.store import Store, utc_now
from trustboard.store import actions as stored
from trustboard.store import narrative_versions as leads_store
from trustboard.store.actions import DueChange
from trustboard.store.narrative import ActionChange, read_action_history
from trustboard.store.notifications import Notification

__all__ = [
    "ALL_ACTIONS_ROLES",
    "MAX_EVIDENCE_LENGTH",
    "ActionAttention",
    "ActionFilter",
    "ActionPage",
    "TrackedItem",
    "accounts_owning",
    "action_page",
    "actions_needing_attention",
    "list_actions",
    "may_change",
    "overdue_days",
    "owner_names",
    "owners_of",
    "remind",
    "slipping_days",
    "tracked_actions",
    "update_action",
]

#: Roles that read every action (everyone else reads the actions they own).
ALL_ACTIONS_ROLES = frozenset({Role.ANALYST, Role.ADMIN, Role.RISK_LEAD})
#: The longest evidence of completion or reason kept.
MAX_EVIDENCE_LENGTH = 5_000


def slipping_days(action: Action) -> int:
    """Days the current due date is later than the first promised (0: not slipping)."""
    first = action.original_due or action.due
    return max(0, (action.due - first).days)


def overdue_days(action: Action, on: date) -> int:
    """Days an open action is past its current due date on ``on`` (0: not overdue)."""
    if not action.status.is_open or action.due >= on:
        return 0
    return (on - action.due).days


@dataclass(frozen=True, slots=True)
class ActionAttention:
    """An action a forum's reporting cycle should chase: overdue or slipping on the day.

    ``subject_kind`` is ``metric`` or ``baf_risk``; ``link`` is the action's page in the web
    app.  ``overdue_days`` and ``slipping_days`` are 0 when the action is not so.
    """

    action_id: str
    subject_kind: str
    subject_id: str
    description: str
    owner: str
    status: ActionStatus
    first_due: date
    current_due: date
    overdue_days: int
    slipping_days: int
    link: str


def _subject(action: Action) -> tuple[str, str]:
    if action.baf_risk_id:
        return "baf_risk", action.baf_risk_id
    return "metric", action.metric_id or ""


def _link(action_id: str) -> str:
    return "/actions/" + quote(action_id, safe="")


def actions_needing_attention(store: Store, forum_id: str, period: str) -> list[ActionAttention]:
    """The actions of ``forum_id``'s agenda carried into ``period`` that are overdue on the
    period's last day or slipping, most overdue first.

    The agenda's actions are those of the metrics the forum receives and, for a Board forum
    (which holds the BAF), those of the BAF's risks.  An action is carried into the period as
    the pack carries it: opened by the period's end and not complete or closed before it.
    """
    forums = {f.id: f for f in store.forums()}
    forum = forums.get(forum_id)
    if forum is None:
        raise NotFoundError(f"there is no forum '{forum_id}'")
    on = Period.parse(period).end
    metric_ids = store.forum_metrics().get(forum_id, ())
    carried = store.actions(list(metric_ids), open_on=on)
    if forum.kind is ForumKind.BOARD:
        seen = {a.id for a in carried}
        carried += [a for a in store.actions(open_on=on) if a.baf_risk_id and a.id not in seen]
    found: list[ActionAttention] = []
    for a in carried:
        late = (on - a.due).days if a.due < on else 0
        slipped = slipping_days(a)
        if not late and not slipped:
            continue
        kind, subject_id = _subject(a)
        found.append(
            ActionAttention(
                action_id=a.id,
                subject_kind=kind,
                subject_id=subject_id,
                description=a.description,
                owner=a.owner,
                status=a.status,
                first_due=a.original_due or a.due,
                current_due=a.due,
                overdue_days=late,
                slipping_days=slipped,
                link=_link(a.id),
            )
        )
    found.sort(key=lambda x: (-x.overdue_days, -x.slipping_days, x.current_due, x.action_id))
    return found


def owner_names(store: Store, user: User) -> set[str]:
    """The owner names that mean ``user``: the account's name and every executive lead it
    approves narrative for (as the lead or a delegate)."""
    with store.reading() as conn:
        recorded = leads_store.read_leads(conn, user_name=user.name)
    return {user.name} | {lead.exec_lead for lead in recorded}


def accounts_owning(store: Store, owner: str) -> list[str]:
    """The live accounts that own actions written with ``owner`` (see the module's note)."""
    live = {u.name for u in list_users(store) if not u.disabled}
    with store.reading() as conn:
        recorded = leads_store.read_leads(conn, exec_lead=owner)
    names = {lead.user_name for lead in recorded} | ({owner} if owner in live else set())
    return sorted(n for n in names if n in live)


def _owns(store: Store, user: User, action: Action) -> bool:
    return action.owner in owner_names(store, user)


def may_change(store: Store, user: User, action: Action) -> bool:
    """Whether ``user`` may change ``action``: its owner, an analyst or an admin, or a risk
    lead for a BAF risk's action."""
    if user.disabled:
        return False
    if user.role in (Role.ANALYST, Role.ADMIN):
        return True
    if user.role is Role.RISK_LEAD and action.baf_risk_id:
        return True
    return _owns(store, user, action)


@dataclass(frozen=True, slots=True)
class TrackedItem:
    """An action as the tracker shows it, with its evidence and where it stands on ``on``."""

    action: Action
    evidence: str | None
    subject_kind: str
    subject_id: str
    overdue_days: int
    slipping_days: int
    link: str


@dataclass(frozen=True, slots=True)
class ActionFilter:
    """What the list is narrowed to: ``status`` is a status value or ``open``/``closed``."""

    subject: str | None = None
    owner: str | None = None
    status: str | None = None
    overdue: bool = False
    slipping: bool = False
    mine: bool = False


def _item(tracked: stored.TrackedAction, on: date) -> TrackedItem:
    a = tracked.action
    kind, subject_id = _subject(a)
    return TrackedItem(
        action=a,
        evidence=tracked.evidence,
        subject_kind=kind,
        subject_id=subject_id,
        overdue_days=overdue_days(a, on),
        slipping_days=slipping_days(a),
        link=_link(a.id),
    )


def _status_matches(status: ActionStatus, wanted: str) -> bool:
    if wanted == "open":
        return status.is_open
    if wanted == "closed":
        return not status.is_open
    return status.value == wanted


def list_actions(
    store: Store, user: User, chosen: ActionFilter, *, on: date | None = None
) -> list[TrackedItem]:
    """The actions ``user`` may read, narrowed by ``chosen``, by current due date.

    Someone outside :data:`ALL_ACTIONS_ROLES` reads only their own actions, whatever
    ``chosen`` says.  ``on`` (today by default) decides what is overdue.
    """
    day = on or utc_now().date()
    _check_status(chosen.status)
    mine_only = chosen.mine or user.role not in ALL_ACTIONS_ROLES
    owners = sorted(owner_names(store, user)) if mine_only else None
    return _listed(store, chosen, day, owners)


def tracked_actions(
    store: Store, chosen: ActionFilter, *, on: date | None = None
) -> list[TrackedItem]:
    """Every action, narrowed by ``chosen`` (``mine`` is ignored): the command line's list,
    run by whoever holds the store."""
    _check_status(chosen.status)
    return _listed(store, chosen, on or utc_now().date(), None)


def _check_status(status: str | None) -> None:
    if status and status not in {"open", "closed", *(s.value for s in ActionStatus)}:
        raise OptionsError(
            f"there is no action status {status!r}",
            hint="open, closed, " + ", ".join(s.value for s in ActionStatus),
        )


def _listed(
    store: Store, chosen: ActionFilter, day: date, owners: Sequence[str] | None
) -> list[TrackedItem]:
    with store.reading() as conn:
        tracked = stored.read_tracked(conn, owners=owners)
    items = [_item(t, day) for t in tracked]
    subject = (chosen.subject or "").strip()
    owner = (chosen.owner or "").strip()
    return [
        i
        for i in items
        if (not subject or i.subject_id == subject)
        and (not owner or i.action.owner == owner)
        and (not chosen.status or _status_matches(i.action.status, chosen.status))
        and (not chosen.overdue or i.overdue_days > 0)
        and (not chosen.slipping or i.slipping_days > 0)
    ]


@dataclass(frozen=True, slots=True)
class ActionPage:
    """One action with its history: every due-date change and every status change."""

    item: TrackedItem
    due_changes: list[DueChange]
    history: list[ActionChange]
    created_by: str | None
    may_change: bool


def _find(store: Store, action_id: str) -> stored.TrackedAction:
    with store.reading() as conn:
        found = stored.read_tracked(conn, action_ids=[action_id])
    if not found:
        raise NotFoundError(f"there is no action '{action_id}'")
    return found[0]


def _require_reader(store: Store, user: User, action: Action) -> None:
    if user.role in ALL_ACTIONS_ROLES and not user.disabled:
        return
    if _owns(store, user, action):
        return
    record_refusal(store, user.name, f"action {action.id}", "not the action's owner")
    # told as "not found", so that the page does not say which action ids exist
    raise NotFoundError(f"there is no action '{action.id}' among yours")


def action_page(store: Store, user: User, action_id: str, *, on: date | None = None) -> ActionPage:
    """An action's page: the action, its due-date changes and history, whether ``user`` may
    change it (refused, and audited, for someone who may not read it)."""
    tracked = _find(store, action_id)
    _require_reader(store, user, tracked.action)
    with store.reading() as conn:
        changes = stored.read_due_changes(conn, action_id)
        history = read_action_history(conn, action_id)
    return ActionPage(
        item=_item(tracked, on or utc_now().date()),
        due_changes=changes,
        history=history,
        created_by=tracked.created_by,
        may_change=may_change(store, user, tracked.action),
    )


def update_action(
    store: Store,
    user: User,
    action_id: str,
    *,
    status: str | None = None,
    evidence: str | None = None,
    due: date | None = None,
    reason: str | None = None,
) -> TrackedItem:
    """Change an action's status, evidence of completion or due date (with a reason).

    Refused (and audited) for someone who may not change it, as "not found" when they may not
    read it either; a new due date without a reason is refused.  A due date moved later than
    the first promised tells the owner's accounts (a notification) in the same transaction.
    """
    tracked = _find(store, action_id)
    action = tracked.action
    # someone who may not read the action is told "not found", as its page tells them, so
    # that a refusal never confirms which action ids exist
    _require_reader(store, user, action)
    if not may_change(store, user, action):
        record_refusal(store, user.name, f"change action {action_id}", "not the owner's")
        raise PermissionDeniedError(
            f"you may not change action '{action_id}': only its owner, an analyst, an admin"
            + (" or a risk lead" if action.baf_risk_id else "")
            + " may"
        )
    chosen_status: ActionStatus | None = None
    if status:
        try:
            chosen_status = ActionStatus(status)
        except ValueError:
            raise OptionsError(
                f"there is no action status {status!r}",
                hint=", ".join(s.value for s in ActionStatus),
            ) from None
    why = (reason or "").strip()
    moving = due is not None and due != action.due
    if moving and not why:
        raise OptionsError(
            f"a new due date for action '{action_id}' needs a reason",
            hint="say why the date moved; the reason is kept with the change",
        )
    kept_evidence = None if evidence is None else evidence.strip()[:MAX_EVIDENCE_LENGTH]
    now = utc_now()
    with store.transaction() as conn:
        after = stored.update_action(
            conn,
            action_id,
            actor=user.name,
            now=now,
            status=chosen_status,
            evidence=kept_evidence,
            due=due if moving else None,
            reason=why[:MAX_EVIDENCE_LENGTH] if moving else None,
        )
        told = []
        if moving and slipping_days(after.action) > 0:
            told = _tell_slipped(conn, store, after.action, now=now, exclude=user.name)
    notify.deliver(store, told)
    return _item(after, now.date())


def owners_of(items: Sequence[TrackedItem]) -> list[str]:
    """The owners named in ``items`` (for a filter's choices)."""
    return sorted({i.action.owner for i in items})


def _action_link(action: Action) -> str:
    return "/actions/" + quote(action.id, safe="")


def _tell_slipped(
    conn: Connection, store: Store, action: Action, *, now: datetime, exclude: str | None = None
) -> list[Notification]:
    days = slipping_days(action)
    return notify.tell(
        conn,
        accounts_owning(store, action.owner),
        "action.slipping",
        f"Action {action.id} is now due {action.due.isoformat()}, {days} days after its first "
        f"due date {(action.original_due or action.due).isoformat()}",
        _action_link(action),
        now=now,
        exclude=exclude,
        dedupe_key=f"slipping:{action.id}:{action.due.isoformat()}",
    )


def remind(store: Store, on: date | None = None) -> list[Notification]:
    """Tell the owners of every open action that is overdue on ``on`` (today by default) or
    slipping (notifications, then e-mail after the commit); each notice is sent once per due
    date, so this may run every day.  Returns the notifications added."""
    day = on or utc_now().date()
    now = utc_now()
    added: list[Notification] = []
    with store.transaction() as conn:
        for action in store.actions(include_closed=False):
            late = overdue_days(action, day)
            if late:
                added += notify.tell(
                    conn,
                    accounts_owning(store, action.owner),
                    "action.overdue",
                    f"Action {action.id} was due {action.due.isoformat()}: {late} days overdue",
                    _action_link(action),
                    now=now,
                    dedupe_key=f"overdue:{action.id}:{action.due.isoformat()}",
                )
            if slipping_days(action):
                added += _tell_slipped(conn, store, action, now=now)
    notify.deliver(store, added)
    return added
