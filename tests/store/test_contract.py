"""The store contract: every test here runs against SQLite and PostgreSQL alike."""

from __future__ import annotations

import contextlib
import importlib
import time
from datetime import UTC, date, datetime

import polars as pl
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from store_builders import make_forums, make_metrics, make_org_units, values_frame

from trustboard.domain import Action, ActionStatus, Commentary, OrgUnit
from trustboard.errors import DataValidationError, StoreError
from trustboard.store import Store, current_revision, head_revision
from trustboard.store.models import Base


def _pause() -> None:
    # Revisions are stamped with the clock; a short pause keeps two writes apart on any OS.
    time.sleep(0.01)


def test_init_creates_the_schema_and_is_idempotent(store_url: str) -> None:
    head = head_revision()
    store, before, after = Store.init(store_url)
    assert (before, after) == (None, head)
    store.close()
    again, before2, after2 = Store.init(store_url)
    assert (before2, after2) == (head, head)
    assert current_revision(again.engine) == head
    # the migrated schema is exactly what the models describe (with every table module loaded)
    for module in ("trustboard.store.baf", "trustboard.store.notifications"):
        with contextlib.suppress(ImportError):
            importlib.import_module(module)
    with again.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diffs == []
    assert [a.action for a in again.audit()] == ["store.migrate"]
    again.close()


def test_open_refuses_an_uninitialised_database(store_url: str) -> None:
    if store_url.startswith("sqlite"):
        Store.init(store_url)[0].close()
        from sqlalchemy import create_engine

        engine = create_engine(store_url)
        with engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM alembic_version")
        engine.dispose()
    with pytest.raises(StoreError) as caught:
        Store.open(store_url)
    assert caught.value.code == "TB-STORE-SCHEMA"
    assert "trustboard init" in (caught.value.hint or "")


def test_catalogue_versions(store: Store) -> None:
    first = store.catalogue_version()
    assert first is not None and first.seq == 1 and len(first.content_hash) == 64
    assert [m.id for m in store.metrics()] == ["RES-4WK", "RES-MEDWAIT", "SAFE-FALLS"]
    # loading the same catalogue again changes nothing
    same = store.upsert_catalogue(make_metrics(), make_org_units(), make_forums())
    assert not same.new_version and same.version.seq == 1 and same.changed == ()
    # a changed definition gets a new version, effective from the given date
    metrics = make_metrics()
    metrics[1] = metrics[1].model_copy(
        update={"name": "Inpatient falls (all harm levels)", "change_note": "scope widened"}
    )
    changed = store.upsert_catalogue(
        metrics[:2], make_org_units(), make_forums(), effective=date(2025, 1, 1)
    )
    assert changed.new_version and changed.version.seq == 2
    assert changed.changed == ("SAFE-FALLS",) and changed.retired == ("RES-MEDWAIT",)
    assert changed.version.content_hash != first.content_hash
    versions = store.metric_versions("SAFE-FALLS")
    assert [(v.version, v.effective_from, v.catalogue_seq) for v in versions] == [
        (1, date(2024, 4, 1), 1),
        (2, date(2025, 1, 1), 2),
    ]
    assert versions[1].change_note == "scope widened"
    # which definition was in force when
    assert store.metric("SAFE-FALLS", as_of=date(2024, 12, 31)).name == "Inpatient falls"
    assert store.metric("SAFE-FALLS").name == "Inpatient falls (all harm levels)"
    assert [m.id for m in store.metrics()] == ["RES-4WK", "SAFE-FALLS"]
    assert "RES-MEDWAIT" in [m.id for m in store.metrics(include_retired=True)]
    # the audit log has the definition before and after
    entry = store.audit(entity="metric", entity_id="SAFE-FALLS", action="metric.change")[0]
    assert entry.before["name"] == "Inpatient falls"
    assert entry.after["name"] == "Inpatient falls (all harm levels)"
    assert entry.actor == "tester"


def test_org_units_and_forums(store: Store) -> None:
    units = store.org_units()
    assert units[0].code == "RT5" and {u.code for u in units} == {u.code for u in make_org_units()}
    assert [f.id for f in store.forums()] == ["FPC", "QC", "BOARD"]
    agenda = store.forum_metrics()
    assert agenda["BOARD"] == ("RES-4WK", "RES-MEDWAIT", "SAFE-FALLS")
    assert agenda["FPC"] == ("RES-4WK", "RES-MEDWAIT")
    assert agenda["QC"] == ("RES-4WK", "SAFE-FALLS")
    # an org unit whose parent is not listed is refused, and nothing is written
    before = store.fingerprint()
    with pytest.raises(DataValidationError):
        store.upsert_catalogue(
            make_metrics(),
            [*make_org_units(), OrgUnit(code="X", name="Orphan", level="team", parent="NOPE")],
            make_forums(),
        )
    assert store.fingerprint() == before


