"""BAF risks edited and reviewed in the browser: who may, what a save is checked against, and
what happens when two people edit the same risk.

Who edits: a ``risk_lead`` or an ``admin`` edits every risk; a risk's owner edits their own.
The register names a risk's owner by title (``executive_lead``: "Chief Operating Officer"),
as the catalogue names a metric's executive lead; the accounts that hold a title are the ones
an admin records for it as narrative approvers (:func:`trustboard.services.narrative.set_lead`,
the lead or a delegate).  So an ``executive`` account recorded for "Chief Operating Officer"
edits the risks whose ``executive_lead`` is "Chief Operating Officer".  Everyone else reads the
BAF pages as before; a refused write is audited and changes nothing.

What a save is checked against: the form becomes the risk as a register file would hold it,
and the whole register is read by the import's own reader
(:func:`trustboard.ingest.baf_register.register_from_mapping`: scores 1–5, real dates, ids,
objectives, appetite level and category, key metrics in the catalogue, gaps' actions), so a
save and an import refuse the same things.  Each problem names the form field it belongs to.
A change of the current or target score is a review (its date and rationale), so the score
history holds every score; a review's committee, and a committee accepting the latest review,
must be a forum of the catalogue.

Each save is a new revision (:func:`trustboard.store.baf.save_risk`) naming the revision the
editor opened; when someone else saved in between, nothing is written, the refused form is kept
in the audit log (``baf.risk.conflict``) and :class:`BafEditConflict` carries both versions.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from trustboard.domain.baf import BafRegister, BafRisk, EvidenceFlag
from trustboard.domain.organisation import Forum, OrgLevel
from trustboard.errors import ConflictError, DataValidationError, ErrorCode, NotFoundError
from trustboard.ingest.baf_register import (
    SHEET_COLUMNS,
    register_from_mapping,
    register_to_mapping,
)
from trustboard.services.baf import _summary_of, check_register
from trustboard.services.narrative import leads
from trustboard.services.users import Role, User, record_refusal
from trustboard.store import Store, utc_now
from trustboard.store import baf as store_baf
from trustboard.store.audit import record

__all__ = [
    "EDITOR_ROLES",
    "ITEM_FIELDS",
    "NEW_ROWS",
    "SCALAR_FIELDS",
    "BafEditConflict",
    "EditState",
    "Validated",
    "evidence_flags",
    "form_of",
    "may_edit",
    "open_for_edit",
    "owned_titles",
    "parse_day",
    "save",
    "validate",
]

#: Roles that edit every risk (a risk's owner edits their own: :func:`may_edit`).
EDITOR_ROLES = frozenset({Role.RISK_LEAD, Role.ADMIN})

#: The risk's own text and date fields, as the register names them.
SCALAR_FIELDS: tuple[str, ...] = (
    "title",
    "cause",
    "event",
    "effect",
    "executive_lead",
    "lead_committee",
    "inherent_rationale",
    "current_rationale",
    "target_rationale",
    "target_date",
    "appetite_category",
    "appetite_level",
    "next_review",
)
#: The listed items a form edits, each with its fields: the register's own columns for the
#: item, in the workbook's order (the risk they belong to is the form's).
ITEM_FIELDS: dict[str, tuple[str, ...]] = {
    kind: tuple(c for c in SHEET_COLUMNS[kind] if c != "risk_id")
    for kind in ("controls", "assurances", "gaps", "actions")
}
#: Blank rows a form offers under each list, for new items.
NEW_ROWS = 2
_SCORES = ("inherent", "current", "target")
_MULTI = ("objectives", "key_metrics", "withhold")
_ITEM = re.compile(r"^(controls|assurances|gaps|actions)\[(\d{1,3})\]\.([a-z_]+)$")
_MAX_ITEMS = 200


def owned_titles(store: Store, user: User) -> set[str]:
    """The executive titles ``user``'s account holds (recorded as the lead or a delegate)."""
    return {lead.exec_lead for lead in leads(store, user.name)}


def may_edit(store: Store, user: User, risk: BafRisk) -> bool:
    """Whether ``user`` edits ``risk``: a risk lead or admin, or the risk's owner (an
    executive whose account holds the risk's ``executive_lead`` title)."""
    if user.disabled:
        return False
    if user.role in EDITOR_ROLES:
        return True
    return user.role is Role.EXECUTIVE and risk.executive_lead in owned_titles(store, user)


