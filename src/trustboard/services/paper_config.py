"""The paper configuration (``--paper FILE``): each forum's governance table and exception rules.

The file holds the governance fields of :class:`~trustboard.domain.governance.Governance`
under ``paper`` (shared by every forum) and ``forums.<forum id>`` (one forum's own, over the
shared ones), with the pack's settings beside them (``docs/board-pack.md``).  Every block is
validated against the schema as it is read, each problem reported with the file, the field's
path and line, the value and what was expected; nothing is built while any remains.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from trustboard.domain import Forum, MetricDefinition, Period
from trustboard.domain.governance import (
    MANDATORY_FIELDS,
    WITHHELD_TITLE,
    Governance,
    PaperPurpose,
    RiskRegisterEntry,
)
from trustboard.errors import ConfigError, ErrorCode, NotFoundError, Problem
from trustboard.ingest.entries import (
    EntryPlace,
    YamlDocument,
    load_yaml,
    validate_entry,
    yaml_error_text,
)
from trustboard.render.pack import ExceptionRules
from trustboard.store import Store, save_paper_config, utc_now

__all__ = [
    "MANDATORY_PAPER_FIELDS",
    "UNRECORDED_TITLE",
    "PaperConfig",
    "RegisterRefs",
    "forum_fields",
    "keep_paper_config",
    "load_paper_config",
    "missing_paper_fields",
    "paper_details",
    "reference_problems",
    "register_refs",
]

#: Governance fields that must be filled before a pack is published (domain.md §6).
MANDATORY_PAPER_FIELDS: tuple[str, ...] = MANDATORY_FIELDS

#: The title given to a risk-register number (from the metrics in a pack) that the store's
#: register does not hold.
UNRECORDED_TITLE = "title not recorded in the risk register"

_TOP_KEYS = (
    "trust_name",
    "paper",
    "forums",
    "exception_rules",
    "history_periods",
    "baf_risk_pages",
)
_CODES = {
    "required": ErrorCode.PAPER_FIELD,
    "unknown": ErrorCode.PAPER_KEY,
    "field": ErrorCode.PAPER_FIELD,
}
_FIELD_CODES = {"risk_appetite": ErrorCode.PAPER_APPETITE}


@dataclass(frozen=True)
class PaperConfig:
    """The paper configuration: governance fields (shared, then per forum) and exception
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
    #: the file it was read from (named in problems found later, against the store)
    source: str | None = None
    #: read from the store, where ``publish`` and ``demo`` keep the configuration a pack was
    #: built with: its meeting date is that pack's, and yields to the meeting calendar
    kept: bool = False

    def for_forum(self, forum_id: str) -> dict[str, Any]:
        """Governance fields for one forum (its own entries override the shared ones)."""
        merged = dict(self.paper)
        merged.update(self.forums.get(forum_id, {}))
        return merged

    def rules_for(self, forum: Forum) -> ExceptionRules:
        """The exception rules of one forum: the shared settings, then the forum's own, then
        the defaults that depend on the kind of forum (board-pack.md, exception rules)."""
        return self.exception_rules.merged(self.forum_rules.get(forum.id)).for_forum(forum.kind)


