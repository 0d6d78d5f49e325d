"""Products, inventory and availability."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from backorder.api.deps import Uow, require
from backorder.api.schemas import (
    MAX_QTY,
    SKU_PATTERN,
    AdjustmentCreate,
    AvailabilityRead,
    InventoryRead,
    ProductCreate,
    ProductRead,
    ProductUpdate,
)
from backorder.domain.access import Action
from backorder.services import catalogue, inventory

router = APIRouter(tags=["products and inventory"])

SkuPath = Annotated[str, Path(min_length=1, max_length=64, pattern=SKU_PATTERN)]
read = [Depends(require(Action.READ_CATALOGUE))]


@router.post(
    "/products",
    status_code=201,
    dependencies=[Depends(require(Action.MANAGE_CATALOGUE))],
)
def create_product(body: ProductCreate, uow: Uow) -> ProductRead:
    new = catalogue.NewProduct(**body.model_dump())
    return ProductRead.model_validate(catalogue.create_product(uow, new))


@router.get("/products", dependencies=read)
def list_products(
    uow: Uow,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[ProductRead]:
    products, _ = catalogue.list_products(uow, offset=offset, limit=limit)
    return [ProductRead.model_validate(p) for p in products]


@router.get("/products/{sku}", dependencies=read)
def get_product(sku: SkuPath, uow: Uow) -> ProductRead:
    return ProductRead.model_validate(catalogue.get_product(uow, sku))


@router.patch("/products/{sku}", dependencies=[Depends(require(Action.MANAGE_CATALOGUE))])
def update_product(sku: SkuPath, body: ProductUpdate, uow: Uow) -> ProductRead:
    """Replenishment targets: a field given replaces the product's own target (null goes
    back to the business setting); a field left out stays."""
    changes = body.model_dump(exclude_unset=True)
    return ProductRead.model_validate(catalogue.update_targets(uow, sku, changes))


@router.get("/products/{sku}/availability", dependencies=read)
def get_availability(
    sku: SkuPath, uow: Uow, qty: Annotated[int, Query(ge=1, le=MAX_QTY)] = 1
) -> AvailabilityRead:
    return AvailabilityRead.model_validate(catalogue.check_availability(uow, sku, qty))


@router.get("/inventory/{sku}", dependencies=read)
def get_inventory(sku: SkuPath, uow: Uow) -> InventoryRead:
    return InventoryRead.model_validate(catalogue.get_inventory(uow, sku))


@router.post(
    "/inventory/{sku}/adjustments", dependencies=[Depends(require(Action.ADJUST_INVENTORY))]
)
def adjust_inventory(sku: SkuPath, body: AdjustmentCreate, uow: Uow) -> InventoryRead:
    view = inventory.adjust_inventory(uow, sku, body.delta, reason=body.reason)
    return InventoryRead.model_validate(view)
