"""Shipping an order: allocated units leave the warehouse and the ledger records them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from backorder.db.models import Shipment, ShipmentLine
from backorder.db.uow import UnitOfWork, retrying
from backorder.domain.model import MovementKind, ShipPolicy
from backorder.domain.status import check_shippable
from backorder.services import outbox
from backorder.services.clock import utcnow
from backorder.services.orders import load_order, lock_stock
from backorder.services.views import quantities


@dataclass(frozen=True, slots=True)
class ShipmentLineView:
    line_id: int
    sku: str
    qty: int


@dataclass(frozen=True, slots=True)
class ShipmentView:
    id: int
    order_id: int
    tracking_number: str | None
    created_at: datetime
    lines: list[ShipmentLineView]


@retrying
def ship_order(
    uow: UnitOfWork,
    order_id: int,
    *,
    tracking_number: str | None = None,
    now: datetime | None = None,
) -> ShipmentView:
    """Ship every allocated unit; a ``complete`` order ships only when nothing waits."""
    now = now or utcnow()
    with uow.write() as tx:
        lock_stock(tx, tx.orders.product_ids(order_id))
        order = load_order(tx, order_id)
        check_shippable(ShipPolicy(order.ship_policy), [quantities(ln) for ln in order.lines])
        shipping = [ln for ln in order.lines if ln.allocated > 0]
        shipment = Shipment(order_id=order.id, tracking_number=tracking_number, created_at=now)
        tx.orders.add_shipment(
            shipment, [ShipmentLine(line_id=ln.id, qty=ln.allocated) for ln in shipping]
        )
        tx.orders.change_lines(
            {"line_id": ln.id, "d_allocated": -ln.allocated, "d_shipped": ln.allocated}
            for ln in shipping
        )
        for line in shipping:
            tx.products.change_counters(
                line.product_id, on_hand=-line.allocated, allocated=-line.allocated
            )
            tx.ledger.record(
                line.product_id,
                MovementKind.SHIPMENT,
                delta=-line.allocated,
                reason=f"order {order.id}",
                at=now,
                shipment_id=shipment.id,
            )
        shipped = [{"sku": ln.product.sku, "qty": ln.allocated} for ln in shipping]
        payload = {
            "order_id": order.id,
            "customer_id": order.customer_id,
            "shipment_id": shipment.id,
            "tracking_number": tracking_number,
            "lines": shipped,
        }
        outbox.record(tx, "order.shipped", payload, now=now)
        view = ShipmentView(
            id=shipment.id,
            order_id=order.id,
            tracking_number=tracking_number,
            created_at=now,
            lines=[ShipmentLineView(*row) for row in tx.orders.shipment_lines(shipment.id)],
        )
        tx.commit()
        return view
