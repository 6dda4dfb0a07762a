"""``trustboard template values`` through the real entry point: written, filled in, imported
with ``trustboard import values``; unfilled, refused; bad options refused with their exit code."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from cliruns import run
from pack.conftest import FORUMS, UNITS, catalogue
from trustboard.domain.period import month_end
from trustboard.errors import OptionsError, exit_code_for
from trustboard.store import Store

FEB = date(2025, 2, 1)


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A store with the board-pack tests' catalogue and one February figure per metric."""
    monkeypatch.delenv("TRUSTBOARD_DATABASE_URL", raising=False)
    monkeypatch.setenv("TRUSTBOARD_ACTOR", "cli-tester")
    url = f"sqlite:///{tmp_path / 't.db'}"
    store, _before, _after = Store.init(url, actor="test")
    store.upsert_catalogue(catalogue(), UNITS, FORUMS, effective=date(2020, 1, 1), source="t")
    store.write_values(
        pl.DataFrame(
            [
                {
                    "metric_id": m.id,
                    "period_start": FEB,
                    "period_end": month_end(FEB),
                    "org_unit": "RXX",
                    "numerator": 41.0 if m.numerator else None,
                    "denominator": 50.0 if m.numerator else None,
                    "value": 0.82 if m.numerator else 3.0,
                    "provisional": False,
                    "source_file": "feb.csv",
                    "source_hash": "x",
                }
                for m in catalogue()
            ]
        )
    )
    store.close()
    return url


def test_write_fill_and_import_a_wide_template(database: str, tmp_path: Path) -> None:
    out = tmp_path / "fpc.csv"
    base = ["--forum", "fpc", "--period", "2025-03", "-d", database]
    done = run(["template", "values", *base, "--layout", "wide", "-o", out])
    assert done.exit_code == 0, done.output
    # the FPC receives RES01 (numerator and denominator rows), WEL01, WEL03 and WEL04
    assert f"wrote {out}: 5 row(s) for fpc, Mar 2025 (wide layout)" in done.stdout
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "metric_id,metric_name,org_unit,measure,# Feb 2025 (last period),2025-03"
    assert lines[1].endswith(",RXX,numerator,41,")

    refused = run(["import", "values", out, "-d", database, "--today", "2025-04-30"])
    assert refused.exit_code != 0
    assert "TB-V-EMPTY" in refused.stderr and "no rows" in refused.stderr

    figures = ["45", "60", "0.05", "0.09", "0.04"]
    filled = [lines[0]] + [line + typed for line, typed in zip(lines[1:], figures, strict=True)]
    out.write_text("\r\n".join(filled) + "\r\n", encoding="utf-8")
    loaded = run(["import", "values", out, "-d", database, "--today", "2025-04-30"])
    assert loaded.exit_code == 0, loaded.output
    store = Store.open(database)
    try:
        march = store.values(start=date(2025, 3, 1), end=date(2025, 3, 1))
    finally:
        store.close()
    got = {r["metric_id"]: r["value"] for r in march.iter_rows(named=True)}
    assert got == {"RES01": pytest.approx(0.75), "WEL01": 0.05, "WEL03": 0.09, "WEL04": 0.04}


def test_an_excel_long_template_is_written(database: str, tmp_path: Path) -> None:
    out = tmp_path / "board.xlsx"
    base = ["template", "values", "--forum", "board", "--period", "2025-03"]
    done = run([*base, "--format", "xlsx", "-o", out, "-d", database])
    assert done.exit_code == 0, done.output
    assert out.read_bytes()[:2] == b"PK"  # a zip: the xlsx container
    assert "6 row(s) for board" in done.stdout


def test_bad_options_are_refused_and_nothing_is_written(database: str, tmp_path: Path) -> None:
    out = tmp_path / "t.csv"
    base = ["template", "values", "--forum", "board", "--period", "2025-03", "-d", database]
    tall = run([*base, "--layout", "tall", "-o", out])
    assert tall.exit_code == exit_code_for(OptionsError("x"))
    assert "--layout must be one of long, wide; got 'tall'" in tall.stderr
    bad = run([*base, "--format", "xlsx", "-o", out])
    assert bad.exit_code == exit_code_for(OptionsError("x"))
    assert "does not end in .xlsx" in bad.stderr
    month = run(
        [
            "template",
            "values",
            "--forum",
            "board",
            "--period",
            "Marchember",
            "-o",
            out,
            "-d",
            database,
        ]
    )
    assert month.exit_code != 0
    assert not out.exists()
