"""Benchmark of the SPC engine: prints its figures (recorded in docs/performance.md).

Measures, in one process, limits + every rule + point types + icons for:

* 10,000 series x 60 monthly points, through the NumPy core and end to end through
  ``trustboard.spc.compute`` on a Polars frame (rows in order, and the same rows shuffled,
  which ``compute`` must sort first);
* one series of 1,000,000 points (core and end to end);
* the same core called once per series (a plain per-series loop), for the speed-up ratio;
* peak memory of the core (tracemalloc) as a multiple of the input arrays.

The machine may be shared and noisy, so each figure is the best of several repetitions.
Run: ``python bench/bench_spc.py [--quick]``.
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
from collections.abc import Callable
from datetime import date, timedelta

import numpy as np
import polars as pl

from trustboard.spc import compute
from trustboard.spc._core import CoreSettings, run_core

SETTINGS = CoreSettings(
    chart="xmr",
    direction=1,
    screen_outliers=True,
    shift_length=7,
    trend_length=7,
    beyond_two_sigma=False,
    improvement_wins=False,
    min_points_limits=0,
    min_points_icons=0,
    short_group_threshold=13,
    fix_after_n_points=None,
    has_target=True,
)


LOOP_SERIES = 1_000


def best_of(repeats: int, work: Callable[[], object]) -> float:
    """The fastest of ``repeats`` runs of ``work``, in wall-clock seconds."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return best


def best_cpu(repeats: int, work: Callable[[], object]) -> float:
    """The least CPU time (all threads of this process) of ``repeats`` runs, in seconds.

    On a shared machine CPU time is steadier than wall-clock time: it does not count the time
    other processes hold the cores.
    """
    best = float("inf")
    for _ in range(repeats):
        start = time.process_time()
        work()
        best = min(best, time.process_time() - start)
    return best


def synthetic(series: int, points: int, seed: int = 20240401) -> tuple[np.ndarray, np.ndarray]:
    """Values with level shifts and trends so that every rule fires somewhere."""
    rng = np.random.default_rng(seed)
    values = rng.normal(100.0, 10.0, size=(series, points))
    values[:, points // 2 :] += rng.choice([0.0, 15.0, -15.0], size=(series, 1))
    values[:, -8:] += np.linspace(0, 40, 8)[None, :] * rng.choice([0, 1], size=(series, 1))
    starts = np.arange(series, dtype=np.int64) * points
    return values.ravel(), starts


def core_once(values: np.ndarray, starts: np.ndarray, target: np.ndarray) -> None:
    """The NumPy core on all series at once."""
    run_core(values, starts, starts, SETTINGS, target=target)


def core_per_series(
    values: np.ndarray, starts: np.ndarray, target: np.ndarray, points: int
) -> None:
    """The same core, called once per series (what a per-series loop costs)."""
    zero = np.zeros(1, dtype=np.int64)
    for start in starts:
        stop = start + points
        run_core(values[start:stop], zero, zero, SETTINGS, target=target[start:stop])


def frame_for(values: np.ndarray, series: int, points: int) -> pl.DataFrame:
    """A Polars frame of ``series`` x ``points`` monthly rows."""
    first = date(2019, 4, 1)
    days = [first + timedelta(days=31 * i) for i in range(points)]
    return pl.DataFrame(
        {
            "org": np.repeat(np.array([f"R{i:05d}" for i in range(series)]), points),
            "month": days * series,
            "value": values,
        }
    )


def measure_memory(values: np.ndarray, starts: np.ndarray, target: np.ndarray) -> float:
    """Peak memory of one core call as a multiple of the input arrays."""
    inputs = values.nbytes + starts.nbytes + target.nbytes
    tracemalloc.start()
    core_once(values, starts, target)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / inputs


def main() -> None:
    """Run every measurement and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    args = parser.parse_args()
    repeats = 3 if args.quick else 7

    series, points = 10_000, 60
    values, starts = synthetic(series, points)
    target = np.full(values.size, 95.0)
    n = values.size
    core = best_of(repeats, lambda: core_once(values, starts, target))
    core_cpu = best_cpu(repeats, lambda: core_once(values, starts, target))
    # The per-series loop is timed on the first LOOP_SERIES series and scaled to all of them.
    loop_n = LOOP_SERIES * points
    loop = best_of(
        2 if args.quick else 3,
        lambda: core_per_series(values[:loop_n], starts[:LOOP_SERIES], target[:loop_n], points),
    ) * (series / LOOP_SERIES)
    frame = frame_for(values, series, points)

    def run_compute() -> object:
        return compute(frame, date="month", value="value", by="org", target=95.0)

    end_to_end = best_of(repeats, run_compute)
    end_to_end_cpu = best_cpu(repeats, run_compute)
    shuffled = frame.sample(fraction=1.0, shuffle=True, seed=20240402)

    def run_shuffled() -> object:
        return compute(shuffled, date="month", value="value", by="org", target=95.0)

    unsorted = best_of(max(2, repeats // 2), run_shuffled)
    unsorted_cpu = best_cpu(max(2, repeats // 2), run_shuffled)
    memory = measure_memory(values, starts, target)

    big = synthetic(1, 1_000_000)[0]
    big_starts = np.zeros(1, dtype=np.int64)
    big_core = best_of(repeats, lambda: run_core(big, big_starts, big_starts, SETTINGS))
    big_core_cpu = best_cpu(repeats, lambda: run_core(big, big_starts, big_starts, SETTINGS))
    big_frame = pl.DataFrame(
        {
            "day": pl.datetime_range(
                pl.datetime(2000, 1, 1),
                pl.datetime(2000, 1, 1) + pl.duration(minutes=999_999),
                "1m",
                eager=True,
            ),
            "value": big,
        }
    )
    big_e2e = best_of(max(2, repeats // 2), lambda: compute(big_frame, date="day", value="value"))
    big_memory = measure_memory(big, big_starts, np.full(big.size, np.nan))

    print(f"SPC engine benchmark (best of {repeats}; limits + all rules + point types + icons)")
    print(f"  10,000 series x 60 points ({n:,} points)")
    print(
        f"    numpy core, all series at once : {core * 1e3:8.1f} ms  "
        f"({n / core / 1e6:6.1f} M points/s);"
        f" CPU {core_cpu * 1e3:.1f} ms"
    )
    print(
        f"    numpy core, one call per series: {loop * 1e3:8.1f} ms  "
        f"(vectorised is {loop / core:5.1f}x faster;"
        f" loop timed on {LOOP_SERIES:,} series, scaled)"
    )
    print(
        f"    compute() on a Polars frame    : {end_to_end * 1e3:8.1f} ms  "
        f"({n / end_to_end / 1e6:6.1f} M points/s);"
        f" CPU {end_to_end_cpu * 1e3:.1f} ms"
    )
    print(
        f"    compute(), rows shuffled       : {unsorted * 1e3:8.1f} ms  (sorting them first);"
        f" CPU {unsorted_cpu * 1e3:.1f} ms"
    )
    print(f"    peak memory of the core        : {memory:8.1f} x the input arrays")
    print("  1 series x 1,000,000 points")
    print(
        f"    numpy core                     : {big_core * 1e3:8.1f} ms  "
        f"({big.size / big_core / 1e6:6.1f} M points/s);"
        f" CPU {big_core_cpu * 1e3:.1f} ms"
    )
    print(f"    compute() on a Polars frame    : {big_e2e * 1e3:8.1f} ms")
    print(f"    peak memory of the core        : {big_memory:8.1f} x the input arrays")


if __name__ == "__main__":
    main()
