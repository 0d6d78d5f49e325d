"""Purchasing and receiving: suggestions, purchase orders, receipts and the cross-dock."""

from __future__ import annotations

import re
import secrets
from datetime import date, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse

from backorder.api.deps import Uow
from backorder.api.schemas import PathId
from backorder.domain.access import Action, authorize
from backorder.domain.errors import InvalidInputError
from backorder.domain.model import MAX_QTY
from backorder.services.browse import cross_dock, purchase_orders, purchasing_plan
from backorder.services.clock import utcnow
from backorder.services.purchase_orders import get_purchase_order, reschedule_purchase_order
from backorder.services.receiving import receive_purchase_order
from backorder.services.suggestions import create_from_suggestions
from backorder.web.rendering import PageRoute, render, see_other
from backorder.web.sessions import Csrf, User, flash

router = APIRouter(route_class=PageRoute)
WHOLE_NUMBER = re.compile(r"[0-9]{1,10}")


@router.get("/purchasing", response_class=HTMLResponse)
def suggestions_page(
    request: Request, uow: Uow, _: User, page: Annotated[int, Query(ge=1)] = 1
) -> HTMLResponse:
    context = {"plan": purchasing_plan(uow, page=page), "title": "Purchasing"}
    return render(request, "purchasing.html", context)


@router.post("/purchasing/create", dependencies=[Csrf])
def create_purchase_orders(request: Request, uow: Uow, user: User) -> RedirectResponse:
    authorize(user.role, Action.PURCHASE)
    created = create_from_suggestions(uow)
    ids = ", ".join(str(po.id) for po in created)
    if not created:
        flash(request, "Nothing was bought: see below what waits and why.")
        return see_other("/purchasing")
    flash(request, f"Created {len(created)} purchase order(s): {ids}.")
    return see_other("/purchase-orders")


@router.get("/purchase-orders", response_class=HTMLResponse)
def purchase_order_list(
    request: Request,
    uow: Uow,
    _: User,
    status: Literal["open", "partially_received", "received", "cancelled", ""] = "",
    due: Literal["week", "overdue", ""] = "",
    page: Annotated[int, Query(ge=1)] = 1,
) -> HTMLResponse:
    today = utcnow().date()
    window: dict[str, date | None] = {"due_after": None, "due_before": None}
    if due == "week":
        window = {"due_after": today, "due_before": today + timedelta(days=7)}
    elif due == "overdue":
        window["due_before"] = today
    found, suppliers = purchase_orders(uow, status=status or None, page=page, **window)
    context = {
        "page": found,
        "suppliers": suppliers,
        "status": status,
        "due": due,
        "title": "Purchase orders",
    }
    return render(request, "purchase_orders.html", context)


@router.get("/purchase-orders/{po_id}", response_class=HTMLResponse)
def purchase_order_page(request: Request, uow: Uow, _: User, po_id: PathId) -> HTMLResponse:
    context = {
        "po": get_purchase_order(uow, po_id),
        "receipt_form": secrets.token_urlsafe(16),
        "title": f"Purchase order {po_id}",
    }
    return render(request, "purchase_order.html", context)


@router.post("/purchase-orders/{po_id}/reschedule", dependencies=[Csrf])
def reschedule(
    request: Request, uow: Uow, user: User, po_id: PathId, expected_date: Annotated[date, Form()]
) -> RedirectResponse:
    authorize(user.role, Action.PURCHASE)
    reschedule_purchase_order(uow, po_id, expected_date)
    flash(request, f"Purchase order {po_id} now expected {expected_date.isoformat()}.")
    return see_other(f"/purchase-orders/{po_id}")


@router.post("/purchase-orders/{po_id}/receive", dependencies=[Csrf], response_class=HTMLResponse)
async def receive(request: Request, uow: Uow, user: User, po_id: PathId) -> HTMLResponse:
    """Quantities come as ``qty_<SKU>`` fields; blank or 0 means none of that SKU came.
    The form's one-time ``receipt_form`` token makes a second post of it a 409."""
    authorize(user.role, Action.RECEIVE_STOCK)
    form = await request.form()
    token = str(form.get("receipt_form", ""))
    if not 16 <= len(token) <= 200:
        raise InvalidInputError("the receipt form is incomplete: reload it and fill it in again")
    lines = [
        (str(name).removeprefix("qty_"), _quantity(str(name), str(value)))
        for name, value in form.multi_items()
        if str(name).startswith("qty_") and str(value).strip() not in ("", "0")
    ]
    if not lines:
        raise InvalidInputError("enter the quantity that arrived of at least one product")
    receipt = await run_in_threadpool(
        receive_purchase_order, uow, po_id, lines, idempotency_key=f"dashboard:{token}"
    )
    context = {
        "receipt": receipt,
        "dock": await run_in_threadpool(cross_dock, uow, receipt.ready_to_ship),
        "title": f"Received against purchase order {po_id}",
    }
    return render(request, "receipt.html", context)


def _quantity(name: str, value: str) -> int:
    qty = int(value) if WHOLE_NUMBER.fullmatch(value.strip()) else 0
    if not 1 <= qty <= MAX_QTY:
        raise InvalidInputError(
            f"the quantity of {name.removeprefix('qty_')} must be a whole number from 1 to "
            f"{MAX_QTY:,}",
            details={"field": name},
        )
    return qty
