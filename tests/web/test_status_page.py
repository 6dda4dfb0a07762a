"""The data status page: ``trustboard status``'s figures, cut to the viewer's metrics."""

from __future__ import annotations

import re
from datetime import date, timedelta

from conftest import MARK, make_client, sign_in
from trustboard.services.status import store_status


def _rows(html: str) -> dict[str, str]:
    """Metric id → the state cell of its row."""
    out = {}
    for row in re.findall(r'<tr class="state-[a-z]+">(.*?)</tr>', html, re.S):
        metric = re.search(r'<span class="metric-id">([^<]+)</span>', row)
        state = re.search(r'<span class="state state-[a-z]+">([^<]+)</span>', row)
        assert metric and state
        out[metric.group(1)] = state.group(1)
    return out


def test_the_page_shows_what_trustboard_status_says(app_url: str) -> None:
    client = make_client(app_url)
    sign_in(client, "ana")
    page = client.get("/status")
    assert page.status_code == 200
    expected = store_status(database=app_url)
    shown = _rows(page.text)
    assert set(shown) == {m.metric_id for m in expected.metrics}
    for m in expected.metrics:
        assert shown[m.metric_id] == (
            f"late by {m.days_late} days" if m.state == "late" else m.state
        )


def test_a_late_metric_counts_the_days_from_its_due_date(app_url: str) -> None:
    # RES01's latest month is March 2025; April's data was due 20 days (the default lag)
    # after 30 April 2025, so on 20 May 2025; each day since is a day late
    client = make_client(app_url)
    sign_in(client, "ana")
    late_by = (date.today() - (date(2025, 4, 30) + timedelta(days=20))).days
    shown = _rows(client.get("/status").text)
    assert shown["RES01"] == f"late by {late_by} days"
    row = re.search(r"RES01</span></th>(.*?)</tr>", client.get("/status").text, re.S)
    assert row is not None
    # one unit reporting (the trust), one provisional value, April due on 20 May 2025
    assert re.findall(r'<td class="num">(\d+)</td>', row.group(1)) == ["1", "1"]
    assert "2025-04 by 20 May 2025" in row.group(1)


def test_a_public_board_member_sees_only_the_public_board_s_metrics(app_url: str) -> None:
    client = make_client(app_url)
    sign_in(client, "bella")
    page = client.get("/status").text
    shown = _rows(page)
    assert "WEL01" not in shown  # private: the public Board never shows it
    assert MARK not in page
    assert {"RES01", "SAF12"} <= set(shown)


def test_a_committee_member_sees_only_the_committee_s_metrics(app_url: str) -> None:
    client = make_client(app_url)
    sign_in(client, "dara")
    shown = _rows(client.get("/status").text)
    # the Finance and Performance Committee receives the metrics it leads (a private one
    # too: the committee does not meet in public)
    assert set(shown) == {"RES01", "WEL01", "WEL03", "WEL04"}
