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

import contextlib
import dataclasses
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from trustboard import __version__
from trustboard.domain import Action, DetailLevel, Period
from trustboard.domain.governance import Governance
from trustboard.errors import (
    ConfigError,
    ConflictError,
    DataValidationError,
    ErrorCode,
    NotFoundError,
    OptionsError,
    Problem,
    TrustboardError,
)
from trustboard.ingest.files import write_atomic, write_error
from trustboard.ingest.fragment import sanitise_fragment
from trustboard.render.pack import (
    PackModel,
    assemble_pack,
    published_figures,
    render_html,
    render_pdf,
)
from trustboard.services.check import publication_check
from trustboard.services.narrative import lock_published
from trustboard.services.pack import (
    PaperConfig,
    load_paper_config,
    missing_paper_fields,
    read_pack_inputs,
)
from trustboard.services.paper_config import keep_paper_config
from trustboard.services.signing import (
    SIGNATURE_NAME,
    SignatureCheck,
    SignatureStatus,
    check_signature,
    sign_manifest,
)
from trustboard.store import Store

__all__ = [
    "MANIFEST_NAME",
    "Publication",
    "VerifyResult",
    "check_published_files",
    "latest_publication_before",
    "load_manifest",
    "publication_dir",
    "publish_pack",
    "refuse_empty_pack",
    "render_as_published",
    "sanitise_fragment",
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


def _paper_json(paper: Governance) -> dict[str, Any]:
    restored: dict[str, Any] = paper.model_dump(mode="json")
    return restored


def _paper_from_json(raw: Mapping[str, Any]) -> Governance:
    return Governance.model_validate(dict(raw))


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
    """The outcome of checking a published pack: every difference found, and the signature."""

    differences: tuple[str, ...]
    signature: SignatureCheck
    html_sha256: str | None
    files_checked: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """Whether nothing differs and the signature (when checked) holds."""
        return not self.differences and self.signature.status is not SignatureStatus.INVALID

    def problems(self) -> list[str]:
        """What differs, in words (empty when the pack verifies)."""
        out = list(self.differences)
        if self.signature.status is SignatureStatus.INVALID:
            out.append(self.signature.detail)
        return out


def _bad_manifest(path: Path, why: str) -> ConfigError:
    return ConfigError(
        f"'{path}' {why}",
        code=ErrorCode.PUBLISH_MANIFEST,
        hint="a publication folder must hold the manifest.json and inputs.json that publish "
        "wrote; restore them from a backup",
    )


def _read_json(path: Path) -> tuple[bytes, dict[str, Any]]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise _bad_manifest(path, "is missing") from None
    except OSError as bad:
        raise _bad_manifest(path, f"cannot be read: {bad.strerror}") from None
    if not raw.strip():
        raise _bad_manifest(path, "is empty")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as bad:
        raise _bad_manifest(path, f"is not valid JSON ({bad})") from None
    if not isinstance(data, dict):
        raise _bad_manifest(path, "does not hold a JSON object")
    return raw, data


#: The manifest's fields and their JSON types (checked before anything reads them).
_MANIFEST_FIELDS: dict[str, type | tuple[type, ...]] = {
    "format": int,
    "forum": str,
    "forum_name": str,
    "period": str,
    "published_at": str,
    "data_sha256": str,
    "value_rows": int,
    "options": dict,
    "figures": list,
    "files": dict,
}


def _check_manifest(path: Path, manifest: Mapping[str, Any]) -> None:
    wrong = [
        name
        for name, kind in _MANIFEST_FIELDS.items()
        if not isinstance(manifest.get(name), kind) or isinstance(manifest.get(name), bool)
    ]
    files = manifest.get("files")
    if isinstance(files, dict) and not all(
        isinstance(k, str) and isinstance(v, str) for k, v in files.items()
    ):
        wrong.append("files")
    figures = manifest.get("figures")
    if isinstance(figures, list) and not all(
        isinstance(f, dict) and {"metric_id", "period", "value"} <= set(f) for f in figures
    ):
        wrong.append("figures")
    if wrong:
        raise _bad_manifest(path, "lacks or mistypes the field(s) " + ", ".join(sorted(set(wrong))))
    try:
        Period.parse(manifest["period"])
        datetime.fromisoformat(manifest["published_at"].rstrip("Z"))
    except (ValueError, TrustboardError):
        raise _bad_manifest(path, "holds an unreadable period or publication time") from None


def load_manifest(folder: str | Path) -> dict[str, Any]:
    """The manifest of a publication folder (``TB-PUBLISH-MANIFEST`` when it is missing, empty
    or malformed)."""
    base = Path(folder)
    if not base.is_dir():
        raise NotFoundError(
            f"no published pack at '{folder}'", hint="publish it first with trustboard publish"
        )
    path = base / MANIFEST_NAME
    _raw, manifest = _read_json(path)
    _check_manifest(path, manifest)
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
        # dot-folders are publications being written (see publish_pack)
        if folder.name.startswith(".") or not (folder / MANIFEST_NAME).is_file():
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
    paper: Governance | None = None,
    previous: _Previous | None = None,
    published_options: Mapping[str, Any] | None = None,
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
    if published_options is not None:
        # a published pack re-renders as it was published: a forum made private (or given
        # another level of detail) later must not turn a public pack into an unsuppressed one
        forum = inputs.forum.model_copy(
            update={
                "public": bool(published_options.get("public", inputs.forum.public)),
                "detail": DetailLevel(published_options.get("detail", inputs.forum.detail)),
            }
        )
        inputs = dataclasses.replace(inputs, forum=forum)
    model = assemble_pack(inputs)
    return model, render_html(model), read


def refuse_empty_pack(model: PackModel) -> None:
    """Refuse (``TB-PACK-EMPTY``) a pack in which no metric has a figure for its period: an
    empty pack is a mistake (values not imported yet, a mistyped period), not a report."""
    start, end = model.period.start, model.period.end
    for section in model.sections:
        for point in section.points:
            if start <= point.date <= end and (point.value is not None or point.suppressed):
                return
    raise NotFoundError(
        f"no metric of the {model.forum.name} pack has a figure for {model.period.display()}",
        code=ErrorCode.PACK_EMPTY,
        hint="import the period's values first (trustboard import values FILE); "
        "trustboard status shows the latest period held",
    )


def publish_pack(
    store: Store,
    forum_id: str,
    period: Period | str,
    output_root: str | Path,
    *,
    config: PaperConfig | Mapping[str, Any] | str | Path | None = None,
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
    baf_html = sanitise_fragment(baf_html) if baf_html else baf_html
    if folder.exists():
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
    refuse_empty_pack(model)
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
    checked = publication_check(store, model)  # refuses while a check finding is open
    stem = f"{forum_id}-{when.label().replace(' ', '-')}"
    html_bytes = html.encode("utf-8")
    outputs: dict[str, bytes] = {f"{stem}.html": html_bytes}
    if pdf:
        outputs[f"{stem}.pdf"] = render_pdf(html)
    actions = [a for s in model.sections for a in s.actions]
    snapshot = {
        "paper": _paper_json(model.paper),
        "actions": [a.model_dump(mode="json") for a in sorted(actions, key=lambda a: a.id)],
    }
    outputs[INPUTS_NAME] = (json.dumps(snapshot, indent=2, sort_keys=True) + "\n").encode("utf-8")
    files = {name: _sha(data) for name, data in outputs.items()}
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
        "check": checked,
    }
    manifest_bytes = (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode("utf-8")
    outputs[MANIFEST_NAME] = manifest_bytes
    signature = sign_manifest(manifest_bytes)
    if signature is not None:
        outputs[SIGNATURE_NAME] = signature
    _write_publication(folder, outputs)
    # the approved narrative the pack carries is locked: a later change is a new version
    lock_published(store, [s.metric_id for s in model.sections], when.label(), actor=store.actor)
    if not isinstance(config, PaperConfig):
        # the web app charts the window and applies the rules of the last pack published
        keep_paper_config(store, config)
    html_path = folder / f"{stem}.html"
    pdf_path = folder / f"{stem}.pdf" if pdf else None
    return Publication(folder, html_path, pdf_path, manifest, model)


def _write_publication(folder: Path, outputs: Mapping[str, bytes]) -> None:
    """Write every file of a publication into a hidden folder beside ``folder`` and rename it
    into place: a publication appears whole or not at all, a failure leaves nothing behind
    (so the publication can be retried), and an existing publication is never replaced."""
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    except OSError as bad:
        raise write_error(folder, bad) from None
    try:
        for name, data in outputs.items():
            write_atomic(staging / name, data)
        # mkdtemp makes the folder private to its owner; a publication is read by others
        staging.chmod(0o755)
        try:
            # rename(2) refuses to replace a folder that holds files
            os.rename(staging, folder)
        except OSError as bad:
            if folder.exists():
                raise ConflictError(
                    f"'{folder}' appeared while the pack was being published; it is kept as it is",
                    hint="use trustboard publish --verify to check it",
                ) from None
            raise write_error(folder, bad) from None
    finally:
        if staging.exists():
            with contextlib.suppress(OSError):
                shutil.rmtree(staging)


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
    snapshot = _read_inputs(folder)
    baf_html = sanitise_fragment(baf_html) if baf_html else baf_html
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
        published_options=options,
    )
    return model, html, values, manifest


def _read_inputs(folder: Path) -> dict[str, Any]:
    path = folder / INPUTS_NAME
    _raw, snapshot = _read_json(path)
    paper = snapshot.get("paper")
    actions = snapshot.get("actions", [])
    if not isinstance(paper, dict) or not isinstance(actions, list):
        raise _bad_manifest(path, "lacks the cover sheet ('paper') or the actions")
    try:
        _paper_from_json(paper)
        for action in actions:
            Action.model_validate(action)
    except (TypeError, ValueError, KeyError, TrustboardError) as bad:
        raise _bad_manifest(path, f"holds an unreadable cover sheet or action ({bad})") from None
    return snapshot


def _published_files(folder: Path) -> dict[str, Path]:
    out: dict[str, Path] = {}
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder).as_posix()
        if name in (MANIFEST_NAME, SIGNATURE_NAME):
            continue
        if path.is_file() or path.is_symlink():
            out[name] = path
    return out


