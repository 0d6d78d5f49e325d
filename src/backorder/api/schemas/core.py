"""Request and response bodies of the contract in API.md.

Inputs are bounded so that no value can reach the database and fail there: a too-large
number or a NUL byte is a 422 here, never a 500 later.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import Path
from pydantic import BaseModel, ConfigDict, EmailStr, Field

from backorder.domain.model import (
    MAX_ID,
    MAX_PRIORITY,
    MAX_QTY,
    BackorderPolicy,
    LineStatus,
    OrderStatus,
    ShipPolicy,
)
from backorder.domain.replenishment import BOUNDS

__all__ = [
    "MAX_ID",
    "MAX_QTY",
    "SKU_PATTERN",
    "AdjustmentCreate",
    "AvailabilityRead",
    "CancellationCreate",
    "CustomerCreate",
    "CustomerRead",
    "EntityId",
    "Input",
    "InventoryRead",
    "LineCancellationCreate",
    "OrderCreate",
    "OrderLineCreate",
    "OrderLineRead",
    "OrderRead",
    "OrderUpdate",
    "Output",
    "PathId",
    "Priority",
    "ProductCreate",
    "ProductRead",
    "ProductUpdate",
    "Qty",
    "ShipmentCreate",
    "ShipmentLineRead",
    "ShipmentRead",
    "Sku",
    "Text",
    "WaitingLineRead",
]


SKU_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._\-]*$"
Sku = Annotated[str, Field(min_length=1, max_length=64, pattern=SKU_PATTERN, examples=["MUG-01"])]
Text = Annotated[str, Field(min_length=1, pattern=r"^[^\x00-\x1f\x7f]+$")]
Qty = Annotated[int, Field(ge=1, le=MAX_QTY)]
Priority = Annotated[int, Field(ge=-MAX_PRIORITY, le=MAX_PRIORITY)]
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
EntityId = Annotated[int, Field(ge=1, le=MAX_ID)]


class Input(BaseModel):
    """Unknown fields are refused: a typo ("quantity") must not pass as a default."""

    model_config = ConfigDict(extra="forbid")


class Output(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class ProductCreate(Input):
    sku: Sku
    name: Annotated[Text, Field(max_length=200)]
    price: Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2, examples=["19.99"])]
    backorder_policy: BackorderPolicy
    release_date: date | None = None
    max_backorder_qty: Annotated[int, Field(ge=0, le=10**12)] | None = None
    lead_time_days: Annotated[int, Field(ge=0, le=3650)] | None = None


class InventoryRead(Output):
    sku: str
    on_hand: int
    allocated: int
    available: int
    backordered: int
    on_order: int


class ProductRead(Output):
    id: int
    sku: str
    name: str
    price: Decimal
    backorder_policy: BackorderPolicy
    release_date: date | None
    max_backorder_qty: int | None
    lead_time_days: int | None
    created_at: datetime
    inventory: InventoryRead
    service_level: float | None
    fill_rate: float | None
    ordering_cost: Decimal | None
    holding_cost_rate: float | None


def _target(name: str, description: str, **more: Any) -> Any:
    low, high = BOUNDS[name]
    return Field(ge=low, le=high, description=description, **more)


class ProductUpdate(Input):
    """Replenishment targets; a field given as null goes back to the business setting,
    a field left out stays as it is."""

    service_level: Annotated[
        float | None, _target("service_level", "Target cycle service level, e.g. 0.95")
    ] = None
    fill_rate: Annotated[
        float | None,
        _target("fill_rate", "Target fill rate; sizes safety stock instead of service_level"),
    ] = None
    ordering_cost: Annotated[
        Decimal | None,
        _target("ordering_cost", "Cost of ordering this product once", decimal_places=2),
    ] = None
    holding_cost_rate: Annotated[
        float | None, _target("holding_cost_rate", "Yearly holding cost, a share of unit cost")
    ] = None


class AdjustmentCreate(Input):
    delta: Annotated[int, Field(ge=-MAX_QTY, le=MAX_QTY, description="Not 0.")]
    reason: Annotated[Text, Field(max_length=500)]


class AvailabilityRead(Output):
    sku: str
    status: str = Field(description="in_stock, backorder, out_of_stock or preorder")
    available: int
    ships_now: int
    backordered: int
    estimated_ship_date: date | None


class CustomerCreate(Input):
    name: Annotated[Text, Field(max_length=200)]
    email: Annotated[EmailStr, Field(max_length=320)]
    priority: Priority = 0


class CustomerRead(Output):
    id: int
    name: str
    email: str
    priority: int
    created_at: datetime


class OrderLineCreate(Input):
    sku: Sku
    qty: Qty


class OrderCreate(Input):
    customer_id: EntityId
    lines: Annotated[list[OrderLineCreate], Field(min_length=1, max_length=500)]
    ship_policy: ShipPolicy = ShipPolicy.PARTIAL
    priority: Priority | None = None
    idempotency_key: Annotated[Text, Field(max_length=200)] | None = None


class OrderLineRead(Output):
    id: int
    sku: str
    ordered: int
    allocated: int
    backordered: int
    shipped: int
    cancelled: int
    status: LineStatus
    estimated_ship_date: date | None


class OrderRead(Output):
    id: int
    customer_id: int
    status: OrderStatus
    ship_policy: ShipPolicy
    priority: int | None
    created_at: datetime
    lines: list[OrderLineRead]


class LineCancellationCreate(Input):
    line_id: EntityId
    qty: Qty


class CancellationCreate(Input):
    lines: Annotated[list[LineCancellationCreate], Field(min_length=1, max_length=500)] | None = (
        None
    )


class ShipmentCreate(Input):
    tracking_number: Annotated[Text, Field(max_length=100)] | None = None


class ShipmentLineRead(Output):
    line_id: int
    sku: str
    qty: int


class ShipmentRead(Output):
    id: int
    order_id: int
    tracking_number: str | None
    created_at: datetime
    lines: list[ShipmentLineRead]


class OrderUpdate(Input):
    priority: Priority | None = Field(
        description="The order's own serving priority; null falls back to the customer's"
    )


class WaitingLineRead(Output):
    order_id: int
    line_id: int
    sku: str
    customer_id: int
    backordered: int
    priority: int
    created_at: datetime
    estimated_ship_date: date | None
    eta_source: str | None = Field(
        description="purchase_order, stock, lead_time or release; null: no date can be given"
    )
    position: int
