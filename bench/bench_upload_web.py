"""Benchmark: the six-million-value file loaded through the web app against the command line.

The file is ``bench/bench_store.py``'s (200 metrics x 60 months x 500 org units: 6 million
values; ``--scale`` shrinks the metrics and org units as there).  Two fresh copies of the same
store are made (catalogue, one small forum the readers read, two accounts, no values of the
file's metrics), then:

1. the command line: ``trustboard import values FILE --database COPY1``, timed from start to
   exit;
2. the web app: ``trustboard serve --workers 2`` over COPY2; an analyst uploads the file
   (``POST /uploads``), waits on the job's page until it is checked, commits, and waits until
   it is done, all over HTTP; timed from the upload's first byte to the page saying done.
   Meanwhile ``--readers`` readers (default 4), each signed in with its own client, open the
   home page, the small forum's summary and metric pages and the data status page in turn,
   ``--pause`` seconds apart (default 0.5: four readers ask for about six pages a second, far
   more than four people read); their page times before the upload (idle) and during it are
   reported (median, 95th percentile, slowest, errors).

The bar (issue 14): the web within 1.5 x the command line's time on the same machine, the
server answering the readers meanwhile.  The run stops by itself after ``--limit`` seconds
(default 1500) whatever happens, and prints the 1-minute load average at each step.

    .venv/bin/python bench/bench_upload_web.py                 # full size (6 million values)
    .venv/bin/python bench/bench_upload_web.py --scale 0.05    # a quick check (about 15,000)
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import httpx2
import polars as pl

# the stores and server of the other benchmarks (run as a script, this folder is on sys.path)
from bench_store import (  # type: ignore[import-not-found]
    FIRST_MONTH,
    MONTHS,
    build_metrics,
    build_org_units,
    build_values,
)
from bench_web import percentile, trustboard_server  # type: ignore[import-not-found]

PASSWORD = "bench passphrase of several words"
ANALYST = "bench-analyst"
READER = "bench-reader"
READ_FORUM = "READ"
READ_METRIC = "READ01"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_STATUS = re.compile(r'id="job-status"><span class="state state-([a-z-]+)"')


class OutOfTime(Exception):
    """The run passed its ``--limit``."""


@dataclass
class Clock:
    """The run's deadline."""

    deadline: float

    def check(self, what: str) -> None:
        """Stop the run when its time is up."""
        if time.monotonic() > self.deadline:
            raise OutOfTime(f"stopped while {what}: the run passed its time limit")


@dataclass
class Pages:
    """Page times of the readers, in seconds, by phase."""

    seconds: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    phase: str = "idle"
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, seconds: float, ok: bool) -> None:
        """One page: its time, and whether it answered 200."""
        with self.lock:
            self.seconds.setdefault(self.phase, []).append(seconds)
            if not ok:
                self.errors[self.phase] = self.errors.get(self.phase, 0) + 1

    def line(self, phase: str) -> str:
        """Median, p95 and slowest of one phase, in ms."""
        times = self.seconds.get(phase, [])
        if not times:
            return f"{phase}: no pages"
        return (
            f"{phase}: {len(times)} pages, median {statistics.median(times) * 1000:.0f} ms, "
            f"p95 {percentile(times, 0.95) * 1000:.0f} ms, slowest {max(times) * 1000:.0f} ms, "
            f"errors {self.errors.get(phase, 0)}"
        )


def _load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def _say(text: str) -> None:
    print(f"{text}  [load {_load()}]", flush=True)


