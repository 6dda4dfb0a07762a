"""``trustboard demo``: build the synthetic demo trust end to end and write its board pack.

The steps are the ones a real trust's month follows, on synthetic data:

1. generate patient-level referrals and run the waiting-times engine over them, for the
   catalogue's waiting-time metrics (:mod:`trustboard.waits`);
2. build the demo trust (:func:`trustboard.demo.build_demo_trust`): catalogue, 48 months of
   values, commentary, actions, forums and cover sheets;
3. load it into a store (an SQLite file in the output folder unless a database is given);
4. load the demo Board Assurance Framework register;
5. refresh SPC for every series;
6. write each requested forum's pack for the latest month (HTML and PDF), every page labelled
   as synthetic data;
7. create one account of each role for the web app (:data:`DEMO_USERS`, all with the published
   password :data:`DEMO_PASSWORD`: a local demo store only, never a real one).

:func:`write_demo_config` writes the demo catalogue as a configuration folder
(``metrics.yaml``, ``org_units.yaml``, ``forums.yaml``, ``paper.yaml``) that
``trustboard catalogue load`` reads, as a full worked example.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl
import yaml

from trustboard.demo import (
    DEFAULT_SEED,
    FORUM_IDS,
    LATEST_PERIOD,
    DemoTrust,
    build_catalogue,
    build_demo_trust,
    build_forums,
    build_org_units,
    build_paper_config,
    demo_periods,
    meeting_dates,
    values_from_waits,
)
from trustboard.demo.waiting import WAITS_STANDARDS
from trustboard.errors import ConflictError, ErrorCode, OptionsError

if TYPE_CHECKING:
    from trustboard.domain import Period
    from trustboard.store import Store

__all__ = [
    "DEMO_DATABASE_FILE",
    "DEMO_NARRATIVE_APPROVER",
    "DEMO_NARRATIVE_AUTHOR",
    "DEMO_PASSWORD",
    "DEMO_USERS",
    "WAITS_REFERRALS",
    "WAITS_WARM_UP_MONTHS",
    "DemoResult",
    "demo_accounts",
    "demo_waits_values",
    "run_demo",
    "write_demo_config",
]

#: Name of the SQLite store written into the output folder.
DEMO_DATABASE_FILE = "trustboard-demo.sqlite"
#: Synthetic referrals drawn over the 48 months of history (eight services).
WAITS_REFERRALS = 150_000
#: Months of referrals drawn before the history starts, so that waiting lists have built up by
#: April 2021 instead of starting empty.
WAITS_WARM_UP_MONTHS = 12
#: The BAF register of the demo trust (owned by the BAF service).
_BAF_REGISTER = Path(__file__).with_name("baf_demo_register.yaml")

#: The demo's web accounts, one of each role: name, role, forums, directorates.
DEMO_USERS: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("demo-board-public", "board_member", ("BOARD",), ()),
    ("demo-board-private", "board_member", ("BOARD-PRIVATE",), ()),
    ("demo-executive", "executive", (), ()),
    ("demo-directorate-lead", "directorate_lead", ("EMT",), ("MH",)),
    ("demo-analyst", "analyst", (), ()),
    ("demo-risk-lead", "risk_lead", (), ()),
    ("demo-admin", "admin", (), ()),
)
#: The password of every demo account.  It is printed and documented, so it protects nothing:
#: the demo store is for one machine, and ``trustboard serve`` refuses to listen beyond it
#: while a demo account is active.
DEMO_PASSWORD = "synthetic demo only"
#: The demo account that drafts the latest month's narrative, and the one that approves it:
#: the approver is recorded for every executive lead of the catalogue.
DEMO_NARRATIVE_AUTHOR = "demo-analyst"
DEMO_NARRATIVE_APPROVER = "demo-executive"

Progress = Callable[[str], None]


@dataclass(frozen=True)
class DemoResult:
    """What :func:`run_demo` built and where it put it."""

    output: Path
    database: str
    html: tuple[Path, ...]
    pdf: tuple[Path, ...]
    metrics: int
    values: int
    commentary: int
    actions: int
    waits_metrics: tuple[str, ...]
    seed: int
    latest: str
    seconds: float
    steps: tuple[tuple[str, float], ...] = field(default=())
    #: the web accounts created (see :data:`DEMO_USERS`)
    users: tuple[str, ...] = ()
    #: the demo Board meeting's packs (the whole meeting's, then the public part's PDF)
    meeting: tuple[Path, ...] = ()


def demo_waits_values(
    seed: int, *, referrals: int = WAITS_REFERRALS, engine: str = "duckdb"
) -> pl.DataFrame:
    """Values of the demo's waiting-time metrics, computed from synthetic referrals.

    ``referrals`` are drawn with ``seed`` over the 48 months of the demo history, plus
    :data:`WAITS_WARM_UP_MONTHS` before it at the same rate; the waiting-times engine computes
    every month end of the history by team (counts and shares) and by service (percentiles,
    which cannot be summed).
    """
    from trustboard.waits import compute_results, synth

    periods = demo_periods()
    months = len(periods) + WAITS_WARM_UP_MONTHS
    extract = synth.generate(
        round(referrals * months / len(periods)),
        months=months,
        seed=seed,
        start=periods[0].shift(-WAITS_WARM_UP_MONTHS).start,
    )
    common: dict[str, Any] = {
        "events": extract.events,
        "standards": list(WAITS_STANDARDS),
        "engine": engine,
        "start": periods[0],
        "end": periods[-1],
    }
    by_team = compute_results(extract.referrals, extract.contacts, by=("service", "team"), **common)
    by_service = compute_results(
        extract.referrals,
        extract.contacts,
        by=("service",),
        **{**common, "standards": ["cmh_adult_4w"]},
    )
    return values_from_waits(
        {k: v.measures for k, v in by_team.items()},
        {k: v.measures for k, v in by_service.items()},
        build_catalogue(),
        build_org_units(),
        LATEST_PERIOD,
    )


def _plain(value: Any) -> Any:
    """YAML-friendly: tuples as lists, enums as their values."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _dump(path: Path, header: str, data: Any) -> Path:
    text = yaml.safe_dump(_plain(data), sort_keys=False, allow_unicode=True, width=100)
    path.write_text(
        f"# {header}\n# Synthetic: the trust, its teams and its figures are invented.\n" + text,
        encoding="utf-8",
        newline="\n",
    )
    return path


