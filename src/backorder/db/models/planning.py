"""Demand history imported from before the service took orders (or taken elsewhere).

A product's demand on a day is the quantity its order lines ordered that day plus the
imported figure for that day: orders the service saw and demand it did not.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from backorder.db.models.base import Base
from backorder.db.types import Id, UTCDateTime


class DemandHistory(Base):
    __tablename__ = "demand_history"
    __table_args__ = (CheckConstraint("qty >= 0", name="qty_not_negative"),)

    product_id: Mapped[int] = mapped_column(Id, ForeignKey("products.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    qty: Mapped[int] = mapped_column(BigInteger)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime)