def _fill(url: str, scale: float, folder: Path) -> Path:
    """A store with the catalogue, one small forum with a metric of its own (the readers'),
    and the two accounts; returns the values file to load."""
    from trustboard.domain import Domain, Forum, ForumKind, MetricDefinition, Polarity, Unit
    from trustboard.services.users import add_user
    from trustboard.store import Store

    n_units = max(12, round(500 * scale))
    n_metrics = max(10, round(200 * scale))
    units = build_org_units(n_units)
    metrics = build_metrics(n_metrics)
    source = folder / "values.parquet"
    if not source.exists():
        build_values(metrics, units).write_parquet(source)
    read = MetricDefinition(
        id=READ_METRIC,
        name="Readers' metric",
        domain=Domain.SAFE,
        unit=Unit.COUNT,
        polarity=Polarity.LOWER_IS_BETTER,
    )
    forum = Forum(id=READ_FORUM, name="Readers' forum", kind=ForumKind.BOARD)
    store, _before, _after = Store.init(url, actor="bench")
    try:
        store.upsert_catalogue([*metrics, read], units, [forum], effective=date(2020, 4, 1))
        months = [FIRST_MONTH.shift(i) for i in range(MONTHS)]
        store.write_values(
            pl.DataFrame(
                {
                    "metric_id": [READ_METRIC] * MONTHS,
                    "org_unit": [units[0].code] * MONTHS,
                    "period_start": [m.start for m in months],
                    "period_end": [m.end for m in months],
                    "numerator": [None] * MONTHS,
                    "denominator": [None] * MONTHS,
                    "value": [float(20 + (i * 7) % 11) for i in range(MONTHS)],
                    "provisional": [False] * MONTHS,
                    "source_file": ["readers.csv"] * MONTHS,
                    "source_hash": ["0" * 64] * MONTHS,
                }
            )
        )
        add_user(store, ANALYST, "analyst", PASSWORD)
        add_user(store, READER, "executive", PASSWORD)
    finally:
        store.close()
    return source


def _copies(engine: str, folder: Path, scale: float) -> tuple[str, str, Path, Callable[[], None]]:
    """Two stores filled alike (SQLite: one filled and copied; PostgreSQL: two filled)."""
    if engine == "sqlite":
        base = folder / "base.db"
        source = _fill(f"sqlite:///{base}", scale, folder)
        urls = []
        for name in ("cli.db", "web.db"):
            for suffix in ("", "-wal", "-shm"):
                if Path(f"{base}{suffix}").exists():
                    shutil.copyfile(f"{base}{suffix}", folder / f"{name}{suffix}")
            urls.append(f"sqlite:///{folder / name}")
        return urls[0], urls[1], source, lambda: None
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(
        os.environ.get(
            "TRUSTBOARD_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
        ).replace("postgresql://", "postgresql+psycopg://", 1),
        isolation_level="AUTOCOMMIT",
    )
    made: list[str] = []

    def drop() -> None:
        with admin.connect() as conn:
            for url in made:
                name = make_url(url).database
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    try:
        for _ in range(2):
            name = f"tb_bench_upload_{uuid.uuid4().hex[:12]}"
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            made.append(admin.url.set(database=name).render_as_string(hide_password=False))
            source = _fill(made[-1], scale, folder)
    except BaseException:
        drop()
        raise
    return made[0], made[1], source, drop


def _sign_in(client: httpx2.Client, name: str) -> str:
    form = client.get("/sign-in")
    token = _CSRF.search(form.text)
    answer = client.post(
        "/sign-in",
        data={"name": name, "password": PASSWORD, "csrf_token": token.group(1) if token else ""},
    )
    if answer.status_code != 303:
        raise SystemExit(f"{name} could not sign in: HTTP {answer.status_code}")
    home = client.get("/")
    found = _CSRF.search(home.text)
    return found.group(1) if found else ""


def _reader(base: str, pages: Pages, stop: threading.Event, pause: float) -> None:
    period = FIRST_MONTH.shift(MONTHS - 1).label()
    paths = [
        "/",
        f"/forums/{READ_FORUM}/{period}",
        f"/forums/{READ_FORUM}/{period}/metrics/{READ_METRIC}",
        "/status",
    ]
    with httpx2.Client(base_url=base, timeout=120, follow_redirects=False) as client:
        _sign_in(client, READER)
        while not stop.is_set():
            for path in paths:
                started = time.perf_counter()
                try:
                    ok = client.get(path).status_code == 200
                except httpx2.HTTPError:
                    ok = False
                pages.add(time.perf_counter() - started, ok)
                if stop.wait(pause):
                    return


def _wait_for(
    client: httpx2.Client, job: str, wanted: set[str], clock: Clock, what: str
) -> tuple[str, str]:
    while True:
        clock.check(what)
        page = client.get(job)
        found = _STATUS.search(page.text)
        status = found.group(1) if found else f"HTTP {page.status_code}"
        if status in wanted or status in ("failed", "cancelled"):
            return status, page.text
        time.sleep(0.2)


