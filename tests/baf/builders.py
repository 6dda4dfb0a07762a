"""Builders shared by the BAF tests: a small risk and register written out in full here."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from trustboard.domain.baf import BafRegister, BafRisk, StrategicObjective

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
