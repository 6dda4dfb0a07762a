"""``trustboard waits compute | mhsds | reconcile`` and ``trustboard synth waits``."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer

from trustboard.errors import DataValidationError, ErrorCode, OptionsError, Problem

__all__ = ["register"]

waits_app = typer.Typer(
    help="Waiting times from patient-level referral data.", no_args_is_help=True
)


def _split(values: list[str] | None) -> list[str]:
    out: list[str] = []
    for value in values or []:
        out.extend(v.strip() for v in value.split(",") if v.strip())
    return out


def _breakdown(by: list[str] | None) -> list[str]:
    """``--by`` columns: none given is by service; ``--by total`` (or ``--by ""``) the trust."""
    if by is None:
        return ["service"]
    return [c for c in _split(by) if c != "total"]


@waits_app.command("compute")
def compute_command(
    referrals: Path = typer.Option(..., "--referrals", help="Referrals file (CSV or Parquet)."),
    contacts: Path = typer.Option(..., "--contacts", help="Contacts file (CSV or Parquet)."),
    start: str = typer.Option(..., "--start", help="First month reported (YYYY-MM)."),
    end: str = typer.Option(..., "--end", help="Last month reported (YYYY-MM)."),
    output: Path = typer.Option(..., "--output", "-o", help="Folder the results are written to."),
    events: Path | None = typer.Option(None, "--events", help="Clock-stop events file (optional)."),
    standard: list[str] | None = typer.Option(
        None, "--standard", "-s", help="Standard id (repeat or comma-separate); default: all."
    ),
    standard_file: Path | None = typer.Option(
        None, "--standard-file", help="YAML file of your own standards."
    ),
    by: list[str] | None = typer.Option(
        None, "--by", help="Breakdown columns (default: service; 'total': the trust total)."
    ),
    engine: str = typer.Option("duckdb", "--engine", help="duckdb (default) or spark."),
    mapping: str | None = typer.Option(
        None, "--mapping", help="Column mapping: mhsds, csds, or a YAML mapping file."
    ),
    metric_map: Path | None = typer.Option(
        None, "--metric-map", help="YAML map from waits outputs to catalogue metrics."
    ),
    file_format: str = typer.Option("csv", "--format", help="csv or parquet."),
    suppress: str = typer.Option(
        "none",
        "--suppress",
        help="Publication suppression: none, national (<5 -> *, round to 5), under_five.",
    ),
    provisional: bool = typer.Option(
        False, "--provisional", help="Mark metric values provisional."
    ),
    load: bool = typer.Option(
        False, "--load", help="Also load the metric values into the store (needs --metric-map)."
    ),
    database: str | None = typer.Option(
        None,
        "--database",
        "-d",
        envvar="TRUSTBOARD_DATABASE_URL",
        help="Store URL or SQLite file (default ./trustboard.db).",
    ),
    actor: str | None = typer.Option(
        None, "--actor", envvar="TRUSTBOARD_ACTOR", help="Who is loading (audit log)."
    ),
) -> None:
    """Compute waiting-time standards and write measures, removals and metric values."""
    from trustboard.services.waits import compute_waits, export_waits, load_waits_values

    if load and metric_map is None:
        raise OptionsError(
            "--load needs --metric-map",
            hint="the map says which catalogue metric each output feeds",
        )

    run = compute_waits(
        referrals,
        contacts,
        start=start,
        end=end,
        events=events,
        standards=_split(standard) or None,
        standard_file=standard_file,
        by=_breakdown(by),
        engine=engine,
        column_mapping=mapping,
        metric_map=metric_map,
        provisional=provisional,
    )
    written = export_waits(run, output, file_format=file_format, suppression=suppress)
    for standard_id, result in run.results.items():
        months = result.measures["period_end"].n_unique()
        typer.echo(f"{standard_id}: {result.measures.height} rows over {months} month ends")
    if run.metric_values is not None:
        typer.echo(f"metric values: {run.metric_values.height} rows")
    typer.echo(f"wrote {len(written)} files to {output}")
    if load:
        summary = load_waits_values(run, database=database, actor=actor)
        typer.echo(
            f"loaded into the store: {summary.inserted} new, {summary.revised} revised, "
            f"{summary.unchanged} unchanged"
        )


@waits_app.command("mhsds")
def mhsds_command(
    referrals: Path = typer.Option(..., "--referrals", help="Referrals file (CSV or Parquet)."),
    contacts: Path = typer.Option(..., "--contacts", help="Contacts file (CSV or Parquet)."),
    start: str = typer.Option(..., "--start", help="First month reported (YYYY-MM)."),
    end: str = typer.Option(..., "--end", help="Last month reported (YYYY-MM)."),
    provider: str = typer.Option(..., "--provider", help="Provider code, e.g. RT5."),
    output: Path = typer.Option(..., "--output", "-o", help="CSV file written."),
    events: Path | None = typer.Option(None, "--events", help="Clock-stop events file."),
    provider_name: str | None = typer.Option(None, "--provider-name", help="Provider name."),
    mapping: str | None = typer.Option(
        None, "--mapping", help="Column mapping: mhsds, csds, or a YAML mapping file."
    ),
    suppress: str = typer.Option(
        "none", "--suppress", help="none, national (<5 -> *, round to 5) or under_five."
    ),
    engine: str = typer.Option("duckdb", "--engine", help="duckdb (default) or spark."),
) -> None:
    """The MHSDS four-week-wait measures (MRS01-MRS14) in NHS England's published layout."""
    from trustboard.services.waits import compute_mhsds

    frame = compute_mhsds(
        referrals,
        contacts,
        events=events,
        start=start,
        end=end,
        provider=provider,
        provider_name=provider_name,
        column_mapping=mapping,
        suppress=suppress,
        engine=engine,
    )
    output.parent.mkdir(parents=True, exist_ok=True)
    frame.write_csv(output)
    months = frame["REPORTING_PERIOD_END"].n_unique()
    typer.echo(f"{frame.height} measure values over {months} months written to {output}")


