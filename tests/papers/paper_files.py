"""Small board papers written for the tests: a valid one, and its fields to spoil."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

#: A complete governance table, as an author writes it in the front matter.
GOOD_FIELDS: dict[str, Any] = {
    "title": "Chief Executive's report",
    "meeting": "Trust Board (public)",
    "meeting_date": "2025-01-28",
    "agenda_item": "TB/25/004",
    "date_submitted": "2025-01-20",
    "purpose": "note",
    "sponsor": {"name": "Amara Osei", "role": "Chief Executive"},
    "author": {"name": "Tom Reid", "role": "Head of Strategy"},
    "previous_forums": [
        {"name": "Executive Board", "date": "2025-01-14", "assurance": "partially assured"}
    ],
    "assurance_offered": "partially assured",
    "strategic_goals": ["Great Care"],
    "baf_links": ["BAF-01"],
    "risk_register": [{"number": "CRR-087", "title": "Assessment waiting times"}],
    "risk_appetite": {"consistent": True},
    "fomi": "Figures come from the performance report.",
    "patient_safety_confirmed": True,
    "equality": "No new impact on any group.",
    "decision_required": "The Board is asked to note the report.",
}

#: A body under the trust's four section headings, with a table, a figure and a footnote.
GOOD_BODY = """# Purpose of the Report

This report tells the Board what has changed since it last met.[^1]

# Analysis of the Issue

| Ward | Beds open |
|---|--:|
| Ash | 18 |

![Bar chart of beds open on each ward](figures/beds.svg)

# Proposal

Keep the wards open through February.

# Decision Required

The Board is asked to note the report.

[^1]: Figures as at 20 January 2025.
"""

FIGURE = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="80">'
    '<rect width="120" height="60" fill="#005eb8"/></svg>'
)


def write_paper(
    folder: Path,
    name: str = "paper.md",
    fields: dict[str, Any] | None = None,
    body: str = GOOD_BODY,
    *,
    figure: bool = True,
) -> Path:
    """Write a paper (front matter from ``fields``, default the good ones) and its figure."""
    folder.mkdir(parents=True, exist_ok=True)
    if figure:
        (folder / "figures").mkdir(exist_ok=True)
        (folder / "figures" / "beds.svg").write_text(FIGURE, encoding="utf-8")
    front = yaml.safe_dump(GOOD_FIELDS if fields is None else fields, sort_keys=False)
    path = folder / name
    path.write_text(f"---\n{front}---\n{body}", encoding="utf-8")
    return path


def spoilt(**changes: Any) -> dict[str, Any]:
    """The good fields with ``changes`` (a value of None leaves the field out)."""
    out = dict(GOOD_FIELDS)
    for key, value in changes.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = value
    return out
