"""Rendering pages: the Jinja2 environment, its filters, and the route class that turns
refusals into pages (an error page with the right 4xx status, or the sign-in page)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException

from backorder.api.errors import STATUS, http_error
from backorder.domain.errors import BackorderError, InvalidInputError
from backorder.services.clock import utcnow
from backorder.web.sessions import SignInRequired, csrf_token, take_flash

NONE = "\N{EN DASH}"  # shown for a missing figure or date
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


def _number(value: int | float | Decimal | None) -> str:
    return NONE if value is None else f"{value:,}"


def _money(value: Decimal | float | None) -> str:
    return NONE if value is None else f"{value:,.2f}"


def _day(value: date | datetime | None) -> str:
    if value is None:
        return NONE
    return value.date().isoformat() if isinstance(value, datetime) else value.isoformat()


def _days_since(value: datetime) -> int:
    return (utcnow().date() - value.date()).days


templates.env.filters.update(number=_number, money=_money, day=_day, days_since=_days_since)


def render(
    request: Request, template: str, context: dict[str, Any], *, status: int = 200
) -> HTMLResponse:
    """A page, with what every page needs: the user, the CSRF token, a one-time notice."""
    base = {
        "user": getattr(request.state, "user", None),
        "csrf_token": csrf_token(request),
        "flash": take_flash(request),
        "today": utcnow().date(),
    }
    response = templates.TemplateResponse(request, template, base | context, status_code=status)
    if request.method != "GET":
        # A page answering a form (a receipt, a refusal) has no address of its own: keep
        # the form's page in the address bar, not the POST-only URL htmx would push.
        response.headers["HX-Push-Url"] = "false"
    return response


def local_path(path: str) -> str:
    """Only a path on this site: a link or form must not send people elsewhere."""
    return path if path.startswith("/") and not path.startswith("//") else "/"


def see_other(path: str) -> RedirectResponse:
    """After a form that changed something: the browser GETs the result (no resubmits)."""
    return RedirectResponse(local_path(path), status_code=303)


def _refusal(request: Request, error: BackorderError) -> HTMLResponse:
    status = next(s for cls, s in STATUS.items() if isinstance(error, cls))
    context = {"error": error, "back": request.headers.get("referer"), "title": "Not done"}
    return render(request, "error.html", context, status=status)


def _invalid_form(request: Request, error: RequestValidationError) -> HTMLResponse:
    problems = "; ".join(
        f"{'.'.join(str(p) for p in e.get('loc', ())[1:])}: {e.get('msg', '')}"
        for e in error.errors()
    )
    return _refusal(request, InvalidInputError(f"the form was not filled in right: {problems}"))


class PageRoute(APIRoute):
    """A dashboard route: refusals become pages, never the API's JSON envelope."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except SignInRequired as redirect:
                return see_other(redirect.location)
            except BackorderError as error:
                return _refusal(request, error)
            except RequestValidationError as error:
                return _invalid_form(request, error)

        return handle


@dataclass(frozen=True, slots=True)
class PageError:
    code: str
    message: str


async def missing_page(request: Request, error: Exception) -> Response:
    """A browser that asks a dashboard address for a page that does not exist, or GETs a
    form's POST-only address (a reload, a bookmark), gets a page that says so; the API
    and other clients keep the JSON error."""
    assert isinstance(error, HTTPException)
    wants_page = "text/html" in request.headers.get("accept", "")
    api = request.url.path.startswith("/api/")
    if error.status_code not in (404, 405) or api or not wants_page:
        return await http_error(request, error)
    if error.status_code == 404:
        page = PageError("not_found", f"there is no page at {request.url.path}")
    else:
        page = PageError(
            "method_not_allowed",
            f"{request.url.path} only answers a form; open the page it belongs to instead",
        )
    context = {"error": page, "back": request.headers.get("referer"), "title": "Not found"}
    return render(request, "error.html", context, status=error.status_code)
