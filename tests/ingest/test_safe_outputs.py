"""Outputs that cannot harm whoever opens them, and outputs written whole or not at all.

CSV cells starting ``=``, ``+``, ``-``, ``@``, a tab or a carriage return are prefixed with
``'`` as OWASP ("CSV Injection") advises, while numbers, negative ones included, stay
numbers.  A BAF fragment is cleaned, and the PDF renderer fetches nothing outside the pack.
"""

from __future__ import annotations

import csv
import errno
import io
import os
from pathlib import Path

import polars as pl
import pytest

from trustboard.errors import ErrorCode, OptionsError, Problem, TrustboardError
from trustboard.ingest.files import neutralise_cell, refuse_input_as_output, write_atomic
from trustboard.ingest.fragment import sanitise_fragment
from trustboard.ingest.generic_table import write_table
from trustboard.ingest.report import write_problem_report
from trustboard.services import export as export_module
from trustboard.services.spc_files import run_spc_file

HOSTILE = ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tx", "\rx", '=HYPERLINK("http://x","y")']
SAFE = ["'=1+1", "'+SUM(A1)", "'-2+3", "'@cmd", "'\tx", "'\rx", '\'=HYPERLINK("http://x","y")']


def _csv_rows(path: Path, encoding: str = "utf-8") -> list[list[str]]:
    with path.open(newline="", encoding=encoding) as handle:
        return list(csv.reader(handle))


def test_each_formula_start_is_neutralised_and_numbers_are_not() -> None:
    assert [neutralise_cell(t) for t in HOSTILE] == SAFE
    for number in ("-5", "-2.5", "+3", "-1e3", "12", "-.5"):
        assert neutralise_cell(number) == number
    assert neutralise_cell("a=b") == "a=b" and neutralise_cell("") == ""


def test_problem_report_csv_neutralises_echoed_cells(tmp_path: Path) -> None:
    problems = [
        Problem(ErrorCode.V_NOT_NUMBER, "bad", file="v.csv", row=2, column="value", value=t)
        for t in [*HOSTILE, "-5"]
    ]
    path = write_problem_report(problems, tmp_path / "report.csv")
    rows = _csv_rows(path, "utf-8-sig")
    values = [r[rows[0].index("value")] for r in rows[1:]]
    assert values == [*SAFE, "-5"]


def test_export_csv_neutralises_text_and_keeps_negative_numbers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hostile = pl.DataFrame(
        {
            "metric_id": ["M1", "M2"],
            "name": ["=cmd|' /C calc'!A0", "Plain"],
            "value": [-1250.0, 3.5],
        }
    )
    monkeypatch.setattr(export_module, "period_frame", lambda period, database=None: (hostile, 1))
    target = tmp_path / "export.csv"
    export_module.export_period("2025-03", target)
    rows = _csv_rows(target)
    assert rows[1] == ["M1", "'=cmd|' /C calc'!A0", "-1250.0"]
    assert rows[2] == ["M2", "Plain", "3.5"]
    # read back as numbers, the negative figure is still a number
    assert pl.read_csv(target)["value"].to_list() == [-1250.0, 3.5]


