"""Narrative imported from files enters the workflow, and ``trustboard check`` reports every
exception whose narrative is not approved.

The store holds the board-pack tests' catalogue and values.  Worked by hand from them: the
Board's pack for March 2025 has one exception page, RES01 (its last 8 months are 14 points
lower, below the 75% national standard: missed for 8 consecutive periods), led by the Chief
Operating Officer, whose narrative eve approves; owen approves nothing.
"""

from __future__ import annotations

import shutil
import textwrap
from datetime import date
from pathlib import Path

import pytest

from cliruns import run
from pack.conftest import COMPLETE_PAPER, FORUMS, UNITS, catalogue, value_rows
from trustboard.errors import DataValidationError, ErrorCode, Problem
from trustboard.services import narrative as nv
from trustboard.services.check import override_finding, run_check
from trustboard.services.imports import import_commentary
from trustboard.services.publish import publish_pack
from trustboard.services.users import Role, User, add_user
from trustboard.store import Store, WriteSummary

PERIOD = "2025-03"
COO = "Chief Operating Officer"
FINDING = "narrative-approval/RES01/RXX/2025-03/narrative"
EVE = User("eve", Role.EXECUTIVE, (), ())
ANA = User("ana", Role.ANALYST, (), ())
ADAM = User("adam", Role.ADMIN, (), ())


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The store, built once (accounts' password hashes are slow by design), copied per test."""
    path = tmp_path_factory.mktemp("narrative") / "n.db"
    store, _before, _after = Store.init(f"sqlite:///{path}", actor="test")
    store.upsert_catalogue(catalogue(), UNITS, FORUMS, effective=date(2020, 1, 1), source="t")
    store.write_values(value_rows())
    for name, role in (("eve", "executive"), ("owen", "executive"), ("adam", "admin")):
        add_user(store, name, role, "a long enough passphrase")
    nv.set_lead(store, ADAM, COO, "eve")
    store.close()
    return path


@pytest.fixture
def url(template: Path, tmp_path: Path) -> str:
    copy = tmp_path / "n.db"
    shutil.copyfile(template, copy)
    return f"sqlite:///{copy}"


def _file(tmp_path: Path, summary: str, name: str = "res01.yaml") -> Path:
    path = tmp_path / name
    path.write_text(
        textwrap.dedent(
            f"""\
            commentary:
              - metric: RES01
                period: {PERIOD}
                sections:
                  summary: {summary}
                  root_causes: Two step-2 therapist vacancies.
            """
        ),
        encoding="utf-8",
    )
    return path


def _open(url: str) -> Store:
    return Store.open(url, actor="test")


def _narrative_findings(url: str) -> dict[str, tuple[str, str]]:
    store = _open(url)
    try:
        report = run_check(store, "board", PERIOD, config=COMPLETE_PAPER)
    finally:
        store.close()
    return {f.id: (f.stated, f.computed) for f in report.findings if f.rule == "narrative-approval"}


def test_imported_text_enters_as_a_draft_and_the_same_file_again_adds_nothing(
    url: str, tmp_path: Path
) -> None:
    source = _file(tmp_path, "Fewer people were seen within 6 weeks.")
    outcome = import_commentary([source], database=url, actor="ana")
    assert outcome.narrative == WriteSummary(1, 0, 0) and outcome.approver is None
    store = _open(url)
    try:
        (only,) = nv.history(store, "RES01", PERIOD)
        assert (only.version, only.state, only.author, only.approver) == (1, "draft", "ana", None)
        assert only.sections == {
            "summary": "Fewer people were seen within 6 weeks.",
            "root_causes": "Two step-2 therapist vacancies.",
        }
        audited = store.audit(entity="narrative", action="narrative.import")
        assert [(a.actor, a.entity_id) for a in audited] == [("ana", f"RES01/{PERIOD}/")]
    finally:
        store.close()
    again = import_commentary([source], database=url, actor="ana")
    assert again.narrative == WriteSummary(0, 0, 1)
    store = _open(url)
    try:
        assert len(nv.history(store, "RES01", PERIOD)) == 1
    finally:
        store.close()


def test_an_import_that_names_an_approver_with_the_right_enters_approved(
    url: str, tmp_path: Path
) -> None:
    import_commentary([_file(tmp_path, "First text.")], database=url, actor="ana")
    outcome = import_commentary(
        [_file(tmp_path, "Second text.")], database=url, actor="ana", approved_by="eve"
    )
    assert outcome.narrative == WriteSummary(0, 1, 0) and outcome.approver == "eve"
    store = _open(url)
    try:
        latest = nv.latest(store, "RES01", PERIOD)
        assert latest is not None
        assert (latest.version, latest.based_on, latest.state) == (2, 1, "approved")
        assert (latest.author, latest.approver) == ("ana", "eve")
        (audited,) = store.audit(entity="narrative", action="narrative.import", limit=1)
        assert audited.after is not None and audited.after["approver"] == "eve"
    finally:
        store.close()
    # the same approved text again changes nothing, and a draft of it does not undo the approval
    assert import_commentary(
        [_file(tmp_path, "Second text.")], database=url, actor="ana"
    ).narrative == WriteSummary(0, 0, 1)
    assert _narrative_findings(url) == {}


def test_an_approver_without_the_right_is_refused_naming_the_place_and_nothing_is_written(
    url: str, tmp_path: Path
) -> None:
    source = _file(tmp_path, "Text.")
    store = _open(url)
    before = store.row_counts()
    store.close()
    with pytest.raises(DataValidationError) as refused:
        import_commentary([source], database=url, actor="ana", approved_by="owen")
    assert list(refused.value.problems) == [
        Problem(
            ErrorCode.N_APPROVER,
            f"'owen' does not approve narrative for RES01, whose executive lead is {COO}",
            file=str(source),
            row=2,  # the line of "- metric: RES01"
            column="--approved-by",
            value="owen",
            expected=f"an account that approves for {COO} (eve), or an admin",
        )
    ]
    with pytest.raises(DataValidationError) as unknown:
        import_commentary([source], database=url, actor="ana", approved_by="nobody")
    (problem,) = unknown.value.problems
    assert (problem.code, problem.column, problem.value) == (
        ErrorCode.N_APPROVER,
        "--approved-by",
        "nobody",
    )
    store = _open(url)
    try:
        assert store.row_counts() == before
    finally:
        store.close()


def test_a_locked_or_submitted_narrative_is_not_changed_by_an_import(
    url: str, tmp_path: Path
) -> None:
    import_commentary([_file(tmp_path, "Draft.")], database=url, actor="ana")
    store = _open(url)
    try:
        submitted = nv.submit(store, EVE, "RES01", PERIOD, based_on=1)
    finally:
        store.close()
    with pytest.raises(DataValidationError) as refused:
        import_commentary([_file(tmp_path, "Changed.")], database=url, actor="ana")
    (problem,) = refused.value.problems
    assert (problem.code, problem.row, problem.value) == (
        ErrorCode.N_NARRATIVE_STATE,
        2,
        "submitted",
    )
    store = _open(url)
    try:
        nv.approve(store, EVE, "RES01", PERIOD, based_on=submitted.version)
        nv.lock_published(store, ["RES01"], PERIOD, actor="publish")
    finally:
        store.close()
    with pytest.raises(DataValidationError) as locked:
        import_commentary([_file(tmp_path, "Changed.")], database=url, approved_by="eve")
    assert [(p.code, p.value, p.expected) for p in locked.value.problems] == [
        (ErrorCode.N_NARRATIVE_STATE, "locked", "a narrative that is not locked")
    ]


def test_check_reports_the_exception_until_its_narrative_is_approved(
    url: str, tmp_path: Path
) -> None:
    assert _narrative_findings(url) == {FINDING: ("no narrative", "approved narrative")}
    import_commentary([_file(tmp_path, "Draft.")], database=url, actor="ana")
    assert _narrative_findings(url) == {FINDING: ("draft (version 1, ana)", "approved narrative")}
    store = _open(url)
    try:
        nv.submit(store, ANA, "RES01", PERIOD, based_on=1)
        assert run_check(store, "board", PERIOD, config=COMPLETE_PAPER).findings[0].stated == (
            "submitted (version 2, ana)"
        )
        nv.return_for_changes(store, EVE, "RES01", PERIOD, "Say when.", based_on=2)
    finally:
        store.close()
    assert _narrative_findings(url) == {
        FINDING: ("returned (version 3, eve)", "approved narrative")
    }
    store = _open(url)
    try:
        nv.save(store, ANA, "RES01", PERIOD, {"summary": "Recovery by June."}, based_on=3)
        nv.submit(store, ANA, "RES01", PERIOD, based_on=4)
        nv.approve(store, EVE, "RES01", PERIOD, based_on=5)
    finally:
        store.close()
    assert _narrative_findings(url) == {}
    store = _open(url)
    try:
        nv.lock_published(store, ["RES01"], PERIOD, actor="publish")
    finally:
        store.close()
    assert _narrative_findings(url) == {}


def test_an_override_lets_a_draft_stand_until_the_text_changes(url: str, tmp_path: Path) -> None:
    import_commentary([_file(tmp_path, "Draft.")], database=url, actor="ana")
    store = _open(url)
    try:
        override_finding(
            store, "board", PERIOD, FINDING, "Approved by the COO by e-mail", config=COMPLETE_PAPER
        )
        report = run_check(store, "board", PERIOD, config=COMPLETE_PAPER)
        assert [f.id for f in report.findings] == []
        assert [(f.id, o.reason) for f, o in report.overridden] == [
            (FINDING, "Approved by the COO by e-mail")
        ]
        nv.save(store, ANA, "RES01", PERIOD, {"summary": "Redrafted."}, based_on=1)
    finally:
        store.close()
    assert _narrative_findings(url) == {FINDING: ("draft (version 2, ana)", "approved narrative")}


def test_publish_refuses_unapproved_narrative_and_locks_approved_narrative(
    url: str, tmp_path: Path
) -> None:
    import_commentary([_file(tmp_path, "Draft.")], database=url, actor="ana")
    store = _open(url)
    try:
        with pytest.raises(DataValidationError) as refused:
            publish_pack(store, "board", PERIOD, tmp_path / "out", config=COMPLETE_PAPER, pdf=False)
        assert refused.value.code == ErrorCode.CHECK_FINDINGS
        assert [p.column for p in refused.value.problems] == ["narrative"]
        assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("*.html"))
    finally:
        store.close()
    import_commentary([_file(tmp_path, "Draft.")], database=url, actor="ana", approved_by="eve")
    store = _open(url)
    try:
        publish_pack(store, "board", PERIOD, tmp_path / "out", config=COMPLETE_PAPER, pdf=False)
        latest = nv.latest(store, "RES01", PERIOD)
        assert latest is not None and (latest.state, latest.approver) == ("locked", "eve")
    finally:
        store.close()


