"""Benchmark of the waiting-time engines; prints figures (recorded in docs/waits.md).

    python bench/bench_waits.py                       # 10M referrals, 36 month ends
    python bench/bench_waits.py --referrals 1000000   # smaller, while developing

Phases, each in a fresh process so that peak memory (ru_maxrss) is the phase's own:

1. generate the synthetic trust (vectorised NumPy) and write Parquet;
2. DuckDB, open-list measures only (size, median, 92nd percentile, over 52 weeks) for all
   services at 36 month ends, with the time split into load + validation, clock stops and
   histograms + finalise; then the same counting referral spells (the MHSDS 5-day rule);
3. DuckDB, all built-in standards in one run (``--compare-paths`` runs phases 2 and 3 on
   both the array path and the SQL path in one process, and checks the results identical),
   and the full MHSDS measure set (MRS01-MRS14) over the same months (``--compare-spells``
   runs the phases with spells a second time with the spells joined in SQL first, the
   previous way, and checks the results identical);
4. a straightforward pandas implementation of the same open-list definitions on a smaller
   data set, checked equal to DuckDB on that data;
5. Spark local on 1M referrals, all built-in standards, checked identical to DuckDB.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import resource
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

OPEN_COLUMNS = [
    "period_end",
    "service",
    "open_count",
    "open_median_days",
    "open_p92_days",
    "open_over_52w",
]


def _open_list_standard(spells: bool = False) -> Any:
    from trustboard.waits import Standard, StopRule, Threshold
    from trustboard.waits.spec import MH_CONTACT_MECHANISMS

    return Standard(
        "open_list",
        "Open list, first attended contact, all services",
        StopRule(mechanisms=MH_CONTACT_MECHANISMS),
        thresholds=(Threshold("18w", 126),),
        # MHSDS referral spells (5 days) over every service, when asked for
        spell_gap_days=5 if spells else None,
    )


def _peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024


def _cpu_s() -> float:
    """CPU seconds used by this process so far (all threads); steadier than wall time on a
    machine shared with other work."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _phase_generate(args: argparse.Namespace, out: Any) -> None:
    from trustboard.waits import synth

    clock = time.perf_counter()
    data = synth.generate(args.referrals, args.months, args.seed, start=date(2022, 4, 1))
    generated = time.perf_counter() - clock
    synth.write(args.data, data)
    out.put(
        {
            "generate_s": generated,
            "write_s": time.perf_counter() - clock - generated,
            "referrals": data.referrals.num_rows,
            "contacts": data.contacts.num_rows,
            "events": data.events.num_rows,
            "peak_gb": _peak_gb(),
        }
    )


def _run_duckdb(
    args: argparse.Namespace, which: str, arrays: bool, array_spells: bool = True
) -> tuple[dict[str, Any], Any]:
    from trustboard.waits import compute_results
    from trustboard.waits.engines.duckdb_engine import DuckDBEngine

    engine = DuckDBEngine(threads=args.threads, arrays=arrays, array_spells=array_spells)
    data = Path(args.data)
    standards = [_open_list_standard(which == "open_spells")] if which.startswith("open") else None
    load = os.getloadavg()[0]
    cpu = _cpu_s()
    clock = time.perf_counter()
    if which == "mhsds":
        from trustboard.waits import mhsds_measures

        frame = mhsds_measures(
            data / "referrals.parquet",
            data / "contacts.parquet",
            data / "events.parquet",
            start=args.first_month,
            end=args.last_month,
            provider="RXX",
            engine=engine,
        )
        total = time.perf_counter() - clock
        report = {
            "total_s": total,
            "peak_gb": _peak_gb(),
            "rows": frame.height,
            "cpu_s": _cpu_s() - cpu,
            "load": load,
            "load_end": os.getloadavg()[0],
            "path": "array" if engine.used_arrays else "SQL",
        }
        return report, frame
    results = compute_results(
        data / "referrals.parquet",
        data / "contacts.parquet",
        events=data / "events.parquet",
        standards=standards,
        start=args.first_month,
        end=args.last_month,
        engine=engine,
    )
    total = time.perf_counter() - clock
    report = {
        "total_s": total,
        **engine.timings,
        "peak_gb": _peak_gb(),
        "rows": sum(r.measures.height for r in results.values()),
        "cpu_s": _cpu_s() - cpu,
        "load": load,
        "load_end": os.getloadavg()[0],
        "path": "array" if engine.used_arrays else "SQL",
    }
    report["finalise_s"] = total - sum(engine.timings.values())
    return report, results


def _phase_duckdb(args: argparse.Namespace, out: Any, which: str) -> None:
    report, results = _run_duckdb(args, which, not args.sql_path)
    if args.compare_spells and which in ("open_spells", "all", "mhsds"):
        # the spells joined in SQL before the array path (the previous way), same process
        old, old_results = _run_duckdb(args, which, not args.sql_path, array_spells=False)
        report["sql_spells"] = old
        report["sql_spells_identical"] = _identical(which, results, old_results)
    if args.compare_paths:
        # the other path in the same process, on the same (now cached) files
        other, other_results = _run_duckdb(args, which, args.sql_path)
        report["other"] = other
        report["identical"] = _identical(which, results, other_results)
    if which.startswith("open"):
        report["frame"] = results["open_list"].measures.select(OPEN_COLUMNS)
    out.put(report)


