"""Which assurance icons limits that predate a sustained shift still support: worked by hand.

The old limits' "fail" says they lie wholly on the failing side of the target, "pass" wholly
on the passing side.  A shift that moves the process further from the target leaves that
conclusion standing; a shift toward the target, or across it, may have changed it, so the icon
is withheld until the limits are recalculated (docs/spc.md, Limits that follow the process).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from trustboard.services.catalogue import load_catalogue
from trustboard.services.imports import import_values
from trustboard.services.refresh import refresh_spc
from trustboard.spc.review import shift_keeps_assurance, shift_keeps_assurance_expr
from trustboard.store import Store

# --- the rule itself -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("icon", "side", "mean", "target", "keeps", "case"),
    [
        # higher is better, target 95%, old limits 88.0% to 94.4% (mean 91.2%): "fail"
        ("fail", "below", 0.912, 0.95, True, "fill rate falls further from 95%: still fails"),
        ("fail", "above", 0.912, 0.95, False, "fill rate rises toward 95%"),
        # lower is better, ceiling £800k, old limits £850k to £1,030k (mean £940k): "fail"
        ("fail", "below", 940.0, 800.0, False, "agency spend falls toward (and across) £800k"),
        ("fail", "above", 940.0, 800.0, True, "agency spend rises further above £800k"),
        # higher is better, target 50, old limits 134 to 241 (mean 187.5): "pass"
        ("pass", "above", 187.5, 50.0, True, "moves further above the target: still passes"),
        ("pass", "below", 187.5, 50.0, False, "falls toward the target"),
        # lower is better, ceiling 10 days, old limits 2 to 6 (mean 4): "pass"
        ("pass", "below", 4.0, 10.0, True, "falls further below the ceiling: still passes"),
        ("pass", "above", 4.0, 10.0, False, "rises toward the ceiling"),
        # the target inside the limits: a shift either way carries the limits across it
        ("inconsistent", "above", 80.0, 85.0, False, "hit and miss, shift toward"),
        ("inconsistent", "below", 80.0, 85.0, False, "hit and miss, shift away"),
        # nothing to keep
        (None, "below", 0.912, 0.95, False, "no icon"),
        ("fail", "below", 0.912, None, False, "no target"),
        ("fail", "below", None, 0.95, False, "no mean"),
    ],
)
def test_an_icon_is_kept_only_when_the_shift_moved_away_from_the_target(
    icon: str | None,
    side: str,
    mean: float | None,
    target: float | None,
    keeps: bool,
    case: str,
) -> None:
    assert shift_keeps_assurance(icon, side, mean, target) is keeps, case


def test_the_column_form_agrees_row_by_row() -> None:
    frame = pl.DataFrame(
        {
            "assurance_icon": ["fail", "fail", "pass", "pass", "inconsistent", "fail", "fail"],
            "side": ["below", "above", "above", "below", "below", None, "below"],
            "mean": [0.912, 0.912, 187.5, 187.5, 80.0, 0.912, 0.912],
            "target": [0.95, 0.95, 50.0, 50.0, 85.0, 0.95, None],
        }
    )
    kept = frame.select(shift_keeps_assurance_expr()).to_series().to_list()
    assert kept == [True, False, True, False, False, False, False]


def test_an_unknown_side_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown side"):
        shift_keeps_assurance("fail", "sideways", 1.0, 2.0)


# --- what spc refresh stores ----------------------------------------------------------------

ORG_UNITS = """org_units:
  - code: TRUST
    name: Whole trust
    level: trust
"""
FORUMS = """forums:
  - id: BOARD
    name: Trust Board
    kind: board
    order: 1
"""
METRICS = """metrics:
  - id: OAP01
    name: Out-of-area bed days
    domain: SAFE
    unit: count
    polarity: lower_is_better
    targets:
      - value: 100
        comparator: "<="
  - id: ACC01
    name: Contacts within the standard
    domain: RESPONSIVE
    unit: count
    polarity: higher_is_better
    targets:
      - value: 50
"""
#: 48 months, April 2021 to March 2025
#: (plain Python: no test module may start Polars' thread pool when it is imported, which
#: the mutation run's fork server would inherit; see docs/testing.md)
MONTHS = [date(2021 + (3 + i) // 12, (3 + i) % 12 + 1, 1) for i in range(48)]
#: lower is better, ceiling 100: 36 months at 190/210, then 12 at 290/310 (a shift upward,
#: away from the ceiling)
OAP01 = [190.0, 210.0] * 18 + [290.0, 310.0] * 6
#: higher is better, target 50: 36 months at 190/210, then 12 at 140/160 (a shift downward,
#: toward the target)
ACC01 = [190.0, 210.0] * 18 + [140.0, 160.0] * 6


@pytest.fixture
def trust(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'tb.db'}"
    Store.init(url)[0].close()
    folder = tmp_path / "cat"
    folder.mkdir()
    (folder / "org_units.yaml").write_text(ORG_UNITS)
    (folder / "forums.yaml").write_text(FORUMS)
    (folder / "metrics.yaml").write_text(METRICS)
    load_catalogue(folder, database=url, effective=date(2021, 4, 1))
    rows = ["metric_id,period,org_unit,numerator,denominator,value,provisional"]
    for metric, values in (("OAP01", OAP01), ("ACC01", ACC01)):
        rows += [f"{metric},{d:%Y-%m},TRUST,,,{v},no" for d, v in zip(MONTHS, values, strict=True)]
    path = tmp_path / "values.csv"
    path.write_text("\n".join(rows) + "\n")
    import_values([path], database=url, today=date(2025, 4, 30))
    return url


def _summary(url: str, metric: str) -> dict[str, object]:
    with Store.open(url) as store:
        stored = store.spc_results([metric], with_points=False)
    assert stored is not None
    return stored.summary.row(0, named=True)


def test_refresh_keeps_a_fail_that_the_shift_moved_further_from_the_target(trust: str) -> None:
    # OAP01 over 48 months: mean (36 x 200 + 12 x 300) / 48 = 225.  Moving ranges are 20 but
    # the jump 210 -> 290 (80); the mean moving range 1,000 / 47 = 21.3 screens out ranges over
    # 3.267 x 21.3 = 69.5, so it is 20: limits 225 +- 2.66 x 20 = 171.8 to 278.2.  The ceiling
    # of 100 lies below the lower limit: "fail".  The last 12 months lie above the mean (a
    # shift the limits predate), moving away from the ceiling: the "fail" still holds.
    refresh_spc(database=trust)
    row = _summary(trust, "OAP01")
    assert (row["mean"], row["lpl"], row["upl"]) == pytest.approx((225.0, 171.8, 278.2))
    assert row["assurance_icon"] == "fail"


def test_refresh_withholds_a_pass_that_the_shift_moved_toward_the_target(trust: str) -> None:
    # ACC01 over 48 months: mean (36 x 200 + 12 x 150) / 48 = 187.5; the jump 210 -> 140 (70)
    # is screened out (mean moving range 990 / 47 = 21.1, x 3.267 = 68.8), so the limits are
    # 187.5 +- 53.2 = 134.3 to 240.7 and the target of 50 lies below them: "pass" (higher is
    # better).  The last 12 months lie below the mean, toward the target: withheld.
    refresh_spc(database=trust)
    row = _summary(trust, "ACC01")
    assert (row["mean"], row["lpl"], row["upl"]) == pytest.approx((187.5, 134.3, 240.7))
    assert row["assurance_icon"] is None