def write_demo_config(directory: str | Path) -> tuple[Path, ...]:
    """Write the demo catalogue as a configuration folder; returns the files written.

    ``metrics.yaml``, ``org_units.yaml`` and ``forums.yaml`` are the catalogue folder layout
    (``docs/catalogue.md``); ``paper.yaml`` is the cover-sheet configuration
    (``docs/board-pack.md``).
    """
    out = Path(directory)
    if out.exists() and not out.is_dir():
        raise OptionsError(f"'{out}' exists and is not a folder", code=ErrorCode.DEMO_OUTPUT)
    out.mkdir(parents=True, exist_ok=True)
    metrics = [
        m.definition.model_dump(mode="json", exclude_defaults=True) for m in build_catalogue()
    ]
    units = [u.model_dump(mode="json", exclude_defaults=True) for u in build_org_units()]
    forums = [f.model_dump(mode="json", exclude_defaults=True) for f in build_forums()]
    paper = build_paper_config()
    return (
        _dump(
            out / "metrics.yaml",
            "Metric catalogue of the demo trust (domain.md §2, §3).",
            {"metrics": metrics},
        ),
        _dump(
            out / "org_units.yaml",
            "Organisation of the demo trust: trust, directorates, services, teams.",
            {"org_units": units},
        ),
        _dump(
            out / "forums.yaml", "Forums that receive the demo trust's report.", {"forums": forums}
        ),
        _dump(out / "paper.yaml", "Cover sheets of the demo trust's papers (domain.md §6).", paper),
    )


def _values_for_store(trust: DemoTrust) -> pl.DataFrame:
    frame = trust.values
    digest = hashlib.sha256(frame.write_csv().encode("utf-8")).hexdigest()
    return frame.with_columns(
        pl.lit(f"synthetic demo trust, seed {trust.seed}").alias("source_file"),
        pl.lit(digest).alias("source_hash"),
    )


def _database_for(output: Path, database: str | None) -> str:
    if database:
        return database
    path = output / DEMO_DATABASE_FILE
    for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if stale.exists():  # a re-run rebuilds the demo store from nothing, so it is repeatable
            stale.unlink()
    return str(path)


