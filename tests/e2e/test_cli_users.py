"""``backorder users``: set a password, disable and enable a user, on the CLI's database."""

from __future__ import annotations

import pytest

from backorder.db.uow import UnitOfWork
from backorder.domain.errors import UnauthorizedError
from backorder.domain.model import Role
from backorder.services import users
from tests.e2e.test_cli import db, refused, succeeds, table_row

__all__ = ["db"]  # the fixture, shared with the other CLI tests


def test_set_password_replaces_the_old_one(db: UnitOfWork, monkeypatch: pytest.MonkeyPatch) -> None:
    users.create_user(db, "ann@example.com", "first-password", role=Role.STAFF)
    monkeypatch.setenv("BACKORDER_NEW_USER_PASSWORD", "second-password")
    assert "new password set" in succeeds("users", "set-password", "Ann@Example.com")
    assert users.sign_in(db, "ann@example.com", "second-password").email == "ann@example.com"
    with pytest.raises(UnauthorizedError):
        users.sign_in(db, "ann@example.com", "first-password")


def test_set_password_refuses_a_short_one_and_keeps_the_old(
    db: UnitOfWork, monkeypatch: pytest.MonkeyPatch
) -> None:
    users.create_user(db, "ann@example.com", "first-password", role=Role.STAFF)
    monkeypatch.setenv("BACKORDER_NEW_USER_PASSWORD", "short")
    assert "at least 10 characters" in refused("users", "set-password", "ann@example.com")
    assert users.sign_in(db, "ann@example.com", "first-password").email == "ann@example.com"


def test_disable_stops_sign_in_and_enable_restores_it(db: UnitOfWork) -> None:
    users.create_user(db, "ann@example.com", "first-password", role=Role.ADMIN)
    assert "disabled" in succeeds("users", "disable", "ann@example.com")
    assert table_row(succeeds("users", "list"), "ann@example.com")[3] == "True"
    with pytest.raises(UnauthorizedError):
        users.sign_in(db, "ann@example.com", "first-password")
    assert "enabled" in succeeds("users", "disable", "ann@example.com", "--enable")
    assert users.sign_in(db, "ann@example.com", "first-password").role == Role.ADMIN


@pytest.mark.usefixtures("db")
def test_unknown_user_is_refused() -> None:
    assert "not_found" in refused("users", "disable", "nobody@example.com")
