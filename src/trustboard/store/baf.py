"""The Board Assurance Framework in the store: tables, and reading and writing the register.

Tables live on the store's declarative ``Base`` (migration ``0002_baf`` creates them).  Actions
are kept in the store's ``action`` table (shared with metric actions, so slippage and history
work the same way); ``baf_risk_action`` links them to risks in the register's order.  Every
change is written to ``audit_log`` with the risk before and after, in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Connection,
    Date,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Mapped, mapped_column

from trustboard.domain.baf import (
    Assurance,
    BafRegister,
    BafRisk,
    Control,
    CrrEntry,
    Gap,
    ReviewEntry,
    RiskScore,
    StrategicObjective,
)
from trustboard.domain.narrative import Action
from trustboard.errors import ConflictError, ErrorCode, NotFoundError
from trustboard.store.audit import record
from trustboard.store.engine import default_actor
from trustboard.store.models import Base, Flag, Stamp
from trustboard.store.narrative import read_actions, write_actions

__all__ = [
    "BAF_TABLES",
    "BafAssuranceRow",
    "BafControlRow",
    "BafCrrLinkRow",
    "BafGapRow",
    "BafKeyMetricRow",
    "BafObjectiveRow",
    "BafReviewRow",
    "BafRiskActionRow",
    "BafRiskObjectiveRow",
    "BafRiskRevisionRow",
    "BafRiskRow",
    "BafSettingsRow",
    "RiskRevision",
    "load_register",
    "read_revisions",
    "record_review",
    "risk_revision",
    "save_register",
    "save_risk",
]


class BafSettingsRow(Base):
    """The register's settings: trust name, scoring scheme, appetite scale, public field groups."""

    __tablename__ = "baf_settings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    trust_name: Mapped[str | None] = mapped_column(String(300))
    scoring: Mapped[dict[str, Any]] = mapped_column(JSON)
    appetite: Mapped[dict[str, Any]] = mapped_column(JSON)
    public_groups: Mapped[list[str]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(Stamp)


class BafObjectiveRow(Base):
    """A strategic objective."""

    __tablename__ = "baf_objective"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer)


class BafRiskRow(Base):
    """A BAF risk's own fields; its lists live in the child tables below."""

    __tablename__ = "baf_risk"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    cause: Mapped[str] = mapped_column(Text)
    event: Mapped[str] = mapped_column(Text)
    effect: Mapped[str] = mapped_column(Text)
    executive_lead: Mapped[str] = mapped_column(String(200))
    lead_committee: Mapped[str] = mapped_column(String(200))
    inherent_likelihood: Mapped[int | None] = mapped_column(Integer)
    inherent_consequence: Mapped[int | None] = mapped_column(Integer)
    current_likelihood: Mapped[int] = mapped_column(Integer)
    current_consequence: Mapped[int] = mapped_column(Integer)
    target_likelihood: Mapped[int] = mapped_column(Integer)
    target_consequence: Mapped[int] = mapped_column(Integer)
    #: why each score is what it is (migration ``0014_baf_reviews``)
    inherent_rationale: Mapped[str | None] = mapped_column(Text)
    current_rationale: Mapped[str | None] = mapped_column(Text)
    target_rationale: Mapped[str | None] = mapped_column(Text)
    target_date: Mapped[date | None] = mapped_column(Date)
    appetite_category: Mapped[str] = mapped_column(String(100))
    appetite_level: Mapped[str] = mapped_column(String(100))
    next_review: Mapped[date | None] = mapped_column(Date)
    publish: Mapped[bool] = mapped_column(Flag)
    withhold: Mapped[list[str]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(Stamp)


def _risk_fk() -> Mapped[str]:
    return mapped_column(ForeignKey("baf_risk.id", ondelete="CASCADE"), primary_key=True)


class BafRiskObjectiveRow(Base):
    """A strategic objective a risk threatens."""

    __tablename__ = "baf_risk_objective"
    risk_id: Mapped[str] = _risk_fk()
    objective_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)


