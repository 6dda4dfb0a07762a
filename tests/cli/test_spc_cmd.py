"""The `trustboard spc` command on the real A&E data set and on bad input."""

from __future__ import annotations

import shutil
from importlib.resources import files
from pathlib import Path

import polars as pl
import pytest

from trustboard.cli.app import main

AE = Path(str(files("trustboard.demo") / "data" / "ae_attendances_2016_2019.csv"))


@pytest.fixture()
def ae_small(tmp_path: Path) -> Path:
    """Three providers' type-1 departments from the real data set."""
    frame = pl.read_csv(AE, try_parse_dates=True).filter(
        pl.col("org_code").is_in(["RJZ", "RQM", "RRK"]) & (pl.col("type") == "1")
    )
    path = tmp_path / "ae.csv"
    frame.write_csv(path)
    return path


def test_spc_writes_points_summary_and_charts(ae_small: Path, tmp_path: Path) -> None:
    points = tmp_path / "points.parquet"
    summary = tmp_path / "summary.csv"
    charts = tmp_path / "charts"
    code = main(
        [
            "spc",
            str(ae_small),
            "-o",
            str(points),
            "--date",
            "period",
            "--value",
            "breaches",
            "--by",
            "org_code",
            "--improvement",
            "decrease",
            "--summary",
            str(summary),
            "--charts",
            str(charts),
            "--quiet",
        ]
    )
    assert code == 0
    source = pl.read_csv(ae_small)
    out = pl.read_parquet(points)
    assert out.height == source.height
    assert {"mean", "lpl", "upl", "point_type", "special_cause_flag"} <= set(out.columns)
    table = pl.read_csv(summary)
    assert sorted(table["org_code"].to_list()) == ["RJZ", "RQM", "RRK"]
    svgs = sorted(p.name for p in charts.iterdir())
    assert svgs == ["RJZ.svg", "RQM.svg", "RRK.svg"]
    assert (charts / "RJZ.svg").read_text().lstrip().startswith("<svg")


def test_spc_matches_the_engine_called_directly(ae_small: Path, tmp_path: Path) -> None:
    import trustboard.spc as spc

    summary = tmp_path / "summary.parquet"
    assert (
        main(
            [
                "spc",
                str(ae_small),
                "--date",
                "period",
                "--numerator",
                "breaches",
                "--denominator",
                "attendances",
                "--by",
                "org_code",
                "--improvement",
                "decrease",
                "--target",
                "0.05",
                "--summary",
                str(summary),
                "--quiet",
            ]
        )
        == 0
    )
    frame = pl.read_csv(ae_small, try_parse_dates=True)
    direct = spc.compute(
        frame,
        date="period",
        numerator="breaches",
        denominator="attendances",
        by="org_code",
        improvement="decrease",
        target=0.05,
    ).summary
    written = pl.read_parquet(summary)
    assert written["assurance_icon"].to_list() == direct["assurance_icon"].to_list()
    assert written["upl"].to_list() == pytest.approx(direct["upl"].to_list())


def test_spc_target_column_and_rebase_dates(ae_small: Path, tmp_path: Path) -> None:
    frame = pl.read_csv(ae_small, try_parse_dates=True).with_columns(
        goal=pl.when(pl.col("period") < pl.date(2018, 4, 1)).then(3000.0).otherwise(2500.0)
    )
    data = tmp_path / "with_goal.parquet"
    frame.write_parquet(data)
    out = tmp_path / "points.csv"
    assert (
        main(
            [
                "spc",
                str(data),
                "-o",
                str(out),
                "--date",
                "period",
                "--value",
                "breaches",
                "--by",
                "org_code",
                "--improvement",
                "decrease",
                "--target",
                "goal",
                "--rebase",
                "2018-04-01",
                "--quiet",
            ]
        )
        == 0
    )
    points = pl.read_csv(out, try_parse_dates=True)
    early = points.filter(pl.col("date") < pl.date(2018, 4, 1))
    late = points.filter(pl.col("date") >= pl.date(2018, 4, 1))
    assert set(early["target"].to_list()) == {3000.0}
    assert set(late["target"].to_list()) == {2500.0}
    assert set(late["rebase_group"].to_list()) == {1}


def test_spc_bad_column_is_one_clear_error(
    ae_small: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "spc",
            str(ae_small),
            "-o",
            str(tmp_path / "x.csv"),
            "--date",
            "period",
            "--value",
            "no_such_column",
            "--quiet",
        ]
    )
    assert code != 0
    err = capsys.readouterr().err
    assert "no_such_column" in err
    assert not (tmp_path / "x.csv").exists()


def test_spc_missing_file_and_bad_option(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["spc", str(tmp_path / "nope.csv"), "-o", str(tmp_path / "o.csv")]) != 0
    assert "nope.csv" in capsys.readouterr().err
    shutil.copy(AE, tmp_path / "ae.csv")
    code = main(
        [
            "spc",
            str(tmp_path / "ae.csv"),
            "-o",
            str(tmp_path / "o.csv"),
            "--date",
            "period",
            "--value",
            "breaches",
            "--by",
            "org_code,type",
            "--improvement",
            "upwards",
        ]
    )
    assert code == 2
    assert "upwards" in capsys.readouterr().err


def test_spc_needs_something_to_write(ae_small: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["spc", str(ae_small), "--date", "period", "--value", "breaches"]) == 2
    assert "nothing to write" in capsys.readouterr().err


def test_spc_terminal_summary_shows_figures_in_the_unit(
    ae_small: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "spc",
            str(ae_small),
            "-o",
            str(tmp_path / "points.csv"),
            "--date",
            "period",
            "--numerator",
            "breaches",
            "--denominator",
            "attendances",
            "--by",
            "org_code",
            "--improvement",
            "decrease",
            "--unit",
            "percent",
        ]
    )
    assert code == 0
    out = capsys.readouterr().out
    source = pl.read_csv(ae_small, try_parse_dates=True).filter(pl.col("org_code") == "RJZ")
    latest = source.sort("period").row(-1, named=True)
    # the latest RJZ figure, worked out here, as a board paper shows a percentage
    shown = f"{latest['breaches'] / latest['attendances'] * 100:.1f}%"
    rjz = next(line for line in out.splitlines() if "RJZ" in line)
    assert shown in rjz
    assert latest["period"].strftime("%Y-%m") in rjz
    assert "process limits" in out and "Variation icons:" in out