@waits_app.command("reconcile")
def reconcile_command(
    published: Path = typer.Option(
        ..., "--published", help="NHS England's published file (full or six-column layout)."
    ),
    provider: str = typer.Option(..., "--provider", help="Provider code, e.g. RT5."),
    computed: Path | None = typer.Option(
        None, "--computed", help="Measures written by 'waits mhsds' (unsuppressed)."
    ),
    referrals: Path | None = typer.Option(None, "--referrals", help="Referrals file."),
    contacts: Path | None = typer.Option(None, "--contacts", help="Contacts file."),
    events: Path | None = typer.Option(None, "--events", help="Clock-stop events file."),
    start: str | None = typer.Option(None, "--start", help="First month (YYYY-MM)."),
    end: str | None = typer.Option(None, "--end", help="Last month (YYYY-MM)."),
    mapping: str | None = typer.Option(None, "--mapping", help="Column mapping."),
    output: Path | None = typer.Option(None, "--output", "-o", help="CSV report written."),
) -> None:
    """Compare a trust's MHSDS measures with the published ones, measure by measure.

    Exits non-zero (TB-WAITS-RECONCILE-DIFFERS) when any measure differs.
    """
    import polars as pl

    from trustboard.services.waits import compute_mhsds, reconcile_mhsds

    if computed is not None:
        frame = pl.read_csv(computed, infer_schema=False)
    elif referrals is not None and contacts is not None and start and end:
        frame = compute_mhsds(
            referrals,
            contacts,
            events=events,
            start=start,
            end=end,
            provider=provider,
            column_mapping=mapping,
        )
    else:
        raise OptionsError(
            "give --computed, or --referrals, --contacts, --start and --end",
            hint="--computed takes the CSV that 'trustboard waits mhsds' writes",
        )
    report = reconcile_mhsds(frame, published, provider=provider)
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        report.write_csv(output)
    counts = report["status"].value_counts(sort=True)
    summary = ", ".join(f"{n} {s}" for s, n in counts.iter_rows())
    typer.echo(f"{provider}: {report.height} measure values compared: {summary}")
    differs = report.filter(pl.col("status") == "differs")
    if differs.height:
        raise DataValidationError(
            f"{differs.height} measure value(s) of {provider} differ from the published file",
            [
                Problem(
                    ErrorCode.WAITS_RECONCILE_DIFFERS,
                    f"{rec['MEASURE_ID']} {rec['REPORTING_PERIOD_START']} to "
                    f"{rec['REPORTING_PERIOD_END']}: computed {rec['computed']}",
                    column=rec["MEASURE_ID"],
                    value=rec["published"],
                    expected="the published value (or it rounded to 5)",
                )
                for rec in differs.iter_rows(named=True)
            ],
            code=ErrorCode.WAITS_RECONCILE_DIFFERS,
            hint="the report (--output) lists every measure with its status and difference",
        )


def synth_waits_command(
    output: Path = typer.Option(..., "--output", "-o", help="Folder for the Parquet files."),
    referrals: int = typer.Option(100_000, "--referrals", help="Number of referrals."),
    months: int = typer.Option(36, "--months", help="Months of referrals."),
    seed: int = typer.Option(1, "--seed", help="Random seed (same seed, same data)."),
    start: str | None = typer.Option(
        None, "--start", help="First month (YYYY-MM); default 2022-04."
    ),
) -> None:
    """Write a synthetic trust's referrals, contacts and clock-stop events as Parquet."""
    from trustboard.services.waits import generate_synthetic_waits

    first = None
    if start is not None:
        try:
            first = date.fromisoformat(f"{start}-01")
        except ValueError:
            raise OptionsError(f"--start {start!r} is not a month", hint="use YYYY-MM") from None
    paths = generate_synthetic_waits(
        output, referrals=referrals, months=months, seed=seed, start=first
    )
    for name, path in paths.items():
        typer.echo(f"{name}: {path}")


def register(app: typer.Typer) -> None:
    """Add ``waits`` and ``synth waits`` to ``app`` (joining an existing ``synth`` group)."""
    app.add_typer(waits_app, name="waits")
    synth_app = next(
        (g.typer_instance for g in app.registered_groups if g.name == "synth" and g.typer_instance),
        None,
    )
    if synth_app is None:
        synth_app = typer.Typer(
            help="Synthetic data for demonstrations and benchmarks.", no_args_is_help=True
        )
        app.add_typer(synth_app, name="synth")
    synth_app.command("waits")(synth_waits_command)
