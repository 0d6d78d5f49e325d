"""Suppliers, suggestions, purchase orders, receipts and the cross-dock list."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from backorder.api.deps import Uow, require
from backorder.api.schemas import (
    MAX_ID,
    PathId,
    PurchaseOrderCreate,
    PurchaseOrderRead,
    PurchaseOrderStatus,
    PurchaseOrderUpdate,
    ReadyOrderRead,
    ReceiptCreate,
    ReceiptRead,
    SuggestionRead,
    SupplierCreate,
    SupplierProductCreate,
    SupplierProductRead,
    SupplierRead,
)
from backorder.domain.access import Action
from backorder.services import purchase_orders, receiving, suggestions, suppliers

router = APIRouter(tags=["purchasing"])

Offset = Annotated[int, Query(ge=0, le=10**9)]
Limit = Annotated[int, Query(ge=1, le=1000)]
purchase = [Depends(require(Action.PURCHASE))]


@router.post("/suppliers", status_code=201, dependencies=purchase)
def create_supplier(body: SupplierCreate, uow: Uow) -> SupplierRead:
    view = suppliers.create_supplier(
        uow, name=body.name, email=str(body.email), lead_time_days=body.lead_time_days
    )
    return SupplierRead.model_validate(view)


@router.get("/suppliers", dependencies=purchase)
def list_suppliers(uow: Uow, offset: Offset = 0, limit: Limit = 100) -> list[SupplierRead]:
    views = suppliers.list_suppliers(uow, offset=offset, limit=limit)
    return [SupplierRead.model_validate(v) for v in views]


@router.get("/suppliers/{supplier_id}", dependencies=purchase)
def get_supplier(supplier_id: PathId, uow: Uow) -> SupplierRead:
    """With the supplier's on-time rate and days late over its receipts."""
    return SupplierRead.model_validate(suppliers.get_supplier(uow, supplier_id))


@router.post("/suppliers/{supplier_id}/products", status_code=201, dependencies=purchase)
def add_supplier_product(
    supplier_id: PathId, body: SupplierProductCreate, uow: Uow
) -> SupplierProductRead:
    new = suppliers.NewSupplierProduct(**body.model_dump())
    return SupplierProductRead.model_validate(suppliers.add_supplier_product(uow, supplier_id, new))


@router.get("/purchase-orders/suggestions", dependencies=purchase)
def get_suggestions(uow: Uow) -> list[SuggestionRead]:
    """The backlog that stock and open purchase orders don't cover, one draft per
    supplier; products with no supplier are left out (their lines show no ETA)."""
    drafts = suggestions.suggest_purchase_orders(uow).drafts
    return [SuggestionRead.model_validate(d) for d in drafts]


@router.post("/purchase-orders/from-suggestions", status_code=201, dependencies=purchase)
def create_from_suggestions(uow: Uow) -> list[PurchaseOrderRead]:
    views = suggestions.create_from_suggestions(uow)
    return [PurchaseOrderRead.model_validate(v) for v in views]


@router.post("/purchase-orders", status_code=201, dependencies=purchase)
def create_purchase_order(body: PurchaseOrderCreate, uow: Uow) -> PurchaseOrderRead:
    new = purchase_orders.NewPurchaseOrder(
        supplier_id=body.supplier_id,
        lines=[(line.sku, line.qty) for line in body.lines],
        expected_date=body.expected_date,
    )
    return PurchaseOrderRead.model_validate(purchase_orders.create_purchase_order(uow, new))


@router.get("/purchase-orders", dependencies=purchase)
def list_purchase_orders(
    uow: Uow,
    supplier_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    status: PurchaseOrderStatus | None = None,
    offset: Offset = 0,
    limit: Limit = 100,
) -> list[PurchaseOrderRead]:
    views = purchase_orders.list_purchase_orders(
        uow, supplier_id=supplier_id, status=status, offset=offset, limit=limit
    )
    return [PurchaseOrderRead.model_validate(v) for v in views]


@router.get("/purchase-orders/{po_id}", dependencies=purchase)
def get_purchase_order(po_id: PathId, uow: Uow) -> PurchaseOrderRead:
    return PurchaseOrderRead.model_validate(purchase_orders.get_purchase_order(uow, po_id))


@router.patch("/purchase-orders/{po_id}", dependencies=purchase)
def reschedule_purchase_order(
    po_id: PathId, body: PurchaseOrderUpdate, uow: Uow
) -> PurchaseOrderRead:
    """A supplier's new date: ETAs of the lines it fills are recomputed at once."""
    view = purchase_orders.reschedule_purchase_order(uow, po_id, body.expected_date)
    return PurchaseOrderRead.model_validate(view)


@router.post("/purchase-orders/{po_id}/cancel", dependencies=purchase)
def cancel_purchase_order(po_id: PathId, uow: Uow) -> PurchaseOrderRead:
    """Cancel what has not been received."""
    return PurchaseOrderRead.model_validate(purchase_orders.cancel_purchase_order(uow, po_id))


@router.post(
    "/purchase-orders/{po_id}/receipts",
    status_code=201,
    dependencies=[Depends(require(Action.RECEIVE_STOCK))],
)
def receive(po_id: PathId, body: ReceiptCreate, uow: Uow) -> ReceiptRead:
    """Stock arrives and is allocated at once; ``ready_to_ship`` is the cross-dock list."""
    lines = [(line.sku, line.qty) for line in body.lines]
    return ReceiptRead.model_validate(receiving.receive_purchase_order(uow, po_id, lines))


@router.get("/shipments/ready", dependencies=[Depends(require(Action.SHIP_ORDER))])
def ready_shipments(uow: Uow, offset: Offset = 0, limit: Limit = 100) -> list[ReadyOrderRead]:
    """Every order that can ship now under its ship policy, oldest first."""
    rows = receiving.ready_shipments(uow, offset=offset, limit=limit)
    return [ReadyOrderRead.model_validate(r) for r in rows]
