"""Purchase orders: create, read, list, reschedule, cancel the unreceived rest.

Open quantity counts as the product's ``on_order``. Lock order: the products of the
purchase order (by id), then its row. Every change re-pegs the products it touches.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from backorder.db.models import PurchaseOrder, PurchaseOrderLine, Supplier
from backorder.db.repositories.purchasing import OPEN_STATUSES
from backorder.db.uow import Transaction, UnitOfWork, retrying
from backorder.domain.errors import ConflictError, InvalidInputError, NotFoundError
from backorder.domain.model import Stock
from backorder.domain.purchasing import SupplierOffer
from backorder.services import outbox
from backorder.services.clock import utcnow
from backorder.services.etas import refresh_etas
from backorder.services.orders import lock_stock
from backorder.services.suppliers import find_supplier


@dataclass(frozen=True, slots=True)
class PurchaseOrderLineView:
    id: int
    sku: str
    ordered: int
    received: int
    cancelled: int
    open: int


@dataclass(frozen=True, slots=True)
class PurchaseOrderView:
    id: int
    supplier_id: int
    status: str
    expected_date: date
    created_at: datetime
    lines: list[PurchaseOrderLineView]


def po_view(
    tx: Transaction, po: PurchaseOrder, *, skus: Mapping[int, str] | None = None
) -> PurchaseOrderView:
    """``skus`` (product id to SKU) spares a query when the caller read them for many."""
    if skus is None:
        skus = tx.purchasing.skus(line.product_id for line in po.lines)
    return PurchaseOrderView(
        id=po.id,
        supplier_id=po.supplier_id,
        status=po.status,
        expected_date=po.expected_date,
        created_at=po.created_at,
        lines=[
            PurchaseOrderLineView(
                ln.id, skus[ln.product_id], ln.ordered, ln.received, ln.cancelled, ln.open_qty
            )
            for ln in po.lines
        ],
    )


def add_purchase_order(
    tx: Transaction,
    supplier_id: int,
    lines: Sequence[tuple[int, int]],
    *,
    expected_date: date,
    now: datetime,
) -> PurchaseOrder:
    """Insert an open purchase order of (product_id, qty) lines; the caller holds the
    product locks and re-pegs afterwards."""
    po = PurchaseOrder(
        supplier_id=supplier_id, status="open", expected_date=expected_date, created_at=now
    )
    po.lines = [
        PurchaseOrderLine(product_id=pid, ordered=qty, received=0, cancelled=0)
        for pid, qty in lines
    ]
    tx.purchasing.add(po)
    for pid, qty in lines:
        tx.products.change_counters(pid, on_order=qty)
    skus = tx.purchasing.skus(pid for pid, _ in lines)
    outbox.purchase_order(
        tx,
        "purchase_order.created",
        po_id=po.id,
        supplier_id=supplier_id,
        expected_date=expected_date,
        lines=[(skus[pid], qty) for pid, qty in lines],
        now=now,
    )
    return po


@dataclass(frozen=True, slots=True)
class NewPurchaseOrder:
    supplier_id: int
    lines: Sequence[tuple[str, int]]
    expected_date: date | None = None


@retrying
def create_purchase_order(
    uow: UnitOfWork, new: NewPurchaseOrder, *, now: datetime | None = None
) -> PurchaseOrderView:
    """Without an expected date, the supplier's longest lead time among the lines counts."""
    now = now or utcnow()
    skus = [sku for sku, _ in new.lines]
    if len(set(skus)) != len(skus):
        raise InvalidInputError(
            "a SKU may appear once per purchase order", details={"field": "lines"}
        )
    _check_not_past(new.expected_date, now.date())
    with uow.write() as tx:
        supplier = find_supplier(tx, new.supplier_id)
        products = tx.products.by_skus(skus)
        for sku in skus:
            if sku not in products:
                raise NotFoundError("product", sku)
        ids = [products[sku].id for sku in skus]
        lock_stock(tx, ids)
        offers = tx.purchasing.offers(ids)
        lead = max(_lead_time(offers.get(pid, []), supplier) for pid in ids)
        expected = new.expected_date or now.date() + timedelta(days=lead)
        po = add_purchase_order(
            tx,
            supplier.id,
            [(products[sku].id, qty) for sku, qty in new.lines],
            expected_date=expected,
            now=now,
        )
        refresh_etas(tx, ids, now=now, reason="purchase_order_created")
        view = po_view(tx, po)
        tx.commit()
        return view


