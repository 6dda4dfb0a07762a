"""The BAF in the pack: heat map SVG, risk table and risk pages (HTML fragments)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

from trustboard.domain.baf import EvidenceFlag, FlagSeverity, ReviewEntry, RiskScore
from trustboard.ingest.baf_register import read_register
from trustboard.render.baf import (
    KeyMetricView,
    baf_section_html,
    heat_map_html,
    heat_map_svg,
    risk_page_html,
    risk_table_html,
)

from .builders import make_register, make_risk

SVG = "{http://www.w3.org/2000/svg}"
REVIEW = date(2025, 9, 30)
# NPSA default band colours by band name, as configured in the default scheme
HAND_BAND_OF_SCORE = {3: "Low", 6: "Moderate", 9: "High", 12: "High", 16: "Extreme", 20: "Extreme"}


def _cells(root: ET.Element) -> list[tuple[float, float, float, float, str]]:
    out = []
    for rect in root.iter(f"{SVG}rect"):
        if "baf-cell" in rect.get("class", ""):
            x, y, w, h = (float(rect.get(k, "0")) for k in ("x", "y", "width", "height"))
            out.append((x, y, x + w, y + h, rect.get("class", "")))
    return out


def _cell_at(root: ET.Element, x: float, y: float) -> tuple[float, float, float, float, str]:
    return next(c for c in _cells(root) if c[0] <= x <= c[2] and c[1] <= y <= c[3])


def _score_written_in(root: ET.Element, cell: tuple[float, float, float, float, str]) -> int:
    for text in root.iter(f"{SVG}text"):
        if text.get("class") is None and text.text and text.text.isdigit():
            x, y = float(text.get("x", "0")), float(text.get("y", "0"))
            if cell[0] <= x <= cell[2] and cell[1] <= y <= cell[3]:
                return int(text.text)
    raise AssertionError("no score written in the cell")


def _moved_risk() -> object:
    return make_risk(
        id="BAF-09",
        current={"likelihood": 4, "consequence": 4},
        history=(
            {
                "date": date(2025, 6, 30),
                "current": {"likelihood": 3, "consequence": 4},
                "rationale": "a",
            },
            {
                "date": date(2025, 9, 30),
                "current": {"likelihood": 4, "consequence": 4},
                "rationale": "b",
            },
        ),
    )


def test_heat_map_is_an_accessible_picture() -> None:
    svg = heat_map_svg(make_register(make_risk()))
    root = ET.fromstring(svg)
    assert root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None and desc is not None
    assert set(root.get("aria-labelledby", "").split()) == {title.get("id"), desc.get("id")}
    assert (
        "BAF-01 Access to services: likelihood 3 (Possible), consequence 4 (Major), score 12, High"
        in (desc.text or "")
    )
    assert len(_cells(root)) == 25
    legend = [t.text for t in root.iter(f"{SVG}text")]
    for band in ("Low (1–3)", "Moderate (4–6)", "High (8–12)", "Extreme (15–25)"):
        assert band in legend


def test_each_risk_id_is_written_in_the_cell_of_its_score() -> None:
    risks = [
        make_risk(id=f"BAF-0{i}", current={"likelihood": lk, "consequence": cq}, actions=())
        for i, (lk, cq) in enumerate([(1, 3), (2, 3), (3, 3), (4, 3), (4, 4), (4, 5)], start=1)
    ]
    root = ET.fromstring(heat_map_svg(make_register(*risks)))
    placed = {
        t.text: (float(t.get("x", "0")), float(t.get("y", "0")))
        for t in root.iter(f"{SVG}text")
        if t.get("class") == "baf-risk-id"
    }
    assert set(placed) == {r.id for r in risks}
    for risk in risks:
        cell = _cell_at(root, *placed[risk.id])
        assert _score_written_in(root, cell) == risk.current.score
        assert f"baf-band-{HAND_BAND_OF_SCORE[risk.current.score].lower()}" in cell[4]


def test_an_arrow_runs_from_the_previous_cell_to_the_current_one() -> None:
    root = ET.fromstring(heat_map_svg(make_register(make_risk(), _moved_risk())))
    lines = [ln for ln in root.iter(f"{SVG}line") if ln.get("class") == "baf-move"]
    assert len(lines) == 1  # BAF-01 held at 12: no arrow
    line = lines[0]
    start = _cell_at(root, float(line.get("x1", "0")), float(line.get("y1", "0")))
    end = _cell_at(root, float(line.get("x2", "0")), float(line.get("y2", "0")))
    assert _score_written_in(root, start) == 12 and _score_written_in(root, end) == 16
    assert line.get("marker-end", "").startswith("url(#")


def test_many_risks_in_one_cell_are_summarised() -> None:
    risks = [make_risk(id=f"R{i}", actions=()) for i in range(6)]
    texts = [
        t.text
        for t in ET.fromstring(heat_map_svg(make_register(*risks))).iter(f"{SVG}text")
        if t.get("class") == "baf-risk-id"
    ]
    assert texts == ["R0", "R1", "R2", "+3 more"]


def test_heat_map_output_is_deterministic_and_escaped() -> None:
    register = make_register(make_risk(title="Access <script>alert(1)</script> & flow"))
    first, second = heat_map_svg(register), heat_map_svg(register)
    assert first == second
    assert "<script>" not in first and "&lt;script&gt;" in first
    ET.fromstring(first)  # still well-formed XML


def test_heat_map_has_a_data_table_and_an_image_form() -> None:
    register = make_register(make_risk(), _moved_risk())
    html = heat_map_html(register)
    assert (
        "<svg" in html and "<caption>Heat map data: current position of each risk</caption>" in html
    )
    assert (
        '<th scope="row">BAF-09 Access to services</th>'
        "<td>4</td><td>4</td><td>16</td><td>Extreme</td><td>12 (High)</td>" in html
    )
    image = heat_map_html(register, as_image=True)
    assert (
        "<svg" not in image
        and 'src="data:image/svg+xml;base64,' in image
        and 'alt="2 risks' in image
    )


class _Tables(HTMLParser):
    """Counts captions and header cells, and checks tags are balanced."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.captions = 0
        self.th_without_scope = 0
        self.th = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("br", "img", "meta", "path", "rect", "line", "circle", "polyline", "polygon"):
            return
        self.stack.append(tag)
        if tag == "caption":
            self.captions += 1
        if tag == "th":
            self.th += 1
            self.th_without_scope += "scope" not in dict(attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("path", "rect", "line", "circle", "polyline", "polygon"):
            return
        assert self.stack and self.stack[-1] == tag, (self.stack[-5:], tag)
        self.stack.pop()


def _parse(html: str) -> _Tables:
    parser = _Tables()
    parser.feed(html)
    assert parser.stack == []
    return parser


def test_risk_table_is_semantic_and_shows_band_trend_and_appetite() -> None:
    flag = EvidenceFlag(risk_id="BAF-01", code="TB-BAF-OVERDUE", message="m")
    html = risk_table_html(make_register(make_risk()), [flag])
    parsed = _parse(html)
    assert parsed.captions == 1 and parsed.th_without_scope == 0
    assert (
        '<span class="baf-score baf-band-high">12</span> <span class="baf-band-name">High</span>'
        in html
    )
    assert "→" in html and "score unchanged" in html
    assert 'Cautious (6–10) for quality: <strong class="baf-above">above tolerance</strong>' in html
    assert "<li>Actions overdue</li>" in html
    assert 'class="baf-' in html and ' class="' not in html.replace('class="baf-', "")


def test_risk_page_shows_every_part_with_overdue_and_slippage() -> None:
    risk = make_risk(
        actions=(
            {
                "id": "A1",
                "description": "Recruit",
                "owner": "COO",
                "due": date(2025, 6, 30),
                "original_due": date(2025, 3, 31),
                "status": "off_track",
            },
        ),
        gaps=(
            {"id": "G1", "kind": "control", "description": "Vacancies", "action_ids": ["A1"]},
            {"id": "G2", "kind": "assurance", "description": "No audit of harm reviews"},
        ),
        controls=({"id": "C1", "description": "Harm review protocol"},),
        crr=({"id": "CRR-1", "title": "Caseloads", "score": {"likelihood": 5, "consequence": 3}},),
    )
    register = make_register(risk)
    views = {
        "RES06-LIST": KeyMetricView(
            metric_id="RES06-LIST",
            name="Open waiting list",
            latest="1,240 (Sep 2025)",
            variation_icon="concern_high",
            assurance_icon=None,
            variation_icon_html='<svg class="icon-x"></svg>',
            sparkline_html='<svg class="spark-x"></svg>',
        )
    }
    flags = [
        EvidenceFlag(
            risk_id="BAF-01", code="TB-BAF-OVERDUE", message="BAF-01 has 1 overdue action."
        ),
        EvidenceFlag(
            risk_id="BAF-01",
            code="TB-BAF-TARGET-ABOVE-APPETITE",
            message="w",
            severity=FlagSeverity.WARNING,
        ),
        EvidenceFlag(risk_id="BAF-02", code="TB-BAF-OVERDUE", message="someone else"),
    ]
    html = risk_page_html(register, "BAF-01", review_date=REVIEW, flags=flags, metrics=views)
    parsed = _parse(html)
    assert parsed.th_without_scope == 0 and parsed.captions >= 5
    assert "If demand exceeds capacity," in html and "resulting in harm while waiting." in html
    assert (
        "Harm review protocol" in html
        and "Vacancies (actions: A1)" in html
        and "No audit of harm reviews" in html
    )
    # 30 Jun to 30 Sep is 92 days; 31 Mar to 30 Jun is 91 days of slippage
    assert "overdue by 92 days" in html and "(slipped 91 days)" in html
    assert "BAF-01 has 1 overdue action." in html and "someone else" not in html
    assert "<strong>Warning:</strong> w" in html
    assert '<svg class="icon-x"></svg>' in html and '<svg class="spark-x"></svg>' in html
    assert "Special cause concerning variation — high values" in html
    assert '3rd line</th><td colspan="4"><strong class="baf-none">No assurance recorded' in html
    assert "CRR-1" in html and "<td>15 Extreme</td><td>Yes</td>" in html
    assert html.index("30 Sep 2025</th>") < html.index(
        "30 Jun 2025</th><td>12"
    )  # history latest first


def test_public_pack_shows_only_what_is_published() -> None:
    secret = make_risk(id="BAF-02", title="Secret risk", publish=False)
    partly = make_risk(
        id="BAF-03",
        title="Cyber",
        withhold=("controls", "actions"),
        controls=({"id": "C1", "description": "Firewall details"},),
        actions=(
            {"id": "A9", "description": "Patch servers", "owner": "CDO", "due": date(2025, 1, 31)},
        ),
        crr=(
            {
                "id": "CRR-7",
                "title": "Internal matter",
                "score": {"likelihood": 2, "consequence": 2},
            },
        ),
    )
    register = make_register(make_risk(), secret, partly)
    flags = [
        EvidenceFlag(risk_id="BAF-03", code="TB-BAF-OVERDUE", message="Overdue detail"),
        EvidenceFlag(risk_id="BAF-03", code="TB-BAF-NO-KEY-METRICS", message="No metrics detail"),
        EvidenceFlag(risk_id="BAF-02", code="TB-BAF-NO-KEY-METRICS", message="Secret finding"),
    ]
    public = baf_section_html(register, review_date=REVIEW, flags=flags, public=True)
    private = baf_section_html(register, review_date=REVIEW, flags=flags)
    for hidden in (
        "Secret risk",
        "Secret finding",
        "Firewall details",
        "Patch servers",
        "Overdue detail",
        "CRR-7",
        "Internal matter",
    ):
        assert hidden not in public, hidden
    assert "No metrics detail" in public and "Cyber" in public
    for shown in (
        "Secret risk",
        "Secret finding",
        "Firewall details",
        "Patch servers",
        "Overdue detail",
        "CRR-7",
    ):
        assert shown in private, shown
    assert risk_page_html(register, "BAF-02", review_date=REVIEW, public=True) == ""


def test_section_of_the_sample_register(sample_register_path: Path) -> None:
    register = read_register(sample_register_path)
    html = baf_section_html(register, review_date=REVIEW)
    parsed = _parse(html)
    assert parsed.th_without_scope == 0
    assert html.count('class="baf-risk-page"') == len(register.risks) == 8
    assert html == baf_section_html(register, review_date=REVIEW)


def test_golden_heat_map_and_risk_page(sample_register_path: Path, golden) -> None:  # type: ignore[no-untyped-def]
    register = read_register(sample_register_path)
    access = register.risk("BAF-03")
    assert access is not None
    moved = register.with_risk(
        access.with_review(
            ReviewEntry(
                date=date(2025, 12, 31),
                current=RiskScore(likelihood=3, consequence=4),
                rationale="Fell",
            )
        )
    )
    golden("heat_map.svg", heat_map_svg(moved))
    flags = [
        EvidenceFlag(
            risk_id="BAF-03", code="TB-BAF-OVERDUE", message="BAF-03 has an overdue action."
        )
    ]
    golden(
        "risk_page_baf03.html", risk_page_html(register, "BAF-03", review_date=REVIEW, flags=flags)
    )


def test_section_can_carry_its_stylesheet() -> None:
    register = make_register(make_risk())
    styled = baf_section_html(register, review_date=REVIEW, include_style=True)
    plain = baf_section_html(register, review_date=REVIEW)
    assert "<style>" in styled and ".baf-band-extreme" in styled and "<style>" not in plain
    assert styled.count('<div class="baf-section">') == 1
    assert (
        styled.split('<div class="baf-section">', 1)[1]
        == plain.split('<div class="baf-section">', 1)[1]
    )


def test_key_metric_views_from_an_spc_summary() -> None:
    import polars as pl

    from trustboard.domain.metric import Domain, MetricDefinition, Polarity, Target, Unit
    from trustboard.services.baf import key_metric_views

    summary = pl.DataFrame(
        {
            "metric_id": ["RES05"],
            "variation_icon": ["concern_low"],
            "assurance_icon": ["fail"],
            "date": [date(2025, 3, 1)],
            "value": [0.412],
        }
    )
    catalogue = {
        "RES05": MetricDefinition(
            id="RES05",
            name="Second contact within 4 weeks",
            domain=Domain.RESPONSIVE,
            unit=Unit.PERCENT,
            polarity=Polarity.HIGHER_IS_BETTER,
            targets=(Target(value=0.8),),
        )
    }
    register = make_register(make_risk(key_metrics=("RES05", "WEL01")))
    inline = key_metric_views(register, summary, catalogue=catalogue)
    assert (
        inline["RES05"].latest == "41.2% (Mar 2025)"
        and inline["RES05"].name == "Second contact within 4 weeks"
    )
    assert (inline["RES05"].variation_icon_html or "").startswith("<svg")
    assert inline["WEL01"].latest is None and inline["WEL01"].variation_icon_html is None
    images = key_metric_views(register, summary, catalogue=catalogue, as_image=True)
    assert (images["RES05"].assurance_icon_html or "").startswith(
        '<img src="data:image/svg+xml;base64,'
    )
    page = risk_page_html(register, "BAF-01", review_date=REVIEW, metrics=images)
    assert "41.2% (Mar 2025)" in page and "No data" in page
    assert "Assurance: the process limits are on the failing side of the target" in page
