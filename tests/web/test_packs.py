"""The published packs page lists the publications of the forums an account reads."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from conftest import PERIOD, sign_in
from pack.conftest import COMPLETE_PAPER, approve_narrative
from trustboard.services.publish import publish_pack
from trustboard.store import Store
from trustboard.web import WebSettings, create_app


def test_each_account_sees_the_publications_of_its_forums(
    web_store: Store, app_url: str, tmp_path: Path
) -> None:
    root = tmp_path / "out"
    approve_narrative(web_store, "RES01", PERIOD)  # the Boards' exception page
    for forum in ("board", "public-board"):
        publish_pack(web_store, forum, PERIOD, root, config=COMPLETE_PAPER, pdf=False)
    app = create_app(WebSettings(database=app_url, published_root=root, allow_plain_http=True))

    def listed(name: str) -> list[str]:
        client = TestClient(app, follow_redirects=False)
        sign_in(client, name)
        page = client.get("/packs").text
        return [line.split("</th>")[0] for line in page.split('<th scope="row">')[1:]]

    assert listed("ana") == ["Trust Board", "Trust Board (public)"]
    assert listed("bella") == ["Trust Board (public)"]
    assert listed("dara") == []
