"""A hand-built store for the control panel and check-and-publish tests.

The board-pack tests' catalogue and 30 months of values to March 2025; RES01 (the Board pack's
one exception) has commentary for March; one account of each role the tests use.  Built once
per module and copied for each test (Argon2 hashing is slow on purpose).
"""

from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from conftest import PASSWORD
from pack.conftest import COMPLETE_PAPER, FORUMS, UNITS, catalogue, value_rows
from trustboard.domain import AssuranceLevel, Commentary
from trustboard.services.users import add_user
from trustboard.store import NarrativeVersion, Store
from trustboard.store.narrative_versions import add_version

PERIOD = "2025-03"
SECTIONS = {
    "chart_shows": "Fewer people started treatment within 6 weeks since August.",
    "root_causes": "Two step-2 therapist vacancies.",
}
#: (name, role, forums)
ACCOUNTS = (
    ("ana", "analyst", ()),
    ("adam", "admin", ()),
    ("eve", "executive", ()),
    ("bea", "board_member", ("board",)),
)


def build(path: Path) -> None:
    """The store at ``path``."""
    store, _before, _after = Store.init(f"sqlite:///{path}", actor="test")
    store.upsert_catalogue(catalogue(), UNITS, FORUMS, effective=date(2020, 1, 1), source="t")
    store.write_values(value_rows())
    store.write_commentary(
        [
            Commentary(
                metric_id="RES01",
                period=PERIOD,
                sections=SECTIONS,
                assurance_level=AssuranceLevel.PARTIALLY_ASSURED,
            )
        ]
    )
    for name, role, forums in ACCOUNTS:
        add_user(store, name, role, PASSWORD, forums=forums)
    store.close()


def copy(template: Path, target: Path) -> Store:
    """A copy of the built store, opened."""
    shutil.copyfile(template, target)
    return Store.open(f"sqlite:///{target}", actor="test")


def narrative(store: Store, state: str, *, author: str = "eve") -> None:
    """Record RES01's March narrative as version 1 in ``state`` (as the narrative pages leave
    it: ``submitted`` awaits its approver; ``approved`` may be published)."""
    item = NarrativeVersion(
        metric_id="RES01",
        period=PERIOD,
        org_unit="",
        version=1,
        based_on=None,
        state=state,
        sections=dict(SECTIONS),
        author=author,
        created_at=datetime(2025, 4, 9, 9, 0),
        approver="coo" if state == "approved" else None,
    )
    with store.transaction() as conn:
        add_version(conn, item, action=f"narrative.{state}", before=None)


def paper(folder: Path, **fields: Any) -> Path:
    """The complete paper configuration, with ``fields`` over its shared fields (a field given
    as None is left out)."""
    shared = dict(COMPLETE_PAPER["paper"])  # type: ignore[call-overload]
    for key, value in fields.items():
        if value is None:
            shared.pop(key, None)
        else:
            shared[key] = value
    path = folder / "paper.yaml"
    path.write_text(yaml.safe_dump({**COMPLETE_PAPER, "paper": shared}), encoding="utf-8")
    return path