def _refuse_real_store(store: Store) -> None:
    """Refuse a store that holds anything but the demo's own data: synthetic figures must
    never mix with a trust's real ones."""
    catalogue = store.catalogue_version()
    foreign = [b for b in store.imports() if b.actor != "trustboard demo"]
    if (catalogue is not None and not (catalogue.source or "").startswith("trustboard demo")) or (
        foreign
    ):
        raise ConflictError(
            f"the store {store.url} holds data that is not the demo's; the demo never writes "
            "synthetic figures into it",
            code=ErrorCode.DEMO_STORE,
            hint="leave --database out (the demo makes its own store) or name a new file",
        )


def demo_accounts(store: Store) -> list[str]:
    """The demo's web accounts that are active in ``store`` (their password is public)."""
    from trustboard.services.users import list_users

    names = {name for name, _role, _forums, _directorates in DEMO_USERS}
    return sorted(u.name for u in list_users(store) if u.name in names and not u.disabled)


def _add_demo_users(store: Store) -> tuple[str, ...]:
    from trustboard.services.users import add_user, list_users

    existing = {u.name for u in list_users(store)}
    for name, role, forums, directorates in DEMO_USERS:
        if name not in existing:  # a re-run into the same --database keeps its accounts
            add_user(store, name, role, DEMO_PASSWORD, forums=forums, directorates=directorates)
    return tuple(name for name, *_rest in DEMO_USERS)


def _approve_demo_narrative(store: Store, trust: DemoTrust) -> int:
    """The latest month's commentary enters the narrative workflow approved, as an import
    approved by :data:`DEMO_NARRATIVE_APPROVER` does (the workflow's end state before the
    pack is published); returns the versions added (none on a re-run)."""
    from trustboard.services import narrative as nv
    from trustboard.services.users import list_users

    admin = next(u for u in list_users(store) if u.name == "demo-admin")
    named = {lead.exec_lead for lead in nv.leads(store, DEMO_NARRATIVE_APPROVER)}
    for lead in sorted({d.exec_lead for d in trust.definitions if d.exec_lead} - named):
        nv.set_lead(store, admin, lead, DEMO_NARRATIVE_APPROVER)
    latest = [c for c in trust.commentary if c.period == trust.latest.label()]
    added = nv.enter_imported(
        store, latest, author=DEMO_NARRATIVE_AUTHOR, approved_by=DEMO_NARRATIVE_APPROVER
    )
    return len(added)


def _demo_meeting(out: Path, db: str, latest: Period, *, pdf: bool) -> tuple[Path, ...]:
    """Write the demo Board meeting's agenda and papers into ``out/meeting`` and, with the PDF
    extra, build its packs into ``out/meeting/packs`` (docs/papers.md)."""
    from trustboard.demo import TRUST_NAME
    from trustboard.demo.meeting import write_demo_meeting
    from trustboard.services.meeting_pack import build_meeting
    from trustboard.store import Store

    agenda = write_demo_meeting(out / "meeting", latest)
    if not pdf:
        return ()
    store = Store.open(db, actor="trustboard demo")
    try:
        built = build_meeting(
            agenda, out / "meeting" / "packs", store=store, trust_name=TRUST_NAME, synthetic=True
        )
    finally:
        store.close()
    return tuple(pack.pdf_path for pack in built.packs)