def _texts(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return tuple(str(v) for v in value)


def _read(source: str | Path | Mapping[str, Any]) -> tuple[YamlDocument, str]:
    if isinstance(source, Mapping):
        label = "the paper configuration"
        return YamlDocument(Path(label), dict(source)), label
    path = Path(source)
    if not path.is_file():
        raise NotFoundError(f"paper configuration '{path}' does not exist")
    try:
        document = load_yaml(path)
    except yaml.YAMLError as bad:
        raise ConfigError(
            f"paper configuration '{path}' is not valid YAML: {yaml_error_text(bad)}"
        ) from None
    except (OSError, UnicodeDecodeError) as bad:
        raise ConfigError(f"paper configuration '{path}' cannot be read: {bad}") from None
    if document.data is None:
        document.data = {}
    return document, str(path)


def _governance_problems(
    document: YamlDocument, label: str, raw: Mapping[str, Any]
) -> list[Problem]:
    """Every block of governance fields checked against the schema; then each forum's fields
    as they combine with the shared ones (a rule across fields, such as the dates' order, may
    only hold once they are together)."""
    problems: list[Problem] = []
    blocks: list[tuple[tuple[str | int, ...], Any]] = [(("paper",), raw.get("paper") or {})]
    forums = raw.get("forums") or {}
    if not isinstance(forums, Mapping):
        return [
            Problem(
                ErrorCode.PAPER_KEY,
                "'forums' must map forum ids to governance fields",
                file=label,
                column="forums",
                expected="for example forums: {BOARD: {meeting: Trust Board (public)}}",
            )
        ]
    blocks += [(("forums", str(k)), v or {}) for k, v in forums.items()]
    for path, block in blocks:
        place = EntryPlace(label, yaml=document, path=path)
        if not isinstance(block, Mapping):
            problems.append(
                place.problem(
                    ErrorCode.PAPER_KEY,
                    f"'{'.'.join(map(str, path))}' must be a mapping of governance fields",
                )
            )
            continue
        validate_entry(Governance, block, place, _CODES, problems, _FIELD_CODES)
    if problems:
        return problems
    shared = dict(raw.get("paper") or {})
    for key, block in forums.items():
        place = EntryPlace(label, yaml=document, path=("forums", str(key)))
        validate_entry(Governance, {**shared, **block}, place, _CODES, problems, _FIELD_CODES)
    return problems


def load_paper_config(source: str | Path | Mapping[str, Any] | None) -> PaperConfig:
    """Read a paper configuration from a YAML file (or a mapping); ``None`` gives the defaults.

    Unknown keys are errors, so that a misspelt field is not silently left blank; every
    governance block is validated against :class:`Governance` (``TB-PAPER-FIELD``,
    ``TB-PAPER-APPETITE``).
    """
    if source is None:
        return PaperConfig()
    document, label = _read(source)
    raw = document.data
    if not isinstance(raw, Mapping):
        raise ConfigError(
            "the paper configuration must be a mapping of settings",
            problems=[
                Problem(
                    ErrorCode.PAPER_KEY,
                    "the document is not a mapping of settings",
                    file=label,
                    expected=", ".join(_TOP_KEYS),
                )
            ],
        )
    problems: list[Problem] = []
    for key in sorted(set(raw) - set(_TOP_KEYS), key=str):
        problems.append(
            EntryPlace(label, yaml=document).problem(
                ErrorCode.PAPER_KEY,
                f"unknown setting '{key}'",
                (str(key),),
                expected=", ".join(sorted(_TOP_KEYS)),
            )
        )
    problems += _governance_problems(document, label, raw)
    if problems:
        raise ConfigError(
            f"the paper configuration has {len(problems)} problem(s)",
            problems=problems,
            hint="the governance fields are described in docs/board-pack.md",
        )
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
        source=label,
    )


def keep_paper_config(store: Store, source: str | Path | Mapping[str, Any] | None) -> bool:
    """Keep the configuration a pack was built with (``source``, as given to ``--paper``) in
    the store, audited, so that every reader of the store (``trustboard serve`` without
    ``--paper``) charts the same window and applies the same rules; returns whether the kept
    one changed.  ``None`` (no ``--paper``) leaves the kept configuration as it is: the last
    one given explicitly stays."""
    if source is None:
        return False
    load_paper_config(source)  # only a configuration that reads is kept
    document, label = _read(source)
    raw = document.data if isinstance(document.data, Mapping) else {}
    with store.transaction() as conn:
        return save_paper_config(
            conn,
            raw,
            now=utc_now(),
            actor=store.actor,
            source=None if isinstance(source, Mapping) else label,
        )


def _own_meeting_date(fields: Mapping[str, Any]) -> tuple[str, date | None]:
    """The meeting date a forum's governance fields give themselves (and under which name)."""
    for name in ("meeting_date", "date"):
        raw = fields.get(name)
        if isinstance(raw, date):
            return name, raw
        if isinstance(raw, str) and raw.strip():
            try:
                return name, date.fromisoformat(raw.strip())
            except ValueError:
                return name, None  # the schema names the bad date when the fields are read
    return "meeting_date", None


