"""The backorder queue: every waiting line in the order it will be served."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from backorder.db.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class WaitingLineView:
    order_id: int
    line_id: int
    sku: str
    customer_id: int
    backordered: int
    priority: int
    created_at: datetime
    estimated_ship_date: date | None
    eta_source: str | None
    position: int


def open_backorder_units(uow: UnitOfWork) -> int:
    """Units waiting for stock across the catalogue (the products' counters)."""
    with uow.read() as tx:
        return tx.products.backordered_units()


def list_backorders(
    uow: UnitOfWork,
    *,
    sku: str | None = None,
    customer_id: int | None = None,
    offset: int = 0,
    limit: int = 100,
) -> list[WaitingLineView]:
    """Highest priority first, then oldest; ``position`` counts from 1 within each product."""
    with uow.read() as tx:
        rows = tx.orders.queue(sku=sku, customer_id=customer_id, offset=offset, limit=limit)
    return [WaitingLineView(**row) for row in rows]