def _identical(which: str, results: Any, other: Any) -> bool:
    if which == "mhsds":
        return bool(results.equals(other))
    return all(
        other[k].measures.equals(r.measures) and other[k].removals.equals(r.removals)
        for k, r in results.items()
    )


def _describe(r: dict[str, Any]) -> str:
    if "histograms" not in r:
        return (
            f"{r['total_s']:.2f} s, {r['path']} path, CPU {r['cpu_s']:.1f} s, "
            f"load average {r['load']:.1f}-{r['load_end']:.1f}"
        )
    return (
        f"{r['total_s']:.2f} s, {r['path']} path "
        f"(load + referral checks {r['load_and_check_referrals']:.2f}, "
        + (f"referral spells {r['referral_spells']:.2f}, " if "referral_spells" in r else "")
        + f"clock stops + contact checks {r['clock_stops_and_checks']:.2f}, "
        f"histograms {r['histograms']:.2f}, "
        f"finalise {r['finalise_s']:.2f}), CPU {r['cpu_s']:.1f} s, "
        f"load average {r['load']:.1f}-{r['load_end']:.1f}"
    )


def pandas_open_list(referrals: Any, contacts: Any, month_ends: list[date]) -> Any:
    """Open-list size, median, 92nd percentile and >52 weeks with plain pandas, per month end."""
    import pandas as pd

    from trustboard.waits.spec import MH_CONTACT_MECHANISMS

    refs = referrals[~referrals["rejected"]].copy()
    cons = contacts[
        contacts["attendance_code"].isin(["5", "6"])
        & contacts["mechanism"].isin(MH_CONTACT_MECHANISMS)
    ]
    first = cons.groupby("referral_id")["contact_date"].min().rename("stop")
    refs = refs.join(first, on="referral_id")
    refs.loc[refs["closed_date"].notna() & (refs["stop"] > refs["closed_date"]), "stop"] = pd.NaT
    refs["end"] = refs["stop"].fillna(refs["closed_date"])
    rows = []
    for s in month_ends:
        snapshot = pd.Timestamp(s)
        open_ = refs[
            (refs["received_date"] <= snapshot) & (refs["end"].isna() | (refs["end"] > snapshot))
        ]
        for service, group in open_.groupby("service", observed=True):
            w = np.sort((snapshot - group["received_date"]).dt.days.to_numpy())
            n = len(w)
            rows.append(
                {
                    "period_end": s,
                    "service": service,
                    "open_count": n,
                    "open_median_days": int(w[max(1, int(np.ceil(0.5 * n))) - 1]),
                    "open_p92_days": int(w[max(1, int(np.ceil(0.92 * n - 1e-9))) - 1]),
                    "open_over_52w": int((w > 364).sum()),
                }
            )
    return pd.DataFrame(rows)


def _phase_pandas(args: argparse.Namespace, out: Any) -> None:
    import pandas as pd
    import polars as pl

    from trustboard.waits import compute_results, month_calendar, synth

    data = synth.generate(args.pandas_referrals, args.months, args.seed, start=date(2022, 4, 1))
    refs = data.referrals.to_pandas()
    cons = data.contacts.to_pandas()
    for frame, cols in ((refs, ["received_date", "closed_date"]), (cons, ["contact_date"])):
        for col in cols:
            frame[col] = pd.to_datetime(frame[col])
        for col in frame.columns:
            if str(frame[col].dtype) == "category":
                frame[col] = frame[col].astype(str)
    ends = list(month_calendar(args.first_month, args.last_month).period_ends)
    clock = time.perf_counter()
    expected = pandas_open_list(refs, cons, ends)
    pandas_s = time.perf_counter() - clock
    clock = time.perf_counter()
    result = compute_results(
        data.referrals,
        data.contacts,
        standards=[_open_list_standard()],
        start=args.first_month,
        end=args.last_month,
    )["open_list"]
    duck_s = time.perf_counter() - clock
    got = result.measures.select(OPEN_COLUMNS).filter(pl.col("open_count") > 0)
    want = (
        pl.from_pandas(expected)
        .with_columns(pl.col("period_end").cast(pl.Date))
        .cast({c: pl.Int64 for c in OPEN_COLUMNS[2:]})
        .sort("period_end", "service")
    )
    out.put(
        {
            "pandas_s": pandas_s,
            "duckdb_s": duck_s,
            "equal": got.equals(want),
            "referrals": args.pandas_referrals,
        }
    )


