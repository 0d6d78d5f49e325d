"""Suppliers, supplier products, purchase orders and receipts.

Lock order continues the one in ``products``: product rows first (by id), then the
purchase order row. Open supply is read under the product lock, so it can't change
while a use case pegs it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import Select, bindparam, func, select, update
from sqlalchemy.orm import Session, selectinload

from backorder.db.filters import among
from backorder.db.models import (
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    Receipt,
    ReceiptLine,
    Supplier,
    SupplierProduct,
)
from backorder.domain.purchasing import SupplierOffer

OPEN_STATUSES = ("open", "partially_received")

_offer_columns = SupplierProduct.__table__.c
_OFFERS = select(
    _offer_columns.product_id,
    _offer_columns.supplier_id,
    _offer_columns.cost,
    func.coalesce(_offer_columns.lead_time_days, Supplier.lead_time_days),
    _offer_columns.min_order_qty,
    _offer_columns.pack_size,
    _offer_columns.preferred,
).join(Supplier, Supplier.id == _offer_columns.supplier_id)
_OFFERS_OF = _OFFERS.where(_offer_columns.product_id == bindparam("product_id"))


@dataclass(frozen=True, slots=True)
class OpenSupply:
    """The open rest of one purchase-order line."""

    po_line_id: int
    purchase_order_id: int
    supplier_id: int
    qty: int
    expected_date: date


class PurchasingRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, *rows: object) -> None:
        self.session.add_all(rows)
        self.session.flush()

    def supplier(self, supplier_id: int) -> Supplier | None:
        return self.session.get(Supplier, supplier_id)

    def suppliers(self, *, offset: int, limit: int) -> list[Supplier]:
        query = select(Supplier).order_by(Supplier.id).offset(offset).limit(limit)
        return list(self.session.scalars(query))

    def supplier_product(self, supplier_id: int, product_id: int) -> SupplierProduct | None:
        query = select(SupplierProduct).where(
            SupplierProduct.supplier_id == supplier_id, SupplierProduct.product_id == product_id
        )
        return self.session.scalar(query)

    def clear_preferred(self, product_id: int) -> None:
        self.session.execute(
            update(SupplierProduct)
            .where(SupplierProduct.product_id == product_id)
            .values(preferred=False)
            .execution_options(synchronize_session=False)
        )

    def offers(self, product_ids: Collection[int]) -> dict[int, list[SupplierOffer]]:
        """Every supplier's offer per product; a missing lead time is the supplier's."""
        offers: dict[int, list[SupplierOffer]] = {}
        query = among(_OFFERS, _offer_columns.product_id, product_ids)
        # Through the connection: plain rows, without the ORM's result machinery.
        for product_id, *offer in self.session.connection().execute(query):
            offers.setdefault(product_id, []).append(SupplierOffer(*offer))
        return offers

    def offers_of(self, product_id: int) -> list[SupplierOffer]:
        """One product's offers, by a statement built once: dating a waiting line of a
        new order reads them, inside the product's lock."""
        rows = self.session.connection().execute(_OFFERS_OF, {"product_id": product_id})
        return [SupplierOffer(*offer) for _, *offer in rows]

    def purchase_order(self, po_id: int) -> PurchaseOrder | None:
        """The purchase order with its lines, fresh from the database."""
        return self.session.scalar(self._with_lines(po_id))

    def lock_purchase_order(self, po_id: int) -> PurchaseOrder | None:
        """The same, with its row locked FOR UPDATE: call after locking its products."""
        return self.session.scalar(self._with_lines(po_id).with_for_update())

    @staticmethod
    def _with_lines(po_id: int) -> Select[PurchaseOrder]:
        return (
            select(PurchaseOrder)
            .where(PurchaseOrder.id == po_id)
            .options(selectinload(PurchaseOrder.lines))
            .execution_options(populate_existing=True)
        )

    def product_ids(self, po_id: int) -> list[int]:
        query = select(PurchaseOrderLine.product_id).where(
            PurchaseOrderLine.purchase_order_id == po_id
        )
        return list(self.session.scalars(query))

    def purchase_orders(
        self, *, supplier_id: int | None, status: str | None, offset: int, limit: int
    ) -> list[PurchaseOrder]:
        query = select(PurchaseOrder).options(selectinload(PurchaseOrder.lines))
        if supplier_id is not None:
            query = query.where(PurchaseOrder.supplier_id == supplier_id)
        if status is not None:
            query = query.where(PurchaseOrder.status == status)
        query = query.order_by(PurchaseOrder.id.desc()).offset(offset).limit(limit)
        return list(self.session.scalars(query))

    def skus(self, product_ids: Iterable[int]) -> dict[int, str]:
        query = select(Product.id, Product.sku).where(Product.id.in_(set(product_ids)))
        return {int(row[0]): str(row[1]) for row in self.session.execute(query)}

    def open_supply(self, product_id: int) -> list[OpenSupply]:
        """Open purchase-order lines of a product, earliest expected first."""
        query = (
            select(
                PurchaseOrderLine.id,
                PurchaseOrder.id,
                PurchaseOrder.supplier_id,
                PurchaseOrderLine.open_qty,
                PurchaseOrder.expected_date,
            )
            .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.purchase_order_id)
            .where(
                PurchaseOrderLine.product_id == product_id,
                PurchaseOrder.status.in_(OPEN_STATUSES),
                PurchaseOrderLine.open_qty > 0,
            )
            .order_by(PurchaseOrder.expected_date, PurchaseOrderLine.id)
        )
        return [OpenSupply(*row) for row in self.session.execute(query)]

    def days_late(
        self, supplier_ids: Iterable[int], *, before: date | None, recent: int | None = None
    ) -> dict[int, list[int]]:
        """Days late of each supplier's receipts: all, or those before a day; only the
        ``recent`` latest of them when given (one indexed query per supplier, so dating
        an order inside its product's lock never reads a supplier's whole history)."""
        history: dict[int, list[int]] = {}
        for supplier_id in sorted(set(supplier_ids)):
            query = select(Receipt.days_late).where(Receipt.supplier_id == supplier_id)
            if before is not None:
                query = query.where(Receipt.created_at < datetime.combine(before, time(), UTC))
            if recent is not None:
                query = query.order_by(Receipt.created_at.desc(), Receipt.id.desc()).limit(recent)
            days = list(self.session.scalars(query))
            if days:
                history[supplier_id] = days
        return history

    def change_po_line(self, line_id: int, *, received: int = 0, cancelled: int = 0) -> None:
        self.session.execute(
            update(PurchaseOrderLine)
            .where(PurchaseOrderLine.id == line_id)
            .values(
                received=PurchaseOrderLine.received + received,
                cancelled=PurchaseOrderLine.cancelled + cancelled,
            )
            .execution_options(synchronize_session=False)
        )

    def set_status(self, po: PurchaseOrder, status: str) -> None:
        po.status = status
        self.session.flush()

    def has_receipt(self, idempotency_key: str) -> bool:
        query = select(Receipt.id).where(Receipt.idempotency_key == idempotency_key)
        return self.session.scalar(query) is not None

    def add_receipt(self, receipt: Receipt, lines: Iterable[ReceiptLine]) -> None:
        self.add(receipt)
        for line in lines:
            line.receipt_id = receipt.id
            self.session.add(line)
        self.session.flush()

    def on_order_by_product(self) -> dict[int, int]:
        """Open purchase-order quantity per product: what ``on_order`` must be."""
        query = select(PurchaseOrderLine.product_id, func.sum(PurchaseOrderLine.open_qty)).group_by(
            PurchaseOrderLine.product_id
        )
        return {pid: int(total) for pid, total in self.session.execute(query)}
