"""The governance table: one schema, validated as the paper configuration is read, rendered as
the cover sheet, and agreeing with the data it describes."""

from __future__ import annotations

import re
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import polars as pl
import pytest
import yaml
from pydantic import ValidationError

from cliruns import Trustboard
from trustboard.demo.catalogue import build_catalogue
from trustboard.demo.paper import build_paper_config
from trustboard.domain import (
    AssuranceLevel,
    Comparator,
    DetailLevel,
    Domain,
    Forum,
    ForumKind,
    MetricDefinition,
    OrgLevel,
    OrgUnit,
    Polarity,
    Target,
    Unit,
)
from trustboard.domain.governance import (
    WITHHELD_TITLE,
    Governance,
    PaperPurpose,
    Person,
    PreviousForum,
    RiskAppetite,
    RiskRegisterEntry,
)
from trustboard.domain.period import month_end
from trustboard.errors import ConfigError, ErrorCode
from trustboard.render.pack import render_html
from trustboard.services.baf import import_register
from trustboard.services.pack import build_pack, load_paper_config, paper_details
from trustboard.store import Store

from .builders import PERIOD, months, small_model
from .builders import paper as complete_paper
from .conftest import COMPLETE_PAPER

REGISTER = Path(__file__).resolve().parents[2] / "src/trustboard/services/baf_demo_register.yaml"


class _Rows(HTMLParser):
    """The governance table's rows: row header -> the cell's text."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, str] = {}
        self._in_table = False
        self._cell: str | None = None
        self._header = ""
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table" and ("class", "governance") in attrs:
            self._in_table = True
        elif self._in_table and tag == "th" and ("scope", "row") in attrs:
            self._cell, self._text = "th", []
        elif self._in_table and tag == "td":
            self._cell, self._text = "td", []

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._in_table = False
        elif self._in_table and tag in ("th", "td") and self._cell == tag:
            text = " ".join("".join(self._text).split())
            if tag == "th":
                self._header = text
            else:
                self.rows[self._header] = text
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell:
            self._text.append(data)


def governance_rows(html: str) -> dict[str, str]:
    parser = _Rows()
    parser.feed(html)
    return parser.rows


# -- the schema ---------------------------------------------------------------------------


def test_a_no_without_a_reason_is_refused_and_with_one_accepted() -> None:
    with pytest.raises(ValidationError, match="must give the reason"):
        RiskAppetite(consistent=False)
    with pytest.raises(ValidationError, match="must give the reason"):
        Governance.model_validate({"risk_appetite": {"consistent": "no", "reason": "  "}})
    answered = Governance.model_validate(
        {"risk_appetite": {"consistent": "no", "reason": "Access risk scores above appetite."}}
    )
    assert answered.risk_appetite == RiskAppetite(
        consistent=False, reason="Access risk scores above appetite."
    )
    assert Governance.model_validate({"risk_appetite": True}).risk_appetite == RiskAppetite(
        consistent=True
    )


def test_people_need_a_name_and_a_role_and_entries_a_number_and_a_title() -> None:
    with pytest.raises(ValidationError, match="give the name and the role"):
        Governance.model_validate({"sponsor": "Chief Operating Officer"})
    with pytest.raises(ValidationError, match="role"):
        Governance.model_validate({"author": {"name": "Priya Raman"}})
    with pytest.raises(ValidationError, match="number and title"):
        Governance.model_validate({"risk_register": "CRR-087"})
    with pytest.raises(ValidationError, match="title"):
        Governance.model_validate({"risk_register": [{"number": "CRR-087"}]})


def test_a_paper_is_submitted_before_its_meeting() -> None:
    with pytest.raises(ValidationError, match=r"submitted \(2025-05-02\) after its meeting"):
        Governance(meeting_date=date(2025, 5, 1), date_submitted=date(2025, 5, 2))
    same_day = Governance(meeting_date=date(2025, 5, 1), date_submitted=date(2025, 5, 1))
    assert same_day.date_submitted == date(2025, 5, 1)


def test_missing_lists_the_blank_mandatory_fields_in_the_tables_order() -> None:
    assert complete_paper().missing() == []
    assert Governance(title="T", meeting="M", purpose=PaperPurpose.NOTE).missing() == [
        "meeting_date",
        "sponsor",
        "author",
        "date_submitted",
        "assurance_offered",
        "strategic_goals",
        "risk_appetite",
        "fomi",
        "patient_safety_confirmed",
        "equality",
        "decision_required",
    ]


# -- read from the paper configuration file -----------------------------------------------

BAD_PAPER = """\
paper:
  sponsor: Chief Operating Officer
  author: {name: Priya Raman, role: Head of Performance}