def test_values_insert_revise_unchanged_and_as_of(store: Store) -> None:
    rows = [
        ("RES-4WK", "MH-T1", "2025-01", 40.0, 50.0, 0.8),
        ("RES-4WK", "MH-T1", "2025-02", 45.0, 50.0, 0.9),
        ("SAFE-FALLS", "CHS-T1", "2025-01", None, None, 7.0),
    ]
    first = store.write_values(values_frame(rows, provisional=True))
    assert (first.inserted, first.revised, first.unchanged) == (3, 0, 0)
    _pause()
    board_saw = datetime.now(UTC)
    _pause()
    again = store.write_values(values_frame(rows, provisional=True))
    assert (again.inserted, again.revised, again.unchanged) == (0, 0, 3)
    changed = [
        rows[0],
        ("RES-4WK", "MH-T1", "2025-02", 44.0, 50.0, 0.88),
        rows[2],
        ("RES-4WK", "MH-T1", "2025-03", 30.0, 50.0, 0.6),
    ]
    _pause()
    third = store.write_values(values_frame(changed, provisional=True))
    assert (third.inserted, third.revised, third.unchanged) == (1, 1, 2)
    assert third.revisions[0]["before"]["value"] == 0.9
    assert third.revisions[0]["after"]["value"] == 0.88

    now = store.values(metric_ids=["RES-4WK"])
    assert now.get_column("value").to_list() == [0.8, 0.88, 0.6]
    assert now.get_column("revision").to_list() == [1, 2, 1]
    then = store.values(metric_ids=["RES-4WK"], as_of=board_saw)
    assert then.get_column("value").to_list() == [0.8, 0.9]
    history = store.values(metric_ids=["RES-4WK"], history=True)
    assert history.height == 4
    # a provisional value confirmed unchanged is still a revision (its status changed)
    _pause()
    final = store.write_values(values_frame(changed[:1], provisional=False))
    assert (final.inserted, final.revised, final.unchanged) == (0, 1, 0)
    assert store.values(metric_ids=["RES-4WK"], end=date(2025, 1, 1))["provisional"].to_list() == [
        False
    ]
    assert [b.kind for b in store.imports()] == ["values"] * 4
    assert store.imports()[0].revised == 1


def test_values_filters_and_schema(store: Store) -> None:
    rows = [
        (m, u, p, None, None, float(i))
        for i, (m, u, p) in enumerate(
            (m, u, p)
            for m in ("SAFE-FALLS",)
            for u in ("MH-T1", "CHS-T1")
            for p in ("2024-11", "2024-12", "2025-01")
        )
    ]
    store.write_values(values_frame(rows))
    frame = store.values(org_units=["CHS-T1"], start=date(2024, 12, 1), end=date(2025, 1, 1))
    assert frame.select("org_unit", "period_start", "value").rows() == [
        ("CHS-T1", date(2024, 12, 1), 4.0),
        ("CHS-T1", date(2025, 1, 1), 5.0),
    ]
    assert frame.get_column("period_end").to_list() == [date(2024, 12, 31), date(2025, 1, 31)]
    assert dict(frame.schema)["extracted_at"] == pl.Datetime("us")
    assert store.values(metric_ids=[]).height == 0
    assert store.values(metric_ids=["RES-4WK"]).height == 0


def test_failed_writes_leave_the_store_unchanged(store: Store) -> None:
    store.write_values(values_frame([("SAFE-FALLS", "MH-T1", "2025-01", None, None, 3.0)]))
    before = store.fingerprint()
    counts = store.row_counts()
    duplicate = values_frame(
        [
            ("SAFE-FALLS", "MH-T1", "2025-02", None, None, 1.0),
            ("SAFE-FALLS", "MH-T1", "2025-02", None, None, 2.0),
        ]
    )
    with pytest.raises(DataValidationError) as caught:
        store.write_values(duplicate)
    assert caught.value.problems[0].code == "TB-V-DUPLICATE"
    unknown = values_frame(
        [
            ("SAFE-FALLS", "MH-T1", "2025-03", None, None, 1.0),
            ("NOT-A-METRIC", "MH-T1", "2025-03", None, None, 2.0),
        ]
    )
    with pytest.raises(DataValidationError) as unknown_caught:
        store.write_values(unknown)
    assert [p.code for p in unknown_caught.value.problems] == ["TB-V-UNKNOWN-METRIC"]
    assert store.fingerprint() == before
    assert store.row_counts() == counts
    # and the store is still usable afterwards
    assert (
        store.write_values(
            values_frame([("SAFE-FALLS", "MH-T1", "2025-03", None, None, 1.0)])
        ).inserted
        == 1
    )


