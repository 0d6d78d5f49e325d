"""Stock adjustments, pre-order release, and the ledger check of every product."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from backorder.db.uow import UnitOfWork, retrying
from backorder.domain.errors import ConflictError, InvalidInputError
from backorder.domain.model import MovementKind
from backorder.services import outbox
from backorder.services.catalogue import find_product
from backorder.services.clock import utcnow
from backorder.services.etas import refresh_etas
from backorder.services.orders import lock_stock
from backorder.services.serving import serve_product
from backorder.services.views import InventoryView, inventory_view


@retrying
def adjust_inventory(
    uow: UnitOfWork, sku: str, delta: int, *, reason: str, now: datetime | None = None
) -> InventoryView:
    """Count stock in or out. New units go to waiting lines at once; a decrease may not
    take on hand below what is already allocated to customers."""
    if delta == 0:
        raise InvalidInputError("delta must not be 0", details={"field": "delta"})
    now = now or utcnow()
    with uow.write() as tx:
        product = find_product(tx, sku)
        stock = lock_stock(tx, [product.id])[product.id]
        if stock.on_hand + delta < stock.allocated:
            raise ConflictError(
                f"on hand is {stock.on_hand} with {stock.allocated} allocated to orders, so it "
                f"can drop by at most {stock.available}; ship or cancel orders first",
                details={
                    "on_hand": stock.on_hand,
                    "allocated": stock.allocated,
                    "available": stock.available,
                    "delta": delta,
                },
            )
        tx.products.change_counters(product.id, on_hand=delta)
        tx.ledger.record(product.id, MovementKind.ADJUSTMENT, delta=delta, reason=reason, at=now)
        if delta > 0:
            counted = replace(stock, on_hand=stock.on_hand + delta)
            after, allocations = serve_product(tx, counted, today=now.date())
            outbox.allocations(tx, [(stock.sku, a) for a in allocations], now=now)
            outbox.back_in_stock(tx, stock, after, now=now)
        if stock.backordered > 0 and (delta > 0 or stock.is_held(now.date())):
            refresh_etas(tx, [product.id], now=now, reason="stock_adjusted")
        view = inventory_view(tx.products.refresh(product))
        tx.commit()
        return view


@retrying
def release_preorders(uow: UnitOfWork, *, now: datetime | None = None) -> dict[str, int]:
    """Serve the waiting lines of every pre-order whose release date has come.

    Run daily (and safe to run any time): until then a pre-order's stock is held on
    purpose. Returns the units allocated per SKU.
    """
    now = now or utcnow()
    today = now.date()
    with uow.write() as tx:
        released: dict[str, int] = {}
        locked = lock_stock(tx, tx.products.releasable_preorders(today))
        for stock in locked.values():
            _, allocations = serve_product(tx, stock, today=today)
            released[stock.sku] = sum(a.qty for a in allocations)
            outbox.allocations(tx, [(stock.sku, a) for a in allocations], now=now)
        refresh_etas(tx, locked, now=now, reason="released")
        tx.commit()
        return released


@dataclass(frozen=True, slots=True)
class Drift:
    """A counter that disagrees with what the ledger and the order lines say it must be."""

    sku: str
    counter: str
    stored: int
    expected: int


def verify_inventory(uow: UnitOfWork) -> tuple[int, list[Drift]]:
    """Rebuild every product's counters from the ledger, the order lines and the purchase
    order lines; list any drift.

    Returns the number of products checked and the drifts found. Reads one consistent
    snapshot, so it can run while orders flow (on PostgreSQL).
    """
    with uow.read() as tx:
        ledger = tx.ledger.on_hand_by_product()
        shipped = tx.ledger.shipped_by_product()
        lines = tx.ledger.line_totals_by_product()
        on_order = tx.purchasing.on_order_by_product()
        products = tx.products.all_by_sku()
    drifts: list[Drift] = []
    for p in products:
        allocated, backordered, lines_shipped = lines.get(p.id, (0, 0, 0))
        expected = {
            "on_hand": (p.on_hand, ledger.get(p.id, 0)),
            "allocated": (p.allocated, allocated),
            "backordered": (p.backordered, backordered),
            "shipped": (shipped.get(p.id, 0), lines_shipped),
            "on_order": (p.on_order, on_order.get(p.id, 0)),
        }
        drifts += [
            Drift(p.sku, counter, stored, want)
            for counter, (stored, want) in expected.items()
            if stored != want
        ]
    return len(products), drifts
