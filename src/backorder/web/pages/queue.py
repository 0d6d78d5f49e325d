"""The backorder queue, and the two things done from it: reprioritise, cancel a line."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from backorder.api.deps import Uow
from backorder.db.repositories.reports import QUEUE_SORTS, QueueFilter
from backorder.domain.access import Action, authorize
from backorder.domain.errors import InvalidInputError
from backorder.services.browse import backorder_queue, supplier_names
from backorder.services.cancellation import LineCancellation, cancel_order
from backorder.services.clock import utcnow
from backorder.services.orders import change_order_priority
from backorder.web.rendering import PageRoute, render, see_other
from backorder.web.sessions import Csrf, User, flash

router = APIRouter(route_class=PageRoute)


def _blank_is_none(value: str | None) -> str | None:
    return value.strip() or None if value else None


def optional_int(text: str, *, field: str) -> int | None:
    """A form's number field: blank is None; anything but a whole number is refused."""
    text = text.strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise InvalidInputError(
            f"{field} must be a whole number, or blank", details={"field": field}
        ) from None


@router.get("/queue", response_class=HTMLResponse)
def queue_page(
    request: Request,
    uow: Uow,
    _: User,
    sku: str | None = None,
    customer: str | None = None,
    supplier: Annotated[str | None, Query(pattern=r"^\d*$")] = None,
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
    order_id: int,
    priority: Annotated[str, Form()] = "",
    back: Annotated[str, Form()] = "/queue",
) -> RedirectResponse:
    authorize(user.role, Action.PRIORITIZE_ORDER)
    value = optional_int(priority, field="priority")
    change_order_priority(uow, order_id, value)
    flash(request, f"Order {order_id}: priority {'cleared' if value is None else value}.")
    return see_other(back)


@router.post("/orders/{order_id}/lines/{line_id}/cancel", dependencies=[Csrf])
def cancel_line(
    request: Request,
    uow: Uow,
    user: User,
    order_id: int,
    line_id: int,
    qty: Annotated[int, Form(ge=1)],
    back: Annotated[str, Form()] = "/queue",
) -> RedirectResponse:
    authorize(user.role, Action.CANCEL_ORDER)
    cancel_order(uow, order_id, [LineCancellation(line_id, qty)])
    flash(request, f"Order {order_id}: {qty} unit(s) of line {line_id} cancelled.")
    return see_other(back)