def _file_differences(folder: Path, listed: Mapping[str, str]) -> list[str]:
    present = _published_files(folder)
    out = [
        f"{name} is listed in the manifest but missing" for name in listed if name not in present
    ]
    out += [
        f"{name} is not listed in the manifest (added)" for name in present if name not in listed
    ]
    for name, expected in listed.items():
        path = present.get(name)
        if path is None:
            continue
        try:
            actual = _sha(path.read_bytes()) if path.is_file() else "not a file"
        except OSError as bad:
            out.append(f"{name} cannot be read ({bad.strerror})")
            continue
        if actual != expected:
            out.append(f"{name} was changed (sha256 {actual}, manifest {expected})")
    return out


#: figure differences listed one by one before the rest are counted
_SHOWN_FIGURES = 10


def _figure_differences(
    manifest: Mapping[str, Any], figures: Mapping[tuple[str, str], float | None]
) -> list[str]:
    listed = {(f["metric_id"], f["period"]): f["value"] for f in manifest["figures"]}
    out: list[str] = []
    for key in sorted(set(listed) | set(figures), key=str):
        if key not in figures:
            out.append(f"the manifest lists a figure for {key[0]} {key[1]} the pack does not show")
        elif key not in listed:
            out.append(f"the pack shows {key[0]} {key[1]} but the manifest does not list it")
        elif listed[key] != figures[key]:
            out.append(
                f"figure {key[0]} {key[1]}: manifest {listed[key]!r}, re-rendered {figures[key]!r}"
            )
    if len(out) > _SHOWN_FIGURES:
        out = [*out[:_SHOWN_FIGURES], f"and {len(out) - _SHOWN_FIGURES} more figure(s) differ"]
    return out