class BafControlRow(Base):
    """A control in place."""

    __tablename__ = "baf_control"
    risk_id: Mapped[str] = _risk_fk()
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text)


class BafGapRow(Base):
    """A gap in control or in assurance, with the actions that address it."""

    __tablename__ = "baf_gap"
    risk_id: Mapped[str] = _risk_fk()
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text)
    action_ids: Mapped[list[str]] = mapped_column(JSON)


class BafAssuranceRow(Base):
    """An assurance, by line of defence, with its source, date and result."""

    __tablename__ = "baf_assurance"
    risk_id: Mapped[str] = _risk_fk()
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    line: Mapped[str] = mapped_column(String(10))
    source: Mapped[str] = mapped_column(String(300))
    assured_on: Mapped[date] = mapped_column(Date)
    result: Mapped[str] = mapped_column(String(10))
    description: Mapped[str | None] = mapped_column(Text)


class BafRiskActionRow(Base):
    """An action (in the store's ``action`` table) that belongs to a risk."""

    __tablename__ = "baf_risk_action"
    risk_id: Mapped[str] = _risk_fk()
    action_id: Mapped[str] = mapped_column(ForeignKey("action.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)


class BafReviewRow(Base):
    """One review of a risk: the scores agreed on a date, why, and by whom."""

    __tablename__ = "baf_review"
    risk_id: Mapped[str] = _risk_fk()
    review_date: Mapped[date] = mapped_column(Date, primary_key=True)
    current_likelihood: Mapped[int] = mapped_column(Integer)
    current_consequence: Mapped[int] = mapped_column(Integer)
    target_likelihood: Mapped[int | None] = mapped_column(Integer)
    target_consequence: Mapped[int | None] = mapped_column(Integer)
    rationale: Mapped[str] = mapped_column(Text)
    reviewer: Mapped[str | None] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(Stamp)
    recorded_by: Mapped[str] = mapped_column(String(200))
    #: the committee (forum id) that accepted the review (migration ``0014_baf_reviews``)
    committee: Mapped[str | None] = mapped_column(String(64))


class BafRiskRevisionRow(Base):
    """Every state a risk has had: the whole risk after each change, who made it and when.

    Kept when the risk is removed (no foreign key), so a risk's past stays readable.  The
    latest revision number is what an editor names when saving (a stale one is a conflict).
    """

    __tablename__ = "baf_risk_revision"
    risk_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    revision: Mapped[int] = mapped_column(Integer, primary_key=True)
    risk: Mapped[dict[str, Any]] = mapped_column(JSON)
    actor: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(Stamp)
    source: Mapped[str | None] = mapped_column(String(300))


class BafKeyMetricRow(Base):
    """A metric that evidences a risk (kept as written: the catalogue may load later)."""

    __tablename__ = "baf_key_metric"
    risk_id: Mapped[str] = _risk_fk()
    metric_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)


class BafCrrLinkRow(Base):
    """A corporate risk register entry that feeds a risk, with its score."""

    __tablename__ = "baf_crr_link"
    risk_id: Mapped[str] = _risk_fk()
    crr_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    likelihood: Mapped[int] = mapped_column(Integer)
    consequence: Mapped[int] = mapped_column(Integer)
    owner: Mapped[str | None] = mapped_column(String(200))


# Kept for the migration test: the BAF's tables in the order they must be created.
BAF_TABLES: tuple[str, ...] = (
    "baf_settings",
    "baf_objective",
    "baf_risk",
    "baf_risk_objective",
    "baf_control",
    "baf_gap",
    "baf_assurance",
    "baf_risk_action",
    "baf_review",
    "baf_key_metric",
    "baf_crr_link",
    "baf_risk_revision",
)
_CHILDREN = (
    BafRiskObjectiveRow,
    BafControlRow,
    BafGapRow,
    BafAssuranceRow,
    BafRiskActionRow,
    BafReviewRow,
    BafKeyMetricRow,
    BafCrrLinkRow,
)


def _t(model: type[Base]) -> Table:
    return model.__table__


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _risk_snapshot(risk: BafRisk) -> dict[str, Any]:
    return risk.model_dump(mode="json")


def _score_cols(prefix: str, score: RiskScore | None) -> dict[str, int | None]:
    return {
        f"{prefix}_likelihood": score.likelihood if score else None,
        f"{prefix}_consequence": score.consequence if score else None,
    }


def _write_risk(
    conn: Connection,
    risk: BafRisk,
    position: int,
    now: datetime,
    recorded: dict[date, tuple[datetime, str]] | None = None,
) -> None:
    conn.execute(
        insert(_t(BafRiskRow)).values(
            id=risk.id,
            position=position,
            title=risk.title,
            cause=risk.cause,
            event=risk.event,
            effect=risk.effect,
            executive_lead=risk.executive_lead,
            lead_committee=risk.lead_committee,
            **_score_cols("inherent", risk.inherent),
            **_score_cols("current", risk.current),
            **_score_cols("target", risk.target),
            inherent_rationale=risk.inherent_rationale,
            current_rationale=risk.current_rationale,
            target_rationale=risk.target_rationale,
            target_date=risk.target_date,
            appetite_category=risk.appetite_category,
            appetite_level=risk.appetite_level,
            next_review=risk.next_review,
            publish=risk.publish,
            withhold=[g.value for g in risk.withhold],
            updated_at=now,
        )
    )
    rows: list[tuple[Any, list[dict[str, Any]]]] = [
        (
            BafRiskObjectiveRow,
            [{"objective_id": o, "position": i} for i, o in enumerate(risk.objectives)],
        ),
        (
            BafControlRow,
            [
                {"id": c.id, "position": i, "description": c.description}
                for i, c in enumerate(risk.controls)
            ],
        ),
        (
            BafGapRow,
            [
                {
                    "id": g.id,
                    "position": i,
                    "kind": g.kind.value,
                    "description": g.description,
                    "action_ids": list(g.action_ids),
                }
                for i, g in enumerate(risk.gaps)
            ],
        ),
        (
            BafAssuranceRow,
            [
                {
                    "id": a.id,
                    "position": i,
                    "line": a.line.value,
                    "source": a.source,
                    "assured_on": a.date,
                    "result": a.result.value,
                    "description": a.description,
                }
                for i, a in enumerate(risk.assurances)
            ],
        ),
        (
            BafRiskActionRow,
            [{"action_id": a.id, "position": i} for i, a in enumerate(risk.actions)],
        ),
        (
            BafReviewRow,
            [_review_values(e, now, None, (recorded or {}).get(e.date)) for e in risk.history],
        ),
        (
            BafKeyMetricRow,
            [{"metric_id": m, "position": i} for i, m in enumerate(risk.key_metrics)],
        ),
        (
            BafCrrLinkRow,
            [
                {
                    "crr_id": c.id,
                    "position": i,
                    "title": c.title,
                    "likelihood": c.score.likelihood,
                    "consequence": c.score.consequence,
                    "owner": c.owner,
                }
                for i, c in enumerate(risk.crr)
            ],
        ),
    ]
    for model, values in rows:
        if values:
            conn.execute(insert(_t(model)), [{"risk_id": risk.id, **v} for v in values])


def _review_values(
    entry: ReviewEntry,
    now: datetime,
    actor: str | None,
    recorded: tuple[datetime, str] | None = None,
) -> dict[str, Any]:
    # a review already stored keeps when and by whom it was first recorded
    at, by = recorded or (now, actor or entry.reviewer or "import")
    return {
        "review_date": entry.date,
        **_score_cols("current", entry.current),
        **_score_cols("target", entry.target),
        "rationale": entry.rationale,
        "reviewer": entry.reviewer,
        "committee": entry.committee,
        "recorded_at": at,
        "recorded_by": by,
    }


def _delete_risk_rows(conn: Connection, risk_ids: Iterable[str]) -> None:
    ids = list(risk_ids)
    if not ids:
        return
    for model in _CHILDREN:
        table = _t(model)
        conn.execute(delete(table).where(table.c.risk_id.in_(ids)))
    conn.execute(delete(_t(BafRiskRow)).where(_t(BafRiskRow).c.id.in_(ids)))


def _check_action_owners(conn: Connection, register: BafRegister) -> None:
    wanted = {a.id: r.id for r in register.risks for a in r.actions}
    seen: dict[str, str] = {}
    for risk in register.risks:
        for action in risk.actions:
            if action.id in seen:
                raise ConflictError(
                    f"action {action.id} is listed under both {seen[action.id]} and {risk.id}",
                    code=ErrorCode.BAF_ACTION_CONFLICT,
                    hint="action ids are unique across the store",
                )
            seen[action.id] = risk.id
    if not wanted:
        return
    for stored in read_actions(conn):
        if stored.id in wanted and stored.baf_risk_id != wanted[stored.id]:
            owner = (
                f"BAF risk {stored.baf_risk_id}"
                if stored.baf_risk_id
                else f"metric {stored.metric_id}"
            )
            raise ConflictError(
                f"action {stored.id} already exists in the store for {owner}",
                code=ErrorCode.BAF_ACTION_CONFLICT,
                hint="give the BAF action an id of its own (e.g. prefix it with the risk id)",
            )


def save_register(
    conn: Connection,
    register: BafRegister,
    *,
    actor: str | None = None,
    source: str | None = None,
    now: datetime | None = None,
) -> dict[str, int]:
    """Make the stored register equal to ``register``, auditing every risk added, changed or
    removed.

    Runs in the caller's transaction; returns counts ``added``, ``changed``, ``removed``,
    ``unchanged``.
    """
    who = actor or default_actor()
    moment = now or _now()
    _check_action_owners(conn, register)
    before = load_register(conn)
    settings = {
        "trust_name": register.trust_name,
        "scoring": register.scoring.model_dump(mode="json"),
        "appetite": register.appetite.model_dump(mode="json"),
        "public_groups": [g.value for g in register.public_groups],
    }
    old_settings = (
        conn.execute(select(_t(BafSettingsRow)).where(_t(BafSettingsRow).c.id == 1))
        .mappings()
        .first()
    )
    old_view = None if old_settings is None else {k: old_settings[k] for k in settings}
    if old_view != settings:
        conn.execute(delete(_t(BafSettingsRow)))
        conn.execute(insert(_t(BafSettingsRow)).values(id=1, updated_at=moment, **settings))
        record(
            conn,
            now=moment,
            actor=who,
            action="baf.settings",
            entity="baf_settings",
            entity_id="1",
            before=old_view,
            after={**settings, "source": source},
        )
    old_objectives = [o.model_dump(mode="json") for o in before.objectives]
    new_objectives = [o.model_dump(mode="json") for o in register.objectives]
    if old_objectives != new_objectives:
        conn.execute(delete(_t(BafObjectiveRow)))
        if new_objectives:
            conn.execute(
                insert(_t(BafObjectiveRow)),
                [{**o, "position": i} for i, o in enumerate(new_objectives)],
            )
        record(
            conn,
            now=moment,
            actor=who,
            action="baf.objectives",
            entity="baf_objective",
            entity_id=None,
            before=old_objectives,
            after=new_objectives,
        )
    old = {r.id: r for r in before.risks}
    new = {r.id: r for r in register.risks}
    counts = {"added": 0, "changed": 0, "removed": 0, "unchanged": 0}
    positions_changed = [r.id for r in before.risks if r.id in new] != [
        r.id for r in register.risks if r.id in old
    ]
    rewrite = [rid for rid in new if rid in old and (old[rid] != new[rid] or positions_changed)]
    removed = [rid for rid in old if rid not in new]
    _delete_risk_rows(conn, [*rewrite, *removed])
    write_actions(
        conn, [a for r in register.risks for a in r.actions], now=moment, actor=who, import_id=None
    )
    for position, risk in enumerate(register.risks):
        if risk.id in old and risk.id not in rewrite:
            counts["unchanged"] += 1
            continue
        _write_risk(conn, risk, position, moment)
        if risk.id not in old or old[risk.id] != risk:
            _add_revision(conn, risk, actor=who, now=moment, source=source)
        if risk.id not in old:
            counts["added"] += 1
            record(
                conn,
                now=moment,
                actor=who,
                action="baf.risk.add",
                entity="baf_risk",
                entity_id=risk.id,
                before=None,
                after={**_risk_snapshot(risk), "source": source},
            )
        elif old[risk.id] != risk:
            counts["changed"] += 1
            record(
                conn,
                now=moment,
                actor=who,
                action="baf.risk.change",
                entity="baf_risk",
                entity_id=risk.id,
                before=_risk_snapshot(old[risk.id]),
                after={**_risk_snapshot(risk), "source": source},
            )
        else:
            counts["unchanged"] += 1
    for rid in removed:
        counts["removed"] += 1
        record(
            conn,
            now=moment,
            actor=who,
            action="baf.risk.remove",
            entity="baf_risk",
            entity_id=rid,
            before=_risk_snapshot(old[rid]),
            after={"source": source},
        )
    return counts


def _score(likelihood: int | None, consequence: int | None) -> RiskScore | None:
    if likelihood is None or consequence is None:
        return None
    return RiskScore(likelihood=likelihood, consequence=consequence)


def _required(likelihood: int, consequence: int) -> RiskScore:
    return RiskScore(likelihood=likelihood, consequence=consequence)


def _grouped(
    conn: Connection, model: Any, order: str = "position"
) -> dict[str, list[dict[str, Any]]]:
    table = _t(model)
    out: dict[str, list[dict[str, Any]]] = {}
    for row in conn.execute(select(table).order_by(table.c.risk_id, table.c[order])).mappings():
        out.setdefault(row["risk_id"], []).append(dict(row))
    return out


def load_register(conn: Connection) -> BafRegister:
    """The stored register (an empty one with the default settings when nothing is stored)."""
    settings = conn.execute(select(_t(BafSettingsRow))).mappings().first()
    parts: dict[str, Any] = {}
    if settings is not None:
        parts = {
            "trust_name": settings["trust_name"],
            "scoring": settings["scoring"],
            "appetite": settings["appetite"],
            "public_groups": tuple(settings["public_groups"]),
        }
    objectives = tuple(
        StrategicObjective(id=r["id"], title=r["title"], description=r["description"])
        for r in conn.execute(
            select(_t(BafObjectiveRow)).order_by(_t(BafObjectiveRow).c.position)
        ).mappings()
    )
    objective_links = _grouped(conn, BafRiskObjectiveRow)
    controls = _grouped(conn, BafControlRow)
    gaps = _grouped(conn, BafGapRow)
    assurances = _grouped(conn, BafAssuranceRow)
    action_links = _grouped(conn, BafRiskActionRow)
    reviews = _grouped(conn, BafReviewRow, "review_date")
    metrics = _grouped(conn, BafKeyMetricRow)
    crr = _grouped(conn, BafCrrLinkRow)
    risk_rows = list(
        conn.execute(select(_t(BafRiskRow)).order_by(_t(BafRiskRow).c.position)).mappings()
    )
    actions: dict[str, Action] = {}
    if risk_rows:
        actions = {a.id: a for a in read_actions(conn, baf_risk_ids=[r["id"] for r in risk_rows])}
    risks = []
    for row in risk_rows:
        rid = row["id"]
        risks.append(
            BafRisk(
                id=rid,
                title=row["title"],
                objectives=tuple(o["objective_id"] for o in objective_links.get(rid, [])),
                cause=row["cause"],
                event=row["event"],
                effect=row["effect"],
                executive_lead=row["executive_lead"],
                lead_committee=row["lead_committee"],
                inherent=_score(row["inherent_likelihood"], row["inherent_consequence"]),
                current=_required(row["current_likelihood"], row["current_consequence"]),
                target=_required(row["target_likelihood"], row["target_consequence"]),
                inherent_rationale=row["inherent_rationale"],
                current_rationale=row["current_rationale"],
                target_rationale=row["target_rationale"],
                target_date=row["target_date"],
                appetite_category=row["appetite_category"],
                appetite_level=row["appetite_level"],
                next_review=row["next_review"],
                publish=bool(row["publish"]),
                withhold=tuple(row["withhold"] or ()),
                controls=tuple(
                    Control(id=c["id"], description=c["description"]) for c in controls.get(rid, [])
                ),
                gaps=tuple(
                    Gap(
                        id=g["id"],
                        kind=g["kind"],
                        description=g["description"],
                        action_ids=tuple(g["action_ids"] or ()),
                    )
                    for g in gaps.get(rid, [])
                ),
                assurances=tuple(
                    Assurance(
                        id=a["id"],
                        line=a["line"],
                        source=a["source"],
                        date=a["assured_on"],
                        result=a["result"],
                        description=a["description"],
                    )
                    for a in assurances.get(rid, [])
                ),
                actions=tuple(actions[link["action_id"]] for link in action_links.get(rid, [])),
                history=tuple(
                    ReviewEntry(
                        date=e["review_date"],
                        current=_required(e["current_likelihood"], e["current_consequence"]),
                        target=_score(e["target_likelihood"], e["target_consequence"]),
                        rationale=e["rationale"],
                        reviewer=e["reviewer"],
                        committee=e["committee"],
                    )
                    for e in reviews.get(rid, [])
                ),
                key_metrics=tuple(m["metric_id"] for m in metrics.get(rid, [])),
                crr=tuple(
                    CrrEntry(
                        id=c["crr_id"],
                        title=c["title"],
                        score=RiskScore(likelihood=c["likelihood"], consequence=c["consequence"]),
                        owner=c["owner"],
                    )
                    for c in crr.get(rid, [])
                ),
            )
        )
    return BafRegister(**parts, objectives=objectives, risks=tuple(risks))


def _lock_risk(conn: Connection, risk_id: str) -> None:
    """Lock the risk's row before it is read for a change (PostgreSQL; on SQLite the write
    transaction holds the file's lock already): a second change of the risk at the same time
    waits for this one, then reads what it wrote (a save from an older revision is refused),
    never writing over it."""
    risk_table = _t(BafRiskRow)
    conn.execute(select(risk_table.c.id).where(risk_table.c.id == risk_id).with_for_update())


def record_review(
    conn: Connection,
    risk_id: str,
    entry: ReviewEntry,
    *,
    actor: str | None = None,
    now: datetime | None = None,
) -> BafRisk:
    """Add a review to ``risk_id``: new current (and target) scores, with the rationale; audited.

    Raises :class:`NotFoundError` for an unknown risk and :class:`ConflictError` when the review
    is not later than the last one recorded.
    """
    who = actor or default_actor()
    moment = now or _now()
    _lock_risk(conn, risk_id)
    register = load_register(conn)
    risk = register.risk(risk_id)
    if risk is None:
        raise NotFoundError(f"no BAF risk '{risk_id}' in the store", code=ErrorCode.BAF_NOT_FOUND)
    try:
        updated = risk.with_review(entry)
    except ValueError as error:
        raise ConflictError(
            str(error),
            code=ErrorCode.BAF_REVIEW_ORDER,
            hint="record reviews in date order; correct an old one by re-importing the register",
        ) from None
    risk_table = _t(BafRiskRow)
    conn.execute(
        update(risk_table)
        .where(risk_table.c.id == risk_id)
        .values(
            **_score_cols("current", updated.current),
            **_score_cols("target", updated.target),
            updated_at=moment,
        )
    )
    conn.execute(
        insert(_t(BafReviewRow)).values(risk_id=risk_id, **_review_values(entry, moment, who))
    )
    _add_revision(conn, updated, actor=who, now=moment, source="review")
    record(
        conn,
        now=moment,
        actor=who,
        action="baf.review",
        entity="baf_risk",
        entity_id=risk_id,
        before={"current": risk.current.model_dump(), "target": risk.target.model_dump()},
        after=entry.model_dump(mode="json"),
    )
    return updated


# ------------------------------------------------------------------------------- revisions


@dataclass(frozen=True, slots=True)
class RiskRevision:
    """One state of a risk: the whole risk after a change, its number, who and when."""

    risk_id: str
    revision: int
    risk: BafRisk
    actor: str
    created_at: datetime
    source: str | None


def risk_revision(conn: Connection, risk_id: str) -> int:
    """The latest revision number of ``risk_id`` (0 for a risk stored before revisions were
    kept, or not stored)."""
    table = _t(BafRiskRevisionRow)
    found = conn.execute(
        select(func.max(table.c.revision)).where(table.c.risk_id == risk_id)
    ).scalar_one_or_none()
    return int(found or 0)


def _add_revision(
    conn: Connection, risk: BafRisk, *, actor: str, now: datetime, source: str | None
) -> int:
    number = risk_revision(conn, risk.id) + 1
    conn.execute(
        insert(_t(BafRiskRevisionRow)).values(
            risk_id=risk.id,
            revision=number,
            risk=_risk_snapshot(risk),
            actor=actor,
            created_at=now,
            source=source,
        )
    )
    return number


def read_revisions(conn: Connection, risk_id: str) -> list[RiskRevision]:
    """Every revision of ``risk_id``, oldest first."""
    table = _t(BafRiskRevisionRow)
    rows = conn.execute(
        select(table).where(table.c.risk_id == risk_id).order_by(table.c.revision)
    ).mappings()
    return [
        RiskRevision(
            risk_id=r["risk_id"],
            revision=r["revision"],
            risk=BafRisk.model_validate(r["risk"]),
            actor=r["actor"],
            created_at=r["created_at"],
            source=r["source"],
        )
        for r in rows
    ]


def save_risk(
    conn: Connection,
    risk: BafRisk,
    *,
    based_on: int,
    actor: str | None = None,
    now: datetime | None = None,
    source: str | None = None,
) -> int:
    """Replace the stored risk of ``risk.id`` with ``risk`` as a new revision, audited; returns
    the new revision number.

    ``based_on`` is the revision the editor read: when another change was saved since, nothing
    is written and :class:`ConflictError` (``TB-BAF-EDIT-CONFLICT``) is raised.  Raises
    :class:`NotFoundError` for a risk not in the store.  Runs in the caller's transaction.
    """
    who = actor or default_actor()
    moment = now or _now()
    _lock_risk(conn, risk.id)
    risk_table = _t(BafRiskRow)
    register = load_register(conn)
    old = register.risk(risk.id)
    if old is None:
        raise NotFoundError(f"no BAF risk '{risk.id}' in the store", code=ErrorCode.BAF_NOT_FOUND)
    latest = risk_revision(conn, risk.id)
    if latest != based_on:
        raise ConflictError(
            f"BAF risk {risk.id} was changed (revision {latest}) after revision {based_on} "
            "was opened",
            code=ErrorCode.BAF_EDIT_CONFLICT,
            hint="compare both versions, then save again over the latest",
        )
    if old == risk:
        return latest
    _check_action_owners(conn, register.with_risk(risk))
    position = conn.execute(
        select(risk_table.c.position).where(risk_table.c.id == risk.id)
    ).scalar_one()
    reviews = _t(BafReviewRow)
    recorded = {
        r["review_date"]: (r["recorded_at"], r["recorded_by"])
        for r in conn.execute(select(reviews).where(reviews.c.risk_id == risk.id)).mappings()
    }
    _delete_risk_rows(conn, [risk.id])
    write_actions(conn, list(risk.actions), now=moment, actor=who, import_id=None)
    _write_risk(conn, risk, position, moment, recorded)
    number = _add_revision(conn, risk, actor=who, now=moment, source=source)
    record(
        conn,
        now=moment,
        actor=who,
        action="baf.risk.change",
        entity="baf_risk",
        entity_id=risk.id,
        before=_risk_snapshot(old),
        after={**_risk_snapshot(risk), "source": source, "revision": number},
    )
    return number
