"""Signed-cookie sessions, the signed-in user and CSRF protection.

The session cookie (signed with itsdangerous by Starlette's SessionMiddleware) holds the
user's id and a random CSRF token. Every form carries the token in a hidden field and
every POST must send it back: a page on another site can make a browser post here, with
the cookie, but cannot read the token.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Form, Request
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from backorder.api.deps import Uow
from backorder.db.uow import UnitOfWork
from backorder.domain.errors import ForbiddenError
from backorder.services.clock import utcnow
from backorder.services.users import UserView, session_secret, signed_in_user

SESSION_COOKIE = "backorder_session"
CSRF_FIELD = "csrf_token"


class Sessions:
    """SessionMiddleware whose secret is read on the first request, not at start-up:
    it may live in the database, which the app must not touch while it is being built."""

    def __init__(self, app: ASGIApp, uow: UnitOfWork) -> None:
        self.app = app
        self.uow = uow
        self.sessions: SessionMiddleware | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(("/api/", "/static/")):
            await self.app(scope, receive, send)
            return
        if self.sessions is None:
            settings = self.uow.settings
            self.sessions = SessionMiddleware(
                self.app,
                secret_key=session_secret(self.uow),
                session_cookie=SESSION_COOKIE,
                max_age=int(settings.session_max_age_hours * 3600),
                same_site="lax",
                https_only=settings.secure_cookies,
            )
        await self.sessions(scope, receive, send)


class SignInRequired(Exception):  # noqa: N818 - a redirect, not a failure
    """Raised for a visitor who is not signed in; answered with the sign-in page."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.location = "/sign-in?next=" + quote(next_path, safe="/")


class CsrfRefusedError(ForbiddenError):
    code = "csrf_failed"

    def __init__(self) -> None:
        super().__init__(
            "this form did not come from a page of this dashboard, or it has expired: "
            "go back, reload the page and send it again"
        )


def csrf_token(request: Request) -> str:
    """The session's token, made on first use."""
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def check_csrf(request: Request, csrf_token: Annotated[str, Form()] = "") -> None:
    """A dependency of every POST: the form's token must be the session's."""
    expected = request.session.get("csrf")
    if not isinstance(expected, str) or not secrets.compare_digest(csrf_token, expected):
        raise CsrfRefusedError()


def current_user(request: Request, uow: Uow) -> UserView:
    """The signed-in user, or SignInRequired (which sends the browser to sign in)."""
    user_id, since = request.session.get("user_id"), request.session.get("since")
    user = None
    if isinstance(user_id, int) and isinstance(since, float):
        user = signed_in_user(uow, user_id, since=datetime.fromtimestamp(since, UTC))
    if user is None:
        request.session.pop("user_id", None)
        path = request.url.path
        raise SignInRequired(path + (f"?{request.url.query}" if request.url.query else ""))
    request.state.user = user
    return user


def start_session(request: Request, user: UserView) -> None:
    """Sign ``user`` in with a fresh session, so no token from before carries over."""
    request.session.clear()
    request.session["user_id"] = user.id
    request.session["since"] = utcnow().timestamp()
    csrf_token(request)


def flash(request: Request, message: str) -> None:
    """A notice shown once, on the next page."""
    request.session["flash"] = message


def take_flash(request: Request) -> str | None:
    message = request.session.pop("flash", None)
    return message if isinstance(message, str) else None


User = Annotated[UserView, Depends(current_user)]
Csrf = Depends(check_csrf)
