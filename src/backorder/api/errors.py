"""The one table that maps errors to HTTP, and the envelope every error is sent in:
``{"error": {"code", "message", "details"}}``, FastAPI's own errors included."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import InterfaceError, OperationalError
from starlette.exceptions import HTTPException

from backorder.db.uow import CommitOutcomeUnknownError
from backorder.domain.errors import (
    BackorderError,
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    OutOfStockError,
    UnauthorizedError,
)

log = logging.getLogger(__name__)

STATUS: dict[type[BackorderError], int] = {
    InvalidInputError: 422,
    NotFoundError: 404,
    OutOfStockError: 409,
    ConflictError: 409,
    UnauthorizedError: 401,
    ForbiddenError: 403,
}

_HTTP_CODES = {401: "unauthorized", 403: "forbidden", 404: "not_found", 409: "conflict"}


def envelope(
    status: int, code: str, message: str, details: dict[str, Any] | None = None
) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    body = {"error": {"code": code, "message": message, "details": details or {}}}
    return JSONResponse(body, status_code=status, headers=headers)


async def _domain_error(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, BackorderError)
    status = next(s for cls, s in STATUS.items() if isinstance(error, cls))
    return envelope(status, error.code, error.message, error.details)


async def _validation_error(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    problems = [
        {"loc": list(e.get("loc", ())), "message": e.get("msg", ""), "type": e.get("type", "")}
        for e in error.errors()
    ]
    summary = "; ".join(f"{'.'.join(map(str, p['loc']))}: {p['message']}" for p in problems)
    return envelope(422, "validation_error", f"invalid request: {summary}", {"errors": problems})


async def http_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, HTTPException)
    code = _HTTP_CODES.get(error.status_code) or HTTPStatus(error.status_code).phrase.lower()
    message = str(error.detail)
    if error.status_code == 400:
        # FastAPI's answer to a body it could not decode (not UTF-8): bad input like any other.
        message = "the request body could not be read: send UTF-8 encoded JSON"
        return envelope(422, "validation_error", message)
    if error.status_code in (404, 405):
        message = f"no route for {request.method} {request.url.path}; the API is listed at /docs"
    return envelope(error.status_code, code.replace(" ", "_"), message)


async def _database_unavailable(_: Request, error: Exception) -> JSONResponse:
    log.warning("database unavailable: %s", error)
    message = "the database is unreachable or busy; nothing was changed, try again shortly"
    return envelope(503, "database_unavailable", message)


async def _commit_outcome_unknown(_: Request, error: Exception) -> JSONResponse:
    log.error("commit outcome unknown: %s", error)
    message = (
        "the connection to the database broke while saving; the change may have been "
        "saved: retry with the same idempotency_key, or read it back before retrying"
    )
    return envelope(503, "commit_outcome_unknown", message)


async def _unexpected(request: Request, error: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=error)
    return envelope(500, "internal_error", "the server failed; nothing was changed, try again")


def install(app: FastAPI) -> None:
    app.add_exception_handler(BackorderError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, http_error)
    # A database that is down, restarting or out of connections is not a bug: 503.
    app.add_exception_handler(OperationalError, _database_unavailable)
    app.add_exception_handler(InterfaceError, _database_unavailable)
    app.add_exception_handler(CommitOutcomeUnknownError, _commit_outcome_unknown)
    app.add_exception_handler(Exception, _unexpected)
