"""What services return: plain values built inside the transaction, safe after it ends."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from backorder.db.models import Customer, Order, OrderLine, Product
from backorder.domain.model import LineStatus, OrderStatus, ShipPolicy
from backorder.domain.status import LineQuantities, line_status, order_status


@dataclass(frozen=True, slots=True)
class InventoryView:
    sku: str
    on_hand: int
    allocated: int
    available: int
    backordered: int
    on_order: int


@dataclass(frozen=True, slots=True)
class ProductView:
    id: int
    sku: str
    name: str
    price: Decimal
    backorder_policy: str
    release_date: date | None
    max_backorder_qty: int | None
    lead_time_days: int | None
    created_at: datetime
    inventory: InventoryView
    service_level: float | None
    """Replenishment targets of this product; None takes the business setting."""
    fill_rate: float | None
    ordering_cost: Decimal | None
    holding_cost_rate: float | None


@dataclass(frozen=True, slots=True)
class CustomerView:
    id: int
    name: str
    email: str
    priority: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class LineView:
    id: int
    sku: str
    ordered: int
    allocated: int
    backordered: int
    shipped: int
    cancelled: int
    status: LineStatus
    estimated_ship_date: date | None


@dataclass(frozen=True, slots=True)
class OrderView:
    id: int
    customer_id: int
    status: OrderStatus
    ship_policy: ShipPolicy
    priority: int | None
    created_at: datetime
    lines: list[LineView]


def inventory_view(product: Product) -> InventoryView:
    return InventoryView(
        sku=product.sku,
        on_hand=product.on_hand,
        allocated=product.allocated,
        available=product.on_hand - product.allocated,
        backordered=product.backordered,
        on_order=product.on_order,
    )


def product_view(product: Product) -> ProductView:
    return ProductView(
        id=product.id,
        sku=product.sku,
        name=product.name,
        price=product.price,
        backorder_policy=product.backorder_policy,
        release_date=product.release_date,
        max_backorder_qty=product.max_backorder_qty,
        lead_time_days=product.lead_time_days,
        created_at=product.created_at,
        inventory=inventory_view(product),
        service_level=product.service_level,
        fill_rate=product.fill_rate,
        ordering_cost=product.ordering_cost,
        holding_cost_rate=product.holding_cost_rate,
    )


def customer_view(customer: Customer) -> CustomerView:
    return CustomerView(
        id=customer.id,
        name=customer.name,
        email=customer.email,
        priority=customer.priority,
        created_at=customer.created_at,
    )


def quantities(line: OrderLine) -> LineQuantities:
    return LineQuantities(
        ordered=line.ordered,
        allocated=line.allocated,
        backordered=line.backordered,
        shipped=line.shipped,
        cancelled=line.cancelled,
    )


def order_view(order: Order, *, skus: Mapping[int, str] | None = None) -> OrderView:
    """The order as the API shows it. ``skus`` (product id to SKU) spares loading the
    lines' products when the caller knows them."""
    lines = [
        LineView(
            id=line.id,
            sku=skus[line.product_id] if skus is not None else line.product.sku,
            ordered=line.ordered,
            allocated=line.allocated,
            backordered=line.backordered,
            shipped=line.shipped,
            cancelled=line.cancelled,
            status=line_status(quantities(line)),
            estimated_ship_date=line.estimated_ship_date,
        )
        for line in order.lines
    ]
    return OrderView(
        id=order.id,
        customer_id=order.customer_id,
        status=order_status([quantities(line) for line in order.lines]),
        ship_policy=ShipPolicy(order.ship_policy),
        priority=order.priority,
        created_at=order.created_at,
        lines=lines,
    )
