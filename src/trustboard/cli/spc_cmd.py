"""``trustboard spc``: SPC for any table on disk (and, as ``spc refresh``, for the store).

``trustboard spc INPUT -o OUTPUT`` is the everyday form: the group routes a first argument that
is not a sub-command name to ``spc run``, so both ``trustboard spc data.csv …`` and
``trustboard spc refresh`` work.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from typer.core import TyperGroup

from trustboard.cli.options import DatabaseOption
from trustboard.errors import ErrorCode, OptionsError, Problem, TrustboardError
from trustboard.render.svg.formatting import format_value
from trustboard.services.spc_files import run_spc_file

__all__ = ["register", "spc_app"]

#: Above this many series a progress bar is shown while charts are written.
_PROGRESS_FROM = 50


class _DefaultToRun(TyperGroup):
    """A group whose unknown first word is taken as the INPUT of ``run``."""

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["run", *args]
        return super().resolve_command(ctx, args)


spc_app = typer.Typer(
    cls=_DefaultToRun,
    help=(
        "Statistical process control: `trustboard spc INPUT -o OUTPUT` or `trustboard spc refresh`."
    ),
    no_args_is_help=True,
)

console = Console(highlight=False)


def _split(text: str | None) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()] if text else []


def _parse_dates(text: str | None) -> list[date]:
    dates: list[date] = []
    problems: list[Problem] = []
    for part in _split(text):
        try:
            dates.append(date.fromisoformat(part))
        except ValueError:
            problems.append(
                Problem(
                    ErrorCode.SPC_OPTION,
                    "rebase date is not a date",
                    column="--rebase",
                    value=part,
                    expected="YYYY-MM-DD",
                )
            )
    if problems:
        raise OptionsError("--rebase has dates that cannot be read", problems=problems)
    return dates


def _target(text: str | None) -> tuple[float | None, str | None]:
    """A number is a target for every series; anything else names a column."""
    if text is None:
        return None, None
    try:
        return float(text), None
    except ValueError:
        return None, text


@spc_app.command("run")
def run_command(
    input_path: Path = typer.Argument(..., metavar="INPUT", help="CSV, Parquet or Excel table."),
    output: Path | None = typer.Option(
        None, "-o", "--output", help="Points out: .csv, .parquet, .json or .xlsx."
    ),
    date_column: str = typer.Option("date", "--date", help="Date column."),
    value: str | None = typer.Option(None, "--value", help="Value column (xmr, mr, c, g, t)."),
    numerator: str | None = typer.Option(
        None, "--numerator", help="Numerator column (p, u, pp, up; xmr of a ratio)."
    ),
    denominator: str | None = typer.Option(None, "--denominator", help="Denominator column."),
    by: str | None = typer.Option(None, "--by", help="Series column(s), comma-separated."),
    sheet: str | None = typer.Option(
        None, "--sheet", help="Excel sheet to read (default: the first)."
    ),
    improvement: str = typer.Option(
        "increase", "--improvement", help="increase, decrease or neutral."
    ),
    target: str | None = typer.Option(
        None, "--target", help="A number, or the name of a target column."
    ),
    rebase: str | None = typer.Option(
        None, "--rebase", help="Rebase dates, comma-separated (YYYY-MM-DD)."
    ),
    rebase_column: str | None = typer.Option(
        None, "--rebase-column", help="0/1 column marking rebase points."
    ),
    fix_after: int | None = typer.Option(
        None, "--fix-after", help="Fix limits after this many points (>= 12)."
    ),
    baseline: str | None = typer.Option(None, "--baseline", help="Baseline date range START,END."),
    preset: str = typer.Option(
        "ptd", "--preset", help="ptd (NHSRplotthedots) or mdc (Making Data Count)."
    ),
    chart: str = typer.Option("xmr", "--chart", help="xmr, mr, p, u, pp, up, c, g or t."),
    summary: Path | None = typer.Option(None, "--summary", help="Per-series summary out."),
    charts: Path | None = typer.Option(
        None, "--charts", help="Folder for one SVG chart per series."
    ),
    unit: str = typer.Option(
        "count", "--unit", help="Unit for chart labels: count, percent, days ..."
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Do not print the summary table."),
) -> None:
    """Compute SPC for every series in INPUT and write points, summary and charts."""
    options: dict[str, object] = {"improvement": improvement, "preset": preset, "chart": chart}
    target_value, target_column = _target(target)
    if target_value is not None:
        options["target"] = target_value
    if fix_after is not None:
        options["fix_after_n_points"] = fix_after
    if baseline:
        dates = _parse_dates(baseline)
        if len(dates) != 2:
            raise OptionsError(
                "--baseline needs two dates",
                problems=[
                    Problem(
                        ErrorCode.SPC_OPTION,
                        "baseline is a start and an end date",
                        column="--baseline",
                        value=baseline,
                        expected="START,END",
                    )
                ],
            )
        options["baseline"] = (dates[0], dates[1])
    if output is None and summary is None and charts is None:
        raise OptionsError(
            "nothing to write", hint="give -o OUTPUT, --summary FILE or --charts DIR"
        )

    with Progress(
        TextColumn("charts"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
        disable=quiet,
    ) as bar:
        task = bar.add_task("charts", total=None)

        def advance(done: int, total: int) -> None:
            if total >= _PROGRESS_FROM:
                bar.update(task, completed=done, total=total)

        run = run_spc_file(
            input_path,
            date_column=date_column,
            value=value,
            numerator=numerator,
            denominator=denominator,
            by=_split(by),
            sheet=sheet,
            output=output,
            summary=summary,
            charts=charts,
            target_column=target_column,
            rebase_dates=_parse_dates(rebase),
            rebase_column=rebase_column,
            unit=unit,
            progress=advance,
            **options,
        )
    if not quiet:
        _print_summary(run.result.summary, list(run.result.by), unit)
    for label, path in (("points", run.output), ("summary", run.summary)):
        if path is not None:
            console.print(f"{label}: {path}")
    if run.charts:
        console.print(f"charts: {len(run.charts)} SVG file(s) in {run.charts[0].parent}")


_ICON_ORDER = {
    "concern_high": 0,
    "concern_low": 0,
    "improvement_high": 1,
    "improvement_low": 1,
    "neutral_high": 2,
    "neutral_low": 2,
    "common_cause": 3,
}


def _fmt(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    return str(value)


def _print_summary(summary: pl.DataFrame, by: list[str], unit: str, limit: int = 15) -> None:
    """Print the series that most need attention first, then a count of icons.

    Figures are shown as in the charts (``--unit``: ``25.9%`` for a percentage), icons in
    words (``concern high``) so that the table fits a terminal.
    """
    ordered = summary.with_columns(
        pl.col("variation_icon").replace_strict(_ICON_ORDER, default=4).alias("_order")
    ).sort(["_order", *by])
    table = Table(
        title=f"SPC summary: {summary.height} series (special cause first)", show_lines=False
    )
    table.add_column("series")
    for name in ("latest", "n", "value", "mean", "process limits", "variation", "assurance"):
        table.add_column(
            name,
            justify="right" if name in ("n", "value", "mean") else "left",
            no_wrap=name in ("latest", "process limits"),
        )

    def figure(value: float | None) -> str:
        return format_value(value, unit, with_unit=False)

    def words(icon: object) -> str:
        return str(icon).replace("_", " ") if icon is not None else ""

    for row in ordered.head(limit).iter_rows(named=True):
        key = " ".join(_fmt(row[name]) for name in by) or "(all)"
        limits = f"{figure(row['lpl'])} to {figure(row['upl'])}" if row["lpl"] is not None else ""
        latest = (
            row["date"].strftime("%Y-%m") if isinstance(row["date"], date) else _fmt(row["date"])
        )
        table.add_row(
            key,
            latest,
            _fmt(row["n"]),
            figure(row["value"]),
            figure(row["mean"]),
            limits,
            words(row["variation_icon"]),
            words(row["assurance_icon"]),
        )
    console.print(table)
    counts = summary.group_by("variation_icon").len().sort("variation_icon")
    text = ", ".join(
        f"{words(r['variation_icon'])} {r['len']}" for r in counts.iter_rows(named=True)
    )
    more = f"{summary.height - limit} more series not shown. " if summary.height > limit else ""
    console.print(f"{more}Variation icons: {text}")


@spc_app.command("rebase")
def rebase_command(
    metric: str = typer.Argument(..., help="The metric whose limits are recalculated."),
    at: str | None = typer.Option(
        None, "--at", help="Recalculate from this date (yyyy-mm-dd); leave out to list."
    ),
    reason: str | None = typer.Option(
        None, "--reason", help="Why the process changed (required with --at)."
    ),
    org_unit: str | None = typer.Option(
        None, "--org-unit", help="Only this org unit's chart (default: every org unit)."
    ),
    database: str | None = DatabaseOption,
    actor: str | None = typer.Option(
        None,
        "--actor",
        envvar="TRUSTBOARD_ACTOR",
        show_envvar=True,
        help="Who is accepting the rebase (for the audit log).",
    ),
) -> None:
    """Accept a recalculation of a metric's limits (--at, --reason), or list accepted and
    proposed ones.  Takes effect at the next `trustboard spc refresh`."""
    from trustboard.services.spc_review import accept_rebase, accepted_rebases, rebase_proposals

    if at is None:
        if reason is not None:
            raise OptionsError(
                "--reason needs --at (the date the new limits start from)",
                code=ErrorCode.SPC_REBASE_REASON,
            )
        stored, conflicts = accepted_rebases(metric, database=database)
        for item in stored:
            where = item.org_unit or "every org unit"
            console.print(
                f"accepted: {item.metric_id} {where} from {item.at.isoformat()}: {item.reason} "
                f"({item.actor}, {item.accepted_at:%Y-%m-%d})"
            )
        for conflict in conflicts:
            console.print(f"conflict: {conflict}")
        try:
            proposals = rebase_proposals(metric, database=database)
        except TrustboardError as error:
            console.print(f"no proposals: {error}")
            return
        for proposal in proposals:
            console.print(f"proposed: {proposal.sentence()}")
        if not stored and not proposals:
            console.print(f"{metric}: no rebase accepted or proposed")
        return
    try:
        day = date.fromisoformat(at)
    except ValueError:
        raise OptionsError(
            f"--at '{at}' is not a date",
            code=ErrorCode.OPTIONS_DATE,
            hint="give the first day the new limits start from, yyyy-mm-dd",
        ) from None
    if reason is None:
        raise OptionsError(
            "a rebase needs a reason (--reason): recalculate only for an explained change",
            code=ErrorCode.SPC_REBASE_REASON,
        )
    done = accept_rebase(metric, day, reason, org_unit=org_unit, database=database, actor=actor)
    where = org_unit or "every org unit"
    state = "accepted" if done.new else "already accepted"
    console.print(
        f"{state}: {metric} ({where}) limits recalculated from {done.starts.isoformat()}: "
        f"{done.rebase.reason}. Run trustboard spc refresh to apply it."
    )


def register(app: typer.Typer) -> None:
    """Add the ``spc`` command group to ``app``."""
    app.add_typer(spc_app, name="spc")
