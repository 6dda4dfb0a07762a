"""Benchmark of the web app: a board's worth of readers against ``trustboard serve``.

The readers: ``--users`` simulated readers (default 50), each with its own HTTP client made
before the first one arrives, arrive at a random moment within the first pause (uniform over
0 to ``--pause`` seconds, seeded by the reader's number, so every run has the same
arrivals), as people joining a meeting do; each signs in once, then opens the forum's summary
table, three metric pages and a metric's drill-down, pausing 0.5 to 1.5 ``--pause`` before
each page, ``--rounds`` times (default 2), against ``trustboard serve --workers 2`` on
127.0.0.1.  Sign-in (the form, then the password checked with Argon2id) is reported apart from
the pages: it is not one of the bars, but the pages asked for while sign-ins are hashed wait
for the CPU with them.  Before the readers, 16 readers with no pause warm both workers' caches
(each process builds a month's pack model once).  Then one reader alone (each page's time and
the server's CPU time per request); then the same server without pauses at 1, 2, 4 ...
clients, to find the throughput at which the 95th percentile passes 100 ms; then the same kind
of server (uvicorn, same workers) sending a static copy of the summary page, the floor.  Every
run stops by itself; each store and engine takes about one to two minutes, and its lines end
with the time it took and the 1-minute load average.

Stores: ``demo`` (``trustboard demo``'s trust, no waiting-times engine) and ``units`` (the
org-unit tree of ``bench/bench_store.py``: 500 units at ``--units 500``, with ``--metrics``
metrics (default 20) over 60 months, one forum receiving them all); engines ``sqlite`` and
``postgresql`` (``TRUSTBOARD_BENCH_POSTGRES_URL``, default the local server; a scratch
database is created and dropped).  The bars: p95 <= 100 ms for the summary and metric pages,
<= 300 ms for the 500-unit drill-down, no errors.

    python bench/bench_web.py --store demo --engine sqlite        # one configuration
    python bench/bench_web.py --store units --engine postgresql
    python bench/bench_web.py                                     # all four
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx2

# the store of bench_store.py (run as a script, this folder is on sys.path)
from bench_store import (  # type: ignore[import-not-found]
    FIRST_MONTH,
    MONTHS,
    build_metrics,
    build_org_units,
    build_values,
)

PASSWORD = "bench passphrase of several words"
USER = "bench-reader"
BAR_MS = {"summary": 100.0, "metric": 100.0}
UNITS_DRILL_BAR_MS = 300.0
STATIC_ENV = "TRUSTBOARD_BENCH_STATIC_PAGE"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass(frozen=True, slots=True)
class Site:
    """What the readers open: the forum's month, three metrics and the drill-down's metric."""

    label: str
    url: str
    forum: str
    period: str
    metrics: tuple[str, str, str]

    def summary(self) -> str:
        return f"/forums/{self.forum}/{self.period}"

    def metric(self, metric_id: str) -> str:
        return f"{self.summary()}/metrics/{metric_id}"

    def drill(self) -> str:
        return f"{self.metric(self.metrics[0])}/drill"


@dataclass(slots=True)
class Timings:
    """Seconds per page kind, and the errors seen."""

    seconds: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)

    def add(self, kind: str, started: float, answer: httpx2.Response, expected: int) -> None:
        self.seconds[kind].append(time.perf_counter() - started)
        if answer.status_code != expected:
            self.errors.append(f"{kind}: HTTP {answer.status_code} (expected {expected})")


def percentile(values: Sequence[float], share: float) -> float:
    """The ``share`` quantile (0..1) by the nearest-rank rule."""
    ordered = sorted(values)
    rank = max(1, round(share * len(ordered) + 0.5 - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


# -- stores ---------------------------------------------------------------------------------


def _postgres_database() -> tuple[str, Any]:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = os.environ.get(
        "TRUSTBOARD_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    engine = create_engine(
        admin.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT"
    )
    name = f"tb_benchweb_{os.getpid()}_{int(time.time())}"
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(str(engine.url)).set(database=name).render_as_string(hide_password=False)
    return url, engine


def _drop(engine: Any, url: str) -> None:
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    engine.dispose()


def build_demo(url: str, folder: Path) -> Site:
    """The demo trust (no packs, no waiting-times engine) and a reader of every forum."""
    from trustboard.demo import LATEST_PERIOD
    from trustboard.services.demo import run_demo
    from trustboard.services.users import add_user
    from trustboard.store import Store

    run_demo(folder / "demo", database=url, forums=(), pdf=False, waits=False)
    with Store.open(url, actor="bench") as store:
        add_user(store, USER, "analyst", PASSWORD)
    return Site("demo", url, "BOARD", LATEST_PERIOD.label(), ("SAF17-RN-DAY", "SAF02", "RES01"))


def build_units(url: str, folder: Path, units: int, metrics: int) -> Site:
    """The org-unit tree of ``bench_store.py`` (``units`` units, ``metrics`` metrics over 60
    months), one forum receiving every metric, SPC refreshed, and a reader."""
    from trustboard.domain import Forum, ForumKind
    from trustboard.services.imports import import_values
    from trustboard.services.refresh import refresh_spc
    from trustboard.services.users import add_user
    from trustboard.store import Store

    tree = build_org_units(units)
    catalogue = build_metrics(metrics)
    values = build_values(catalogue, tree)
    source = folder / "values.parquet"
    values.write_parquet(source)
    forum = Forum(id="IPR", name="Integrated Performance Report", kind=ForumKind.BOARD)
    store, _before, _after = Store.init(url, actor="bench")
    try:
        store.upsert_catalogue(catalogue, tree, [forum], effective=date(2020, 4, 1))
    finally:
        store.close()
    import_values([source], database=url, today=date(2025, 6, 30))
    refresh_spc(database=url, actor="bench")
    with Store.open(url, actor="bench") as store:
        add_user(store, USER, "analyst", PASSWORD)
    ids = [m.id for m in catalogue]
    chosen = (ids[0], ids[3 % len(ids)], ids[5 % len(ids)])
    return Site(f"{units} units", url, "IPR", FIRST_MONTH.shift(MONTHS - 1).label(), chosen)


# -- servers --------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_up(base: str, server: subprocess.Popen[bytes], path: str) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server stopped (exit {server.returncode})")
        try:
            if httpx2.get(base + path, timeout=2).status_code == 200:
                return
        except httpx2.TransportError:
            pass
        time.sleep(0.25)
    raise SystemExit(f"the server did not answer {path} within 120 s")


def server_cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system) used so far by process ``pid`` and its descendants (the
    workers), from ``/proc``; 0 where there is no ``/proc``."""
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    total = 0.0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            for task in Path(f"/proc/{current}/task").iterdir():
                children = (task / "children").read_text().split()
                pending.extend(int(c) for c in children)
        except (OSError, IndexError, ValueError):
            continue
    return total


