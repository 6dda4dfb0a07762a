"""Every write route × every role: allowed, forbidden (403, audited, nothing written), not
found (404, nothing written) or, for nobody signed in, sent to sign in (nothing written).

The expected table is written from docs/web.md, route by route; a POST route the table does
not name fails :func:`test_the_table_names_every_write_route`, so a new write route must be
added here; a route whose answer depends on what is asked about (a private item) has a case
for each.  Each request carries a valid CSRF token and a plausible form, so a refusal is the
role's and not the form's.  One store serves the module (the web tests' store with the BAF
builders' register, whose risk BAF-01 the executive eve owns, a member of the private Board,
and an upload waiting for its commit); the cases run in turn and the roles in turn within
each case, a write a role may make staying in the store for the next role.
"""

from __future__ import annotations

import hashlib
import html
import io
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import MetaData, select

from baf.builders import build_baf_store
from conftest import PASSWORD, PERIOD, csrf_of, make_client, sign_in
from trustboard.services.users import Role, User, add_user
from trustboard.store import Store

ALLOWED, FORBIDDEN, NOT_FOUND, SIGN_IN = "allowed", "forbidden", "not found", "sign in"

#: The accounts, by the label the table uses (``None``: nobody signed in).  The web tests'
#: store has one of each role; the private Board's member is added here.
WHO: dict[str, str | None] = {
    "board_member public": "bella",
    "board_member private": "bob",
    "directorate_lead": "dara",
    "executive": "eve",
    "analyst": "ana",
    "risk_lead": "rita",
    "admin": "adam",
    "anonymous": None,
}
SIGNED = tuple(label for label, name in WHO.items() if name is not None)


def _only(*labels: str) -> dict[str, str]:
    """The row of a route: the labels named are allowed, the other accounts forbidden, and
    nobody signed in is sent to sign in."""
    row = {label: ALLOWED if label in labels else FORBIDDEN for label in SIGNED}
    return row | {"anonymous": SIGN_IN}


EVERYONE_SIGNED = _only(*SIGNED)
#: the reporting cycle's writes: analysts and administrators only (docs/web.md: Reporting
#: cycle, The meeting calendar, Check and publish, Uploads)
CYCLE = _only("analyst", "admin")

NARRATIVE_PRIVATE = "/narrative/{forum_id}/{period}/{metric_id} (a private metric, public Board)"
ACTION_P1 = "/actions/{action_id} (a private metric's action)"
ACTION_A1 = "/actions/{action_id} (a BAF risk's action)"
ACTION_NON_READERS = (
    "board_member public",
    "board_member private",
    "directorate_lead",
    "executive",
)

#: route (a case of it) → role → outcome, from docs/web.md
EXPECTED: dict[str, dict[str, str]] = {
    # anyone may sign in (Security: the CSRF token is double-submitted before sign-in)
    "/sign-in": {label: ALLOWED for label in WHO},
    # Security: signing out deletes the session; Notifications: everyone reads and marks
    # their own
    "/sign-out": EVERYONE_SIGNED,
    "/notifications": EVERYONE_SIGNED,
    # Narrative: executives, analysts and administrators write; every other role is refused
    "/narrative/{forum_id}/{period}/{metric_id}": _only("executive", "analyst", "admin"),
    # ... and a private metric asked for in a public forum is not found, as on its page
    NARRATIVE_PRIVATE: _only() | dict.fromkeys(("executive", "analyst", "admin"), NOT_FOUND),
    # Narrative: /narrative/approvers is administrators only
    "/narrative/approvers": _only("admin"),
    # Board Assurance Framework: risk leads and admins edit every risk, an executive the risks
    # whose executive lead is a title their account holds (eve holds BAF-01's); a board
    # member never reaches the form
    "/baf/risks/{risk_id}/edit": _only("risk_lead", "admin", "executive"),
    "/cycle/{forum_id}/{period}/meeting": CYCLE,
    "/publish/{forum_id}/{period}/override": CYCLE,
    "/publish/{forum_id}/{period}": CYCLE,
    "/uploads": CYCLE,
    "/uploads/{job_id}/{step}": CYCLE,
    # Actions: its owner, an analyst or an administrator change it, a risk lead a BAF risk's
    # action; anyone else is refused, and someone who may not read it is answered "not found".
    # Analysts, administrators and risk leads read every action, the others their own.
    # P-1 is the private metric WEL01's action, A1 BAF-01's; their owners ("Director of
    # People", "COO") are titles no account holds
    ACTION_P1: _only("analyst", "admin") | dict.fromkeys(ACTION_NON_READERS, NOT_FOUND),
    ACTION_A1: _only("analyst", "admin", "risk_lead")
    | dict.fromkeys(ACTION_NON_READERS, NOT_FOUND),
}


