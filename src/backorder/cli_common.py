"""What every CLI command shares: the consoles and the unit of work that turns a refusal
into a message and exit status 1."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console

from backorder.config import Settings
from backorder.db.uow import UnitOfWork
from backorder.domain.errors import BackorderError

out = Console()
err = Console(stderr=True)


@contextmanager
def service() -> Iterator[UnitOfWork]:
    """A unit of work on the configured database; refusals become a message and exit 1."""
    uow = UnitOfWork(Settings())
    try:
        yield uow
    except BackorderError as error:
        err.print(f"[red]{error.code}[/red]: {error.message}")
        raise typer.Exit(1) from error
    finally:
        uow.dispose()
