"""``trustboard baf``: show, import, export, review, check and render, end to end on SQLite."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from cliruns import run
from trustboard.errors import TrustboardError, exit_code_for
from trustboard.ingest.baf_register import read_register
from trustboard.services._store import init_store


def _run(*args: str) -> tuple[int, str, BaseException | None]:
    result = run(args)  # through the real entry point, main(argv)
    return result.exit_code, result.output, result.exception


@pytest.fixture
def database(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'trustboard.db'}"
    init_store(url)
    return url


def test_import_show_review_export(
    database: str, sample_register_path: Path, tmp_path: Path
) -> None:
    code, out, error = _run("baf", "import", str(sample_register_path), "--database", database)
    assert code == 0, error
    assert "imported 8 risks" in out and "8 added" in out
    code, out, _ = _run("baf", "show", "--database", database)
    assert code == 0 and "BAF-03" in out and "BAF-08" in out
    code, out, _ = _run("baf", "show", "BAF-03", "--database", database)
    assert code == 0 and "If demand for community mental health" in out and "BAF03-A1" in out
    code, out, error = _run(
        "baf",
        "review",
        "BAF-03",
        "-l",
        "3",
        "-c",
        "4",
        "--rationale",
        "Access hub open",
        "--date",
        "2025-12-31",
        "--reviewer",
        "FPC",
        "--committee",
        "fpc",
        "--database",
        database,
    )
    assert code == 0, error
    assert "current score 12 (score fell)" in out
    target = tmp_path / "out.yaml"
    code, _, _ = _run("baf", "export", str(target), "--database", database)
    assert code == 0
    risk = read_register(target).risk("BAF-03")
    assert risk is not None and risk.current.score == 12
    assert risk.history[-1].rationale == "Access hub open" and risk.history[-1].reviewer == "FPC"
    # the store holds no catalogue here, so any forum id is taken as the committee
    assert risk.history[-1].committee == "fpc"


def test_import_of_an_invalid_file_writes_nothing(database: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("risks:\n  - id: BAF-01\n    title: Only a title\n", encoding="utf-8")
    code, _, error = _run("baf", "import", str(bad), "--database", database)
    assert isinstance(error, TrustboardError) and exit_code_for(error) == 3
    assert code != 0
    assert {p.code for p in error.problems} == {"TB-BAF-MISSING"}
    code, out, _ = _run("baf", "show", "--database", database)
    assert code == 0 and "BAF-01" not in out


def test_review_of_an_unknown_risk_or_bad_score(database: str, sample_register_path: Path) -> None:
    _run("baf", "import", str(sample_register_path), "--database", database)
    _, _, error = _run(
        "baf", "review", "BAF-99", "-l", "3", "-c", "3", "--rationale", "x", "--database", database
    )
    assert isinstance(error, TrustboardError) and exit_code_for(error) == 4
    _, _, error = _run(
        "baf", "review", "BAF-01", "-l", "6", "-c", "3", "--rationale", "x", "--database", database
    )
    assert isinstance(error, TrustboardError) and exit_code_for(error) == 2


def test_check_and_render_from_files(sample_register_path: Path, tmp_path: Path) -> None:
    summary = tmp_path / "summary.csv"
    pl.DataFrame(
        {
            "metric_id": ["RES06-LIST"],
            "variation_icon": ["concern_high"],
            "assurance_icon": [None],
            "date": [date(2025, 3, 1)],
            "value": [1240.0],
            "statement": ["7 months above the mean since March 2025"],
        }
    ).write_csv(summary)
    code, out, error = _run(
        "baf",
        "check",
        "--date",
        "2025-03-31",
        "--register",
        str(sample_register_path),
        "--summary",
        str(summary),
        "--json",
    )
    assert code == 0, error
    found = json.loads(out)
    assert {f["code"] for f in found if f["risk_id"] == "BAF-03"} >= {
        "TB-BAF-EVIDENCE",
        "TB-BAF-OVERDUE",
    }
    code, _, _ = _run(
        "baf",
        "check",
        "--date",
        "2025-03-31",
        "--register",
        str(sample_register_path),
        "--summary",
        str(summary),
        "--fail-on-flags",
    )
    assert code == 1
    fragment = tmp_path / "baf.html"
    code, out, error = _run(
        "baf",
        "render",
        "-o",
        str(fragment),
        "--date",
        "2025-03-31",
        "--public",
        "--register",
        str(sample_register_path),
        "--summary",
        str(summary),
    )
    assert code == 0, error
    html = fragment.read_text(encoding="utf-8")
    assert 'class="baf-section"' in html and "held at 16 at the 31 Mar 2025 review" in html
