"""Build a forum's board pack for a period from the store: HTML and PDF.

``build_pack`` is the use case behind ``trustboard report`` (and ``trustboard demo``): read the
forum, its metrics as defined for the period, the values (optionally as they stood at a
moment, for a published pack), commentary and open actions; assemble the pack model; write
``<forum>-<period>.html`` and ``.pdf``.  The cover sheet comes from a paper configuration
(YAML) with defaults; see ``docs/board-pack.md``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl
import yaml

from trustboard.domain import (
    Action,
    AssuranceLevel,
    Forum,
    ForumKind,
    MetricDefinition,
    OrgLevel,
    Period,
)
from trustboard.domain.bounded_yaml import parse_bounded_yaml
from trustboard.errors import ConfigError, ErrorCode, NotFoundError, OptionsError, Problem
from trustboard.ingest.files import write_atomic
from trustboard.render.pack import (
    ExceptionRules,
    PackInputs,
    PackModel,
    PaperDetails,
    PreviousForum,
    assemble_pack,
    render_html,
    render_pdf,
)
from trustboard.render.pack.committees import committee_names
from trustboard.services._store import rollup
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

#: Cover-sheet fields that must be filled before a pack is published (domain.md §6).
MANDATORY_PAPER_FIELDS: tuple[str, ...] = (
    "title",
    "meeting",
    "meeting_date",
    "sponsor",
    "author",
    "date_submitted",
    "purpose",
    "assurance_offered",
    "strategic_goals",
    "fomi",
    "patient_safety_confirmed",
    "equality",
    "decision_required",
)

_PURPOSES = ("approve", "assure", "discuss", "note", "information")


@dataclass(frozen=True)
class PaperConfig:
    """The paper configuration: cover-sheet fields (defaults, then per forum) and exception
    rules."""

    trust_name: str | None = None
    paper: Mapping[str, Any] = field(default_factory=dict)
    forums: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    exception_rules: ExceptionRules = field(default_factory=ExceptionRules)
    history_periods: int = 24
    #: per-forum exception rules (``exception_rules.forums.<id>``), over the shared ones
    forum_rules: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    #: Boards that ask for the BAF's full risk pages as an appendix (committees always get them)
    baf_risk_pages: tuple[str, ...] = ()

    def for_forum(self, forum_id: str) -> dict[str, Any]:
        """Cover-sheet fields for one forum (its own entries override the defaults)."""
        merged = dict(self.paper)
        merged.update(self.forums.get(forum_id, {}))
        return merged

    def rules_for(self, forum: Forum) -> ExceptionRules:
        """The exception rules of one forum: the shared settings, then the forum's own, then
        the defaults that depend on the kind of forum (board-pack.md, exception rules)."""
        return self.exception_rules.merged(self.forum_rules.get(forum.id)).for_forum(forum.kind)


_PAPER_KEYS = {f.name for f in fields(PaperDetails)}


def load_paper_config(source: str | Path | Mapping[str, Any] | None) -> PaperConfig:
    """Read a paper configuration from a YAML file (or a mapping); ``None`` gives the defaults.

    Unknown keys are errors, so that a misspelt field is not silently left blank.
    """
    if source is None:
        return PaperConfig()
    where = None
    if isinstance(source, Mapping):
        raw: Any = dict(source)
    else:
        where = str(source)
        path = Path(source)
        if not path.is_file():
            raise NotFoundError(f"paper configuration '{path}' does not exist")
        try:
            raw = parse_bounded_yaml(path.read_text(encoding="utf-8"), str(path))[0] or {}
        except yaml.YAMLError as bad:
            raise ConfigError(f"paper configuration '{path}' is not valid YAML: {bad}") from None
    if not isinstance(raw, Mapping):
        raise ConfigError("the paper configuration must be a mapping of settings")
    problems: list[Problem] = []
    known_top = {
        "trust_name",
        "paper",
        "forums",
        "exception_rules",
        "history_periods",
        "baf_risk_pages",
    }
    for key in sorted(set(raw) - known_top):
        problems.append(
            Problem(
                ErrorCode.PAPER_KEY,
                f"unknown setting '{key}'",
                file=where,
                column=key,
                expected=", ".join(sorted(known_top)),
            )
        )
    sections: list[tuple[str, Any]] = [("paper", raw.get("paper") or {})]
    sections += [(f"forums.{k}", v or {}) for k, v in (raw.get("forums") or {}).items()]
    for name, block in sections:
        if not isinstance(block, Mapping):
            problems.append(
                Problem(
                    ErrorCode.PAPER_KEY,
                    f"'{name}' must be a mapping of cover-sheet fields",
                    file=where,
                )
            )
            continue
        for key in sorted(set(block) - _PAPER_KEYS):
            problems.append(
                Problem(
                    ErrorCode.PAPER_KEY,
                    f"unknown cover-sheet field '{key}' in '{name}'",
                    file=where,
                    column=key,
                    expected=", ".join(sorted(_PAPER_KEYS)),
                )
            )
    if problems:
        raise ConfigError("the paper configuration has unknown settings", problems=problems)
    history = raw.get("history_periods", 24)
    if not isinstance(history, int) or isinstance(history, bool) or not 2 <= history <= 120:
        raise ConfigError(
            "history_periods must be a whole number from 2 to 120", hint=f"got {history!r}"
        )
    rules = dict(raw.get("exception_rules") or {})
    per_forum = rules.pop("forums", None) or {}
    if not isinstance(per_forum, Mapping) or not all(
        isinstance(v, Mapping) for v in per_forum.values()
    ):
        raise ConfigError(
            "exception_rules.forums must map forum ids to exception rules",
            hint="for example: forums: {BOARD: {hit_and_miss_national_standard: false}}",
        )
    for forum_raw in per_forum.values():
        ExceptionRules.from_mapping(forum_raw)  # reject a misspelt rule now, not at render
    return PaperConfig(
        trust_name=raw.get("trust_name"),
        paper=dict(raw.get("paper") or {}),
        forums={str(k): dict(v or {}) for k, v in (raw.get("forums") or {}).items()},
        exception_rules=ExceptionRules.from_mapping(rules),
        history_periods=history,
        forum_rules={str(k): dict(v) for k, v in per_forum.items()},
        baf_risk_pages=_texts(raw.get("baf_risk_pages")),
    )


def _date(value: Any, name: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ConfigError(
            f"cover-sheet field '{name}' is not a date", hint=f"use YYYY-MM-DD; got {value!r}"
        ) from None


def _assurance(value: Any, name: str) -> AssuranceLevel | None:
    if value is None or value == "":
        return None
    text = str(value).strip().lower().replace(" ", "_")
    if text == "partially":
        text = "partially_assured"
    try:
        return AssuranceLevel(text)
    except ValueError:
        raise ConfigError(
            f"cover-sheet field '{name}' must be assured, partially assured or not assured",
            hint=f"got {value!r}",
        ) from None


def _texts(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return tuple(str(v) for v in value)


def _union(values: Sequence[tuple[str, ...]]) -> tuple[str, ...]:
    return tuple(sorted({item for group in values for item in group}))


def paper_details(
    raw: Mapping[str, Any], *, forum_name: str, period: Period, metrics: Sequence[MetricDefinition]
) -> PaperDetails:
    """The cover sheet from configured fields, with defaults taken from the pack itself.

    Defaults: the title names the report, forum and period; the meeting is the forum; the
    purpose is "assure"; strategic goals, BAF and risk-register links are those of the metrics
    in the pack; the FOMI statement names the data sources (Care Act 2014 s92 asks performance
    papers to state sources, validation and known data-quality issues).
    """
    sources = _union([(m.data_source,) for m in metrics if m.data_source])
    fomi_default = None
    if metrics:
        fomi_default = (
            "Figures come from "
            + (", ".join(sources) if sources else "the trust's systems")
            + ". Every value is validated when it is loaded and every revision is kept; "
            "provisional figures are marked and known data-quality issues are listed in the "
            "data quality notes."
        )
    purpose = str(raw.get("purpose") or "assure").lower()
    if purpose not in _PURPOSES:
        raise ConfigError(
            "cover-sheet field 'purpose' is not a known purpose",
            hint=f"use one of {', '.join(_PURPOSES)}; got {purpose!r}",
        )
    previous: list[PreviousForum] = []
    for item in raw.get("previous_forums") or ():
        if isinstance(item, str):
            previous.append(PreviousForum(item))
            continue
        if not isinstance(item, Mapping) or not item.get("name"):
            raise ConfigError("each of 'previous_forums' needs a name", hint=f"got {item!r}")
        previous.append(
            PreviousForum(
                name=str(item["name"]),
                meeting_date=_date(
                    item.get("date") or item.get("meeting_date"), "previous_forums.date"
                ),
                assurance=_assurance(item.get("assurance"), "previous_forums.assurance"),
                outcome=item.get("outcome"),
            )
        )
    confirmed = raw.get("patient_safety_confirmed")
    if confirmed is not None and not isinstance(confirmed, bool):
        raise ConfigError(
            "cover-sheet field 'patient_safety_confirmed' must be true or false",
            hint=f"got {confirmed!r}",
        )
    return PaperDetails(
        title=str(
            raw.get("title") or f"Integrated Performance Report: {forum_name}, {period.display()}"
        ),
        meeting=str(raw.get("meeting") or forum_name),
        meeting_date=_date(raw.get("meeting_date"), "meeting_date"),
        agenda_item=raw.get("agenda_item"),
        sponsor=raw.get("sponsor"),
        author=raw.get("author"),
        date_submitted=_date(raw.get("date_submitted"), "date_submitted"),
        purpose=purpose,
        previous_forums=tuple(previous),
        assurance_offered=_assurance(raw.get("assurance_offered"), "assurance_offered"),
        assurance_rationale=raw.get("assurance_rationale"),
        routine=bool(raw.get("routine", True)),
        strategic_goals=_texts(raw.get("strategic_goals"))
        or _union([m.strategic_goals for m in metrics]),
        baf_links=_texts(raw.get("baf_links")) or _union([m.baf_risks for m in metrics]),
        risk_register_links=_texts(raw.get("risk_register_links"))
        or _union([m.risk_register_ids for m in metrics]),
        risk_appetite=raw.get("risk_appetite"),
        fomi=raw.get("fomi") or fomi_default,
        patient_safety_confirmed=confirmed,
        patient_safety_note=raw.get("patient_safety_note"),
        equality=raw.get("equality"),
        decision_required=raw.get("decision_required"),
    )


def missing_paper_fields(paper: PaperDetails) -> list[str]:
    """The mandatory cover-sheet fields that are blank (publication refuses while any is)."""
    missing = []
    for name in MANDATORY_PAPER_FIELDS:
        value = getattr(paper, name)
        if value is None or value == "" or value == ():
            missing.append(name)
    return missing


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
    paper: PaperDetails | None = None,
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
    paper: PaperDetails | None = None,
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
    details = paper or paper_details(
        config.for_forum(forum_id), forum_name=forum.name, period=when, metrics=chosen
    )
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
