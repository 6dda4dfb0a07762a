"""The BAF pages: the pack's heat map, risk table and risk pages, under the forum's rules.

A public forum's pages hold only what the register publishes, by the pack's own withholding
code: a withheld field group (here controls and gaps) and the action written to close a
withheld gap never reach a public-board member; an unpublished risk is absent.  The marker is
written into every withheld field.
"""

from __future__ import annotations

import base64
import re
from datetime import date

import pytest

from baf.builders import make_risk
from conftest import MARK, PERIOD, make_client, sign_in
from trustboard.domain.baf import BafRegister, BafRisk, StrategicObjective
from trustboard.services.refresh import refresh_spc
from trustboard.store import Store
from trustboard.store import baf as store_baf

BOARD = f"/forums/board/{PERIOD}/baf"
PUBLIC = f"/forums/public-board/{PERIOD}/baf"


def _risk(**changes: object) -> BafRisk:
    """The BAF tests' plain risk, with a marker in every field the register withholds."""
    data: dict[str, object] = {
        "title": "Access to psychological therapies",
        "key_metrics": ("RES01", "WEL01"),
        "controls": ({"id": "C1", "description": f"{MARK}-control weekly waiting list review"},),
        "gaps": (
            {
                "id": "G1",
                "kind": "control",
                "description": f"{MARK}-gap no cover for a named therapist",
                "action_ids": ("A2",),
            },
        ),
        "assurances": (
            {
                "id": "AS1",
                "line": "second",
                "source": "Committee review",
                "date": date(2025, 1, 15),
                "result": "positive",
            },
        ),
        "actions": (
            {
                "id": "A1",
                "description": "Recruit two therapists",
                "owner": "COO",
                "due": date(2025, 9, 30),
                "status": "on_track",
            },
            {
                "id": "A2",
                "description": f"{MARK}-gap-action cover the named therapist's list",
                "owner": "COO",
                "due": date(2025, 6, 30),
                "status": "on_track",
            },
        ),
        "history": (
            {
                "date": date(2024, 12, 31),
                "current": {"likelihood": 3, "consequence": 4},
                "rationale": "Set",
            },
        ),
        "withhold": ("controls", "gaps"),
    }
    data.update(changes)
    return make_risk(**data)


@pytest.fixture
def baf_url(web_store: Store) -> str:
    """The web store with a two-risk register (one unpublished) and SPC results."""
    register = BafRegister(
        objectives=(StrategicObjective(id="GO", title="Great Outcomes"),),
        risks=(
            _risk(),
            _risk(
                id="BAF-02",
                title=f"{MARK}-unpublished cyber attack",
                publish=False,
                key_metrics=("SAF11",),
                current={"likelihood": 4, "consequence": 5},
                actions=(),
                gaps=(),
            ),
        ),
    )
    with web_store.transaction() as conn:
        store_baf.save_register(conn, register, actor="test", source="test")
    url = web_store.engine.url.render_as_string(hide_password=False)
    refresh_spc(database=url, actor="test")
    return url


def _texts(html: str) -> str:
    """The page with every SVG it carries as a data URI decoded."""
    found = [html]
    for match in re.finditer(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)", html):
        found.append(base64.b64decode(match[1]).decode("utf-8"))
    return "\n".join(found)


def test_the_private_board_sees_every_risk_and_field(baf_url: str) -> None:
    client = make_client(baf_url)
    sign_in(client, "ana")
    page = _texts(client.get(BOARD).text)
    # the heat map's data table: L3 × C4 = 12 and L4 × C5 = 20 (hand-worked)
    assert re.search(r"BAF-01 Access to [^<]*</th><td>3</td><td>4</td><td>12<", page)
    assert re.search(r"BAF-02 [^<]*</th><td>4</td><td>5</td><td>20<", page)
    assert f'href="{BOARD}/risks/BAF-02"' in page
    # the risk table links each id to its page here, not to an anchor of the pack
    assert f'<th scope="row"><a href="{BOARD}/risks/BAF-01">BAF-01</a></th>' in page
    assert 'href="#baf-risk-' not in page
    risk = client.get(f"{BOARD}/risks/BAF-01")
    assert risk.status_code == 200
    text = _texts(risk.text)
    for marker in ("control", "gap", "gap-action"):
        assert f"{MARK}-{marker} " in text
    # both key metrics, each with its icons (images carry their meaning in words beside them)
    # and a link to its page in the forum
    for metric in ("RES01", "WEL01"):
        assert f'<a href="/forums/board/{PERIOD}/metrics/{metric}">{metric}</a>' in text


def test_a_public_board_member_sees_only_what_the_public_pack_shows(baf_url: str) -> None:
    client = make_client(baf_url)
    sign_in(client, "bella")
    summary = client.get(PUBLIC)
    assert summary.status_code == 200
    assert "BAF-01" in summary.text
    assert MARK not in _texts(summary.text)
    assert "BAF-02" not in summary.text
    risk = client.get(f"{PUBLIC}/risks/BAF-01")
    assert risk.status_code == 200
    text = _texts(risk.text)
    assert MARK not in text
    assert "Recruit two therapists" in text  # the action that answers no withheld gap stays
    assert "WEL01" not in text  # a private key metric is out of a public pack
    assert f'<a href="/forums/public-board/{PERIOD}/metrics/RES01">RES01</a>' in text
    assert client.get(f"{PUBLIC}/risks/BAF-02").status_code == 404
    assert client.get(f"{PUBLIC}/risks/NOPE").status_code == 404


def test_a_board_member_cannot_open_another_forum_s_baf(baf_url: str) -> None:
    client = make_client(baf_url)
    sign_in(client, "bella")
    assert client.get(BOARD).status_code == 403
    assert client.get(f"{BOARD}/risks/BAF-01").status_code == 403


def test_without_a_register_the_page_says_so(app_url: str) -> None:
    client = make_client(app_url)
    sign_in(client, "ana")
    page = client.get(BOARD)
    assert page.status_code == 200
    assert "holds no Board Assurance Framework register" in page.text
    assert client.get(f"{BOARD}/risks/BAF-01").status_code == 404


def test_the_baf_stylesheet_is_served(client: object) -> None:
    from fastapi.testclient import TestClient

    assert isinstance(client, TestClient)
    answer = client.get("/static/baf.css")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/css")
    assert ".baf-table" in answer.text
