"""Orders: search, one order's lines and history, shipping and cancelling it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from backorder.api.deps import Uow
from backorder.api.schemas import PathId
from backorder.domain.access import Action, authorize
from backorder.services.browse import order_detail, orders
from backorder.services.cancellation import cancel_order
from backorder.services.shipping import ship_order
from backorder.web.rendering import PageRoute, render, see_other
from backorder.web.sessions import Csrf, User, flash

router = APIRouter(route_class=PageRoute)


@router.get("/orders", response_class=HTMLResponse)
def order_list(
    request: Request, uow: Uow, _: User, q: str = "", page: Annotated[int, Query(ge=1)] = 1
) -> HTMLResponse:
    found = orders(uow, search=q.strip() or None, page=page)
    return render(request, "orders.html", {"page": found, "q": q, "title": "Orders"})


@router.get("/orders/{order_id}", response_class=HTMLResponse)
def order_page(request: Request, uow: Uow, _: User, order_id: PathId) -> HTMLResponse:
    context = {"d": order_detail(uow, order_id), "title": f"Order {order_id}"}
    return render(request, "order.html", context)


@router.post("/orders/{order_id}/ship", dependencies=[Csrf])
def ship(
    request: Request,
    uow: Uow,
    user: User,
    order_id: PathId,
    tracking_number: Annotated[str, Form(max_length=100)] = "",
) -> RedirectResponse:
    authorize(user.role, Action.SHIP_ORDER)
    shipment = ship_order(uow, order_id, tracking_number=tracking_number.strip() or None)
    units = sum(line.qty for line in shipment.lines)
    flash(request, f"Order {order_id}: {units:,} unit(s) shipped.")
    return see_other(f"/orders/{order_id}")


@router.post("/orders/{order_id}/cancel", dependencies=[Csrf])
def cancel(request: Request, uow: Uow, user: User, order_id: PathId) -> RedirectResponse:
    authorize(user.role, Action.CANCEL_ORDER)
    cancel_order(uow, order_id)
    flash(request, f"Order {order_id}: everything not shipped is cancelled.")
    return see_other(f"/orders/{order_id}")