def _store_differences(
    store: Store, manifest: Mapping[str, Any], values: pl.DataFrame
) -> list[str]:
    out: list[str] = []
    if values_digest(values) != manifest["data_sha256"]:
        out.append("the value revisions read differ from those the pack was published with")
    if values.height != manifest["value_rows"]:
        out.append(
            f"the store holds {values.height} value revision(s) for the pack as at its "
            f"publication; the manifest says {manifest['value_rows']}"
        )
    listed = manifest.get("catalogue_version")
    current = store.catalogue_version()
    if isinstance(listed, dict) and current is not None:
        seq = listed.get("seq")
        if not isinstance(seq, int) or seq > current.seq:
            out.append(f"the manifest names catalogue version {seq!r}, which the store never had")
        elif seq == current.seq and listed.get("content_hash") != current.content_hash:
            out.append(
                f"catalogue version {seq}: the manifest's content hash differs from the store's"
            )
    return out


def check_published_files(folder: str | Path) -> tuple[tuple[str, ...], SignatureCheck]:
    """The quick half of :func:`verify_publication`: each published file against the
    manifest's hashes (missing, added and changed files) and the manifest's signature, without
    re-rendering the pack from the store."""
    base = Path(folder)
    manifest = load_manifest(base)
    signature_path = base / SIGNATURE_NAME
    signature = check_signature(
        (base / MANIFEST_NAME).read_bytes(),
        signature_path.read_bytes() if signature_path.is_file() else None,
    )
    return tuple(_file_differences(base, manifest["files"])), signature


