"""Replenishment: the products that run out before more can arrive, and the fastest
movers, with a chart of how long each lasts against how long more takes."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from backorder.api.deps import Uow
from backorder.services.business import get_business_settings
from backorder.services.clock import utcnow
from backorder.services.replenishment import Plan, at_risk
from backorder.web.rendering import PageRoute, render
from backorder.web.sessions import User

router = APIRouter(route_class=PageRoute)

CHARTED = 20
"""At-risk products in the chart: the soonest out."""


@router.get("/replenishment", response_class=HTMLResponse)
def replenishment_page(request: Request, uow: Uow, _: User) -> HTMLResponse:
    today = utcnow().date()
    result = at_risk(uow, today=today)
    charted = result.at_risk[:CHARTED]
    chart = {
        "cover": {
            "labels": [p.sku for p in charted],
            "datasets": [
                {
                    "label": "days of cover",
                    "values": [round(p.cover.days or 0, 1) for p in charted],
                },
                {
                    "label": "days until more can arrive",
                    "values": [_days_until(p) for p in charted],
                },
            ],
        }
    }
    window = get_business_settings(uow).demand_window_days
    context = {"result": result, "charts": chart, "window": window, "title": "Replenishment"}
    return render(request, "replenishment.html", context)


def _days(plan: Plan) -> float:
    return round(plan.cover.days or 0.0, 1)


def _days_until(plan: Plan) -> int | None:
    """Days from today (the plan's window end) to the next possible arrival; None when
    nothing can be bought."""
    arrival = plan.next_possible_arrival
    return None if arrival is None else (arrival - plan.window_end).days