_SERVER_PID: dict[str, int] = {}


@contextmanager
def _server(
    command: list[str], path: str, env: dict[str, str], log: Path | None = None
) -> Iterator[str]:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    out = log.open("wb") if log is not None else subprocess.DEVNULL
    server = subprocess.Popen(
        [*command, "--port", str(port)], stdout=out, stderr=subprocess.STDOUT, env=env
    )
    try:
        _wait_up(base, server, path)
        _SERVER_PID[base] = server.pid
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        if log is not None and not isinstance(out, int):
            out.close()


def trustboard_server(url: str, workers: int, log: Path) -> Any:
    """``trustboard serve --workers N`` over the store at ``url`` (its output in ``log``)."""
    exe = Path(sys.executable).with_name("trustboard")
    env = {k: v for k, v in os.environ.items() if k != "TRUSTBOARD_DATABASE_URL"}
    command = [str(exe), "serve", "--database", url, "--workers", str(workers)]
    return _server(command, "/sign-in", env, log)


def static_server(page: Path, workers: int) -> Any:
    """uvicorn with the same workers, sending the file ``page`` for every path (the floor)."""
    env = dict(os.environ, **{STATIC_ENV: str(page)})
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "bench_web:static_app",
        "--app-dir",
        str(Path(__file__).resolve().parent),
        "--workers",
        str(workers),
        "--no-server-header",
        "--log-level",
        "warning",
    ]
    return _server(command, "/", env)


