"""The dashboard's lists and detail pages: the queue, products, orders, purchase orders.

Every list is a page of ``PAGE_SIZE`` from an indexed query, with the total beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Generic, TypeVar

from backorder.db.models import Event, InventoryMovement, Shipment
from backorder.db.repositories.purchasing import OpenSupply
from backorder.db.repositories.reports import QUEUE_SORTS, QueueFilter
from backorder.db.uow import UnitOfWork
from backorder.domain.errors import InvalidInputError
from backorder.services.catalogue import find_product
from backorder.services.clock import utcnow
from backorder.services.orders import load_order
from backorder.services.purchase_orders import PurchaseOrderView, po_view
from backorder.services.replenishment import store_forecasts
from backorder.services.suggestions import Need, expected_dates, find_needs
from backorder.services.views import (
    CustomerView,
    OrderView,
    ProductView,
    customer_view,
    order_view,
    product_view,
)

PAGE_SIZE = 50
COVERS_SHOWN = 8
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    number: int
    """From 1."""

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))

    @property
    def first(self) -> int:
        """The position (from 1) of the first item shown."""
        return (self.number - 1) * PAGE_SIZE + 1


def _offset(page: int) -> int:
    if page < 1:
        raise InvalidInputError("pages count from 1", details={"field": "page"})
    return (page - 1) * PAGE_SIZE


def backorder_queue(
    uow: UnitOfWork, which: QueueFilter, *, sort: str = "serving", page: int = 1
) -> Page[dict[str, Any]]:
    """Waiting lines, by default in serving order (priority, then oldest first)."""
    if sort not in QUEUE_SORTS:
        raise InvalidInputError(
            f"sort by one of {', '.join(QUEUE_SORTS)}",
            details={"field": "sort", "allowed": list(QUEUE_SORTS)},
        )
    with uow.read() as tx:
        rows, total = tx.reports.queue_page(which, sort=sort, offset=_offset(page), limit=PAGE_SIZE)
    return Page(rows, total, page)


def supplier_names(uow: UnitOfWork) -> dict[int, str]:
    with uow.read() as tx:
        return tx.reports.supplier_names()


def products(
    uow: UnitOfWork, *, search: str | None, waiting_only: bool, page: int = 1
) -> Page[ProductView]:
    with uow.read() as tx:
        found, total = tx.reports.product_page(
            search=search, waiting_only=waiting_only, offset=_offset(page), limit=PAGE_SIZE
        )
        return Page([product_view(p) for p in found], total, page)


@dataclass(frozen=True, slots=True)
class ProductDetail:
    product: ProductView
    queue: Page[dict[str, Any]]
    incoming: list[OpenSupply]
    suppliers: dict[int, str]
    movements: list[InventoryMovement]


def product_detail(uow: UnitOfWork, sku: str, *, queue_page: int = 1) -> ProductDetail:
    """A product's stock, its queue (a page of it), what is coming and what moved."""
    with uow.read() as tx:
        product = find_product(tx, sku)
        rows, total = tx.reports.queue_page(
            QueueFilter(sku=sku), sort="serving", offset=_offset(queue_page), limit=PAGE_SIZE
        )
        return ProductDetail(
            product=product_view(product),
            queue=Page(rows, total, queue_page),
            incoming=tx.purchasing.open_supply(product.id),
            suppliers=tx.reports.supplier_names(),
            movements=tx.ledger.history(product.id, limit=PAGE_SIZE),
        )


@dataclass(frozen=True, slots=True)
class OrderRow:
    order: OrderView
    customer_name: str


def orders(uow: UnitOfWork, *, search: str | None, page: int = 1) -> Page[OrderRow]:
    """Orders newest first; ``search`` is an order or customer id, or part of a customer's
    name or email."""
    with uow.read() as tx:
        found, names, total = tx.reports.order_page(
            search=search, offset=_offset(page), limit=PAGE_SIZE
        )
        rows = [OrderRow(order_view(o), names.get(o.customer_id, "")) for o in found]
    return Page(rows, total, page)


@dataclass(frozen=True, slots=True)
class LineDetail:
    product_name: str
    eta_source: str | None
    promised_ship_date: date | None


@dataclass(frozen=True, slots=True)
class OrderDetail:
    order: OrderView
    customer: CustomerView
    lines: dict[int, LineDetail]
    """What the order view leaves out, by line id."""
    history: list[Event]
    shipments: list[Shipment]


