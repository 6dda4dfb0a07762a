"""Benchmark of the store: import, ``spc refresh`` and reading a month's board set.

Full size is 200 metrics x 60 months x 500 org units (6 million values, 100,000 series).
``--scale`` shrinks the number of org units and metrics (0.05 runs in well under a minute);
``--engines`` picks sqlite and/or postgresql (PostgreSQL from ``TRUSTBOARD_BENCH_POSTGRES_URL``,
default ``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``; a scratch database is
created and dropped).  Prints one line per figure; the targets are import <= 60 s, refresh
<= 10 s end to end and board-set read <= 200 ms at full size.

    python bench/bench_store.py --scale 0.05
    python bench/bench_store.py --engines sqlite,postgresql
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

from trustboard.domain import MetricDefinition, OrgUnit, Period, Target
from trustboard.services.imports import import_values
from trustboard.services.refresh import refresh_spc
from trustboard.store import Store

FULL_METRICS = 200
FULL_UNITS = 500
MONTHS = 60
FIRST_MONTH = Period.month(2020, 4)


def build_org_units(count: int) -> list[OrgUnit]:
    """A trust, 5 directorates, services of about 4 teams each, and teams to reach ``count``."""
    units = [OrgUnit(code="TRUST", name="The trust", level="trust")]
    directorates = [f"D{d}" for d in range(5)]
    units += [
        OrgUnit(code=d, name=f"Directorate {d}", level="directorate", parent="TRUST")
        for d in directorates
    ]
    services = max(1, (count - 6) // 5)
    units += [
        OrgUnit(code=f"S{s:03d}", name=f"Service {s}", level="service", parent=directorates[s % 5])
        for s in range(services)
    ]
    team = 0
    while len(units) < count:
        units.append(
            OrgUnit(
                code=f"T{team:04d}",
                name=f"Team {team}",
                level="team",
                parent=f"S{team % services:03d}",
            )
        )
        team += 1
    return units[:count]


def build_metrics(count: int) -> list[MetricDefinition]:
    """A mix like a real IPR: counts (c, xmr), percentages (p) and rates per 1,000 (u)."""
    out = []
    for k in range(count):
        kind = k % 10
        if kind < 3:
            out.append(
                MetricDefinition(
                    id=f"PCT{k:03d}",
                    name=f"Percentage metric {k}",
                    domain="RESPONSIVE",
                    unit="percent",
                    polarity="higher_is_better",
                    numerator="met",
                    denominator="eligible",
                    chart_type="p",
                    targets=(Target(value=0.9, valid_from=date(2020, 4, 1)),),
                )
            )
        elif kind < 5:
            out.append(
                MetricDefinition(
                    id=f"RATE{k:03d}",
                    name=f"Rate metric {k}",
                    domain="SAFE",
                    unit="rate_per_1000_obd",
                    polarity="lower_is_better",
                    numerator="events",
                    denominator="occupied bed days",
                    multiplier=1000,
                    chart_type="u",
                )
            )
        elif kind < 6:
            out.append(
                MetricDefinition(
                    id=f"C{k:03d}",
                    name=f"Count metric {k}",
                    domain="SAFE",
                    unit="count",
                    polarity="lower_is_better",
                    chart_type="c",
                )
            )
        else:
            out.append(
                MetricDefinition(
                    id=f"X{k:03d}",
                    name=f"Activity metric {k}",
                    domain="CONTEXT",
                    unit="count",
                    polarity="neutral",
                    rule_preset="mdc" if kind == 9 else "ptd",
                )
            )
    return out


def build_values(
    metrics: list[MetricDefinition], units: list[OrgUnit], seed: int = 7
) -> pl.DataFrame:
    """One value per metric, org unit and month, in the long layout the readers accept."""
    rng = np.random.default_rng(seed)
    months = [FIRST_MONTH.shift(i) for i in range(MONTHS)]
    n_series = len(metrics) * len(units)
    size = n_series * MONTHS
    metric_ids = np.repeat(np.array([m.id for m in metrics]), len(units) * MONTHS)
    unit_ids = np.tile(np.repeat(np.array([u.code for u in units]), MONTHS), len(metrics))
    periods = np.tile(np.array([p.label() for p in months]), n_series)
    kinds = np.repeat(np.array([m.chart_type.value for m in metrics]), len(units) * MONTHS)
    den = rng.integers(200, 1200, size).astype(np.float64)
    num = np.where(
        kinds == "p",
        np.floor(den * rng.uniform(0.8, 0.98, size)),
        rng.poisson(4, size).astype(np.float64),
    )
    ratio = np.isin(kinds, ["p", "u"])
    value = np.where(
        kinds == "p",
        num / den,
        np.where(kinds == "u", num / den * 1000, rng.poisson(40, size).astype(np.float64)),
    )
    return pl.DataFrame(
        {
            "metric_id": metric_ids,
            "period": periods,
            "org_unit": unit_ids,
            "numerator": np.where(ratio, num, np.nan),
            "denominator": np.where(ratio, den, np.nan),
            "value": value,
        }
    ).with_columns(pl.col("numerator").fill_nan(None), pl.col("denominator").fill_nan(None))


def _postgres_database() -> tuple[str, object]:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = os.environ.get(
        "TRUSTBOARD_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    engine = create_engine(
        admin.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT"
    )
    name = f"tb_bench_{uuid.uuid4().hex[:8]}"
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return make_url(str(engine.url)).set(database=name).render_as_string(
        hide_password=False
    ), engine


def _drop(engine: object, url: str) -> None:
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    name = make_url(url).database
    with engine.connect() as conn:  # type: ignore[attr-defined]
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _best(action: Callable[[], object], repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return min(times)


def _reads_both_ways(store: Store) -> None:
    """Every current value read through the checked documents and from the rows, outside a
    transaction (as ``spc refresh`` reads) and inside a write transaction (as an import
    compares); then the watermark check alone and the full ``store check``."""
    from trustboard.store.current import CURRENT_COLUMNS, check_documents
    from trustboard.store.values import read_values

    columns = sorted(CURRENT_COLUMNS)
    figures = []
    for label, documents in (("documents", True), ("rows", False)):
        with store.engine.connect() as conn:
            outside = _best(lambda d=documents: read_values(conn, columns=columns, documents=d))
        with store.transaction() as conn:
            inside = _best(lambda d=documents: read_values(conn, columns=columns, documents=d))
        figures.append(f"{label} {outside:.2f} s / {inside:.2f} s")
    print(f"  every current value, outside / inside a write transaction: {'; '.join(figures)}")
    with store.engine.connect() as conn:
        watermark = _best(lambda: check_documents(conn), repeat=5)
    full = _best(lambda: store.check_documents(), repeat=1)
    print(
        f"  watermark check of every document: {watermark * 1000:.1f} ms; "
        f"full store check (every row compared): {full:.1f} s"
    )


def run(engine_name: str, scale: float, folder: Path) -> None:
    """Run every figure on one engine and print it."""
    n_units = max(12, round(FULL_UNITS * scale))
    n_metrics = max(10, round(FULL_METRICS * scale))
    units = build_org_units(n_units)
    metrics = build_metrics(n_metrics)
    values = build_values(metrics, units)
    source = folder / f"values_{engine_name}.parquet"
    values.write_parquet(source)
    admin = None
    url = f"sqlite:///{folder / 'bench.db'}"
    if engine_name == "postgresql":
        url, admin = _postgres_database()
    try:
        store, _before, _after = Store.init(url, actor="bench")
        store.upsert_catalogue(metrics, units, [], effective=date(2020, 4, 1))
        store.close()
        label = f"{engine_name:10s} {n_metrics} metrics x {MONTHS} months x {n_units} units"
        print(f"{label}: {values.height:,} values, {n_metrics * n_units:,} series")

        started = time.perf_counter()
        stages: dict[str, float] = {}

        def progress(stage: str, _done: int, _total: int) -> None:
            stages.setdefault(stage, time.perf_counter() - started)

        outcome = import_values([source], database=url, today=date(2025, 6, 30), progress=progress)
        total = time.perf_counter() - started
        print(
            f"  import (read + validate + write, one transaction): {total:6.1f} s "
            f"({outcome.summary.inserted:,} inserted; read and validated by "
            f"{stages.get('comparing', 0):.1f} s, compared by {stages.get('writing', 0):.1f} s, "
            f"written by {stages.get('written', 0):.1f} s)"
        )

        started = time.perf_counter()
        again = import_values([source], database=url, today=date(2025, 6, 30))
        print(
            f"  re-import of the same file (nothing changes):  "
            f"{time.perf_counter() - started:6.1f} s "
            f"({again.summary.unchanged:,} unchanged)"
        )

        started = time.perf_counter()
        refreshed = refresh_spc(database=url, actor="bench")
        print(
            f"  spc refresh, end to end: {time.perf_counter() - started:6.1f} s "
            f"({refreshed.series:,} series, {refreshed.points:,} points, "
            f"{refreshed.groups} option groups)"
        )

        with Store.open(url) as store:
            ids = [m.id for m in store.metrics()]
            timings = []
            for _ in range(7):
                started = time.perf_counter()
                board = store.values(
                    metric_ids=ids, org_units=["TRUST"], end=FIRST_MONTH.shift(MONTHS - 1).start
                )
                spc = store.spc_results(org_units=["TRUST"], with_points=False)
                timings.append(time.perf_counter() - started)
            assert spc is not None
            print(
                f"  board set read (all metrics, trust level, full history + SPC summary): "
                f"median {statistics.median(timings) * 1000:.0f} ms "
                f"({board.height:,} values, {spc.summary.height} summaries)"
            )
            _reads_both_ways(store)
    finally:
        if admin is not None:
            _drop(admin, url)


def main(argv: list[str] | None = None) -> int:
    """Parse the options and run the benchmark on each engine."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="fraction of the full size (metrics and org units), e.g. 0.05",
    )
    parser.add_argument(
        "--engines", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql"
    )
    args = parser.parse_args(argv)
    for engine_name in [e.strip() for e in args.engines.split(",") if e.strip()]:
        with tempfile.TemporaryDirectory(prefix="tb-bench-") as folder:
            run(engine_name, args.scale, Path(folder))
    return 0


if __name__ == "__main__":
    sys.exit(main())
