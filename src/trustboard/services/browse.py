"""What the web app shows, built by the same code as the board pack.

Each page reads a forum's :class:`~trustboard.render.pack.PackModel` for a period, made by
:func:`trustboard.services.pack.gather_inputs` and :func:`trustboard.render.pack.assemble_pack`
exactly as ``trustboard report`` makes it: so a figure, icon or statement in the browser is
the one in the PDF, and a public forum's model already lacks its private metrics, private
commentary sections and suppressed small numbers.  Models are kept in a small in-process cache
keyed by the newest data change in the audit log (every write to the store is audited), so
a change to the data is seen on the next request.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trustboard.domain import Domain, Forum, Period
from trustboard.errors import NotFoundError, OptionsError
from trustboard.render.pack import MetricSection, PackModel, assemble_pack
from trustboard.render.pack.model import ASSURANCE_ICONS, VARIATION_ICONS
from trustboard.services.pack import PaperConfig, gather_inputs, load_paper_config
from trustboard.services.users import (
    Role,
    User,
    list_users,
    may_read_forum,
    require_forum,
    require_role,
    visible_forums,
)
from trustboard.store import Store
from trustboard.store import users as stored

__all__ = [
    "PERIODS_SHOWN",
    "SORT_KEYS",
    "HomeView",
    "Publication",
    "SummaryFilter",
    "available_periods",
    "forum_pack",
    "home_view",
    "load_config",
    "metric_section",
    "publications",
    "summary_sections",
    "users_for_admin",
]

#: How many months back from the latest data the web app offers.
PERIODS_SHOWN = 12
#: Columns the summary table can be sorted by.
SORT_KEYS: tuple[str, ...] = (
    "pack",
    "id",
    "name",
    "domain",
    "directorate",
    "variation",
    "assurance",
)
_CACHE_SIZE = 32

_lock = threading.Lock()
_cache: OrderedDict[tuple[Any, ...], PackModel] = OrderedDict()


def load_config(source: str | Path | None) -> PaperConfig:
    """The paper configuration the web app builds packs with (as ``report --paper``)."""
    return load_paper_config(source)


def available_periods(store: Store) -> list[Period]:
    """The months offered, newest first: the latest month with data and those before it."""
    latest = store.latest_periods()
    if latest.height == 0:
        return []
    newest = Period.containing(latest["latest"].max())  # type: ignore[arg-type]
    return [newest.shift(-i) for i in range(PERIODS_SHOWN)]


def _period(store: Store, text: str) -> Period:
    try:
        chosen = Period.parse(text)
    except (ValueError, OptionsError):
        raise NotFoundError(f"'{text}' is not a period", hint="for example 2025-03") from None
    if chosen not in available_periods(store):
        raise NotFoundError(f"there is no data for {chosen.display()} to show")
    return chosen


def _model(store: Store, forum: Forum, period: Period, config: PaperConfig) -> PackModel:
    with store.transaction() as conn:
        version = stored.latest_data_change(conn)
    key = (store.url, forum.id, period.label(), id(config), version)
    with _lock:
        found = _cache.get(key)
        if found is not None:
            _cache.move_to_end(key)
            return found
    # the BAF section is not part of these pages; an empty one skips reading the register
    inputs = gather_inputs(store, forum.id, period, config=config, baf_html="")
    model = assemble_pack(inputs)
    with _lock:
        _cache[key] = model
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return model


def forum_pack(
    store: Store, user: User, forum_id: str, period: str, config: PaperConfig
) -> PackModel:
    """The pack model of ``forum_id`` for ``period`` as ``user`` may read it (refusals are
    audited; an unknown forum or period is not found)."""
    forum = require_forum(store, user, forum_id)
    return _model(store, forum, _period(store, period), config)


def metric_section(
    store: Store, user: User, forum_id: str, period: str, metric_id: str, config: PaperConfig
) -> tuple[PackModel, MetricSection]:
    """One metric's section of the forum's pack; a metric the pack does not show (not
    received, or private in a public forum) is not found, exactly as if it did not exist."""
    model = forum_pack(store, user, forum_id, period, config)
    try:
        return model, model.section(metric_id)
    except KeyError:
        raise NotFoundError(
            f"the {model.forum.name} pack for {model.period.display()} has no metric '{metric_id}'"
        ) from None


@dataclass(frozen=True, slots=True)
class SummaryFilter:
    """The summary table's filters and order (query parameters of the page)."""

    domain: str | None = None
    directorate: str | None = None
    icon: str | None = None
    committee: str | None = None
    lead: str | None = None
    sort: str = "pack"
    descending: bool = False

    def __post_init__(self) -> None:
        if self.sort not in SORT_KEYS:
            raise OptionsError(
                f"the summary cannot be sorted by '{self.sort}'",
                hint="use one of " + ", ".join(SORT_KEYS),
            )
        if self.domain is not None and self.domain not in {d.value for d in Domain}:
            raise OptionsError(f"'{self.domain}' is not a domain")


