"""The overview and the charts."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from backorder.api.deps import Uow
from backorder.services.overview import charts, overview
from backorder.web.rendering import PageRoute, render
from backorder.web.sessions import User

router = APIRouter(route_class=PageRoute)


@router.get("/", response_class=HTMLResponse)
def overview_page(request: Request, uow: Uow, _: User) -> HTMLResponse:
    return render(request, "overview.html", {"o": overview(uow), "title": "Overview"})


@router.get("/charts", response_class=HTMLResponse)
def charts_page(request: Request, uow: Uow, _: User) -> HTMLResponse:
    data = asdict(charts(uow))
    return render(request, "charts.html", {"charts": data, "title": "Charts"})
