"""Board papers: a Markdown file whose front matter is the paper's governance table.

A paper starts with a YAML block between ``---`` lines holding the fields of
:class:`~trustboard.domain.governance.Governance` (the schema the performance report's cover
sheet and the ``--paper`` configuration use); the Markdown after it is the paper's body, under
the trust's section headings (:data:`~trustboard.domain.governance.PAPER_SECTIONS`).

:func:`read_paper` validates the whole paper and reports every problem at once, each with the
file and the field (and the line): the schema (known fields, real dates, submitted before the
meeting, the allowed assurance levels and purposes, a reason for a "no" on the risk
appetite), the mandatory fields, the figures (SVG or PNG, inside the paper's folder, with
alternative text; never a remote address) and, when a store is given, every strategic goal,
committee and risk number against the store's BAF register and catalogue.  Nothing is written
while any problem remains (:func:`render_paper`).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from trustboard.domain.governance import MANDATORY_FIELDS, PAPER_SECTIONS, Governance
from trustboard.errors import ConfigError, ErrorCode, NotFoundError, Problem
from trustboard.ingest.entries import (
    EntryPlace,
    YamlDocument,
    load_yaml,
    validate_entry,
    yaml_error_text,
)
from trustboard.ingest.files import write_atomic
from trustboard.render.markdown import paper_figures, paper_headings, paper_html
from trustboard.render.papers import PackNav, render_paper_html
from trustboard.store import Store

__all__ = [
    "FIGURE_TYPES",
    "PaperFile",
    "PaperOutput",
    "References",
    "governance_problems",
    "missing_sections",
    "paper_document",
    "read_paper",
    "references_from_store",
    "render_paper",
]

#: The figure files a paper may show, by suffix, with their media types.
FIGURE_TYPES: dict[str, str] = {".svg": "image/svg+xml", ".png": "image/png"}

_CODES = {
    "required": ErrorCode.PAPER_FIELD,
    "unknown": ErrorCode.PAPER_KEY,
    "field": ErrorCode.PAPER_FIELD,
}
_FIELD_CODES = {"risk_appetite": ErrorCode.PAPER_APPETITE}
_FENCE = re.compile(r"^---[ \t]*$", re.M)


@dataclass(frozen=True)
class References:
    """What the store holds that a governance table may name: the BAF register's strategic
    goals (by id and by title), its BAF risks and risk-register entries, and the catalogue's
    forums (by id and by name)."""

    goals: frozenset[str] = frozenset()
    risks: frozenset[str] = frozenset()
    entries: Mapping[str, str] = field(default_factory=dict)
    forums: frozenset[str] = frozenset()


def references_from_store(store: Store) -> References:
    """The goals, risks, risk-register entries and forums of ``store``."""
    from trustboard.store.baf import load_register

    with store.engine.connect() as conn:
        register = load_register(conn)
    goals = {o.id for o in register.objectives} | {o.title for o in register.objectives}
    return References(
        goals=frozenset(goals),
        risks=frozenset(r.id for r in register.risks),
        entries={e.id: e.title for r in register.risks for e in r.crr},
        forums=frozenset({f.id for f in store.forums()} | {f.name for f in store.forums()}),
    )


@dataclass(frozen=True)
class PaperFile:
    """A paper read from its file: the governance fields, the body and its figures."""

    path: Path
    governance: Governance
    body: str
    #: each figure's source as written -> its ``data:`` URI
    figures: Mapping[str, str]

    @property
    def headings(self) -> list[tuple[int, str]]:
        """The body's headings (HTML level, text), in order."""
        return paper_headings(self.body)


def _split(path: Path, text: str) -> tuple[str, str, int] | Problem:
    """The front matter (with its lines where the file has them), the body, and the body's
    first line."""
    lines = text.split("\n")
    if not lines or not _FENCE.match(lines[0]):
        return Problem(
            ErrorCode.PAPER_FRONT_MATTER,
            "a paper starts with its governance fields in a YAML block between '---' lines",
            file=str(path),
            row=1,
            expected="'---' on the first line, the fields, then '---'",
        )
    for index in range(1, len(lines)):
        if _FENCE.match(lines[index]):
            # a blank first line keeps the YAML's line numbers those of the file
            front = "\n" + "\n".join(lines[1:index])
            return front, "\n".join(lines[index + 1 :]), index + 2
    return Problem(
        ErrorCode.PAPER_FRONT_MATTER,
        "the front matter is not closed by a '---' line",
        file=str(path),
        row=1,
        expected="a line of '---' after the governance fields",
    )


