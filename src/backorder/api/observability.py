"""Health, readiness, metrics and request logging for the API process."""

from __future__ import annotations

import contextvars
import json
import logging
import time
import uuid

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backorder import metrics
from backorder.db import migrate
from backorder.db.uow import UnitOfWork
from backorder.services.backorders import open_backorder_units

REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
log = logging.getLogger("backorder.requests")
router = APIRouter(tags=["operations"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up (says nothing of the database)."""
    return {"status": "ok"}


@router.get("/readyz")
def readyz(request: Request) -> JSONResponse:
    """Ready to serve: the database answers and its schema is at the latest migration."""
    uow: UnitOfWork = request.app.state.uow
    checks: dict[str, str] = {}
    try:
        with uow.reader.connect() as connection:
            connection.execute(text("SELECT 1"))
        checks["database"] = "ok"
        checks["migrations"] = "ok" if migrate.is_current(uow.reader) else "pending"
    except Exception as error:  # any failure to reach the database means not ready
        checks["database"] = f"unreachable: {type(error).__name__}"
    ready = all(v == "ok" for v in checks.values())
    return JSONResponse({"ready": ready, "checks": checks}, status_code=200 if ready else 503)


@router.get("/metrics")
def prometheus() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


def _route(request: Request) -> str:
    """The route template (``/api/v1/orders/{order_id}``) that served the request, so ids
    don't explode the metric's labels. Starlette leaves the route in the scope; routes
    of an included router carry their path without the router's prefix."""
    path = getattr(request.scope.get("route"), "path", None)
    if not isinstance(path, str):
        return "unmatched"
    prefix: str = request.app.state.api_prefix
    served_under_prefix = request.url.path.startswith(prefix + "/")
    return prefix + path if served_under_prefix and not path.startswith(prefix) else path


def install(app: FastAPI, uow: UnitOfWork) -> None:
    app.include_router(router)
    metrics.watch_open_backorders(lambda: open_backorder_units(uow))

    app.add_middleware(Observe)


class Observe:
    """Counts, times and logs every request, and answers with its request id.

    Plain ASGI rather than ``@app.middleware("http")``, whose wrapping of every request
    in a task and a stream cost more than the rest of this does."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = Headers(scope=scope).get("X-Request-ID") or uuid.uuid4().hex
        token = REQUEST_ID.set(request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)["X-Request-ID"] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            request = Request(scope)
            route = _route(request)
            metrics.REQUESTS.labels(request.method, route, str(status)).inc()
            metrics.LATENCY.labels(request.method, route).observe(elapsed)
            log.info("%s %s %s %.1fms", request.method, request.url.path, status, elapsed * 1000)
            REQUEST_ID.reset(token)


class JsonFormatter(logging.Formatter):
    """One JSON object per line, carrying the request id of the request being served."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": REQUEST_ID.get(),
        }
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry)


def configure_logging(log_format: str) -> None:
    handler = logging.StreamHandler()
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger("backorder")
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    root.propagate = False