def static_app() -> Any:
    """An ASGI app answering every GET with the page in ``TRUSTBOARD_BENCH_STATIC_PAGE``."""
    body = Path(os.environ[STATIC_ENV]).read_bytes()
    headers = [(b"content-type", b"text/html; charset=utf-8")]

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app


# -- readers --------------------------------------------------------------------------------


async def _sign_in(client: httpx2.AsyncClient, timings: Timings) -> None:
    started = time.perf_counter()
    form = await client.get("/sign-in")
    timings.add("sign-in form", started, form, 200)
    found = _CSRF.search(form.text)
    token = found.group(1) if found else ""
    started = time.perf_counter()
    answer = await client.post(
        "/sign-in", data={"name": USER, "password": PASSWORD, "csrf_token": token}
    )
    timings.add("sign-in", started, answer, 303)


async def _reader(
    client: httpx2.AsyncClient,
    site: Site,
    rounds: int,
    pause: float,
    rng: random.Random,
    timings: Timings,
) -> None:
    pages = [
        ("summary", site.summary()),
        *[("metric", site.metric(m)) for m in site.metrics],
        ("drill-down", site.drill()),
    ]
    # each reader arrives at its own moment within the first pause, as people joining a
    # meeting do, then signs in
    await asyncio.sleep(rng.uniform(0, pause))
    try:
        await _sign_in(client, timings)
        for _ in range(rounds):
            for kind, path in pages:
                await asyncio.sleep(rng.uniform(0.5 * pause, 1.5 * pause))
                started = time.perf_counter()
                answer = await client.get(path)
                timings.add(kind, started, answer, 200)
    except httpx2.HTTPError as failed:
        timings.errors.append(f"{type(failed).__name__}: {failed}")


async def readers(
    base: str, site: Site, users: int, rounds: int, pause: float, seed: int = 0
) -> Timings:
    """``users`` readers, each arriving at a random moment (seeded by ``seed`` and the reader's
    number) within the first ``pause`` seconds, signing in once, then going ``rounds`` times
    through the pages with a pause of 0.5 to 1.5 ``pause`` before each.

    Every reader's HTTP client is made before the first arrives: making one takes tens of
    milliseconds of the event loop (an SSL context each), and made inside the readers, 50 of
    them would hold the loop for seconds and release every reader at the same instant."""
    timings = Timings()
    clients = [httpx2.AsyncClient(base_url=base, timeout=60) for _ in range(users)]
    try:
        await asyncio.gather(
            *[
                _reader(client, site, rounds, pause, random.Random(seed * 1000 + n), timings)
                for n, client in enumerate(clients)
            ]
        )
    finally:
        await asyncio.gather(*[c.aclose() for c in clients])
    return timings


async def _hammer(
    base: str, paths: Sequence[str], users: int, seconds: float, signed: bool
) -> tuple[float, list[float], int]:
    """``users`` clients requesting ``paths`` in turn with no pause for ``seconds`` (each
    signed in first, outside the clock): (requests per second, latencies, errors)."""
    latencies: list[float] = []
    errors = 0
    clients = [httpx2.AsyncClient(base_url=base, timeout=60) for _ in range(users)]
    try:
        if signed:
            await asyncio.gather(*[_sign_in(c, Timings()) for c in clients])
        stop = time.perf_counter() + seconds

        async def one(k: int) -> None:
            nonlocal errors
            i = k
            while time.perf_counter() < stop:
                started = time.perf_counter()
                try:
                    answer = await clients[k].get(paths[i % len(paths)])
                    if answer.status_code != 200:
                        errors += 1
                except httpx2.HTTPError:
                    errors += 1
                latencies.append(time.perf_counter() - started)
                i += 1

        began = time.perf_counter()
        await asyncio.gather(*[one(k) for k in range(users)])
        return len(latencies) / (time.perf_counter() - began), latencies, errors
    finally:
        await asyncio.gather(*[c.aclose() for c in clients])


