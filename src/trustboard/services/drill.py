"""Drill-down of one metric through the organisation: trust → directorate → service → team.

Each level's figures are the pack's own: the forum's pack inputs (values rolled up the
organisation tree, as ``trustboard report`` reads them) are assembled by
:func:`trustboard.render.pack.assemble_pack` with ``org_unit`` set to the unit, and the
accepted rebases of that unit merged into the definition (as the pack does for the trust).  So
a unit's icons, limits and statement are those a pack of that unit would print, a public
forum's figures are suppressed by the same small-number rule (:mod:`trustboard.disclosure`,
applied inside ``assemble_pack``), and the trust level is the forum's pack itself.

Who sees which units: every role that may read the forum sees every unit, except a
``directorate_lead``, who sees the trust and the directorates on their account with
everything below them; another directorate is refused (audited) and left out of lists.
"""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from trustboard.domain import MetricDefinition, OrgLevel, OrgUnit
from trustboard.errors import NotFoundError, PermissionDeniedError
from trustboard.render.pack import MetricSection, PackInputs, PackModel, assemble_pack
from trustboard.services import pack as pack_service
from trustboard.services.browse import build_lock, metric_section, store_org_units
from trustboard.services.pack import PaperConfig, gather_inputs
from trustboard.services.spc_review import with_accepted_rebases
from trustboard.services.users import Role, User, record_refusal
from trustboard.store import Store
from trustboard.store import users as stored
from trustboard.store.spc_results import read_rebases

__all__ = [
    "DrillView",
    "TeamsView",
    "UnitFigure",
    "drill_view",
    "may_open_unit",
    "teams_view",
    "unit_sections",
    "warm_drill",
]

_CACHE_SIZE = 16
_lock = threading.Lock()
_cache: OrderedDict[tuple[Any, ...], tuple[PackInputs, dict[str, MetricDefinition]]] = OrderedDict()
#: each unit's section, by the inputs' key, metric and unit (a unit's figures change only with
#: the data, and the key holds the newest data change)
_SECTIONS_SIZE = 4096
_sections: OrderedDict[tuple[Any, ...], MetricSection | None] = OrderedDict()
_building: dict[tuple[Any, ...], threading.Lock] = {}


@dataclass(frozen=True, slots=True)
class UnitFigure:
    """One org unit's view of the metric: its section as a pack of that unit would show it
    (``None`` when the unit has no value of the metric in the pack's window)."""

    unit: OrgUnit
    section: MetricSection | None
    #: the directorate the unit belongs to (itself for a directorate; None for the trust)
    directorate: OrgUnit | None = None


@dataclass(frozen=True, slots=True)
class DrillView:
    """One level of the drill-down: the unit, the way down to it, and its children."""

    model: PackModel
    #: the metric's section of the forum's pack (the trust level)
    pack_section: MetricSection
    current: UnitFigure
    #: the units above, from the trust down to the parent
    trail: tuple[OrgUnit, ...]
    children: tuple[UnitFigure, ...]
    #: children left out because the viewer's account does not cover them
    withheld_children: int = 0


@dataclass(frozen=True, slots=True)
class TeamsView:
    """Every team the viewer may see, for the small-multiples page."""

    model: PackModel
    pack_section: MetricSection
    teams: tuple[UnitFigure, ...]
    withheld_teams: int = 0


def _units(store: Store) -> dict[str, OrgUnit]:
    return {u.code: u for u in store_org_units(store)}


def _ancestors(unit: OrgUnit, units: dict[str, OrgUnit]) -> list[OrgUnit]:
    """The units above ``unit``, from the top down."""
    out: list[OrgUnit] = []
    seen = {unit.code}
    parent = unit.parent
    while parent is not None and parent in units and parent not in seen:
        seen.add(parent)
        out.append(units[parent])
        parent = units[parent].parent
    return list(reversed(out))


def _directorate(unit: OrgUnit, units: dict[str, OrgUnit]) -> OrgUnit | None:
    if unit.level is OrgLevel.DIRECTORATE:
        return unit
    return next((u for u in _ancestors(unit, units) if u.level is OrgLevel.DIRECTORATE), None)


def may_open_unit(user: User, unit: OrgUnit, units: dict[str, OrgUnit]) -> bool:
    """Whether ``user`` may see ``unit``'s figures (the forum already allowed): a
    directorate lead sees the trust and their own directorates, down to the teams."""
    if user.role is not Role.DIRECTORATE_LEAD:
        return True
    if unit.level is OrgLevel.TRUST:
        return True
    directorate = _directorate(unit, units)
    return directorate is not None and directorate.code in user.directorates


def warm_drill(store: Store, config: PaperConfig, models: Sequence[PackModel]) -> None:
    """Build and keep the drill-down's inputs (every org unit's rolled-up values) of each of
    ``models``' forum and month, as :func:`trustboard.services.browse.warm_models` does for
    the pack models."""
    for model in models:
        _base_inputs(store, model, config)