def test_spc_csv_neutralises_series_names(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    days = [f"2024-{m:02d}-01" for m in range(1, 13)] + [f"2025-{m:02d}-01" for m in range(1, 9)]
    lines = ["date,ward,value"] + [f"{d},=1+1,{-10 + i % 5}" for i, d in enumerate(days)]
    source.write_text("\n".join(lines) + "\n", "utf-8")
    out = tmp_path / "points.csv"
    run_spc_file(source, date_column="date", value="value", by=["ward"], output=out)
    rows = _csv_rows(out)
    ward = rows[0].index("ward")
    assert {r[ward] for r in rows[1:]} == {"'=1+1"}
    assert pl.read_csv(out)["value"].min() == -10


def test_spc_refuses_to_write_over_its_input(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text("date,value\n2024-01-01,1\n", "utf-8")
    before = source.read_bytes()
    with pytest.raises(OptionsError) as caught:
        run_spc_file(source, date_column="date", value="value", output=tmp_path / "." / "in.csv")
    assert caught.value.code == ErrorCode.OUTPUT_IS_INPUT
    assert source.read_bytes() == before


def test_write_atomic_leaves_the_old_file_whole_when_the_disk_is_full(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "out.csv"
    target.write_text("old\n", "utf-8")

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(TrustboardError) as caught:
        write_atomic(target, "new\n" * 1000)
    assert caught.value.code == ErrorCode.FILE_WRITE and "the disk is full" in caught.value.message
    assert target.read_text("utf-8") == "old\n"
    assert os.listdir(tmp_path) == ["out.csv"]  # no temporary file left behind


def test_a_whole_file_write_keeps_the_usual_file_mode(tmp_path: Path) -> None:
    fresh = write_atomic(tmp_path / "new.csv", "a\n")
    assert fresh.stat().st_mode & 0o777 == 0o644
    kept = tmp_path / "kept.csv"
    kept.write_text("old", "utf-8")
    kept.chmod(0o640)
    write_atomic(kept, "new")
    assert kept.stat().st_mode & 0o777 == 0o640 and kept.read_text("utf-8") == "new"


def test_write_table_and_report_use_whole_file_writes(tmp_path: Path) -> None:
    frame = pl.DataFrame({"a": [1, 2]})
    for suffix in (".csv", ".parquet", ".xlsx", ".json"):
        path = write_table(frame, tmp_path / f"t{suffix}")
        assert path.stat().st_size > 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.csv", "t.json", "t.parquet", "t.xlsx"]


def test_an_output_named_as_an_input_is_refused(tmp_path: Path) -> None:
    a = tmp_path / "a.csv"
    a.write_text("x", "utf-8")
    with pytest.raises(OptionsError) as caught:
        refuse_input_as_output(tmp_path / "sub" / ".." / "a.csv", [tmp_path / "b.csv", a])
    assert caught.value.code == ErrorCode.OUTPUT_IS_INPUT
    refuse_input_as_output(tmp_path / "c.csv", [a])  # another file is fine


# --- HTML fragments and the PDF renderer ----------------------------------------------------

FRAGMENT = """<style>.baf-table { border: 1px solid #000 }</style>
<style>.x { background: url(http://127.0.0.1:9/ping) }</style>
<div class="baf-section" onclick="steal()"><h3 class="baf-heading">Heat map</h3>
<script>alert(1)</script>
<link rel="attachment" href="file:///etc/passwd">
<img src="file:///etc/hostname" alt="local file"><img src="https://example.org/p.png" alt="web">
<img src="data:image/png;base64,iVBORw0KGgo=" alt="inline">
<a href="javascript:alert(1)">bad</a><a href="#baf-risk-SR1">SR1</a>
<iframe src="https://example.org"></iframe><object data="x.pdf"></object>
<table class="baf-table"><tr><th scope="col" style="color:red">Risk</th></tr></table>
<svg viewBox="0 0 10 10" class="baf-heat-map">
<rect x="1" y="1" width="2" height="2" fill="#c00"/></svg>
</div>"""


def test_a_baf_fragment_keeps_its_structure_and_loses_everything_that_acts_or_fetches() -> None:
    clean = sanitise_fragment(FRAGMENT)
    for gone in (
        "onclick",
        "<script",
        "alert(1)</script>",
        "<link",
        "file:",
        "https://example.org",
        "javascript:",
        "<iframe",
        "<object",
        "style=",
        "url(",
    ):
        assert gone not in clean, gone
    for kept in (
        '<div class="baf-section">',
        '<h3 class="baf-heading">Heat map</h3>',
        'src="data:image/png;base64,iVBORw0KGgo="',
        '<a href="#baf-risk-SR1">SR1</a>',
        '<th scope="col">Risk</th>',
        '<rect x="1" y="1" width="2" height="2" fill="#c00"></rect>',
        ".baf-table { border: 1px solid #000 }",
    ):
        assert kept in clean, kept
    assert sanitise_fragment(clean) == clean


def test_the_pdf_renderer_fetches_nothing_outside_the_pack(tmp_path: Path) -> None:
    from trustboard.render.pack.pdf import _pack_only_fetcher, render_pdf

    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT-4711", "utf-8")
    html = (
        "<html><body><p>pack</p>"
        f'<link rel="attachment" href="file://{secret}">'
        f'<img src="file://{secret}"><img src="http://127.0.0.1:9/x.png">'
        '<img src="data:image/svg+xml;utf8,<svg xmlns=%22http://www.w3.org/2000/svg%22/>">'
        "</body></html>"
    )
    pdf = render_pdf(html)
    assert pdf.startswith(b"%PDF")
    assert b"TOP-SECRET-CONTENT-4711" not in pdf and b"secret.txt" not in pdf
    fetch = _pack_only_fetcher()
    for url in (f"file://{secret}", "http://127.0.0.1:9/x", "https://example.org/"):
        with pytest.raises(ValueError):
            fetch(url)
    assert fetch("data:text/plain,hello") is not None
    assert not io.BytesIO(pdf).read().count(b"/EmbeddedFile")


# --- a shell pattern after --report must not destroy an input --------------------------------

STORE_FIXTURES = Path(__file__).parents[1] / "fixtures" / "store"


def test_a_report_path_that_is_an_input_file_is_refused_and_nothing_is_imported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from trustboard.cli.app import main
    from trustboard.store import Store

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TRUSTBOARD_DATABASE_URL", raising=False)
    db = str(tmp_path / "t.db")
    assert main(["init", "--database", db]) == 0
    catalogue = str(STORE_FIXTURES / "catalogue")
    assert main(["catalogue", "load", catalogue, "--database", db]) == 0
    lines = (STORE_FIXTURES / "values_good.csv").read_text("utf-8").splitlines()
    folder = tmp_path / "d"
    folder.mkdir()
    half = len(lines) // 2
    (folder / "a.csv").write_text("\n".join(lines[:half]) + "\n", "utf-8")
    (folder / "b.csv").write_text("\n".join([lines[0], *lines[half:]]) + "\n", "utf-8")
    before = (folder / "a.csv").read_bytes()
    capsys.readouterr()
    # what the shell hands over for: import values --report d/*.csv
    argv = ["import", "values", "--report", str(folder / "a.csv"), str(folder / "b.csv")]
    code = main([*argv, "--today", "2025-06-30", "--database", db])
    err = capsys.readouterr().err
    assert code == 2 and "TB-OUTPUT-IS-INPUT" in err and "Traceback" not in err
    assert (folder / "a.csv").read_bytes() == before
    with Store.open(db) as store:
        assert store.values_count() == 0 and store.imports() == []
    # an earlier problem report may be replaced
    report = tmp_path / "problems.csv"
    write_problem_report([], report)
    write_problem_report([Problem(ErrorCode.V_EMPTY, "x")], report)
    assert len(_csv_rows(report, "utf-8-sig")) == 2
    empty = tmp_path / "empty.json"
    empty.write_text("", "utf-8")  # an empty file holds nothing to lose
    write_problem_report([], empty)
    assert '"problems": []' in empty.read_text("utf-8")
