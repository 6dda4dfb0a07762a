"""Benchmark: rows per second of ``read_values`` on long CSV and Parquet files.

Builds a synthetic file of ``--rows`` rows (default 1,000,000): 60 monthly metrics (a third
of them percentages with numerator and denominator, a third rates per 1,000, a third counts)
over 200 org units and as many months as needed, with 0.1% of rows spoilt so the problem
path is timed too.  Prints the time and rows per second of each format.

    .venv/bin/python bench/bench_ingest.py [--rows 1000000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

from trustboard.domain import MetricDefinition, Period
from trustboard.ingest import read_values


def _catalogue(n_metrics: int) -> dict[str, MetricDefinition]:
    out: dict[str, MetricDefinition] = {}
    for i in range(n_metrics):
        kind = i % 3
        mid = f"M{i:03d}"
        if kind == 0:
            out[mid] = MetricDefinition(
                id=mid,
                name=mid,
                domain="EFFECTIVE",
                unit="percent",
                polarity="higher_is_better",
                numerator="n",
                denominator="d",
            )
        elif kind == 1:
            out[mid] = MetricDefinition(
                id=mid,
                name=mid,
                domain="SAFE",
                unit="rate_per_1000_obd",
                polarity="lower_is_better",
                numerator="n",
                denominator="d",
                multiplier=1000,
            )
        else:
            out[mid] = MetricDefinition(
                id=mid, name=mid, domain="SAFE", unit="count", polarity="lower_is_better"
            )
    return out


def _frame(rows: int, catalogue: dict[str, MetricDefinition], orgs: list[str]) -> pl.DataFrame:
    rng = np.random.default_rng(20250401)
    ids = list(catalogue)
    per_period = len(ids) * len(orgs)
    n_periods = -(-rows // per_period)
    start = Period.month(2025, 3)
    periods = [start.shift(-k).label() for k in range(n_periods)]
    idx = np.arange(rows)
    metric_idx = idx % len(ids)
    org_idx = (idx // len(ids)) % len(orgs)
    period_idx = idx // per_period
    kind = metric_idx % 3
    den = rng.integers(50, 5000, rows).astype(float)
    num = np.floor(den * rng.uniform(0.0, 1.0, rows))
    mult = np.where(kind == 1, 1000.0, 1.0)
    value = np.where(kind == 2, rng.integers(0, 40, rows).astype(float), num / den * mult)
    frame = pl.DataFrame(
        {
            "metric_id": np.array(ids)[metric_idx],
            "period": np.array(periods)[period_idx],
            "org_unit": np.array(orgs)[org_idx],
            "numerator": np.where(kind == 2, np.nan, num),
            "denominator": np.where(kind == 2, np.nan, den),
            "value": np.round(value, 6),
            "provisional": np.where(period_idx == 0, "yes", "no"),
        }
    ).with_columns(pl.col("numerator").fill_nan(None), pl.col("denominator").fill_nan(None))
    spoilt = rng.choice(rows, size=max(1, rows // 1000), replace=False)
    return frame.with_columns(
        pl.when(pl.int_range(pl.len()).is_in(spoilt))
        .then(pl.lit("UNKNOWN"))
        .otherwise(pl.col("metric_id"))
        .alias("metric_id")
    )


def main() -> None:
    """Write the files, read each once, print figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    catalogue = _catalogue(60)
    orgs = [f"ORG{i:03d}" for i in range(200)]
    frame = _frame(args.rows, catalogue, orgs)
    with tempfile.TemporaryDirectory() as tmp:
        csv_path, parquet_path = Path(tmp) / "values.csv", Path(tmp) / "values.parquet"
        frame.write_csv(csv_path)
        frame.write_parquet(parquet_path)
        print(
            f"rows: {args.rows:,}; CSV {csv_path.stat().st_size / 1e6:.0f} MB, "
            f"Parquet {parquet_path.stat().st_size / 1e6:.0f} MB"
        )
        for label, path in (("long CSV", csv_path), ("Parquet", parquet_path)):
            started, cpu = time.perf_counter(), time.process_time()
            result = read_values(path, catalogue=catalogue, org_units=orgs, today=date(2025, 6, 15))
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
            # CPU time (all threads) is printed too: on a shared machine it varies less than wall
            # time
            print(
                f"{label:9s} {seconds:6.2f} s wall  {cpu:6.2f} s CPU  "
                f"{args.rows / seconds:12,.0f} rows/s  "
                f"valid {result.frame.height:,}  problems {sum(result.counts.values()):,}"
            )


if __name__ == "__main__":
    main()
