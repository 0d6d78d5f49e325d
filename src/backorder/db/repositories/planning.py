"""What replenishment planning reads: products' counters and targets, daily demand,
measured lead times and the next arrival of each product; and imported demand history."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import ColumnElement, func, select, true
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from backorder.db.models import (
    DemandHistory,
    OrderLine,
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    Receipt,
)
from backorder.db.repositories.purchasing import OPEN_STATUSES
from backorder.db.types import utc_day

UPSERT_BATCH = 5_000
"""Rows per INSERT ... ON CONFLICT statement of an import."""

MANY_SKUS = 500


class PlannedProduct(NamedTuple):
    """A product's counters and replenishment targets (None: the business default)."""

    id: int
    sku: str
    price: Decimal
    lead_time_days: int | None
    on_hand: int
    allocated: int
    backordered: int
    on_order: int
    created_at: datetime
    service_level: float | None
    fill_rate: float | None
    ordering_cost: Decimal | None
    holding_cost_rate: float | None


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


class PlanningRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def products(self, sku: str | None = None) -> list[PlannedProduct]:
        """Every product by SKU (or the one), as plain rows: there may be thousands."""
        which: ColumnElement[bool] = true() if sku is None else Product.sku == sku
        query = (
            select(*(getattr(Product, field) for field in PlannedProduct._fields))
            .where(which)
            .order_by(Product.sku)
        )
        return [PlannedProduct(*row) for row in self.session.connection().execute(query)]

    def daily_demand(
        self, start: date, end: date, product_ids: Iterable[int] | None = None
    ) -> dict[int, dict[date, int]]:
        """Units ordered per product and UTC day in [start, end), plus imported history."""
        ordered = func.sum(OrderLine.ordered)
        day = utc_day(OrderLine.placed_at)
        placed = (
            select(OrderLine.product_id, day, ordered)
            .where(OrderLine.placed_at >= _midnight(start), OrderLine.placed_at < _midnight(end))
            .group_by(OrderLine.product_id, day)
        )
        imported = select(DemandHistory.product_id, DemandHistory.day, DemandHistory.qty).where(
            DemandHistory.day >= start, DemandHistory.day < end
        )
        if product_ids is not None:
            ids = set(product_ids)
            placed = placed.where(OrderLine.product_id.in_(ids))
            imported = imported.where(DemandHistory.product_id.in_(ids))
        demand: dict[int, dict[date, int]] = {}
        connection = self.session.connection()
        for query in (placed, imported):
            for product_id, on, qty in connection.execute(query):
                days = demand.setdefault(product_id, {})
                days[on] = days.get(on, 0) + int(qty)
        return demand

    def first_imported_days(self, product_ids: Iterable[int] | None = None) -> dict[int, date]:
        """The earliest imported day of each product with imported history."""
        query = select(DemandHistory.product_id, func.min(DemandHistory.day)).group_by(
            DemandHistory.product_id
        )
        if product_ids is not None:
            query = query.where(DemandHistory.product_id.in_(set(product_ids)))
        return {int(pid): day for pid, day in self.session.connection().execute(query)}

    def lead_times(self, supplier_ids: Iterable[int], *, since: date) -> dict[int, list[int]]:
        """Days from each purchase order to each receipt against it, per supplier, for
        receipts since a day."""
        ids = set(supplier_ids)
        if not ids:
            return {}
        query = (
            select(Receipt.supplier_id, PurchaseOrder.created_at, Receipt.created_at)
            .join(PurchaseOrder, PurchaseOrder.id == Receipt.purchase_order_id)
            .where(Receipt.supplier_id.in_(ids), Receipt.created_at >= _midnight(since))
        )
        days: dict[int, list[int]] = {}
        for supplier_id, ordered_at, received_at in self.session.execute(query):
            days.setdefault(supplier_id, []).append((received_at.date() - ordered_at.date()).days)
        return days

    def next_arrivals(self, product_ids: Iterable[int] | None = None) -> dict[int, date]:
        """The earliest expected date of each product's open purchase-order lines."""
        query = (
            select(PurchaseOrderLine.product_id, func.min(PurchaseOrder.expected_date))
            .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.purchase_order_id)
            .where(PurchaseOrder.status.in_(OPEN_STATUSES), PurchaseOrderLine.open_qty > 0)
            .group_by(PurchaseOrderLine.product_id)
        )
        if product_ids is not None:
            query = query.where(PurchaseOrderLine.product_id.in_(set(product_ids)))
        return {int(pid): day for pid, day in self.session.execute(query)}

    def put_demand(
        self,
        rows: Sequence[tuple[int, date, int]],
        *,
        now: datetime,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        """Insert or replace imported demand of (product, day), in batches; ``progress``
        hears the size of each batch written."""
        table = DemandHistory.__table__
        dialect = postgresql if self.session.get_bind().dialect.name == "postgresql" else sqlite
        for start in range(0, len(rows), UPSERT_BATCH):
            batch = [
                {"product_id": pid, "day": day, "qty": qty, "imported_at": now}
                for pid, day, qty in rows[start : start + UPSERT_BATCH]
            ]
            insert = dialect.insert(table)
            upsert = insert.on_conflict_do_update(
                index_elements=["product_id", "day"],
                set_={"qty": insert.excluded.qty, "imported_at": insert.excluded.imported_at},
            )
            self.session.execute(upsert, batch)
            if progress is not None:
                progress(len(batch))

    def product_ids(self, skus: set[str]) -> dict[str, int]:
        """Product ids by SKU. Beyond a few hundred SKUs every product is read: an IN list
        of thousands of parameters costs more, and SQLite caps their number."""
        query = select(Product.sku, Product.id)
        if len(skus) <= MANY_SKUS:
            query = query.where(Product.sku.in_(skus))
        return {
            str(sku): int(pid)
            for sku, pid in self.session.connection().execute(query)
            if sku in skus
        }
