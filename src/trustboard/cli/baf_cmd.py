"""``trustboard baf``: the Board Assurance Framework register, its reviews and the evidence
check."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from trustboard.domain.baf import BafRegister, BafRisk, EvidenceFlag
from trustboard.errors import ErrorCode, OptionsError

__all__ = ["baf_app", "register"]

baf_app = typer.Typer(
    name="baf",
    help=(
        "Board Assurance Framework: show, import, export and review the register; "
        "check it against the metrics."
    ),
    no_args_is_help=True,
)

_console = Console(highlight=False, soft_wrap=True)
_DATABASE_HELP = "Store URL or SQLite file (default: $TRUSTBOARD_DATABASE_URL or trustboard.db)."


def _date(text: str | None) -> date:
    if text is None:
        return date.today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise OptionsError(
            f"'{text}' is not a date", code=ErrorCode.BAF_DATE, hint="write it as 2025-09-30"
        ) from None


def _score_text(register: BafRegister, score: int) -> str:
    return f"{score} {register.scoring.band_for(score).name}"


def _show_table(register: BafRegister) -> None:
    table = Table(
        title="Board Assurance Framework"
        f"{': ' + register.trust_name if register.trust_name else ''}"
    )
    for column in (
        "Risk",
        "Title",
        "Lead",
        "Current",
        "Target",
        "Trend",
        "Appetite",
        "Last review",
    ):
        table.add_column(column)
    for risk in register.risks:
        level = register.tolerance_for(risk)
        appetite = (
            risk.appetite_level
            if level is None
            else (
                f"{level.name} {level.range_text} "
                f"({'within' if level.tolerates(risk.current.score) else 'ABOVE'})"
            )
        )
        table.add_row(
            risk.id,
            risk.title,
            risk.executive_lead,
            _score_text(register, risk.current.score),
            _score_text(register, risk.target.score),
            f"{risk.trend.arrow} {risk.trend.label}",
            appetite,
            risk.last_reviewed.isoformat() if risk.last_reviewed else "–",
        )
    _console.print(table)


def _show_risk(register: BafRegister, risk: BafRisk) -> None:
    out = _console.print
    out(f"{risk.id}: {risk.title}", style="bold")
    out(risk.description)
    out(f"Executive lead: {risk.executive_lead}; committee: {risk.lead_committee}")
    out(f"Objectives: {', '.join(risk.objectives)}")
    inherent = _score_text(register, risk.inherent.score) if risk.inherent else "not assessed"
    out(
        f"Scores: inherent {inherent}; current {_score_text(register, risk.current.score)} "
        f"(L{risk.current.likelihood} × C{risk.current.consequence}); target "
        f"{_score_text(register, risk.target.score)}"
        + (f" by {risk.target_date.isoformat()}" if risk.target_date else "")
    )
    out(f"Appetite: {risk.appetite_level} for {risk.appetite_category}")
    out(f"Key metrics: {', '.join(risk.key_metrics) or 'none'}")
    for title, items in (
        ("Controls", [c.description for c in risk.controls]),
        ("Gaps", [f"[{g.kind.value}] {g.description}" for g in risk.gaps]),
        (
            "Assurances",
            [
                f"{a.line.label}, {a.date.isoformat()}, {a.result.value}: {a.source}"
                for a in risk.assurances
            ],
        ),
        (
            "Actions",
            [
                f"{a.id} ({a.status.value}, due {a.due.isoformat()}, {a.owner}): {a.description}"
                for a in risk.actions
            ],
        ),
        (
            "History",
            [f"{e.date.isoformat()}: {e.current.score} — {e.rationale}" for e in risk.history],
        ),
    ):
        out(f"{title}:", style="bold")
        for line in items or ["none"]:
            out(f"  - {line}", markup=False)


@baf_app.command("show")
def show(
    risk_id: str | None = typer.Argument(
        None, help="One risk to show in full (default: the table of risks)."
    ),
    register_file: Path | None = typer.Option(
        None, "--register", help="Read the register from this YAML/Excel file instead of the store."
    ),
    database: str | None = typer.Option(None, "--database", help=_DATABASE_HELP),
    public: bool = typer.Option(False, "--public", help="Show only what the public pack shows."),
) -> None:
    """Show the register: a table of risks, or one risk in full."""
    from trustboard.errors import NotFoundError
    from trustboard.services.baf import load_register

    register = load_register(register_file, database=database)
    if public:
        register = register.public()
    if risk_id is None:
        _show_table(register)
        return
    risk = register.risk(risk_id)
    if risk is None:
        raise NotFoundError(
            f"no BAF risk '{risk_id}'",
            code=ErrorCode.BAF_NOT_FOUND,
            hint="risks: " + ", ".join(r.id for r in register.risks),
        )
    _show_risk(register, risk)


@baf_app.command("import")
def import_(
    source: Path = typer.Argument(..., help="The register as YAML (.yaml) or Excel (.xlsx)."),
    database: str | None = typer.Option(None, "--database", help=_DATABASE_HELP),
    actor: str | None = typer.Option(
        None, "--actor", help="Who is making the change (for the audit log)."
    ),
    catalogue_check: bool = typer.Option(
        True,
        "--catalogue-check/--no-catalogue-check",
        help="Check key metrics against the store's catalogue.",
    ),
) -> None:
    """Validate a register file and make the stored register equal to it (all or nothing,
    audited)."""
    from trustboard.services.baf import import_register

    register, counts = import_register(
        source, database=database, actor=actor, check_catalogue=catalogue_check
    )
    typer.echo(
        f"imported {len(register.risks)} risks from {source}: {counts['added']} added, "
        f"{counts['changed']} changed, {counts['removed']} removed, {counts['unchanged']} unchanged"
    )


@baf_app.command("export")
def export(
    target: Path = typer.Argument(..., help="File to write: .yaml or .xlsx."),
    database: str | None = typer.Option(None, "--database", help=_DATABASE_HELP),
) -> None:
    """Write the stored register to YAML or Excel."""
    from trustboard.services.baf import export_register

    written = export_register(target, database=database)
    typer.echo(f"wrote {written}")


@baf_app.command("review")
def review(
    risk_id: str = typer.Argument(..., help="The risk reviewed, e.g. BAF-03."),
    likelihood: int = typer.Option(..., "--likelihood", "-l", help="Current likelihood, 1 to 5."),
    consequence: int = typer.Option(
        ..., "--consequence", "-c", help="Current consequence, 1 to 5."
    ),
    rationale: str = typer.Option(..., "--rationale", help="Why the score is what it is."),
    when: str | None = typer.Option(
        None, "--date", help="Date of the review (default: today), e.g. 2025-09-30."
    ),
    reviewer: str | None = typer.Option(
        None, "--reviewer", help="Who reviewed it (e.g. the committee or executive)."
    ),
    target_likelihood: int | None = typer.Option(
        None, "--target-likelihood", help="New target likelihood, if it changed."
    ),
    target_consequence: int | None = typer.Option(
        None, "--target-consequence", help="New target consequence, if it changed."
    ),
    committee: str | None = typer.Option(
        None,
        "--committee",
        help="The committee (a forum id of the catalogue) that accepted the review.",
    ),
    database: str | None = typer.Option(None, "--database", help=_DATABASE_HELP),
    actor: str | None = typer.Option(
        None, "--actor", help="Who is recording it (for the audit log)."
    ),
) -> None:
    """Record a review of one risk: the scores agreed, the rationale, the date, the reviewer
    and the committee that accepted it."""
    from trustboard.services.baf import record_review

    if (target_likelihood is None) != (target_consequence is None):
        raise OptionsError(
            "give both --target-likelihood and --target-consequence, or neither",
            code=ErrorCode.BAF_REVIEW,
        )
    target = (target_likelihood, target_consequence) if target_likelihood is not None else None
    risk = record_review(
        risk_id,
        likelihood=likelihood,
        consequence=consequence,
        rationale=rationale,
        review_date=_date(when),
        reviewer=reviewer,
        target=target,  # type: ignore[arg-type]
        committee=committee,
        database=database,
        actor=actor,
    )
    typer.echo(
        f"{risk.id}: current score {risk.current.score} ({risk.trend.label}), "
        f"target {risk.target.score}, reviewed {risk.last_reviewed}"
    )


def _print_flags(flags: tuple[EvidenceFlag, ...], register: BafRegister) -> None:
    if not flags:
        typer.echo(f"no findings: the evidence supports all {len(register.risks)} risks")
        return
    for flag in flags:
        label = "warning" if flag.severity.value == "warning" else "flag"
        _console.print(f"[{flag.code}] {label}: {flag.message}", markup=False)
    count = sum(1 for f in flags if f.severity.value == "flag")
    typer.echo(
        f"{count} flag(s) and {len(flags) - count} warning(s) across {len(register.risks)} risks"
    )


@baf_app.command("check")
def check(
    when: str | None = typer.Option(
        None, "--date", help="Review date the check is made at (default: today)."
    ),
    register_file: Path | None = typer.Option(
        None, "--register", help="Register file (default: the store's register)."
    ),
    summary: Path | None = typer.Option(
        None,
        "--summary",
        help=(
            "SPC summary table (CSV/Parquet/Excel: metric_id, variation_icon, assurance_icon, "
            "date, value[, statement]); default: the store's latest SPC run."
        ),
    ),
    org_unit: str | None = typer.Option(
        None, "--org-unit", help="Org unit whose SPC the BAF reads (e.g. TRUST)."
    ),
    database: str | None = typer.Option(None, "--database", help=_DATABASE_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print the findings as JSON."),
    fail_on_flags: bool = typer.Option(
        False, "--fail-on-flags", help="Exit with status 1 when any flag (not warning) is found."
    ),
) -> None:
    """Check each risk's score against what its key metrics, actions and assurances show."""
    from trustboard.services.baf import run_check

    register, flags = run_check(
        _date(when),
        register_path=register_file,
        summary_path=summary,
        database=database,
        org_unit=org_unit,
    )
    if as_json:
        typer.echo(json.dumps([f.model_dump(mode="json") for f in flags], indent=2))
    else:
        _print_flags(flags, register)
    if fail_on_flags and any(f.severity.value == "flag" for f in flags):
        raise typer.Exit(1)


