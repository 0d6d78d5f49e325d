"""Putting the dashboard into the API's app: sessions, static files, the pages."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from backorder.db.uow import UnitOfWork
from backorder.web.pages import (
    auth,
    orders,
    overview,
    products,
    purchasing,
    queue,
    replenishment,
)
from backorder.web.rendering import missing_page
from backorder.web.sessions import Sessions

STATIC = Path(__file__).parent / "static"


def install(app: FastAPI, uow: UnitOfWork) -> None:
    app.add_middleware(Sessions, uow=uow)
    app.add_exception_handler(HTTPException, missing_page)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in (auth, overview, queue, products, orders, purchasing, replenishment):
        app.include_router(module.router, include_in_schema=False)
