"""What replenishment planning reads: products' counters and targets, daily demand,
measured lead times and the next arrival of each product; and imported demand history."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import ColumnElement, Date, func, literal, select, text, true, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from backorder.db.copying import copy_rows
from backorder.db.filters import among
from backorder.db.models import (
    DemandForecast,
    DemandHistory,
    OrderLine,
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    Receipt,
)
from backorder.db.repositories.purchasing import OPEN_STATUSES
from backorder.db.types import days_after, utc_day
from backorder.domain.forecast import Classification, Forecast, Method, Pattern

UPSERT_BATCH = 5_000
"""Rows per executemany of an import on SQLite, between two progress reports."""

# Enum members by value: calling the enum costs more than the rest of reading a row.
PATTERNS = {p.value: p for p in Pattern}
METHODS = {m.value: m for m in Method}


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
    demand_version: int


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
        self, start: date, end: date, product_ids: Collection[int] | None = None
    ) -> dict[int, list[int]]:
        """Units ordered per product and UTC day in [start, end), plus imported history:
        a list per product with demand, one figure a day from ``start``."""
        begin = literal(start, Date)
        ordered = func.sum(OrderLine.ordered)
        placed_on = days_after(begin, utc_day(OrderLine.placed_at))
        placed = (
            select(OrderLine.product_id, placed_on, ordered)
            .where(OrderLine.placed_at >= _midnight(start), OrderLine.placed_at < _midnight(end))
            .group_by(OrderLine.product_id, placed_on)
        )
        imported = select(
            DemandHistory.product_id, days_after(begin, DemandHistory.day), DemandHistory.qty
        ).where(DemandHistory.day >= start, DemandHistory.day < end)
        placed = among(placed, OrderLine.product_id, product_ids)
        imported = among(imported, DemandHistory.product_id, product_ids)
        span = (end - start).days
        demand: dict[int, list[int]] = {}
        connection = self.session.connection()
        for query in (placed, imported):
            # fetchall: row by row, SQLAlchemy's iteration costs seconds on a million rows.
            for product_id, offset, qty in connection.execute(query).fetchall():
                days = demand.get(product_id)
                if days is None:
                    days = demand[product_id] = [0] * span
                days[offset] += int(qty)
        return demand

    def stored_forecasts(
        self, *, as_of: date, window_days: int, product_ids: Collection[int] | None = None
    ) -> dict[int, tuple[int, Forecast]]:
        """Forecasts made for ``as_of`` over a window of ``window_days``, with the demand
        version each was made from."""
        f = DemandForecast
        query = select(
            f.product_id,
            f.demand_version,
            f.rate,
            f.std,
            f.pattern,
            f.adi,
            f.cv2,
            f.method,
            f.days,
            f.demand_days,
        ).where(f.as_of == as_of, f.window_days == window_days)
        query = among(query, f.product_id, product_ids)
        stored = {}
        for pid, version, rate, std, pattern, adi, cv2, method, days, demand_days in (
            self.session.connection().execute(query).fetchall()
        ):
            kind = Classification(PATTERNS[pattern], adi, cv2)
            stored[pid] = (version, Forecast(rate, std, kind, METHODS[method], days, demand_days))
        return stored

    def stored_versions(self, *, as_of: date, window_days: int) -> dict[int, int]:
        """The demand version behind each product's stored forecast for ``as_of`` and the
        window: all it takes to know which ones still hold."""
        f = DemandForecast
        query = select(f.product_id, f.demand_version).where(
            f.as_of == as_of, f.window_days == window_days
        )
        return {int(pid): int(v) for pid, v in self.session.connection().execute(query)}

    def put_forecasts(
        self, forecasts: Sequence[tuple[int, int, Forecast]], *, as_of: date, window_days: int
    ) -> None:
        """Store (product, demand version, forecast) rows, replacing older ones."""
        rows = [
            {
                "product_id": pid,
                "as_of": as_of,
                "window_days": window_days,
                "demand_version": version,
                "rate": f.rate,
                "std": f.std,
                "pattern": f.classification.pattern.value,
                "method": f.method.value,
                "adi": f.classification.adi,
                "cv2": f.classification.cv2,
                "days": f.days,
                "demand_days": f.demand_days,
            }
            for pid, version, f in forecasts
        ]
        if not rows:
            return
        dialect = postgresql if self.session.get_bind().dialect.name == "postgresql" else sqlite
        insert = dialect.insert(DemandForecast)
        changed = {key: insert.excluded[key] for key in rows[0] if key != "product_id"}
        upsert = insert.on_conflict_do_update(index_elements=["product_id"], set_=changed)
        for start in range(0, len(rows), UPSERT_BATCH):
            self.session.execute(upsert, rows[start : start + UPSERT_BATCH])

    def move_demand_versions(self, product_ids: Iterable[int]) -> None:
        """A new demand version for each product: its stored forecast no longer counts.
        Call with the products locked."""
        self.session.execute(
            update(Product)
            .where(Product.id.in_(set(product_ids)))
            .values(demand_version=Product.demand_version + 1)
            .execution_options(synchronize_session=False)
        )

    def first_imported_days(self, product_ids: Collection[int] | None = None) -> dict[int, date]:
        """The earliest imported day of each product with imported history."""
        query = select(DemandHistory.product_id, func.min(DemandHistory.day)).group_by(
            DemandHistory.product_id
        )
        query = among(query, DemandHistory.product_id, product_ids)
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

    def next_arrivals(self, product_ids: Collection[int] | None = None) -> dict[int, date]:
        """The earliest expected date of each product's open purchase-order lines."""
        query = (
            select(PurchaseOrderLine.product_id, func.min(PurchaseOrder.expected_date))
            .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.purchase_order_id)
            .where(PurchaseOrder.status.in_(OPEN_STATUSES), PurchaseOrderLine.open_qty > 0)
            .group_by(PurchaseOrderLine.product_id)
        )
        query = among(query, PurchaseOrderLine.product_id, product_ids)
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
        report = progress or (lambda _: None)
        if self.session.get_bind().dialect.name == "postgresql":
            self._copy_demand(rows, now=now, progress=report)
            return
        insert = sqlite.insert(DemandHistory)
        upsert = insert.on_conflict_do_update(
            index_elements=["product_id", "day"],
            set_={"qty": insert.excluded.qty, "imported_at": insert.excluded.imported_at},
        )
        for start in range(0, len(rows), UPSERT_BATCH):
            batch = rows[start : start + UPSERT_BATCH]
            self.session.execute(
                upsert,
                [{"product_id": p, "day": d, "qty": q, "imported_at": now} for p, d, q in batch],
            )
            report(len(batch))

    def _copy_demand(
        self,
        rows: Sequence[tuple[int, date, int]],
        *,
        now: datetime,
        progress: Callable[[int], None],
    ) -> None:
        """PostgreSQL: COPY into a temporary table, then one INSERT ... ON CONFLICT. Row by
        row (even pipelined) took 5 s for 100,000 rows; this takes a fraction of one."""
        connection = self.session.connection()
        connection.exec_driver_sql(
            "CREATE TEMPORARY TABLE demand_import (product_id bigint, day date, qty bigint) "
            "ON COMMIT DROP"
        )
        copy_rows(
            connection, "demand_import", ("product_id", "day", "qty"), rows, progress=progress
        )
        connection.execute(
            text(
                "INSERT INTO demand_history (product_id, day, qty, imported_at) "
                "SELECT product_id, day, qty, :now FROM demand_import "
                "ON CONFLICT (product_id, day) DO UPDATE "
                "SET qty = excluded.qty, imported_at = excluded.imported_at"
            ),
            {"now": now},
        )

    def product_ids(self, skus: set[str]) -> dict[str, int]:
        """Product ids by SKU."""
        query = among(select(Product.sku, Product.id), Product.sku, skus)
        return {
            str(sku): int(pid)
            for sku, pid in self.session.connection().execute(query)
            if sku in skus
        }
