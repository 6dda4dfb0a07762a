"""What the web app shows, built by the same code as the board pack.

Each page reads a forum's :class:`~trustboard.render.pack.PackModel` for a period, made by
:func:`trustboard.services.pack.gather_inputs` and :func:`trustboard.render.pack.assemble_pack`
exactly as ``trustboard report`` makes it: so a figure, icon or statement in the browser is
the one in the PDF, and a public forum's model already lacks its private metrics, private
commentary sections and suppressed small numbers.  Models are kept in a small in-process cache
keyed by the newest data change in the audit log (every write to the store is audited), so
a change to the data is seen on the next request; so are the store-wide answers every page
needs (the months offered, the forums), which would otherwise be read again on each request.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

from trustboard.domain import Domain, Forum, OrgLevel, OrgUnit, Period
from trustboard.errors import (
    ConfigError,
    ConflictError,
    ErrorCode,
    NotFoundError,
    OptionsError,
    PermissionDeniedError,
)
from trustboard.render.pack import MetricSection, PackModel, assemble_pack
from trustboard.render.pack.model import ASSURANCE_ICONS, VARIATION_ICONS
from trustboard.services.pack import (
    ForumBaf,
    PaperConfig,
    forum_baf,
    gather_inputs,
    load_paper_config,
)
from trustboard.services.status import MetricStatus, StoreStatus, status_of
from trustboard.services.users import (
    FORUM_BOUND_ROLES,
    Role,
    User,
    list_users,
    may_read_forum,
    record_refusal,
    require_role,
)
from trustboard.store import Store, read_paper_config
from trustboard.store import users as stored

__all__ = [
    "DOWNLOADS",
    "PERIODS_SHOWN",
    "SORT_KEYS",
    "BafView",
    "DataStatus",
    "HomeView",
    "Publication",
    "SummaryFilter",
    "Verification",
    "available_periods",
    "build_lock",
    "data_status",
    "data_version",
    "forum_baf_view",
    "forum_pack",
    "home_view",
    "load_config",
    "metric_section",
    "publication",
    "publication_file",
    "publications",
    "require_forum",
    "store_forums",
    "store_org_units",
    "summary_sections",
    "users_for_admin",
    "verify",
    "visible_forums",
    "visible_metric_ids",
    "warm_models",
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


def load_config(source: str | Path | None, store: Store | None = None) -> PaperConfig:
    """The paper configuration the web app builds packs with: ``source`` (as ``report
    --paper``), else the one the store keeps (``trustboard demo`` keeps the configuration its
    packs were built with), else the defaults."""
    if source is None and store is not None:
        with store.reading() as conn:
            kept = read_paper_config(conn)
        if kept is not None:
            try:
                return replace(load_paper_config(kept), kept=True)
            except ConfigError as stale:
                raise ConfigError(
                    "the paper configuration kept in the store no longer reads: " + stale.message,
                    code=stale.code,
                    problems=stale.problems,
                    hint="give the current one with --paper FILE; a demo store: build it again "
                    "with trustboard demo",
                ) from None
    return load_paper_config(source)


_T = TypeVar("_T")
_kept_lock = threading.Lock()
#: per store and question: the data change it was answered at, and the answer
_kept: dict[tuple[str, str], tuple[int, Any]] = {}


def data_version(store: Store) -> int:
    """The store's newest data change (see :func:`trustboard.store.users.latest_data_change`):
    an answer read at this version stays current while it is the same."""
    with store.reading() as conn:
        return stored.latest_data_change(conn)


def _kept_answer(store: Store, question: str, read: Callable[[], _T]) -> _T:
    """``read()``'s answer for ``store``, read again only when the store's data changed since
    (an import, a catalogue change: every write is audited)."""
    key = (store.url, question)
    version = data_version(store)
    with _kept_lock:
        found = _kept.get(key)
    if found is not None and found[0] == version:
        answer: _T = found[1]
        return answer
    answer = read()
    with _kept_lock:
        _kept[key] = (version, answer)
    return answer


def _read_periods(store: Store) -> tuple[Period, ...]:
    latest = store.latest_periods()
    if latest.height == 0:
        return ()
    newest = Period.containing(latest["latest"].max())  # type: ignore[arg-type]
    return tuple(newest.shift(-i) for i in range(PERIODS_SHOWN))


def available_periods(store: Store) -> list[Period]:
    """The months offered, newest first: the latest month with data and those before it."""
    return list(_kept_answer(store, "periods", lambda: _read_periods(store)))


def store_forums(store: Store) -> list[Forum]:
    """The store's forums in agenda order (as :meth:`Store.forums`, kept between requests)."""
    return list(_kept_answer(store, "forums", lambda: tuple(store.forums())))


