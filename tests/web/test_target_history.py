"""The metric page's target history, from the catalogue's definition versions in the store."""

from __future__ import annotations

import re
from datetime import date

from conftest import PERIOD, make_client, sign_in
from trustboard.domain import Period
from trustboard.domain.metric import Comparator, Target, TargetType
from trustboard.services.target_history import target_history
from trustboard.store import Store


def _retarget(store: Store, target: Target, effective: date, note: str, **changes: object) -> None:
    current = next(d for d in store.metrics() if d.id == "RES01")
    changed = current.model_copy(
        update={"targets": (target,), "effective_from": effective, **changes}
    )
    store.add_metric_versions([changed], note=note, effective=effective)


def _changed_store(store: Store) -> Store:
    """RES01: 75% (the fixture's catalogue, from 2020) until March 2022, 90% until March 2024,
    then the trust's own 92%; a reload in 2023 that changed only the description; and a 95%
    that starts after the period shown."""
    standard = Target(value=0.90, type=TargetType.NATIONAL_STANDARD, source="NHS TT")
    _retarget(store, standard, date(2022, 4, 1), "standard raised to 90%")
    _retarget(store, standard, date(2023, 1, 1), "wording", description="Reworded.")
    local = Target(value=0.92, type=TargetType.LOCAL, source="Trust plan 2024/25")
    _retarget(store, local, date(2024, 4, 1), "trust target 92%")
    _retarget(store, Target(value=0.95), date(2025, 6, 1), "from June 2025")
    return store


def test_the_targets_over_time_from_the_definition_versions(web_store: Store) -> None:
    spans = target_history(_changed_store(web_store), "RES01", Period.parse(PERIOD))
    assert [(s.value, s.valid_from, s.valid_to, s.type, s.source) for s in spans] == [
        (0.75, None, date(2022, 3, 31), TargetType.NATIONAL_STANDARD, "NHS TT"),
        # the 2023 reload kept the target: one row, not two
        (0.90, date(2022, 4, 1), date(2024, 3, 31), TargetType.NATIONAL_STANDARD, "NHS TT"),
        (0.92, date(2024, 4, 1), None, TargetType.LOCAL, "Trust plan 2024/25"),
    ]
    assert all(s.comparator is Comparator.GE for s in spans)


def test_a_metric_without_a_target_has_no_history(web_store: Store) -> None:
    untargeted = next(d for d in web_store.metrics() if not d.targets)
    assert target_history(web_store, untargeted.id, Period.parse(PERIOD)) == []


def test_the_metric_page_shows_each_target_with_its_dates(app_url: str, web_store: Store) -> None:
    _changed_store(web_store)
    client = make_client(app_url)
    sign_in(client, "ana")
    page = client.get(f"/forums/board/{PERIOD}/metrics/RES01")
    assert page.status_code == 200
    found = re.search(r'<h2 id="targets-h">Target history</h2>(.*?)</section>', page.text, re.S)
    assert found is not None, "no target history on the metric page"
    rows = [
        re.sub(r"<[^>]+>", "|", row).replace("||", "|").strip("|")
        for row in re.findall(r"<tr><td>.*?</tr>", found.group(1))
    ]
    assert rows == [
        "from the start|31 March 2022|≥ 75.0%|national standard|NHS TT",
        "1 April 2022|31 March 2024|≥ 90.0%|national standard|NHS TT",
        "1 April 2024|no end date|≥ 92.0%|local|Trust plan 2024/25",
    ]
    assert "95.0%" not in found.group(1)  # starts after March 2025
