"""Placing, reading and cancelling orders.

Lock order, the same in every use case: the product rows of the order, by id, before any
order line is touched. Every line's quantities change only under its product's lock.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from backorder.db.models import Order, OrderLine
from backorder.db.repositories.products import to_stock
from backorder.db.uow import Transaction, UnitOfWork, retrying
from backorder.domain.allocation import LineRequest, plan_order, split_cancellation
from backorder.domain.errors import ConflictError, InvalidInputError, NotFoundError
from backorder.domain.model import ShipPolicy, Stock
from backorder.services.clock import utcnow
from backorder.services.serving import serve_product
from backorder.services.views import OrderView, order_view


@dataclass(frozen=True, slots=True)
class NewOrder:
    customer_id: int
    lines: Sequence[LineRequest]
    ship_policy: ShipPolicy = ShipPolicy.PARTIAL
    priority: int | None = None
    idempotency_key: str | None = None

    def fingerprint(self) -> str:
        """Hash of what the order asks for, to tell a true retry from a reused key."""
        body = {
            "customer_id": self.customer_id,
            "lines": [[line.sku, line.qty] for line in self.lines],
            "ship_policy": self.ship_policy.value,
            "priority": self.priority,
        }
        return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class PlacedOrder:
    order: OrderView
    replayed: bool = field(default=False)


def lock_stock(tx: Transaction, product_ids: Sequence[int] | set[int]) -> dict[int, Stock]:
    """Lock the products (id order) and return their counters as domain values."""
    return {pid: to_stock(p) for pid, p in tx.products.lock(product_ids).items()}


def load_order(tx: Transaction, order_id: int) -> Order:
    order = tx.orders.get(order_id)
    if order is None:
        raise NotFoundError("order", order_id)
    return order


@retrying
def place_order(uow: UnitOfWork, new: NewOrder, *, now: datetime | None = None) -> PlacedOrder:
    """Allocate what is available, backorder the rest, or refuse the whole order.

    A repeated idempotency key returns the first order; two requests racing with one key
    meet at the unique index, and the loser returns the winner's order.
    """
    if not new.lines:
        raise InvalidInputError("an order needs at least one line", details={"field": "lines"})
    now = now or utcnow()
    try:
        with uow.write() as tx:
            if new.idempotency_key is not None:
                existing = tx.orders.by_idempotency_key(new.idempotency_key)
                if existing is not None:
                    return _replay(existing, new)
            placed = _place(tx, new, now=now)
            tx.commit()
            return PlacedOrder(placed)
    except IntegrityError:
        if new.idempotency_key is None:
            raise
        with uow.read() as tx:
            existing = tx.orders.by_idempotency_key(new.idempotency_key)
            if existing is None:
                raise
            return _replay(existing, new)


def _replay(existing: Order, new: NewOrder) -> PlacedOrder:
    if existing.request_fingerprint != new.fingerprint():
        raise ConflictError(
            "this idempotency key was used for a different order; use a new key",
            details={"idempotency_key": new.idempotency_key, "order_id": existing.id},
        )
    return PlacedOrder(order_view(existing), replayed=True)


def _place(tx: Transaction, new: NewOrder, *, now: datetime) -> OrderView:
    today = now.date()
    customer = tx.customers.get(new.customer_id)
    if customer is None:
        raise NotFoundError("customer", new.customer_id)
    products = tx.products.by_skus(line.sku for line in new.lines)
    for line in new.lines:
        if line.sku not in products:
            raise NotFoundError("product", line.sku)
    locked = lock_stock(tx, {p.id for p in products.values()})
    # Customers already waiting are served before the new order may take anything.
    stock = {s.sku: serve_product(tx, s, today=today)[0] for s in locked.values()}
    plans = plan_order(new.lines, stock, today=today)
    priority = new.priority if new.priority is not None else customer.priority
    order = Order(
        customer_id=customer.id,
        ship_policy=new.ship_policy.value,
        priority=new.priority,
        idempotency_key=new.idempotency_key,
        request_fingerprint=new.fingerprint(),
        created_at=now,
    )
    order.lines = [
        OrderLine(
            product_id=stock[plan.sku].product_id,
            ordered=plan.qty,
            allocated=plan.allocated,
            backordered=plan.backordered,
            shipped=0,
            cancelled=0,
            priority=priority,
            placed_at=now,
            estimated_ship_date=plan.estimated_ship_date,
        )
        for plan in plans
    ]
    tx.orders.add(order)
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for plan in plans:
        totals[plan.sku][0] += plan.allocated
        totals[plan.sku][1] += plan.backordered
    for sku, (allocated, backordered) in totals.items():
        tx.products.change_counters(
            stock[sku].product_id, allocated=allocated, backordered=backordered
        )
    return order_view(load_order(tx, order.id))


def get_order(uow: UnitOfWork, order_id: int) -> OrderView:
    with uow.read() as tx:
        return order_view(load_order(tx, order_id))


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
    today = (now or utcnow()).date()
    with uow.write() as tx:
        product_ids = tx.orders.product_ids(order_id)
        stock = lock_stock(tx, product_ids)
        order = load_order(tx, order_id)
        requested = _cancellations(order, lines)
        if not requested:
            return order_view(order)
        changes, freed = _plan_cancellation(requested)
        tx.orders.change_lines(changes)
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
            serve_product(tx, released, today=today)
        view = order_view(load_order(tx, order_id))
        tx.commit()
        return view


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
