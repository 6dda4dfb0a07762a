"""Every route × every role: allowed (200), forbidden (403), absent (404) or sign-in (303)."""

from __future__ import annotations

import pytest

from conftest import ACCOUNTS, PERIOD, make_client, sign_in
from trustboard.store import Store

# the private metric of the test catalogue is WEL01; the Board (private) receives it, the
# public Board does not show it at all
ROUTES: dict[str, str] = {
    "home": "/",
    "board summary": f"/forums/board/{PERIOD}",
    "public summary": f"/forums/public-board/{PERIOD}",
    "fpc summary": f"/forums/fpc/{PERIOD}",
    "board metric": f"/forums/board/{PERIOD}/metrics/RES01",
    "board private metric": f"/forums/board/{PERIOD}/metrics/WEL01",
    "public metric": f"/forums/public-board/{PERIOD}/metrics/RES01",
    "public private metric": f"/forums/public-board/{PERIOD}/metrics/WEL01",
    "board drill": f"/forums/board/{PERIOD}/metrics/RES01/drill",
    "board drill directorate": f"/forums/board/{PERIOD}/metrics/RES01/drill/MH",
    "board teams": f"/forums/board/{PERIOD}/metrics/RES01/teams",
    "board explain": f"/forums/board/{PERIOD}/metrics/RES01/explain",
    "board private drill": f"/forums/board/{PERIOD}/metrics/WEL01/drill",
    "public drill": f"/forums/public-board/{PERIOD}/metrics/RES01/drill",
    "public explain": f"/forums/public-board/{PERIOD}/metrics/RES01/explain",
    "public private drill": f"/forums/public-board/{PERIOD}/metrics/WEL01/drill",
    "public private teams": f"/forums/public-board/{PERIOD}/metrics/WEL01/teams",
    "public private explain": f"/forums/public-board/{PERIOD}/metrics/WEL01/explain",
    "fpc drill": f"/forums/fpc/{PERIOD}/metrics/RES01/drill",
    "fpc drill directorate": f"/forums/fpc/{PERIOD}/metrics/RES01/drill/MH",
    "fpc explain directorate": f"/forums/fpc/{PERIOD}/metrics/RES01/explain?unit=MH",
    "unknown unit": f"/forums/board/{PERIOD}/metrics/RES01/drill/NOPE",
    "unknown metric": f"/forums/board/{PERIOD}/metrics/NOPE99",
    "unknown forum": f"/forums/nope/{PERIOD}",
    "period without data": "/forums/board/2031-01",
    "packs": "/packs",
    "users": "/admin/users",
    "data status": "/status",
    "board baf": f"/forums/board/{PERIOD}/baf",
    "public baf": f"/forums/public-board/{PERIOD}/baf",
    "board baf risk": f"/forums/board/{PERIOD}/baf/risks/BAF-01",
    "board publication": f"/packs/board/{PERIOD}",
    "public publication": f"/packs/public-board/{PERIOD}",
    "board publication file": f"/packs/board/{PERIOD}/files/board-{PERIOD}.html",
    "cycle home": "/cycle",
    "board cycle": f"/cycle/board/{PERIOD}",
    "public cycle": f"/cycle/public-board/{PERIOD}",
    "board values template": f"/cycle/board/{PERIOD}/template?layout=wide&format=xlsx",
}

ALL_FORUMS = {
    "home": 200,
    "board summary": 200,
    "public summary": 200,
    "fpc summary": 200,
    "board metric": 200,
    "board private metric": 200,
    "public metric": 200,
    "public private metric": 404,
    "board drill": 200,
    "board drill directorate": 200,
    "board teams": 200,
    "board explain": 200,
    "board private drill": 200,
    "public drill": 200,
    "public explain": 200,
    "public private drill": 404,
    "public private teams": 404,
    "public private explain": 404,
    "fpc drill": 200,
    "fpc drill directorate": 200,
    "fpc explain directorate": 200,
    "unknown unit": 404,
    "unknown metric": 404,
    "unknown forum": 404,
    "period without data": 404,
    "packs": 200,
    "users": 403,
    "data status": 200,
    "board baf": 200,
    "public baf": 200,
    # the store holds no register, and the app no published packs: not found
    "board baf risk": 404,
    "board publication": 404,
    "public publication": 404,
    "board publication file": 404,
    # the reporting cycle is the analysts' (and administrators')
    "cycle home": 403,
    "board cycle": 403,
    "public cycle": 403,
    "board values template": 403,
}
#: what analysts and administrators get of the reporting cycle (the home sends on to a forum)
CYCLE_OPEN = {
    "cycle home": 303,
    "board cycle": 200,
    "public cycle": 200,
    "board values template": 200,
}