def _web(url: str, source: Path, args: argparse.Namespace, clock: Clock, folder: Path) -> None:
    pages = Pages()
    stop = threading.Event()
    with trustboard_server(url, args.workers, folder / "serve.log") as base:
        readers = [
            threading.Thread(target=_reader, args=(base, pages, stop, args.pause), daemon=True)
            for _ in range(args.readers)
        ]
        with httpx2.Client(base_url=base, timeout=None, follow_redirects=False) as analyst:
            csrf = _sign_in(analyst, ANALYST)
            for reader in readers:
                reader.start()
            time.sleep(args.idle)
            pages.phase = "during"
            started = time.perf_counter()
            try:
                with source.open("rb") as data:
                    answer = analyst.post(
                        "/uploads",
                        data={"csrf_token": csrf, "kind": "values"},
                        files={"file": (source.name, data, "application/octet-stream")},
                    )
                job = answer.headers.get("location", "")
                if answer.status_code != 303 or not job:
                    raise SystemExit(f"the upload was refused: HTTP {answer.status_code}")
                sent = time.perf_counter()
                status, page = _wait_for(
                    analyst, job, {"awaiting-confirmation"}, clock, "validating"
                )
                checked = time.perf_counter()
                if status != "awaiting-confirmation":
                    raise SystemExit(f"the upload was not checked: {status}")
                token = _CSRF.search(page)
                analyst.post(f"{job}/commit", data={"csrf_token": token.group(1) if token else ""})
                status, _page = _wait_for(analyst, job, {"done"}, clock, "committing")
                done = time.perf_counter()
                if status != "done":
                    raise SystemExit(f"the commit did not finish: {status}")
            finally:
                pages.phase = "after"
                stop.set()
                for reader in readers:
                    reader.join(60)
    total = done - started
    _say(
        f"  web (upload + check + commit over HTTP, {args.workers} workers): {total:6.1f} s "
        f"(upload sent {sent - started:.1f} s, checked {checked - sent:.1f} s, "
        f"committed {done - checked:.1f} s)"
    )
    print(f"  readers ({args.readers}) {pages.line('idle')}")
    print(f"  readers ({args.readers}) {pages.line('during')}")
    args.web_seconds = total


def main(argv: list[str] | None = None) -> int:
    """Build the stores, run the command line and the web app, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of full size")
    parser.add_argument("--engine", default="sqlite", choices=("sqlite", "postgresql"))
    parser.add_argument("--workers", type=int, default=2, help="server worker processes (2)")
    parser.add_argument("--readers", type=int, default=4, help="readers during the upload (4)")
    parser.add_argument("--pause", type=float, default=0.5, help="seconds between pages (0.5)")
    parser.add_argument("--idle", type=float, default=5.0, help="seconds of readers before")
    parser.add_argument("--limit", type=float, default=1500.0, help="most seconds the run takes")
    args = parser.parse_args(argv)
    clock = Clock(time.monotonic() + args.limit)
    exe = Path(sys.executable).with_name("trustboard")
    with tempfile.TemporaryDirectory(prefix="tb-bench-upload-") as name:
        folder = Path(name)
        _say(f"building two copies of the store ({args.engine}, scale {args.scale})")
        cli_url, web_url, source, drop = _copies(args.engine, folder, args.scale)
        try:
            rows = pl.scan_parquet(source).select(pl.len()).collect().item()
            _say(f"  {rows:,} values in {source.name} ({source.stat().st_size / 1e6:.0f} MB)")
            env = {k: v for k, v in os.environ.items() if k != "TRUSTBOARD_DATABASE_URL"}
            started = time.perf_counter()
            finished = subprocess.run(
                [str(exe), "import", "values", str(source), "--database", cli_url],
                env=env,
                capture_output=True,
                text=True,
                timeout=max(1.0, clock.deadline - time.monotonic()),
                check=False,
            )
            cli_seconds = time.perf_counter() - started
            if finished.returncode != 0:
                print(finished.stdout, finished.stderr)
                raise SystemExit(f"the command line failed (exit {finished.returncode})")
            _say(f"  command line (trustboard import values): {cli_seconds:6.1f} s")
            _web(web_url, source, args, clock, folder)
        except (OutOfTime, subprocess.TimeoutExpired) as stopped:
            print(f"  {stopped}")
            return 1
        finally:
            drop()
    ratio = args.web_seconds / cli_seconds
    verdict = "met" if ratio <= 1.5 else "not met"
    _say(f"  web / command line: {ratio:.2f} (bar 1.5: {verdict})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
