"""Explain this figure: the lineage of one value, read from what the store and the published
packs record.

Values are imported from two CSV files (the second revises one team's February figure); a
rebase is accepted for that team; two publications of the Board (February, before the
revision; March, after it) are in the publication folder.  The page must name each file with
its SHA-256, each revision with when it was loaded and replaced and by whom, the definition in
force, the rebase, and the pack that showed each revision.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import time
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
import xlsxwriter
from fastapi.testclient import TestClient
from hand_trust import FORUMS, MONTHS, PERIOD, TEAMS, UNITS, catalogue

from conftest import PASSWORD, sign_in
from trustboard.services.imports import import_values
from trustboard.services.spc_review import accept_rebase
from trustboard.services.users import add_user
from trustboard.store import Store, utc_now
from trustboard.web import WebSettings, create_app

BASE = f"/forums/board/{PERIOD}/metrics/CON01/explain"


def _csv(path: Path, north_february: float) -> Path:
    rows = ["metric_id,period,org_unit,value"]
    for code, series in TEAMS.items():
        for day, value in zip(MONTHS, series, strict=True):
            figure = north_february if (code, day) == ("ADU-CMH-N", date(2025, 2, 1)) else value
            rows.append(f"CON01,{day:%Y-%m},{code},{figure:g}")
    path.write_text("\n".join(rows) + "\n")
    return path


def _manifest(root: Path, forum: str, period: str, at: datetime, trust_february: float) -> None:
    folder = root / "published" / forum / period
    folder.mkdir(parents=True)
    manifest = {
        "format": 1,
        "forum": forum,
        "forum_name": "Trust Board",
        "period": period,
        "published_at": at.isoformat() + "Z",
        "data_sha256": "0" * 64,
        "value_rows": 96,
        "options": {"public": False},
        "figures": [{"metric_id": "CON01", "period": "2025-02", "value": trust_february}],
        "files": {f"{forum}-{period}.html": "0" * 64},
    }
    (folder / "manifest.json").write_text(json.dumps(manifest))


class World:
    """The store, the publication folder, and what the test needs to know of them."""

    def __init__(self, url: str, root: Path, first: Path, second: Path) -> None:
        self.url, self.root, self.first, self.second = url, root, first, second


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    base = tmp_path_factory.mktemp("explain")
    url = f"sqlite:///{base / 'explain.db'}"
    store, _before, _after = Store.init(url, actor="test")
    store.upsert_catalogue(
        catalogue(), UNITS, FORUMS, effective=date(2020, 1, 1), source="catalogue-v1"
    )
    add_user(store, "ana", "analyst", PASSWORD)
    add_user(store, "lee", "directorate_lead", PASSWORD, forums=("board",), directorates=("ADU",))
    add_user(store, "bella", "board_member", PASSWORD, forums=("public-board",))
    store.close()
    first = _csv(base / "teams-first.csv", 10.0)
    import_values([first], database=url, actor="ann.loader", today=date(2025, 4, 20))
    time.sleep(0.01)
    # February at the trust: North 10 + South 20 + East 8 + West 2 = 40
    _manifest(base, "board", "2025-02", utc_now(), 40.0)
    time.sleep(0.01)
    second = _csv(base / "teams-revised.csv", 14.0)
    import_values([second], database=url, actor="bob.loader", today=date(2025, 4, 25))
    time.sleep(0.01)
    # after the revision: 14 + 20 + 8 + 2 = 44
    _manifest(base, "board", "2025-03", utc_now(), 44.0)
    accept_rebase(
        "CON01",
        date(2024, 6, 1),
        "New discharge pathway",
        org_unit="ADU-CMH-N",
        database=url,
        actor="cat.analyst",
    )
    yield World(url, base, first, second)


def _client(world: World, name: str) -> TestClient:
    app = create_app(
        WebSettings(database=world.url, published_root=world.root, allow_plain_http=True)
    )
    client = TestClient(app, follow_redirects=False)
    sign_in(client, name)
    return client


def _revision_rows(html: str) -> list[str]:
    table = html.split('id="revisions-h"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr>\s*<th scope=\"row\">(.*?)</tr>", table, re.S)
    return [row.replace('<span class="stack-label">Revision </span>', "") for row in rows]


def test_the_lineage_names_files_hashes_revisions_and_packs(world: World) -> None:
    client = _client(world, "ana")
    page = client.get(f"{BASE}?unit=ADU-CMH-N&month=2025-02")
    assert page.status_code == 200, page.text
    rows = _revision_rows(page.text)
    assert len(rows) == 2
    first, second = rows
    # revision 1: 10 from the first file, replaced by revision 2: 14 from the second
    assert first.startswith("1") and ">10<" in first.replace(" ", "")
    assert second.startswith("2") and "current" in second and ">14<" in second.replace(" ", "")
    for row, path, who in (
        (first, world.first, "ann.loader"),
        (second, world.second, "bob.loader"),
    ):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        assert path.name in row
        assert digest in row
        assert f"by {who}" in row
    # loaded and replaced, as the store recorded them
    with Store.open(world.url) as store:
        history = store.values(
            ["CON01"], ["ADU-CMH-N"], start=date(2025, 2, 1), end=date(2025, 2, 1), history=True
        ).sort("revision")
    one, two = history.iter_rows(named=True)

    def stamp(moment: datetime) -> str:
        return f"{moment.day} {moment:%b %Y %H:%M:%S} UTC"

    assert one["valid_to"] == two["valid_from"] and two["valid_to"] is None
    assert stamp(one["valid_from"]) in first and stamp(one["valid_to"]) in first
    assert stamp(two["valid_from"]) in second
    # each revision with the pack that showed it
    assert (
        "Trust Board, 2025-02 (published" in first and "2025-03" not in first.split("published")[0]
    )
    assert "Trust Board, 2025-03 (published" in second and "Trust Board, 2025-02" not in second
    published = page.text.split('id="published-h"', 1)[1].split("</table>", 1)[0]
    cells = re.findall(
        r"<tr><th scope=\"row\">Trust Board</th><td[^>]*>([^<]+)</td>.*?"
        r"<td class=\"num\"[^>]*>([^<]+)</td><td[^>]*>([^<]+)</td></tr>",
        published,
    )
    assert cells == [("2025-02", "40", "1"), ("2025-03", "44", "2")]


def test_the_definition_spc_options_and_rebase_are_shown(world: World) -> None:
    client = _client(world, "ana")
    page = client.get(f"{BASE}?unit=ADU-CMH-N&month=2025-02").text
    definition = page.split('id="definition-h"', 1)[1].split("</table>", 1)[0]
    assert "in force for Feb 2025" in definition
    spc = page.split('id="spc-h"', 1)[1].split('id="missing-h"', 1)[0]
    assert "New discharge pathway" in spc
    assert "cat.analyst" in spc
    assert "ADU-CMH-N" in spc
    # the rebase is of North only: South's page has none
    south = client.get(f"{BASE}?unit=ADU-CMH-S&month=2025-02").text
    assert "New discharge pathway" not in south
    assert "No rebase" in south


def test_each_revision_names_the_row_of_its_file(world: World) -> None:
    client = _client(world, "ana")
    page = client.get(f"{BASE}?unit=ADU-CMH-N&month=2025-02").text
    first, second = _revision_rows(page)
    # North's rows come first in both files: April 2023 on line 2 (after the header), so
    # February 2025, 22 months later, on line 24; CSV files have no sheet
    for row, path in ((first, world.first), (second, world.second)):
        where = row.split(path.name, 1)[1].split("SHA-256", 1)[0]
        assert '<span class="where">row 24</span>' in where
        assert "sheet" not in where
    # a worked-out figure names the row of each value it is summed from: February is the
    # 23rd line of figures of each team (line 24), and North, South, East and West follow
    # each other 24 lines apart
    trust = client.get(f"{BASE}?month=2025-02").text
    for line in (24, 48, 72, 96):
        assert f'<span class="where">row {line}</span>' in trust
    # the page no longer says that the sheet and row are not recorded
    assert 'id="missing-h"' not in page and "not keep" not in page


def test_a_revision_from_a_workbook_names_its_sheet(world: World, tmp_path: Path) -> None:
    # a copy of the store, so that the revision below changes no other test's figures
    for suffix in ("", "-wal"):
        source = world.root / f"explain.db{suffix}"
        if source.exists():
            shutil.copy(source, tmp_path / source.name)
    url = f"sqlite:///{tmp_path / 'explain.db'}"
    book = xlsxwriter.Workbook(str(tmp_path / "north-corrections.xlsx"))
    sheet = book.add_worksheet("North & South")
    # the header on Excel row 2 (row 1 empty), March 2024 on row 4 (row 3 is April 2023's)
    sheet.write_row(1, 0, ["metric_id", "period", "org_unit", "value"])
    sheet.write_row(2, 0, ["CON01", "2023-04", "ADU-CMH-N", 10])
    sheet.write_row(3, 0, ["CON01", "2024-03", "ADU-CMH-N", 17])
    book.close()
    outcome = import_values([tmp_path / "north-corrections.xlsx"], database=url, actor="cy")
    assert (outcome.summary.revised, outcome.summary.unchanged) == (1, 1)
    app = create_app(WebSettings(database=url, published_root=world.root, allow_plain_http=True))
    client = TestClient(app, follow_redirects=False)
    sign_in(client, "ana")
    first, second = _revision_rows(client.get(f"{BASE}?unit=ADU-CMH-N&month=2024-03").text)
    # March 2024 is the 12th month: line 13 of the first file
    assert '<span class="where">row 13</span>' in first
    assert "north-corrections.xlsx" in second
    assert '<span class="where">sheet ‘North &amp; South’, row 4</span>' in second


def test_a_worked_out_figure_lists_the_values_it_is_summed_from(world: World) -> None:
    client = _client(world, "ana")
    page = client.get(f"{BASE}?month=2025-02").text
    assert "worked out from the 4 value(s)" in page
    for code in TEAMS:
        assert f"unit={code}&amp;month=2025-02" in page
    # a directorate lead's trust figure lists only their own directorate's teams
    lead = _client(world, "lee").get(f"{BASE}?month=2025-02").text
    assert "worked out from the 2 value(s)" in lead
    assert "CHI-CAM-E" not in lead


def test_a_public_board_member_sees_suppressed_figures_suppressed(world: World) -> None:
    public = f"/forums/public-board/{PERIOD}/metrics/CON01/explain?unit=CHI-CAM-W&month=2025-02"
    client = _client(world, "bella")
    page = client.get(public)
    assert page.status_code == 200
    rows = _revision_rows(page.text)
    # West's February count is 2: under 5, so "*" as in the public pack
    assert len(rows) == 1 and ">*<" in rows[0]
    # the private Board's member sees the count itself; the public one is refused the Board
    assert client.get(f"{BASE}?unit=CHI-CAM-W&month=2025-02").status_code == 403
    analyst = _client(world, "ana").get(f"{BASE}?unit=CHI-CAM-W&month=2025-02").text
    assert ">2<" in _revision_rows(analyst)[0]


def test_bad_requests_are_not_found(world: World) -> None:
    client = _client(world, "ana")
    assert client.get(f"{BASE}?unit=NOPE").status_code == 404
    assert client.get(f"{BASE}?month=2026-01").status_code == 404
    assert client.get(f"{BASE}?month=March").status_code == 404


def _means(html: str) -> dict[str, str]:
    """Month → the mean column of a drill page's data table."""
    table = html.split("Each point of the chart", 1)[1].split("</table>", 1)[0]
    rows = re.findall(
        r'<tr><th scope="row">([^<]+)</th><td class="num">[^<]*</td>\s*'
        r'<td class="num">([^<]+)</td>',
        table,
    )
    return dict(rows)


def test_a_team_s_own_rebase_is_used_for_its_level_only(world: World) -> None:
    client = _client(world, "ana")
    drill = f"/forums/board/{PERIOD}/metrics/CON01/drill"
    north = _means(client.get(f"{drill}/ADU-CMH-N").text)
    # North is rebased from June 2024: April 2023 to May 2024 are 10 and 12 in turn (mean 11);
    # June 2024 to March 2025 are 10, 12, 10, 12, 10, 12, 10, 12, 14 (February, revised), 30:
    # 132 / 10 = 13.2
    assert float(north["Apr 2023"]) == pytest.approx(11.0)
    assert float(north["May 2024"]) == pytest.approx(11.0)
    assert float(north["Jun 2024"]) == pytest.approx(13.2)
    assert float(north["Mar 2025"]) == pytest.approx(13.2)
    # South has no rebase: one mean, 21, throughout
    south = _means(client.get(f"{drill}/ADU-CMH-S").text)
    assert {float(m) for m in south.values()} == {21.0}