forums:
  board:
    meeting_date: 2025-05-01
    risk_appetite: {consistent: no}
    risk_register:
      - {number: CRR-087}
    purpose: celebrate
"""


def test_the_paper_file_names_the_file_field_line_value_and_what_was_expected(
    tmp_path: Path,
) -> None:
    path = tmp_path / "paper.yaml"
    path.write_text(BAD_PAPER, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_paper_config(path)
    problems = {p.column: p for p in caught.value.problems}
    assert set(problems) == {
        "paper.sponsor",
        "forums.board.risk_appetite",
        "forums.board.risk_register[0].title",
        "forums.board.purpose",
    }
    assert all(p.file == str(path) for p in problems.values())
    sponsor = problems["paper.sponsor"]
    assert sponsor.code == ErrorCode.PAPER_FIELD and "(line 2)" in sponsor.message
    assert "give the name and the role" in sponsor.message
    appetite = problems["forums.board.risk_appetite"]
    assert appetite.code == ErrorCode.PAPER_APPETITE and "(line 7)" in appetite.message
    assert "must give the reason" in appetite.message
    title = problems["forums.board.risk_register[0].title"]
    assert title.message == "'risk_register[0].title' is required (line 9)"
    purpose = problems["forums.board.purpose"]
    assert purpose.value == "celebrate"
    assert purpose.expected is not None and "assure" in purpose.expected


def test_dates_out_of_order_across_the_shared_and_forum_blocks_are_refused(
    tmp_path: Path,
) -> None:
    path = tmp_path / "paper.yaml"
    path.write_text(
        "paper:\n  date_submitted: 2025-05-08\nforums:\n  board:\n    meeting_date: 2025-05-01\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        load_paper_config(path)
    (problem,) = caught.value.problems
    # named by the field that is out of order, in the block that puts the two dates together
    assert problem.column == "forums.board.date_submitted"
    assert problem.code == ErrorCode.PAPER_FIELD and "after its meeting" in problem.message


def test_the_command_line_refuses_a_bad_paper_with_a_non_zero_exit(
    pack_store: Store, tmp_path: Path
) -> None:
    path = tmp_path / "paper.yaml"
    path.write_text(BAD_PAPER, encoding="utf-8")
    result = Trustboard().invoke(
        [
            "report",
            "--period",
            "2025-03",
            "--forum",
            "board",
            "-o",
            str(tmp_path / "out"),
            "--database",
            str(pack_store.url),
            "--no-pdf",
            "--paper",
            str(path),
        ]
    )
    assert result.exit_code == 3, result.output
    assert str(path) in result.output
    assert "column 'forums.board.risk_appetite'" in result.output
    assert "TB-PAPER-APPETITE" in result.output and "(value: 'celebrate')" in result.output
    assert not (tmp_path / "out").exists()


# -- the cover sheet ----------------------------------------------------------------------


def test_the_cover_sheet_is_a_table_with_every_field_beside_its_value() -> None:
    paper = complete_paper(
        previous_forums=(
            PreviousForum(
                name="Quality Committee",
                meeting_date=date(2025, 4, 17),
                assurance=AssuranceLevel.NOT_ASSURED,
                outcome="Falls escalated",
            ),
        ),
        executive_summary="Waits for *neurodevelopmental* assessment grew.",
        assurance_rationale="Plans are in place.",
        routine=False,
        next_update="June 2025 Board",
        strategic_goals=("Great Care", "Great Outcomes"),
        baf_links=("BAF-03",),
        risk_register=(
            RiskRegisterEntry(number="CRR-087", title="Neurodevelopmental assessment waits"),
            RiskRegisterEntry(number="CRR-104", title="Community team caseloads"),
        ),
        risk_appetite=RiskAppetite(consistent=False, reason="BAF-03 scores above appetite."),
        patient_safety_note="Set out in the falls exception.",
    )
    html = render_html(small_model(paper=paper))
    rows = governance_rows(html)
    assert rows == {
        "Paper title": "Integrated Performance Report",
        "Meeting and date": "Trust Board (public), 24 April 2025",
        "Agenda item": "7.1",
        "Purpose": "For assurance",
        "Paper sponsored by": "Amara Osei, Director of Finance and Performance",
        "Paper authored by": "Tom Reid, Head of Performance",
        "Date submitted": "15 April 2025",
        "Previously considered by": (
            "Quality Committee, 17 April 2025: Not assured (Falls escalated)"
        ),
        "Executive summary": "Waits for neurodevelopmental assessment grew.",
        "What the icons show": rows["What the icons show"],
        "Level of assurance offered": "Partially assured: Plans are in place.",
        "Decision required": "Take assurance from the report.",
        "One-off or routine": "One-off; next update: June 2025 Board",
        "Strategic alignment": "Great Care, Great Outcomes",
        "Board Assurance Framework risks": "BAF-03",
        "Risk register considerations": (
            "CRR-087: Neurodevelopmental assessment waits CRR-104: Community team caseloads"
        ),
        "Consistent with the risk appetite": "No: BAF-03 scores above appetite.",
        "False or misleading information (FOMI) considerations": (
            "Data from the trust EPR, validated by the performance team."
        ),
        "Patient safety implications confirmed": "Yes: Set out in the falls exception.",
        "Equality considerations": "No adverse impact identified.",
    }
    assert "<em>neurodevelopmental</em>" in html
    assert '<meta name="author" content="Tom Reid">' in html


def test_a_draft_shows_its_blank_fields_as_dashes() -> None:
    blank = Governance(title="Draft", meeting="Trust Board")
    rows = governance_rows(render_html(small_model(paper=blank)))
    for header in (
        "Purpose",
        "Paper sponsored by",
        "Paper authored by",
        "Date submitted",
        "Consistent with the risk appetite",
        "Decision required",
    ):
        assert rows[header] == "–", header
    assert rows["Meeting and date"] == "Trust Board, date –"
    assert rows["Risk register considerations"] == "None"


# -- the cover sheet agrees with the data -------------------------------------------------


def _stable(n: int) -> list[float]:
    """50, 52, 50, 52, ...: a mean of 51 with every point alternating about it."""
    return [50.0 if i % 2 == 0 else 52.0 for i in range(n)]


def _metric(
    metric_id: str, polarity: Polarity, target: float | None, comparator: Comparator = Comparator.GE
) -> MetricDefinition:
    return MetricDefinition(
        id=metric_id,
        name=f"Measure {metric_id}",
        domain=Domain.RESPONSIVE,
        unit=Unit.COUNT,
        polarity=polarity,
        targets=(Target(value=target, comparator=comparator),) if target is not None else (),
    )


def test_the_cover_sheets_counts_are_the_matrix_counts_counted_by_hand(tmp_path: Path) -> None:
    # Four series of 24 months, each alternating 50/52 (so no run or trend rule can fire):
    #   FAIL: higher is better, the last point 30. Mean ~50.1, mean moving range ~2.8, lower
    #         limit ~42.5: 30 is below it (special cause concern); the target 60 is above the
    #         upper limit (~57.6), so it will consistently fail.  -> concern, failing (focus)
    #   PASS: lower is better, no outlier. Limits 51 +/- 2.66 * 2: the target <= 100 is above
    #         the upper limit (56.3) on the good side.            -> common cause, passing
    #   MISS: higher is better, target >= 51 inside the limits.  -> common cause, hit and miss
    #   RISE: higher is better, the last point 70, no target.    -> improvement, no icon
    series = {
        "FAIL": [*_stable(23), 30.0],
        "PASS": _stable(24),
        "MISS": _stable(24),
        "RISE": [*_stable(23), 70.0],
    }
    metrics = [
        _metric("FAIL", Polarity.HIGHER_IS_BETTER, 60.0),
        _metric("PASS", Polarity.LOWER_IS_BETTER, 100.0, Comparator.LE),
        _metric("MISS", Polarity.HIGHER_IS_BETTER, 51.0),
        _metric("RISE", Polarity.HIGHER_IS_BETTER, None),
    ]
    store, _before, _after = Store.init(tmp_path / "cover.db", actor="test")
    try:
        store.upsert_catalogue(
            metrics,
            [OrgUnit(code="RXX", name="Example NHS Trust", level=OrgLevel.TRUST)],
            [Forum(id="board", name="Trust Board", kind=ForumKind.BOARD, detail=DetailLevel.FULL)],
            effective=date(2020, 1, 1),
            source="test",
        )
        rows = [
            {
                "metric_id": metric_id,
                "period_start": day,
                "period_end": month_end(day),
                "org_unit": "RXX",
                "numerator": None,
                "denominator": None,
                "value": value,
                "provisional": False,
                "source_file": "test.csv",
                "source_hash": "x",
            }
            for metric_id, values in series.items()
            for day, value in zip(months(24), values, strict=True)
        ]
        store.write_values(pl.DataFrame(rows))
        built = build_pack(store, "board", PERIOD, tmp_path / "out", pdf=False)
    finally:
        store.close()
    icons = {
        s.metric_id: (s.summary.variation_icon, s.summary.assurance_icon)
        for s in built.model.sections
    }
    assert icons == {
        "FAIL": ("concern_low", "fail"),
        "PASS": ("common_cause", "pass"),
        "MISS": ("common_cause", "inconsistent"),
        "RISE": ("improvement_high", None),
    }
    sentence = governance_rows(built.html)["What the icons show"]
    assert sentence == (
        "Of 4 metrics, variation: 1 special cause concern; 1 special cause improvement; "
        "2 common cause. Against their targets: 1 consistently failing, 1 hit and miss, "
        "1 consistently passing and 1 without a target or assurance icon. 1 metric combines "
        "concern with a target at risk (the Board's focus)."
    )
    # the icon matrix on the next page counts the same metrics in the same cells
    matrix = built.html.split('<table class="matrix">', 1)[1].split("</table>", 1)[0]
    counts = [int(c) for c in re.findall(r'<span class="count">(\d+)</span>', matrix)]
    assert sum(counts) == 4 and counts.count(1) == 4


# -- the demo -----------------------------------------------------------------------------


def test_the_demo_papers_name_people_and_risks_as_the_register_has_them() -> None:
    register = yaml.safe_load(REGISTER.read_text(encoding="utf-8"))
    titles = {e["id"]: e["title"] for r in register["risks"] for e in r.get("crr") or ()}
    leads = {r["executive_lead"] for r in register["risks"]}
    config = load_paper_config(build_paper_config())
    for forum_id in ("EMT", "FPC", "QC", "PC", "ARC", "BOARD", "BOARD-PRIVATE"):
        paper = paper_details(
            config.for_forum(forum_id), forum_name=forum_id, period=PERIOD, metrics=[]
        )
        assert paper.sponsor is not None and paper.author is not None
        assert paper.sponsor.role in leads | {"Chief Executive"}, forum_id
        assert paper.sponsor.name and paper.author.name and paper.author.role
        for entry in paper.risk_register:
            assert titles[entry.number] == entry.title, (forum_id, entry.number)
        assert paper.risk_appetite is not None and paper.risk_appetite.reason, forum_id
    board = config.for_forum("BOARD")
    assert board["risk_appetite"]["consistent"] is False
    assert len(board["risk_register"]) == len(titles)


def test_the_demo_papers_say_no_to_the_appetite_only_for_risks_above_its_tolerance() -> None:
    register = yaml.safe_load(REGISTER.read_text(encoding="utf-8"))
    tolerance = {level["name"]: level["max_score"] for level in register["appetite"]["levels"]}
    above = {
        r["id"]
        for r in register["risks"]
        if r["current"]["likelihood"] * r["current"]["consequence"] > tolerance[r["appetite_level"]]
    }
    # by hand from the register: BAF-01 12 > Cautious 10, BAF-03 16 > Open 12,
    # BAF-06 16 > Cautious 10, BAF-08 15 > Minimal 6
    assert above == {"BAF-01", "BAF-03", "BAF-06", "BAF-08"}
    in_the_report = {risk for m in build_catalogue() for risk in m.definition.baf_risks}
    config = build_paper_config()
    for forum_id, block in config["forums"].items():
        answer = block["risk_appetite"]
        named = set(re.findall(r"BAF-\d\d", answer["reason"]))
        assert named <= in_the_report, forum_id
        if answer["consistent"]:
            assert not named & above, forum_id
        else:
            assert named and named <= above, forum_id


def test_a_public_pack_shows_the_number_but_not_a_withheld_title() -> None:
    given = Governance(
        risk_register=(
            RiskRegisterEntry(number="CRR-087", title="Neurodevelopmental assessment waits"),
            RiskRegisterEntry(number="CRR-999", title="A risk the register does not hold"),
        )
    )
    shown = paper_details(
        given, forum_name="Board", period=PERIOD, metrics=[], withheld_risks=frozenset({"CRR-087"})
    )
    assert [str(e) for e in shown.risk_register] == [
        f"CRR-087 {WITHHELD_TITLE}",
        "CRR-999 A risk the register does not hold",
    ]


def test_defaults_take_risk_register_titles_from_the_register() -> None:
    metric = replace_metric_links(("CRR-104", "CRR-555"))
    paper = paper_details(
        {},
        forum_name="Board",
        period=PERIOD,
        metrics=[metric],
        risk_titles={"CRR-104": "Community mental health team caseloads"},
    )
    assert [(e.number, e.title) for e in paper.risk_register] == [
        ("CRR-104", "Community mental health team caseloads"),
        ("CRR-555", "title not recorded in the risk register"),
    ]
    assert paper.purpose is PaperPurpose.ASSURE and paper.meeting == "Board"


def replace_metric_links(ids: tuple[str, ...]) -> MetricDefinition:
    return _metric("X1", Polarity.HIGHER_IS_BETTER, None).model_copy(
        update={"risk_register_ids": ids}
    )


def test_the_published_snapshot_round_trips_the_schema() -> None:
    from trustboard.services.publish import _paper_from_json, _paper_json

    paper = complete_paper(
        risk_register=(RiskRegisterEntry(number="CRR-087", title="ND waits"),),
        sponsor=Person(name="A", role="B"),
    )
    assert _paper_from_json(_paper_json(paper)) == paper


# -- the documentation's examples ---------------------------------------------------------

DOC = Path(__file__).resolve().parents[2] / "docs" / "board-pack.md"


def _doc_yaml_blocks() -> list[str]:
    text = DOC.read_text(encoding="utf-8")
    return re.findall(r"^```yaml\n(.*?)^```", text, flags=re.S | re.M)


def test_the_documented_paper_configuration_is_valid_and_complete(tmp_path: Path) -> None:
    (example,) = [b for b in _doc_yaml_blocks() if "risk_appetite" in b]
    path = tmp_path / "paper.yaml"
    path.write_text(example, encoding="utf-8")
    config = load_paper_config(path)
    board = paper_details(
        config.for_forum("board"), forum_name="Trust Board", period=PERIOD, metrics=[]
    )
    assert board.sponsor == Person(name="Dr Helen Marsh", role="Chief Executive")
    assert board.risk_appetite is not None and not board.risk_appetite.consistent
    assert [e.number for e in board.risk_register] == ["CRR-087", "CRR-095"]
    # every mandatory field but the ones the pack fills from its metrics is given
    assert board.missing() == ["strategic_goals", "fomi"]


def test_the_documented_error_is_what_the_reader_gives(tmp_path: Path) -> None:
    text = DOC.read_text(encoding="utf-8")
    shown = re.search(r"```text\n(error \[TB-CONFIG\]: the paper configuration.*?)```", text, re.S)
    assert shown is not None
    path = tmp_path / "paper.yaml"
    path.write_text(
        "paper:\n  sponsor: Chief Operating Officer\n"
        "  author: {name: Priya Raman, role: Head of Performance}\n"
        "forums:\n  board:\n    meeting_date: 2025-05-01\n    risk_appetite: {consistent: no}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        load_paper_config(path)
    printed = str(caught.value).replace(str(path), "paper.yaml")
    assert printed.strip() == shown.group(1).strip()


# -- checked against the register the store keeps ------------------------------------------

SAMPLE_REGISTER = Path(__file__).resolve().parents[1] / "fixtures" / "baf" / "sample_register.yaml"
ND_WAITS = "Neurodevelopmental assessment waiting times"


def _with_register(store: Store) -> None:
    url = store.engine.url.render_as_string(hide_password=False)
    import_register(SAMPLE_REGISTER, database=url, check_catalogue=False)


def _config(**fields: object) -> dict[str, object]:
    shared: dict[str, object] = dict(COMPLETE_PAPER["paper"])  # type: ignore[arg-type]
    return {**COMPLETE_PAPER, "paper": {**shared, **fields}}


def test_a_public_pack_names_the_entry_but_not_the_title_the_register_withholds(
    pack_store: Store, tmp_path: Path
) -> None:
    _with_register(pack_store)  # its public_groups leave out the risk-register entries
    config = _config(risk_register=[{"number": "CRR-087", "title": ND_WAITS}])
    private = build_pack(pack_store, "board", "2025-03", tmp_path / "p", config=config, pdf=False)
    public = build_pack(
        pack_store, "public-board", "2025-03", tmp_path / "q", config=config, pdf=False
    )
    assert governance_rows(private.html)["Risk register considerations"] == f"CRR-087: {ND_WAITS}"
    assert governance_rows(public.html)["Risk register considerations"] == (
        f"CRR-087: {WITHHELD_TITLE}"
    )
    assert ND_WAITS not in public.html


def test_numbers_and_titles_the_register_does_not_hold_are_refused(
    pack_store: Store, tmp_path: Path
) -> None:
    _with_register(pack_store)
    config = _config(baf_links=["BAF-03", "BAF-99"])
    config["forums"] = {
        "board": {
            "risk_register": [
                {"number": "CRR-087", "title": "Autism waits"},
                {"number": "CRR-404", "title": "A risk nobody recorded"},
                {"number": "CRR-104", "title": "Community mental health team caseloads"},
            ]
        }
    }
    with pytest.raises(ConfigError) as caught:
        build_pack(pack_store, "board", "2025-03", tmp_path / "out", config=config, pdf=False)
    problems = {p.column: p for p in caught.value.problems}
    assert set(problems) == {
        "paper.baf_links[1]",
        "forums.board.risk_register[0].title",
        "forums.board.risk_register[1].number",
    }
    assert all(p.code == ErrorCode.PAPER_REFERENCE for p in problems.values())
    assert problems["forums.board.risk_register[0].title"].expected == repr(ND_WAITS)
    assert problems["paper.baf_links[1]"].value == "BAF-99"
    assert not (tmp_path / "out").exists()
    # without a register in the store there is nothing to check against
    build_pack(pack_store, "fpc", "2025-03", tmp_path / "fpc", config=_config(), pdf=False)
