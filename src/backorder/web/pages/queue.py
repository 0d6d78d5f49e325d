"""The backorder queue, and the two things done from it: reprioritise, cancel a line."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from backorder.api.deps import Uow
from backorder.api.schemas import PathId
from backorder.db.repositories.reports import QUEUE_SORTS, QueueFilter
from backorder.domain.access import Action, authorize
from backorder.domain.errors import InvalidInputError
from backorder.domain.model import MAX_PRIORITY, MAX_QTY
from backorder.services.browse import backorder_queue, supplier_names
from backorder.services.cancellation import LineCancellation, cancel_order
from backorder.services.clock import utcnow
from backorder.services.orders import change_order_priority
from backorder.web.rendering import PageRoute, render, see_other
from backorder.web.sessions import Csrf, User, flash

router = APIRouter(route_class=PageRoute)


def _blank_is_none(value: str | None) -> str | None:
    return value.strip() or None if value else None


def priority_field(text: str) -> int | None:
    """The priority form field: blank clears it; else a whole number in the API's range."""
    text = text.strip()
    if not text:
        return None
    if re.fullmatch(r"-?[0-9]{1,7}", text) and abs(int(text)) <= MAX_PRIORITY:
        return int(text)
    raise InvalidInputError(
        f"priority is a whole number from {-MAX_PRIORITY:,} to {MAX_PRIORITY:,}, or blank "
        "for the customer's own",
        details={"field": "priority"},
    )


@router.get("/queue", response_class=HTMLResponse)
def queue_page(
    request: Request,
    uow: Uow,
    _: User,
    sku: str | None = None,
    customer: str | None = None,
    supplier: Annotated[str | None, Query(pattern=r"^[0-9]{0,18}$")] = None,
    overdue: bool = False,
    sort: str = "serving",
    page: Annotated[int, Query(ge=1)] = 1,
) -> HTMLResponse:
    which = QueueFilter(
        sku=_blank_is_none(sku),
        customer=_blank_is_none(customer),
        supplier_id=int(supplier) if supplier else None,
        overdue_on=utcnow().date() if overdue else None,
    )
    context = {
        "page": backorder_queue(uow, which, sort=sort, page=page),
        "which": which,
        "overdue": overdue,
        "sort": sort,
        "sorts": list(QUEUE_SORTS),
        "suppliers": supplier_names(uow),
        "title": "Backorder queue",
    }
    template = "queue_rows.html" if request.headers.get("HX-Target") == "queue" else "queue.html"
    return render(request, template, context)


@router.post("/orders/{order_id}/priority", dependencies=[Csrf])
def set_priority(
    request: Request,
    uow: Uow,
    user: User,
    order_id: PathId,
    priority: Annotated[str, Form()] = "",
    back: Annotated[str, Form()] = "/queue",
) -> RedirectResponse:
    authorize(user.role, Action.PRIORITIZE_ORDER)
    value = priority_field(priority)
    change_order_priority(uow, order_id, value)
    flash(request, f"Order {order_id}: priority {'cleared' if value is None else value}.")
    return see_other(back)


@router.post("/orders/{order_id}/lines/{line_id}/cancel", dependencies=[Csrf])
def cancel_line(
    request: Request,
    uow: Uow,
    user: User,
    order_id: PathId,
    line_id: PathId,
    qty: Annotated[int, Form(ge=1, le=MAX_QTY)],
    back: Annotated[str, Form()] = "/queue",
) -> RedirectResponse:
    authorize(user.role, Action.CANCEL_ORDER)
    cancel_order(uow, order_id, [LineCancellation(line_id, qty)])
    flash(request, f"Order {order_id}: {qty} unit(s) of line {line_id} cancelled.")
    return see_other(back)