def _base_inputs(
    store: Store, model: PackModel, config: PaperConfig
) -> tuple[tuple[Any, ...], PackInputs, dict[str, MetricDefinition]]:
    """The forum's pack inputs for the period (every org unit's rolled-up values), and each
    metric as defined for the period before any unit's accepted rebases are merged in."""
    with store.reading() as conn:
        version = stored.latest_data_change(conn)
    key = (store.url, model.forum.id, model.period.label(), id(config), version)
    with _lock:
        found = _cache.get(key)
        if found is not None:
            _cache.move_to_end(key)
            return (key, *found)
        building = build_lock(_building, key)
    with building:
        with _lock:
            found = _cache.get(key)
        if found is not None:
            return (key, *found)
        inputs = gather_inputs(store, model.forum.id, model.period, config=config, baf_html="")
        # the definitions in force for the period, as the pack chooses them (its rebases are
        # the trust's; each unit gets its own below)
        definitions, _changes = pack_service._definitions(store, model.period, None)
        made = (inputs, {m.id: m for m in definitions})
        with _lock:
            _cache[key] = made
            while len(_cache) > _CACHE_SIZE:
                _cache.popitem(last=False)
            _building.pop(key, None)
    return (key, *made)


def unit_sections(
    store: Store,
    model: PackModel,
    metric_id: str,
    units: Sequence[OrgUnit],
    config: PaperConfig,
) -> dict[str, MetricSection | None]:
    """The metric's section as a pack of each of ``units`` would show it (``None`` where the
    unit has no value in the pack's window).  The trust is the forum's pack itself."""
    key, inputs, definitions = _base_inputs(store, model, config)
    base = definitions.get(metric_id)
    # units with a rebase of their own; every other unit takes the metric-wide rebases only
    with store.reading() as conn:
        own = {r.org_unit for r in read_rebases(conn, [metric_id]) if r.org_unit is not None}
    shared: MetricDefinition | None = None
    pack_section = model.section(metric_id)
    out: dict[str, MetricSection | None] = {}
    for unit in units:
        if unit.code == model.org_unit or (model.org_unit is None and unit.level is OrgLevel.TRUST):
            out[unit.code] = pack_section
            continue
        if base is None:
            out[unit.code] = None
            continue
        wanted = (*key, metric_id, unit.code)
        with _lock:
            if wanted in _sections:
                _sections.move_to_end(wanted)
                out[unit.code] = _sections[wanted]
                continue
        if unit.code in own:
            metric = with_accepted_rebases(store, [base], unit.code)[0]
        else:
            shared = shared or with_accepted_rebases(store, [base], None)[0]
            metric = shared
        one = dataclasses.replace(
            inputs,
            metrics=[metric],
            org_unit=unit.code,
            published={},
            previous_publication=None,
            actions=[a for a in inputs.actions if a.metric_id == metric_id],
            commentary=[c for c in inputs.commentary if c.metric_id == metric_id],
        )
        sections = assemble_pack(one).sections
        section = sections[0] if sections else None
        out[unit.code] = section if section is not None and section.points else None
        with _lock:
            _sections[wanted] = out[unit.code]
            while len(_sections) > _SECTIONS_SIZE:
                _sections.popitem(last=False)
    return out


def _refuse(store: Store, user: User, what: str) -> PermissionDeniedError:
    record_refusal(store, user.name, what, "directorate not on the account")
    return PermissionDeniedError(
        f"your account does not give access to {what}",
        hint="a directorate lead sees the directorates named on their account",
    )


def drill_view(
    store: Store,
    user: User,
    forum_id: str,
    period: str,
    metric_id: str,
    unit_code: str | None,
    config: PaperConfig,
) -> DrillView:
    """One level of the drill-down of ``metric_id`` (the trust when ``unit_code`` is None).

    The forum and metric are checked as for the metric page (not found, or refused and
    audited); an unknown unit is not found; a unit the viewer may not see is refused.
    """
    model, pack_section = metric_section(store, user, forum_id, period, metric_id, config)
    units = _units(store)
    if unit_code is None:
        top = [u for u in units.values() if u.level is OrgLevel.TRUST]
        if not top:
            raise NotFoundError("the store has no trust org unit")
        unit = top[0]
    else:
        found = units.get(unit_code)
        if found is None:
            raise NotFoundError(f"there is no org unit '{unit_code}'")
        unit = found
    if not may_open_unit(user, unit, units):
        raise _refuse(store, user, f"org unit {unit.code}")
    below = sorted(
        (u for u in units.values() if u.parent == unit.code), key=lambda u: (u.name, u.code)
    )
    shown = [u for u in below if may_open_unit(user, u, units)]
    sections = unit_sections(store, model, metric_id, [unit, *shown], config)
    return DrillView(
        model=model,
        pack_section=pack_section,
        current=UnitFigure(unit, sections[unit.code], _directorate(unit, units)),
        trail=tuple(_ancestors(unit, units)),
        children=tuple(UnitFigure(u, sections[u.code], _directorate(u, units)) for u in shown),
        withheld_children=len(below) - len(shown),
    )


def teams_view(
    store: Store,
    user: User,
    forum_id: str,
    period: str,
    metric_id: str,
    config: PaperConfig,
) -> TeamsView:
    """Every team the viewer may see, each as a pack of that team would show the metric,
    ordered by directorate, service and team."""
    model, pack_section = metric_section(store, user, forum_id, period, metric_id, config)
    units = _units(store)
    teams = [u for u in units.values() if u.level is OrgLevel.TEAM]
    shown = [u for u in teams if may_open_unit(user, u, units)]

    def order(unit: OrgUnit) -> tuple[str, ...]:
        return (*tuple(a.name for a in _ancestors(unit, units)), unit.name, unit.code)

    shown.sort(key=order)
    sections = unit_sections(store, model, metric_id, shown, config)
    return TeamsView(
        model=model,
        pack_section=pack_section,
        teams=tuple(UnitFigure(u, sections[u.code], _directorate(u, units)) for u in shown),
        withheld_teams=len(teams) - len(shown),
    )
