"""The live site the browser tests drive: the demo store served by ``trustboard serve``, and
Debian's Chromium driven by Playwright with axe-core from ``TRUSTBOARD_AXE_JS``.

The demo store is built once per test process (about 15 s: ``run_demo`` without packs, PDF or
the waiting-times engine, then the Board's pack published without PDF) and served by
``trustboard serve`` on a free port of 127.0.0.1 until the run ends.  Without Chromium,
axe-core or Playwright the tests are skipped with the reason, unless
``TRUSTBOARD_REQUIRE_SERVERS=1`` (CI), where they fail.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest


def server_unavailable(message: str) -> None:
    """Skip the test with ``message``, or fail it under ``TRUSTBOARD_REQUIRE_SERVERS=1``."""
    if os.environ.get("TRUSTBOARD_REQUIRE_SERVERS") == "1":
        pytest.fail(f"{message} (TRUSTBOARD_REQUIRE_SERVERS=1, so this is a failure)")
    pytest.skip(message)


#: The forum, month and metric the tests browse; the metric has values for every team.
FORUM = "BOARD"
PERIOD = "2025-03"
METRIC = "SAF17-RN-DAY"
#: A team of the metric, and the directorate and service above it.
DIRECTORATE, SERVICE, TEAM = "MH", "MH-OPMH", "MH-OPM-ELM"
#: WCAG 2.2 AA, as axe-core tags its rules.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
WIDTHS = (1366, 390)
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
_STARTUP_S = 90.0


@dataclass(frozen=True, slots=True)
class DemoSite:
    """The served demo store: where it answers and what it holds."""

    base: str
    database: str
    published_root: Path
    log: Path

    def url(self, path: str) -> str:
        """The address of ``path`` on the site."""
        return self.base + path


def axe_script() -> Path | None:
    """axe-core's ``axe.min.js``: ``TRUSTBOARD_AXE_JS``, else under ``npm root -g``."""
    configured = os.environ.get("TRUSTBOARD_AXE_JS")
    if configured:
        return Path(configured) if Path(configured).is_file() else None
    npm = shutil.which("npm")
    if npm is None:
        return None
    try:
        root = subprocess.run(
            [npm, "root", "-g"], capture_output=True, text=True, timeout=20, check=False
        ).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return None
    candidate = Path(root) / "axe-core" / "axe.min.js"
    return candidate if candidate.is_file() else None


def free_port() -> int:
    """A port of 127.0.0.1 that nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _build(folder: Path) -> tuple[str, Path]:
    from trustboard.demo import build_paper_config
    from trustboard.services.demo import run_demo
    from trustboard.services.publish import publish_pack
    from trustboard.store import Store

    built = run_demo(folder / "demo", forums=(), pdf=False, waits=False)
    url = f"sqlite:///{Path(built.database)}"
    root = folder / "out"
    store = Store.open(url, actor="test")
    try:
        publish_pack(store, FORUM, PERIOD, root, config=build_paper_config(), pdf=False)
    finally:
        store.close()
    return url, root


def _wait_until_up(base: str, server: subprocess.Popen[bytes], log: Path) -> None:
    import httpx2

    deadline = time.monotonic() + _STARTUP_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(
                f"trustboard serve stopped (exit {server.returncode}):\n{log.read_text()}"
            )
        try:
            if httpx2.get(base + "/sign-in", timeout=2).status_code == 200:
                return
        except httpx2.TransportError:
            pass
        time.sleep(0.25)
    raise AssertionError(
        f"trustboard serve did not answer in {_STARTUP_S:.0f} s:\n{log.read_text()}"
    )


@contextmanager
def serve(database: str, published_root: Path, log: Path, *, workers: int = 1) -> Iterator[str]:
    """``trustboard serve`` on a free port of 127.0.0.1 (its output in ``log``); yields its
    base address and stops it afterwards."""
    port = free_port()
    command = [
        str(Path(sys.executable).with_name("trustboard")),
        "serve",
        "--database",
        database,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--published-root",
        str(published_root),
    ]
    if not Path(command[0]).is_file():
        command[:1] = [sys.executable, "-c", "from trustboard.cli.app import main; main()"]
    env = {k: v for k, v in os.environ.items() if k != "TRUSTBOARD_DATABASE_URL"}
    base = f"http://127.0.0.1:{port}"
    with log.open("wb") as out:
        server = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
        try:
            _wait_until_up(base, server, log)
            yield base
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


_SITE: list[DemoSite] = []


def demo_site(request: pytest.FixtureRequest, factory: pytest.TempPathFactory) -> DemoSite:
    """The served demo store, built and started once per test process (stopped at its end)."""
    if _SITE:
        return _SITE[0]
    browser_tools()  # nothing to build when the browser cannot run
    folder = factory.mktemp("browser-demo")
    database, root = _build(folder)
    log = folder / "serve.log"
    running = serve(database, root, log)
    base = running.__enter__()

    def stop() -> None:
        running.__exit__(None, None, None)

    request.config.add_cleanup(stop)
    _SITE.append(DemoSite(base=base, database=database, published_root=root, log=log))
    return _SITE[0]


def browser_tools() -> tuple[str, Path]:
    """Chromium's executable and axe-core's script (skip, or fail in CI, without them or
    without Playwright)."""
    executable = shutil.which("chromium")
    if executable is None:
        server_unavailable("Chromium is not installed (Debian package 'chromium')")
    axe = axe_script()
    if axe is None:
        server_unavailable(
            "axe-core is not installed (npm install axe-core; set TRUSTBOARD_AXE_JS)"
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        server_unavailable("playwright is not installed (dev extra)")
    assert executable is not None and axe is not None
    return executable, axe


@contextmanager
def chromium() -> Iterator[tuple[Any, str]]:
    """Headless Chromium through Playwright, and axe-core's source."""
    from playwright.sync_api import sync_playwright

    executable, axe = browser_tools()
    with sync_playwright() as play:
        browser = play.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        try:
            yield browser, axe.read_text(encoding="utf-8")
        finally:
            browser.close()


def sign_in(tab: Any, site: DemoSite, name: str, password: str) -> None:
    """Sign ``name`` in through the form (with the mouse: the journeys test the keyboard)."""
    tab.goto(site.url("/sign-in"))
    tab.fill("#name", name)
    tab.fill("#password", password)
    tab.click("form.form button[type=submit]")
    tab.wait_for_url(site.url("/"))


def axe_violations(tab: Any, axe_source: str) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.2 AA violations on the page open in ``tab`` (every ``details``
    opened first, so that what is folded away is checked too).  axe is evaluated through
    the DevTools protocol, which the page's Content-Security-Policy does not govern."""
    tab.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    if not tab.evaluate("typeof window.axe !== 'undefined'"):
        tab.evaluate(axe_source)
    result = tab.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS
    )
    return [
        {
            "id": v["id"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in result["violations"]
    ]