@dataclass(frozen=True, slots=True)
class EditState:
    """A risk as its editor opens it: the stored risk, its revision and the register."""

    register: BafRegister
    risk: BafRisk
    revision: int
    revisions: tuple[store_baf.RiskRevision, ...]
    committees: tuple[Forum, ...]
    metrics: tuple[tuple[str, str], ...]


def _refuse(store: Store, user: User, what: str) -> None:
    from trustboard.errors import PermissionDeniedError

    why = f"role {user.role.value} is not a risk lead, an admin or the risk's owner"
    record_refusal(store, user.name, what, why)
    raise PermissionDeniedError(f"you may not {what}: {why}")


def open_for_edit(store: Store, user: User, risk_id: str) -> EditState:
    """The stored risk ``risk_id`` for ``user`` to edit (refused, and audited, unless they may).

    A role that edits no risk is refused before the risk is looked for, so that its answer is
    the same whether the risk exists or not (a risk a public pack withholds included)."""
    if user.disabled or (user.role not in EDITOR_ROLES and user.role is not Role.EXECUTIVE):
        _refuse(store, user, f"edit BAF risk {risk_id}")
    with store.reading() as conn:
        register = store_baf.load_register(conn)
        risk = register.risk(risk_id)
        if risk is None:
            raise NotFoundError(
                f"no BAF risk '{risk_id}' in the store", code=ErrorCode.BAF_NOT_FOUND
            )
        revision = store_baf.risk_revision(conn, risk_id)
        revisions = tuple(store_baf.read_revisions(conn, risk_id))
    if not may_edit(store, user, risk):
        _refuse(store, user, f"edit BAF risk {risk_id}")
    metrics = tuple((m.id, m.short_name or m.name) for m in store.metrics(include_retired=True))
    return EditState(register, risk, revision, revisions, tuple(store.forums()), metrics)


# ------------------------------------------------------------------------------ the form


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "value"):
        return str(value.value)
    if isinstance(value, (list, tuple)):
        return ", ".join(_text(v) for v in value)
    return str(value)


def form_of(risk: BafRisk) -> dict[str, list[str]]:
    """The form fields that show ``risk`` as stored (what an editor opens)."""
    data = risk.model_dump(mode="python")
    out: dict[str, list[str]] = {name: [_text(data[name])] for name in SCALAR_FIELDS}
    for part in _SCORES:
        score = data[part]
        for axis in ("likelihood", "consequence"):
            out[f"{part}.{axis}"] = [_text(score[axis]) if score else ""]
    for name in _MULTI:
        out[name] = [_text(v) for v in data[name]]
    out["publish"] = ["yes"] if risk.publish else []
    for kind, fields in ITEM_FIELDS.items():
        for index, item in enumerate(data[kind]):
            for name in fields:
                out[f"{kind}[{index}].{name}"] = [_text(item.get(name))]
    return out


def _one(fields: Mapping[str, Sequence[str]], name: str) -> str | None:
    values = fields.get(name) or ()
    text = values[0].strip() if values else ""
    return text or None


