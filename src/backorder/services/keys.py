"""API keys: created by an operator, presented as a bearer token, stored only hashed."""

from __future__ import annotations

import hashlib
import secrets
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


def authenticate(uow: UnitOfWork, secret: str | None) -> Role:
    """The role of a presented key; UnauthorizedError when missing, unknown or revoked."""
    if not secret:
        raise UnauthorizedError(
            "an API key is required: send 'Authorization: Bearer <key>'; "
            "create one with 'backorder keys create --role admin'"
        )
    with uow.read() as tx:
        key = tx.api_keys.by_hash(_hash(secret))
    if key is None or key.revoked_at is not None:
        raise UnauthorizedError("this API key is unknown or revoked; create a new one")
    return Role(key.role)


def count_active_keys(uow: UnitOfWork) -> int:
    with uow.read() as tx:
        return tx.api_keys.count_active()
