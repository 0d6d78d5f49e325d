"""Suggested purchase orders: the backlog that stock and open purchase orders don't
cover, bought from each product's chosen supplier, one draft per supplier."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from backorder.db.models import Product
from backorder.db.repositories.orders import WaitingEta
from backorder.db.uow import Transaction, UnitOfWork, retrying
from backorder.domain.purchasing import (
    Cover,
    SupplierOffer,
    choose_supplier,
    order_quantity,
    uncovered,
)
from backorder.services.clock import utcnow
from backorder.services.etas import refresh_etas
from backorder.services.orders import lock_stock
from backorder.services.purchase_orders import PurchaseOrderView, add_purchase_order, po_view

QUEUES_ONE_BY_ONE = 20
"""Up to this many products to buy, their queues are read one query each."""


@dataclass(frozen=True, slots=True)
class SuggestedLine:
    sku: str
    product_id: int
    qty: int
    covers: list[Cover]


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A draft purchase order, not yet saved."""

    supplier_id: int
    expected_date: date
    lines: list[SuggestedLine]


@dataclass(frozen=True, slots=True)
class Suggestions:
    drafts: list[Suggestion]
    unsourced: list[str]
    """SKUs with uncovered waiting units but no supplier: nobody to buy from."""


def suggest_purchase_orders(uow: UnitOfWork, *, today: date | None = None) -> Suggestions:
    with uow.read() as tx:
        return _suggest(tx, today=today or utcnow().date())


def _suggest(tx: Transaction, *, today: date) -> Suggestions:
    """For each product: waiting units beyond available stock and open purchase orders,
    raised to the supplier's minimum and rounded up to whole packs."""
    waiting = tx.products.waiting()
    offers = tx.purchasing.offers(p.id for p in waiting)
    drafts: dict[int, list[SuggestedLine]] = {}
    leads: dict[int, int] = {}
    unsourced: list[str] = []
    buying: list[tuple[Product, SupplierOffer, int, int]] = []
    for product in waiting:
        covered = max(product.on_hand - product.allocated, 0) + product.on_order
        need = product.backordered - covered
        if need <= 0:
            continue
        offer = choose_supplier(offers.get(product.id, []))
        if offer is None:
            unsourced.append(product.sku)
            continue
        buying.append((product, offer, covered, need))
    queues = _queues(tx, [product.id for product, *_ in buying])
    for product, offer, covered, need in buying:
        queue = [Cover(w.order_id, w.line_id, w.backordered) for w in queues[product.id]]
        line = SuggestedLine(
            product.sku, product.id, order_quantity(need, offer), uncovered(queue, covered=covered)
        )
        drafts.setdefault(offer.supplier_id, []).append(line)
        leads[offer.supplier_id] = max(leads.get(offer.supplier_id, 0), offer.lead_time_days)
    return Suggestions(
        drafts=[
            Suggestion(sid, today + timedelta(days=leads[sid]), lines)
            for sid, lines in sorted(drafts.items())
        ],
        unsourced=unsourced,
    )


def _queues(tx: Transaction, product_ids: list[int]) -> dict[int, list[WaitingEta]]:
    """The queues of the products to buy: one query each when they are few, else one
    scan of every waiting line (thousands of queries would cost seconds)."""
    if len(product_ids) <= QUEUES_ONE_BY_ONE:
        return {pid: tx.orders.waiting_all(pid) for pid in product_ids}
    return tx.orders.waiting_by_product()


@retrying
def create_from_suggestions(
    uow: UnitOfWork, *, now: datetime | None = None
) -> list[PurchaseOrderView]:
    """Save every current suggestion as an open purchase order, in one transaction."""
    now = now or utcnow()
    with uow.write() as tx:
        lock_stock(tx, tx.products.waiting_ids())
        suggestions = _suggest(tx, today=now.date())
        created = [
            add_purchase_order(
                tx,
                draft.supplier_id,
                [(line.product_id, line.qty) for line in draft.lines],
                expected_date=draft.expected_date,
                now=now,
            )
            for draft in suggestions.drafts
        ]
        products = [line.product_id for draft in suggestions.drafts for line in draft.lines]
        refresh_etas(tx, products, now=now, reason="purchase_order_created")
        views = [po_view(tx, po) for po in created]
        tx.commit()
        return views
