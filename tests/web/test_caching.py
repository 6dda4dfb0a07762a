"""The store-wide answers every page needs are read once per data change, and a worker whose
connections are all in use answers a clean 503."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from conftest import PERIOD, make_client, sign_in
from pack.conftest import FORUMS, UNITS, catalogue, value_rows
from trustboard.domain import Forum
from trustboard.errors import ErrorCode, OptionsError
from trustboard.services import browse
from trustboard.store import Store
from trustboard.store.engine import pool_options


def _counting(monkeypatch: pytest.MonkeyPatch, name: str) -> list[int]:
    """Count the calls of ``Store.<name>`` (the answer is still read)."""
    calls: list[int] = []
    original: Callable[..., Any] = getattr(Store, name)

    def counted(self: Store, *args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Store, name, counted)
    return calls


def test_the_months_offered_are_read_once_and_again_after_an_import(
    web_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _counting(monkeypatch, "latest_periods")
    first = browse.available_periods(web_store)
    # the store's values end in March 2025: twelve months back from it
    assert first[0].label() == "2025-03"
    assert first[-1].label() == "2024-04"
    assert len(first) == 12
    assert browse.available_periods(web_store) == first
    assert len(calls) == 1

    # an import of April's values: April becomes the newest month offered
    web_store.write_values(value_rows(n=1, end=date(2025, 4, 1)))
    after = browse.available_periods(web_store)
    assert [p.label() for p in after[:2]] == ["2025-04", "2025-03"]
    assert len(calls) == 2


def test_the_forums_are_read_once_and_again_after_a_catalogue_change(
    web_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _counting(monkeypatch, "forums")
    assert [f.id for f in browse.store_forums(web_store)] == [
        "board",
        "public-board",
        "fpc",
        "public-full",
    ]
    browse.store_forums(web_store)
    assert len(calls) == 1

    added = Forum(id="qsc", name="Quality and Safety Committee", order=5)
    web_store.upsert_catalogue(
        catalogue(), UNITS, [*FORUMS, added], effective=date(2020, 1, 1), source="test"
    )
    assert [f.id for f in browse.store_forums(web_store)][-1] == "qsc"
    assert len(calls) == 2


def test_a_second_page_reads_neither_the_months_nor_the_forums(
    app_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = make_client(app_url)
    sign_in(client, "ana")
    assert client.get(f"/forums/board/{PERIOD}").status_code == 200
    periods = _counting(monkeypatch, "latest_periods")
    forums = _counting(monkeypatch, "forums")
    summary = client.get(f"/forums/board/{PERIOD}")
    metric = client.get(f"/forums/board/{PERIOD}/metrics/RES01")
    assert (summary.status_code, metric.status_code) == (200, 200)
    assert "Talking Therapies: entered treatment within 6 weeks" in summary.text
    assert (len(periods), len(forums)) == (0, 0)


def test_a_forum_not_on_the_account_is_still_refused_from_the_kept_list(app_url: str) -> None:
    client = make_client(app_url)
    sign_in(client, "dara")  # a directorate lead of fpc only
    assert client.get(f"/forums/fpc/{PERIOD}").status_code == 200
    assert client.get(f"/forums/board/{PERIOD}").status_code == 403
    assert client.get(f"/forums/nowhere/{PERIOD}").status_code == 404


def test_every_connection_in_use_is_a_503_with_retry_after(
    app_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRUSTBOARD_DB_POOL_SIZE", "1")
    monkeypatch.setenv("TRUSTBOARD_DB_POOL_OVERFLOW", "0")
    monkeypatch.setenv("TRUSTBOARD_DB_POOL_TIMEOUT", "0.2")
    client = make_client(app_url, raise_server_exceptions=False)
    sign_in(client, "ana")
    engine = client.app.state.engine  # type: ignore[attr-defined]
    with engine.connect():  # the pool's only connection, held
        page = client.get(f"/forums/board/{PERIOD}")
        api = client.get("/api/v1/forums", headers={"Authorization": "Bearer nothing"})
    assert page.status_code == 503
    assert page.headers["Retry-After"] == "5"
    assert ErrorCode.STORE_BUSY.value in page.text
    assert "Traceback" not in page.text
    assert api.status_code == 503
    assert api.json()["error"]["code"] == ErrorCode.STORE_BUSY.value
    # the connection given back, the same client is served again
    assert client.get(f"/forums/board/{PERIOD}").status_code == 200


def test_the_pool_is_sized_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert pool_options() == {"pool_size": 10, "max_overflow": 30, "pool_timeout": 10.0}
    monkeypatch.setenv("TRUSTBOARD_DB_POOL_SIZE", "4")
    monkeypatch.setenv("TRUSTBOARD_DB_POOL_TIMEOUT", "2.5")
    assert pool_options() == {"pool_size": 4, "max_overflow": 30, "pool_timeout": 2.5}


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TRUSTBOARD_DB_POOL_SIZE", "0"),
        ("TRUSTBOARD_DB_POOL_SIZE", "2.5"),
        ("TRUSTBOARD_DB_POOL_OVERFLOW", "-1"),
        ("TRUSTBOARD_DB_POOL_TIMEOUT", "soon"),
        ("TRUSTBOARD_DB_POOL_TIMEOUT", "inf"),
    ],
)
def test_a_pool_setting_that_is_not_valid_is_refused_by_name(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(OptionsError) as refused:
        pool_options()
    assert name in refused.value.message
    assert repr(value) in refused.value.message


def test_a_metric_chart_is_drawn_once_for_the_same_pack(
    app_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from trustboard.web import views

    drawn: list[str] = []
    original = views.chart_svg  # type: ignore[attr-defined]

    def counted(section: Any, chart_id: str, **options: Any) -> str | None:
        drawn.append(chart_id)
        return original(section, chart_id, **options)

    monkeypatch.setattr(views, "chart_svg", counted)
    client = make_client(app_url)
    sign_in(client, "ana")
    first = client.get(f"/forums/board/{PERIOD}/metrics/RES01")
    second = client.get(f"/forums/board/{PERIOD}/metrics/RES01")
    assert (first.status_code, second.status_code) == (200, 200)
    # the page's two drawings of the chart (the pack's and the narrow one), each drawn once
    assert drawn == ["chart-metric-RES01", "chart-metric-RES01-narrow"]
    assert second.text.count('<svg xmlns="http://www.w3.org/2000/svg"') >= 2
    assert first.text == second.text

    # new data: a new pack model, so the chart is drawn again from it
    store = Store.open(app_url, actor="test")
    store.write_values(value_rows(n=1, end=date(2025, 4, 1)))
    store.close()
    assert client.get(f"/forums/board/{PERIOD}/metrics/RES01").status_code == 200
    assert drawn == ["chart-metric-RES01", "chart-metric-RES01-narrow"] * 2


def test_a_served_worker_builds_the_latest_month_s_pages_before_its_first_reader(
    app_url: str, web_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    from fastapi.testclient import TestClient

    from trustboard.render.pack import assemble_pack
    from trustboard.web import WebSettings, create_app

    builds: list[int] = []
    original = assemble_pack

    def counted(*args: Any, **kwargs: Any) -> Any:
        builds.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(browse, "assemble_pack", counted)
    client = TestClient(
        create_app(WebSettings(database=app_url, allow_plain_http=True, warm=True)),
        follow_redirects=False,
    )
    warming = [t for t in threading.enumerate() if t.name == "trustboard-warm"]
    assert len(warming) == 1
    warming[0].join(timeout=120)
    # one pack model for each of the store's forums, for March 2025 (its latest month)
    assert len(builds) == len(browse.store_forums(web_store)) == len(FORUMS)
    # the first reader's summary is then answered from what was built: no build of its own
    sign_in(client, "ana")
    assert client.get(f"/forums/board/{PERIOD}").status_code == 200
    assert len(builds) == len(FORUMS)
