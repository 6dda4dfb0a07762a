"""Builders shared by the BAF tests: a small risk and register written out in full here."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Any

from trustboard.domain.baf import BafRegister, BafRisk, StrategicObjective
from trustboard.services import narrative as nv
from trustboard.services.refresh import refresh_spc
from trustboard.services.users import Role, User
from trustboard.store import Store
from trustboard.store import baf as store_baf

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "baf"


def make_risk(**changes: Any) -> BafRisk:
    """A plain risk: current 12 (L3 × C4), target 6, Cautious appetite (6–10), two reviews."""
    data: dict[str, Any] = {
        "id": "BAF-01",
        "title": "Access to services",
        "objectives": ("GO",),
        "cause": "demand exceeds capacity",
        "event": "people wait too long",
        "effect": "harm while waiting",
        "executive_lead": "Chief Operating Officer",
        "lead_committee": "Finance and Performance Committee",
        "inherent": {"likelihood": 4, "consequence": 4},
        "current": {"likelihood": 3, "consequence": 4},
        "target": {"likelihood": 2, "consequence": 3},
        "target_date": date(2026, 3, 31),
        "appetite_category": "quality",
        "appetite_level": "Cautious",
        "key_metrics": ("RES06-LIST",),
        "assurances": (
            {
                "id": "AS1",
                "line": "second",
                "source": "Committee review",
                "date": date(2025, 6, 1),
                "result": "positive",
            },
        ),
        "actions": (
            {
                "id": "A1",
                "description": "Recruit staff",
                "owner": "COO",
                "due": date(2026, 1, 31),
                "status": "on_track",
            },
        ),
        "history": (
            {
                "date": date(2025, 6, 30),
                "current": {"likelihood": 3, "consequence": 4},
                "rationale": "Set",
            },
            {
                "date": date(2025, 9, 30),
                "current": {"likelihood": 3, "consequence": 4},
                "rationale": "Held",
            },
        ),
    }
    data.update(changes)
    return BafRisk.model_validate(data)


def make_register(*risks: BafRisk, **changes: Any) -> BafRegister:
    """A register of ``risks`` with the default scoring and appetite scale."""
    data: dict[str, Any] = {
        "objectives": (StrategicObjective(id="GO", title="Great Outcomes"),),
        "risks": risks or (make_risk(),),
    }
    data.update(changes)
    return BafRegister(**data)


def build_baf_store(template: Path, path: Path) -> None:
    """A copy of the web tests' store at ``path`` with a one-risk register owned by the Chief
    Operating Officer (account eve), SPC results, and eve recorded for that title."""
    shutil.copyfile(template, path)
    store = Store.open(f"sqlite:///{path}", actor="test")
    register = BafRegister(
        objectives=(StrategicObjective(id="GO", title="Great Outcomes"),),
        risks=(make_risk(key_metrics=("RES01",)),),
    )
    with store.transaction() as conn:
        store_baf.save_register(conn, register, actor="test", source="test")
    nv.set_lead(store, User("adam", Role.ADMIN, (), ()), "Chief Operating Officer", "eve")
    store.close()
    refresh_spc(database=f"sqlite:///{path}", actor="test")
