"""Orders: place, read, cancel, ship."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response

from backorder import metrics
from backorder.api.deps import Uow, require
from backorder.api.schemas import (
    CancellationCreate,
    OrderCreate,
    OrderRead,
    OrderUpdate,
    PathId,
    ShipmentCreate,
    ShipmentRead,
)
from backorder.domain.access import Action
from backorder.domain.allocation import LineRequest
from backorder.services import cancellation, orders, shipping

router = APIRouter(tags=["orders"])


@router.post(
    "/orders",
    status_code=201,
    dependencies=[Depends(require(Action.PLACE_ORDER))],
    responses={409: {"description": "out_of_stock, or an idempotency key reused"}},
)
def place_order(body: OrderCreate, uow: Uow, response: Response) -> OrderRead:
    """A retry with the same idempotency key returns the first order (header
    ``Idempotent-Replayed: true``) and changes nothing."""
    new = orders.NewOrder(
        customer_id=body.customer_id,
        lines=[LineRequest(line.sku, line.qty) for line in body.lines],
        ship_policy=body.ship_policy,
        priority=body.priority,
        idempotency_key=body.idempotency_key,
    )
    placed = orders.place_order(uow, new)
    if placed.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    else:
        metrics.ORDERS_PLACED.inc()
        metrics.LINES_BACKORDERED.inc(sum(1 for ln in placed.order.lines if ln.backordered))
    return OrderRead.model_validate(placed.order)


@router.get("/orders/{order_id}", dependencies=[Depends(require(Action.READ_ORDER))])
def get_order(order_id: PathId, uow: Uow) -> OrderRead:
    return OrderRead.model_validate(orders.get_order(uow, order_id))


@router.patch("/orders/{order_id}", dependencies=[Depends(require(Action.PRIORITIZE_ORDER))])
def change_priority(order_id: PathId, body: OrderUpdate, uow: Uow) -> OrderRead:
    """Move an order's waiting lines in their queues; customers pushed back get a notice."""
    return OrderRead.model_validate(orders.change_order_priority(uow, order_id, body.priority))


@router.post("/orders/{order_id}/cancel", dependencies=[Depends(require(Action.CANCEL_ORDER))])
def cancel_order(order_id: PathId, uow: Uow, body: CancellationCreate | None = None) -> OrderRead:
    lines = None
    if body is not None and body.lines is not None:
        lines = [cancellation.LineCancellation(c.line_id, c.qty) for c in body.lines]
    return OrderRead.model_validate(cancellation.cancel_order(uow, order_id, lines))


@router.post(
    "/orders/{order_id}/shipments",
    status_code=201,
    dependencies=[Depends(require(Action.SHIP_ORDER))],
)
def ship_order(order_id: PathId, uow: Uow, body: ShipmentCreate | None = None) -> ShipmentRead:
    tracking = body.tracking_number if body else None
    return ShipmentRead.model_validate(shipping.ship_order(uow, order_id, tracking_number=tracking))
