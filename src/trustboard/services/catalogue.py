"""The metric catalogue use cases: load a trust's config folder, show it, and diff it.

The catalogue folder (``metrics.yaml`` or ``metrics.csv``/``metrics.xlsx``, ``org_units.yaml``,
``forums.yaml``; see ``docs/catalogue.md``) is read and validated by :mod:`trustboard.ingest`;
nothing is written unless the whole folder is valid.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from trustboard.domain import Forum, MetricDefinition, OrgUnit
from trustboard.errors import DataValidationError, ErrorCode, NotFoundError
from trustboard.services._store import store_session
from trustboard.store import CatalogueSummary, CatalogueVersion, MetricVersion

__all__ = [
    "CatalogueDiff",
    "CatalogueView",
    "FieldChange",
    "MetricChange",
    "diff_catalogue",
    "load_catalogue",
    "read_catalogue_folder",
    "show_catalogue",
]


@dataclass(frozen=True, slots=True)
class CatalogueFolder:
    """A validated catalogue folder."""

    metrics: list[MetricDefinition]
    org_units: list[OrgUnit]
    forums: list[Forum]


def read_catalogue_folder(directory: str | Path) -> CatalogueFolder:
    """Read and validate a catalogue folder; raises with every problem found."""
    from trustboard.ingest import read_catalogue

    path = Path(directory)
    if not path.is_dir():
        raise NotFoundError(
            f"'{path}' is not a folder",
            code=ErrorCode.CATALOGUE_FOLDER,
            hint="give the folder that holds metrics.yaml, org_units.yaml and forums.yaml",
        )
    read = read_catalogue(path)
    if read.problems:
        raise DataValidationError(
            f"the catalogue in '{path}' is not valid: {len(read.problems)} problem(s) found",
            read.problems,
            hint="nothing was loaded; correct the files and load again",
        )
    return CatalogueFolder(list(read.metrics), list(read.org_units), list(read.forums))


def load_catalogue(
    directory: str | Path,
    *,
    database: str | Path | None = None,
    actor: str | None = None,
    effective: date | None = None,
) -> CatalogueSummary:
    """Validate a catalogue folder and store it: changed definitions get new versions.

    ``effective`` is the date changed definitions take effect (a definition's own
    ``effective_from`` wins); it defaults to today.
    """
    folder = read_catalogue_folder(directory)
    with store_session(database, actor=actor) as store:
        return store.upsert_catalogue(
            folder.metrics,
            folder.org_units,
            folder.forums,
            source=str(Path(directory).resolve()),
            effective=effective,
        )


@dataclass(frozen=True, slots=True)
class CatalogueView:
    """The stored catalogue: its version, definitions (with version numbers) and forums."""

    version: CatalogueVersion | None
    metrics: list[MetricDefinition]
    versions: dict[str, list[MetricVersion]]
    org_units: list[OrgUnit]
    forums: list[Forum]
    agendas: dict[str, tuple[str, ...]]

    def current_version_of(self, metric_id: str) -> MetricVersion | None:
        """The newest stored version of a metric."""
        found = self.versions.get(metric_id) or []
        return found[-1] if found else None


def show_catalogue(
    *, database: str | Path | None = None, as_of: date | None = None, metric_id: str | None = None
) -> CatalogueView:
    """The catalogue as stored (the definitions in force on ``as_of`` when given)."""
    with store_session(database) as store:
        metrics = store.metrics(as_of)
        if metric_id is not None:
            metrics = [m for m in metrics if m.id == metric_id]
            if not metrics:
                raise NotFoundError(
                    f"metric '{metric_id}' is not in the catalogue", code=ErrorCode.METRIC_UNKNOWN
                )
        versions: dict[str, list[MetricVersion]] = {}
        for version in store.metric_versions(metric_id):
            versions.setdefault(version.metric_id, []).append(version)
        return CatalogueView(
            store.catalogue_version(),
            metrics,
            versions,
            store.org_units(),
            store.forums(),
            store.forum_metrics(),
        )


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One field of a definition that differs."""

    field: str
    stored: Any
    folder: Any


@dataclass(frozen=True, slots=True)
class MetricChange:
    """A metric whose definition in the folder differs from the stored one."""

    metric_id: str
    fields: tuple[FieldChange, ...]


@dataclass(frozen=True, slots=True)
class CatalogueDiff:
    """What loading a folder would change (nothing is written)."""

    added: tuple[str, ...]
    changed: tuple[MetricChange, ...]
    removed: tuple[str, ...]
    unchanged: tuple[str, ...]
    org_units_added: tuple[str, ...]
    org_units_removed: tuple[str, ...]
    forums_added: tuple[str, ...]
    forums_removed: tuple[str, ...]

    @property
    def is_empty(self) -> bool:
        """Whether loading the folder would change no definition, unit or forum."""
        return not (
            self.added
            or self.changed
            or self.removed
            or self.org_units_added
            or self.org_units_removed
            or self.forums_added
            or self.forums_removed
        )


_BOOKKEEPING = {"effective_from", "change_note"}


def _field_changes(stored: MetricDefinition, folder: MetricDefinition) -> tuple[FieldChange, ...]:
    old = stored.model_dump(mode="json", exclude=_BOOKKEEPING)
    new = folder.model_dump(mode="json", exclude=_BOOKKEEPING)
    return tuple(
        FieldChange(k, old.get(k), new.get(k))
        for k in sorted(set(old) | set(new))
        if old.get(k) != new.get(k)
    )


def diff_catalogue(directory: str | Path, *, database: str | Path | None = None) -> CatalogueDiff:
    """Compare a catalogue folder with the stored catalogue, field by field."""
    folder = read_catalogue_folder(directory)
    with store_session(database) as store:
        stored = {m.id: m for m in store.metrics()}
        units = {u.code for u in store.org_units()}
        forums = {f.id for f in store.forums()}
    offered = {m.id: m for m in folder.metrics}
    changed = []
    unchanged = []
    for metric_id in sorted(set(offered) & set(stored)):
        fields = _field_changes(stored[metric_id], offered[metric_id])
        if fields:
            changed.append(MetricChange(metric_id, fields))
        else:
            unchanged.append(metric_id)
    folder_units = {u.code for u in folder.org_units}
    folder_forums = {f.id for f in folder.forums}
    return CatalogueDiff(
        added=tuple(sorted(set(offered) - set(stored))),
        changed=tuple(changed),
        removed=tuple(sorted(set(stored) - set(offered))),
        unchanged=tuple(unchanged),
        org_units_added=tuple(sorted(folder_units - units)),
        org_units_removed=tuple(sorted(units - folder_units)),
        forums_added=tuple(sorted(folder_forums - forums)),
        forums_removed=tuple(sorted(forums - folder_forums)),
    )
