"""The outbox table: events are only ever added here, inside the use case's transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from backorder.db.models import Event


class EventRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, event_type: str, payload: dict[str, Any], *, at: datetime) -> None:
        self.session.add(Event(type=event_type, payload=payload, created_at=at))