def forum_fields(
    store: Store, config: PaperConfig, forum_id: str, period: Period
) -> dict[str, Any]:
    """The governance fields of one forum's paper for ``period``, with the meeting date read
    from the meeting calendar (:mod:`trustboard.services.meetings`, the one source of meeting
    dates) when it has the forum's meeting for the period.

    A date a configuration given as a file gives that disagrees with the calendar is an error
    naming both (``TB-MEETING-CONFLICT``).  The configuration the store keeps (``kept``) holds
    the meeting date of the pack it was last published with: the calendar's date replaces it,
    so that moving a meeting in the calendar never leaves the month's packs unbuildable.
    Without a ``date_submitted`` of its own the paper is taken as submitted on the calendar's
    papers due date.  Without a calendar entry the configuration's own fields stand as written.
    """
    from trustboard.services.meetings import meeting_for

    fields = config.for_forum(forum_id)
    meeting = meeting_for(store, forum_id, period)
    if meeting is None:
        return fields
    name, own = _own_meeting_date(fields)
    if own is not None and own != meeting.meeting_date and not config.kept:
        block = f"forums.{forum_id}" if name in config.forums.get(forum_id, {}) else "paper"
        raise ConfigError(
            f"the paper configuration's meeting date for {forum_id} ({own.isoformat()}) is not "
            f"the meeting calendar's for {period.display()} ({meeting.meeting_date.isoformat()})",
            code=ErrorCode.MEETING_CONFLICT,
            problems=[
                Problem(
                    ErrorCode.MEETING_CONFLICT,
                    "the meeting date disagrees with the meeting calendar",
                    file=config.source,
                    column=f"{block}.{name}",
                    value=own.isoformat(),
                    expected=f"{meeting.meeting_date.isoformat()} (the calendar's)",
                )
            ],
            hint="the calendar is the one source of meeting dates: remove the date from the "
            "paper configuration, or correct it (trustboard meeting schedule)",
        )
    fields.pop("date", None)
    fields["meeting_date"] = meeting.meeting_date
    if not fields.get("date_submitted"):
        fields["date_submitted"] = meeting.papers_due
    return fields


def _union(values: Sequence[tuple[str, ...]]) -> tuple[str, ...]:
    return tuple(sorted({item for group in values for item in group}))


def _validated(raw: Mapping[str, Any]) -> Governance:
    problems: list[Problem] = []
    place = EntryPlace("the paper configuration", yaml=YamlDocument(Path("-"), dict(raw)))
    built = validate_entry(Governance, raw, place, _CODES, problems, _FIELD_CODES)
    if problems or not isinstance(built, Governance):
        raise ConfigError("the governance fields are not valid", problems=problems)
    return built


def paper_details(
    raw: Mapping[str, Any] | Governance,
    *,
    forum_name: str,
    period: Period,
    metrics: Sequence[MetricDefinition],
    risk_titles: Mapping[str, str] | None = None,
    withheld_risks: frozenset[str] = frozenset(),
) -> Governance:
    """The governance table of a forum's pack: its configured fields, with defaults taken from
    the pack itself.

    Defaults: the title names the report, forum and period; the meeting is the forum; the
    purpose is "assure"; strategic goals, BAF risks and risk-register entries are those of the
    metrics in the pack (an entry's title from ``risk_titles``, the store's register); the
    FOMI statement names the data sources (Care Act 2014 s92 asks performance papers to state
    sources, validation and known data-quality issues).  An entry numbered in
    ``withheld_risks`` (the register withholds it from a public meeting) shows its number
    with :data:`~trustboard.domain.governance.WITHHELD_TITLE` instead of its title.
    """
    given = raw if isinstance(raw, Governance) else _validated(raw)
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
    titles = risk_titles or {}
    entries = given.risk_register or tuple(
        RiskRegisterEntry(number=number, title=titles.get(number, UNRECORDED_TITLE))
        for number in _union([m.risk_register_ids for m in metrics])
    )
    entries = tuple(
        e.model_copy(update={"title": WITHHELD_TITLE}) if e.number in withheld_risks else e
        for e in entries
    )
    return given.model_copy(
        update={
            "title": given.title
            or f"Integrated Performance Report: {forum_name}, {period.display()}",
            "meeting": given.meeting or forum_name,
            "purpose": given.purpose or PaperPurpose.ASSURE,
            "strategic_goals": given.strategic_goals
            or _union([m.strategic_goals for m in metrics]),
            "baf_links": given.baf_links or _union([m.baf_risks for m in metrics]),
            "risk_register": entries,
            "fomi": given.fomi or fomi_default,
        }
    )


