"""Products: the list, one product's stock and queue, and counting stock in or out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from backorder.api.deps import Uow
from backorder.domain.access import Action, authorize
from backorder.domain.model import MAX_QTY
from backorder.services.browse import product_detail, products
from backorder.services.catalogue import check_availability
from backorder.services.inventory import adjust_inventory
from backorder.services.replenishment import product_plan
from backorder.web.rendering import PageRoute, render, see_other
from backorder.web.sessions import Csrf, User, flash

router = APIRouter(route_class=PageRoute)


@router.get("/products", response_class=HTMLResponse)
def product_list(
    request: Request,
    uow: Uow,
    _: User,
    q: str = "",
    waiting: bool = False,
    page: Annotated[int, Query(ge=1)] = 1,
) -> HTMLResponse:
    found = products(uow, search=q.strip() or None, waiting_only=waiting, page=page)
    context = {"page": found, "q": q, "waiting": waiting, "title": "Products"}
    return render(request, "products.html", context)


@router.get("/products/{sku}", response_class=HTMLResponse)
def product_page(
    request: Request,
    uow: Uow,
    _: User,
    sku: str,
    qty: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    page: Annotated[int, Query(ge=1)] = 1,
) -> HTMLResponse:
    context = {
        "d": product_detail(uow, sku, queue_page=page),
        "plan": product_plan(uow, sku)[0],
        "availability": check_availability(uow, sku, qty),
        "qty": qty,
        "title": sku,
    }
    return render(request, "product.html", context)


@router.post("/products/{sku}/adjust", dependencies=[Csrf])
def adjust(
    request: Request,
    uow: Uow,
    user: User,
    sku: str,
    delta: Annotated[int, Form(ge=-MAX_QTY, le=MAX_QTY)],
    reason: Annotated[str, Form(min_length=1, max_length=500)],
) -> RedirectResponse:
    authorize(user.role, Action.ADJUST_INVENTORY)
    stock = adjust_inventory(uow, sku, delta, reason=f"{reason} ({user.email})")
    flash(request, f"{sku}: on hand {delta:+,} to {stock.on_hand:,}.")
    return see_other(f"/products/{sku}")
