"""``backorder users``: the people who sign in to the dashboard."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from backorder.cli_common import out, service
from backorder.domain.model import Role
from backorder.services import users

users_app = typer.Typer(help="Dashboard users.", no_args_is_help=True)


Password = Annotated[
    str,
    typer.Option(
        prompt=True,
        hide_input=True,
        confirmation_prompt=True,
        envvar="BACKORDER_NEW_USER_PASSWORD",
        help=f"Asked for when not given; at least {users.MIN_PASSWORD_LENGTH} characters",
    ),
]


@users_app.command("create")
def users_create(
    email: str,
    role: Annotated[Role, typer.Option(help="staff or admin")] = Role.STAFF,
    password: Password = "",
) -> None:
    """Create a user who can sign in to the dashboard."""
    with service() as uow:
        user = users.create_user(uow, email, password, role=role)
    out.print(f"created {user.role.value} user {user.email}; they can sign in at /sign-in")


@users_app.command("set-password")
def users_set_password(email: str, password: Password = "") -> None:
    """Give a user a new password (there is no reset by email)."""
    with service() as uow:
        user = users.set_password(uow, email, password)
    out.print(f"new password set for {user.email}")


@users_app.command("disable")
def users_disable(
    email: str, enable: Annotated[bool, typer.Option("--enable", help="Undo a disable")] = False
) -> None:
    """Stop a user signing in; their open sessions end at their next request."""
    with service() as uow:
        user = users.set_disabled(uow, email, disabled=not enable)
    out.print(f"{user.email} is {'disabled' if user.disabled else 'enabled'}")


@users_app.command("list")
def users_list() -> None:
    """Every dashboard user."""
    with service() as uow:
        found = users.list_users(uow)
    table = Table("email", "role", "created", "disabled")
    for user in found:
        table.add_row(
            user.email, user.role.value, user.created_at.date().isoformat(), str(user.disabled)
        )
    out.print(table)