def saturation(
    base: str, paths: Sequence[str], seconds: float, signed: bool, limit: int
) -> list[tuple[int, float, float, int]]:
    """(concurrency, requests/s, p95 ms, errors) at 1, 2, 4 ... clients with no pause, up to
    the first level whose p95 passes 100 ms (or ``limit`` clients)."""
    rows = []
    users = 1
    while users <= limit:
        rate, latencies, errors = asyncio.run(_hammer(base, paths, users, seconds, signed))
        p95 = percentile(latencies, 0.95) * 1000 if latencies else float("inf")
        rows.append((users, rate, p95, errors))
        if p95 > 100:
            break
        users *= 2
    return rows


def _report_saturation(label: str, rows: list[tuple[int, float, float, int]]) -> None:
    steps = "; ".join(f"{u} → {r:.0f}/s p95 {p:.0f} ms" for u, r, p, _e in rows)
    under = [r for _u, r, p, _e in rows if p <= 100]
    errors = sum(e for *_rest, e in rows)
    best = f"{max(under):.0f} requests/s" if under else "none (p95 > 100 ms with one client)"
    print(f"  {label}: highest throughput with p95 <= 100 ms: {best} ({steps}; errors {errors})")


# -- the run --------------------------------------------------------------------------------


def run(site: Site, args: argparse.Namespace, folder: Path) -> bool:
    """Every figure for one store and engine; whether the bars were met."""
    engine = "postgresql" if site.url.startswith("postgresql") else "sqlite"
    met = True
    log = folder / "serve.log"
    with trustboard_server(site.url, args.workers, log) as base:
        # warm each worker's cache of pack models (the first request of a month builds it)
        warm = asyncio.run(readers(base, site, 8 * args.workers, 1, 0.0, seed=1))
        if warm.errors:
            print(f"  warm-up errors: {warm.errors[:3]}")
        started = time.perf_counter()
        cpu = server_cpu_seconds(_SERVER_PID[base])
        timings = asyncio.run(readers(base, site, args.users, args.rounds, args.pause))
        took = time.perf_counter() - started
        cpu = server_cpu_seconds(_SERVER_PID[base]) - cpu
        total = sum(len(v) for v in timings.seconds.values())
        print(
            f"{site.label} on {engine}: {args.users} readers x {args.rounds} rounds, "
            f"{total} requests in {took:.0f} s, errors {len(timings.errors)}, "
            f"server CPU {cpu:.1f} s ({cpu / max(total, 1) * 1000:.0f} ms a request), "
            f"load average {_load()}"
        )
        for kind in ("sign-in form", "sign-in", "summary", "metric", "drill-down"):
            seconds = timings.seconds.get(kind, [])
            if not seconds:
                continue
            p50 = statistics.median(seconds) * 1000
            p95 = percentile(seconds, 0.95) * 1000
            bar = BAR_MS.get(kind)
            if kind == "drill-down" and site.label.endswith("units"):
                bar = UNITS_DRILL_BAR_MS
            verdict = ""
            if bar is not None:
                verdict = f"  (bar {bar:.0f} ms: {'met' if p95 <= bar else 'NOT met'})"
                met = met and p95 <= bar
            print(
                f"  {kind:13s} n={len(seconds):4d}  p50 {p50:7.1f} ms  p95 {p95:7.1f} ms{verdict}"
            )
        if timings.errors:
            met = False
            print(f"  first errors: {timings.errors[:5]}")
            text = log.read_text(errors="replace")
            if "Traceback" in text:
                first = text[text.index("Traceback") :].splitlines()
                cause = next((line for line in first[1:] if not line.startswith(" ")), "")
                print(f"  the server's first traceback ends: {cause}")
        serial_costs(base, site, 12)
        paths = [site.summary(), *[site.metric(m) for m in site.metrics]]
        rows = saturation(base, paths, args.step_seconds, True, args.max_clients)
        _report_saturation("summary and metric pages, no pause", rows)
        reader = httpx2.Client(base_url=base, timeout=60)
        try:
            form = reader.get("/sign-in")
            found = _CSRF.search(form.text)
            reader.post(
                "/sign-in",
                data={
                    "name": USER,
                    "password": PASSWORD,
                    "csrf_token": found.group(1) if found else "",
                },
            )
            page = folder / "summary.html"
            page.write_bytes(reader.get(site.summary()).content)
        finally:
            reader.close()
    with static_server(page, args.workers) as base:
        rows = saturation(base, ["/"], args.step_seconds, False, args.max_clients)
        _report_saturation(f"static copy of the summary page ({page.stat().st_size:,} bytes)", rows)
    return met


