"""API keys: created by an operator, presented as a bearer token, stored only hashed."""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from backorder.db.models import ApiKey
from backorder.db.uow import UnitOfWork
from backorder.domain.errors import UnauthorizedError
from backorder.domain.model import Role
from backorder.services.clock import utcnow

KEY_PREFIX = "bo_"


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class IssuedKey:
    id: int
    role: Role
    secret: str


def create_api_key(uow: UnitOfWork, role: Role, *, label: str | None = None) -> IssuedKey:
    """The secret is returned once and never stored: lose it and create another."""
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    with uow.write() as tx:
        key = ApiKey(
            key_hash=_hash(secret),
            prefix=secret[:10],
            role=role.value,
            label=label,
            created_at=utcnow(),
        )
        tx.api_keys.add(key)
        tx.commit()
        return IssuedKey(id=key.id, role=role, secret=secret)


class KeyCache:
    """The roles of keys a server process has found, each trusted for ``seconds``.

    Without it every request opens a transaction of its own only to find its key again,
    as costly as a small order. The price is that a key revoked in the database is still
    accepted by a process that found it less than ``seconds`` ago. Only keys found are
    kept, so unknown keys cannot fill it; 0 keeps none.
    """

    def __init__(self, seconds: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self._clock = clock
        self._roles: dict[str, tuple[Role, float]] = {}

    def role(self, secret: str | None) -> Role | None:
        """The role of ``secret`` if it was found less than ``seconds`` ago."""
        if not secret or self.seconds <= 0:
            return None
        found = self._roles.get(_hash(secret))
        return found[0] if found is not None and found[1] > self._clock() else None

    def keep(self, secret: str, role: Role) -> None:
        if self.seconds > 0:
            self._roles[_hash(secret)] = (role, self._clock() + self.seconds)


def authenticate(uow: UnitOfWork, secret: str | None, cache: KeyCache | None = None) -> Role:
    """The role of a presented key; UnauthorizedError when missing, unknown or revoked.
    With ``cache``, a key found recently is not looked up again."""
    if not secret:
        raise UnauthorizedError(
            "an API key is required: send 'Authorization: Bearer <key>'; "
            "create one with 'backorder keys create --role admin'"
        )
    if cache is not None and (role := cache.role(secret)) is not None:
        return role
    with uow.read() as tx:
        key = tx.api_keys.by_hash(_hash(secret))
    if key is None or key.revoked_at is not None:
        raise UnauthorizedError("this API key is unknown or revoked; create a new one")
    if cache is not None:
        cache.keep(secret, Role(key.role))
    return Role(key.role)


def count_active_keys(uow: UnitOfWork) -> int:
    with uow.read() as tx:
        return tx.api_keys.count_active()