def _rank(name: str | None, order: tuple[str, ...]) -> int:
    # icons sort as the icon matrix lists them (concern and failing first); none comes last
    return order.index(name) if name in order else len(order)


def _sort_key(section: MetricSection, sort: str) -> tuple[Any, ...]:
    summary = section.summary
    if sort == "variation":
        return (_rank(summary.variation_icon, VARIATION_ICONS), section.metric_id)
    if sort == "assurance":
        return (_rank(summary.assurance_icon, ASSURANCE_ICONS), section.metric_id)
    text = {
        "id": section.metric_id,
        "name": section.name.lower(),
        "domain": section.definition.domain.value,
        "directorate": section.definition.directorate,
    }[sort]
    return (text, section.metric_id)


def summary_sections(model: PackModel, chosen: SummaryFilter) -> list[MetricSection]:
    """The pack's sections that pass the filter, in the order asked for."""
    rows: list[MetricSection] = []
    for section in model.sections:
        definition = section.definition
        if chosen.domain and definition.domain.value != chosen.domain:
            continue
        if chosen.directorate and definition.directorate != chosen.directorate:
            continue
        if chosen.committee and chosen.committee not in definition.lead_committees:
            continue
        if chosen.lead and definition.exec_lead != chosen.lead:
            continue
        if chosen.icon and chosen.icon not in (
            section.summary.variation_icon,
            section.summary.assurance_icon,
        ):
            continue
        rows.append(section)
    if chosen.sort != "pack":
        rows.sort(key=lambda s: _sort_key(s, chosen.sort))
    if chosen.descending:
        rows.reverse()
    return rows


@dataclass(frozen=True, slots=True)
class HomeView:
    """The home page: the forums and periods the user may read, one forum's latest pack."""

    forums: tuple[Forum, ...]
    periods: tuple[Period, ...]
    model: PackModel | None


def home_view(store: Store, user: User, forum_id: str | None, config: PaperConfig) -> HomeView:
    """The forums and periods ``user`` may read and the latest pack of one of them (the one
    asked for, else the first)."""
    forums = tuple(visible_forums(store, user))
    periods = tuple(available_periods(store))
    model = None
    if forums and periods:
        chosen = forum_id or forums[0].id
        model = forum_pack(store, user, chosen, periods[0].label(), config)
    return HomeView(forums, periods, model)


@dataclass(frozen=True, slots=True)
class Publication:
    """A published pack, as its manifest describes it."""

    forum: str
    forum_name: str
    period: str
    published_at: str
    files: tuple[str, ...]


def publications(store: Store, user: User, root: str | Path | None) -> list[Publication]:
    """The published packs under ``root`` of the forums ``user`` may read, newest first."""
    from trustboard.services.publish import MANIFEST_NAME, load_manifest

    if root is None:
        return []
    base = Path(root) / "published"
    if not base.is_dir():
        return []
    forums = {f.id: f for f in store.forums()}
    found: list[Publication] = []
    for forum_dir in sorted(base.iterdir()):
        forum = forums.get(forum_dir.name)
        if forum is None or not may_read_forum(user, forum) or not forum_dir.is_dir():
            continue
        for folder in sorted(forum_dir.iterdir()):
            if folder.name.startswith(".") or not (folder / MANIFEST_NAME).is_file():
                continue
            manifest = load_manifest(folder)
            found.append(
                Publication(
                    forum=str(manifest["forum"]),
                    forum_name=str(manifest.get("forum_name") or forum.name),
                    period=str(manifest["period"]),
                    published_at=str(manifest.get("published_at", "")),
                    files=tuple(sorted(manifest.get("files", {}))),
                )
            )
    # newest period first; the forums of one period by id
    found.sort(key=lambda p: p.forum)
    found.sort(key=lambda p: p.period, reverse=True)
    return found


#: Roles that may see the list of accounts.
ADMIN_ROLES = frozenset({Role.ADMIN})


def users_for_admin(store: Store, user: User) -> Sequence[User]:
    """Every account (administrators only; a refusal is audited)."""
    require_role(store, user, ADMIN_ROLES, "the list of users")
    return list_users(store)
