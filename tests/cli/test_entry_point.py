"""``main(argv)``, the entry point: what a user sees on the terminal and the exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest

from cliruns import run
from trustboard.errors import EXIT_CODES, StoreError, exit_code_for


def test_version_and_help_exit_zero() -> None:
    version = run(["--version"])
    assert (version.exit_code, version.stdout.startswith("trustboard ")) == (0, True)
    helped = run(["--help"])
    assert helped.exit_code == 0 and "spc" in helped.stdout


def test_a_usage_error_exits_two_with_the_usage_on_standard_error() -> None:
    result = run(["no-such-command"])
    assert result.exit_code == 2
    assert "No such command" in result.stderr and result.stdout == ""


def test_an_error_is_one_line_per_problem_with_its_code_and_exit_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TRUSTBOARD_DATABASE_URL", raising=False)
    result = run(["status"])
    assert isinstance(result.exception, StoreError)
    assert result.exit_code == exit_code_for(result.exception) != 0
    assert result.exit_code in set(EXIT_CODES.values())
    assert result.stderr.startswith("error [TB-STORE")
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_a_command_exit_code_reaches_the_shell(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `baf check --fail-on-flags` ends with typer.Exit(1); outside standalone mode Typer
    # returns that code instead of raising it, and main must still exit with it
    register = Path(__file__).parents[1] / "fixtures" / "baf" / "sample_register.yaml"
    summary = tmp_path / "summary.csv"
    summary.write_text(  # a key metric of BAF-03 showing special cause concern
        "metric_id,variation_icon,assurance_icon,date,value,statement\n"
        "RES06-LIST,concern_high,,2025-03-01,1240.0,7 months above the mean\n",
        encoding="utf-8",
    )
    args = ["baf", "check", "--date", "2025-03-31", "--register", str(register)]
    flagged = run([*args, "--summary", str(summary), "--fail-on-flags"])
    assert flagged.exit_code == 1, flagged.output
    assert run([*args, "--summary", str(summary)]).exit_code == 0
