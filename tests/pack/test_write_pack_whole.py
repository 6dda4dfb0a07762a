"""`trustboard report -o` writes a pack whole or not at all."""

from __future__ import annotations

from pathlib import Path

import pytest

from trustboard.services import pack as pack_service

from .builders import small_model


def test_a_pdf_that_fails_leaves_no_html_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(html: str) -> bytes:
        raise OSError("No space left on device")

    monkeypatch.setattr(pack_service, "render_pdf", broken)
    with pytest.raises(OSError):
        pack_service.write_pack(small_model(), tmp_path / "out", pdf=True, stem="pack")
    assert sorted(p.name for p in (tmp_path / "out").glob("*")) == []


def test_a_pack_replaces_the_previous_working_copy_whole(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "pack.html").write_text("old", encoding="utf-8")
    written = pack_service.write_pack(small_model(), out, pdf=False, stem="pack")
    assert written.html_path.read_text(encoding="utf-8") == written.html
    assert sorted(p.name for p in out.iterdir()) == ["pack.html"]
