"""Data commands: ``init``, ``catalogue``, ``import``, ``status``, ``export`` and ``spc refresh``.

Every command takes ``--database URL`` (else ``TRUSTBOARD_DATABASE_URL``, else ``trustboard.db``
in the current folder); commands that change the store take ``--actor NAME`` (else
``TRUSTBOARD_ACTOR``, else the operating-system user) for the audit log.  Errors are raised as
:class:`~trustboard.errors.TrustboardError`; the app prints one line per problem and exits
with the code from :data:`trustboard.errors.EXIT_CODES`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from trustboard.cli.options import ActorOption, DatabaseOption
from trustboard.errors import DataValidationError, ErrorCode, OptionsError, Problem

__all__ = ["register"]

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

ReportOption = typer.Option(
    None, "--report", help="Write the problems found to this .csv or .json file."
)


def _day(text: str | None, name: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise OptionsError(
            f"{name} '{text}' is not a date",
            code=ErrorCode.OPTIONS_DATE,
            hint="write it as YYYY-MM-DD, e.g. 2025-04-30",
        ) from None


def _problem_table(problems: Sequence[Problem]) -> Table:
    table = Table(title=f"{len(problems)} problem(s) found", title_justify="left")
    table.add_column("code", no_wrap=True)
    for column in ("file", "sheet", "row", "column", "value", "message", "expected"):
        table.add_column(column, overflow="fold")
    for p in problems:
        table.add_row(
            p.code,
            p.file or "",
            p.sheet or "",
            "" if p.row is None else str(p.row),
            p.column or "",
            "" if p.value is None else str(p.value),
            p.message,
            p.expected or "",
        )
    return table


def _show_problems(error: DataValidationError) -> None:
    err.print(_problem_table(error.problems))


def _counts(summary: Any) -> str:
    return f"{summary.inserted:,} new, {summary.revised:,} revised, {summary.unchanged:,} unchanged"


# -- init ---------------------------------------------------------------------------------------


def init(database: str | None = DatabaseOption, actor: str | None = ActorOption) -> None:
    """Create the store (trustboard.db here by default), or upgrade it to the newest schema."""
    from trustboard.services import init_store

    result = init_store(database, actor=actor)
    if result.created:
        out.print(f"created the store at {result.url} (schema {result.schema_after})")
    elif result.schema_before != result.schema_after:
        out.print(
            f"upgraded the store at {result.url} from schema {result.schema_before} "
            f"to {result.schema_after}"
        )
    else:
        out.print(f"the store at {result.url} is up to date (schema {result.schema_after})")


# -- catalogue ----------------------------------------------------------------------------------

catalogue_app = typer.Typer(
    help="Load, show and compare the metric catalogue.", no_args_is_help=True
)


@catalogue_app.command("load")
def catalogue_load(
    folder: Path = typer.Argument(..., help="Config folder with metrics, org_units and forums."),
    effective: str | None = typer.Option(
        None, "--effective", help="Date changed definitions take effect (default today)."
    ),
    database: str | None = DatabaseOption,
    actor: str | None = ActorOption,
) -> None:
    """Validate a catalogue folder and store it; changed definitions get new versions."""
    from trustboard.services.catalogue import load_catalogue

    try:
        summary = load_catalogue(
            folder, database=database, actor=actor, effective=_day(effective, "--effective")
        )
    except DataValidationError as error:
        _show_problems(error)
        raise
    version = summary.version
    state = "new version" if summary.new_version else "unchanged"
    out.print(f"catalogue version {version.seq} ({state}; hash {version.content_hash[:12]})")
    out.print(
        f"metrics: {len(summary.added)} added, {len(summary.changed)} changed, "
        f"{len(summary.unchanged)} unchanged, {len(summary.retired)} retired"
    )
    for label, ids in (
        ("added", summary.added),
        ("changed", summary.changed),
        ("retired", summary.retired),
    ):
        if ids:
            out.print(f"  {label}: {', '.join(ids)}")
    for conflict in summary.rebase_conflicts:
        out.print(f"rebase conflict: {conflict}")


@catalogue_app.command("show")
def catalogue_show(
    metric: str | None = typer.Option(None, "--metric", help="Show one metric and its versions."),
    as_of: str | None = typer.Option(
        None, "--as-of", help="The definitions in force on this date."
    ),
    database: str | None = DatabaseOption,
) -> None:
    """List the stored catalogue: version, metrics, org units and forums."""
    from trustboard.services.catalogue import show_catalogue

    view = show_catalogue(database=database, as_of=_day(as_of, "--as-of"), metric_id=metric)
    if view.version is None:
        out.print("no catalogue loaded yet: trustboard catalogue load CONFIG_FOLDER")
        return
    out.print(
        f"catalogue version {view.version.seq} (hash {view.version.content_hash[:12]}, "
        f"loaded {view.version.loaded_at:%Y-%m-%d %H:%M} UTC by {view.version.actor})"
    )
    table = Table(title=f"{len(view.metrics)} metric(s)", title_justify="left")
    for column in (
        "id",
        "name",
        "domain",
        "unit",
        "polarity",
        "chart",
        "frequency",
        "version",
        "effective from",
    ):
        table.add_column(column)
    for m in view.metrics:
        current = view.current_version_of(m.id)
        table.add_row(
            m.id,
            m.name,
            m.domain.value,
            m.unit.value,
            m.polarity.value,
            m.chart_type.value,
            m.frequency.value,
            str(current.version) if current else "",
            str(m.effective_from or ""),
        )
    out.print(table)
    if metric is not None:
        versions = Table(title=f"versions of {metric}", title_justify="left")
        for column in ("version", "effective from", "recorded", "catalogue", "note"):
            versions.add_column(column)
        for v in view.versions.get(metric, []):
            versions.add_row(
                str(v.version),
                str(v.effective_from),
                f"{v.recorded_at:%Y-%m-%d %H:%M}",
                str(v.catalogue_seq or ""),
                v.change_note or "",
            )
        out.print(versions)
        return
    out.print(
        f"org units: {len(view.org_units)}; forums: "
        + ", ".join(f"{f.name} ({len(view.agendas.get(f.id, ()))} metrics)" for f in view.forums)
    )


@catalogue_app.command("diff")
def catalogue_diff(
    folder: Path = typer.Argument(..., help="Config folder to compare with the store."),
    database: str | None = DatabaseOption,
) -> None:
    """Show what loading a catalogue folder would change, field by field (writes nothing)."""
    from trustboard.services.catalogue import diff_catalogue

    try:
        diff = diff_catalogue(folder, database=database)
    except DataValidationError as error:
        _show_problems(error)
        raise
    if diff.is_empty:
        out.print("no differences: the folder says what the store holds")
        return
    for label, ids in (
        ("metrics added", diff.added),
        ("metrics removed", diff.removed),
        ("org units added", diff.org_units_added),
        ("org units removed", diff.org_units_removed),
        ("forums added", diff.forums_added),
        ("forums removed", diff.forums_removed),
    ):
        if ids:
            out.print(f"{label}: {', '.join(ids)}")
    for change in diff.changed:
        out.print(f"metric {change.metric_id} changed:")
        for f in change.fields:
            out.print(f"  {f.field}: {f.stored!r} -> {f.folder!r}")


# -- import -------------------------------------------------------------------------------------

import_app = typer.Typer(
    help="Import values, commentary and targets (all or nothing).", no_args_is_help=True
)


@import_app.command("values")
def import_values_cmd(
    files: list[Path] = typer.Argument(..., help="CSV, Excel or Parquet files (long or wide)."),
    report: Path | None = ReportOption,
    today: str | None = typer.Option(
        None, "--today", help="Import date for the future-period check."
    ),
    database: str | None = DatabaseOption,
    actor: str | None = ActorOption,
) -> None:
    """Validate value files and load them in one transaction; any problem loads nothing."""
    from trustboard.services.imports import import_values

    try:
        outcome = import_values(
            files, database=database, actor=actor, today=_day(today, "--today"), report=report
        )
    except DataValidationError as error:
        _show_problems(error)
        raise
    out.print(f"values: {_counts(outcome.summary)} (import {outcome.summary.import_id})")


@import_app.command("commentary")
def import_commentary_cmd(
    files: list[Path] = typer.Argument(..., help="Commentary files (narrative and actions)."),
    report: Path | None = ReportOption,
    approved_by: str | None = typer.Option(
        None,
        "--approved-by",
        help="Enter the text as approved by this account (it must approve narrative for each "
        "metric's executive lead); without it the text enters as a draft.",
    ),
    database: str | None = DatabaseOption,
    actor: str | None = ActorOption,
) -> None:
    """Validate commentary and actions and load them in one transaction; the text enters the
    narrative workflow as a draft, or approved with --approved-by."""
    from trustboard.services.imports import import_commentary

    try:
        outcome = import_commentary(
            files, database=database, actor=actor, report=report, approved_by=approved_by
        )
    except DataValidationError as error:
        _show_problems(error)
        raise
    out.print(f"commentary: {_counts(outcome.summary)}")
    if outcome.actions is not None:
        out.print(
            f"actions: {outcome.actions.inserted:,} new, {outcome.actions.revised:,} "
            f"updated, {outcome.actions.unchanged:,} unchanged"
        )
    if outcome.narrative is not None:
        added = outcome.narrative.inserted + outcome.narrative.revised
        state = f"approved by {outcome.approver}" if outcome.approver else "draft"
        out.print(
            f"narrative: {added:,} version(s) added as {state}, "
            f"{outcome.narrative.unchanged:,} unchanged"
        )


@import_app.command("targets")
def import_targets_cmd(
    files: list[Path] = typer.Argument(..., help="Target files (CSV, Excel or YAML)."),
    report: Path | None = ReportOption,
    effective: str | None = typer.Option(
        None, "--effective", help="Date the new definition versions take effect."
    ),
    database: str | None = DatabaseOption,
    actor: str | None = ActorOption,
) -> None:
    """Validate targets; each metric whose targets change gets a new definition version."""
    from trustboard.services.imports import import_targets

    try:
        outcome = import_targets(
            files,
            database=database,
            actor=actor,
            report=report,
            effective=_day(effective, "--effective"),
        )
    except DataValidationError as error:
        _show_problems(error)
        raise
    changed = outcome.metrics_changed
    out.print(
        f"targets: {len(changed)} metric(s) given a new version"
        + (f" ({', '.join(changed)})" if changed else "")
        + f", {outcome.summary.unchanged} unchanged"
    )
    if outcome.catalogue is not None:
        out.print(f"catalogue version {outcome.catalogue.seq}")


# -- status, export, spc refresh ----------------------------------------------------------------


def status(
    today: str | None = typer.Option(None, "--today", help="Judge lateness on this date."),
    database: str | None = DatabaseOption,
) -> None:
    """What is loaded, the latest period per metric, late or missing data, provisional values."""
    from trustboard.services.status import store_status

    report = store_status(database=database, today=_day(today, "--today"))
    version = (
        f"catalogue version {report.catalogue.seq}" if report.catalogue else "no catalogue loaded"
    )
    out.print(f"store {report.url} (schema {report.schema}); {version}")
    c = report.counts
    out.print(
        f"{c['metrics']} metrics, {c['org_units']} org units, {c['forums']} forums; "
        f"{c['values_current']:,} values ({c['values_revised']:,} earlier revisions) "
        f"from {c['imports']} import(s); {c['commentary']} commentary, "
        f"{c['actions']} actions, {c['spc_runs']} SPC run(s)"
    )
    if report.last_import is not None:
        last = report.last_import
        out.print(
            f"last import: {last.kind} #{last.id} at {last.started_at:%Y-%m-%d %H:%M} UTC "
            f"by {last.actor} ({last.inserted:,} new, {last.revised:,} revised)"
        )
    table = Table(title=f"data by metric on {report.today}", title_justify="left")
    for column in ("metric", "frequency", "latest", "units", "provisional", "next due", "state"):
        table.add_column(column)
    for m in report.metrics:
        state = f"late by {m.days_late} days" if m.state == "late" else m.state
        table.add_row(
            m.metric_id,
            m.frequency,
            m.latest_period or "-",
            str(m.units_reporting),
            str(m.provisional),
            f"{m.next_period} by {m.next_due}" if m.next_due else "-",
            state,
        )
    out.print(table)
    if report.late:
        out.print(
            f"{len(report.late)} metric(s) late or missing: "
            + ", ".join(m.metric_id for m in report.late)
        )


def export(
    period: str = typer.Option(..., "--period", help="Period to export, e.g. 2025-03."),
    output: Path = typer.Option(
        ..., "--output", "-o", help="File to write: .csv, .parquet or .xlsx."
    ),
    database: str | None = DatabaseOption,
) -> None:
    """Export one period's values at every level, with the latest SPC results."""
    from trustboard.services.export import export_period

    result = export_period(period, output, database=database)
    run = f"SPC run {result.spc_run}" if result.spc_run else "no SPC results yet"
    out.print(f"wrote {result.rows:,} rows for {result.period} to {result.path} ({run})")