def verify_publication(
    store: Store,
    forum_id: str,
    period: Period | str,
    output_root: str | Path,
    *,
    baf_html: str | None = None,
) -> VerifyResult:
    """Check a published pack: every published file against the manifest's hashes (missing,
    added and changed files), the manifest's signature, and the manifest against the store (the
    value revisions read as at publication, their count, the catalogue version, the figures
    shown and the HTML, re-rendered).  Every difference is listed; see ``docs/security.md`` for
    what this proves and what it cannot."""
    when = Period.parse(period) if isinstance(period, str) else period
    folder = publication_dir(Path(output_root), forum_id, when)
    manifest = load_manifest(folder)
    manifest_bytes = (folder / MANIFEST_NAME).read_bytes()
    signature_path = folder / SIGNATURE_NAME
    signature = check_signature(
        manifest_bytes, signature_path.read_bytes() if signature_path.is_file() else None
    )
    differences: list[str] = []
    if manifest["forum"] != forum_id or manifest["period"] != when.label():
        differences.append(
            f"the manifest is for {manifest['forum']} {manifest['period']}, "
            f"not {forum_id} {when.label()}"
        )
    differences += _file_differences(folder, manifest["files"])
    html_name = next((name for name in manifest["files"] if name.endswith(".html")), None)
    if html_name is None:
        differences.append("the manifest lists no HTML file")
    html_sha: str | None = None
    try:
        model, html, values, _ = render_as_published(
            store, forum_id, when, output_root, baf_html=baf_html
        )
    except ConfigError as unreadable:
        if unreadable.code != ErrorCode.PUBLISH_MANIFEST:
            raise
        differences.append(f"the pack cannot be re-rendered: {unreadable.message}")
    else:
        html_sha = _sha(html.encode("utf-8"))
        differences += _store_differences(store, manifest, values)
        differences += _figure_differences(manifest, published_figures(model))
        if html_name is not None and html_sha != manifest["files"][html_name]:
            differences.append(
                "the HTML re-rendered from the store differs from the HTML the manifest lists"
            )
    return VerifyResult(
        differences=tuple(differences),
        signature=signature,
        html_sha256=html_sha,
        files_checked=tuple(manifest["files"]),
    )
