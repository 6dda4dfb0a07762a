"""The paper configuration kept in the store is the web app's when ``serve`` has no --paper."""

from __future__ import annotations

import pytest

from conftest import PERIOD, make_client
from trustboard.cli.app import main
from trustboard.services.users import issue_token
from trustboard.store import Store, save_paper_config, utc_now


def _points(url: str, store: Store) -> int:
    token = issue_token(store, "ana")
    answer = make_client(url).get(
        f"/api/v1/forums/board/{PERIOD}/metrics/RES01",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 200
    return len(answer.json()["points"])


def test_the_kept_window_is_charted(app_url: str, web_store: Store) -> None:
    assert _points(app_url, web_store) == 24  # no configuration kept: the default
    with web_store.transaction() as conn:
        assert save_paper_config(conn, {"history_periods": 12}, now=utc_now(), actor="test")
        # the same configuration again changes nothing and is not audited twice
        assert not save_paper_config(conn, {"history_periods": 12}, now=utc_now(), actor="test")
    assert _points(app_url, web_store) == 12  # April 2024 to March 2025
    saved = web_store.audit(action="paper.config")
    assert len(saved) == 1 and saved[0].after == {"history_periods": 12}


def test_serve_refuses_a_kept_configuration_that_no_longer_reads(
    app_url: str, web_store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    with web_store.transaction() as conn:
        save_paper_config(conn, {"history_periods": 1}, now=utc_now(), actor="test")
    code = main(["serve", "--database", app_url])
    err = capsys.readouterr().err
    assert code != 0
    assert "the paper configuration kept in the store no longer reads" in err
    assert "history_periods" in err