@baf_app.command("render")
def render(
    output: Path = typer.Option(
        ..., "-o", "--output", help="HTML fragment to write (give it to `trustboard report --baf`)."
    ),
    when: str | None = typer.Option(None, "--date", help="Review date (default: today)."),
    register_file: Path | None = typer.Option(
        None, "--register", help="Register file (default: the store's register)."
    ),
    summary: Path | None = typer.Option(
        None, "--summary", help="SPC summary table (default: the store's latest SPC run)."
    ),
    org_unit: str | None = typer.Option(
        None, "--org-unit", help="Org unit whose SPC the BAF reads (e.g. TRUST)."
    ),
    public: bool = typer.Option(
        False, "--public", help="Only what the trust publishes (for the public Board)."
    ),
    as_image: bool = typer.Option(
        False, "--image", help="Embed the heat map as an image with alt text (for PDF)."
    ),
    style: bool = typer.Option(
        True, "--style/--no-style", help="Include the BAF stylesheet in the fragment."
    ),
    database: str | None = typer.Option(None, "--database", help=_DATABASE_HELP),
) -> None:
    """Write the BAF section of the board pack: heat map, risk table and a page per risk."""
    from trustboard.services.baf import build_section

    html, flags = build_section(
        _date(when),
        register_path=register_file,
        summary_path=summary,
        database=database,
        org_unit=org_unit,
        public=public,
        as_image=as_image,
        include_style=style,
    )
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(html, encoding="utf-8")
    typer.echo(f"wrote {output} ({len(flags)} finding(s))")


def register(app: typer.Typer) -> None:
    """Add ``trustboard baf`` to the command line."""
    app.add_typer(baf_app, name="baf")
