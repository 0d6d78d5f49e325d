"""Shared test setup and the invariant checks of DESIGN.md, read straight from the tables."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from backorder.db.models import Customer, InventoryMovement, Order, OrderLine, Product
from backorder.db.repositories.products import to_stock
from backorder.db.uow import UnitOfWork
from backorder.domain.allocation import LineRequest
from backorder.domain.model import BackorderPolicy, ShipPolicy
from backorder.domain.pegging import Demand, peg
from backorder.services import catalogue, inventory, orders
from backorder.services.etas import eta_basis
from backorder.services.views import OrderView


def add_product(
    uow: UnitOfWork,
    sku: str,
    *,
    on_hand: int = 0,
    policy: BackorderPolicy = BackorderPolicy.ALLOW,
    **fields: Any,
) -> None:
    catalogue.create_product(
        uow,
        catalogue.NewProduct(
            sku=sku, name=sku.title(), price=Decimal("10.00"), backorder_policy=policy, **fields
        ),
    )
    if on_hand:
        inventory.adjust_inventory(uow, sku, on_hand, reason="initial count")


def add_customer(uow: UnitOfWork, *, priority: int = 0, name: str = "Ann") -> int:
    return catalogue.create_customer(uow, name=name, email="ann@example.com", priority=priority).id


def order(
    uow: UnitOfWork,
    customer_id: int,
    *lines: tuple[str, int],
    ship_policy: ShipPolicy = ShipPolicy.PARTIAL,
    priority: int | None = None,
    idempotency_key: str | None = None,
) -> OrderView:
    new = orders.NewOrder(
        customer_id=customer_id,
        lines=[LineRequest(sku, qty) for sku, qty in lines],
        ship_policy=ship_policy,
        priority=priority,
        idempotency_key=idempotency_key,
    )
    return orders.place_order(uow, new).order


def snapshot(uow: UnitOfWork) -> dict[str, Any]:
    """Every row that a use case may change, to prove a refused request changed nothing."""
    with uow.read() as tx:
        s = tx.session
        return {
            "products": [
                (p.sku, p.on_hand, p.allocated, p.backordered)
                for p in s.scalars(select(Product).order_by(Product.id))
            ],
            "orders": list(s.execute(select(Order.id, Order.customer_id).order_by(Order.id))),
            "lines": [
                (ln.id, ln.ordered, ln.allocated, ln.backordered, ln.shipped, ln.cancelled)
                for ln in s.scalars(select(OrderLine).order_by(OrderLine.id))
            ],
            "movements": list(
                s.scalars(select(InventoryMovement.id).order_by(InventoryMovement.id))
            ),
            "customers": list(s.scalars(select(Customer.id))),
        }


def check_invariants(uow: UnitOfWork, *, today: date) -> None:
    """Invariants 1 to 4 of DESIGN.md; raises AssertionError naming the one broken."""
    with uow.read() as tx:
        s = tx.session
        products = list(s.scalars(select(Product)))
        lines = list(s.scalars(select(OrderLine)))
        movements = list(s.scalars(select(InventoryMovement)))
    for ln in lines:
        parts = (ln.allocated, ln.backordered, ln.shipped, ln.cancelled)
        assert min(parts) >= 0, f"invariant 1: line {ln.id} has a negative part {parts}"
        assert sum(parts) == ln.ordered, f"invariant 1: line {ln.id} {parts} != {ln.ordered}"
    for p in products:
        mine = [ln for ln in lines if ln.product_id == p.id]
        assert p.allocated == sum(ln.allocated for ln in mine), f"invariant 2: {p.sku} allocated"
        assert p.backordered == sum(ln.backordered for ln in mine), f"{p.sku} backordered"
        assert 0 <= p.allocated <= p.on_hand, f"invariant 2: {p.sku} oversold"
        held = p.backorder_policy == "preorder" and p.release_date and today < p.release_date
        idle = p.on_hand - p.allocated > 0 and p.backordered > 0
        assert not (idle and not held), f"invariant 3: {p.sku} idles stock while lines wait"
        ledger = sum(m.delta for m in movements if m.product_id == p.id)
        assert p.on_hand == ledger, f"invariant 4: {p.sku} on hand {p.on_hand} != ledger {ledger}"


def check_etas_are_pegged(uow: UnitOfWork, *, today: date) -> None:
    """Every waiting line's stored ETA and its source equal what pegging the product's
    whole queue from scratch gives: no shortcut may leave a date behind."""
    with uow.read() as tx:
        for product in tx.session.scalars(select(Product).where(Product.backordered > 0)):
            basis = eta_basis(tx, to_stock(product), today=today)
            waiting = tx.orders.waiting_all(product.id)
            fresh = peg(
                [Demand(w.line_id, w.backordered) for w in waiting],
                basis.supplies,
                fallback=basis.fallback,
                handling_days=basis.handling_days,
                not_before=basis.not_before,
            )
            for w in waiting:
                want = fresh[w.line_id]
                got = (w.estimated_ship_date, w.eta_source)
                assert got == (want.estimated_ship_date, want.source), (
                    f"{product.sku} line {w.line_id}: stored {got}, pegged {want}"
                )
