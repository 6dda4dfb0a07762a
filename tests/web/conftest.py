"""A store for the web app's tests: the pack tests' catalogue, values and narrative, with a
marker written into every private field, and one account of each role."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from pack.conftest import FORUMS, UNITS, catalogue, value_rows
from trustboard.domain import Action, AssuranceLevel, Commentary
from trustboard.services.users import add_user
from trustboard.store import Store
from trustboard.web import WebSettings, create_app

#: Written into every private field; must never reach a public-board member.
MARK = "ZQXWEBPRIVATEZQX"
PASSWORD = "a long enough passphrase"
PERIOD = "2025-03"

#: One account of each role: (name, role, forums).  Forum-bound roles get one forum each.
ACCOUNTS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("bella", "board_member", ("public-board",)),
    ("dara", "directorate_lead", ("fpc",)),
    ("eve", "executive", ()),
    ("ana", "analyst", ()),
    ("rita", "risk_lead", ()),
    ("adam", "admin", ()),
)


def _fill(url: str) -> Store:
    store, _before, _after = Store.init(url, actor="test")
    defs = [
        d.model_copy(update={"name": f"{d.name} {MARK}-metric", "description": f"{MARK}-def"})
        if d.private
        else d
        for d in catalogue()
    ]
    store.upsert_catalogue(defs, UNITS, FORUMS, effective=date(2020, 1, 1), source="test")
    store.write_values(value_rows())
    private_metric = next(d.id for d in defs if d.private)
    store.write_commentary(
        [
            Commentary(
                metric_id="RES01",
                period=PERIOD,
                author="Head of Psychological Therapies",
                sections={
                    "summary": "Fewer people started treatment within 6 weeks.",
                    "root_causes": f"{MARK}-root-causes: a named team's sickness.",
                },
                private_sections=("root_causes",),
                assurance_level=AssuranceLevel.PARTIALLY_ASSURED,
            ),
            Commentary(
                metric_id=private_metric,
                period=PERIOD,
                sections={"summary": f"{MARK}-private-metric-summary"},
            ),
        ]
    )
    store.write_actions(
        [
            Action(
                id="P-1",
                metric_id=private_metric,
                description=f"{MARK}-private-metric-action",
                owner="Director of People",
                due=date(2025, 6, 30),
            )
        ]
    )
    for name, role, forums in ACCOUNTS:
        add_user(store, name, role, PASSWORD, forums=forums)
    return store


@pytest.fixture(scope="session")
def _template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The filled store, built once (Argon2 hashing is slow on purpose); tests get copies."""
    path = tmp_path_factory.mktemp("web-template") / "web.db"
    _fill(f"sqlite:///{path}").close()
    return path


@pytest.fixture
def web_store(_template_db: Path, tmp_path: Path) -> Iterator[Store]:
    """A fresh copy of the filled SQLite store for one test."""
    for suffix in ("", "-wal", "-shm"):
        source = _template_db.with_name(_template_db.name + suffix)
        if source.exists():
            shutil.copyfile(source, tmp_path / f"web.db{suffix}")
    store = Store.open(f"sqlite:///{tmp_path / 'web.db'}", actor="test")
    yield store
    store.close()


@pytest.fixture
def app_url(web_store: Store) -> str:
    """The store's URL, for :func:`create_app`."""
    return web_store.engine.url.render_as_string(hide_password=False)


def make_client(url: str, *, allow_plain_http: bool = True, **kw: object) -> TestClient:
    """A test client of a new app over the store at ``url``."""
    app = create_app(WebSettings(database=url, allow_plain_http=allow_plain_http))
    return TestClient(app, follow_redirects=False, **kw)  # type: ignore[arg-type]


def csrf_of(html: str) -> str:
    """The CSRF token in a page's form."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None, "no CSRF token in the page"
    return found.group(1)


def sign_in(client: TestClient, name: str, password: str = PASSWORD) -> str:
    """Sign ``name`` in through the form; returns the session's CSRF token."""
    form = client.get("/sign-in")
    answer = client.post(
        "/sign-in", data={"name": name, "password": password, "csrf_token": csrf_of(form.text)}
    )
    assert answer.status_code == 303, answer.text
    home = client.get("/")
    assert home.status_code == 200
    return csrf_of(home.text)


@pytest.fixture
def client(app_url: str) -> TestClient:
    """A client of the app (nobody signed in)."""
    return make_client(app_url)
