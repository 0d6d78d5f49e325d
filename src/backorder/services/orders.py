"""Placing and reading orders.

Lock order, the same in every use case: the product rows of the order, by id, before any
order line is touched. Every line's quantities change only under its product's lock.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.exc import IntegrityError

from backorder.db.models import Order
from backorder.db.repositories.products import to_stock
from backorder.db.uow import Transaction, UnitOfWork, retrying
from backorder.domain.allocation import LinePlan, LineRequest, plan_order
from backorder.domain.errors import ConflictError, InvalidInputError, NotFoundError
from backorder.domain.model import ShipPolicy, Stock
from backorder.domain.pegging import PegResult
from backorder.domain.status import LineQuantities, line_status, order_status
from backorder.services import outbox
from backorder.services.clock import utcnow
from backorder.services.etas import EtaBasis, eta_basis, refresh_etas
from backorder.services.serving import serve_product
from backorder.services.views import LineView, OrderView, order_view


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

    A repeated idempotency key returns the first order: the key's unique index refuses
    the second insert (a request racing with the first waits for it there), and the
    refused request returns the order that holds the key.
    """
    if not new.lines:
        raise InvalidInputError("an order needs at least one line", details={"field": "lines"})
    now = now or utcnow()
    try:
        with uow.write() as tx:
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
    """The placement itself, in as few statements as the rules allow, and as few as
    possible under the product locks: the order row goes in before them (a reused
    idempotency key stops there), its lines once, in one statement, after them."""
    today = now.date()
    customer_priority = tx.customers.priority(new.customer_id)
    if customer_priority is None:
        raise NotFoundError("customer", new.customer_id)
    order_id = tx.orders.insert(_order_row(new, now=now))
    locked = _lock_skus(tx, [line.sku for line in new.lines])
    # Customers already waiting are served before the new order may take anything.
    served = {s.sku: serve_product(tx, s, today=today) for s in locked.values()}
    stock = {sku: result[0] for sku, result in served.items()}
    plans = plan_order(new.lines, stock, today=today)
    priority = new.priority if new.priority is not None else customer_priority
    etas, requeue = _date_new_lines(tx, plans, stock, priority=priority, today=today)
    requeue |= {stock[sku].product_id for sku, (_, allocations) in served.items() if allocations}
    rows = _line_rows(order_id, plans, etas, stock, priority=priority, now=now)
    line_ids = tx.orders.insert_lines(rows)
    _book(tx, plans, stock)
    refresh_etas(tx, requeue, now=now, reason="order_placed")
    released = [(sku, a) for sku, (_, allocated) in served.items() for a in allocated]
    outbox.allocations(tx, released, now=now)
    if requeue:
        view = order_view(load_order(tx, order_id))
    else:
        view = _placed_view(order_id, new, plans, etas, line_ids, now=now)
    outbox.order_backordered(tx, view, now=now)
    return view


def _lock_skus(tx: Transaction, skus: Sequence[str]) -> dict[str, Stock]:
    """Lock the order's products (in id order) in the same statement that finds them."""
    stock = tx.products.lock_skus(skus)
    for sku in skus:
        if sku not in stock:
            raise NotFoundError("product", sku)
    return stock


def _order_row(new: NewOrder, *, now: datetime) -> dict[str, object]:
    """The order's row. Its customer hears of it now (the confirmation), which is what
    ``customer_updated_at`` records for the periodic update of waiting customers; a line
    never starts waiting after placement, so an order with none waiting never needs it."""
    return {
        "customer_id": new.customer_id,
        "ship_policy": new.ship_policy.value,
        "priority": new.priority,
        "idempotency_key": new.idempotency_key,
        "request_fingerprint": new.fingerprint(),
        "created_at": now,
        "customer_updated_at": now,
    }


def _line_rows(
    order_id: int,
    plans: Sequence[LinePlan],
    etas: Sequence[PegResult | None],
    stock: dict[str, Stock],
    *,
    priority: int,
    now: datetime,
) -> list[dict[str, object]]:
    return [
        {
            "order_id": order_id,
            "product_id": stock[plan.sku].product_id,
            "ordered": plan.qty,
            "allocated": plan.allocated,
            "backordered": plan.backordered,
            "shipped": 0,
            "cancelled": 0,
            "priority": priority,
            "placed_at": now,
            "estimated_ship_date": eta.estimated_ship_date if eta else None,
            "eta_source": eta.source if eta else None,
            "promised_ship_date": eta.estimated_ship_date if eta else None,
        }
        for plan, eta in zip(plans, etas, strict=True)
    ]


