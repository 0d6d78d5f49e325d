"""The dashboard's reads: figures, filtered pages and chart series.

Every query here answers from an index or from the products' counters, and every list is
a page: the dashboard must stay fast with 100,000 lines waiting (``bench/dashboard.py``).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import Session, selectinload

from backorder.db.models import (
    SERVING,
    WAITING,
    BacklogSnapshot,
    Customer,
    Event,
    Order,
    OrderLine,
    Product,
    PurchaseOrder,
    Receipt,
    Shipment,
    Supplier,
    SupplierProduct,
)
from backorder.db.repositories.purchasing import OPEN_STATUSES
from backorder.domain.model import MAX_ID

Q = TypeVar("Q", bound="Select[*tuple[Any, ...]]")

QUEUE_SORTS = {
    "serving": SERVING,
    "waiting": (OrderLine.placed_at, OrderLine.id),
    "eta": (OrderLine.estimated_ship_date.nulls_last(), OrderLine.id),
}
"""Ways to sort the queue, each along an index of waiting lines."""


def is_id(term: str) -> bool:
    """Whether a search term can be a row's id (ASCII digits, within a 64-bit key)."""
    return term.isascii() and term.isdigit() and int(term) <= MAX_ID


@dataclass(frozen=True, slots=True)
class QueueFilter:
    sku: str | None = None
    customer: str | None = None
    """A customer id, or part of a name or email."""
    supplier_id: int | None = None
    overdue_on: date | None = None
    """Only lines whose ETA is before this day."""


@dataclass(frozen=True, slots=True)
class Backlog:
    lines: int
    units: int
    value: Decimal


@dataclass(frozen=True, slots=True)
class OldestLine:
    order_id: int
    line_id: int
    placed_at: datetime


class ReportRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # Figures -----------------------------------------------------------------------

    def backlog(self) -> Backlog:
        """Units and value from the products' counters; lines from the waiting index."""
        units, value = self.session.execute(
            select(
                func.coalesce(func.sum(Product.backordered), 0),
                func.coalesce(func.sum(Product.backordered * Product.price), 0),
            ).where(Product.backordered > 0)
        ).one()
        lines = self.session.scalar(select(func.count()).select_from(OrderLine).where(WAITING))
        return Backlog(int(lines or 0), int(units), Decimal(value))

    def oldest_waiting(self) -> OldestLine | None:
        query = (
            select(OrderLine.order_id, OrderLine.id, OrderLine.placed_at)
            .where(WAITING)
            .order_by(OrderLine.placed_at, OrderLine.id)
            .limit(1)
        )
        row = self.session.execute(query).first()
        return None if row is None else OldestLine(*row)

    def past_eta(self, today: date) -> int:
        query = select(func.count()).where(WAITING, OrderLine.estimated_ship_date < today)
        return int(self.session.scalar(query) or 0)

    def out_of_stock_waiting(self) -> int:
        """Products with customers waiting and nothing available to give them."""
        query = select(func.count()).where(
            Product.backordered > 0, Product.on_hand - Product.allocated <= 0
        )
        return int(self.session.scalar(query) or 0)

    def purchase_orders_due(self, *, after: date | None, before: date) -> int:
        """Open purchase orders expected before ``before`` (and on or after ``after``)."""
        query = select(func.count()).where(
            PurchaseOrder.status.in_(OPEN_STATUSES), PurchaseOrder.expected_date < before
        )
        if after is not None:
            query = query.where(PurchaseOrder.expected_date >= after)
        return int(self.session.scalar(query) or 0)

    # The queue ---------------------------------------------------------------------

    def queue_page(
        self, which: QueueFilter, *, sort: str, offset: int, limit: int
    ) -> tuple[list[dict[str, Any]], int]:
        """One page of waiting lines, and how many lines match in all.

        The page's line ids are found first, from the index alone, and only those lines
        are joined to their orders, customers and products: joining before the offset
        would join every line skipped on the way to a deep page.
        """
        order = QUEUE_SORTS[sort]
        ids = self._filtered(select(OrderLine.id), which)
        page = ids.order_by(*order).offset(offset).limit(limit).subquery()
        rows = (
            select(
                OrderLine.id.label("line_id"),
                OrderLine.order_id,
                OrderLine.backordered,
                OrderLine.priority,
                OrderLine.placed_at,
                OrderLine.estimated_ship_date,
                OrderLine.eta_source,
                Order.customer_id,
                Customer.name.label("customer_name"),
                Product.sku,
                Product.name.label("product_name"),
            )
            .join(page, page.c.id == OrderLine.id)
            .join(Order, Order.id == OrderLine.order_id)
            .join(Customer, Customer.id == Order.customer_id)
            .join(Product, Product.id == OrderLine.product_id)
            .order_by(*order)
        )
        count = self._filtered(select(func.count()).select_from(OrderLine), which)
        found = [dict(row) for row in self.session.execute(rows).mappings()]
        return found, int(self.session.scalar(count) or 0)

    def _filtered(self, query: Q, which: QueueFilter) -> Q:
        query = query.where(WAITING)
        if which.sku is not None:
            # The id itself, not a subquery: PostgreSQL then knows how long the product's
            # queue is and plans a hot product's 20,000 lines accordingly.
            product_id = self.session.scalar(select(Product.id).where(Product.sku == which.sku))
            query = query.where(OrderLine.product_id == product_id)
        if which.customer is not None:
            orders = select(Order.id).where(Order.customer_id.in_(self._customers(which.customer)))
            query = query.where(OrderLine.order_id.in_(orders))
        if which.supplier_id is not None:
            supplied = select(SupplierProduct.product_id).where(
                SupplierProduct.supplier_id == which.supplier_id
            )
            query = query.where(OrderLine.product_id.in_(supplied))
        if which.overdue_on is not None:
            query = query.where(OrderLine.estimated_ship_date < which.overdue_on)
        return query

    @staticmethod
    def _customers(term: str) -> Select[int]:
        if is_id(term):
            return select(Customer.id).where(Customer.id == int(term))
        pattern = f"%{term.lower()}%"
        return select(Customer.id).where(
            or_(func.lower(Customer.name).like(pattern), func.lower(Customer.email).like(pattern))
        )

    # Products, orders, purchase orders ------------------------------------------------

    def product_page(
        self, *, search: str | None, waiting_only: bool, offset: int, limit: int
    ) -> tuple[list[Product], int]:
        query = select(Product)
        if search:
            pattern = f"%{search.lower()}%"
            query = query.where(
                or_(func.lower(Product.sku).like(pattern), func.lower(Product.name).like(pattern))
            )
        if waiting_only:
            query = query.where(Product.backordered > 0, Product.on_hand - Product.allocated <= 0)
        total = self.session.scalar(select(func.count()).select_from(query.subquery()))
        page = self.session.scalars(query.order_by(Product.sku).offset(offset).limit(limit))
        return list(page), int(total or 0)

    def order_page(
        self, *, search: str | None, offset: int, limit: int
    ) -> tuple[list[Order], dict[int, str], int]:
        """Orders newest first, with their lines and the names of their customers."""
        query = select(Order)
        if search:
            match = Order.customer_id.in_(self._customers(search))
            query = query.where(or_(Order.id == int(search), match) if is_id(search) else match)
        total = self.session.scalar(select(func.count()).select_from(query.subquery()))
        orders = list(
            self.session.scalars(
                query.options(selectinload(Order.lines).selectinload(OrderLine.product))
                .order_by(Order.id.desc())
                .offset(offset)
                .limit(limit)
            )
        )
        return orders, self.customer_names({o.customer_id for o in orders}), int(total or 0)

    def customer_names(self, customer_ids: Sequence[int] | set[int]) -> dict[int, str]:
        query = select(Customer.id, Customer.name).where(Customer.id.in_(set(customer_ids)))
        return dict(self.session.execute(query).all())

    def supplier_names(self) -> dict[int, str]:
        return dict(self.session.execute(select(Supplier.id, Supplier.name)).all())

    def order_history(self, order_id: int) -> list[Event]:
        query = select(Event).where(Event.order_id == order_id).order_by(Event.id)
        return list(self.session.scalars(query))

    def shipments(self, order_id: int) -> list[Shipment]:
        query = select(Shipment).where(Shipment.order_id == order_id).order_by(Shipment.id)
        return list(self.session.scalars(query))

    def purchase_order_page(
        self,
        *,
        status: str | None,
        due_after: date | None,
        due_before: date | None,
        offset: int,
        limit: int,
    ) -> tuple[list[PurchaseOrder], int]:
        """Purchase orders, newest first; a due window counts open ones only."""
        query = select(PurchaseOrder)
        if status is not None:
            query = query.where(PurchaseOrder.status == status)
        if due_before is not None:
            query = query.where(
                PurchaseOrder.status.in_(OPEN_STATUSES), PurchaseOrder.expected_date < due_before
            )
        if due_after is not None:
            query = query.where(PurchaseOrder.expected_date >= due_after)
        total = self.session.scalar(select(func.count()).select_from(query.subquery()))
        page = self.session.scalars(
            query.options(selectinload(PurchaseOrder.lines))
            .order_by(PurchaseOrder.id.desc())
            .offset(offset)
            .limit(limit)
        )
        return list(page), int(total or 0)

    # Charts --------------------------------------------------------------------------

    def snapshots(self, since: date) -> list[BacklogSnapshot]:
        query = select(BacklogSnapshot).where(BacklogSnapshot.day >= since)
        return list(self.session.scalars(query.order_by(BacklogSnapshot.day)))

    def put_snapshot(self, day: date, backlog: Backlog, *, at: datetime) -> None:
        self.session.merge(
            BacklogSnapshot(
                day=day, lines=backlog.lines, units=backlog.units, value=backlog.value, taken_at=at
            )
        )

    def top_waiting_products(self, limit: int) -> list[tuple[str, str, int]]:
        """(sku, name, backordered units) of the products with the most units waiting."""
        query = (
            select(Product.sku, Product.name, Product.backordered)
            .where(Product.backordered > 0)
            .order_by(Product.backordered.desc(), Product.sku)
            .limit(limit)
        )
        return [(sku, name, int(units)) for sku, name, units in self.session.execute(query)]

    def waiting_since_counts(self, cutoffs: Sequence[datetime]) -> list[int]:
        """Waiting lines per age band: placed after cutoffs[0], between each pair of
        cutoffs, and before the last one (cutoffs newest first). Each band is its own
        range count on the waiting-since index, which reads only that index."""
        edges: list[datetime | None] = [None, *cutoffs, None]
        bands = []
        for newer, older in itertools.pairwise(edges):
            band = select(func.count()).select_from(OrderLine).where(WAITING)
            if newer is not None:
                band = band.where(OrderLine.placed_at <= newer)
            if older is not None:
                band = band.where(OrderLine.placed_at > older)
            bands.append(band.scalar_subquery())
        return [int(n or 0) for n in self.session.execute(select(*bands)).one()]

    def on_time_by_supplier(self) -> list[tuple[str, int, int]]:
        """(supplier name, receipts, receipts on time or early) per supplier with receipts."""
        on_time = func.sum(case((Receipt.days_late <= 0, 1), else_=0))
        query = (
            select(Supplier.name, func.count(Receipt.id), on_time)
            .join(Receipt, Receipt.supplier_id == Supplier.id)
            .group_by(Supplier.id, Supplier.name)
            .order_by(Supplier.name)
        )
        return [(name, int(n), int(ok)) for name, n, ok in self.session.execute(query)]