def store_org_units(store: Store) -> tuple[OrgUnit, ...]:
    """The store's current org units (as :meth:`Store.org_units`, kept between requests: the
    drill-down reads the whole tree, 500 units and more, for every page)."""
    return _kept_answer(store, "org_units", lambda: tuple(store.org_units()))


def require_forum(store: Store, user: User, forum_id: str) -> Forum:
    """The forum, when it exists and ``user`` may read it (refusals are audited), as
    :func:`trustboard.services.users.require_forum` decides, from the kept list of forums."""
    forum = next((f for f in store_forums(store) if f.id == forum_id), None)
    if forum is None:
        raise NotFoundError(f"there is no forum '{forum_id}'")
    if not may_read_forum(user, forum):
        record_refusal(store, user.name, f"forum {forum_id}", "forum not on the account")
        raise PermissionDeniedError(f"your account does not give access to forum '{forum_id}'")
    return forum


def visible_forums(store: Store, user: User) -> list[Forum]:
    """The forums ``user`` may read, in the store's order."""
    return [f for f in store_forums(store) if may_read_forum(user, f)]


def _period(store: Store, text: str) -> Period:
    try:
        chosen = Period.parse(text)
    except (ValueError, OptionsError):
        raise NotFoundError(f"'{text}' is not a period", hint="for example 2025-03") from None
    if chosen not in available_periods(store):
        raise NotFoundError(f"there is no data for {chosen.display()} to show")
    return chosen


def build_lock(
    locks: dict[tuple[Any, ...], threading.Lock], key: tuple[Any, ...]
) -> threading.Lock:
    """The lock under which the cached answer for ``key`` is built (the caller holds the
    cache's own lock): requests that miss the cache together (a worker's first readers, the
    readers after an import) wait for one build instead of each building it again."""
    return locks.setdefault(key, threading.Lock())


_building: dict[tuple[Any, ...], threading.Lock] = {}


def _model(store: Store, forum: Forum, period: Period, config: PaperConfig) -> PackModel:
    key = (store.url, forum.id, period.label(), id(config), data_version(store))
    with _lock:
        found = _cache.get(key)
        if found is not None:
            _cache.move_to_end(key)
            return found
        building = build_lock(_building, key)
    with building:
        with _lock:
            found = _cache.get(key)
        if found is not None:
            return found
        # the BAF section is not part of these pages; an empty one skips reading the register
        inputs = gather_inputs(store, forum.id, period, config=config, baf_html="")
        model = assemble_pack(inputs)
        with _lock:
            _cache[key] = model
            while len(_cache) > _CACHE_SIZE:
                _cache.popitem(last=False)
            _building.pop(key, None)
    return model