def _lead_time(offers: Sequence[SupplierOffer], supplier: Supplier) -> int:
    """This supplier's lead time for one product: its offer's, else its default."""
    mine = [o.lead_time_days for o in offers if o.supplier_id == supplier.id]
    return mine[0] if mine else supplier.lead_time_days


def _check_not_past(expected_date: date | None, today: date) -> None:
    if expected_date is not None and expected_date < today:
        raise InvalidInputError(
            f"expected_date {expected_date} is in the past; give today or a later day",
            details={"field": "expected_date", "today": today.isoformat()},
        )


def _announce_update(tx: Transaction, po: PurchaseOrder, *, now: datetime, **change: str) -> None:
    """``purchase_order.updated``: what the supplier is told of a change."""
    skus = tx.purchasing.skus(ln.product_id for ln in po.lines)
    outbox.purchase_order(
        tx,
        "purchase_order.updated",
        po_id=po.id,
        supplier_id=po.supplier_id,
        expected_date=po.expected_date,
        lines=[(skus[ln.product_id], ln.ordered) for ln in po.lines],
        now=now,
        status=po.status,
        **change,
    )


def find_purchase_order(tx: Transaction, po_id: int) -> PurchaseOrder:
    po = tx.purchasing.purchase_order(po_id)
    if po is None:
        raise NotFoundError("purchase order", po_id)
    return po


def lock_open_purchase_order(tx: Transaction, po_id: int) -> tuple[PurchaseOrder, dict[int, Stock]]:
    """Lock the products of a purchase order, then its row; refuse one that is closed.
    Returns the order and its products' counters."""
    stock = lock_stock(tx, tx.purchasing.product_ids(po_id))
    po = tx.purchasing.lock_purchase_order(po_id)
    if po is None:
        raise NotFoundError("purchase order", po_id)
    if po.status not in OPEN_STATUSES:
        raise ConflictError(
            f"purchase order {po_id} is {po.status}; nothing more can change on it",
            details={"purchase_order_id": po_id, "status": po.status},
        )
    return po, stock


def get_purchase_order(uow: UnitOfWork, po_id: int) -> PurchaseOrderView:
    with uow.read() as tx:
        return po_view(tx, find_purchase_order(tx, po_id))


def list_purchase_orders(
    uow: UnitOfWork, *, supplier_id: int | None, status: str | None, offset: int, limit: int
) -> list[PurchaseOrderView]:
    with uow.read() as tx:
        pos = tx.purchasing.purchase_orders(
            supplier_id=supplier_id, status=status, offset=offset, limit=limit
        )
        return [po_view(tx, po) for po in pos]


@retrying
def reschedule_purchase_order(
    uow: UnitOfWork, po_id: int, expected_date: date, *, now: datetime | None = None
) -> PurchaseOrderView:
    """The supplier's new date; the lines it fills get new ETAs, and later ones a notice."""
    now = now or utcnow()
    _check_not_past(expected_date, now.date())
    with uow.write() as tx:
        po, _ = lock_open_purchase_order(tx, po_id)
        previous = po.expected_date.isoformat()
        po.expected_date = expected_date
        tx.session.flush()
        _announce_update(tx, po, now=now, change="rescheduled", previous_expected_date=previous)
        refresh_etas(
            tx, [ln.product_id for ln in po.lines], now=now, reason="purchase_order_rescheduled"
        )
        view = po_view(tx, po)
        tx.commit()
        return view


@retrying
def cancel_purchase_order(
    uow: UnitOfWork, po_id: int, *, now: datetime | None = None
) -> PurchaseOrderView:
    """Cancel what has not arrived; what has arrived stays received."""
    now = now or utcnow()
    with uow.write() as tx:
        po, _ = lock_open_purchase_order(tx, po_id)
        for line in po.lines:
            if line.open_qty > 0:
                tx.products.change_counters(line.product_id, on_order=-line.open_qty)
                tx.purchasing.change_po_line(line.id, cancelled=line.open_qty)
        tx.purchasing.set_status(po, "cancelled")
        _announce_update(tx, po, now=now, change="cancelled")
        refresh_etas(
            tx, [ln.product_id for ln in po.lines], now=now, reason="purchase_order_cancelled"
        )
        view = po_view(tx, tx.purchasing.purchase_order(po_id) or po)
        tx.commit()
        return view
