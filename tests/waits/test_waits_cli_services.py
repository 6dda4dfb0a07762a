"""The command line (through the real entry point, ``main(argv)``) and the services glue."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest
from waits_helpers import contacts_frame, referrals_frame

from cliruns import Trustboard
from trustboard.errors import ConfigError
from trustboard.services.waits import (
    METRIC_VALUE_COLUMNS,
    compute_waits,
    metric_map_from_dict,
    to_metric_values,
)


def test_synth_then_compute(tmp_path: Path) -> None:
    runner = Trustboard()
    data = tmp_path / "data"
    result = runner.invoke(
        [
            "synth",
            "waits",
            "--referrals",
            "2000",
            "--months",
            "12",
            "--seed",
            "5",
            "-o",
            str(data),
            "--start",
            "2023-04",
        ],
    )
    assert result.exit_code == 0, result.output
    assert (data / "referrals.parquet").exists() and (data / "contacts.parquet").exists()
    metric_map = tmp_path / "map.yaml"
    metric_map.write_text(
        "metrics:\n"
        "  - {standard: cmh_adult_4w, output: open_count, metric: RES06-LIST,"
        " by: {service: {cmh_adult: MH-CMH}}}\n"
        "  - {standard: cmh_adult_4w, output: completed_within_threshold_pct, metric: RES05,"
        " by: {service: {cmh_adult: MH-CMH}}}\n"
    )
    out = tmp_path / "out"
    result = runner.invoke(
        [
            "waits",
            "compute",
            "--referrals",
            str(data / "referrals.parquet"),
            "--contacts",
            str(data / "contacts.parquet"),
            "--events",
            str(data / "events.parquet"),
            "--start",
            "2023-10",
            "--end",
            "2024-03",
            "-o",
            str(out),
            "--standard",
            "cmh_adult_4w,rtt_18w",
            "--metric-map",
            str(metric_map),
            "--suppress",
            "national",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "cmh_adult_4w: 6 rows over 6 month ends" in result.output
    measures = pl.read_csv(out / "cmh_adult_4w_measures.csv", infer_schema=False)
    # suppressed counts are multiples of 5 or '*'
    assert all(v == "*" or int(v) % 5 == 0 for v in measures["open_count"].to_list())
    values = pl.read_csv(out / "metric_values.csv", try_parse_dates=True)
    assert tuple(values.columns) == METRIC_VALUE_COLUMNS
    assert set(values["metric_id"].to_list()) == {"RES06-LIST", "RES05"}


def test_compute_reports_bad_input(tmp_path: Path) -> None:
    refs = tmp_path / "r.csv"
    refs.write_text("referral_id,service\n1,cmh_adult\n")
    cons = tmp_path / "c.csv"
    cons.write_text("referral_id,contact_date,attendance_code\n1,2024-01-01,5\n")
    result = Trustboard().invoke(
        [
            "waits",
            "compute",
            "--referrals",
            str(refs),
            "--contacts",
            str(cons),
            "--start",
            "2024-01",
            "--end",
            "2024-01",
            "-o",
            str(tmp_path / "o"),
        ],
    )
    assert result.exit_code != 0
    assert "received_date" in str(result.exception)
    assert not (tmp_path / "o").exists()


def test_metric_values_frame() -> None:
    # two services; one month: cmh_adult has 2 open (one completed within 4 weeks in Jan)
    refs = referrals_frame(
        [
            {"referral_id": 1, "received_date": date(2024, 1, 2)},
            {"referral_id": 2, "received_date": date(2024, 1, 3)},
            {"referral_id": 3, "received_date": date(2024, 1, 4)},
            {"referral_id": 4, "service": "cyp_mh", "received_date": date(2024, 1, 4)},
        ]
    )
    cons = contacts_frame(
        [(1, date(2024, 1, 5), "5", "01", "a"), (1, date(2024, 1, 9), "5", "01", "a")]
    )
    entries = metric_map_from_dict(
        {
            "metrics": [
                {
                    "standard": "wide",
                    "output": "open_count",
                    "metric": "LIST",
                    "by": {"service": {"cmh_adult": "MH-CMH"}},
                },
                {
                    "standard": "wide",
                    "output": "completed_within_threshold_pct",
                    "metric": "PCT",
                    "by": {"service": {"cmh_adult": "MH-CMH", "cyp_mh": "CYP"}},
                },
            ]
        }
    )
    run = compute_waits(
        refs,
        cons,
        start="2024-01",
        end="2024-01",
        standards=["wide"],
        standard_file=_wide_standard_file(),
    )
    values = to_metric_values(run.results, entries, provisional=True)
    rows = values.to_dicts()
    # LIST: 2 open (referrals 2 and 3).  PCT: 1 of 1 completed within 4 weeks for cmh_adult;
    # cyp_mh completed nothing, so it has no value (left out, not 0%).
    assert [
        (r["metric_id"], r["org_unit"], r["value"], r["numerator"], r["denominator"]) for r in rows
    ] == [
        ("LIST", "MH-CMH", 2.0, 2.0, None),
        ("PCT", "MH-CMH", 100.0, 1.0, 1.0),
    ]
    assert rows[0]["period_start"] == date(2024, 1, 1) and rows[0]["period_end"] == date(
        2024, 1, 31
    )
    assert all(r["provisional"] for r in rows)
    with pytest.raises(ConfigError):
        to_metric_values(
            run.results,
            metric_map_from_dict(
                {
                    "metrics": [
                        {"standard": "wide", "output": "nope", "metric": "X", "org_unit": "T"}
                    ]
                }
            ),
        )
    with pytest.raises(ConfigError):
        metric_map_from_dict({"metrics": [{"standard": "x", "metric": "Y"}]})


_WIDE = Path(__file__).parent.parent / "fixtures" / "waits" / "wide_standard.yaml"


def _wide_standard_file() -> Path:
    return _WIDE
