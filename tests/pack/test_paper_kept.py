"""The paper configuration a pack is published with is kept in the store; a draft keeps nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from trustboard.errors import DataValidationError
from trustboard.services.browse import load_config
from trustboard.services.pack import build_pack
from trustboard.services.publish import publish_pack
from trustboard.store import read_paper_config

from .conftest import COMPLETE_PAPER


def _kept(store):  # type: ignore[no-untyped-def]
    with store.reading() as conn:
        return read_paper_config(conn)


def test_publish_keeps_the_configuration_it_was_given(pack_store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    paper = tmp_path / "paper.yaml"
    paper.write_text(yaml.safe_dump({**COMPLETE_PAPER, "history_periods": 12}), encoding="utf-8")
    assert _kept(pack_store) is None
    publish_pack(pack_store, "board", "2025-03", tmp_path / "out", config=paper, pdf=False)
    kept = _kept(pack_store)
    assert kept is not None and kept["history_periods"] == 12
    assert kept["trust_name"] == "Example Partnership NHS Trust"
    # the web app, given no --paper, builds with it: a 12-month window
    assert load_config(None, pack_store).history_periods == 12
    audited = pack_store.audit(action="paper.config")
    assert len(audited) == 1 and audited[0].before is None
    assert audited[0].after["history_periods"] == 12


def test_a_later_command_without_paper_leaves_the_kept_one(pack_store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    publish_pack(
        pack_store,
        "board",
        "2025-03",
        tmp_path,
        config={**COMPLETE_PAPER, "history_periods": 12},
        pdf=False,
    )
    # a draft without --paper, and a publish without it (refused: blank cover sheet)
    build_pack(pack_store, "fpc", "2025-03", tmp_path / "draft", pdf=False)
    with pytest.raises(DataValidationError):
        publish_pack(pack_store, "fpc", "2025-03", tmp_path, pdf=False)
    kept = _kept(pack_store)
    assert kept is not None and kept["history_periods"] == 12
    assert len(pack_store.audit(action="paper.config")) == 1


def test_a_refused_publication_keeps_nothing(pack_store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    blank = {"history_periods": 12}  # mandatory cover-sheet fields blank: refused
    with pytest.raises(DataValidationError):
        publish_pack(pack_store, "board", "2025-03", tmp_path, config=blank, pdf=False)
    assert _kept(pack_store) is None


def test_a_new_explicit_configuration_replaces_the_kept_one(pack_store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    publish_pack(
        pack_store,
        "board",
        "2025-03",
        tmp_path,
        config={**COMPLETE_PAPER, "history_periods": 12},
        pdf=False,
    )
    publish_pack(
        pack_store,
        "fpc",
        "2025-03",
        tmp_path,
        config={**COMPLETE_PAPER, "history_periods": 18},
        pdf=False,
    )
    kept = _kept(pack_store)
    assert kept is not None and kept["history_periods"] == 18
    changes = pack_store.audit(action="paper.config")
    assert [c.after["history_periods"] for c in changes] == [18, 12]  # newest first


def test_publish_keeps_its_configuration_and_a_draft_does_not(pack_store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from cliruns import Trustboard

    cli = Trustboard()
    draft, final = tmp_path / "draft.yaml", tmp_path / "final.yaml"
    draft.write_text(yaml.safe_dump({"history_periods": 18}), encoding="utf-8")
    final.write_text(yaml.safe_dump({**COMPLETE_PAPER, "history_periods": 12}), encoding="utf-8")
    base = ["--period", "2025-03", "--forum", "board", "-o", str(tmp_path / "out")]
    base += ["--database", str(pack_store.url), "--no-pdf"]
    # a draft is a trial: the web keeps showing what was last published
    drafted = cli.invoke(["report", *base, "--paper", str(draft)])
    assert drafted.exit_code == 0, drafted.output
    assert _kept(pack_store) is None
    published = cli.invoke(["publish", *base, "--paper", str(final)])
    assert published.exit_code == 0, published.output
    kept = _kept(pack_store)
    assert kept is not None and kept["history_periods"] == 12
    redrafted = cli.invoke(["report", *base, "--paper", str(draft)])
    assert redrafted.exit_code == 0, redrafted.output
    assert _kept(pack_store) == kept
