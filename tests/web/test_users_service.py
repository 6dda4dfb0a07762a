"""Accounts, sessions and tokens on each store engine (SQLite, and PostgreSQL when a server
answers): the same behaviour from the same services."""

from __future__ import annotations

from datetime import date

import pytest

from pack.conftest import FORUMS, UNITS, catalogue
from trustboard.errors import AuthenticationError, ConflictError
from trustboard.services.users import (
    Role,
    add_user,
    authenticate,
    disable_user,
    end_session,
    issue_token,
    list_users,
    session_user,
    start_session,
    token_user,
)
from trustboard.store import Store

PASSWORD = "a long enough passphrase"


def test_accounts_sessions_and_tokens(store_url: str) -> None:
    store, _before, _after = Store.init(store_url, actor="test")
    try:
        store.upsert_catalogue(catalogue(), UNITS, FORUMS, effective=date(2020, 1, 1))
        added = add_user(store, "bella", "board_member", PASSWORD, forums=("public-board",))
        assert (added.role, added.forums) == (Role.BOARD_MEMBER, ("public-board",))
        with pytest.raises(ConflictError):
            add_user(store, "bella", "analyst", PASSWORD)
        user = authenticate(store, "bella", PASSWORD)
        signed = start_session(store, user)
        assert session_user(store, signed.session_secret) == (user, signed.csrf_token)
        assert session_user(store, signed.session_secret + "x") is None
        token = issue_token(store, "bella")
        assert token_user(store, token) == user
        end_session(store, signed.session_secret, user)
        assert session_user(store, signed.session_secret) is None
        disable_user(store, "bella")
        assert token_user(store, token) is None
        with pytest.raises(AuthenticationError):
            authenticate(store, "bella", PASSWORD)
        assert [(u.name, u.disabled) for u in list_users(store)] == [("bella", True)]
        assert [a.action for a in store.audit(entity_id="bella")] == [
            "web.signin_failed",
            "user.disable",
            "web.signout",
            "user.token",
            "web.signin",
            "user.add",
        ]
    finally:
        store.close()