def _risk_data(stored: BafRisk, fields: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """The risk as a register file would hold it, from the form (the id, the CRR entries and
    the review history are the stored ones: the form does not edit them)."""
    data: dict[str, Any] = {"id": stored.id}
    for name in SCALAR_FIELDS:
        value = _one(fields, name)
        if value is not None:
            data[name] = value
    for part in _SCORES:
        lk, cq = _one(fields, f"{part}.likelihood"), _one(fields, f"{part}.consequence")
        if lk is not None or cq is not None:
            data[part] = {"likelihood": lk, "consequence": cq}
    for name in _MULTI:
        data[name] = [v.strip() for v in fields.get(name) or () if v.strip()]
    data["publish"] = _one(fields, "publish") == "yes"
    rows: dict[str, dict[int, dict[str, str]]] = {kind: {} for kind in ITEM_FIELDS}
    for name, values in fields.items():
        found = _ITEM.match(name)
        if not found or found[3] not in ITEM_FIELDS[found[1]]:
            continue
        index = int(found[2])
        text = values[0].strip() if values else ""
        if index < _MAX_ITEMS and text:
            rows[found[1]].setdefault(index, {})[found[3]] = text
    for kind, by_index in rows.items():
        # a row left blank is no item: blanking a row removes it
        data[kind] = [dict(by_index[i], _row=i) for i in sorted(by_index)]
    data["crr"] = [c.model_dump(mode="python") for c in stored.crr]
    data["history"] = [e.model_dump(mode="python", exclude_none=True) for e in stored.history]
    return data


def _item_field(kind: str, value: object, items: list[dict[str, Any]], rows: list[int]) -> str:
    """The form field of the item a problem about a whole list names by its value (a gap's
    unknown action, an action id used twice), or the list when none holds it."""
    wanted = str(value)
    for position, item in enumerate(items):
        for name, text in item.items():
            if wanted == text or wanted in [p.strip() for p in str(text).split(",")]:
                return f"{kind}[{rows[position]}].{name}"
    return kind


def parse_day(text: str | None) -> date | None:
    """A form's date (YYYY-MM-DD), or None when blank or not a date."""
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


@dataclass
class Validated:
    """A form checked: the risk it makes (None while any problem remains), the problems by
    form field (``""``: the risk as a whole), and whether it records a review."""

    risk: BafRisk | None
    problems: dict[str, list[str]] = field(default_factory=dict)
    review: bool = False

    def add(self, name: str, message: str) -> None:
        """Note a problem beside form field ``name``."""
        self.problems.setdefault(name, []).append(message)


def _field_of(column: str | None, prefix: str, rows: dict[str, list[int]], reviews: int) -> str:
    if not column or not column.startswith(prefix):
        return ""
    path = column[len(prefix) :].lstrip(".")
    found = re.match(r"^(controls|assurances|gaps|actions)\[(\d+)\](.*)$", path)
    if found:
        # items are numbered in the register as kept; the form numbers its rows
        kept = rows[found[1]]
        position = int(found[2])
        row = kept[position] if position < len(kept) else position
        path = f"{found[1]}[{row}]{found[3]}"
    history = re.match(r"^history\[(\d+)\]\.?(.*)$", path)
    if history and int(history[1]) >= reviews:
        path = "review." + (history[2] or "date")
    # a listed choice (objectives, key metrics) is shown beside its list
    return re.sub(r"\[\d+\]$", "", path) if path.startswith(_MULTI) else path


def validate(
    store: Store, state: EditState, fields: Mapping[str, Sequence[str]], *, by: User
) -> Validated:
    """Check the form against the import's rules and the review rules; nothing is written."""
    stored = state.risk
    data = _risk_data(stored, fields)
    rows = {kind: [item.pop("_row") for item in data[kind]] for kind in ITEM_FIELDS}
    result = Validated(None)
    committees = {f.id for f in state.committees}
    review_date = _one(fields, "review.date")
    rationale = _one(fields, "review.rationale")
    committee = _one(fields, "review.committee")
    accept = _one(fields, "accept.committee")
    for name, chosen in (("review.committee", committee), ("accept.committee", accept)):
        if chosen is not None and chosen not in committees:
            result.add(name, f"'{chosen}' is not a committee of the catalogue")
    if accept is not None and data["history"]:
        data["history"][-1]["committee"] = accept
    elif accept is not None:
        result.add("accept.committee", "the risk has no review to accept")
    reviews = len(stored.history)
    if review_date is not None or rationale is not None or committee is not None:
        result.review = True
        if review_date is None:
            result.add("review.date", "give the date of the review")
        if rationale is None:
            result.add("review.rationale", "say why the scores are what they are")
        entry: dict[str, Any] = {
            "date": review_date,
            "current": data.get("current"),
            "target": data.get("target"),
            "rationale": rationale,
            "reviewer": _one(fields, "review.reviewer") or by.name,
        }
        if committee is not None:
            entry["committee"] = committee
        last = stored.last_review
        day = parse_day(review_date)
        if review_date is not None and day is None:
            result.add("review.date", f"'{review_date}' is not a date (expected YYYY-MM-DD)")
        elif day is not None and last is not None and day <= last.date:
            result.add(
                "review.date",
                f"a review must be later than the last one ({last.date.isoformat()})",
            )
        elif day is not None and rationale is not None:
            data["history"].append(entry)
    mapping = register_to_mapping(state.register)
    index = next(i for i, r in enumerate(state.register.risks) if r.id == stored.id)
    mapping["risks"][index] = data
    catalogue = {m for m, _ in state.metrics} or None
    prefix = f"risks[{index}:{stored.id}]"
    try:
        register = register_from_mapping(mapping, file="the form", catalogue_ids=catalogue)
    except DataValidationError as error:
        for problem in error.problems:
            where = _field_of(problem.column, prefix, rows, reviews)
            if where in ITEM_FIELDS:
                where = _item_field(where, problem.value, data[where], rows[where])
            if problem.column and not problem.column.startswith(prefix):
                continue  # a problem of another risk is not this form's to fix
            expected = f" (expected {problem.expected})" if problem.expected else ""
            result.add(where, f"{problem.message}{expected} [{problem.code}]")
        return result
    risk = register.risk(stored.id)
    assert risk is not None
    if not result.review and (risk.current != stored.current or risk.target != stored.target):
        result.add(
            "review.date",
            "a change of the current or target score is a review: give its date and rationale",
        )
    if not result.problems:
        result.risk = risk
    return result


def evidence_flags(
    store: Store, register: BafRegister, risk: BafRisk, on: date
) -> tuple[EvidenceFlag, ...]:
    """The evidence check's findings for ``risk`` as edited (the register's other risks as
    stored), read against the store's latest SPC results at trust level; none without them."""
    trust = [u for u in store.org_units(include_retired=True) if u.level is OrgLevel.TRUST]
    org_unit = trust[0].code if trust else None
    stored = store.spc_results(
        list(risk.key_metrics), [org_unit] if org_unit else None, with_points=False
    )
    summary = _summary_of(stored) if stored is not None else None
    catalogue = {m.id: m for m in store.metrics(include_retired=True)}
    edited = register.with_risk(risk).model_copy(update={"risks": (risk,)})
    return check_register(edited, summary, on, catalogue=catalogue, org_unit=org_unit)


class BafEditConflict(ConflictError):
    """A save based on a revision that is no longer the latest: both versions are carried."""

    def __init__(
        self,
        message: str,
        *,
        mine: Mapping[str, Sequence[str]],
        based_on: int,
        theirs: store_baf.RiskRevision | None,
        current: BafRisk,
    ) -> None:
        super().__init__(
            message,
            code=ErrorCode.BAF_EDIT_CONFLICT,
            hint="compare both versions, then save again over the latest",
        )
        self.mine = {k: list(v) for k, v in mine.items()}
        self.based_on = based_on
        self.theirs = theirs
        self.current = current


def save(
    store: Store,
    user: User,
    risk_id: str,
    fields: Mapping[str, Sequence[str]],
    *,
    based_on: int,
) -> tuple[EditState, Validated, int | None]:
    """Validate the form and, when it holds no problem, save it as the risk's next revision.

    Returns the state opened, the validation and the new revision number (None when nothing
    was written).  Raises :class:`BafEditConflict` when someone saved since ``based_on``.
    """
    state = open_for_edit(store, user, risk_id)
    checked = validate(store, state, fields, by=user)
    if checked.risk is None:
        return state, checked, None
    try:
        with store.transaction() as conn:
            number = store_baf.save_risk(
                conn, checked.risk, based_on=based_on, actor=user.name, source="web"
            )
    except ConflictError as error:
        if error.code != ErrorCode.BAF_EDIT_CONFLICT:
            raise
        with store.transaction() as conn:
            # the refused form is kept, so nothing typed is lost
            record(
                conn,
                now=utc_now(),
                actor=user.name,
                action="baf.risk.conflict",
                entity="baf_risk",
                entity_id=risk_id,
                before={"based_on": based_on},
                after={k: list(v) for k, v in fields.items() if k != "csrf_token"},
            )
            revisions = store_baf.read_revisions(conn, risk_id)
        raise BafEditConflict(
            error.message,
            mine=fields,
            based_on=based_on,
            theirs=revisions[-1] if revisions else None,
            current=state.risk,
        ) from None
    return state, checked, number
