"""Writing events to the outbox, inside the use case's transaction (invariant 6).

Payloads carry ids and the facts a message needs (SKUs, quantities, dates); the worker
looks up who receives them when it fans them out, after commit.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from backorder.db.uow import Transaction
from backorder.domain.model import Allocation, Stock
from backorder.services.views import OrderView


def iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def record(tx: Transaction, event_type: str, payload: dict[str, Any], *, now: datetime) -> None:
    tx.events.add(event_type, payload, at=now)


def order_backordered(tx: Transaction, order: OrderView, *, now: datetime) -> None:
    """The confirmation a customer gets: each waiting product, its quantity and date."""
    waiting = [line for line in order.lines if line.backordered]
    if not waiting:
        return
    lines = [
        {
            "line_id": line.id,
            "sku": line.sku,
            "backordered": line.backordered,
            "estimated_ship_date": iso(line.estimated_ship_date),
        }
        for line in waiting
    ]
    payload = {"order_id": order.id, "customer_id": order.customer_id, "lines": lines}
    record(tx, "order.backordered", payload, now=now)


def allocations(
    tx: Transaction, served: Iterable[tuple[str, Allocation]], *, now: datetime
) -> None:
    """``order.allocated`` per order that got stock, then ``order.ready_to_ship`` for
    those of them that can now ship under their ship policy."""
    by_order: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for sku, a in served:
        by_order[a.order_id].append({"line_id": a.line_id, "sku": sku, "qty": a.qty})
    if not by_order:
        return
    for order_id, lines in by_order.items():
        record(tx, "order.allocated", {"order_id": order_id, "lines": lines}, now=now)
    for ready in tx.orders.shippable(order_ids=by_order, limit=len(by_order)):
        payload = {
            "order_id": ready.order_id,
            "customer_id": ready.customer_id,
            "units": ready.units,
        }
        record(tx, "order.ready_to_ship", payload, now=now)


def back_in_stock(tx: Transaction, before: Stock, after: Stock, *, now: datetime) -> None:
    """A product that had nothing available now has some (after waiting lines took theirs)."""
    if before.available <= 0 < after.available:
        payload = {"sku": after.sku, "available": after.available}
        record(tx, "product.back_in_stock", payload, now=now)


def purchase_order(
    tx: Transaction,
    event_type: str,
    *,
    po_id: int,
    supplier_id: int,
    expected_date: date,
    lines: Sequence[tuple[str, int]],
    now: datetime,
    **change: Any,
) -> None:
    """What the supplier is sent: the lines, quantities and expected date, and for an
    update what changed."""
    payload = {
        "purchase_order_id": po_id,
        "supplier_id": supplier_id,
        "expected_date": iso(expected_date),
        "lines": [{"sku": sku, "qty": qty} for sku, qty in lines],
        **change,
    }
    record(tx, event_type, payload, now=now)