def order_detail(uow: UnitOfWork, order_id: int) -> OrderDetail:
    with uow.read() as tx:
        order = load_order(tx, order_id)
        customer = tx.customers.get(order.customer_id)
        assert customer is not None
        return OrderDetail(
            order=order_view(order),
            customer=customer_view(customer),
            lines={
                ln.id: LineDetail(ln.product.name, ln.eta_source, ln.promised_ship_date)
                for ln in order.lines
            },
            history=tx.reports.order_history(order_id),
            shipments=tx.reports.shipments(order_id),
        )


def purchase_orders(
    uow: UnitOfWork,
    *,
    status: str | None,
    due_after: date | None = None,
    due_before: date | None = None,
    page: int = 1,
) -> tuple[Page[PurchaseOrderView], dict[int, str]]:
    """Purchase orders newest first, and the suppliers' names."""
    with uow.read() as tx:
        found, total = tx.reports.purchase_order_page(
            status=status,
            due_after=due_after,
            due_before=due_before,
            offset=_offset(page),
            limit=PAGE_SIZE,
        )
        skus = tx.purchasing.skus(line.product_id for po in found for line in po.lines)
        views = [po_view(tx, po, skus=skus) for po in found]
        return Page(views, total, page), tx.reports.supplier_names()


@dataclass(frozen=True, slots=True)
class DockOrder:
    """An order that can ship now: on the cross-dock list after a receipt."""

    order_id: int
    customer_name: str
    ship_policy: str
    units: int


def cross_dock(uow: UnitOfWork, order_ids: list[int]) -> list[DockOrder]:
    with uow.read() as tx:
        ready = tx.orders.shippable(order_ids=order_ids, limit=len(order_ids))
        names = tx.reports.customer_names({r.customer_id for r in ready})
    return [
        DockOrder(r.order_id, names.get(r.customer_id, ""), r.ship_policy, r.units) for r in ready
    ]


@dataclass(frozen=True, slots=True)
class CoverSummary:
    """What a suggested line covers, short enough for a page: the full list can run to
    thousands of orders."""

    units: int
    orders: int
    first_orders: list[int]


@dataclass(frozen=True, slots=True)
class DraftTotal:
    """One supplier's draft purchase order, in sum."""

    supplier_id: int
    expected_date: date
    lines: int
    units: int


@dataclass(frozen=True, slots=True)
class PlanLine:
    sku: str
    name: str
    supplier_id: int
    qty: int
    covers: CoverSummary
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PurchasingPlan:
    drafts: list[DraftTotal]
    lines: Page[PlanLine]
    """By supplier, then SKU; only this page's covers are worked out."""
    unsourced: list[str]
    suppliers: dict[int, str]


def purchasing_plan(uow: UnitOfWork, *, page: int = 1, today: date | None = None) -> PurchasingPlan:
    """The suggestions as a buyer reads them: each supplier's draft in sum, then a page
    of its lines with the orders each covers."""
    today = today or utcnow().date()
    offset = _offset(page)
    store_forecasts(uow, today)
    with uow.read() as tx:
        needs, unsourced = find_needs(tx, today=today)
        needs.sort(key=lambda n: (n.supplier_id, n.sku))
        shown = needs[offset : offset + PAGE_SIZE]
        names = tx.products.names([n.sku for n in shown])
        beyond = tx.orders.uncovered_orders(
            {n.product_id: n.covered for n in shown}, first=COVERS_SHOWN
        )
        lines = [
            PlanLine(
                n.sku, names.get(n.sku, ""), n.supplier_id, n.qty, _covers(n, beyond), n.reasons
            )
            for n in shown
        ]
        suppliers = tx.reports.supplier_names()
    dates = expected_dates(needs, today=today)
    totals: dict[int, list[int]] = {}
    for need in needs:
        total = totals.setdefault(need.supplier_id, [0, 0])
        total[0] += 1
        total[1] += need.qty
    drafts = [DraftTotal(sid, dates[sid], n, units) for sid, (n, units) in sorted(totals.items())]
    return PurchasingPlan(drafts, Page(lines, len(needs), page), unsourced, suppliers)


def _covers(need: Need, beyond: dict[int, tuple[int, list[int]]]) -> CoverSummary:
    """The lines ``suggestions.covers`` lists, in sum."""
    orders, first = beyond.get(need.product_id, (0, []))
    return CoverSummary(max(need.waiting - need.covered, 0), orders, first)
