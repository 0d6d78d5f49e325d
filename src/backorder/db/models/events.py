"""The outbox: every state change someone must hear about, written in the same
transaction as the change (invariant 6), delivered after commit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from backorder.db.models.base import Base
from backorder.db.types import Id, UTCDateTime


class Event(Base):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    type: Mapped[str] = mapped_column(String(64), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON().with_variant(JSONB(), "postgresql"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