def warm_models(store: Store, config: PaperConfig) -> list[PackModel]:
    """Build and keep the pack model of every forum for the latest month, the pages most
    readers open first (``trustboard serve`` runs this in each worker as it starts, so that
    its first readers do not each wait for the build)."""
    periods = available_periods(store)
    if not periods:
        return []
    return [_model(store, forum, periods[0], config) for forum in store_forums(store)]


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
    """A published pack, as its manifest describes it, and the quick check of its files."""

    forum: str
    forum_name: str
    period: str
    published_at: str
    files: tuple[str, ...]
    folder: Path
    manifest: dict[str, Any]
    #: files missing, added or changed against the manifest's hashes
    file_differences: tuple[str, ...] = ()
    #: the manifest's signature: valid, invalid, unsigned or no key (to check it with)
    signature: str = "unsigned"
    signature_detail: str = ""

    @property
    def period_label(self) -> str:
        """The period as people read it (``Mar 2025``)."""
        try:
            return Period.parse(self.period).display()
        except (ValueError, OptionsError):
            return self.period

    @property
    def published_label(self) -> str:
        """When it was published, as people read it (``5 Apr 2025, 09:30 UTC``)."""
        try:
            moment = datetime.fromisoformat(self.published_at.rstrip("Z"))
        except ValueError:
            return self.published_at
        return f"{moment.day} {moment:%b %Y}, {moment:%H:%M} UTC"

    @property
    def public(self) -> bool:
        """Whether the pack was published for a public meeting."""
        return bool(self.manifest.get("options", {}).get("public"))

    @property
    def html_name(self) -> str | None:
        """The published HTML file's name."""
        return next((f for f in self.files if f.endswith(".html")), None)

    @property
    def pdf_name(self) -> str | None:
        """The published PDF file's name (None when published without one)."""
        return next((f for f in self.files if f.endswith(".pdf")), None)

    @property
    def overrides(self) -> list[dict[str, Any]]:
        """The pre-publication check findings overridden, with their reasons."""
        check = self.manifest.get("check")
        found = check.get("overrides") if isinstance(check, dict) else None
        return [o for o in found or [] if isinstance(o, dict)]

    @property
    def figures(self) -> list[dict[str, Any]]:
        """The figures the pack showed, as the manifest lists them (every charted month)."""
        return list(self.manifest.get("figures", []))

    @property
    def period_figures(self) -> list[dict[str, Any]]:
        """The figures the pack showed for its own month."""
        return [f for f in self.figures if f.get("period") == self.period]


def _stamps(folder: Path) -> tuple[tuple[str, int, int], ...]:
    """Each file under ``folder`` with its modification time and size: a publication whose
    stamps are unchanged needs no hashing again."""
    out = []
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            info = path.stat()
            out.append((path.relative_to(folder).as_posix(), info.st_mtime_ns, info.st_size))
    return tuple(out)


_checked_lock = threading.Lock()
_checked: OrderedDict[tuple[Any, ...], Publication] = OrderedDict()
_CHECKED_SIZE = 512


def _publication(folder: Path, forum: Forum) -> Publication:
    """The publication in ``folder`` with the quick check of its files, for the list: kept
    until a file under it changes size or time (hashing every pack's files on every listing
    would read them all); a pack's own page checks its files every time."""
    key = (str(folder), forum.name, _stamps(folder))
    with _checked_lock:
        if key in _checked:
            _checked.move_to_end(key)
            return _checked[key]
    found = _check_publication(folder, forum)
    with _checked_lock:
        _checked[key] = found
        while len(_checked) > _CHECKED_SIZE:
            _checked.popitem(last=False)
    return found


def _check_publication(folder: Path, forum: Forum) -> Publication:
    from trustboard.services.publish import check_published_files, load_manifest

    manifest = load_manifest(folder)
    differences, signature = check_published_files(folder)
    return Publication(
        forum=str(manifest["forum"]),
        forum_name=str(manifest.get("forum_name") or forum.name),
        period=str(manifest["period"]),
        published_at=str(manifest.get("published_at", "")),
        files=tuple(sorted(manifest.get("files", {}))),
        folder=folder,
        manifest=manifest,
        file_differences=differences,
        signature=signature.status.value,
        signature_detail=signature.detail,
    )


def _readable(user: User, forum: Forum | None, manifest_public: bool | None) -> bool:
    # a reader of a public forum sees only packs published for the public
    if forum is None or not may_read_forum(user, forum):
        return False
    return not forum.public or manifest_public is not False


