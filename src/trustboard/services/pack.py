"""Build a forum's board pack for a period from the store: HTML and PDF.

``build_pack`` is the use case behind ``trustboard report`` (and ``trustboard demo``): read the
forum, its metrics as defined for the period, the values (optionally as they stood at a
moment, for a published pack), commentary and open actions; assemble the pack model; write
``<forum>-<period>.html`` and ``.pdf``.  The cover sheet comes from a paper configuration
(YAML, :mod:`trustboard.services.paper_config`) with defaults; see ``docs/board-pack.md``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from trustboard.domain import (
    Action,
    Forum,
    ForumKind,
    MetricDefinition,
    OrgLevel,
    Period,
)
from trustboard.domain.governance import Governance
from trustboard.errors import ConfigError, NotFoundError, OptionsError
from trustboard.ingest.files import write_atomic
from trustboard.render.pack import (
    PackInputs,
    PackModel,
    assemble_pack,
    render_html,
    render_pdf,
)
from trustboard.render.pack.committees import committee_names
from trustboard.services._store import rollup
from trustboard.services.paper_config import (
    MANDATORY_PAPER_FIELDS,
    PaperConfig,
    forum_fields,
    load_paper_config,
    missing_paper_fields,
    paper_details,
    reference_problems,
    register_refs,
)
from trustboard.services.refresh import in_month_values
from trustboard.services.spc_review import with_accepted_rebases
from trustboard.store import Store, to_utc_naive

if TYPE_CHECKING:
    from trustboard.domain.baf import BafRegister, EvidenceFlag
    from trustboard.render.baf import KeyMetricView

__all__ = [
    "MANDATORY_PAPER_FIELDS",
    "ForumBaf",
    "PackOutput",
    "PaperConfig",
    "build_pack",
    "forum_baf",
    "gather_inputs",
    "load_paper_config",
    "missing_paper_fields",
    "paper_details",
    "read_pack_inputs",
    "write_pack",
]


def _definitions(
    store: Store, period: Period, as_of: datetime | None
) -> tuple[list[MetricDefinition], dict[str, list[tuple[date | None, str]]]]:
    """Each metric as defined for the period (as recorded by ``as_of``), with its change notes.

    The version in force at the period's end is used; a metric whose every version starts
    later (a catalogue loaded after the period) is shown with its first version.  Retired
    metrics are left out.
    """
    current = {m.id for m in store.metrics()}
    chosen: dict[str, MetricDefinition] = {}
    changes: dict[str, list[tuple[date | None, str]]] = {}
    versions = sorted(
        store.metric_versions(), key=lambda v: (v.metric_id, v.effective_from, v.version)
    )
    for version in versions:
        if version.metric_id not in current:
            continue
        if as_of is not None and version.recorded_at > to_utc_naive(as_of):
            continue
        if version.effective_from > period.end and version.metric_id in chosen:
            continue
        if version.metric_id in chosen and version.change_note:
            changes.setdefault(version.metric_id, []).append(
                (version.effective_from, version.change_note)
            )
        chosen[version.metric_id] = version.definition
    return list(chosen.values()), changes


def gather_inputs(
    store: Store,
    forum_id: str,
    period: Period | str,
    *,
    config: PaperConfig | None = None,
    as_of: datetime | None = None,
    baf_html: str | None = None,
    synthetic: bool = False,
    actions: Sequence[Action] | None = None,
    paper: Governance | None = None,
    published: Mapping[tuple[str, str], float | None] | None = None,
    previous_publication: str | None = None,
) -> PackInputs:
    """Read everything the pack needs from the store (values as at ``as_of`` when given).

    Values are rolled up to the trust from the levels they were loaded at (numerators and
    denominators summed, never percentages averaged).  ``actions`` and ``paper`` replace what
    the store and configuration hold (a published pack is re-rendered from the actions and
    cover sheet frozen with it).
    """
    inputs, _read = read_pack_inputs(
        store,
        forum_id,
        period,
        config=config,
        as_of=as_of,
        baf_html=baf_html,
        synthetic=synthetic,
        actions=actions,
        paper=paper,
        published=published,
        previous_publication=previous_publication,
    )
    return inputs


def read_pack_inputs(
    store: Store,
    forum_id: str,
    period: Period | str,
    *,
    config: PaperConfig | None = None,
    as_of: datetime | None = None,
    baf_html: str | None = None,
    synthetic: bool = False,
    actions: Sequence[Action] | None = None,
    paper: Governance | None = None,
    published: Mapping[tuple[str, str], float | None] | None = None,
    previous_publication: str | None = None,
) -> tuple[PackInputs, pl.DataFrame]:
    """:func:`gather_inputs`, also returning the value revisions exactly as read from the store
    (what a publication's data hash covers)."""
    config = config or PaperConfig()
    when = Period.parse(period) if isinstance(period, str) else period
    forums = {f.id: f for f in store.forums()}
    if forum_id not in forums:
        raise NotFoundError(
            f"forum '{forum_id}' is not in the store",
            hint="known forums: " + (", ".join(sorted(forums)) or "none (load a catalogue first)"),
        )
    forum = forums[forum_id]
    metrics, changes = _definitions(store, when, as_of)
    ids = [m.id for m in metrics if forum.receives(m.id, m.lead_committees)]
    first = when.shift(-(config.history_periods - 1)).start
    read = store.values(ids, start=first, end=when.start, as_of=as_of)
    units = store.org_units(include_retired=True)
    trust_units = [u for u in units if u.level is OrgLevel.TRUST]
    trust_name = config.trust_name or (trust_units[0].name if trust_units else "NHS trust")
    chosen = [m for m in metrics if m.id in ids]
    values = rollup(read, units, chosen).frame if units else read
    # a year-to-date series is charted as in-month values with the April reset, never as SPC
    # of a cumulative figure across financial years (summed after the rollup, then differenced)
    values = in_month_values(values, chosen)
    org_unit = trust_units[0].code if trust_units else None
    if org_unit is not None and values.filter(pl.col("org_unit") == org_unit).height == 0:
        org_unit = None
    # limits recalculated where an analyst accepted a rebase (trustboard spc rebase)
    chosen = with_accepted_rebases(store, chosen, org_unit)
    if paper is None:
        refs = register_refs(store, public=forum.public)
        wrong = reference_problems(config, forum_id, refs)
        if wrong:
            raise ConfigError(
                f"the paper configuration names risks the BAF register does not hold as named "
                f"({len(wrong)} problem(s))",
                problems=wrong,
                hint="correct the numbers and titles, or import the register (trustboard baf "
                "import)",
            )
        paper = paper_details(
            forum_fields(store, config, forum_id, when),
            forum_name=forum.name,
            period=when,
            metrics=chosen,
            risk_titles=refs.titles,
            withheld_risks=refs.withheld,
        )
    details = paper
    if baf_html is None:
        baf_html = baf_from_store(
            store,
            forum,
            details.meeting_date or when.end,
            org_unit=trust_units[0].code if trust_units else None,
            risk_pages=forum.kind is not ForumKind.BOARD or forum.id in config.baf_risk_pages,
        )
    return PackInputs(
        forum=forum,
        period=when,
        paper=details,
        trust_name=trust_name,
        metrics=chosen,
        values=values,
        commentary=store.commentary(ids, period=when.label(), as_of=as_of),
        actions=list(actions) if actions is not None else store.actions(ids, open_on=when.end),
        definition_changes=changes,
        published=dict(published or {}),
        previous_publication=previous_publication,
        baf_html=baf_html,
        synthetic=synthetic,
        data_as_of=as_of,
        rules=config.rules_for(forum),
        history_periods=config.history_periods,
        org_unit=org_unit,
        committee_names=committee_names(forums.values()),
        org_unit_names={u.code: u.name for u in units},
    ), read


@dataclass(frozen=True)
class ForumBaf:
    """The BAF as one forum may see it: the register (a public forum's without private key
    metrics), the evidence check's findings it may read, and the key metrics' views."""

    register: BafRegister
    flags: tuple[EvidenceFlag, ...]
    metrics: Mapping[str, KeyMetricView]
    public: bool


def forum_baf(
    store: Store, forum: Forum, review_date: date, *, org_unit: str | None = None
) -> ForumBaf | None:
    """The store's register and evidence under ``forum``'s rules (None when the store holds
    no register or no SPC results yet); render it with ``public=ForumBaf.public``, which
    leaves out what the register withholds from the public."""
    from trustboard.services.baf import check_register, gather_evidence, key_metric_views

    url = store.engine.url.render_as_string(hide_password=False)
    try:
        found = gather_evidence(database=url, org_unit=org_unit)
    except NotFoundError:
        return None
    if not found.register.risks:
        return None
    register = found.register
    flags = check_register(
        register, found.summary, review_date, catalogue=found.catalogue, org_unit=org_unit
    )
    if forum.public:
        # a private metric is out of a public pack everywhere: key-metric tables and the
        # evidence-check findings that rest on it
        private = {m.id for m in found.catalogue.values() if m.private}
        register = register.model_copy(
            update={
                "risks": tuple(
                    r.model_copy(
                        update={"key_metrics": tuple(k for k in r.key_metrics if k not in private)}
                    )
                    for r in register.risks
                )
            }
        )
        flags = tuple(f for f in flags if not private.intersection(f.evidence))
    views = key_metric_views(
        register,
        found.summary,
        points=found.points,
        org_unit=org_unit,
        catalogue=found.catalogue,
        as_image=True,
    )
    return ForumBaf(register, flags, views, forum.public)


def baf_from_store(
    store: Store,
    forum: Forum,
    review_date: date,
    *,
    org_unit: str | None = None,
    risk_pages: bool = True,
) -> str | None:
    """The BAF section rendered from the store's register under the forum's rules (None when
    the store holds no register or no SPC results yet).

    A public forum gets only what the register publishes; a Board gets the summary (heat map
    and risk table) unless it asks for the risk pages (``baf_risk_pages``).
    """
    from trustboard.render.baf import baf_section_html

    found = forum_baf(store, forum, review_date, org_unit=org_unit)
    if found is None:
        return None
    return baf_section_html(
        found.register,
        review_date=review_date,
        flags=found.flags,
        metrics=found.metrics,
        public=found.public,
        as_image=True,
        include_style=True,
        risk_pages=risk_pages,
    )


@dataclass(frozen=True)
class PackOutput:
    """What :func:`write_pack` wrote."""

    html_path: Path
    pdf_path: Path | None
    model: PackModel
    html: str


def write_pack(
    model: PackModel, output_dir: str | Path, *, pdf: bool = True, stem: str | None = None
) -> PackOutput:
    """Render ``model`` and write ``<stem>.html`` (and ``<stem>.pdf``) into ``output_dir``."""
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    name = stem or f"{model.forum.id}-{model.period.label().replace(' ', '-')}"
    html = render_html(model)
    html_path = out / f"{name}.html"
    # Written whole or not at all: a reader never opens half a pack (docs/security.md).
    pdf_bytes = render_pdf(html) if pdf else None
    write_atomic(html_path, html)
    pdf_path = None
    if pdf_bytes is not None:
        pdf_path = out / f"{name}.pdf"
        write_atomic(pdf_path, pdf_bytes)
    return PackOutput(html_path, pdf_path, model, html)


def build_pack(
    store: Store,
    forum_id: str,
    period: Period | str,
    output_dir: str | Path,
    *,
    config: PaperConfig | Mapping[str, Any] | str | Path | None = None,
    pdf: bool = True,
    synthetic: bool = False,
    baf_html: str | None = None,
    as_of: datetime | None = None,
    published: Mapping[tuple[str, str], float | None] | None = None,
    previous_publication: str | None = None,
) -> PackOutput:
    """Build one forum's pack for one period from the store and write it (HTML, PDF).

    ``synthetic`` labels every page as synthetic data (the demo trust).
    """
    if isinstance(period, str) and not period.strip():
        raise OptionsError("a period is needed", hint="for example --period 2025-03")
    cfg = config if isinstance(config, PaperConfig) else load_paper_config(config)
    inputs = gather_inputs(
        store,
        forum_id,
        period,
        config=cfg,
        as_of=as_of,
        baf_html=baf_html,
        synthetic=synthetic,
        published=published,
        previous_publication=previous_publication,
    )
    return write_pack(assemble_pack(inputs), output_dir, pdf=pdf)
