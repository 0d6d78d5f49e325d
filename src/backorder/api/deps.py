"""Request dependencies: the unit of work and the API key check."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from backorder.db.uow import UnitOfWork
from backorder.domain.access import Action, authorize
from backorder.domain.model import Role
from backorder.services.keys import KeyCache, authenticate

_bearer = HTTPBearer(auto_error=False, description="An API key from 'backorder keys create'")


def _unit_of_work(request: Request) -> UnitOfWork:
    uow = request.app.state.uow
    assert isinstance(uow, UnitOfWork)
    return uow


async def get_uow(request: Request) -> UnitOfWork:
    """Async although it does no I/O: FastAPI would run a plain function in a thread."""
    return _unit_of_work(request)


Uow = Annotated[UnitOfWork, Depends(get_uow)]


def require(action: Action) -> Callable[..., Awaitable[Role]]:
    """A dependency that admits a request only with a key whose role may do ``action``."""

    async def check(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> Role:
        # A key found recently is checked here, on the event loop; only a lookup in the
        # database goes to a thread.
        secret = credentials.credentials if credentials else None
        keys: KeyCache = request.app.state.keys
        role = keys.role(secret)
        if role is None:
            role = await run_in_threadpool(authenticate, _unit_of_work(request), secret, keys)
        authorize(role, action)
        return role

    return check
