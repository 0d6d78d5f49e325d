"""Dashboard users."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backorder.db.models import User


class UserRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, user: User) -> None:
        self.session.add(user)
        self.session.flush()

    def get(self, user_id: int) -> User | None:
        return self.session.get(User, user_id)

    def by_email(self, email: str) -> User | None:
        """Emails compare without regard to case: people type them both ways."""
        query = select(User).where(func.lower(User.email) == email.lower())
        return self.session.scalar(query)

    def all(self) -> list[User]:
        return list(self.session.scalars(select(User).order_by(User.email)))
