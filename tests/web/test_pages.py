"""What the pages show: the pack's figures, filters and order of the summary, the metric page."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from conftest import PERIOD, make_client, sign_in
from trustboard.render.pack.charts import chart_svg
from trustboard.services.pack import build_pack
from trustboard.store import Store


def _analyst(app_url: str) -> TestClient:
    client = make_client(app_url)
    sign_in(client, "ana")
    return client


def _row_ids(html: str) -> list[str]:
    return re.findall(r'<span class="metric-id">([A-Z0-9]+)</span></th>', html)


def test_the_summary_lists_the_pack_s_metrics_in_pack_order(app_url: str) -> None:
    page = _analyst(app_url).get(f"/forums/board/{PERIOD}").text
    # pack order: domain (safe, effective, …, well-led, finance), then directorate and id
    assert _row_ids(page) == ["SAF11", "SAF12", "RES01", "WEL01", "WEL03", "WEL04"]
    assert f'href="/forums/board/{PERIOD}/metrics/RES01"' in page
    assert "6 of 6 metrics shown." in page


def test_the_summary_filters_and_sorts(app_url: str) -> None:
    client = _analyst(app_url)
    base = f"/forums/board/{PERIOD}"
    assert _row_ids(client.get(f"{base}?domain=SAFE").text) == ["SAF11", "SAF12"]
    assert _row_ids(client.get(f"{base}?sort=id&order=desc").text) == [
        "WEL04",
        "WEL03",
        "WEL01",
        "SAF12",
        "SAF11",
        "RES01",
    ]
    none = client.get(f"{base}?domain=CARING").text
    assert _row_ids(none) == [] and "No metric matches these filters." in none
    assert "0 of 6 metrics shown." in none
    # tests/pack/conftest.py: FPC leads RES01, WEL01, WEL03, WEL04; the Chief Nurse leads
    # SAF11 and SAF12
    assert _row_ids(client.get(f"{base}?committee=FPC&sort=id").text) == [
        "RES01",
        "WEL01",
        "WEL03",
        "WEL04",
    ]
    by_lead = client.get(f"{base}?lead=Chief+Nurse").text
    assert _row_ids(by_lead) == ["SAF11", "SAF12"]
    assert '<option value="Chief Nurse" selected>' in by_lead
    assert _row_ids(client.get(f"{base}?committee=QSC&lead=Chief+Operating+Officer").text) == []
    bad = client.get(f"{base}?domain=PURPLE")
    assert bad.status_code == 400


def test_the_icon_filter_keeps_the_metrics_with_that_icon(app_url: str, web_store: Store) -> None:
    client = _analyst(app_url)
    answer = client.get(f"/api/v1/forums/board/{PERIOD}/metrics", headers=_token(web_store))
    icons = {m["id"]: (m["variation_icon"], m["assurance_icon"]) for m in answer.json()["metrics"]}
    for icon in {i for pair in icons.values() for i in pair if i}:
        expected = sorted(k for k, pair in icons.items() if icon in pair)
        shown = _row_ids(client.get(f"/forums/board/{PERIOD}?icon={icon}&sort=id").text)
        assert shown == expected, icon


def _token(store: Store) -> dict[str, str]:
    from trustboard.services.users import issue_token

    return {"Authorization": f"Bearer {issue_token(store, 'ana')}"}


def test_the_metric_page_shows_the_pack_s_chart_and_statement(
    app_url: str, web_store: Store, tmp_path: object
) -> None:
    page = _analyst(app_url).get(f"/forums/board/{PERIOD}/metrics/RES01").text
    built = build_pack(web_store, "board", PERIOD, str(tmp_path), pdf=False)
    section = built.model.section("RES01")
    # the same chart, byte for byte, and the same statement as the pack: the page draws the
    # pack's drawing inline with each point's keyboard stop laid over it (a last layer)
    drawn = chart_svg(section, f"chart-{section.anchor}")
    inline = chart_svg(section, f"chart-{section.anchor}", labelled_points=True)
    assert drawn is not None and inline is not None and inline in page
    pack_body = drawn.split(">", 1)[1].removesuffix("</svg>")
    page_body = inline.split(">", 1)[1]
    assert page_body.startswith(pack_body)
    assert page_body[len(pack_body) :].startswith('<g class="point-stops">')
    assert section.statement in built.html
    assert section.statement.replace("'", "&#39;") in page
    assert "Recruit" not in page  # the pack tests' action is not in this store
    assert "Fewer people started treatment within 6 weeks." in page
    # the data table has one row per point of the chart
    table = page.split("<summary>Data table", 1)[1]
    assert table.startswith(f" ({len(section.points)} points)")
    assert table.count('<th scope="row">') == len(section.points)


def test_sorting_by_icon_follows_the_icon_matrix(app_url: str, web_store: Store) -> None:
    # concern first, then common cause, no preferred direction, improvement; no icon last
    # (ties by metric id); assurance: failing, hit and miss, passing, none
    variation: list[str | None] = [
        "concern_high",
        "concern_low",
        "common_cause",
        "neutral_high",
        "neutral_low",
    ]
    variation += ["improvement_high", "improvement_low", None]
    assurance = ["fail", "inconsistent", "pass", None]
    client = _analyst(app_url)
    answer = client.get(f"/api/v1/forums/board/{PERIOD}/metrics", headers=_token(web_store))
    metrics = answer.json()["metrics"]
    by_variation = sorted(metrics, key=lambda m: (variation.index(m["variation_icon"]), m["id"]))
    by_assurance = sorted(metrics, key=lambda m: (assurance.index(m["assurance_icon"]), m["id"]))
    base = f"/forums/board/{PERIOD}"
    assert _row_ids(client.get(f"{base}?sort=variation").text) == [m["id"] for m in by_variation]
    assert _row_ids(client.get(f"{base}?sort=assurance").text) == [m["id"] for m in by_assurance]
    reverse = _row_ids(client.get(f"{base}?sort=assurance&order=desc").text)
    assert reverse == [m["id"] for m in reversed(by_assurance)]
