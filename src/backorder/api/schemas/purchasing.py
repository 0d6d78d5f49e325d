"""Bodies of the purchasing part of the contract: suppliers, purchase orders, receipts."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import EmailStr, Field

from backorder.api.schemas.core import EntityId, Input, Output, Qty, Sku, Text

__all__ = [
    "ExtraStockRead",
    "PerformanceRead",
    "PurchaseOrderCreate",
    "PurchaseOrderLineCreate",
    "PurchaseOrderLineRead",
    "PurchaseOrderRead",
    "PurchaseOrderStatus",
    "PurchaseOrderUpdate",
    "ReadyOrderRead",
    "ReceiptCreate",
    "ReceiptLineCreate",
    "ReceiptRead",
    "ReceivedAllocationRead",
    "SuggestionCoverRead",
    "SuggestionLineRead",
    "SuggestionRead",
    "SupplierCreate",
    "SupplierProductCreate",
    "SupplierProductRead",
    "SupplierRead",
]

LeadTime = Annotated[int, Field(ge=0, le=3650)]
PurchaseOrderStatus = Literal["open", "partially_received", "received", "cancelled"]


class SupplierCreate(Input):
    name: Annotated[Text, Field(max_length=200)]
    email: Annotated[EmailStr, Field(max_length=320)]
    lead_time_days: LeadTime


class PerformanceRead(Output):
    receipts: int
    on_time_rate: float | None = Field(description="Share of receipts on or before the date")
    mean_days_late: float | None
    p80_days_late: int


class SupplierRead(Output):
    id: int
    name: str
    email: str
    lead_time_days: int
    created_at: datetime
    performance: PerformanceRead


class SupplierProductCreate(Input):
    sku: Sku
    cost: Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2, examples=["4.10"])]
    lead_time_days: LeadTime | None = None
    min_order_qty: Annotated[int, Field(ge=1, le=10**9)] = 1
    pack_size: Annotated[int, Field(ge=1, le=10**6)] = 1
    preferred: bool = False


class SupplierProductRead(Output):
    id: int
    supplier_id: int
    sku: str
    cost: Decimal
    lead_time_days: int | None
    min_order_qty: int
    pack_size: int
    preferred: bool


class SuggestionCoverRead(Output):
    order_id: int
    line_id: int
    qty: int


class SuggestionLineRead(Output):
    sku: str
    qty: int
    covers: list[SuggestionCoverRead]
    reasons: list[Literal["backorders", "reorder_point"]]
    """backorders: waiting units nothing covers; reorder_point: the projected position
    (available + on order - backordered) is at or below the reorder point."""


class SuggestionRead(Output):
    supplier_id: int
    expected_date: date
    lines: list[SuggestionLineRead]


class PurchaseOrderLineCreate(Input):
    sku: Sku
    qty: Qty


class PurchaseOrderCreate(Input):
    supplier_id: EntityId
    expected_date: date | None = None
    lines: Annotated[list[PurchaseOrderLineCreate], Field(min_length=1, max_length=1000)]


class PurchaseOrderUpdate(Input):
    expected_date: date


class PurchaseOrderLineRead(Output):
    id: int
    sku: str
    ordered: int
    received: int
    cancelled: int
    open: int


class PurchaseOrderRead(Output):
    id: int
    supplier_id: int
    status: PurchaseOrderStatus
    expected_date: date
    created_at: datetime
    lines: list[PurchaseOrderLineRead]


class ReceiptLineCreate(Input):
    sku: Sku
    qty: Qty


class ReceiptCreate(Input):
    lines: Annotated[list[ReceiptLineCreate], Field(min_length=1, max_length=1000)]


class ReceivedAllocationRead(Output):
    order_id: int
    line_id: int
    sku: str
    qty: int


class ExtraStockRead(Output):
    sku: str
    qty: int


class ReceiptRead(Output):
    receipt_id: int
    purchase_order_id: int
    status: PurchaseOrderStatus
    allocations: list[ReceivedAllocationRead]
    ready_to_ship: list[int] = Field(description="Orders that can ship now: the cross-dock list")
    extra: list[ExtraStockRead] = Field(description="Units beyond what was still on order")


class ReadyOrderRead(Output):
    order_id: int
    customer_id: int
    ship_policy: str
    units: int
