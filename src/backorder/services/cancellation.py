"""Cancelling orders: waiting units first, then allocated ones, which go at once to the
next waiting line. Locks as every use case does: the order's products first, by id."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from backorder.db.models import Order, OrderLine
from backorder.db.uow import UnitOfWork, retrying
from backorder.domain.allocation import split_cancellation
from backorder.domain.errors import ConflictError, InvalidInputError, NotFoundError
from backorder.domain.model import Allocation
from backorder.services import outbox
from backorder.services.clock import utcnow
from backorder.services.etas import refresh_etas
from backorder.services.orders import load_order, lock_stock
from backorder.services.serving import serve_product
from backorder.services.views import OrderView, order_view


@dataclass(frozen=True, slots=True)
class LineCancellation:
    line_id: int
    qty: int


@retrying
def cancel_order(
    uow: UnitOfWork,
    order_id: int,
    lines: Sequence[LineCancellation] | None = None,
    *,
    now: datetime | None = None,
) -> OrderView:
    """Cancel unshipped units: waiting ones first, then allocated ones, which go at once
    to the next waiting line. With no lines given, cancel everything not yet shipped."""
    now = now or utcnow()
    with uow.write() as tx:
        product_ids = tx.orders.product_ids(order_id)
        stock = lock_stock(tx, product_ids)
        order = load_order(tx, order_id)
        requested = _cancellations(order, lines)
        if not requested:
            return order_view(order)
        changes, freed = _plan_cancellation(requested)
        tx.orders.change_lines(changes)
        released_to: list[tuple[str, Allocation]] = []
        for product_id, (from_backordered, from_allocated) in freed.items():
            tx.products.change_counters(
                product_id, allocated=-from_allocated, backordered=-from_backordered
            )
            before = stock[product_id]
            released = replace(
                before,
                allocated=before.allocated - from_allocated,
                backordered=before.backordered - from_backordered,
            )
            after, allocations = serve_product(tx, released, today=now.date())
            released_to += [(before.sku, a) for a in allocations]
            outbox.back_in_stock(tx, before, after, now=now)
        refresh_etas(tx, freed, now=now, reason="order_cancelled")
        outbox.record(tx, "order.cancelled", _cancelled_payload(order, requested), now=now)
        outbox.allocations(tx, released_to, now=now)
        view = order_view(load_order(tx, order_id))
        tx.commit()
        return view


def _cancelled_payload(
    order: Order, requested: Sequence[tuple[OrderLine, int]]
) -> dict[str, object]:
    lines = [{"line_id": ln.id, "sku": ln.product.sku, "qty": qty} for ln, qty in requested]
    return {"order_id": order.id, "customer_id": order.customer_id, "lines": lines}


def _cancellations(
    order: Order, lines: Sequence[LineCancellation] | None
) -> list[tuple[OrderLine, int]]:
    """The (line, qty) pairs to cancel; empty when an order is already fully cancelled."""
    by_id = {line.id: line for line in order.lines}
    if lines is None:
        open_lines = [(ln, ln.allocated + ln.backordered) for ln in order.lines]
        requested = [(ln, qty) for ln, qty in open_lines if qty > 0]
        if not requested and any(ln.shipped for ln in order.lines):
            raise ConflictError(
                "every unit of this order has shipped or been cancelled; nothing can be cancelled",
                details={"order_id": order.id},
            )
        return requested
    ids = [c.line_id for c in lines]
    if len(set(ids)) != len(ids):
        raise InvalidInputError(
            "a line may appear only once in a cancellation", details={"field": "lines"}
        )
    for line_id in ids:
        if line_id not in by_id:
            raise NotFoundError("order line", line_id)
    return [(by_id[c.line_id], c.qty) for c in lines]


def _plan_cancellation(
    requested: Sequence[tuple[OrderLine, int]],
) -> tuple[list[dict[str, int]], dict[int, tuple[int, int]]]:
    """Line deltas, and (backordered, allocated) units freed per product; raises on any
    line that can't give what is asked, before anything is written."""
    changes: list[dict[str, int]] = []
    freed: dict[int, tuple[int, int]] = {}
    for line, qty in requested:
        from_backordered, from_allocated = split_cancellation(
            allocated=line.allocated, backordered=line.backordered, qty=qty
        )
        changes.append(
            {
                "line_id": line.id,
                "d_backordered": -from_backordered,
                "d_allocated": -from_allocated,
                "d_cancelled": qty,
            }
        )
        b, a = freed.get(line.product_id, (0, 0))
        freed[line.product_id] = (b + from_backordered, a + from_allocated)
    return changes, freed