def missing_paper_fields(paper: Governance) -> list[str]:
    """The mandatory governance fields that are blank (publication refuses while any is)."""
    return paper.missing()


@dataclass(frozen=True)
class RegisterRefs:
    """What the store's BAF register holds that a governance table may name."""

    #: risk-register entry number -> its title
    titles: Mapping[str, str] = field(default_factory=dict)
    #: the BAF risks' ids
    risks: frozenset[str] = frozenset()
    #: entries whose titles a meeting in public may not see (the register withholds them)
    withheld: frozenset[str] = frozenset()


def register_refs(store: Store, *, public: bool) -> RegisterRefs:
    """The risk-register entries and BAF risks of the store's register; for a public forum,
    also the entries whose titles the register withholds from meetings in public."""
    from trustboard.store.baf import load_register

    with store.engine.connect() as conn:
        register = load_register(conn)
    titles = {e.id: e.title for r in register.risks for e in r.crr}
    withheld: frozenset[str] = frozenset()
    if public:
        shown = {e.id for r in register.public().risks for e in r.crr}
        withheld = frozenset(set(titles) - shown)
    return RegisterRefs(titles, frozenset(r.id for r in register.risks), withheld)


def reference_problems(config: PaperConfig, forum_id: str, refs: RegisterRefs) -> list[Problem]:
    """Each BAF risk and risk-register entry the forum's governance fields name that the
    register does not hold, or names with another title (``TB-PAPER-REFERENCE``).

    Checked only against what the store keeps: with no register (or one without risk-register
    entries) there is nothing to check against, and the fields are shown as written.
    """
    problems: list[Problem] = []
    own = config.forums.get(forum_id, {})

    def block(name: str) -> str:
        return f"forums.{forum_id}" if name in own else "paper"

    fields = config.for_forum(forum_id)
    if refs.risks:
        for index, risk in enumerate(_texts(fields.get("baf_links"))):
            if risk not in refs.risks:
                problems.append(
                    Problem(
                        ErrorCode.PAPER_REFERENCE,
                        f"BAF risk '{risk}' is not in the BAF register",
                        file=config.source,
                        column=f"{block('baf_links')}.baf_links[{index}]",
                        value=risk,
                        expected="one of " + ", ".join(sorted(refs.risks)),
                    )
                )
    if refs.titles:
        for index, raw in enumerate(fields.get("risk_register") or ()):
            entry = RiskRegisterEntry.model_validate(raw)
            where = f"{block('risk_register')}.risk_register[{index}]"
            known = refs.titles.get(entry.number)
            if known is None:
                problems.append(
                    Problem(
                        ErrorCode.PAPER_REFERENCE,
                        f"risk-register entry '{entry.number}' is not in the BAF register",
                        file=config.source,
                        column=f"{where}.number",
                        value=entry.number,
                        expected="one of " + ", ".join(sorted(refs.titles)),
                    )
                )
            elif known != entry.title:
                problems.append(
                    Problem(
                        ErrorCode.PAPER_REFERENCE,
                        f"risk-register entry '{entry.number}' has another title in the BAF "
                        "register",
                        file=config.source,
                        column=f"{where}.title",
                        value=entry.title,
                        expected=repr(known),
                    )
                )
    return problems
