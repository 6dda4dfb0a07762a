"""``trustboard check`` against a store: findings, overrides kept with who/when/why, publish."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
import yaml

from trustboard.cli.app import main
from trustboard.domain import Period
from trustboard.errors import DataValidationError, ErrorCode, NotFoundError, OptionsError
from trustboard.services.check import override_finding, run_check
from trustboard.services.publish import publication_dir, publish_pack
from trustboard.store import NarrativeVersion
from trustboard.store.narrative_versions import add_version

from .conftest import COMPLETE_PAPER

#: The fixture store has six metrics, so a cover sheet claiming twenty with concern is false.
CLAIM = "Twenty metrics show special cause concern."
FINDING = "cover-count/-/RXX/2025-03/assurance_rationale.concern"


def _paper(claim: str | None) -> dict[str, object]:
    paper = dict(COMPLETE_PAPER["paper"])  # type: ignore[arg-type]
    if claim:
        paper["assurance_rationale"] = claim
    return {**COMPLETE_PAPER, "paper": paper}


def test_the_fixture_pack_checks_clean(pack_store) -> None:  # type: ignore[no-untyped-def]
    report = run_check(pack_store, "board", "2025-03", config=_paper(None))
    assert report.findings == (), [f.line() for f in report.findings]


def test_publish_refuses_while_a_finding_is_open_then_records_the_override(
    pack_store, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    config = _paper(CLAIM)
    report = run_check(pack_store, "board", "2025-03", config=config)
    assert [f.id for f in report.findings] == [FINDING]
    with pytest.raises(DataValidationError) as caught:
        publish_pack(pack_store, "board", "2025-03", tmp_path, config=config, pdf=False)
    assert caught.value.code == ErrorCode.CHECK_FINDINGS
    assert not publication_dir(tmp_path, "board", Period.month(2025, 3)).exists()

    with pytest.raises(OptionsError):
        override_finding(pack_store, "board", "2025-03", FINDING, "  ", config=config)
    with pytest.raises(NotFoundError):
        override_finding(pack_store, "board", "2025-03", "no/such/id/x/y", "why", config=config)
    done = override_finding(
        pack_store, "board", "2025-03", FINDING, "Agreed wording with the chair", config=config
    )
    assert (done.actor, done.reason) == ("test", "Agreed wording with the chair")
    audit = [e for e in pack_store.audit() if e.action == "check.override"]
    assert len(audit) == 1 and audit[0].after["reason"] == "Agreed wording with the chair"

    published = publish_pack(pack_store, "board", "2025-03", tmp_path, config=config, pdf=False)
    manifest = json.loads((published.folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["check"]["open_findings"] == 0
    assert [o["finding_id"] for o in manifest["check"]["overrides"]] == [FINDING]
    assert manifest["check"]["overrides"][0]["by"] == "test"


def test_an_override_lapses_when_the_text_changes(pack_store) -> None:  # type: ignore[no-untyped-def]
    override_finding(pack_store, "board", "2025-03", FINDING, "Agreed", config=_paper(CLAIM))
    changed = _paper("Nineteen metrics show special cause concern.")
    report = run_check(pack_store, "board", "2025-03", config=changed)
    assert [f.id for f in report.findings] == [FINDING]  # same id, new facts: open again


def test_check_command_exit_codes(pack_store, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    paper = tmp_path / "paper.yaml"
    paper.write_text(yaml.safe_dump(_paper(CLAIM)), encoding="utf-8")
    base = ["check", "--period", "2025-03", "--forum", "board", "-d", str(pack_store.url)]
    assert main([*base, "--paper", str(paper)]) == 3
    out = capsys.readouterr()
    assert FINDING in out.out and "TB-CHECK-FINDINGS" in out.err
    assert (
        main([*base, "--paper", str(paper), "--override", FINDING, "--reason", "Chair agreed"]) == 0
    )
    assert "overridden" in capsys.readouterr().out
    clean = tmp_path / "clean.yaml"
    clean.write_text(yaml.safe_dump(_paper(None)), encoding="utf-8")
    assert main([*base, "--paper", str(clean)]) == 0


def test_report_prints_the_findings(pack_store, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    paper = tmp_path / "paper.yaml"
    paper.write_text(yaml.safe_dump(_paper(CLAIM)), encoding="utf-8")
    args = ["report", "--period", "2025-03", "--forum", "board", "-d", str(pack_store.url)]
    assert main([*args, "-o", str(tmp_path / "out"), "--no-pdf", "--paper", str(paper)]) == 0
    out = capsys.readouterr().out
    assert f"check finding: {FINDING}" in out
    assert "pre-publication check: 1 open finding(s), 0 overridden" in out


def test_report_prints_the_narrative_that_is_not_approved(
    pack_store, tmp_path: Path, capsys
) -> None:  # type: ignore[no-untyped-def]
    # RES01's approved narrative edited: version 2 is a draft, so the draft pack's check (what
    # `trustboard check` and `publish` read) has a narrative-approval finding, and so does report
    draft = NarrativeVersion(
        metric_id="RES01",
        period="2025-03",
        org_unit="",
        version=2,
        based_on=1,
        state="draft",
        sections={"summary": "Edited after approval."},
        author="test",
        created_at=datetime(2025, 4, 11, 9, 0),
    )
    with pack_store.transaction() as conn:
        add_version(conn, draft, action="narrative.save", before=None)
    args = ["report", "--period", "2025-03", "--forum", "board", "-d", str(pack_store.url)]
    assert main([*args, "-o", str(tmp_path / "out"), "--no-pdf"]) == 0
    out = capsys.readouterr().out
    assert "check finding: narrative-approval/RES01/" in out
    assert "pre-publication check: 1 open finding(s), 0 overridden" in out
