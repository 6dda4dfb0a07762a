"""The JSON API's metric, exception and commentary endpoints, and its OpenAPI description."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from conftest import MARK, PERIOD, make_client
from trustboard.services import browse
from trustboard.services.pack import PaperConfig
from trustboard.services.users import issue_token, list_users
from trustboard.store import Store


def _api(url: str, store: Store, name: str) -> tuple[TestClient, dict[str, str]]:
    return make_client(url), {"Authorization": f"Bearer {issue_token(store, name)}"}


def _model(store: Store, forum: str) -> Any:
    ana = next(u for u in list_users(store) if u.name == "ana")
    return browse.forum_pack(store, ana, forum, PERIOD, PaperConfig())


def test_a_metric_gives_every_point_of_its_chart(app_url: str, web_store: Store) -> None:
    client, auth = _api(app_url, web_store, "ana")
    answer = client.get(f"/api/v1/forums/board/{PERIOD}/metrics/RES01", headers=auth)
    assert answer.status_code == 200
    body = answer.json()
    section = _model(web_store, "board").section("RES01")
    assert len(body["points"]) == len(section.points) == 24  # the default 24 months
    assert [p["mean"] for p in body["points"]] == [p.mean for p in section.points]
    assert body["metric"]["mean"] == section.summary.mean
    last = body["points"][-1]
    # March 2025 (the 30th month of tests/pack/conftest.py): 80 + round(6 sin(29 × 1.3)) − 14
    # = 66 seen of 100, provisional
    assert (last["date"], last["value"], last["provisional"]) == ("2025-03-01", 0.66, True)
    assert body["metric"]["variation_icon"] == section.summary.variation_icon


def test_exceptions_are_the_pack_s(app_url: str, web_store: Store) -> None:
    client, auth = _api(app_url, web_store, "ana")
    body = client.get(f"/api/v1/forums/board/{PERIOD}/exceptions", headers=auth).json()
    model = _model(web_store, "board")
    assert [e["id"] for e in body["exceptions"]] == [s.metric_id for s in model.exceptions]
    assert all(e["reasons"] for e in body["exceptions"])


def test_commentary_leaves_private_sections_out_of_a_public_forum(
    app_url: str, web_store: Store
) -> None:
    client, auth = _api(app_url, web_store, "ana")
    board = client.get(f"/api/v1/forums/board/{PERIOD}/commentary", headers=auth).json()
    res01 = next(c for c in board["commentary"] if c["metric_id"] == "RES01")
    assert res01["sections"]["summary"] == "Fewer people started treatment within 6 weeks."
    assert MARK in res01["sections"]["root_causes"]
    assert res01["assurance_level"] == "partially_assured"
    public = client.get(f"/api/v1/forums/public-board/{PERIOD}/commentary", headers=auth)
    assert MARK not in public.text
    res01_public = next(c for c in public.json()["commentary"] if c["metric_id"] == "RES01")
    assert set(res01_public["sections"]) == {"summary"}


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/forums/board/{PERIOD}/metrics/RES01",
        f"/api/v1/forums/board/{PERIOD}/exceptions",
        f"/api/v1/forums/board/{PERIOD}/commentary",
    ],
)
def test_every_endpoint_needs_a_token_and_the_forum(
    app_url: str, web_store: Store, path: str
) -> None:
    client, auth = _api(app_url, web_store, "bella")
    assert client.get(path).status_code == 401
    refused = client.get(path, headers=auth)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "TB-AUTH-FORBIDDEN"


def test_a_private_metric_is_not_found_in_a_public_forum(app_url: str, web_store: Store) -> None:
    client, auth = _api(app_url, web_store, "bella")
    answer = client.get(f"/api/v1/forums/public-board/{PERIOD}/metrics/WEL01", headers=auth)
    assert answer.status_code == 404
    assert MARK not in answer.text


def test_the_openapi_description_lists_every_endpoint(client: TestClient) -> None:
    answer = client.get("/api/v1/openapi.json")
    assert answer.status_code == 200
    paths = set(answer.json()["paths"])
    assert paths == {
        "/api/v1/forums",
        "/api/v1/forums/{forum_id}/{period}/metrics",
        "/api/v1/forums/{forum_id}/{period}/metrics/{metric_id}",
        "/api/v1/forums/{forum_id}/{period}/exceptions",
        "/api/v1/forums/{forum_id}/{period}/commentary",
    }
    assert client.get("/docs").status_code == 404  # no page that would load script from a CDN
    # each answer's shape is described, down to a chart point's limits
    schemas = answer.json()["components"]["schemas"]
    point = schemas["PointOut"]["properties"]
    assert {"date", "value", "mean", "lower_process_limit", "special_cause"} <= set(point)
    metric = answer.json()["paths"]["/api/v1/forums/{forum_id}/{period}/metrics/{metric_id}"]
    assert {"200", "401", "403", "404"} <= set(metric["get"]["responses"])
