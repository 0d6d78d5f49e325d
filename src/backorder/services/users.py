"""Dashboard users: created by an operator, signed in with a password hashed by Argon2.

The session cookie is signed with a secret from the settings or, when none is set, with
one made at random on first use and kept in the database, so every server process of
one deployment signs alike and sessions survive a restart.
"""

from __future__ import annotations

import functools
import secrets
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.exc import IntegrityError

from backorder.db.models import User
from backorder.db.uow import Transaction, UnitOfWork
from backorder.domain.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    UnauthorizedError,
)
from backorder.domain.model import Role
from backorder.services.clock import utcnow

MIN_PASSWORD_LENGTH = 10
SESSION_SECRET_KEY = "session_secret"
USER_ROLES = (Role.STAFF, Role.ADMIN)

_hasher = PasswordHasher()


@functools.cache
def _unknown_user_hash() -> str:
    """Checked when the email is unknown, so a wrong email takes as long as a wrong
    password (made on first use: hashing is slow on purpose)."""
    return _hasher.hash(secrets.token_urlsafe(16))


@dataclass(frozen=True, slots=True)
class UserView:
    id: int
    email: str
    role: Role
    created_at: datetime
    disabled: bool


def _view(user: User) -> UserView:
    return UserView(
        user.id, user.email, Role(user.role), user.created_at, user.disabled_at is not None
    )


def create_user(uow: UnitOfWork, email: str, password: str, *, role: Role) -> UserView:
    email = email.strip()
    if "@" not in email:
        raise InvalidInputError(f"{email!r} is not an email address", details={"field": "email"})
    if role not in USER_ROLES:
        raise InvalidInputError("a dashboard user is staff or admin", details={"field": "role"})
    _check_password(password)
    with uow.write() as tx:
        if tx.users.by_email(email) is not None:
            raise ConflictError(f"a user {email!r} exists already", details={"email": email})
        user = User(
            email=email, password_hash=_hasher.hash(password), role=role.value, created_at=utcnow()
        )
        tx.users.add(user)
        tx.commit()
        return _view(user)


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInputError(
            f"the password needs at least {MIN_PASSWORD_LENGTH} characters",
            details={"field": "password"},
        )


def _find(tx: Transaction, email: str) -> User:
    user = tx.users.by_email(email.strip())
    if user is None:
        raise NotFoundError("user", email)
    return user


def set_password(uow: UnitOfWork, email: str, password: str) -> UserView:
    _check_password(password)
    with uow.write() as tx:
        user = _find(tx, email)
        user.password_hash = _hasher.hash(password)
        tx.commit()
        return _view(user)


def set_disabled(uow: UnitOfWork, email: str, *, disabled: bool) -> UserView:
    """A disabled user cannot sign in, and is signed out at their next request."""
    with uow.write() as tx:
        user = _find(tx, email)
        user.disabled_at = utcnow() if disabled else None
        tx.commit()
        return _view(user)


def list_users(uow: UnitOfWork) -> list[UserView]:
    with uow.read() as tx:
        return [_view(user) for user in tx.users.all()]


def sign_in(uow: UnitOfWork, email: str, password: str) -> UserView:
    """The user with this email and password; UnauthorizedError naming neither which."""
    with uow.read() as tx:
        user = tx.users.by_email(email.strip())
        found = None if user is None else (_view(user), user.password_hash)
    verified: bool
    try:
        verified = _hasher.verify(found[1] if found else _unknown_user_hash(), password)
    except (VerificationError, InvalidHashError):
        verified = False
    if found is None or not verified or found[0].disabled:
        raise UnauthorizedError("the email or the password is wrong")
    return found[0]


def signed_in_user(uow: UnitOfWork, user_id: int, *, since: datetime) -> UserView | None:
    """The user of a session begun at ``since``; None when the user is gone or disabled,
    or signed out after that session began (a copied cookie dies with it)."""
    with uow.read() as tx:
        user = tx.users.get(user_id)
        if user is None or user.disabled_at is not None:
            return None
        if user.signed_out_at is not None and since <= user.signed_out_at:
            return None
        return _view(user)


def sign_out(uow: UnitOfWork, user_id: int) -> None:
    """End every session of the user begun until now, on every device: a session lives
    in a signed cookie, which only this date can revoke."""
    with uow.write() as tx:
        user = tx.users.get(user_id)
        if user is not None:
            user.signed_out_at = utcnow()
            tx.commit()


def session_secret(uow: UnitOfWork) -> str:
    """The configured secret, else the deployment's stored one (made on first use)."""
    if uow.settings.session_secret:
        return uow.settings.session_secret
    with uow.read() as tx:
        stored = tx.settings_store.stored().get(SESSION_SECRET_KEY)
    if stored:
        return str(stored)
    try:
        with uow.write() as tx:
            tx.settings_store.add(SESSION_SECRET_KEY, secrets.token_urlsafe(32))
            tx.commit()
    except IntegrityError:
        pass  # another process made it first: use theirs
    with uow.read() as tx:
        return str(tx.settings_store.stored()[SESSION_SECRET_KEY])