def publications(store: Store, user: User, root: str | Path | None) -> list[Publication]:
    """The published packs under ``root`` of the forums ``user`` may read, newest first."""
    from trustboard.services.publish import MANIFEST_NAME

    if root is None:
        return []
    base = Path(root) / "published"
    if not base.is_dir():
        return []
    forums = {f.id: f for f in store_forums(store)}
    found: list[Publication] = []
    for forum_dir in sorted(base.iterdir()):
        forum = forums.get(forum_dir.name)
        if forum is None or not may_read_forum(user, forum) or not forum_dir.is_dir():
            continue
        for folder in sorted(forum_dir.iterdir()):
            if folder.name.startswith(".") or not (folder / MANIFEST_NAME).is_file():
                continue
            item = _publication(folder, forum)
            if _readable(user, forum, item.public):
                found.append(item)
    # newest period first; the forums of one period by id
    found.sort(key=lambda p: p.forum)
    found.sort(key=lambda p: p.period, reverse=True)
    return found


def publication(
    store: Store, user: User, root: str | Path | None, forum_id: str, period: str
) -> Publication:
    """One published pack of a forum ``user`` may read (refusals audited; not found when the
    server has no published folder or the pack was never published)."""
    from trustboard.services.publish import MANIFEST_NAME, publication_dir

    forum = require_forum(store, user, forum_id)
    try:
        when = Period.parse(period)
    except (ValueError, OptionsError):
        raise NotFoundError(f"'{period}' is not a period", hint="for example 2025-03") from None
    folder = None if root is None else publication_dir(Path(root), forum.id, when)
    if folder is None or not (folder / MANIFEST_NAME).is_file():
        raise NotFoundError(f"the {forum.name} pack for {when.display()} has not been published")
    item = _check_publication(folder, forum)  # one pack: its files are hashed every time
    if not _readable(user, forum, item.public):
        raise NotFoundError(f"the {forum.name} pack for {when.display()} has not been published")
    return item


#: A file name that can be sent as it is (in a path and in a Content-Disposition header).
_FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
#: Media types of the files a publication can be downloaded as.
DOWNLOADS = {".html": "text/html; charset=utf-8", ".pdf": "application/pdf"}


def publication_file(
    store: Store, user: User, root: str | Path | None, forum_id: str, period: str, name: str
) -> tuple[bytes, str]:
    """A published pack's HTML or PDF, as frozen: its bytes and media type.  A file whose
    hash no longer matches the manifest is refused (``TB-PUBLISH-VERIFY``), never served as
    the published pack."""
    item = publication(store, user, root, forum_id, period)
    suffix = Path(name).suffix
    if name not in item.files or suffix not in DOWNLOADS or not _FILE_NAME.fullmatch(name):
        raise NotFoundError(f"the publication has no file '{name}' to download")
    try:
        data = (item.folder / name).read_bytes()
    except OSError:
        raise ConflictError(
            f"{name} is listed in the manifest but cannot be read",
            code=ErrorCode.PUBLISH_VERIFY,
            hint="run: trustboard publish --verify",
        ) from None
    if hashlib.sha256(data).hexdigest() != item.manifest["files"][name]:
        raise ConflictError(
            f"{name} differs from the file that was published (its hash is not the manifest's)",
            code=ErrorCode.PUBLISH_VERIFY,
            hint="run: trustboard publish --verify",
        )
    return data, DOWNLOADS[suffix]


@dataclass(frozen=True, slots=True)
class Verification:
    """What ``trustboard publish --verify`` says of a publication, for the page."""

    #: "verified", "changed" or "not verifiable"
    state: str
    problems: tuple[str, ...]
    signature: str
    signature_detail: str
    html_sha256: str | None = None


_verified_lock = threading.Lock()
_verified: OrderedDict[tuple[Any, ...], Verification] = OrderedDict()


def verify(store: Store, item: Publication, root: str | Path) -> Verification:
    """The full check of ``trustboard publish --verify`` (files, signature, and the pack
    re-rendered from the store), kept until the data or a publication file's content
    changes."""
    from trustboard.services.publish import verify_publication

    with store.reading() as conn:
        version = stored.latest_data_change(conn)
    # keyed on every file's content (hashing is quick; re-rendering the pack is not)
    digests = tuple(
        (p.relative_to(item.folder).as_posix(), hashlib.sha256(p.read_bytes()).hexdigest())
        for p in sorted(item.folder.rglob("*"))
        if p.is_file()
    )
    key = (store.url, str(item.folder), version, digests)
    with _verified_lock:
        if key in _verified:
            return _verified[key]
    try:
        result = verify_publication(store, item.forum, item.period, root)
    except OptionsError as refused:
        # published with a BAF fragment from a file: the CLI verifies it with that file
        found = Verification(
            "not verifiable", (refused.message,), item.signature, item.signature_detail
        )
    else:
        found = Verification(
            "verified" if result.ok else "changed",
            tuple(result.problems()),
            result.signature.status.value,
            result.signature.detail,
            result.html_sha256,
        )
    with _verified_lock:
        _verified[key] = found
        while len(_verified) > _CACHE_SIZE:
            _verified.popitem(last=False)
    return found