def _phase_spark(args: argparse.Namespace, out: Any) -> None:
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    from trustboard.waits import compute_results, synth

    spark_dir = Path(args.data) / "spark"
    synth.write(
        spark_dir,
        synth.generate(args.spark_referrals, args.months, args.seed, start=date(2022, 4, 1)),
    )
    session = (
        SparkSession.builder.master("local[2]")
        .config("spark.sql.shuffle.partitions", "8")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.memory", "4g")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    paths = {k: spark_dir / f"{k}.parquet" for k in ("referrals", "contacts", "events")}
    kwargs = {"start": args.first_month, "end": args.last_month}
    clock = time.perf_counter()
    duck = compute_results(paths["referrals"], paths["contacts"], events=paths["events"], **kwargs)
    duck_s = time.perf_counter() - clock
    frames = {k: session.read.parquet(str(p)) for k, p in paths.items()}
    clock = time.perf_counter()
    spark = compute_results(
        frames["referrals"],
        frames["contacts"],
        events=frames["events"],
        engine="spark",
        engine_options={"spark": session},
        **kwargs,
    )
    spark_s = time.perf_counter() - clock
    equal = all(
        spark[k].measures.equals(v.measures) and spark[k].removals.equals(v.removals)
        for k, v in duck.items()
    )
    session.stop()
    out.put(
        {
            "spark_s": spark_s,
            "duckdb_s": duck_s,
            "identical": equal,
            "referrals": args.spark_referrals,
        }
    )


def _run(target: Any, *extra: Any) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=target, args=(*extra[:1], queue, *extra[1:]))
    proc.start()
    result = queue.get()
    proc.join()
    return result


def main() -> None:
    """Run the phases asked for and print the figures."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--referrals", type=int, default=10_000_000)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--threads", type=int, default=None, help="DuckDB threads (default: all cores)"
    )
    parser.add_argument("--pandas-referrals", type=int, default=1_000_000)
    parser.add_argument("--spark-referrals", type=int, default=1_000_000, help="0 skips Spark")
    parser.add_argument(
        "--data", default="out/bench_waits", help="folder for the generated Parquet files"
    )
    parser.add_argument(
        "--skip",
        nargs="*",
        default=[],
        choices=["generate", "open", "open_spells", "all", "mhsds", "pandas", "spark"],
    )
    parser.add_argument(
        "--sql-path",
        action="store_true",
        help="DuckDB phases take the SQL path even where the array path applies",
    )
    parser.add_argument(
        "--compare-spells",
        action="store_true",
        help="phases with spells also join them in SQL first (the previous way), same process",
    )
    parser.add_argument(
        "--compare-paths",
        action="store_true",
        help="DuckDB phases also run the other path in the same process, with the ratio",
    )
    args = parser.parse_args()
    args.first_month, args.last_month = "2022-04", "2025-03"
    if args.months != 36:
        end = 2022 * 12 + 3 + args.months - 1
        args.last_month = f"{end // 12}-{end % 12 + 1:02d}"
    Path(args.data).mkdir(parents=True, exist_ok=True)
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    if "generate" not in args.skip:
        g = _run(_phase_generate, args)
        print(
            f"generate: {g['referrals']:,} referrals, {g['contacts']:,} contacts, "
            f"{g['events']:,} events in {g['generate_s']:.1f} s "
            f"(+{g['write_s']:.1f} s Parquet), peak {g['peak_gb']:.2f} GB"
        )
    for which, title in (
        ("open", f"open-list measures, {args.months} month ends x all services"),
        ("open_spells", "open-list measures counting referral spells (5-day rule)"),
        ("all", "all 9 built-in standards (MHSDS ones on spells)"),
        ("mhsds", f"MHSDS measure set MRS01-MRS14, {args.months} months"),
    ):
        if which in args.skip:
            continue
        r = _run(_phase_duckdb, args, which)
        print(f"duckdb {title}: {_describe(r)}, {r['rows']} rows, peak {r['peak_gb']:.2f} GB")
        if "sql_spells" in r:
            old = r["sql_spells"]
            print(
                f"  same process, spells joined in SQL first: {_describe(old)}; "
                f"ratio {old['total_s'] / r['total_s']:.2f} "
                f"(CPU {old['cpu_s'] / r['cpu_s']:.2f}); identical: {r['sql_spells_identical']}"
            )
        if "other" in r:
            print(
                f"  same process, {_describe(r['other'])}; "
                f"ratio {r['other']['total_s'] / r['total_s']:.2f} "
                f"(CPU {r['other']['cpu_s'] / r['cpu_s']:.2f}); identical: {r['identical']}"
            )
    if "pandas" not in args.skip and args.pandas_referrals:
        p = _run(_phase_pandas, args)
        print(
            f"pandas open-list on {p['referrals']:,} referrals: {p['pandas_s']:.2f} s; "
            f"duckdb same data {p['duckdb_s']:.2f} s; equal: {p['equal']}"
        )
    if "spark" not in args.skip and args.spark_referrals:
        s = _run(_phase_spark, args)
        print(
            f"spark local[2] all standards on {s['referrals']:,} referrals: "
            f"{s['spark_s']:.1f} s; duckdb {s['duckdb_s']:.1f} s; identical: {s['identical']}"
        )
    print(f"load average now {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
