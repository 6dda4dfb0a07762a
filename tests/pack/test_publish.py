"""Building from the store, the paper configuration, publishing and verifying."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from trustboard.domain import Period
from trustboard.domain.period import month_end
from trustboard.errors import ConfigError, ConflictError, DataValidationError, NotFoundError
from trustboard.services.pack import (
    build_pack,
    load_paper_config,
    missing_paper_fields,
    paper_details,
)
from trustboard.services.publish import (
    publication_dir,
    publish_pack,
    render_as_published,
    verify_publication,
)

from .conftest import COMPLETE_PAPER, approve_narrative, catalogue, value_rows


def _revise(
    store,
    metric: str,
    day: date,
    value: float,
    *,
    num: float | None = None,  # type: ignore[no-untyped-def]
    den: float | None = None,
    provisional: bool = False,
) -> None:
    store.write_values(
        pl.DataFrame(
            [
                {
                    "metric_id": metric,
                    "period_start": day,
                    "period_end": month_end(day),
                    "org_unit": "RXX",
                    "numerator": num,
                    "denominator": den,
                    "value": value,
                    "provisional": provisional,
                    "source_file": "revision.csv",
                    "source_hash": "y",
                }
            ]
        )
    )


def test_build_pack_reads_the_forum_its_metrics_and_narrative(pack_store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = build_pack(pack_store, "fpc", "2025-03", tmp_path, config=COMPLETE_PAPER, pdf=False)
    ids = [s.metric_id for s in out.model.sections]
    # FPC receives the FPC-led metrics only, in domain order (responsive, well-led, finance)
    assert ids == ["RES01", "WEL01", "WEL03", "WEL04"]
    res01 = out.model.section("RES01")
    assert res01.commentary is not None and res01.actions[0].id == "A-1"
    assert res01.is_exception
    assert out.html_path.read_text(encoding="utf-8") == out.html
    assert out.model.trust_name == "Example Partnership NHS Trust"
    # 24 months of history by default, ending at the period
    assert len(res01.points) == 24 and res01.points[-1].date == date(2025, 3, 1)
    assert out.model.triangulations[0].partner_ids == ("WEL03", "WEL01")


def test_unknown_forum_is_not_found(pack_store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NotFoundError, match="known forums: board, fpc"):
        build_pack(pack_store, "nope", "2025-03", tmp_path, pdf=False)


def test_paper_config_rejects_unknown_fields_with_every_problem(tmp_path: Path) -> None:
    path = tmp_path / "paper.yaml"
    path.write_text(
        "paper:\n  titel: X\nforums:\n  board:\n    sponsr: Y\ncolour: blue\n", encoding="utf-8"
    )
    with pytest.raises(ConfigError) as caught:
        load_paper_config(path)
    assert {p.column for p in caught.value.problems} == {
        "paper.titel",
        "forums.board.sponsr",
        "colour",
    }


def test_paper_defaults_and_forum_overrides() -> None:
    a, b = {"name": "Ann", "role": "Analyst"}, {"name": "Ben", "role": "Head of Performance"}
    config = load_paper_config({"paper": {"author": a}, "forums": {"board": {"author": b}}})
    assert config.for_forum("board")["author"] == b and config.for_forum("fpc")["author"] == a
    paper = paper_details(
        {}, forum_name="Trust Board", period=Period.month(2025, 3), metrics=catalogue()
    )
    assert paper.title == "Integrated Performance Report: Trust Board, Mar 2025"
    assert paper.strategic_goals == ("Great Care", "Great Outcomes")
    assert paper.baf_links == ("SR2",)
    assert "Datix" in (paper.fomi or "") and "NHS Talking Therapies dataset" in (paper.fomi or "")
    assert missing_paper_fields(paper) == [
        "meeting_date",
        "sponsor",
        "author",
        "date_submitted",
        "assurance_offered",
        "risk_appetite",
        "patient_safety_confirmed",
        "equality",
        "decision_required",
    ]
    with pytest.raises(ConfigError, match="purpose"):
        paper_details(
            {"purpose": "celebrate"}, forum_name="B", period=Period.month(2025, 3), metrics=[]
        )


def test_publication_refuses_blank_mandatory_fields(pack_store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DataValidationError) as caught:
        publish_pack(pack_store, "board", "2025-03", tmp_path, pdf=False)
    assert "sponsor" in {p.column for p in caught.value.problems}
    assert not publication_dir(tmp_path, "board", Period.month(2025, 3)).exists()


def test_publish_freezes_the_pack_and_later_revisions_never_change_it(
    pack_store, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    done = publish_pack(pack_store, "board", "2025-03", tmp_path, config=COMPLETE_PAPER, pdf=False)
    manifest = json.loads((done.folder / "manifest.json").read_text(encoding="utf-8"))
    html_bytes = done.html_path.read_bytes()
    assert manifest["files"][done.html_path.name] == hashlib.sha256(html_bytes).hexdigest()
    assert manifest["catalogue_version"]["seq"] >= 1
    assert manifest["software"]["trustboard"]
    assert len(manifest["data_sha256"]) == 64 and manifest["value_rows"] == 6 * 24
    assert {
        "metric_id": "RES01",
        "period": "2025-03",
        "value": done.model.section("RES01").points[-1].value,
    } in manifest["figures"]
    assert verify_publication(pack_store, "board", "2025-03", tmp_path).ok
    # the data is revised after the meeting, and an action slips
    _revise(pack_store, "RES01", date(2025, 3, 1), 0.5, num=50.0, den=100.0)
    _revise(pack_store, "SAF11", date(2025, 2, 1), 9.9)
    outcome = verify_publication(pack_store, "board", "2025-03", tmp_path)
    assert outcome.ok, outcome.problems()
    _model, html, _values, _manifest = render_as_published(pack_store, "board", "2025-03", tmp_path)
    assert html.encode("utf-8") == html_bytes
    # while a fresh report shows the revised figure
    fresh = build_pack(
        pack_store, "board", "2025-03", tmp_path / "fresh", config=COMPLETE_PAPER, pdf=False
    )
    assert fresh.model.section("RES01").points[-1].display == "50.0%"
    with pytest.raises(ConflictError, match="already published"):
        publish_pack(pack_store, "board", "2025-03", tmp_path, config=COMPLETE_PAPER, pdf=False)


def test_tampered_publication_fails_verification(pack_store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    done = publish_pack(pack_store, "board", "2025-03", tmp_path, config=COMPLETE_PAPER, pdf=False)
    manifest_path = done.folder / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["data_sha256"] = "0" * 64
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    outcome = verify_publication(pack_store, "board", "2025-03", tmp_path)
    assert not outcome.ok
    assert outcome.problems() == [
        "the value revisions read differ from those the pack was published with"
    ]


def test_next_month_shows_figures_revised_since_the_last_publication(
    pack_store, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    first = publish_pack(pack_store, "board", "2025-03", tmp_path, config=COMPLETE_PAPER, pdf=False)
    published_march = first.model.section("SAF11").points[-1].display
    _revise(pack_store, "SAF11", date(2025, 3, 1), 7.25)
    for metric, value, num, den in (
        ("RES01", 0.7, 70.0, 100.0),
        ("SAF11", 5.0, None, None),
        ("SAF12", 6.0, None, None),
        ("WEL04", 0.04, None, None),
        ("WEL03", 0.09, None, None),
        ("WEL01", 0.05, None, None),
    ):
        _revise(pack_store, metric, date(2025, 4, 1), value, num=num, den=den, provisional=True)
    approve_narrative(pack_store, "RES01", "2025-04")  # April's exception page
    april = publish_pack(pack_store, "board", "2025-04", tmp_path, config=COMPLETE_PAPER, pdf=False)
    revisions = april.model.revisions
    assert [(r.metric_id, r.period_label, r.published, r.current) for r in revisions] == [
        ("SAF11", "Mar 2025", published_march, "7.25")
    ]
    assert april.model.previous_publication == "Mar 2025 (Trust Board)"
    html = april.html_path.read_text(encoding="utf-8")
    assert "Figures published earlier that have since been revised" in html
    assert april.manifest["previous_publication"] == "2025-03"
    assert verify_publication(pack_store, "board", "2025-04", tmp_path).ok


def test_publish_and_verify_on_every_store_engine(pack_store_any, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    done = publish_pack(
        pack_store_any, "fpc", "2025-03", tmp_path, config=COMPLETE_PAPER, pdf=False
    )
    _revise(pack_store_any, "RES01", date(2025, 3, 1), 0.5, num=50.0, den=100.0)
    outcome = verify_publication(pack_store_any, "fpc", "2025-03", tmp_path)
    assert outcome.ok, outcome.problems()
    loaded = value_rows().filter(
        (pl.col("metric_id") == "RES01") & (pl.col("period_start") == date(2025, 3, 1))
    )
    assert done.model.section("RES01").points[-1].value == pytest.approx(loaded["value"][0])