def _route(case: str) -> str:
    """The route of a case of :data:`EXPECTED` (a route written with what it posts about)."""
    return case.split(" (")[0]


@dataclass(frozen=True)
class Write:
    """One write: the path posted and its form (without the CSRF token)."""

    path: str
    data: dict[str, str]
    files: dict[str, tuple[str, bytes, str]] | None = None


VALUES_CSV = b"metric_id,org_unit,period,value\nRES01,RXX,2025-03,0.5\n"

#: route → the write posted for it: a form a browser would post from the page
WRITES: dict[str, Write] = {
    "/sign-out": Write("/sign-out", {}),
    "/notifications": Write("/notifications", {}),
    "/narrative/{forum_id}/{period}/{metric_id}": Write(
        f"/narrative/board/{PERIOD}/RES01", {"step": "start"}
    ),
    NARRATIVE_PRIVATE: Write(f"/narrative/public-board/{PERIOD}/WEL01", {"step": "start"}),
    "/narrative/approvers": Write(
        "/narrative/approvers",
        {"step": "add", "exec_lead": "Chief Nurse", "user_name": "eve"},
    ),
    "/baf/risks/{risk_id}/edit": Write(
        "/baf/risks/BAF-01/edit", {"step": "preview", "based_on": "1"}
    ),
    "/cycle/{forum_id}/{period}/meeting": Write(
        f"/cycle/board/{PERIOD}/meeting",
        {
            "data_cutoff": "2025-04-08",
            "narrative_due": "2025-04-14",
            "papers_due": "2025-04-21",
            "meeting_date": "2025-04-30",
            "part": "public",
        },
    ),
    "/publish/{forum_id}/{period}/override": Write(
        f"/publish/board/{PERIOD}/override",
        {"finding_id": "{finding}", "reason": "Accepted by the Board's chair"},
    ),
    "/publish/{forum_id}/{period}": Write(f"/publish/board/{PERIOD}", {}),
    "/uploads": Write(
        "/uploads",
        {"kind": "values", "forum": "board", "period": PERIOD},
        files={"file": ("values.csv", VALUES_CSV, "text/csv")},
    ),
    "/uploads/{job_id}/{step}": Write("/uploads/{job}/cancel", {}),
    ACTION_P1: Write("/actions/P-1", {"status": "at_risk"}),
    ACTION_A1: Write("/actions/A1", {"status": "at_risk"}),
}


# -- the store, the app, the sessions ------------------------------------------------------


@dataclass
class World:
    """The module's store, a signed-in client and CSRF token for each account, the upload
    waiting for its commit, an open finding of the Board's month, and the store's tables."""

    store: Store
    url: str
    clients: dict[str, tuple[TestClient, str]]
    job: int
    finding: str
    tables: MetaData


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, _template_db: Path) -> Iterator[World]:
    from trustboard.services import uploads

    path = tmp_path_factory.mktemp("roles-writes") / "web.db"
    build_baf_store(_template_db, path)
    url = f"sqlite:///{path}"
    store = Store.open(url, actor="test")
    add_user(store, "bob", "board_member", PASSWORD, forums=("board",))
    analyst = User("ana", Role.ANALYST, (), ())
    job = uploads.start_upload(
        store, analyst, "values", "values.csv", io.BytesIO(VALUES_CSV), background=False
    )
    clients: dict[str, tuple[TestClient, str]] = {}
    for label in SIGNED:
        client = make_client(url)
        clients[label] = (client, sign_in(client, str(WHO[label])))
    # an open finding of the Board's month, as the check and publish page offers it
    publish_page = clients["analyst"][0].get(f"/publish/board/{PERIOD}").text
    finding = re.search(r'name="finding_id" value="([^"]+)"', publish_page)
    assert finding is not None, "the Board's month has no open finding to override"
    tables = MetaData()
    tables.reflect(store.engine)
    yield World(store, url, clients, job, html.unescape(finding.group(1)), tables)
    store.close()


def _content(world: World) -> dict[str, str]:
    """A digest of each table's rows but the audit log's (whose new rows are checked apart)."""
    out: dict[str, str] = {}
    with world.store.engine.connect() as conn:
        for table in world.tables.sorted_tables:
            if table.name == "audit_log":
                continue
            digest = hashlib.sha256()
            order = list(table.primary_key.columns) or list(table.columns)
            for row in conn.execute(select(table).order_by(*order)):
                digest.update(repr(tuple(row)).encode())
            out[table.name] = digest.hexdigest()
    return out


def _refusals(world: World, name: str | None) -> int:
    """How many refusals of ``name`` the audit log holds."""
    return sum(1 for a in world.store.audit(action="web.refused") if a.actor == name)


