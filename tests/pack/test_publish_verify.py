"""Verification reads what was published: every file, the manifest's signature, the store.

Each tampering below is one a hostile or careless person could make to a published folder;
the expected difference is written from the rule (hash every file the manifest lists, notice
files it does not list, re-read the store as at publication), not from the code's output.
"""

from __future__ import annotations

import errno
import hashlib
import json
import stat
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from trustboard.cli.app import main
from trustboard.domain import Period
from trustboard.errors import ConfigError, ConflictError, ErrorCode, TrustboardError
from trustboard.services import publish as publish_module
from trustboard.services.publish import (
    publication_dir,
    publish_pack,
    render_as_published,
    verify_publication,
)
from trustboard.services.signing import SignatureStatus

from .conftest import COMPLETE_PAPER, FORUMS, UNITS, catalogue

MARCH = Period.month(2025, 3)
STEM = "board-2025-03"


@pytest.fixture(autouse=True)
def _no_configuration(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No signing key or configuration file from the machine running the tests."""
    monkeypatch.delenv("TRUSTBOARD_SIGNING_KEY", raising=False)
    monkeypatch.delenv("TRUSTBOARD_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "no-config"))


def _publish(store, root: Path, *, pdf: bool = False, forum: str = "board"):  # type: ignore[no-untyped-def]
    return publish_pack(store, forum, "2025-03", root, config=COMPLETE_PAPER, pdf=pdf)


def _manifest_edit(change: Callable[[dict], None]) -> Callable[[Path], None]:  # type: ignore[type-arg]
    def edit(folder: Path) -> None:
        path = folder / "manifest.json"
        manifest = json.loads(path.read_text(encoding="utf-8"))
        change(manifest)
        path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")

    return edit


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _edit_figure(folder: Path) -> None:
    html = folder / f"{STEM}.html"
    text = html.read_text(encoding="utf-8")
    assert "Example Partnership NHS Trust" in text
    html.write_text(text.replace("Example Partnership NHS Trust", "Example NHS Trust"), "utf-8")


def _append(folder: Path) -> None:
    with (folder / f"{STEM}.html").open("a", encoding="utf-8") as out:
        out.write("<p>one more line</p>\n")


def _script(folder: Path) -> None:
    html = folder / f"{STEM}.html"
    text = html.read_text(encoding="utf-8")
    html.write_text(text.replace("</body>", "<script>alert(1)</script></body>"), "utf-8")


def _first_figure(manifest: dict) -> None:  # type: ignore[type-arg]
    manifest["figures"][0]["value"] = 123456.0


CHANGED_HTML = f"{STEM}.html was changed"
TAMPERING: list[tuple[str, Callable[[Path], None], list[str]]] = [
    ("edit a name in the HTML", _edit_figure, [CHANGED_HTML]),
    ("append to the HTML", _append, [CHANGED_HTML]),
    ("add a script", _script, [CHANGED_HTML]),
    (
        "delete the HTML",
        lambda folder: (folder / f"{STEM}.html").unlink(),
        [f"{STEM}.html is listed in the manifest but missing"],
    ),
    (
        "add a file",
        lambda folder: (folder / "extra.html").write_text("<p>hi</p>", "utf-8"),
        ["extra.html is not listed in the manifest (added)"],
    ),
    (
        "add a file in a sub-folder",
        lambda folder: (folder / "sub").mkdir() or (folder / "sub" / "x.js").write_text("1"),
        ["sub/x.js is not listed in the manifest (added)"],
    ),
    (
        "change inputs.json",
        lambda folder: (folder / "inputs.json").write_text(
            (folder / "inputs.json").read_text("utf-8").replace("Head of Performance", "Nobody"),
            "utf-8",
        ),
        ["inputs.json was changed", "the HTML re-rendered from the store differs"],
    ),
    (
        "change a figure in the manifest",
        _manifest_edit(_first_figure),
        ["figure RES01 2023-04: manifest 123456.0, re-rendered"],
    ),
    (
        "change the HTML hash in the manifest",
        _manifest_edit(lambda m: m["files"].__setitem__(f"{STEM}.html", "0" * 64)),
        [CHANGED_HTML, "the HTML re-rendered from the store differs from the HTML the manifest"],
    ),
    (
        "change the value count",
        _manifest_edit(lambda m: m.__setitem__("value_rows", 7)),
        ["the manifest says 7"],
    ),
    (
        "change the catalogue version",
        _manifest_edit(lambda m: m["catalogue_version"].__setitem__("seq", 99)),
        ["the manifest names catalogue version 99, which the store never had"],
    ),
    (
        "change the catalogue hash",
        _manifest_edit(lambda m: m["catalogue_version"].__setitem__("content_hash", "f" * 64)),
        ["the manifest's content hash differs from the store's"],
    ),
    (
        "change the public flag",
        _manifest_edit(lambda m: m["options"].__setitem__("public", True)),
        [
            # public packs suppress small counts (13 rounds to 15; 4 and 3 are withheld)
            "figure SAF12 2023-04: manifest 13.0, re-rendered 15.0",
            "figure SAF12 2023-05: manifest 4.0, re-rendered None",
            "more figure(s) differ",
            "the HTML re-rendered from the store differs from the HTML the manifest",
        ],
    ),
]


@pytest.mark.parametrize(
    ("change", "expected"), [(t[1], t[2]) for t in TAMPERING], ids=[t[0] for t in TAMPERING]
)
def test_verify_finds_each_change_to_a_published_folder(
    pack_store,  # type: ignore[no-untyped-def]
    tmp_path: Path,
    change: Callable[[Path], None],
    expected: list[str],
) -> None:
    done = _publish(pack_store, tmp_path)
    assert verify_publication(pack_store, "board", MARCH, tmp_path).ok
    change(done.folder)
    outcome = verify_publication(pack_store, "board", MARCH, tmp_path)
    assert not outcome.ok
    problems = outcome.problems()
    for text in expected:
        assert any(text in p for p in problems), (text, problems)
    # and nothing else is reported (ten figure differences are listed before the rest are counted)
    listed = 8 if any("more figure(s)" in t for t in expected) else 0
    assert len(problems) == len(expected) + listed, problems


def test_verify_hashes_the_pdf_too(pack_store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    done = _publish(pack_store, tmp_path, pdf=True)
    pdf = done.folder / f"{STEM}.pdf"
    assert done.manifest["files"][pdf.name] == _sha(pdf)
    pdf.write_bytes(pdf.read_bytes() + b"%% appended\n")
    assert verify_publication(pack_store, "board", MARCH, tmp_path).problems() == [
        f"{STEM}.pdf was changed (sha256 {_sha(pdf)}, manifest {done.manifest['files'][pdf.name]})"
    ]
    pdf.unlink()
    assert verify_publication(pack_store, "board", MARCH, tmp_path).problems() == [
        f"{STEM}.pdf is listed in the manifest but missing"
    ]


@pytest.mark.parametrize("name", ["manifest.json", "inputs.json"])
@pytest.mark.parametrize("content", [None, b"", b"   \n", b"{not json", b"[1, 2]", b'{"a": 1}'])
def test_missing_or_broken_manifest_or_inputs_is_a_coded_error(
    pack_store,  # type: ignore[no-untyped-def]
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    content: bytes | None,
) -> None:
    done = _publish(pack_store, tmp_path)
    target = done.folder / name
    if content is None:
        target.unlink()
    else:
        target.write_bytes(content)
    if name == "manifest.json":
        with pytest.raises(ConfigError) as caught:
            verify_publication(pack_store, "board", MARCH, tmp_path)
        assert caught.value.code == ErrorCode.PUBLISH_MANIFEST
        assert "manifest.json" in caught.value.message
    else:
        # the inputs are one of the published files: verification says so, and cannot re-render
        problems = verify_publication(pack_store, "board", MARCH, tmp_path).problems()
        assert any(p.startswith("inputs.json") for p in problems), problems
        assert any("cannot be re-rendered" in p for p in problems), problems
    argv = ["publish", "--period", "2025-03", "--forum", "board", "-o", str(tmp_path)]
    argv += ["--database", str(pack_store.url), "--verify"]
    code = main(argv)
    err = capsys.readouterr().err
    assert code in (3, 5) and "Traceback" not in err
    assert "TB-PUBLISH-MANIFEST" in err or "TB-PUBLISH-VERIFY" in err


def test_keys_init_creates_an_owner_only_key_and_refuses_to_replace_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key = tmp_path / "keys" / "trustboard.key"
    assert main(["keys", "init", str(key)]) == 0
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert key.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    before = key.read_bytes()
    assert main(["keys", "init", str(key)]) == 5
    assert "TB-KEY" in capsys.readouterr().err and key.read_bytes() == before


def test_a_signed_manifest_verifies_and_any_change_to_it_is_detected(
    pack_store,  # type: ignore[no-untyped-def]
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    key = tmp_path / "secret" / "k.pem"
    assert main(["keys", "init", str(key)]) == 0
    monkeypatch.setenv("TRUSTBOARD_SIGNING_KEY", str(key))
    root = tmp_path / "out"
    done = _publish(pack_store, root)
    assert (done.folder / "manifest.sig").is_file()
    outcome = verify_publication(pack_store, "board", MARCH, root)
    assert outcome.ok and outcome.signature.status is SignatureStatus.VALID
    # a change that keeps every hash consistent (the publication time) is caught by the signature
    _manifest_edit(lambda m: m.__setitem__("published_at", "2025-04-01T00:00:00Z"))(done.folder)
    outcome = verify_publication(pack_store, "board", MARCH, root)
    assert outcome.signature.status is SignatureStatus.INVALID
    assert not outcome.ok
    assert "the manifest's signature does not match its contents" in outcome.problems()[-1]
    # without the key the signature cannot be checked, and verify says so
    monkeypatch.delenv("TRUSTBOARD_SIGNING_KEY")
    assert (
        verify_publication(pack_store, "board", MARCH, root).signature.status
        is SignatureStatus.NO_KEY
    )


def test_another_key_and_a_readable_key_are_refused(
    pack_store,  # type: ignore[no-untyped-def]
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first, second = tmp_path / "a.key", tmp_path / "b.key"
    assert main(["keys", "init", str(first)]) == 0
    assert main(["keys", "init", str(second)]) == 0
    monkeypatch.setenv("TRUSTBOARD_SIGNING_KEY", str(first))
    _publish(pack_store, tmp_path / "out")
    monkeypatch.setenv("TRUSTBOARD_SIGNING_KEY", str(second))
    outcome = verify_publication(pack_store, "board", MARCH, tmp_path / "out")
    assert outcome.signature.status is SignatureStatus.INVALID
    assert "signed by another key" in outcome.signature.detail
    second.chmod(0o644)
    with pytest.raises(ConfigError) as caught:
        verify_publication(pack_store, "board", MARCH, tmp_path / "out")
    assert caught.value.code == ErrorCode.KEY and "chmod 600" in (caught.value.hint or "")


def test_the_key_path_comes_from_the_configuration_file(
    pack_store,  # type: ignore[no-untyped-def]
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    key = tmp_path / "k.key"
    assert main(["keys", "init", str(key)]) == 0
    config = tmp_path / "config.toml"
    config.write_text(f'signing_key = "{key}"\n', encoding="utf-8")
    monkeypatch.setenv("TRUSTBOARD_CONFIG", str(config))
    _publish(pack_store, tmp_path / "out")
    outcome = verify_publication(pack_store, "board", MARCH, tmp_path / "out")
    assert outcome.signature.status is SignatureStatus.VALID


def test_without_a_key_verify_says_the_manifest_is_unsigned(
    pack_store,  # type: ignore[no-untyped-def]
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _publish(pack_store, tmp_path)
    argv = ["publish", "--period", "2025-03", "--forum", "board", "-o", str(tmp_path)]
    argv += ["--database", str(pack_store.url), "--verify"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "3 file(s) match the manifest" not in out  # no PDF: the HTML and inputs.json
    assert "2 file(s) match the manifest" in out
    assert "signature: the manifest is unsigned" in out


def test_verify_lists_every_difference_on_the_command_line(
    pack_store,  # type: ignore[no-untyped-def]
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    done = _publish(pack_store, tmp_path)
    _append(done.folder)
    (done.folder / "evil.js").write_text("x", "utf-8")
    argv = ["publish", "--period", "2025-03", "--forum", "board", "-o", str(tmp_path)]
    argv += ["--database", str(pack_store.url), "--verify"]
    assert main(argv) == 5
    err = capsys.readouterr().err
    assert "does not verify (2 difference(s))" in err
    assert f"{STEM}.html was changed" in err and "evil.js is not listed" in err


# --- publishing writes whole or nothing, and never over a publication --------------------


def test_a_failed_publish_leaves_nothing_and_can_be_retried(
    pack_store,  # type: ignore[no-untyped-def]
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = publish_module.write_atomic
    calls: list[str] = []

    def full_disk(path: Path, data: bytes | str) -> Path:
        calls.append(Path(path).name)
        if Path(path).name == "manifest.json":
            raise publish_module.write_error(path, OSError(errno.ENOSPC, "No space left"))
        return real(path, data)

    monkeypatch.setattr(publish_module, "write_atomic", full_disk)
    with pytest.raises(TrustboardError) as caught:
        _publish(pack_store, tmp_path)
    assert caught.value.code == ErrorCode.FILE_WRITE and "the disk is full" in caught.value.message
    assert "manifest.json" in calls
    forum_dir = tmp_path / "published" / "board"
    assert list(forum_dir.iterdir()) == []  # nothing half-written, no hidden staging folder
    monkeypatch.setattr(publish_module, "write_atomic", real)
    done = _publish(pack_store, tmp_path)
    assert verify_publication(pack_store, "board", MARCH, tmp_path).ok
    assert done.folder.stat().st_mode & 0o777 == 0o755
    assert {p.stat().st_mode & 0o777 for p in done.folder.iterdir()} == {0o644}
    assert sorted(p.name for p in done.folder.iterdir()) == [
        f"{STEM}.html",
        "inputs.json",
        "manifest.json",
    ]


def test_a_published_pack_is_never_overwritten(pack_store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    done = _publish(pack_store, tmp_path)
    before = {p.name: p.read_bytes() for p in done.folder.iterdir()}
    (done.folder / "manifest.json").unlink()  # even an incomplete folder is not replaced
    with pytest.raises(ConflictError, match="already published"):
        _publish(pack_store, tmp_path)
    after = {p.name: p.read_bytes() for p in done.folder.iterdir()}
    assert after == {k: v for k, v in before.items() if k != "manifest.json"}


def test_publishing_into_a_read_only_folder_is_a_coded_error(
    pack_store,  # type: ignore[no-untyped-def]
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def read_only(*_args: object, **_kwargs: object) -> str:
        raise OSError(errno.EROFS, "Read-only file system")

    # the tests may run as root, who writes into any folder, so the file system is stood in for
    monkeypatch.setattr(publish_module.tempfile, "mkdtemp", read_only)
    argv = ["publish", "--period", "2025-03", "--forum", "board", "-o", str(tmp_path)]
    argv += ["--database", str(pack_store.url), "--no-pdf", "--paper", str(_paper(tmp_path))]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "TB-FILE-WRITE" in err and "read-only" in err and "Traceback" not in err
    assert not publication_dir(tmp_path, "board", MARCH).exists()


def _paper(tmp_path: Path) -> Path:
    import yaml

    path = tmp_path / "paper.yaml"
    path.write_text(yaml.safe_dump(COMPLETE_PAPER), encoding="utf-8")
    return path


# --- a published pack re-renders with the options it was published with ------------------


def test_as_published_keeps_the_public_flag_the_pack_was_published_with(
    pack_store,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    done = _publish(pack_store, tmp_path, forum="public-board")
    assert done.manifest["options"]["public"] is True
    # the forum is later made private: the published copy must stay the public one
    private = [f.model_copy(update={"public": False}) if f.public else f for f in FORUMS]
    pack_store.upsert_catalogue(
        catalogue(), UNITS, private, effective=date(2020, 1, 1), source="test"
    )
    assert not {f.id: f for f in pack_store.forums()}["public-board"].public
    model, html, _values, _manifest = render_as_published(
        pack_store, "public-board", MARCH, tmp_path
    )
    assert model.public
    assert html.encode("utf-8") == (done.folder / "public-board-2025-03.html").read_bytes()
    assert verify_publication(pack_store, "public-board", MARCH, tmp_path).ok
    assert publication_dir(tmp_path, "public-board", MARCH) == done.folder
