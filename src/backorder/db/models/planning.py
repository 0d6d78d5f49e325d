"""Demand history imported from before the service took orders (or taken elsewhere),
and the forecasts made from it.

A product's demand on a day is the quantity its order lines ordered that day plus the
imported figure for that day: orders the service saw and demand it did not.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Date, Float, ForeignKey, Integer, String
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


class DemandForecast(Base):
    """A product's forecast as of a day: the window it covers ends the day before, so it
    holds all day. It counts only while ``demand_version`` equals the product's (an
    import moves that on) and the window is still the business's."""

    __tablename__ = "demand_forecasts"

    product_id: Mapped[int] = mapped_column(Id, ForeignKey("products.id"), primary_key=True)
    as_of: Mapped[date] = mapped_column(Date)
    window_days: Mapped[int] = mapped_column(Integer)
    demand_version: Mapped[int] = mapped_column(Integer)
    rate: Mapped[float] = mapped_column(Float)
    std: Mapped[float] = mapped_column(Float)
    pattern: Mapped[str] = mapped_column(String(16))
    method: Mapped[str] = mapped_column(String(8))
    adi: Mapped[float | None] = mapped_column(Float)
    cv2: Mapped[float | None] = mapped_column(Float)
    days: Mapped[int] = mapped_column(Integer)
    demand_days: Mapped[int] = mapped_column(Integer)