def _outcome(answer: Any) -> str:
    """The table's word for an answer."""
    status: int = answer.status_code
    if status == 403:
        return FORBIDDEN
    if status == 404:
        return NOT_FOUND
    if status == 401 or (status == 303 and answer.headers.get("location") == "/sign-in"):
        return SIGN_IN
    if 200 <= status < 500:
        return ALLOWED  # done, or answered with what the form got wrong
    return f"HTTP {status}"


def _anonymous(world: World) -> tuple[TestClient, str]:
    """A client with the sign-in form's CSRF token (double-submitted) and no session."""
    client = make_client(world.url)
    return client, csrf_of(client.get("/sign-in").text)


def _post(client: TestClient, csrf: str, write: Write, world: World) -> Any:
    path = write.path.replace("{job}", str(world.job))
    data = {k: v.replace("{finding}", world.finding) for k, v in write.data.items()}
    return client.post(path, data={"csrf_token": csrf, **data}, files=write.files)


def _settle(world: World) -> None:
    """Wait for the jobs an allowed write started (an upload's check runs in a thread of the
    worker), so that the next role's writes are compared on a store at rest."""
    from trustboard.services import jobs

    deadline = time.monotonic() + 30
    while any(j.status in jobs.WORKING for j in jobs.recent(world.store, limit=100)):
        assert time.monotonic() < deadline, "a job did not finish within 30 s"
        time.sleep(0.05)


def _sign_out(world: World, label: str) -> str:
    """Sign out a session of its own (the module's sessions stay for the other routes)."""
    name = WHO[label]
    if name is None:
        client, csrf = _anonymous(world)
    else:
        client = make_client(world.url)
        csrf = sign_in(client, name)
    answer = client.post("/sign-out", data={"csrf_token": csrf})
    if name is None:
        return _outcome(answer)
    # signing out is answered with the sign-in page, as nobody signed in is: the session's end
    # tells them apart
    ended = _outcome(client.get("/")) == SIGN_IN
    return ALLOWED if answer.status_code == 303 and ended else f"HTTP {answer.status_code}"


def _sign_in(world: World, label: str) -> str:
    """Sign in through the form, from a new client (nobody signed in signs in as the
    analyst)."""
    client, csrf = _anonymous(world)
    name = WHO[label] or "ana"
    answer = client.post("/sign-in", data={"name": name, "password": PASSWORD, "csrf_token": csrf})
    return _outcome(answer)


OWN_SESSION: dict[str, Callable[[World, str], str]] = {
    "/sign-in": _sign_in,
    "/sign-out": _sign_out,
}


# -- the tests -----------------------------------------------------------------------------


def test_the_table_names_every_role() -> None:
    from conftest import ACCOUNTS

    roles = {label.split()[0] for label in SIGNED}
    assert roles == {role for _name, role, _forums in ACCOUNTS}
    for route, row in EXPECTED.items():
        assert set(row) == set(WHO), route


def _post_routes(routes: list[Any]) -> Iterator[str]:
    for route in routes:
        inner = getattr(route, "original_router", None)  # an included router, walked
        if inner is not None:
            yield from _post_routes(list(inner.routes))
        elif "POST" in (getattr(route, "methods", None) or ()):
            yield route.path


def test_the_table_names_every_write_route(world: World) -> None:
    from trustboard.web import WebSettings, create_app

    app = create_app(WebSettings(database=world.url, allow_plain_http=True))
    found = set(_post_routes(list(app.routes)))
    assert "/sign-in" in found  # the walk reaches the included routers
    assert found == {_route(case) for case in EXPECTED}, "add the new write route to EXPECTED"
    assert set(WRITES) | set(OWN_SESSION) == set(EXPECTED)


@pytest.mark.parametrize("route", list(EXPECTED))
def test_every_write_route_for_every_role(world: World, route: str) -> None:
    got: dict[str, str] = {}
    for label, name in WHO.items():
        before, refused = _content(world), _refusals(world, name)
        audited = len(world.store.audit())
        if route in OWN_SESSION:
            got[label] = OWN_SESSION[route](world, label)
        else:
            client, csrf = world.clients.get(label) or _anonymous(world)
            got[label] = _outcome(_post(client, csrf, WRITES[route], world))
        if got[label] == ALLOWED:
            _settle(world)
            continue
        # refused: nothing written; a 403 is audited as the refusal, once, and so is the "not
        # found" an action's reader-only refusal gives (its page's GET audits it the same way)
        assert _content(world) == before, (route, label)
        hidden = got[label] == NOT_FOUND and route in (ACTION_P1, ACTION_A1)
        new_refusals = 1 if got[label] == FORBIDDEN or hidden else 0
        assert _refusals(world, name) == refused + new_refusals, (route, label)
        assert len(world.store.audit()) == audited + new_refusals, (route, label)
    assert got == EXPECTED[route]