def _placed_view(
    order_id: int,
    new: NewOrder,
    plans: Sequence[LinePlan],
    etas: Sequence[PegResult | None],
    line_ids: Sequence[int],
    *,
    now: datetime,
) -> OrderView:
    """The new order as it was inserted, without reading it back."""
    quantities = [
        LineQuantities(
            ordered=p.qty, allocated=p.allocated, backordered=p.backordered, shipped=0, cancelled=0
        )
        for p in plans
    ]
    lines = [
        LineView(
            id=line_id,
            sku=plan.sku,
            ordered=q.ordered,
            allocated=q.allocated,
            backordered=q.backordered,
            shipped=0,
            cancelled=0,
            status=line_status(q),
            estimated_ship_date=eta.estimated_ship_date if eta else None,
        )
        for line_id, plan, q, eta in zip(line_ids, plans, quantities, etas, strict=True)
    ]
    return OrderView(
        id=order_id,
        customer_id=new.customer_id,
        status=order_status(quantities),
        ship_policy=new.ship_policy,
        priority=new.priority,
        created_at=now,
        lines=lines,
    )


def _book(tx: Transaction, plans: Sequence[LinePlan], stock: dict[str, Stock]) -> None:
    """Add the new lines' units to their products' counters, one UPDATE per product."""
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for plan in plans:
        totals[plan.sku][0] += plan.allocated
        totals[plan.sku][1] += plan.backordered
    for sku, (allocated, backordered) in totals.items():
        tx.products.change_counters(
            stock[sku].product_id, allocated=allocated, backordered=backordered
        )


def _date_new_lines(
    tx: Transaction,
    plans: Sequence[LinePlan],
    stock: dict[str, Stock],
    *,
    priority: int,
    today: date,
) -> tuple[list[PegResult | None], set[int]]:
    """ETAs of the new order's waiting units, and the products whose queues must be
    re-pegged instead.

    A line that joins the end of its product's queue is dated from the units ahead of it
    (the product's backordered counter), without reading them; a line that jumps ahead of
    waiting lines (higher priority) moves their dates, so the whole queue is re-pegged.
    """
    etas: list[PegResult | None] = []
    requeue: set[int] = set()
    ahead = {sku: s.backordered for sku, s in stock.items()}
    bases: dict[str, EtaBasis] = {}
    for plan in plans:
        s = stock[plan.sku]
        if plan.backordered == 0:
            etas.append(None)
            continue
        # Nothing can wait behind a line when nothing waits (the counter, read under the
        # lock, spares the query).
        behind = s.backordered > 0 and tx.orders.has_waiting_behind(s.product_id, priority)
        if s.product_id in requeue or behind:
            requeue.add(s.product_id)
            etas.append(None)
            continue
        basis = bases.setdefault(plan.sku, eta_basis(tx, s, today=today))
        etas.append(basis.after(ahead[plan.sku], plan.backordered))
        ahead[plan.sku] += plan.backordered
    return etas, requeue


def get_order(uow: UnitOfWork, order_id: int) -> OrderView:
    with uow.read() as tx:
        return order_view(load_order(tx, order_id))


@retrying
def change_order_priority(
    uow: UnitOfWork, order_id: int, priority: int | None, *, now: datetime | None = None
) -> OrderView:
    """Set (or, with None, clear) an order's own priority. Its waiting lines move in their
    queues at once, and lines pushed back whose date slips get a delay notice."""
    now = now or utcnow()
    with uow.write() as tx:
        product_ids = tx.orders.product_ids(order_id)
        lock_stock(tx, product_ids)
        order = load_order(tx, order_id)
        customer = tx.customers.get(order.customer_id)
        assert customer is not None
        order.priority = priority
        tx.orders.set_priority(order_id, priority if priority is not None else customer.priority)
        refresh_etas(tx, product_ids, now=now, reason="priority_changed")
        view = order_view(load_order(tx, order_id))
        tx.commit()
        return view
