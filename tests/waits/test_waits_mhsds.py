"""The MHSDS measure set in the published layout, reconciliation with the national file, and
their commands (through the real entry point)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest
from waits_helpers import contacts_frame, referrals_frame

from trustboard import waits
from trustboard.cli.app import main
from trustboard.errors import DataValidationError
from trustboard.waits.reconcile import TRIMMED_COLUMNS
from trustboard.waits.synth import generate, write

D = date
FIXTURES = Path(__file__).parent.parent / "fixtures" / "waits"
RT5 = FIXTURES / "mhsds_4ww_rt5.csv"


def _small() -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    # Adults (person 1): referral 1 received 1 Jul 2024, contact 3 Jul, baseline 4 Jul,
    # assessment 10 Jul, care plan 20 Jul: full clock stop 20 Jul, 19 days (< 4 weeks).
    # Referral 2 (person 2) received 1 Aug, no contact: open at 30 Sep, 60 days, waiting
    # for a second contact too.  CYP (person 3): referral 3 received 2 Sep, indirect activity
    # 5 Sep, no baseline: no full clock stop; first contact 5 Sep (off the 1st-contact list).
    refs = referrals_frame(
        [
            {"referral_id": 1, "person_id": 1, "received_date": D(2024, 7, 1)},
            {"referral_id": 2, "person_id": 2, "received_date": D(2024, 8, 1)},
            {"referral_id": 3, "person_id": 3, "service": "cyp_mh", "received_date": D(2024, 9, 2)},
        ]
    )
    cons = contacts_frame(
        [(1, D(2024, 7, 3), "5", "01", "assessment"), (3, D(2024, 9, 5), None, None, "indirect")]
    )
    events = pl.DataFrame(
        {
            "referral_id": [1, 1, 1],
            "event_type": [
                "baseline_outcome",
                "meaningful_assessment",
                "care_plan_or_intervention",
            ],
            "event_date": [D(2024, 7, 4), D(2024, 7, 10), D(2024, 7, 20)],
        }
    )
    return refs, cons, events


def test_measures_in_the_published_layout() -> None:
    refs, cons, events = _small()
    frame = waits.mhsds_measures(
        refs, cons, events, start="2024-09", end="2024-09", provider="RXX", provider_name="Trust"
    )
    assert tuple(frame.columns) == waits.PUBLISHED_COLUMNS
    assert frame.height == 44 and set(frame["MEASURE_ID"]) == set(waits.MHSDS_MEASURES)
    got = dict(zip(frame["MEASURE_ID"], frame["MEASURE_VALUE"], strict=True))
    starts = dict(zip(frame["MEASURE_ID"], frame["REPORTING_PERIOD_START"], strict=True))
    # rolling three months Jul-Sep: one full clock stop (19 days, within 4 weeks): 100%
    assert (got["MRS01"], got["MRS01a"], float(got["MRS01b"])) == ("1", "1", 100.0)
    assert starts["MRS01"] == "2024-07-01" and starts["MRS02"] == "2024-09-01"
    # 30 Sep: referral 2 open (60 days) for the full clock stop and for the second contact;
    # referral 1 has one contact only, so it is still waiting for a second contact
    # (30 Sep - 1 Jul = 91 days): median of (60, 91) interpolated = 75.5, 90th = 87.9
    assert (got["MRS02"], got["MRS03"]) == ("1", "2")
    assert float(got["MRS03a"]) == pytest.approx(75.5)
    assert float(got["MRS03b"]) == pytest.approx(87.9)
    # spells started Jul-Sep: 2 adult, 1 CYP; still open: 2 adult (no closure), 1 CYP
    assert (got["MRS04"], got["MRS06"], got["MRS11"], got["MRS13"]) == ("2", "2", "1", "1")
    # CYP: indirect activity is a first contact (MRS10 empty) but no baseline: MRS09 = 1
    assert (got["MRS08"], got["MRS09"], got["MRS10"]) == ("0", "1", "0")
    assert set(frame["BREAKDOWN"]) == {"Provider"} and set(frame["PRIMARY_LEVEL"]) == {"RXX"}
    national = waits.mhsds_measures(
        refs, cons, events, start="2024-09", end="2024-09", provider="RXX", suppress="national"
    )
    shown = dict(zip(national["MEASURE_ID"], national["MEASURE_VALUE"], strict=True))
    # counts under 5 are '*', and so are proportions and waits resting on them
    assert (shown["MRS01"], shown["MRS01b"], shown["MRS03a"]) == ("*", "*", "*")


def _synthetic(tmp_path: Path) -> tuple[pl.DataFrame, dict[str, Path]]:
    data = generate(6000, months=30, seed=5)
    paths = write(tmp_path / "trust", data)
    frame = waits.mhsds_measures(
        paths["referrals"],
        paths["contacts"],
        paths["events"],
        start="2024-07",
        end="2024-09",
        provider="RT5",
    )
    return frame, paths


def _plant(frame: pl.DataFrame) -> tuple[pl.DataFrame, dict[str, str]]:
    """A 'published' file from the computed one with planted differences."""
    sep = frame.filter(pl.col("REPORTING_PERIOD_END") == "2024-09-30")
    values = dict(zip(sep["MEASURE_ID"], sep["MEASURE_VALUE"], strict=True))
    big = next(m for m in ("MRS04", "MRS06", "MRS13") if int(values[m]) % 5 not in (0,))
    small = next(
        (m for m in waits.MHSDS_MEASURES if values[m].isdigit() and 0 < int(values[m]) < 5), None
    )
    planted = {"MRS03": str(int(values["MRS03"]) + 7), big: str((int(values[big]) + 2) // 5 * 5)}
    if small:
        planted[small] = "*"
    planted["MRS03a"] = str(round(float(values["MRS03a"])))
    in_sep = pl.col("REPORTING_PERIOD_END") == "2024-09-30"
    published = frame.with_columns(
        pl.when(in_sep & pl.col("MEASURE_ID").is_in(list(planted)))
        .then(pl.col("MEASURE_ID").replace_strict(planted, default=None))
        .otherwise(pl.col("MEASURE_VALUE"))
        .alias("MEASURE_VALUE")
    )
    return published, planted


def test_reconcile_reports_agreement_rounding_suppression_and_differences(
    tmp_path: Path,
) -> None:
    computed, _ = _synthetic(tmp_path)
    published, planted = _plant(computed)
    for layout in ("full", "trimmed"):
        file = tmp_path / f"published_{layout}.csv"
        shown = published if layout == "full" else published.select(*TRIMMED_COLUMNS)
        shown.write_csv(file)
        report = waits.reconcile(computed, file, provider="RT5")
        sep = report.filter(pl.col("REPORTING_PERIOD_END") == "2024-09-30")
        status = dict(zip(sep["MEASURE_ID"], sep["status"], strict=True))
        difference = dict(zip(sep["MEASURE_ID"], sep["difference"], strict=True))
        assert status["MRS03"] == "differs" and difference["MRS03"] == -7.0
        rounded = [m for m in planted if m not in ("MRS03", "MRS03a") and planted[m] != "*"]
        assert all(status[m] == "within rounding" for m in rounded)
        assert status["MRS03a"] in ("agrees", "within rounding")
        for m, v in planted.items():
            if v == "*":
                assert status[m] == "suppressed"
        others = set(status) - set(planted)
        assert {status[m] for m in others} == {"agrees"}
        # the other months agree throughout
        assert set(report.filter(pl.col("REPORTING_PERIOD_END") != "2024-09-30")["status"]) == {
            "agrees"
        }


def test_reconcile_reads_the_real_published_file() -> None:
    # RT5's published Sep 2024 figures beside a computed frame that copies three of them,
    # changes one count by rounding, leaves MRS01a as suppressed ('*' published, 3 computed)
    published = waits.read_published(RT5)
    sep = published.filter(
        (pl.col("PRIMARY_LEVEL") == "RT5") & (pl.col("REPORTING_PERIOD_END") == "2024-09-30")
    )
    assert dict(zip(sep["MEASURE_ID"], sep["MEASURE_VALUE"], strict=True))["MRS03b"] == "977"
    computed = pl.DataFrame(
        {
            "REPORTING_PERIOD_START": ["2024-09-01", "2024-09-01", "2024-07-01", "2024-07-01"],
            "REPORTING_PERIOD_END": ["2024-09-30"] * 4,
            "MEASURE_ID": ["MRS03", "MRS03b", "MRS04", "MRS01a"],
            "MEASURE_VALUE": ["8517", "977.4", "3500", "3"],
        }
    )
    report = waits.reconcile(computed, RT5, provider="RT5")
    status = dict(zip(report["MEASURE_ID"], report["status"], strict=True))
    assert {k: status[k] for k in ("MRS03", "MRS03b", "MRS04", "MRS01a")} == {
        "MRS03": "within rounding",  # 8517 rounds to the published 8515
        "MRS03b": "within rounding",  # 977.4 days against 977
        "MRS04": "agrees",
        "MRS01a": "suppressed",
    }
    # the published measures of these periods that were not computed are listed as such
    assert "not computed" in set(report["status"])
    # England's MRS03b of 712.5 days is an interpolated value (nearest rank gives whole days)
    england = published.filter(pl.col("BREAKDOWN") == "England")
    assert "712.5" in set(england["MEASURE_VALUE"])
    with pytest.raises(DataValidationError):
        waits.reconcile(computed, RT5, provider="NOPE")


def test_commands_mhsds_and_reconcile(tmp_path: Path) -> None:
    computed, paths = _synthetic(tmp_path)
    out = tmp_path / "rt5_measures.csv"
    code = main(
        [
            "waits",
            "mhsds",
            "--referrals",
            str(paths["referrals"]),
            "--contacts",
            str(paths["contacts"]),
            "--events",
            str(paths["events"]),
            "--start",
            "2024-07",
            "--end",
            "2024-09",
            "--provider",
            "RT5",
            "--output",
            str(out),
        ]
    )
    assert code == 0
    written = pl.read_csv(out, infer_schema=False)
    assert written.equals(computed)
    published, _ = _plant(computed)
    published.write_csv(tmp_path / "published.csv")
    report = tmp_path / "report.csv"
    args = ["waits", "reconcile", "--published", str(tmp_path / "published.csv")]
    args += ["--provider", "RT5", "--computed", str(out), "--output", str(report)]
    assert main(args) != 0  # MRS03 differs
    assert "differs" in set(pl.read_csv(report)["status"])
    computed.write_csv(tmp_path / "same.csv")
    args[3] = str(tmp_path / "same.csv")
    assert main(args) == 0


def test_compute_command_with_unknown_services_exits_non_zero(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # the trust's own service names: this used to print "0 rows over 0 month ends", exit 0
    refs = referrals_frame(
        [{"referral_id": 1, "service": "Adult CMHT", "received_date": D(2024, 1, 2)}]
    )
    refs.write_csv(tmp_path / "r.csv")
    contacts_frame([]).write_csv(tmp_path / "c.csv")
    code = main(
        [
            "waits",
            "compute",
            "--referrals",
            str(tmp_path / "r.csv"),
            "--contacts",
            str(tmp_path / "c.csv"),
            "--start",
            "2024-01",
            "--end",
            "2024-01",
            "--standard",
            "cmh_adult_2nd_contact",
            "--output",
            str(tmp_path / "out"),
        ]
    )
    assert code != 0
    err = capsys.readouterr().err
    assert "TB-WAITS-EMPTY" in err and "Adult CMHT" in err


@pytest.mark.spark
def test_spark_gives_the_same_measure_set(spark_session: object) -> None:
    # the hand-worked case above on Spark: every measure value identical to DuckDB's
    refs, cons, events = _small()
    kwargs = {"start": "2024-08", "end": "2024-09", "provider": "RXX"}
    duck = waits.mhsds_measures(refs, cons, events, **kwargs)
    from trustboard.waits.engines.spark_engine import SparkEngine

    spark = waits.mhsds_measures(
        refs,
        cons,
        events,
        **kwargs,
        engine=SparkEngine(spark=spark_session),
    )
    assert spark.equals(duck)