def governance_problems(
    document: YamlDocument,
    label: str,
    raw: Mapping[str, Any],
    *,
    refs: References | None = None,
    required: Sequence[str] | None = None,
) -> tuple[Governance | None, list[Problem]]:
    """Validate one block of governance fields: the schema, the mandatory fields (all of
    :data:`~trustboard.domain.governance.MANDATORY_FIELDS` unless ``required`` names
    others) and, with ``refs``, the goals, committees and risk numbers it names."""
    problems: list[Problem] = []
    place = EntryPlace(label, yaml=document)
    built = validate_entry(Governance, raw, place, _CODES, problems, _FIELD_CODES)
    if isinstance(built, Governance):
        blank = built.missing()
    else:
        # the schema failed: the fields left out are still named now, not on the next try
        named = {p.column for p in problems}
        blank = [n for n in MANDATORY_FIELDS if n not in named and raw.get(n) in (None, "", [], ())]
    names = list(required) if required is not None else None
    for name in blank:
        if names is not None and name not in names:
            continue
        problems.append(
            place.problem(
                ErrorCode.PAPER_BLANK,
                f"'{name}' is required and is blank",
                (name,),
                expected="a value (see docs/papers.md#front-matter)",
            )
        )
    if not isinstance(built, Governance):
        return None, problems
    if refs is not None:
        problems += _reference_problems(built, place, refs)
    return built, problems


def _reference_problems(paper: Governance, place: EntryPlace, refs: References) -> list[Problem]:
    out: list[Problem] = []

    def unknown(loc: tuple[str | int, ...], what: str, value: str, known: Sequence[str]) -> None:
        out.append(
            place.problem(
                ErrorCode.PAPER_REFERENCE,
                f"{what} '{value}' is not in the store",
                loc,
                value=value,
                expected="one of " + (", ".join(sorted(known)) or "(none recorded)"),
            )
        )

    # each list is checked only when the store keeps one: a store without a BAF register has
    # nothing to check goals and risks against, and the fields are shown as written
    for index, goal in enumerate(paper.strategic_goals):
        if refs.goals and goal not in refs.goals:
            unknown(("strategic_goals", index), "strategic goal", goal, sorted(refs.goals))
    for index, risk in enumerate(paper.baf_links):
        if refs.risks and risk not in refs.risks:
            unknown(("baf_links", index), "BAF risk", risk, sorted(refs.risks))
    for index, entry in enumerate(paper.risk_register):
        if not refs.entries:
            break
        known = refs.entries.get(entry.number)
        if known is None:
            unknown(
                ("risk_register", index, "number"),
                "risk-register entry",
                entry.number,
                sorted(refs.entries),
            )
        elif known != entry.title:
            out.append(
                place.problem(
                    ErrorCode.PAPER_REFERENCE,
                    f"risk-register entry '{entry.number}' has another title in the BAF register",
                    ("risk_register", index, "title"),
                    value=entry.title,
                    expected=repr(known),
                )
            )
    for index, name in enumerate(paper.committees()):
        if refs.forums and name not in refs.forums:
            unknown(
                ("previous_forums", index, "name"), "committee or forum", name, sorted(refs.forums)
            )
    return out


def _figure_problems(path: Path, body: str) -> tuple[dict[str, str], list[Problem]]:
    folder = path.parent.resolve()
    figures: dict[str, str] = {}
    problems: list[Problem] = []
    for source, alt in paper_figures(body):

        def bad(message: str, expected: str, where: str = source) -> None:
            problems.append(
                Problem(
                    ErrorCode.PAPER_FIGURE,
                    message,
                    file=str(path),
                    column="figure",
                    value=where,
                    expected=expected,
                )
            )

        scheme, colon, _ = source.partition(":")
        if (colon and "/" not in scheme) or source.startswith("//"):
            bad("a figure is never fetched from elsewhere", "a file beside the paper")
            continue
        target = (folder / source).resolve()
        if not target.is_relative_to(folder):
            bad("the figure lies outside the paper's folder", "a file in the paper's folder")
            continue
        kind = FIGURE_TYPES.get(target.suffix.lower())
        if kind is None:
            bad("the figure is not SVG or PNG", "a .svg or .png file")
            continue
        if not target.is_file():
            bad("the figure does not exist", "a file in the paper's folder")
            continue
        if not alt:
            bad(
                "the figure has no alternative text",
                "a description in the brackets: ![what it shows](file)",
            )
            continue
        figures[source] = f"data:{kind};base64," + base64.b64encode(target.read_bytes()).decode(
            "ascii"
        )
    return figures, problems


def _agrees(name: str, given: object, agenda: object) -> bool:
    """Whether a paper's own value of a field the agenda decides says the same: a purpose in
    any case ("Note" is note, as the schema reads it), a date however YAML typed it."""
    mine, theirs = str(given).strip(), str(agenda).strip()
    if name == "purpose":
        return mine.lower() == theirs.lower()
    return mine == theirs


