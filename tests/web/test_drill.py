"""The drill-down (trust → directorate → service → team) and the small multiples of every team.

A hand-built trust: two directorates, each with one service of two teams; values loaded at
team level only, so every level above is the pack's roll-up.  Each level's icons must be the
ones SPC gives for that unit's series: two worked by hand, the rest compared with what
``spc refresh`` (the SPC service, which computes every org unit's series and stores it)
computed for the same unit over the same 24 months the pack charts.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from fastapi.testclient import TestClient
from hand_trust import FORUMS, MONTHS, PERIOD, TEAMS, UNITS, catalogue

from conftest import PASSWORD, make_client, sign_in
from trustboard.domain.period import month_end
from trustboard.services.refresh import refresh_spc
from trustboard.services.users import add_user
from trustboard.store import Store


def _values() -> pl.DataFrame:
    rows = []
    for code, series in TEAMS.items():
        for metric, figures in (("CON01", series), ("PRV01", [v + 1 for v in series])):
            for day, value in zip(MONTHS, figures, strict=True):
                rows.append(
                    {
                        "metric_id": metric,
                        "period_start": day,
                        "period_end": month_end(day),
                        "org_unit": code,
                        "numerator": None,
                        "denominator": None,
                        "value": value,
                        "provisional": False,
                        "source_file": "teams.csv",
                        "source_hash": "0" * 64,
                    }
                )
    return pl.DataFrame(rows)


@pytest.fixture(scope="module")
def _drill_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("drill") / "drill.db"
    url = f"sqlite:///{path}"
    store, _before, _after = Store.init(url, actor="test")
    store.upsert_catalogue(catalogue(), UNITS, FORUMS, effective=date(2020, 1, 1), source="test")
    store.write_values(_values())
    add_user(store, "ana", "analyst", PASSWORD)
    add_user(store, "lee", "directorate_lead", PASSWORD, forums=("board",), directorates=("ADU",))
    add_user(store, "bella", "board_member", PASSWORD, forums=("public-board",))
    store.close()
    refresh_spc(database=url, actor="test")
    return path


@pytest.fixture
def drill_url(_drill_db: Path) -> Iterator[str]:
    yield f"sqlite:///{_drill_db}"


def _client(url: str, name: str) -> TestClient:
    client = make_client(url)
    sign_in(client, name)
    return client


BASE = f"/forums/board/{PERIOD}/metrics/CON01"
PUBLIC = f"/forums/public-board/{PERIOD}/metrics/CON01"


def _icons(html: str) -> list[tuple[str, str]]:
    """(unit code, the two icons' alt texts) of each child row of a drill page."""
    rows = re.findall(
        r'<th scope="row"><a href="[^"]*/drill/([^"]+)">.*?</th>(.*?)</tr>', html, re.S
    )
    out = []
    for code, cells in rows:
        alts = re.findall(r'<img class="icon-small" src="[^"]+" alt="([^"]*)"', cells)
        out.append((code, " | ".join(alts)))
    return out


def _current_icons(html: str) -> str:
    head = html.split('<div class="metric-head">', 1)[1].split("</span>", 1)[0]
    return " | ".join(re.findall(r'alt="([^"]*)"', head))


def _labels(variation: str | None, assurance: str | None) -> str:
    from trustboard.render.pack.html import assurance_label, variation_label

    return f"{variation_label(variation)} | {assurance_label(assurance)}"


def test_hand_worked_icons_of_two_teams(drill_url: str) -> None:
    client = _client(drill_url, "ana")
    page = client.get(f"{BASE}/drill/ADU-CMH")
    assert page.status_code == 200
    icons = dict(_icons(page.text))
    # North: mean 11.75, mean moving range (22 × 2 + 20) / 23 = 2.78, upper limit
    # 11.75 + 2.66 × 2.78 = 19.2; 30 is above it and higher is better: special cause of
    # improving variation (high)
    assert icons["ADU-CMH-N"].startswith(_labels("improvement_high", None).split(" | ")[0])
    # South: 20 and 22 in turn, mean 21, limits 21 ± 2.66 × 2 = 15.68 to 26.32; no rule fires
    # (never 7 on one side of the mean, no trend, nothing outside the limits), and the target
    # (at least 5) is below the lower limit: the process will consistently hit it
    assert icons["ADU-CMH-S"] == _labels("common_cause", "pass")


def test_each_level_has_the_icons_spc_gives_that_unit(drill_url: str) -> None:
    stored = Store.open(drill_url).spc_results(["CON01"], with_points=False)
    assert stored is not None
    expected = {
        r["org_unit"]: _labels(r["variation_icon"], r["assurance_icon"])
        for r in stored.summary.iter_rows(named=True)
    }
    # every level is there: the roll-up reaches the trust
    assert set(expected) == {u.code for u in UNITS}
    client = _client(drill_url, "ana")
    seen: dict[str, str] = {}
    for path in ("drill", "drill/ADU", "drill/CHI", "drill/ADU-CMH", "drill/CHI-CAM"):
        page = client.get(f"{BASE}/{path}")
        assert page.status_code == 200, path
        seen.update(_icons(page.text))
    assert seen == {code: expected[code] for code in seen}
    assert set(seen) == {u.code for u in UNITS} - {"RXX"}
    # the trust level is the pack's own section: the metric page's icons
    metric_page = client.get(BASE).text
    trust = client.get(f"{BASE}/drill").text
    assert _current_icons(trust) == _current_icons(metric_page) == expected["RXX"]


def test_the_figures_are_the_roll_up(drill_url: str) -> None:
    client = _client(drill_url, "ana")
    # March 2025: North 30 + South 22 = 52 for the service and the directorate; East 9 +
    # West (24th value: 1 + 23 % 3 = 3) = 12; the trust 64
    adult = client.get(f"{BASE}/drill/ADU").text
    assert re.search(r"<dt>Latest</dt><dd>52 \(Mar 2025\)", adult)
    trust = client.get(f"{BASE}/drill").text
    assert re.search(r"<dt>Latest</dt><dd>64 \(Mar 2025\)", trust)


def test_breadcrumbs_and_links_down(drill_url: str) -> None:
    client = _client(drill_url, "ana")
    page = client.get(f"{BASE}/drill/ADU-CMH-N").text
    crumbs = page.split('aria-label="Breadcrumb"', 1)[1].split("</nav>", 1)[0]
    links = re.findall(r'<a href="([^"]+)">([^<]+)</a>', crumbs)
    assert links == [
        ("/", "Home"),
        (f"/forums/board/{PERIOD}", "Trust Board: Mar 2025"),
        (BASE, "Contacts within 7 days of discharge"),
        (f"{BASE}/drill/RXX", "Example Trust"),
        (f"{BASE}/drill/ADU", "Adult Services"),
        (f"{BASE}/drill/ADU-CMH", "Community Mental Health"),
    ]
    assert '<li aria-current="page">North Team</li>' in crumbs
    top = client.get(f"{BASE}/drill").text
    assert [code for code, _ in _icons(top)] == ["ADU", "CHI"]
    # each child's link opens its own level
    for code, _ in _icons(top):
        child = client.get(f"{BASE}/drill/{code}")
        assert child.status_code == 200
        assert f'<span class="metric-id">CON01 · {code}</span>' in child.text
    assert client.get(f"{BASE}/drill/NOPE").status_code == 404


def test_the_metric_page_links_to_the_drill_down(drill_url: str) -> None:
    client = _client(drill_url, "ana")
    page = client.get(BASE).text
    assert f'href="{BASE}/drill"' in page
    assert f'href="{BASE}/teams"' in page
    assert f'href="{BASE}/explain"' in page


def test_small_multiples_show_every_team_with_its_own_chart(drill_url: str) -> None:
    client = _client(drill_url, "ana")
    page = client.get(f"{BASE}/teams")
    assert page.status_code == 200
    charts = re.findall(
        r'<img class="small-chart" src="data:image/svg\+xml;base64,([^"]+)" alt="([^"]+)"',
        page.text,
    )
    assert [alt.split(":", 1)[0] for _uri, alt in charts] == [
        "North Team",
        "South Team",
        "East Team",
        "West Team",
    ]
    svg = base64.b64decode(charts[0][0]).decode("utf-8")
    # drawn at the metric page's phone size, so that shown about as wide its labels are read
    assert 'viewBox="0 0 360 330"' in svg
    # the table gives every team's figures as text
    table = page.text.split('id="table-h"', 1)[1]
    assert "North Team" in table and "West Team" in table
    north = table.split("North Team", 1)[1].split("</tr>", 1)[0]
    assert _labels("improvement_high", "inconsistent").split(" | ")[0] in north


def test_a_directorate_lead_sees_their_directorate_in_full(drill_url: str, _drill_db: Path) -> None:
    client = _client(drill_url, "lee")
    top = client.get(f"{BASE}/drill")
    assert top.status_code == 200
    assert [code for code, _ in _icons(top.text)] == ["ADU"]
    assert "1 other unit(s) are not on your account" in top.text
    for path in ("drill/ADU", "drill/ADU-CMH", "drill/ADU-CMH-S"):
        assert client.get(f"{BASE}/{path}").status_code == 200, path
    for path in ("drill/CHI", "drill/CHI-CAM", "drill/CHI-CAM-E", "explain?unit=CHI-CAM-W"):
        assert client.get(f"{BASE}/{path}").status_code == 403, path
    teams = client.get(f"{BASE}/teams").text
    assert "North Team" in teams and "South Team" in teams
    assert "East Team" not in teams and "West Team" not in teams
    refused = [a for a in Store.open(drill_url).audit(action="web.refused") if a.actor == "lee"]
    assert len(refused) >= 4
    # the public Board is not on the account
    assert client.get(f"{PUBLIC}/drill").status_code == 403


def test_a_public_board_member_sees_the_public_pack_at_every_level(drill_url: str) -> None:
    client = _client(drill_url, "bella")
    service = client.get(f"{PUBLIC}/drill/CHI-CAM")
    assert service.status_code == 200
    west = client.get(f"{PUBLIC}/drill/CHI-CAM-W").text
    # West's March count is 3: under 5, suppressed; no icon is drawn from suppressed figures
    assert re.search(r"<dt>Latest</dt><dd>\* \(Mar 2025\)", west)
    # East's 9 is rounded to the nearest 5 (national rule): 10
    east = client.get(f"{PUBLIC}/drill/CHI-CAM-E").text
    assert re.search(r"<dt>Latest</dt><dd>10 \(Mar 2025\)", east)
    # the private Board's figures of the same team are exact
    analyst = _client(drill_url, "ana")
    assert re.search(
        r"<dt>Latest</dt><dd>3 \(Mar 2025\)", analyst.get(f"{BASE}/drill/CHI-CAM-W").text
    )
    # a private metric is absent from the public forum, at every level; refused elsewhere
    for path in ("drill", "drill/ADU", "teams", "explain"):
        assert client.get(f"/forums/public-board/{PERIOD}/metrics/PRV01/{path}").status_code == 404
        assert client.get(f"/forums/board/{PERIOD}/metrics/PRV01/{path}").status_code == 403
    for path in ("drill", "teams"):
        assert analyst.get(f"/forums/board/{PERIOD}/metrics/PRV01/{path}").status_code == 200