EXPECTED: dict[str, dict[str, int]] = {
    # sits on the public Board only (the forum is checked before what is asked of it, so
    # asking about the private Board's metrics or months is refused, not answered)
    "board_member": {
        **ALL_FORUMS,
        "board summary": 403,
        "fpc summary": 403,
        "board metric": 403,
        "board private metric": 403,
        "unknown metric": 403,
        "board drill": 403,
        "board drill directorate": 403,
        "board teams": 403,
        "board explain": 403,
        "board private drill": 403,
        "fpc drill": 403,
        "fpc drill directorate": 403,
        "fpc explain directorate": 403,
        "unknown unit": 403,
        "period without data": 403,
        "board baf": 403,
        "board baf risk": 403,
        "board publication": 403,
        "board publication file": 403,
    },
    # sits on the Finance and Performance Committee only
    "directorate_lead": {
        **ALL_FORUMS,
        "board summary": 403,
        "public summary": 403,
        "board metric": 403,
        "board private metric": 403,
        "public metric": 403,
        "public private metric": 403,
        "unknown metric": 403,
        "board drill": 403,
        "board drill directorate": 403,
        "board teams": 403,
        "board explain": 403,
        "board private drill": 403,
        "public drill": 403,
        "public explain": 403,
        "public private drill": 403,
        "public private teams": 403,
        "public private explain": 403,
        # the directorates on the account (none) are the ones whose units they may open
        "fpc drill directorate": 403,
        "fpc explain directorate": 403,
        "unknown unit": 403,
        "period without data": 403,
        "board baf": 403,
        "public baf": 403,
        "board baf risk": 403,
        "board publication": 403,
        "public publication": 403,
        "board publication file": 403,
    },
    "executive": ALL_FORUMS,
    "analyst": {**ALL_FORUMS, **CYCLE_OPEN},
    "risk_lead": ALL_FORUMS,
    "admin": {**ALL_FORUMS, "users": 200, **CYCLE_OPEN},
}


def test_the_matrix_names_every_role() -> None:
    assert {role for _name, role, _forums in ACCOUNTS} == set(EXPECTED)


@pytest.mark.parametrize(("name", "role"), [(n, r) for n, r, _f in ACCOUNTS])
def test_every_route_for_a_role(app_url: str, web_store: Store, name: str, role: str) -> None:
    client = make_client(app_url)
    sign_in(client, name)
    got = {label: client.get(path).status_code for label, path in ROUTES.items()}
    assert got == EXPECTED[role]
    refused = [a for a in web_store.audit(action="web.refused") if a.actor == name]
    assert len(refused) == sum(1 for status in got.values() if status == 403)


def test_nobody_signed_in_is_sent_to_the_sign_in_page(app_url: str) -> None:
    client = make_client(app_url)
    for path in ROUTES.values():
        answer = client.get(path)
        assert (answer.status_code, answer.headers["location"]) == (303, "/sign-in"), path


def test_the_admin_link_is_shown_to_admins_only(app_url: str) -> None:
    admin = make_client(app_url)
    sign_in(admin, "adam")
    assert 'href="/admin/users"' in admin.get("/").text
    analyst = make_client(app_url)
    sign_in(analyst, "ana")
    assert 'href="/admin/users"' not in analyst.get("/").text


def test_a_board_member_s_home_lists_only_their_forums(app_url: str) -> None:
    client = make_client(app_url)
    sign_in(client, "bella")
    page = client.get("/").text
    assert "Trust Board (public)" in page
    assert "Finance and Performance Committee" not in page
    assert 'href="/forums/board/' not in page


# the JSON API, with each role's bearer token (RES01 is led by the FPC; WEL01 is private)
API_ROUTES: dict[str, str] = {
    "forums": "/api/v1/forums",
    "board metrics": f"/api/v1/forums/board/{PERIOD}/metrics",
    "public metrics": f"/api/v1/forums/public-board/{PERIOD}/metrics",
    "board metric": f"/api/v1/forums/board/{PERIOD}/metrics/RES01",
    "public metric": f"/api/v1/forums/public-board/{PERIOD}/metrics/RES01",
    "public private metric": f"/api/v1/forums/public-board/{PERIOD}/metrics/WEL01",
    "board exceptions": f"/api/v1/forums/board/{PERIOD}/exceptions",
    "fpc exceptions": f"/api/v1/forums/fpc/{PERIOD}/exceptions",
    "board commentary": f"/api/v1/forums/board/{PERIOD}/commentary",
    "public commentary": f"/api/v1/forums/public-board/{PERIOD}/commentary",
}
API_ALL: dict[str, int] = {label: 200 for label in API_ROUTES} | {"public private metric": 404}
API_EXPECTED: dict[str, dict[str, int]] = {
    "board_member": API_ALL
    | {
        "board metrics": 403,
        "board metric": 403,
        "board exceptions": 403,
        "fpc exceptions": 403,
        "board commentary": 403,
    },
    "directorate_lead": API_ALL
    | {
        "board metrics": 403,
        "public metrics": 403,
        "board metric": 403,
        "public metric": 403,
        "public private metric": 403,
        "board exceptions": 403,
        "board commentary": 403,
        "public commentary": 403,
    },
    "executive": API_ALL,
    "analyst": API_ALL,
    "risk_lead": API_ALL,
    "admin": API_ALL,
}


