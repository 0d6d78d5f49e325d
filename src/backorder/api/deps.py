"""Request dependencies: the unit of work and the API key check."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from backorder.db.uow import UnitOfWork
from backorder.domain.access import Action, authorize
from backorder.domain.model import Role
from backorder.services.keys import authenticate

_bearer = HTTPBearer(auto_error=False, description="An API key from 'backorder keys create'")


def get_uow(request: Request) -> UnitOfWork:
    uow = request.app.state.uow
    assert isinstance(uow, UnitOfWork)
    return uow


Uow = Annotated[UnitOfWork, Depends(get_uow)]


def require(action: Action) -> Callable[..., Role]:
    """A dependency that admits a request only with a key whose role may do ``action``."""

    def check(
        uow: Uow, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
    ) -> Role:
        role = authenticate(uow, credentials.credentials if credentials else None)
        authorize(role, action)
        return role

    return check