def run_demo(
    output: str | Path,
    *,
    seed: int = DEFAULT_SEED,
    database: str | None = None,
    forums: Sequence[str] = ("BOARD",),
    pdf: bool = True,
    waits: bool = True,
    waits_referrals: int = WAITS_REFERRALS,
    progress: Progress | None = None,
) -> DemoResult:
    """Build the demo trust into ``output`` and write the packs of ``forums``.

    ``database`` is a store URL (PostgreSQL or SQLite); without one, a fresh SQLite file in
    ``output`` is used.  ``waits=False`` skips the waiting-times engine (its metrics then have
    no values).  ``progress`` receives one line per step.
    """
    from trustboard.services.baf import import_register
    from trustboard.services.meetings import record_meeting
    from trustboard.services.pack import build_pack, load_paper_config
    from trustboard.services.refresh import refresh_spc
    from trustboard.store import Store, save_paper_config, utc_now

    unknown = sorted(set(forums) - set(FORUM_IDS))
    if unknown:
        raise OptionsError(
            f"unknown demo forum(s): {', '.join(unknown)}",
            code=ErrorCode.DEMO_FORUM,
            hint="demo forums: " + ", ".join(FORUM_IDS),
        )
    say = progress or (lambda _line: None)
    started = time.perf_counter()
    steps: list[tuple[str, float]] = []

    def step(name: str, began: float) -> None:
        steps.append((name, time.perf_counter() - began))
        say(f"{name}: {steps[-1][1]:.1f} s")

    out = Path(output)
    out.mkdir(parents=True, exist_ok=True)
    db = _database_for(out, database)
    checked, _before, _after = Store.init(db, actor="trustboard demo")
    try:
        _refuse_real_store(checked)
    finally:
        checked.close()

    began = time.perf_counter()
    extra = demo_waits_values(seed, referrals=waits_referrals) if waits else None
    if waits:
        step("waiting times from synthetic referrals", began)

    began = time.perf_counter()
    trust = build_demo_trust(seed, extra_values=extra)
    step("demo trust generated", began)

    began = time.perf_counter()
    store, _before, _after = Store.init(db, actor="trustboard demo")
    try:
        store.upsert_catalogue(
            trust.definitions,
            trust.org_units,
            trust.forums,
            source=f"trustboard demo (seed {seed})",
            effective=demo_periods()[0].start,
        )
        store.write_values(
            _values_for_store(trust),
            files=[{"name": f"demo-values-seed-{seed}", "rows": trust.values.height}],
        )
        store.write_commentary(trust.commentary)
        for _period, actions in trust.action_log:  # month by month, so slippage is in history
            store.write_actions(actions)
    finally:
        store.close()
    step("store loaded", began)

    if _BAF_REGISTER.is_file():
        began = time.perf_counter()
        import_register(_BAF_REGISTER, database=db, actor="trustboard demo")
        step("BAF register loaded", began)

    began = time.perf_counter()
    refresh_spc(database=db, actor="trustboard demo")
    step("SPC refreshed", began)

    html_paths: list[Path] = []
    pdf_paths: list[Path] = []
    raw_config = build_paper_config()
    config = load_paper_config(raw_config)
    store = Store.open(db, actor="trustboard demo")
    try:
        # every reader of the store (trustboard serve) builds what these packs show
        with store.transaction() as conn:
            save_paper_config(
                conn, raw_config, now=utc_now(), actor=store.actor, source="trustboard demo"
            )
        # the meeting calendar holds each forum's meeting for the month, on the paper's dates
        for forum_id, day in meeting_dates(trust.latest).items():
            record_meeting(
                store,
                forum_id,
                trust.latest,
                meeting_date=day,
                data_cutoff=trust.latest.end + timedelta(days=5),
                narrative_due=day - timedelta(days=10),
                papers_due=day - timedelta(days=7),
                part={"BOARD": "public", "BOARD-PRIVATE": "private"}.get(forum_id),
            )
        for forum in forums:
            began = time.perf_counter()
            written = build_pack(
                store,
                forum,
                trust.latest,
                out,
                config=config,
                pdf=pdf,
                synthetic=True,
            )
            html_paths.append(written.html_path)
            if written.pdf_path is not None:
                pdf_paths.append(written.pdf_path)
            step(f"pack for {forum}", began)
    finally:
        store.close()

    began = time.perf_counter()
    # the meeting's packs hold the Board's report: built with the Board's pack
    meeting_packs = _demo_meeting(out, db, trust.latest, pdf=pdf and "BOARD" in forums)
    if meeting_packs:
        step("Board meeting packs (public and private)", began)

    began = time.perf_counter()
    store = Store.open(db, actor="trustboard demo")
    try:
        users = _add_demo_users(store)
    finally:
        store.close()
    step("web accounts created", began)

    began = time.perf_counter()
    store = Store.open(db, actor=DEMO_NARRATIVE_AUTHOR)
    try:
        approved = _approve_demo_narrative(store, trust)
    finally:
        store.close()
    step(f"narrative approved ({approved} versions)", began)
    return DemoResult(
        output=out,
        database=db,
        html=tuple(html_paths),
        pdf=tuple(pdf_paths),
        metrics=len(trust.metrics),
        values=trust.values.height,
        commentary=len(trust.commentary),
        actions=len(trust.actions),
        waits_metrics=tuple(sorted(extra["metric_id"].unique().to_list()))
        if extra is not None
        else (),
        seed=seed,
        latest=trust.latest.label(),
        seconds=time.perf_counter() - started,
        steps=tuple(steps),
        users=users,
        meeting=meeting_packs,
    )
