"""The FastAPI application, built by a factory so nothing connects at import time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from backorder import __version__
from backorder.api import errors, observability
from backorder.api.routers import (
    backorders,
    customers,
    orders,
    outbox,
    products,
    purchasing,
    replenishment,
)
from backorder.config import Settings
from backorder.db.uow import UnitOfWork
from backorder.services.keys import KeyCache
from backorder.web import app as dashboard
from backorder.worker import start_in_thread

API_PREFIX = "/api/v1"


def create_app(uow: UnitOfWork | None = None) -> FastAPI:
    """Build the app on ``uow``, or on one made from the environment's settings."""
    unit = uow or UnitOfWork(Settings())

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        worker = start_in_thread(unit) if unit.settings.embedded_worker else None
        yield
        if worker is not None:
            thread, stop = worker
            stop.set()
            thread.join(timeout=30)
        if uow is None:
            unit.dispose()

    app = FastAPI(
        title="Backorder",
        version=__version__,
        description="Keep selling when stock is short; never sell a unit twice.",
        lifespan=lifespan,
    )
    app.state.uow = unit
    app.state.keys = KeyCache(unit.settings.api_key_cache_seconds)
    app.state.api_prefix = API_PREFIX
    errors.install(app)
    observability.configure_logging(unit.settings.log_format)
    observability.install(app, unit)
    routers = (products, customers, orders, backorders, purchasing, replenishment, outbox)
    for router in (module.router for module in routers):
        app.include_router(router, prefix=API_PREFIX)
    dashboard.install(app, unit)
    return app
