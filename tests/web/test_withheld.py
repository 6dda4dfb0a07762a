"""Withheld stays withheld in the browser: a public-board member receives nothing that the
public pack leaves out, in any page, chart or API answer (the marker is in every private
field), and small numbers are suppressed as in the pack."""

from __future__ import annotations

import base64
import re

from conftest import MARK, PERIOD, make_client, sign_in
from trustboard.services.users import issue_token
from trustboard.store import Store

PUBLIC_PAGES = (
    "/",
    "/?forum=public-board",
    f"/forums/public-board/{PERIOD}",
    f"/forums/public-board/{PERIOD}?sort=name&order=desc",
    f"/forums/public-board/{PERIOD}/metrics/RES01",
    f"/forums/public-board/{PERIOD}/metrics/SAF12",
    f"/forums/public-board/{PERIOD}/metrics/WEL01",
    f"/forums/public-board/{PERIOD}/metrics/RES01/drill",
    f"/forums/public-board/{PERIOD}/metrics/RES01/drill/MH",
    f"/forums/public-board/{PERIOD}/metrics/RES01/teams",
    f"/forums/public-board/{PERIOD}/metrics/RES01/explain",
    f"/forums/public-board/{PERIOD}/metrics/SAF12/drill",
    f"/forums/public-board/{PERIOD}/metrics/SAF12/explain",
    f"/forums/public-board/{PERIOD}/metrics/WEL01/drill",
    f"/forums/public-board/{PERIOD}/metrics/WEL01/explain",
    "/packs",
    "/status",
    f"/forums/public-board/{PERIOD}/baf",
)

PUBLIC_API = (
    f"/api/v1/forums/public-board/{PERIOD}/metrics",
    f"/api/v1/forums/public-board/{PERIOD}/metrics/RES01",
    f"/api/v1/forums/public-board/{PERIOD}/metrics/WEL01",
    f"/api/v1/forums/public-board/{PERIOD}/exceptions",
    f"/api/v1/forums/public-board/{PERIOD}/commentary",
)


def _texts(html: str) -> list[str]:
    """The page and every SVG it carries as a data URI (chart titles and descriptions)."""
    out = [html]
    for match in re.finditer(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)", html):
        out.append(base64.b64decode(match[1]).decode("utf-8"))
    return out


def test_the_marker_is_shown_where_private_items_may_be_seen(app_url: str) -> None:
    # the control: each private field is printed somewhere, so its absence below means
    # it was withheld rather than never written
    client = make_client(app_url)
    sign_in(client, "ana")
    board = f"/forums/board/{PERIOD}"
    assert f"{MARK}-metric" in client.get(board).text
    assert f"{MARK}-root-causes" in client.get(f"{board}/metrics/RES01").text
    private = client.get(f"{board}/metrics/WEL01").text
    assert f"{MARK}-private-metric-summary" in private
    assert f"{MARK}-private-metric-action" in private


def test_no_private_field_reaches_a_public_board_member(app_url: str, web_store: Store) -> None:
    client = make_client(app_url)
    sign_in(client, "bella")
    for path in PUBLIC_PAGES:
        answer = client.get(path)
        assert answer.status_code in (200, 404), path
        for text in _texts(answer.text):
            assert MARK not in text, path
    token = issue_token(web_store, "bella")
    for path in PUBLIC_API:
        answer = client.get(path, headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code in (200, 404), path
        assert MARK not in answer.text, path
    api = client.get(
        f"/api/v1/forums/public-board/{PERIOD}/metrics",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert api.status_code == 200
    assert "WEL01" not in [m["id"] for m in api.json()["metrics"]]


def test_a_small_count_is_suppressed_for_the_public_board(app_url: str, web_store: Store) -> None:
    # SAF12's March 2025 value is 2 (tests/pack/conftest.py: SMALL_COUNTS[29 % 4]); counts
    # from 1 to 7 are suppressed in a public pack, so the public Board sees "*"
    token = issue_token(web_store, "ana")
    client = make_client(app_url)
    auth = {"Authorization": f"Bearer {token}"}
    public = client.get(f"/api/v1/forums/public-board/{PERIOD}/metrics", headers=auth).json()
    private = client.get(f"/api/v1/forums/board/{PERIOD}/metrics", headers=auth).json()
    saf12_public = next(m for m in public["metrics"] if m["id"] == "SAF12")
    saf12_private = next(m for m in private["metrics"] if m["id"] == "SAF12")
    assert (saf12_private["value"], saf12_private["display"]) == (2.0, "2")
    assert (saf12_public["value"], saf12_public["display"]) == (None, "*")
    sign_in(client, "bella")
    page = client.get(f"/forums/public-board/{PERIOD}/metrics/SAF12").text
    latest = re.search(r"<dt>Latest</dt><dd>([^<(]*)", page)
    assert latest is not None and latest.group(1).strip() == "*"