@pytest.mark.parametrize(("name", "role"), [(n, r) for n, r, _f in ACCOUNTS])
def test_every_api_route_for_a_role(web_store: Store, app_url: str, name: str, role: str) -> None:
    from trustboard.services.users import issue_token

    client = make_client(app_url)
    auth = {"Authorization": f"Bearer {issue_token(web_store, name)}"}
    got = {label: client.get(path, headers=auth).status_code for label, path in API_ROUTES.items()}
    assert got == API_EXPECTED[role]
    refused = [a for a in web_store.audit(action="web.refused") if a.actor == name]
    assert len(refused) == sum(1 for status in got.values() if status == 403)
    for path in API_ROUTES.values():
        assert client.get(path).status_code == 401  # without the token


# the narrative pages: only the roles that write narrative open them (WEL01 is private: the
# public Board's pack does not have it)
NARRATIVE_ROUTES: dict[str, str] = {
    "narrative index": f"/narrative?forum=board&period={PERIOD}",
    "narrative edit": f"/narrative/board/{PERIOD}/RES01",
    "narrative history": f"/narrative/board/{PERIOD}/RES01/history",
    "public narrative edit": f"/narrative/public-board/{PERIOD}/RES01",
    "public private narrative": f"/narrative/public-board/{PERIOD}/WEL01",
    "narrative approvers": "/narrative/approvers",
}
NARRATIVE_WRITERS = {label: 200 for label in NARRATIVE_ROUTES} | {
    "public private narrative": 404,
    "narrative approvers": 403,
}
NARRATIVE_REFUSED = {label: 403 for label in NARRATIVE_ROUTES}
#: each role's answer to starting a draft, approving and returning a submitted narrative, and
#: naming an approver
#: (no account is recorded for RES01's executive lead, so only an admin approves; after the
#: admin's approval there is nothing submitted left to return: a conflict)
NARRATIVE_WRITES: dict[str, dict[str, int]] = {
    "board_member": {"start": 403, "approve": 403, "return": 403, "approver": 403},
    "directorate_lead": {"start": 403, "approve": 403, "return": 403, "approver": 403},
    "executive": {"start": 303, "approve": 403, "return": 403, "approver": 403},
    "analyst": {"start": 303, "approve": 403, "return": 403, "approver": 403},
    "risk_lead": {"start": 403, "approve": 403, "return": 403, "approver": 403},
    "admin": {"start": 303, "approve": 303, "return": 409, "approver": 303},
}


@pytest.mark.parametrize(("name", "role"), [(n, r) for n, r, _f in ACCOUNTS])
def test_every_narrative_route_for_a_role(
    app_url: str, web_store: Store, name: str, role: str
) -> None:
    client = make_client(app_url)
    sign_in(client, name)
    got = {label: client.get(path).status_code for label, path in NARRATIVE_ROUTES.items()}
    writer = role in ("executive", "analyst", "admin")
    expected = NARRATIVE_WRITERS if writer else NARRATIVE_REFUSED
    if role == "admin":
        expected = expected | {"narrative approvers": 200}
    assert got == expected
    refused = [a for a in web_store.audit(action="web.refused") if a.actor == name]
    assert len(refused) == sum(1 for status in got.values() if status == 403)
    assert web_store.row_counts()["narrative_version"] == 0  # reading never writes


@pytest.mark.parametrize(("name", "role"), [(n, r) for n, r, _f in ACCOUNTS])
def test_every_narrative_write_for_a_role(
    app_url: str, web_store: Store, name: str, role: str
) -> None:
    from trustboard.services import narrative as nv
    from trustboard.services.users import Role, User

    writer = User("ana", Role.ANALYST, (), ())
    nv.start_draft(web_store, writer, "RES01", PERIOD)
    nv.submit(web_store, writer, "RES01", PERIOD, based_on=1)
    client = make_client(app_url)
    csrf = sign_in(client, name)
    edit = f"/narrative/board/{PERIOD}"
    posts = {
        "start": (f"{edit}/SAF11", {"step": "start"}),
        "approve": (f"{edit}/RES01", {"step": "approve", "based_on": "2"}),
        "return": (f"{edit}/RES01", {"step": "return", "based_on": "2", "comment": "Why?"}),
        "approver": (
            "/narrative/approvers",
            {"step": "add", "exec_lead": "Chief Nurse", "user_name": name},
        ),
    }
    got: dict[str, int] = {}
    for label, (path, data) in posts.items():
        before = web_store.row_counts()
        got[label] = client.post(path, data={"csrf_token": csrf, **data}).status_code
        after = web_store.row_counts()
        if got[label] == 403:  # a forbidden write changes nothing
            for table in ("narrative_version", "narrative_lead", "commentary"):
                assert after[table] == before[table], (label, table)
    assert got == NARRATIVE_WRITES[role]
    expected_state = "approved" if role == "admin" else "submitted"
    assert nv.latest(web_store, "RES01", PERIOD).state == expected_state  # type: ignore[union-attr]
