"""The people who sign in to the dashboard, and the daily record of the backlog its
charts draw.

Only an Argon2 hash of a password is kept. The backlog cannot be rebuilt for a past day
from the order lines (they keep only where they stand now), so the worker writes one row
per day and updates it through the day.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, CheckConstraint, Date, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from backorder.db.models.base import Base
from backorder.db.types import Id, UTCDateTime


class User(Base):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint("role IN ('admin', 'staff')", name="role_known"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    signed_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """Sessions that began before this are over, copies of their cookie included."""


class BacklogSnapshot(Base):
    """Open backorders at the end of ``day`` (or at the last snapshot of today)."""

    __tablename__ = "backlog_snapshots"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    lines: Mapped[int] = mapped_column(Integer)
    units: Mapped[int] = mapped_column(BigInteger)
    value: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime)
