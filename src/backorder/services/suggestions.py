"""Suggested purchase orders: the backlog that stock and open purchase orders don't
cover, and the products whose projected position fell to their reorder point, bought
from each product's chosen supplier, one draft per supplier."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from backorder.db.repositories.orders import WaitingEta
from backorder.db.uow import Transaction, UnitOfWork, retrying
from backorder.domain.purchasing import Cover, order_quantity, uncovered
from backorder.services import replenishment
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
    reasons: tuple[str, ...]


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
    today = today or utcnow().date()
    replenishment.store_forecasts(uow, today)
    with uow.read() as tx:
        return _suggest(tx, today=today)


@dataclass(frozen=True, slots=True)
class Need:
    """A product to buy, why, and the quantity the chosen supplier's minimum and pack
    size make of it."""

    product_id: int
    sku: str
    supplier_id: int
    lead_time_days: int
    waiting: int
    covered: int
    """Waiting units, from the head of the queue, that available stock and open
    purchase orders account for already."""
    qty: int
    reasons: tuple[str, ...]
    """backorders (waiting units nothing covers), reorder_point (the projected position
    is at or below the reorder point), or both."""


def find_needs(tx: Transaction, *, today: date) -> tuple[list[Need], list[str]]:
    """Every product to buy, by SKU, and the SKUs with uncovered waiting units that
    nobody supplies. Counters and daily demand only: no queue is read."""
    needs: list[Need] = []
    unsourced: list[str] = []
    for plan in replenishment.plans(tx, today):
        buy = plan.buy
        if not buy.reasons:
            continue
        if plan.offer is None:
            if "backorders" in buy.reasons:
                unsourced.append(plan.sku)
            continue
        needs.append(
            Need(
                plan.product_id,
                plan.sku,
                plan.offer.supplier_id,
                plan.offer.lead_time_days,
                plan.backordered,
                plan.available + plan.on_order,
                order_quantity(buy.qty, plan.offer),
                buy.reasons,
            )
        )
    return needs, unsourced


def expected_dates(needs: list[Need], *, today: date) -> dict[int, date]:
    """Each supplier's draft is expected after the longest lead time among its lines."""
    leads: dict[int, int] = {}
    for need in needs:
        leads[need.supplier_id] = max(leads.get(need.supplier_id, 0), need.lead_time_days)
    return {sid: today + timedelta(days=lead) for sid, lead in leads.items()}


def covers(tx: Transaction, need: Need, queue: list[WaitingEta] | None = None) -> list[Cover]:
    """The waiting lines (in serving order) that buying ``need`` would cover."""
    waiting = tx.orders.waiting_all(need.product_id) if queue is None else queue
    lines = [Cover(w.order_id, w.line_id, w.backordered) for w in waiting]
    return uncovered(lines, covered=need.covered)


def _suggest(tx: Transaction, *, today: date) -> Suggestions:
    """For each product: waiting units beyond available stock and open purchase orders,
    raised to the supplier's minimum and rounded up to whole packs."""
    needs, unsourced = find_needs(tx, today=today)
    waiting = [need.product_id for need in needs if "backorders" in need.reasons]
    queues = _queues(tx, waiting)
    drafts: dict[int, list[SuggestedLine]] = {}
    for need in needs:
        line = SuggestedLine(
            need.sku,
            need.product_id,
            need.qty,
            covers(tx, need, queues.get(need.product_id, [])),
            need.reasons,
        )
        drafts.setdefault(need.supplier_id, []).append(line)
    dates = expected_dates(needs, today=today)
    return Suggestions(
        drafts=[Suggestion(sid, dates[sid], lines) for sid, lines in sorted(drafts.items())],
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
    replenishment.store_forecasts(uow, now.date())
    with uow.write() as tx:
        # Lock what may be bought, then decide again on the locked counters: a
        # concurrent run that bought first leaves nothing (or less) to buy here.
        first, _ = find_needs(tx, today=now.date())
        locked = {n.product_id for n in first}
        lock_stock(tx, locked)
        needs = [n for n in find_needs(tx, today=now.date())[0] if n.product_id in locked]
        dates = expected_dates(needs, today=now.date())
        by_supplier: dict[int, list[Need]] = {}
        for need in needs:
            by_supplier.setdefault(need.supplier_id, []).append(need)
        created = [
            add_purchase_order(
                tx,
                supplier_id,
                [(need.product_id, need.qty) for need in lines],
                expected_date=dates[supplier_id],
                now=now,
            )
            for supplier_id, lines in sorted(by_supplier.items())
        ]
        refresh_etas(
            tx, [need.product_id for need in needs], now=now, reason="purchase_order_created"
        )
        views = [po_view(tx, po) for po in created]
        tx.commit()
        return views
