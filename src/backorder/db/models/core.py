"""Products, customers, orders and their lines, shipments, the ledger and API keys.

CHECK constraints back the invariants of DESIGN.md in the database itself. A product row
carries the counters that the hot path changes in SQL (``allocated = allocated + :n``):
on_hand, allocated, backordered, on_order. ``available`` is never stored. Every quantity
change of an order line happens under its product's row lock.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    TextClause,
    literal_column,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backorder.db.models.base import Base
from backorder.db.types import Id, UTCDateTime


class Product(Base):
    __tablename__ = "products"
    __table_args__ = (
        CheckConstraint("on_hand >= 0", name="on_hand_not_negative"),
        CheckConstraint("allocated >= 0", name="allocated_not_negative"),
        CheckConstraint("allocated <= on_hand", name="allocated_within_on_hand"),
        CheckConstraint("backordered >= 0", name="backordered_not_negative"),
        CheckConstraint("on_order >= 0", name="on_order_not_negative"),
        CheckConstraint(
            "backorder_policy IN ('allow', 'deny', 'preorder')", name="backorder_policy_known"
        ),
        CheckConstraint(
            "max_backorder_qty IS NULL OR backordered <= max_backorder_qty",
            name="backordered_within_cap",
        ),
        CheckConstraint("price >= 0", name="price_not_negative"),
        CheckConstraint("lead_time_days IS NULL OR lead_time_days >= 0", name="lead_time_ok"),
        CheckConstraint(
            "service_level IS NULL OR (service_level > 0 AND service_level < 1)",
            name="service_level_ok",
        ),
        CheckConstraint(
            "fill_rate IS NULL OR (fill_rate > 0 AND fill_rate < 1)", name="fill_rate_ok"
        ),
        CheckConstraint("ordering_cost IS NULL OR ordering_cost >= 0", name="ordering_cost_ok"),
        CheckConstraint(
            "holding_cost_rate IS NULL OR holding_cost_rate > 0", name="holding_cost_rate_ok"
        ),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    sku: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    price: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    backorder_policy: Mapped[str] = mapped_column(String(16))
    release_date: Mapped[date | None] = mapped_column(Date)
    max_backorder_qty: Mapped[int | None] = mapped_column(BigInteger)
    lead_time_days: Mapped[int | None] = mapped_column(Integer)
    on_hand: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    allocated: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    backordered: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    on_order: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Replenishment targets; None takes the business-wide setting.
    service_level: Mapped[float | None] = mapped_column(Float)
    fill_rate: Mapped[float | None] = mapped_column(Float)
    """A target fill rate sizes the safety stock instead of the cycle service level."""
    ordering_cost: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    holding_cost_rate: Mapped[float | None] = mapped_column(Float)
    demand_version: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    """Moved on by each import of the product's demand history: a stored forecast made
    from an older version no longer counts."""


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))
    priority: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (
        CheckConstraint("ship_policy IN ('partial', 'complete')", name="ship_policy_known"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    ship_policy: Mapped[str] = mapped_column(String(16))
    priority: Mapped[int | None] = mapped_column(Integer)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    request_fingerprint: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    customer_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """When the customer last heard about this order's waiting lines (for the periodic
    waiting-customer update)."""

    lines: Mapped[list[OrderLine]] = relationship(
        lazy="raise", order_by="OrderLine.id", back_populates="order"
    )


SERVING_ORDER = (text("priority DESC"), "placed_at", "id")


def _waiting_index(name: str, *columns: str | TextClause) -> Index:
    """An index of the waiting lines only (partial): they are a small share of all lines."""
    waiting = text("backordered > 0")
    return Index(name, *columns, postgresql_where=waiting, sqlite_where=waiting)


class OrderLine(Base):
    """One SKU of an order. ``priority`` and ``placed_at`` are copied from the order (and
    its customer) so the serving order of a product is one index scan."""

    __tablename__ = "order_lines"
    __table_args__ = (
        CheckConstraint("ordered >= 1", name="ordered_positive"),
        CheckConstraint(
            "allocated >= 0 AND backordered >= 0 AND shipped >= 0 AND cancelled >= 0",
            name="quantities_not_negative",
        ),
        CheckConstraint(
            "ordered = allocated + backordered + shipped + cancelled", name="quantities_balance"
        ),
        _waiting_index("ix_order_lines_waiting", "product_id", *SERVING_ORDER),
        # The dashboard's queue across products, its oldest line and its overdue lines.
        _waiting_index("ix_order_lines_serving", *SERVING_ORDER),
        _waiting_index("ix_order_lines_waiting_since", "placed_at", "id"),
        _waiting_index("ix_order_lines_eta", "estimated_ship_date", "id"),
        # A product's lines, and its daily demand over a window.
        Index("ix_order_lines_product_placed", "product_id", "placed_at"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    ordered: Mapped[int] = mapped_column(Integer)
    allocated: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    backordered: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    shipped: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    cancelled: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    priority: Mapped[int] = mapped_column(Integer)
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    estimated_ship_date: Mapped[date | None] = mapped_column(Date)
    eta_source: Mapped[str | None] = mapped_column(String(16))
    """What the ETA rests on: purchase_order, lead_time, release; None when unknown."""
    promised_ship_date: Mapped[date | None] = mapped_column(Date)
    """The date last told to the customer; a later ETA is a delay to announce."""

    order: Mapped[Order] = relationship(lazy="raise", back_populates="lines")
    product: Mapped[Product] = relationship(lazy="raise")


SERVING = (OrderLine.priority.desc(), OrderLine.placed_at, OrderLine.id)
"""Serving order within a product's queue (DESIGN.md): priority, then oldest, then id."""

WAITING = OrderLine.backordered > literal_column("0")
"""The condition of a waiting line, with a literal 0: it is then the very predicate of the
partial indexes above, which SQLite's planner sees through only when it is not a bound
parameter (a count of 100,000 waiting lines: 8 ms, against 95 ms with one)."""


class Shipment(Base):
    __tablename__ = "shipments"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    tracking_number: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ShipmentLine(Base):
    __tablename__ = "shipment_lines"
    __table_args__ = (CheckConstraint("qty >= 1", name="qty_positive"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id"), index=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("order_lines.id"), index=True)
    qty: Mapped[int] = mapped_column(Integer)


class InventoryMovement(Base):
    """The append-only ledger: on hand of a product is the sum of its deltas (invariant 4).

    Triggers created by the migration refuse UPDATE and DELETE on this table.
    """

    __tablename__ = "inventory_movements"
    __table_args__ = (
        CheckConstraint("delta <> 0", name="delta_not_zero"),
        CheckConstraint("kind IN ('adjustment', 'shipment', 'receipt')", name="kind_known"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    delta: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(500))
    shipment_id: Mapped[int | None] = mapped_column(ForeignKey("shipments.id"))
    receipt_id: Mapped[int | None] = mapped_column(ForeignKey("receipts.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ApiKey(Base):
    """Only the SHA-256 of a key is kept: keys are 256-bit random, so a fast hash is safe."""

    __tablename__ = "api_keys"
    __table_args__ = (
        CheckConstraint("role IN ('admin', 'staff', 'storefront')", name="role_known"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    role: Mapped[str] = mapped_column(String(16))
    label: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