def test_transaction_is_all_or_nothing(store: Store) -> None:
    before = store.fingerprint()
    with pytest.raises(RuntimeError), store.transaction():
        store.write_values(values_frame([("SAFE-FALLS", "MH-T1", "2025-01", None, None, 3.0)]))
        assert store.values().height == 1  # visible inside the transaction
        raise RuntimeError("stop")
    assert store.fingerprint() == before


def test_commentary_revisions(store: Store) -> None:
    note = Commentary(
        metric_id="RES-4WK",
        period="2025-01",
        sections={"chart_shows": "Common cause variation.", "actions": "Recruit."},
        assurance_level="partially_assured",
        author="Director of Operations",
    )
    first = store.write_commentary([note])
    assert (first.inserted, first.revised, first.unchanged) == (1, 0, 0)
    _pause()
    moment = datetime.now(UTC)
    _pause()
    assert store.write_commentary([note]).unchanged == 1
    revised = note.model_copy(update={"sections": {**note.sections, "chart_shows": "A shift."}})
    assert store.write_commentary([revised]).revised == 1
    assert store.commentary(["RES-4WK"], period="2025-01")[0].section("chart_shows") == "A shift."
    old = store.commentary(["RES-4WK"], period="2025-01", as_of=moment)
    assert old[0].section("chart_shows") == "Common cause variation."
    assert old[0].assurance_level is not None and old[0].org_unit is None
    team = Commentary(
        metric_id="RES-4WK",
        period="2025-01",
        org_unit="MH-T1",
        sections={"background": "Two vacancies."},
    )
    store.write_commentary([team])
    assert len(store.commentary(["RES-4WK"])) == 2
    assert len(store.commentary(["RES-4WK"], org_unit="")) == 1


def test_actions_carry_forward_and_show_slippage(store: Store) -> None:
    act = Action(
        id="A1",
        metric_id="RES-4WK",
        description="Open a Saturday clinic",
        owner="Service manager",
        due=date(2025, 3, 31),
        opened=date(2025, 1, 15),
    )
    store.write_actions([act])
    moved = act.model_copy(
        update={
            "due": date(2025, 5, 31),
            "status": ActionStatus.AT_RISK,
            "note": "recruitment delayed",
        }
    )
    assert store.write_actions([moved]).revised == 1
    assert store.write_actions([moved]).unchanged == 1
    stored = store.actions(["RES-4WK"])[0]
    assert stored.original_due == date(2025, 3, 31) and stored.due == date(2025, 5, 31)
    assert stored.slippage_days == 61
    done = moved.model_copy(
        update={"status": ActionStatus.COMPLETE, "completed": date(2025, 5, 20)}
    )
    store.write_actions([done])
    history = store.action_history("A1")
    assert [h.status for h in history] == [
        ActionStatus.ON_TRACK,
        ActionStatus.AT_RISK,
        ActionStatus.COMPLETE,
    ]
    assert [a.id for a in store.actions(open_on=date(2025, 4, 30))] == ["A1"]
    assert store.actions(open_on=date(2025, 6, 30)) == []
    assert store.actions(open_on=date(2025, 1, 1)) == []  # not opened yet
    assert store.actions(include_closed=False) == []


def test_spc_results_round_trip(store: Store) -> None:
    points = pl.DataFrame(
        {
            "metric_id": ["SAFE-FALLS"] * 3,
            "org_unit": ["RT5"] * 3,
            "date": [date(2025, m, 1) for m in (1, 2, 3)],
            "value": [1.0, 2.0, 3.0],
            "mean": [2.0] * 3,
        }
    )
    summary = pl.DataFrame(
        {
            "metric_id": ["SAFE-FALLS"],
            "org_unit": ["RT5"],
            "date": [date(2025, 3, 1)],
            "value": [3.0],
            "n": [3],
            "mean": [2.0],
            "lpl": [0.0],
            "upl": [4.6],
            "variation_icon": ["common_cause"],
            "assurance_icon": [None],
        },
        schema_overrides={"assurance_icon": pl.String},
    )
    run_id = store.save_spc_run(
        points=points,
        summary=summary,
        options={"SAFE-FALLS": {"chart": "xmr", "improvement": "decrease"}},
        metric_versions={"SAFE-FALLS": 1},
        option_groups=[{"chart": "xmr", "metrics": ["SAFE-FALLS"]}],
        values_as_of=datetime(2025, 4, 1),
        catalogue_seq=1,
    )
    stored = store.spc_results(["SAFE-FALLS"])
    assert stored is not None and stored.run.id == run_id and stored.run.series_count == 1
    assert stored.summary.get_column("upl").to_list() == [4.6]
    assert '"improvement": "decrease"' in stored.summary.get_column("options")[0]
    assert stored.points.get_column("value").to_list() == [1.0, 2.0, 3.0]
    assert store.spc_results(org_units=["MH"]).summary.height == 0
