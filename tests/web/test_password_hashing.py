"""Argon2id's parameters, the rehash of a stored hash made with other parameters, and the
bound on hashes computed at once."""

from __future__ import annotations

import threading
import time

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select, update

from conftest import PASSWORD
from trustboard.errors import AuthenticationError
from trustboard.services.users import HASHES_AT_ONCE, add_user, authenticate
from trustboard.store import Store
from trustboard.store.users import AppUserRow, latest_data_change

#: argon2-cffi's defaults (RFC 9106's low-memory profile), the parameters used before
OLD = "m=65536,t=3,p=4"
#: the OWASP Password Storage Cheat Sheet's Argon2id configuration, written out from it
OWASP = "m=19456,t=2,p=1"


def _hash_of(store: Store, name: str) -> str:
    with store.engine.connect() as conn:
        return str(
            conn.execute(
                select(AppUserRow.password_hash).where(AppUserRow.name == name)
            ).scalar_one()
        )


def _params(password_hash: str) -> str:
    kind, _version, params, _salt, _digest = password_hash.split("$")[1:]
    assert kind == "argon2id"
    return params


def _set_old_hash(store: Store, name: str) -> str:
    old = PasswordHasher(time_cost=3, memory_cost=65536, parallelism=4).hash(PASSWORD)
    with store.engine.begin() as conn:
        conn.execute(update(AppUserRow).where(AppUserRow.name == name).values(password_hash=old))
    return old


def _rehashes(store: Store, name: str) -> list[dict[str, object]]:
    return [a.after for a in store.audit(action="user.rehash") if a.entity_id == name]


def test_a_new_password_is_hashed_with_owasp_parameters(web_store: Store) -> None:
    add_user(web_store, "nina", "analyst", PASSWORD)
    assert _params(_hash_of(web_store, "nina")) == OWASP


def test_a_hash_with_old_parameters_verifies_and_is_replaced_once(web_store: Store) -> None:
    old = _set_old_hash(web_store, "ana")
    with web_store.engine.connect() as conn:
        marker = latest_data_change(conn)
    user = authenticate(web_store, "ana", PASSWORD, client="127.0.0.9")
    assert user.name == "ana"
    new = _hash_of(web_store, "ana")
    assert new != old and _params(new) == OWASP
    PasswordHasher().verify(new, PASSWORD)  # the same password, hashed again
    assert _rehashes(web_store, "ana") == [{"from": OLD, "to": OWASP}]
    # an account change, not a data change: the cached pages stay valid
    with web_store.engine.connect() as conn:
        assert latest_data_change(conn) == marker
    # the next sign-in finds today's parameters and leaves the hash alone
    authenticate(web_store, "ana", PASSWORD)
    assert _hash_of(web_store, "ana") == new
    assert len(_rehashes(web_store, "ana")) == 1


def test_a_wrong_password_never_rehashes(web_store: Store) -> None:
    old = _set_old_hash(web_store, "eve")
    with pytest.raises(AuthenticationError):
        authenticate(web_store, "eve", PASSWORD + "x")
    assert _hash_of(web_store, "eve") == old
    assert _rehashes(web_store, "eve") == []
    # nor does a correct password on a disabled account
    with web_store.engine.begin() as conn:
        conn.execute(update(AppUserRow).where(AppUserRow.name == "eve").values(disabled=True))
    with pytest.raises(AuthenticationError):
        authenticate(web_store, "eve", PASSWORD)
    assert _hash_of(web_store, "eve") == old
    assert _rehashes(web_store, "eve") == []


def test_sign_ins_together_hash_one_at_a_time(
    web_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert HASHES_AT_ONCE == 1
    running = 0
    most = 0
    count = threading.Lock()
    original = PasswordHasher.verify

    def watched(self: PasswordHasher, hashed: str, password: str) -> bool:
        nonlocal running, most
        with count:
            running += 1
            most = max(most, running)
        time.sleep(0.05)  # long enough for the other sign-ins to arrive meanwhile
        try:
            return original(self, hashed, password)
        finally:
            with count:
                running -= 1

    monkeypatch.setattr(PasswordHasher, "verify", watched)
    names = ["ana", "eve", "rita", "adam"]
    start = threading.Barrier(len(names))
    signed: list[str] = []

    def sign_in(name: str) -> None:
        start.wait()
        signed.append(authenticate(web_store, name, PASSWORD).name)

    threads = [threading.Thread(target=sign_in, args=(n,)) for n in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(signed) == sorted(names)
    assert most == 1
