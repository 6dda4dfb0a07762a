"""The web app on the demo store: it shows the demo pack's figures without flags, and every
demo account signs in with the documented password as its role allows."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from conftest import make_client, sign_in
from trustboard.cli.app import main
from trustboard.demo import build_paper_config
from trustboard.render.pack import assemble_pack
from trustboard.render.pack.formatting import format_value
from trustboard.services.demo import DEMO_PASSWORD, DEMO_USERS, run_demo
from trustboard.services.pack import PaperConfig, gather_inputs, load_paper_config
from trustboard.services.users import issue_token
from trustboard.store import Store

METRIC = "SAF17-RN-DAY"


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo store (no PDF, no waiting-times engine: neither changes this metric)."""
    out = tmp_path_factory.mktemp("demo-web")
    result = run_demo(out, forums=(), pdf=False, waits=False)
    yield f"sqlite:///{Path(result.database)}"


def _mean_shown(html: str) -> str:
    found = re.search(r"<dt>Mean</dt><dd>([^<]+)</dd>", html)
    assert found is not None
    return found.group(1)


@pytest.mark.slow
def test_the_web_shows_the_demo_pack_s_means(demo_url: str) -> None:
    store = Store.open(demo_url)
    try:
        latest = store.latest_periods()["latest"].max()
        assert isinstance(latest, date)
        period = f"{latest:%Y-%m}"
        pack = assemble_pack(
            gather_inputs(store, "BOARD", period, config=load_paper_config(build_paper_config()))
        )
        # the window matters: over the default 24 months some means are other figures
        short_inputs = gather_inputs(store, "BOARD", period, config=PaperConfig())
        short = {s.metric_id: s.summary.mean for s in assemble_pack(short_inputs).sections}
        token = issue_token(store, "demo-analyst")
    finally:
        store.close()
    means = {s.metric_id: s.summary.mean for s in pack.sections}
    assert any(means[m] != short[m] for m in means)
    client = make_client(demo_url)
    api = client.get(
        f"/api/v1/forums/BOARD/{period}/metrics", headers={"Authorization": f"Bearer {token}"}
    ).json()
    assert {m["id"]: m["mean"] for m in api["metrics"]} == means
    section = pack.section(METRIC)
    assert len(section.points) == 48
    sign_in(client, "demo-analyst", DEMO_PASSWORD)
    page = client.get(f"/forums/BOARD/{period}/metrics/{METRIC}")
    assert page.status_code == 200
    assert _mean_shown(page.text) == format_value(
        section.summary.mean, section.definition.unit, precise=True
    )


@pytest.mark.slow
def test_every_demo_account_signs_in_as_its_role(demo_url: str) -> None:
    assert {role for _n, role, _f, _d in DEMO_USERS} == {
        "board_member",
        "executive",
        "directorate_lead",
        "analyst",
        "risk_lead",
        "admin",
    }
    for name, role, _forums, _directorates in DEMO_USERS:
        client = make_client(demo_url)
        sign_in(client, name, DEMO_PASSWORD)
        home = client.get("/").text
        assert f"{name} ({role.replace('_', ' ')})" in home
    public = make_client(demo_url)
    sign_in(public, "demo-board-public", DEMO_PASSWORD)
    assert public.get("/?forum=BOARD-PRIVATE").status_code == 403


@pytest.mark.slow
def test_serve_refuses_to_listen_beyond_this_machine_with_demo_accounts(
    demo_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["serve", "--database", demo_url, "--host", "0.0.0.0"])
    err = capsys.readouterr().err
    assert code != 0
    assert "demo accounts whose password is published" in err
    assert "demo-admin" in err
