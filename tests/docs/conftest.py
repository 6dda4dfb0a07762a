"""The workspace the documentation's examples run in: the demo trust's store and its files.

The demo trust is built once per session (``run_demo`` without packs or the waiting-times
engine); each example then gets a fresh copy of the workspace, so examples never see each
other's changes.  The workspace holds what the examples name: the store as ``trustboard.db``,
the catalogue as ``config/``, the paper settings as ``paper.yaml``, the BAF register as
``register.yaml`` and ``register.xlsx``, a month of values as an IPR workbook
(``ipr_2025-03.xlsx`` and ``data/2025-03/ipr.xlsx``), and ``src`` (the project's, for the A&E
data set it ships).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from docs.blocks import ROOT

LATEST = date(2025, 3, 1)

#: A metric map for the waits examples: the adult CMH list's over-52-week waiters, trust-wide.
METRIC_MAP = """\
metrics:
  - standard: cmh_adult_4w
    output: open_over_52w
    metric: RES07-52W
    org_unit: TRUST
"""


def _narrative(database: Path, folder: Path) -> None:
    """The demo's March 2025 commentary as Markdown files, one per metric and org unit."""
    from trustboard.store import Store

    store = Store.open(str(database))
    try:
        items = store.commentary(period="2025-03")
    finally:
        store.close()
    assert items, "the demo store has no commentary for March 2025"
    folder.mkdir(parents=True, exist_ok=True)
    for item in items:
        fields = {
            "metric": item.metric_id,
            "period": item.period,
            "org_unit": item.org_unit,
            "assurance_level": item.assurance_level.value if item.assurance_level else None,
            "author": item.author,
        }
        # JSON strings are YAML strings, quoted whatever they hold
        front = [f"{key}: {json.dumps(value)}" for key, value in fields.items() if value]
        body = [f"## {key}\n\n{text}\n" for key, text in item.sections.items() if text]
        name = f"{item.metric_id}-{item.org_unit or 'TRUST'}.md"
        text = "---\n" + "\n".join(front) + "\n---\n\n" + "\n".join(body)
        (folder / name).write_text(text, encoding="utf-8")


def _values_workbook(database: Path, target: Path) -> None:
    """The demo's March 2025 values in the long layout, as a trust's IPR workbook would be."""
    from trustboard.store import Store

    store = Store.open(str(database))
    try:
        march = store.values(start=LATEST, end=LATEST)
    finally:
        store.close()
    rows = march.select(
        "metric_id",
        pl.col("period_start").dt.strftime("%Y-%m").alias("period"),
        "org_unit",
        "numerator",
        "denominator",
        "value",
        pl.when(pl.col("provisional"))
        .then(pl.lit("yes"))
        .otherwise(pl.lit("no"))
        .alias("provisional"),
    )
    assert rows.height > 100, "the demo store has no values for March 2025"
    target.parent.mkdir(parents=True, exist_ok=True)
    rows.write_excel(target, worksheet="values")


@pytest.fixture(scope="session")
def docs_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The workspace every example copies (built once per session)."""
    from trustboard.services.baf import export_register
    from trustboard.services.demo import run_demo, write_demo_config
    from trustboard.services.waits import generate_synthetic_waits

    home = tmp_path_factory.mktemp("docs-workspace")
    built = run_demo(home / "build", pdf=False, waits=False, forums=())
    database = home / "trustboard.db"
    shutil.move(built.database, database)
    shutil.rmtree(home / "build")
    write_demo_config(home / "config")
    shutil.copy(home / "config" / "paper.yaml", home / "paper.yaml")
    export_register(home / "register.yaml", database=str(database))
    export_register(home / "register.xlsx", database=str(database))
    _values_workbook(database, home / "ipr_2025-03.xlsx")
    _copy(home / "ipr_2025-03.xlsx", home / "data" / "2025-03" / "ipr.xlsx")
    _narrative(database, home / "narrative" / "2025-03")
    generate_synthetic_waits(home, referrals=5_000, months=36, seed=1)
    (home / "my_map.yaml").write_text(METRIC_MAP, encoding="utf-8")
    return home


def _copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(source, target)


@pytest.fixture
def workspace(
    docs_workspace: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """A fresh copy of the workspace, as the working directory, with ``src`` beside it."""
    here = tmp_path / "workspace"
    shutil.copytree(docs_workspace, here)
    (here / "src").symlink_to(ROOT / "src", target_is_directory=True)
    monkeypatch.chdir(here)
    monkeypatch.delenv("TRUSTBOARD_DATABASE_URL", raising=False)
    monkeypatch.delenv("TRUSTBOARD_DEBUG", raising=False)
    yield here
