"""Signing in and out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from backorder.api.deps import Uow
from backorder.domain.errors import UnauthorizedError
from backorder.services.users import sign_in
from backorder.services.users import sign_out as end_sessions
from backorder.web.rendering import PageRoute, local_path, render, see_other
from backorder.web.sessions import Csrf, start_session

router = APIRouter(route_class=PageRoute)


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_page(request: Request, next: str = "/") -> HTMLResponse:
    return render(request, "sign_in.html", {"next": local_path(next), "title": "Sign in"})


@router.post("/sign-in", dependencies=[Csrf], response_model=None)
def sign_in_form(
    request: Request,
    uow: Uow,
    email: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> RedirectResponse | HTMLResponse:
    try:
        user = sign_in(uow, email, password)
    except UnauthorizedError as error:
        context = {"next": local_path(next), "email": email, "error": error, "title": "Sign in"}
        return render(request, "sign_in.html", context, status=401)
    start_session(request, user)
    return see_other(local_path(next))


@router.post("/sign-out", dependencies=[Csrf])
def sign_out(request: Request, uow: Uow) -> RedirectResponse:
    user_id = request.session.get("user_id")
    if isinstance(user_id, int):
        end_sessions(uow, user_id)
    request.session.clear()
    return see_other("/sign-in")