def test_a_wrong_number_in_approved_narrative_is_found(url: str) -> None:
    # the Board's exception page prints the summary: a run of misses it states is checked
    wrong = "The national standard has been missed for 5 consecutive periods."
    store = _open(url)
    try:
        nv.start_draft(store, ANA, "RES01", PERIOD)
        nv.save(store, ANA, "RES01", PERIOD, {"summary": wrong}, based_on=1)

        def runs() -> list[tuple[str, str, str]]:
            report = run_check(store, "board", PERIOD, config=COMPLETE_PAPER)
            return [(f.id, f.stated, f.computed) for f in report.findings if f.rule == "run-missed"]

        assert runs() == []  # a draft is not in the pack: only approval writes the pack's text
        nv.submit(store, ANA, "RES01", PERIOD, based_on=2)
        nv.approve(store, EVE, "RES01", PERIOD, based_on=3)
        assert runs() == [
            (
                "run-missed/RES01/RXX/2025-03/narrative.summary",
                "missed for 5 consecutive periods",
                "missed for 8 consecutive periods",
            )
        ]
    finally:
        store.close()


def test_the_command_line_names_the_approver_and_refuses_one_without_the_right(
    url: str, tmp_path: Path
) -> None:
    source = _file(tmp_path, "Text.")
    refused = run(["import", "commentary", source, "--approved-by", "owen", "--database", url])
    assert refused.exit_code == 3, refused.output
    assert "TB-N-APPROVER" in refused.output and "owen" in refused.output
    done = run(["import", "commentary", source, "--approved-by", "eve", "--database", url])
    assert done.exit_code == 0, done.output
    assert "narrative: 1 version(s) added as approved by eve, 0 unchanged" in done.output