def serial_costs(base: str, site: Site, repeat: int) -> None:
    """One reader, one page at a time: each page kind's median time and the server's CPU
    time per request (the steadier figure on a shared machine)."""
    pages = {
        "summary": [site.summary()],
        "metric": [site.metric(m) for m in site.metrics],
        "drill-down": [site.drill()],
    }
    with httpx2.Client(base_url=base, timeout=60) as client:
        form = client.get("/sign-in")
        found = _CSRF.search(form.text)
        token = found.group(1) if found else ""
        client.post("/sign-in", data={"name": USER, "password": PASSWORD, "csrf_token": token})
        parts = []
        for kind, paths in pages.items():
            seconds = []
            cpu = server_cpu_seconds(_SERVER_PID[base])
            for i in range(repeat):
                started = time.perf_counter()
                client.get(paths[i % len(paths)]).raise_for_status()
                seconds.append(time.perf_counter() - started)
            cpu = server_cpu_seconds(_SERVER_PID[base]) - cpu
            parts.append(
                f"{kind} {statistics.median(seconds) * 1000:.0f} ms "
                f"(server CPU {cpu / repeat * 1000:.0f} ms)"
            )
    print(f"  one reader, one page at a time, median of {repeat}: " + "; ".join(parts))


def _load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def _machine() -> str:
    load = _load()
    return (
        f"{platform.node()} · {platform.processor() or platform.machine()} · "
        f"{os.cpu_count()} CPUs · Python {platform.python_version()} · "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC · load average {load}"
    )


def main(argv: list[str] | None = None) -> int:
    """Parse the options, build each store on each engine, and run the readers."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--stores", "--store", default="demo,units", help="comma-separated: demo, units"
    )
    parser.add_argument(
        "--engines", "--engine", default="sqlite,postgresql", help="sqlite, postgresql"
    )
    parser.add_argument("--users", type=int, default=50, help="readers at once (50)")
    parser.add_argument("--rounds", type=int, default=2, help="journeys per reader (2)")
    parser.add_argument("--pause", type=float, default=1.0, help="mean pause between pages, s")
    parser.add_argument("--workers", type=int, default=2, help="server worker processes (2)")
    parser.add_argument("--units", type=int, default=500, help="org units of the units store")
    parser.add_argument("--metrics", type=int, default=20, help="metrics of the units store")
    parser.add_argument(
        "--step-seconds", type=float, default=3.0, help="seconds per concurrency step"
    )
    parser.add_argument("--max-clients", type=int, default=32, help="most clients, no pause")
    args = parser.parse_args(argv)
    print(_machine())
    met = True
    for store_kind in [s.strip() for s in args.stores.split(",") if s.strip()]:
        for engine in [e.strip() for e in args.engines.split(",") if e.strip()]:
            with tempfile.TemporaryDirectory(prefix="tb-bench-web-") as name:
                folder = Path(name)
                admin = None
                url = f"sqlite:///{folder / 'web.db'}"
                if engine == "postgresql":
                    url, admin = _postgres_database()
                try:
                    started = time.perf_counter()
                    if store_kind == "demo":
                        site = build_demo(url, folder)
                    else:
                        site = build_units(url, folder, args.units, args.metrics)
                    print(
                        f"built the {site.label} store on {engine} in "
                        f"{time.perf_counter() - started:.0f} s"
                    )
                    met = run(site, args, folder) and met
                    print(
                        f"  ({site.label} on {engine}: {time.perf_counter() - started:.0f} s "
                        f"in all; load average {_load()})"
                    )
                finally:
                    if admin is not None:
                        _drop(admin, url)
    print(f"bars {'met' if met else 'NOT met'}; {_machine()}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
