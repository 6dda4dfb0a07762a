"""Synthetic data: deterministic, realistic, and every engine equals the pandas reference."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest
from reference_pandas import assert_frames_match, reference_measures, reference_removals

from trustboard import waits
from trustboard.waits import synth


@pytest.fixture(scope="module")
def small_trust() -> synth.SyntheticWaits:
    return synth.generate(3000, months=18, seed=11, start=date(2023, 1, 1))


def test_generation_is_deterministic_under_the_seed() -> None:
    a = synth.generate(500, months=6, seed=3)
    b = synth.generate(500, months=6, seed=3)
    c = synth.generate(500, months=6, seed=4)
    assert (
        a.referrals.equals(b.referrals)
        and a.contacts.equals(b.contacts)
        and a.events.equals(b.events)
    )
    assert not a.contacts.equals(c.contacts)


def test_synthetic_data_has_the_features_the_rules_need(small_trust: synth.SyntheticWaits) -> None:
    refs = pl.from_arrow(small_trust.referrals)
    cons = pl.from_arrow(small_trust.contacts)
    assert refs["service"].n_unique() == len(synth.SERVICE_PROFILES)
    assert refs["rejected"].sum() > 0
    reasons = set(refs["closure_reason"].drop_nulls().to_list())
    assert {"rejected", "treatment_complete", "declined"} <= reasons
    assert set(cons["attendance_code"].to_list()) >= {"3", "5", "6"}
    assert set(cons["mechanism"].to_list()) >= {"98", "05", "01"}
    assert cons["contact_date"].max() <= small_trust.extract_date
    joined = cons.join(refs, on="referral_id")
    assert (joined["contact_date"] >= joined["received_date"]).all()
    assert small_trust.events.num_rows > 0


def test_written_parquet_round_trips(tmp_path: Path, small_trust: synth.SyntheticWaits) -> None:
    paths = synth.write(tmp_path, small_trust)
    assert sorted(p.name for p in paths.values()) == [
        "contacts.parquet",
        "events.parquet",
        "referrals.parquet",
    ]
    assert pl.read_parquet(paths["referrals"]).height == 3000


@pytest.mark.parametrize("standard_id", sorted(waits.BUILTIN_STANDARDS))
def test_duckdb_equals_reference_on_synthetic_trust(
    small_trust: synth.SyntheticWaits, standard_id: str
) -> None:
    refs = small_trust.referrals.to_pandas()
    cons = small_trust.contacts.to_pandas()
    events = small_trust.events.to_pandas()
    for frame in (refs, cons, events):
        for col in frame.columns:
            if str(frame[col].dtype) == "category":
                frame[col] = frame[col].astype(object)
    result = waits.compute_results(
        small_trust.referrals,
        small_trust.contacts,
        events=small_trust.events,
        standards=[standard_id],
        start="2023-07",
        end="2024-06",
    )[standard_id]
    standard = waits.get_standard(standard_id)
    expected = reference_measures(
        refs, cons, standard, date(2023, 7, 1), date(2024, 6, 30), ("service",), events
    )
    assert_frames_match(result.measures, expected)
    removals = reference_removals(
        refs, cons, standard, date(2023, 7, 1), date(2024, 6, 30), ("service",), events
    )
    assert result.removals["removed_count"].sum() == int(removals["removed_count"].sum())
    assert result.measures["open_count"].sum() > 0


@pytest.mark.spark
def test_spark_equals_duckdb_on_synthetic_trust(
    spark_session, small_trust: synth.SyntheticWaits, tmp_path: Path
) -> None:
    paths = synth.write(tmp_path, small_trust)
    kwargs = {"start": "2023-07", "end": "2024-06", "by": ("service", "priority")}
    duck = waits.compute_results(
        paths["referrals"], paths["contacts"], events=paths["events"], **kwargs
    )
    spark_frames = {k: spark_session.read.parquet(str(p)) for k, p in paths.items()}
    spark = waits.compute_results(
        spark_frames["referrals"],
        spark_frames["contacts"],
        events=spark_frames["events"],
        engine="spark",
        engine_options={"spark": spark_session},
        **kwargs,
    )
    assert set(duck) == set(spark) == set(waits.BUILTIN_STANDARDS)
    for key, result in duck.items():
        assert spark[key].measures.equals(result.measures), key
        assert spark[key].removals.equals(result.removals), key
