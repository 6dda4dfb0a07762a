"""Withheld means withheld: a marker written into every private field of a store reaches no
public output (HTML, the PDF's text, SVG titles, the manifest and inputs of a publication).

The same marker must appear in the private Board's pack, which shows that each field was
written somewhere a pack would print it.
"""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from trustboard.domain import Action, AssuranceLevel, Commentary
from trustboard.domain.baf import BafRegister, EvidenceFlag
from trustboard.render.baf import risk_page_html
from trustboard.render.baf.fragments import visible_flags
from trustboard.services.baf import import_register
from trustboard.services.pack import build_pack
from trustboard.services.publish import publish_pack
from trustboard.services.refresh import refresh_spc
from trustboard.store import Store

from .conftest import COMPLETE_PAPER, FORUMS, UNITS, catalogue

MARK = "ZQXPRIVATEMARKERZQX"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "baf"


def _private_register(tmp_path: Path) -> Path:
    """The sample register with the marker in everything a public pack must not show: the
    controls, gaps and gap-linked actions of a risk that withholds its controls and gaps, and
    the whole of a risk that is not published."""
    raw: dict[str, Any] = yaml.safe_load(
        (FIXTURES / "sample_register.yaml").read_text(encoding="utf-8")
    )
    withholding = next(r for r in raw["risks"] if r.get("withhold"))
    for control in withholding.get("controls", []):
        control["description"] = f"{control['description']} {MARK}-control"
    linked = {a for gap in withholding.get("gaps", []) for a in gap.get("action_ids", [])}
    for gap in withholding.get("gaps", []):
        gap["description"] = f"{gap['description']} {MARK}-gap"
    for action in withholding.get("actions", []):
        if action["id"] in linked:
            action["description"] = f"{action['description']} {MARK}-gap-action"
    hidden = next(r for r in raw["risks"] if r is not withholding)
    hidden["publish"] = False
    hidden["title"] = f"{hidden['title']} {MARK}-unpublished-risk"
    path = tmp_path / "register.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return path


def _fill_private_fields(store: Store, tmp_path: Path) -> None:
    defs = [
        d.model_copy(
            update={"name": f"{d.name} {MARK}-metric", "description": f"{MARK}-definition"}
        )
        if d.private
        else d
        for d in catalogue()
    ]
    store.upsert_catalogue(defs, UNITS, FORUMS, effective=date(2020, 1, 1), source="test")
    private_metric = next(d.id for d in defs if d.private)
    store.write_commentary(
        [
            Commentary(
                metric_id="RES01",
                period="2025-03",
                sections={
                    "summary": "Fewer people started treatment within 6 weeks.",
                    "chart_shows": "Fewer people started treatment within 6 weeks since August.",
                    "root_causes": f"{MARK}-root-causes: a named team's sickness.",
                    "data_quality": f"{MARK}-data-quality: one clinic's returns were late.",
                },
                private_sections=("data_quality", "root_causes"),
                assurance_level=AssuranceLevel.PARTIALLY_ASSURED,
            ),
            Commentary(
                metric_id=private_metric,
                period="2025-03",
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
    url = store.engine.url.render_as_string(hide_password=False)
    import_register(_private_register(tmp_path), database=url, check_catalogue=False)
    refresh_spc(database=url)


def _texts_of(html: str) -> list[str]:
    """The HTML itself and every SVG it carries as a data URI (chart titles, alt text)."""
    out = [html]
    for match in re.finditer(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)", html):
        out.append(base64.b64decode(match[1]).decode("utf-8"))
    return out


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_no_private_field_reaches_a_public_output(pack_store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _fill_private_fields(pack_store, tmp_path)
    private = build_pack(
        pack_store, "board", "2025-03", tmp_path / "private", config=COMPLETE_PAPER, pdf=False
    )
    committee = build_pack(
        pack_store, "fpc", "2025-03", tmp_path / "fpc", config=COMPLETE_PAPER, pdf=False
    )
    # every kind of marker is printed somewhere in the private packs
    for kind in ("-metric", "-data-quality", "-unpublished-risk"):
        assert f"{MARK}{kind}" in private.html, kind
    for kind in ("-root-causes", "-control", "-gap", "-gap-action"):
        assert f"{MARK}{kind}" in committee.html, kind

    for forum in ("public-board", "public-full"):
        built = build_pack(pack_store, forum, "2025-03", tmp_path / forum, config=COMPLETE_PAPER)
        for text in _texts_of(built.html):
            assert MARK not in text, forum
        assert built.pdf_path is not None
        pdf_text = subprocess.run(
            ["pdftotext", str(built.pdf_path), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert pdf_text.strip() and MARK not in pdf_text, forum
        assert "Fewer people started treatment" in built.html  # public text still shown

    published = publish_pack(
        pack_store, "public-board", "2025-03", tmp_path / "out", config=COMPLETE_PAPER
    )
    for path in sorted(published.folder.iterdir()):
        if path.suffix in (".json", ".html"):
            assert MARK not in path.read_text(encoding="utf-8"), path.name


def test_an_action_that_answers_a_withheld_gap_is_withheld_with_it() -> None:
    raw = yaml.safe_load((FIXTURES / "sample_register.yaml").read_text(encoding="utf-8"))
    register = BafRegister.model_validate(raw)
    risk = next(r for r in register.risks if r.withhold)
    linked = {a for gap in risk.gaps for a in gap.action_ids}
    action = next(a for a in risk.actions if a.id in linked)
    flag = EvidenceFlag(
        risk_id=risk.id,
        code="TB-BAF-OVERDUE",
        message=f"Action {action.id} ('{action.description}') is overdue.",
        evidence=(action.id,),
    )
    public_page = risk_page_html(
        register, risk.id, review_date=date(2025, 4, 1), flags=[flag], public=True
    )
    assert action.description not in public_page
    assert visible_flags(risk, [flag], register.public(), public=True) == []
    private_page = risk_page_html(register, risk.id, review_date=date(2025, 4, 1), flags=[flag])
    assert action.description in private_page
