"""Suppliers, what they supply, purchase orders and the receipts against them.

A purchase-order line's open quantity is ``ordered - received - cancelled``; the sum over
open lines of a product is the product's ``on_order`` counter, kept in SQL beside the
others and checked by ``backorder inventory verify``.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backorder.db.models.base import Base
from backorder.db.types import Id, UTCDateTime


class Supplier(Base):
    __tablename__ = "suppliers"
    __table_args__ = (CheckConstraint("lead_time_days >= 0", name="lead_time_not_negative"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))
    lead_time_days: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SupplierProduct(Base):
    __tablename__ = "supplier_products"
    __table_args__ = (
        UniqueConstraint("supplier_id", "product_id"),
        CheckConstraint("cost >= 0", name="cost_not_negative"),
        CheckConstraint("lead_time_days IS NULL OR lead_time_days >= 0", name="lead_time_ok"),
        CheckConstraint("min_order_qty >= 1", name="min_order_qty_positive"),
        CheckConstraint("pack_size >= 1", name="pack_size_positive"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    cost: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    lead_time_days: Mapped[int | None] = mapped_column(Integer)
    min_order_qty: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    pack_size: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    preferred: Mapped[bool] = mapped_column(Boolean, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PurchaseOrder(Base):
    __tablename__ = "purchase_orders"
    __table_args__ = (
        CheckConstraint(
            "status IN ('open', 'partially_received', 'received', 'cancelled')",
            name="status_known",
        ),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), index=True)
    status: Mapped[str] = mapped_column(String(24), index=True)
    expected_date: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    lines: Mapped[list[PurchaseOrderLine]] = relationship(
        lazy="raise", order_by="PurchaseOrderLine.id"
    )


class PurchaseOrderLine(Base):
    __tablename__ = "purchase_order_lines"
    __table_args__ = (
        UniqueConstraint("purchase_order_id", "product_id"),
        CheckConstraint("ordered >= 1", name="ordered_positive"),
        CheckConstraint("received >= 0 AND cancelled >= 0", name="quantities_not_negative"),
        CheckConstraint("received + cancelled <= ordered", name="within_ordered"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    purchase_order_id: Mapped[int] = mapped_column(ForeignKey("purchase_orders.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    ordered: Mapped[int] = mapped_column(Integer)
    received: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    cancelled: Mapped[int] = mapped_column(Integer, server_default=text("0"))

    @hybrid_property
    def open_qty(self) -> int:
        """What is still to come: one rule for Python and for SQL."""
        return self.ordered - self.received - self.cancelled


class Receipt(Base):
    """Stock that arrived against a purchase order. ``days_late`` compares the day it
    arrived with the expected date in force then; it feeds the supplier's lateness."""

    __tablename__ = "receipts"
    # A supplier's latest receipts, newest first: its lateness.
    __table_args__ = (Index("ix_receipts_supplier_created", "supplier_id", "created_at"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    purchase_order_id: Mapped[int] = mapped_column(ForeignKey("purchase_orders.id"), index=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"))
    days_late: Mapped[int] = mapped_column(Integer)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    """Set by a client that may send the same receipt twice (the dashboard's form)."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ReceiptLine(Base):
    """``qty`` units arrived; ``extra`` of them were beyond the line's open quantity."""

    __tablename__ = "receipt_lines"
    __table_args__ = (
        CheckConstraint("qty >= 1", name="qty_positive"),
        CheckConstraint("extra >= 0 AND extra <= qty", name="extra_within_qty"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    receipt_id: Mapped[int] = mapped_column(ForeignKey("receipts.id"), index=True)
    purchase_order_line_id: Mapped[int] = mapped_column(ForeignKey("purchase_order_lines.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    qty: Mapped[int] = mapped_column(Integer)
    extra: Mapped[int] = mapped_column(Integer, server_default=text("0"))
