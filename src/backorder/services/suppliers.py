"""Suppliers, the products they supply, and how well they keep their dates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy.exc import IntegrityError

from backorder.db.models import Supplier, SupplierProduct
from backorder.db.uow import Transaction, UnitOfWork
from backorder.domain.errors import ConflictError, NotFoundError
from backorder.domain.purchasing import Performance, performance
from backorder.services.catalogue import find_product
from backorder.services.clock import utcnow
from backorder.services.etas import refresh_etas


@dataclass(frozen=True, slots=True)
class SupplierView:
    id: int
    name: str
    email: str
    lead_time_days: int
    created_at: datetime
    performance: Performance


@dataclass(frozen=True, slots=True)
class SupplierProductView:
    id: int
    supplier_id: int
    sku: str
    cost: Decimal
    lead_time_days: int | None
    min_order_qty: int
    pack_size: int
    preferred: bool


def find_supplier(tx: Transaction, supplier_id: int) -> Supplier:
    supplier = tx.purchasing.supplier(supplier_id)
    if supplier is None:
        raise NotFoundError("supplier", supplier_id)
    return supplier


def _view(tx: Transaction, supplier: Supplier) -> SupplierView:
    history = tx.purchasing.days_late([supplier.id], before=None).get(supplier.id, [])
    return SupplierView(
        id=supplier.id,
        name=supplier.name,
        email=supplier.email,
        lead_time_days=supplier.lead_time_days,
        created_at=supplier.created_at,
        performance=performance(history),
    )


def create_supplier(uow: UnitOfWork, *, name: str, email: str, lead_time_days: int) -> SupplierView:
    with uow.write() as tx:
        supplier = Supplier(
            name=name, email=email, lead_time_days=lead_time_days, created_at=utcnow()
        )
        tx.purchasing.add(supplier)
        view = _view(tx, supplier)
        tx.commit()
        return view


def get_supplier(uow: UnitOfWork, supplier_id: int) -> SupplierView:
    """The supplier with its on-time rate and days late over every receipt so far."""
    with uow.read() as tx:
        return _view(tx, find_supplier(tx, supplier_id))


def list_suppliers(uow: UnitOfWork, *, offset: int, limit: int) -> list[SupplierView]:
    with uow.read() as tx:
        return [_view(tx, s) for s in tx.purchasing.suppliers(offset=offset, limit=limit)]


@dataclass(frozen=True, slots=True)
class NewSupplierProduct:
    sku: str
    cost: Decimal
    lead_time_days: int | None = None
    min_order_qty: int = 1
    pack_size: int = 1
    preferred: bool = False


def add_supplier_product(
    uow: UnitOfWork, supplier_id: int, new: NewSupplierProduct
) -> SupplierProductView:
    """Record what a supplier asks for a product. A product has at most one preferred
    supplier: marking this one preferred unmarks the others."""
    try:
        with uow.write() as tx:
            find_supplier(tx, supplier_id)
            product = find_product(tx, new.sku)
            tx.products.lock([product.id])
            if tx.purchasing.supplier_product(supplier_id, product.id) is not None:
                raise _duplicate(supplier_id, new.sku)
            if new.preferred:
                tx.purchasing.clear_preferred(product.id)
            row = SupplierProduct(
                supplier_id=supplier_id,
                product_id=product.id,
                cost=new.cost,
                lead_time_days=new.lead_time_days,
                min_order_qty=new.min_order_qty,
                pack_size=new.pack_size,
                preferred=new.preferred,
                created_at=utcnow(),
            )
            tx.purchasing.add(row)
            # A new or preferred supplier changes the lead time of lines beyond all supply.
            refresh_etas(tx, [product.id], now=row.created_at, reason="supplier_changed")
            tx.commit()
    except IntegrityError as error:
        raise _duplicate(supplier_id, new.sku) from error
    return SupplierProductView(
        id=row.id,
        supplier_id=supplier_id,
        sku=new.sku,
        cost=new.cost,
        lead_time_days=new.lead_time_days,
        min_order_qty=new.min_order_qty,
        pack_size=new.pack_size,
        preferred=new.preferred,
    )


def _duplicate(supplier_id: int, sku: str) -> ConflictError:
    return ConflictError(
        f"supplier {supplier_id} already supplies {sku!r}",
        details={"supplier_id": supplier_id, "sku": sku},
    )
