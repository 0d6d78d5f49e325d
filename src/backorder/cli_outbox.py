"""``backorder worker``, ``backorder events`` and ``backorder settings``."""

from __future__ import annotations

import signal
import threading
from dataclasses import asdict
from typing import Annotated

import typer
from rich.table import Table

from backorder.cli_common import err, out, service
from backorder.services import business, dispatch
from backorder.worker import Worker

events_app = typer.Typer(help="The outbox: events and their deliveries.", no_args_is_help=True)
settings_app = typer.Typer(help="Business settings kept in the database.", no_args_is_help=True)


def worker(
    once: Annotated[bool, typer.Option("--once", help="One pass, then exit")] = False,
) -> None:
    """Deliver the outbox (email, webhooks) and run the scheduled jobs until stopped."""
    with service() as uow:
        runner = Worker(uow)
        if once:
            out.print(f"{runner.run_once()} deliveries attempted")
            return
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        out.print("worker running; Ctrl+C stops it")
        runner.run(stop)


@events_app.command("list")
def events_list(
    status: Annotated[str | None, typer.Option(help="pending, delivered or failed")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
) -> None:
    """Deliveries of events, newest first, with their attempts and last error."""
    with service() as uow:
        rows = dispatch.list_deliveries(uow, status=status, limit=limit)
    table = Table("delivery", "event", "type", "to", "status", "attempts", "last error")
    for d in rows:
        target = d.target if d.channel == "email" else f"webhook {d.target}"
        table.add_row(
            str(d.id),
            str(d.event_id),
            d.event_type,
            target,
            d.status,
            str(d.attempts),
            d.last_error or "",
        )
    out.print(table if rows else "no deliveries")


@events_app.command("redeliver")
def events_redeliver(delivery_id: int) -> None:
    """Put a failed delivery back in line for the worker."""
    with service() as uow:
        view = dispatch.redeliver(uow, delivery_id)
    out.print(f"delivery {view.id} ({view.event_type} to {view.target}) is pending again")


def _print_settings(current: business.BusinessSettings) -> None:
    for key, value in asdict(current).items():
        out.print(f"{key.replace('_', '-')}: {value}")


@settings_app.command("show")
def settings_show() -> None:
    with service() as uow:
        _print_settings(business.get_business_settings(uow))


@settings_app.command("set-waiting-update-days")
def settings_set_waiting_update_days(
    days: Annotated[int, typer.Argument(min=0, max=365, help="0 turns updates off")],
) -> None:
    """How often a waiting customer hears where their items stand."""
    with service() as uow:
        current = business.update_settings(uow, waiting_update_days=days)
    out.print(f"waiting-update-days: {current.waiting_update_days}")


@settings_app.command("set-replenishment")
def settings_set_replenishment(
    service_level: Annotated[
        float | None, typer.Option(help="Default target cycle service level, e.g. 0.95")
    ] = None,
    ordering_cost: Annotated[
        float | None, typer.Option(help="Default cost of ordering one line from a supplier")
    ] = None,
    holding_cost_rate: Annotated[
        float | None, typer.Option(help="Default yearly holding cost, a share of unit cost")
    ] = None,
    demand_window_days: Annotated[
        int | None, typer.Option(help="Days of demand history behind a forecast")
    ] = None,
) -> None:
    """The defaults of replenishment planning; products may override the first three."""
    given = {
        "service_level": service_level,
        "ordering_cost": ordering_cost,
        "holding_cost_rate": holding_cost_rate,
        "demand_window_days": demand_window_days,
    }
    changes = {key: value for key, value in given.items() if value is not None}
    if not changes:
        err.print("nothing to set: give at least one option (see --help)")
        raise typer.Exit(2)
    with service() as uow:
        _print_settings(business.update_settings(uow, **changes))
