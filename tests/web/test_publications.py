"""The published packs pages: manifest, downloads and verification as ``publish --verify``."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from conftest import MARK, PERIOD, sign_in
from pack.conftest import COMPLETE_PAPER, approve_narrative
from trustboard.services.publish import publish_pack, verify_publication
from trustboard.store import Store
from trustboard.web import WebSettings, create_app

BOARD = f"/packs/board/{PERIOD}"


@pytest.fixture
def published(web_store: Store, tmp_path: Path) -> Path:
    """The private and public Boards' packs for March 2025, published (HTML only)."""
    root = tmp_path / "out"
    approve_narrative(web_store, "RES01", PERIOD)  # the Boards' exception page
    for forum in ("board", "public-board"):
        publish_pack(web_store, forum, PERIOD, root, config=COMPLETE_PAPER, pdf=False)
    return root


def _client(url: str, root: Path, name: str) -> TestClient:
    app = create_app(WebSettings(database=url, published_root=root, allow_plain_http=True))
    client = TestClient(app, follow_redirects=False)
    sign_in(client, name)
    return client


def test_a_publication_verifies_and_lists_its_manifest(
    app_url: str, web_store: Store, published: Path
) -> None:
    client = _client(app_url, published, "ana")
    listing = client.get("/packs").text
    assert f'href="{BOARD}"' in listing
    assert f'href="{BOARD}/files/board-{PERIOD}.html"' in listing
    assert '<span class="state state-ok">match</span>' in listing
    page = client.get(BOARD)
    assert page.status_code == 200
    cli = verify_publication(web_store, "board", PERIOD, published)
    assert cli.ok
    assert "<strong>Verified.</strong>" in page.text
    assert str(cli.html_sha256) in page.text
    folder = published / "published" / "board" / PERIOD
    manifest = json.loads((folder / "manifest.json").read_text())
    for name, digest in manifest["files"].items():
        assert f"{name}" in page.text and digest in page.text
    # the pack's month's figures (one per metric of the private Board: six), of every figure
    mine = [f for f in manifest["figures"] if f["period"] == PERIOD]
    assert len(mine) == 6
    assert f"({len(mine)} of the {len(manifest['figures'])} figures the pack showed)" in page.text
    # no signing key in the tests: the manifest is unsigned, and the page says so
    assert "Signature: <strong>unsigned</strong>" in page.text


def test_the_html_downloads_as_frozen(app_url: str, published: Path) -> None:
    client = _client(app_url, published, "ana")
    answer = client.get(f"{BOARD}/files/board-{PERIOD}.html")
    assert answer.status_code == 200
    assert answer.headers["content-disposition"] == f'attachment; filename="board-{PERIOD}.html"'
    frozen = published / "published" / "board" / PERIOD / f"board-{PERIOD}.html"
    assert answer.content == frozen.read_bytes()
    assert client.get(f"{BOARD}/files/manifest.json").status_code == 404
    assert client.get(f"{BOARD}/files/board-{PERIOD}.pdf").status_code == 404  # not published


def test_a_changed_file_is_reported_and_not_served(
    app_url: str, web_store: Store, published: Path
) -> None:
    frozen = published / "published" / "board" / PERIOD / f"board-{PERIOD}.html"
    frozen.write_bytes(frozen.read_bytes().replace(b"</body>", b"<p>added</p></body>"))
    client = _client(app_url, published, "ana")
    assert '<span class="state state-late">changed</span> (1)' in client.get("/packs").text
    page = client.get(BOARD).text
    cli = verify_publication(web_store, "board", PERIOD, published)
    assert not cli.ok
    assert "<strong>Changed:</strong>" in page
    for problem in cli.problems():
        assert problem.split(" (sha256")[0] in page
    answer = client.get(f"{BOARD}/files/board-{PERIOD}.html")
    assert answer.status_code == 409
    assert hashlib.sha256(frozen.read_bytes()).hexdigest() not in answer.text


def test_a_public_board_member_receives_nothing_private(app_url: str, published: Path) -> None:
    bella = _client(app_url, published, "bella")
    public = f"/packs/public-board/{PERIOD}"
    for path in ("/packs", public, f"{public}/files/public-board-{PERIOD}.html"):
        answer = bella.get(path)
        assert answer.status_code == 200, path
        assert MARK not in answer.text, path
        assert "WEL01" not in answer.text, path  # the private metric, not even its figures
    assert f'href="{BOARD}"' not in bella.get("/packs").text


def test_each_role_opens_only_the_packs_of_its_forums(app_url: str, published: Path) -> None:
    bella = _client(app_url, published, "bella")
    assert bella.get(BOARD).status_code == 403
    assert bella.get(f"{BOARD}/files/board-{PERIOD}.html").status_code == 403
    assert bella.get(f"/packs/public-board/{PERIOD}").status_code == 200
    dara = _client(app_url, published, "dara")
    assert dara.get(f"/packs/public-board/{PERIOD}").status_code == 403
    ana = _client(app_url, published, "ana")
    assert ana.get("/packs/board/2025-02").status_code == 404  # never published


def test_a_pack_s_page_sees_a_change_that_keeps_size_and_time(
    app_url: str, published: Path
) -> None:
    client = _client(app_url, published, "ana")
    assert "<strong>Verified.</strong>" in client.get(BOARD).text
    frozen = published / "published" / "board" / PERIOD / f"board-{PERIOD}.html"
    before = frozen.stat()
    data = frozen.read_bytes()
    at = data.index(b"<body")
    frozen.write_bytes(data[:at] + b"<BODY" + data[at + 5 :])  # same size
    os.utime(frozen, ns=(before.st_atime_ns, before.st_mtime_ns))  # same time
    assert frozen.stat().st_size == before.st_size
    page = client.get(BOARD).text
    assert "<strong>Changed:</strong>" in page
    assert f"board-{PERIOD}.html was changed" in page
