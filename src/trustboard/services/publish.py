"""Publishing: freeze a forum's pack for a period so that it stays what the meeting saw.

A publication is a folder ``<root>/published/<forum>/<period>/`` holding the HTML, the PDF,
``inputs.json`` (the cover sheet and actions as they stood) and ``manifest.json``: when it was
published, the SHA-256 of the exact value revisions read, the catalogue version, the options,
the software version, the figures shown and the SHA-256 of each file.  Values are read
``as_of`` the publication moment, so re-rendering (``verify_publication``) reproduces the HTML
byte for byte however the data is revised later; the next period's pack lists the figures
revised since (``Revisions since last publication``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import polars as pl

from trustboard import __version__
from trustboard.domain import Action, AssuranceLevel, Period
from trustboard.errors import (
    ConfigError,
    ConflictError,
    DataValidationError,
    ErrorCode,
    NotFoundError,
    OptionsError,
    Problem,
)
from trustboard.render.pack import (
    PackModel,
    PaperDetails,
    PreviousForum,
    assemble_pack,
    published_figures,
    render_html,
    render_pdf,
)
from trustboard.services.pack import (
    PaperConfig,
    load_paper_config,
    missing_paper_fields,
    read_pack_inputs,
)
from trustboard.store import Store

__all__ = [
    "MANIFEST_NAME",
    "Publication",
    "VerifyResult",
    "latest_publication_before",
    "load_manifest",
    "publication_dir",
    "publish_pack",
    "render_as_published",
    "values_digest",
    "verify_publication",
]

MANIFEST_NAME = "manifest.json"
INPUTS_NAME = "inputs.json"
_FORMAT = 1
_DIGEST_COLUMNS = (
    "metric_id",
    "org_unit",
    "period_start",
    "revision",
    "value",
    "numerator",
    "denominator",
    "provisional",
    "source_hash",
)


def publication_dir(root: str | Path, forum_id: str, period: Period) -> Path:
    """Where the publication of ``forum_id`` for ``period`` lives under ``root``."""
    return Path(root) / "published" / forum_id / period.label().replace(" ", "-")


def values_digest(values: pl.DataFrame) -> str:
    """SHA-256 of the value revisions read (one canonical JSON line per row, in key order)."""
    digest = hashlib.sha256()
    columns = [c for c in _DIGEST_COLUMNS if c in values.columns]
    ordered = values.select(columns).sort(
        [c for c in ("metric_id", "org_unit", "period_start", "revision") if c in columns]
    )
    for row in ordered.iter_rows(named=True):
        digest.update(
            json.dumps(row, default=str, sort_keys=True, separators=(",", ":")).encode("utf-8")
        )
        digest.update(b"\n")
    return digest.hexdigest()


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _paper_json(paper: PaperDetails) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in PaperDetails.__dataclass_fields__:
        value = getattr(paper, name)
        if name == "previous_forums":
            value = [
                {
                    "name": f.name,
                    "meeting_date": f.meeting_date,
                    "assurance": f.assurance,
                    "outcome": f.outcome,
                }
                for f in value
            ]
        out[name] = value
    restored: dict[str, Any] = json.loads(json.dumps(out, default=str))
    return restored


def _paper_from_json(raw: Mapping[str, Any]) -> PaperDetails:
    def day(value: Any) -> date | None:
        return date.fromisoformat(value) if value else None

    def level(value: Any) -> AssuranceLevel | None:
        return AssuranceLevel(value) if value else None

    data = dict(raw)
    data["meeting_date"] = day(data.get("meeting_date"))
    data["date_submitted"] = day(data.get("date_submitted"))
    data["assurance_offered"] = level(data.get("assurance_offered"))
    data["previous_forums"] = tuple(
        PreviousForum(
            f["name"], day(f.get("meeting_date")), level(f.get("assurance")), f.get("outcome")
        )
        for f in data.get("previous_forums") or ()
    )
    for name in ("strategic_goals", "baf_links", "risk_register_links"):
        data[name] = tuple(data.get(name) or ())
    return PaperDetails(**data)


@dataclass(frozen=True)
class Publication:
    """A published pack: its folder, files and manifest."""

    folder: Path
    html_path: Path
    pdf_path: Path | None
    manifest: dict[str, Any]
    model: PackModel


@dataclass(frozen=True)
class VerifyResult:
    """The outcome of re-rendering a published pack."""

    ok: bool
    html_sha256: str
    expected_html_sha256: str
    data_sha256: str
    expected_data_sha256: str

    def problems(self) -> list[str]:
        """What differs, in words (empty when the pack reproduces)."""
        out = []
        if self.data_sha256 != self.expected_data_sha256:
            out.append("the value revisions read differ from those the pack was published with")
        if self.html_sha256 != self.expected_html_sha256:
            out.append("the re-rendered HTML differs from the published HTML")
        return out


def load_manifest(folder: str | Path) -> dict[str, Any]:
    """The manifest of a publication folder."""
    path = Path(folder) / MANIFEST_NAME
    if not path.is_file():
        raise NotFoundError(
            f"no published pack at '{folder}'", hint="publish it first with trustboard publish"
        )
    try:
        manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as bad:
        raise ConfigError(f"the manifest '{path}' is not valid JSON: {bad}") from None
    return manifest


@dataclass(frozen=True)
class _Previous:
    period: str
    label: str
    figures: dict[tuple[str, str], float | None]


def _previous_from(manifest: Mapping[str, Any]) -> _Previous:
    published_period = Period.parse(manifest["period"])
    figures = {(f["metric_id"], f["period"]): f["value"] for f in manifest.get("figures", ())}
    return _Previous(
        manifest["period"], f"{published_period.display()} ({manifest['forum_name']})", figures
    )


def latest_publication_before(
    root: str | Path, forum_id: str, period: Period
) -> tuple[str, dict[tuple[str, str], float | None]] | None:
    """The most recent publication of the forum for an earlier period: its label and figures."""
    found = _latest_before(Path(root), forum_id, period)
    return None if found is None else (found.label, found.figures)


def _latest_before(root: Path, forum_id: str, period: Period) -> _Previous | None:
    base = root / "published" / forum_id
    if not base.is_dir():
        return None
    found: list[tuple[Period, dict[str, Any]]] = []
    for folder in sorted(base.iterdir()):
        if not (folder / MANIFEST_NAME).is_file():
            continue
        manifest = load_manifest(folder)
        published_period = Period.parse(manifest["period"])
        if published_period < period:
            found.append((published_period, manifest))
    if not found:
        return None
    return _previous_from(max(found, key=lambda item: item[0])[1])


def _render(
    store: Store,
    forum_id: str,
    period: Period,
    *,
    config: PaperConfig,
    as_of: datetime,
    root: Path,
    synthetic: bool,
    baf_html: str | None,
    actions: list[Action] | None = None,
    paper: PaperDetails | None = None,
    previous: _Previous | None = None,
) -> tuple[PackModel, str, pl.DataFrame]:
    inputs, read = read_pack_inputs(
        store,
        forum_id,
        period,
        config=config,
        as_of=as_of,
        baf_html=baf_html,
        synthetic=synthetic,
        actions=actions,
        paper=paper,
        published=previous.figures if previous else None,
        previous_publication=previous.label if previous else None,
    )
    model = assemble_pack(inputs)
    return model, render_html(model), read


def publish_pack(
    store: Store,
    forum_id: str,
    period: Period | str,
    output_root: str | Path,
    *,
    config: PaperConfig | str | Path | None = None,
    published_at: datetime | None = None,
    pdf: bool = True,
    synthetic: bool = False,
    baf_html: str | None = None,
) -> Publication:
    """Freeze the pack of ``forum_id`` for ``period`` under ``output_root``.

    Refuses (:class:`~trustboard.errors.DataValidationError` naming each blank field) while a
    mandatory cover-sheet field is blank, and (:class:`~trustboard.errors.ConflictError`) when
    the pack is already published: a published pack never changes.
    """
    when = Period.parse(period) if isinstance(period, str) else period
    root = Path(output_root)
    folder = publication_dir(root, forum_id, when)
    if (folder / MANIFEST_NAME).exists():
        raise ConflictError(
            f"the {forum_id} pack for {when.label()} is already published at '{folder}'",
            hint="use trustboard publish --verify to check it; a published pack is never replaced",
        )
    cfg = config if isinstance(config, PaperConfig) else load_paper_config(config)
    moment = (published_at or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None)
    previous = _latest_before(root, forum_id, when)
    model, html, values = _render(
        store,
        forum_id,
        when,
        config=cfg,
        as_of=moment,
        root=root,
        synthetic=synthetic,
        baf_html=baf_html,
        previous=previous,
    )
    missing = missing_paper_fields(model.paper)
    if missing:
        raise DataValidationError(
            "the cover sheet has blank mandatory fields; a pack cannot be published without them",
            [
                Problem(ErrorCode.PAPER_BLANK, f"cover-sheet field '{name}' is blank", column=name)
                for name in missing
            ],
            hint="fill them in the paper configuration (--paper FILE); see docs/board-pack.md",
        )
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{forum_id}-{when.label().replace(' ', '-')}"
    html_bytes = html.encode("utf-8")
    html_path = folder / f"{stem}.html"
    html_path.write_bytes(html_bytes)
    files = {html_path.name: _sha(html_bytes)}
    pdf_path = None
    if pdf:
        pdf_bytes = render_pdf(html)
        pdf_path = folder / f"{stem}.pdf"
        pdf_path.write_bytes(pdf_bytes)
        files[pdf_path.name] = _sha(pdf_bytes)
    actions = [a for s in model.sections for a in s.actions]
    snapshot = {
        "paper": _paper_json(model.paper),
        "actions": [a.model_dump(mode="json") for a in sorted(actions, key=lambda a: a.id)],
    }
    inputs_bytes = (json.dumps(snapshot, indent=2, sort_keys=True) + "\n").encode("utf-8")
    (folder / INPUTS_NAME).write_bytes(inputs_bytes)
    files[INPUTS_NAME] = _sha(inputs_bytes)
    catalogue = store.catalogue_version()
    manifest = {
        "format": _FORMAT,
        "forum": forum_id,
        "forum_name": model.forum.name,
        "period": when.label(),
        "published_at": moment.isoformat() + "Z",
        "data_sha256": values_digest(values),
        "value_rows": values.height,
        "catalogue_version": None
        if catalogue is None
        else {"seq": catalogue.seq, "content_hash": catalogue.content_hash},
        "options": {
            "history_periods": cfg.history_periods,
            "exception_rules": {
                k: getattr(cfg.exception_rules, k) for k in cfg.exception_rules.__dataclass_fields__
            },
            "synthetic": synthetic,
            "public": model.public,
            "detail": model.forum.detail.value,
            "baf_html_sha256": _sha(baf_html.encode("utf-8")) if baf_html else None,
            "pdf": pdf,
        },
        "software": {"trustboard": __version__},
        "previous_publication": None if previous is None else previous.period,
        "figures": [
            {"metric_id": m, "period": p, "value": v}
            for (m, p), v in sorted(published_figures(model).items())
        ],
        "files": dict(sorted(files.items())),
    }
    (folder / MANIFEST_NAME).write_text(
        json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    return Publication(folder, html_path, pdf_path, manifest, model)


def render_as_published(
    store: Store,
    forum_id: str,
    period: Period | str,
    output_root: str | Path,
    *,
    baf_html: str | None = None,
) -> tuple[PackModel, str, pl.DataFrame, dict[str, Any]]:
    """Re-render a published pack from the store as it stood at publication: the model, the
    HTML, the values read and the manifest."""
    when = Period.parse(period) if isinstance(period, str) else period
    root = Path(output_root)
    folder = publication_dir(root, forum_id, when)
    manifest = load_manifest(folder)
    snapshot = json.loads((folder / INPUTS_NAME).read_text(encoding="utf-8"))
    options = manifest.get("options", {})
    if options.get("baf_html_sha256") and (
        baf_html is None or _sha(baf_html.encode("utf-8")) != options["baf_html_sha256"]
    ):
        raise OptionsError(
            "this pack was published with a BAF summary; give the same BAF fragment to re-render it"
        )
    config = PaperConfig(
        history_periods=int(options.get("history_periods", 24)),
        exception_rules=load_paper_config(
            {"exception_rules": options.get("exception_rules") or {}}
        ).exception_rules,
    )
    published_at = datetime.fromisoformat(manifest["published_at"].rstrip("Z"))
    previous = None
    if manifest.get("previous_publication"):
        earlier = Period.parse(manifest["previous_publication"])
        previous = _previous_from(load_manifest(publication_dir(root, forum_id, earlier)))
    model, html, values = _render(
        store,
        forum_id,
        when,
        config=config,
        as_of=published_at,
        root=root,
        synthetic=bool(options.get("synthetic")),
        baf_html=baf_html,
        actions=[Action.model_validate(a) for a in snapshot.get("actions", ())],
        paper=_paper_from_json(snapshot["paper"]),
        previous=previous,
    )
    return model, html, values, manifest


def verify_publication(
    store: Store,
    forum_id: str,
    period: Period | str,
    output_root: str | Path,
    *,
    baf_html: str | None = None,
) -> VerifyResult:
    """Re-render a published pack and compare it with what was published (HTML and data)."""
    _model, html, values, manifest = render_as_published(
        store, forum_id, period, output_root, baf_html=baf_html
    )
    stem_html = next((name for name in manifest["files"] if name.endswith(".html")), None)
    if stem_html is None:
        raise ConfigError("the manifest lists no HTML file")
    html_sha = _sha(html.encode("utf-8"))
    data_sha = values_digest(values)
    return VerifyResult(
        ok=html_sha == manifest["files"][stem_html] and data_sha == manifest["data_sha256"],
        html_sha256=html_sha,
        expected_html_sha256=manifest["files"][stem_html],
        data_sha256=data_sha,
        expected_data_sha256=manifest["data_sha256"],
    )
