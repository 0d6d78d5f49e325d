"""Serving waiting lines: shared by every use case that frees or adds stock."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from backorder.db.uow import Transaction
from backorder.domain.allocation import after_serving, serve_waiting
from backorder.domain.model import Allocation, Stock


def serve_product(tx: Transaction, stock: Stock, *, today: date) -> tuple[Stock, list[Allocation]]:
    """Give a locked product's available units to its waiting lines, in serving order.

    The caller holds the product's row lock and passes its current counters; the new
    counters come back, so no second read is needed. At most ``available`` lines are read,
    since each line served takes at least one unit.
    """
    _, units = after_serving(stock, today=today)
    if units == 0:
        return stock, []
    allocations = serve_waiting(units, tx.orders.waiting(stock.product_id, limit=units))
    served = sum(a.qty for a in allocations)
    tx.orders.allocate(allocations)
    tx.products.change_counters(stock.product_id, allocated=served, backordered=-served)
    new_stock = replace(
        stock, allocated=stock.allocated + served, backordered=stock.backordered - served
    )
    return new_stock, allocations
