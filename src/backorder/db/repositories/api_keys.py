"""API keys, looked up by the hash of the presented key."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backorder.db.models import ApiKey


class ApiKeyRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, key: ApiKey) -> None:
        self.session.add(key)
        self.session.flush()

    def by_hash(self, key_hash: str) -> ApiKey | None:
        return self.session.scalar(select(ApiKey).where(ApiKey.key_hash == key_hash))

    def count_active(self) -> int:
        query = select(func.count()).select_from(ApiKey).where(ApiKey.revoked_at.is_(None))
        return self.session.scalar(query) or 0
