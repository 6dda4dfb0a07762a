"""The data commands, through the real entry point ``main(argv)``."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
import typer

from cliruns import Trustboard
from trustboard.cli.data_cmd import register
from trustboard.errors import DataValidationError, StoreError, exit_code_for
from trustboard.store import Store

FIXTURES = Path(__file__).parents[1] / "fixtures" / "store"


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Trustboard:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TRUSTBOARD_DATABASE_URL", raising=False)
    monkeypatch.setenv("TRUSTBOARD_ACTOR", "cli-tester")
    return Trustboard()


def _ok(cli: Trustboard, *args: str) -> str:
    result = cli.invoke(list(args))
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output


def test_the_whole_flow_on_the_default_sqlite_file(cli: Trustboard, tmp_path: Path) -> None:
    assert "created the store" in _ok(cli, "init")
    assert (tmp_path / "trustboard.db").exists()
    assert "up to date" in _ok(cli, "init")
    loaded = _ok(cli, "catalogue", "load", str(FIXTURES / "catalogue"), "--effective", "2022-04-01")
    assert "catalogue version 1 (new version" in loaded and "8 added" in loaded
    assert "unchanged" in _ok(cli, "catalogue", "load", str(FIXTURES / "catalogue"))
    shown = _ok(cli, "catalogue", "show")
    assert "EFF01" in shown and "catalogue version 1" in shown
    assert "versions of SAF04" in _ok(cli, "catalogue", "show", "--metric", "SAF04")
    assert "no differences" in _ok(cli, "catalogue", "diff", str(FIXTURES / "catalogue"))
    imported = _ok(
        cli, "import", "values", str(FIXTURES / "values_good.csv"), "--today", "2025-06-30"
    )
    assert "192 new, 0 revised, 0 unchanged" in imported
    again = _ok(cli, "import", "values", str(FIXTURES / "values_good.csv"), "--today", "2025-06-30")
    assert "0 new, 0 revised, 192 unchanged" in again
    status = _ok(cli, "status", "--today", "2024-04-10")
    assert "192 values" in status and "2024-03" in status and "missing" in status
    refreshed = _ok(cli, "spc", "refresh")
    assert "SPC run 1" in refreshed and "RES20" in refreshed
    for suffix in (".csv", ".parquet", ".xlsx"):
        target = tmp_path / f"march{suffix}"
        assert "SPC run 1" in _ok(cli, "export", "--period", "2024-03", "--output", str(target))
        assert target.stat().st_size > 0
    frame = pl.read_parquet(tmp_path / "march.parquet")
    trust = frame.filter((pl.col("metric_id") == "SAF04") & (pl.col("org_unit") == "TRUST"))
    assert trust.height == 1 and trust.get_column("derived")[0]
    assert "mean" in frame.columns and "variation_icon" in frame.columns
    with Store.open(tmp_path / "trustboard.db") as store:
        assert {a.actor for a in store.audit()} == {"cli-tester"}


def test_bad_values_show_a_table_write_a_report_and_load_nothing(
    cli: Trustboard, tmp_path: Path
) -> None:
    _ok(cli, "init")
    _ok(cli, "catalogue", "load", str(FIXTURES / "catalogue"))
    with Store.open(tmp_path / "trustboard.db") as store:
        before = store.fingerprint()
    report = tmp_path / "problems.csv"
    result = cli.invoke(
        [
            "import",
            "values",
            str(FIXTURES / "values_good.csv"),
            str(FIXTURES / "values_bad" / "all_problems.csv"),
            "--report",
            str(report),
            "--today",
            "2025-06-30",
        ],
    )
    assert isinstance(result.exception, DataValidationError)
    assert result.exit_code == exit_code_for(result.exception) == 3
    assert "TB-V-UNKNOWN-METRIC" in result.stderr  # printed as an error, not as output
    assert "TB-V-UNKNOWN-METRIC" in result.output and "problem(s) found" in result.output
    assert report.exists() and "TB-V-UNKNOWN-ORG" in report.read_text(encoding="utf-8-sig")
    with Store.open(tmp_path / "trustboard.db") as store:
        assert store.fingerprint() == before


def test_commands_need_an_initialised_store(cli: Trustboard) -> None:
    result = cli.invoke(["status"])
    assert isinstance(result.exception, StoreError)
    assert "trustboard init" in (result.exception.hint or "")
    assert result.exit_code == exit_code_for(result.exception) != 0
    assert "trustboard init" in result.stderr and result.stdout == ""


def test_database_option_and_environment(
    cli: Trustboard, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "other" / "store.db"
    elsewhere.parent.mkdir()
    _ok(cli, "init", "--database", f"sqlite:///{elsewhere}")
    assert elsewhere.exists() and not (tmp_path / "trustboard.db").exists()
    monkeypatch.setenv("TRUSTBOARD_DATABASE_URL", str(elsewhere))
    assert "up to date" in _ok(cli, "init")


def test_through_the_trustboard_entry_point(cli: Trustboard, tmp_path: Path) -> None:
    from trustboard.cli import app as app_module

    assert "trustboard.cli.data_cmd" in app_module.COMMAND_MODULES
    assert app_module.main(["init"]) == 0
    assert app_module.main(["status"]) == 0
    assert app_module.main(["import", "values", str(FIXTURES / "values_good.csv")]) == 4


def test_every_data_command_is_documented() -> None:
    docs = (Path(__file__).parents[2] / "docs" / "cli.md").read_text()
    app = typer.Typer()  # the data commands alone
    register(app)
    names = [c.name for c in app.registered_commands]
    for group in app.registered_groups:
        names += [f"{group.name} {c.name}" for c in group.typer_instance.registered_commands]
    assert len(names) == 10
    for name in names:
        assert f"### `trustboard {name}" in docs, name