def spc_refresh(
    metric: list[str] | None = typer.Option(
        None, "--metric", help="Only these metrics (repeatable)."
    ),
    database: str | None = DatabaseOption,
    actor: str | None = ActorOption,
) -> None:
    """Compute SPC for every metric and org unit with each metric's options, and store it."""
    from trustboard.services.refresh import refresh_spc

    result = refresh_spc(database=database, actor=actor, metric_ids=metric or None)
    out.print(
        f"SPC run {result.run_id}: {result.series:,} series, {result.points:,} points in "
        f"{result.groups} option group(s), {result.seconds:.1f} s"
    )
    if result.not_rolled_up:
        out.print("not rolled up (values cannot be summed): " + ", ".join(result.not_rolled_up))
    if result.no_values:
        out.print("no values yet: " + ", ".join(result.no_values))
    if result.rows_without_counts:
        out.print(
            f"{result.rows_without_counts:,} value(s) left out: their chart needs a "
            "numerator and a denominator"
        )
    for conflict in result.rebase_conflicts:
        out.print(f"rebase conflict: {conflict}")
    if result.rebase_proposals:
        out.print(
            f"{result.rebase_proposals} series have limits that predate a sustained shift: "
            "trustboard spc rebase METRIC lists them"
        )


def _spc_group(app: typer.Typer) -> typer.Typer:
    for info in app.registered_groups:
        if info.name == "spc" and info.typer_instance is not None:
            return info.typer_instance
    group = typer.Typer(help="Statistical process control.", no_args_is_help=True)
    app.add_typer(group, name="spc")
    return group


def register(app: typer.Typer) -> None:
    """Add the data commands to ``app``."""
    app.command("init")(init)
    app.add_typer(catalogue_app, name="catalogue")
    app.add_typer(import_app, name="import")
    app.command("status")(status)
    app.command("export")(export)
    _spc_group(app).command("refresh")(spc_refresh)