@dataclass(frozen=True, slots=True)
class DataStatus:
    """The data status page: ``trustboard status``'s answer, cut to the metrics a user's
    forums receive (every metric for the roles that read every forum)."""

    status: StoreStatus
    metrics: tuple[MetricStatus, ...]

    @property
    def late(self) -> tuple[MetricStatus, ...]:
        """Metrics whose data is overdue."""
        return tuple(m for m in self.metrics if m.state == "late")

    @property
    def missing(self) -> tuple[MetricStatus, ...]:
        """Metrics never loaded."""
        return tuple(m for m in self.metrics if m.state == "missing")

    @property
    def provisional(self) -> tuple[MetricStatus, ...]:
        """Metrics whose latest data is provisional (and not late)."""
        return tuple(m for m in self.metrics if m.state == "provisional")


def visible_metric_ids(store: Store, user: User) -> set[str] | None:
    """The metrics ``user`` may see outside a forum's pages: those their forums receive (a
    public forum's without its private metrics); None for the roles that read every forum."""
    if user.role not in FORUM_BOUND_ROLES:
        return None
    forums = visible_forums(store, user)
    return {
        m.id
        for m in store.metrics()
        for f in forums
        if f.receives(m.id, m.lead_committees) and not (f.public and m.private)
    }


def data_status(store: Store, user: User, today: date | None = None) -> DataStatus:
    """Late, missing and provisional data per metric, as ``trustboard status`` works it out
    (:func:`trustboard.services.status.status_of`)."""
    found = status_of(store, today=today)
    allowed = visible_metric_ids(store, user)
    rows = tuple(m for m in found.metrics if allowed is None or m.metric_id in allowed)
    return DataStatus(found, rows)


@dataclass(frozen=True, slots=True)
class BafView:
    """The BAF of one forum for one period: the pack model (forum, period, review date) and
    the register as the forum may see it (None when the store holds no register or no SPC
    results)."""

    model: PackModel
    review_date: date
    baf: ForumBaf | None


_baf_lock = threading.Lock()
_baf_cache: OrderedDict[tuple[Any, ...], ForumBaf | None] = OrderedDict()


def forum_baf_view(
    store: Store, user: User, forum_id: str, period: str, config: PaperConfig
) -> BafView:
    """The BAF as ``forum_id``'s pack for ``period`` shows it: reviewed at the meeting date
    (else the period's end), with what the forum may not see withheld by the pack's own code
    (:func:`trustboard.services.pack.forum_baf`)."""
    model = forum_pack(store, user, forum_id, period, config)
    review = model.paper.meeting_date or model.period.end
    with store.reading() as conn:
        version = stored.latest_data_change(conn)
    key = (store.url, model.forum.id, review, version)
    with _baf_lock:
        if key in _baf_cache:
            return BafView(model, review, _baf_cache[key])
    trust = [u for u in store.org_units(include_retired=True) if u.level is OrgLevel.TRUST]
    found = forum_baf(store, model.forum, review, org_unit=trust[0].code if trust else None)
    with _baf_lock:
        _baf_cache[key] = found
        while len(_baf_cache) > _CACHE_SIZE:
            _baf_cache.popitem(last=False)
    return BafView(model, review, found)


#: Roles that may see the list of accounts.
ADMIN_ROLES = frozenset({Role.ADMIN})


def users_for_admin(store: Store, user: User) -> Sequence[User]:
    """Every account (administrators only; a refusal is audited)."""
    require_role(store, user, ADMIN_ROLES, "the list of users")
    return list_users(store)