def read_paper(
    path: str | Path,
    *,
    refs: References | None = None,
    meeting: Mapping[str, Any] | None = None,
    defaults: Mapping[str, Any] | None = None,
    required: Sequence[str] | None = None,
) -> tuple[PaperFile | None, list[Problem]]:
    """Read and validate a paper; returns it (None when it cannot be built) and every
    problem found.

    ``meeting`` gives the fields the agenda decides (``meeting``, ``meeting_date``,
    ``agenda_item``, ``purpose``): a paper may leave them out, and one that gives another
    value is an error (the agenda is the one source of meeting dates).  ``defaults`` fill
    fields the paper leaves out (its title from the agenda item's).
    """
    file = Path(path)
    if not file.is_file():
        raise NotFoundError(f"paper '{file}' does not exist")
    try:
        text = file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as bad:
        raise ConfigError(f"paper '{file}' cannot be read: {bad}") from None
    split = _split(file, text)
    if isinstance(split, Problem):
        return None, [split]
    front, body, _ = split
    try:
        document = load_yaml(file, text=front)
    except yaml.YAMLError as bad:
        return None, [
            Problem(
                ErrorCode.PAPER_FRONT_MATTER,
                f"the front matter is not valid YAML: {yaml_error_text(bad)}",
                file=str(file),
            )
        ]
    raw = document.data if document.data is not None else {}
    if not isinstance(raw, Mapping):
        return None, [
            Problem(
                ErrorCode.PAPER_FRONT_MATTER,
                "the front matter is not a mapping of governance fields",
                file=str(file),
                expected="field: value lines, e.g. title: Chief Executive's report",
            )
        ]
    problems: list[Problem] = []
    fields = {**(defaults or {}), **raw}
    place = EntryPlace(str(file), yaml=document)
    for name, value in (meeting or {}).items():
        given = fields.get(name)
        if given is not None and not _agrees(name, given, value):
            problems.append(
                place.problem(
                    ErrorCode.PAPER_FIELD,
                    f"'{name}' differs from the agenda's",
                    (name,),
                    value=given,
                    expected=f"{value} (as the agenda says), or leave it out",
                )
            )
        fields[name] = value
    built, found = governance_problems(document, str(file), fields, refs=refs, required=required)
    problems += found
    figures, figure_problems = _figure_problems(file, body)
    problems += figure_problems
    if built is None:
        return None, problems
    return PaperFile(file, built, body, figures), problems


def missing_sections(paper: PaperFile) -> list[str]:
    """The trust's section headings the paper's body does not have."""
    have = {text.strip().lower() for _, text in paper.headings}
    return [name for name in PAPER_SECTIONS if name.lower() not in have]


def paper_document(
    paper: PaperFile,
    *,
    trust_name: str | None = None,
    synthetic: bool = False,
    in_pack: bool = False,
    nav: PackNav | None = None,
    prefix: str = "",
) -> str:
    """The paper as one HTML document (body, then its governance table)."""
    body = paper_html(paper.body, figures=paper.figures, id_prefix=prefix)
    return render_paper_html(
        paper.governance,
        body,
        trust_name=trust_name,
        synthetic=synthetic,
        in_pack=in_pack,
        nav=nav,
        prefix=prefix,
    )


@dataclass(frozen=True)
class PaperOutput:
    """What :func:`render_paper` wrote."""

    html_path: Path
    pdf_path: Path | None


def render_paper(
    path: str | Path,
    output_dir: str | Path,
    *,
    store: Store | None = None,
    trust_name: str | None = None,
    pdf: bool = True,
) -> PaperOutput:
    """Validate a paper and write its HTML and tagged PDF into ``output_dir``.

    Raises :class:`~trustboard.errors.ConfigError` with every problem (file and field) and
    writes nothing while any remains.  With ``store``, goals, committees and risk numbers are
    checked against it.
    """
    refs = references_from_store(store) if store is not None else None
    paper, problems = read_paper(path, refs=refs)
    if problems or paper is None:
        raise ConfigError(
            f"the paper '{path}' has {len(problems)} problem(s)",
            problems=problems,
            hint="the front matter is described in docs/papers.md",
        )
    html = paper_document(paper, trust_name=trust_name)
    pdf_bytes: bytes | None = None
    if pdf:
        from trustboard.render.pack import render_pdf

        pdf_bytes = render_pdf(html)
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    stem = Path(path).stem
    html_path = write_atomic(out / f"{stem}.html", html)
    pdf_path = write_atomic(out / f"{stem}.pdf", pdf_bytes) if pdf_bytes is not None else None
    return PaperOutput(html_path, pdf_path)
