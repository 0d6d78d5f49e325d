"""The ``backorder`` command: the same services as the API, for the warehouse desk.

Every command exits 0 on success and non-zero with a message that says what to do when
the service refuses (1) or the input is wrong (2).
"""

from __future__ import annotations

from typing import Annotated

import typer
import uvicorn
from rich.table import Table

from backorder.cli_common import err, out, service
from backorder.cli_outbox import events_app, settings_app, worker
from backorder.cli_planning import import_app, plan
from backorder.cli_purchasing import etas_app, po_app
from backorder.cli_users import users_app
from backorder.config import Settings
from backorder.db import migrate
from backorder.domain.model import Role
from backorder.services import backorders, catalogue, inventory, keys, orders, users

app = typer.Typer(help="Backorder management service.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
keys_app = typer.Typer(help="API keys.", no_args_is_help=True)
inventory_app = typer.Typer(help="Stock on hand and its ledger.", no_args_is_help=True)
backorders_app = typer.Typer(help="The backorder queue.", no_args_is_help=True)
orders_app = typer.Typer(help="Orders.", no_args_is_help=True)
preorders_app = typer.Typer(help="Pre-orders.", no_args_is_help=True)
for sub, name in (
    (db_app, "db"),
    (po_app, "po"),
    (etas_app, "etas"),
    (events_app, "events"),
    (settings_app, "settings"),
    (keys_app, "keys"),
    (users_app, "users"),
    (inventory_app, "inventory"),
    (backorders_app, "backorders"),
    (orders_app, "orders"),
    (preorders_app, "preorders"),
    (import_app, "import"),
):
    app.add_typer(sub, name=name)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Default: BACKORDER_HOST or 127.0.0.1")] = None,
    port: Annotated[int | None, typer.Option(help="Default: BACKORDER_PORT or 8000")] = None,
    workers: Annotated[int, typer.Option(min=1, help="Processes sharing the database")] = 1,
    with_worker: Annotated[
        bool, typer.Option("--worker/--no-worker", help="Deliver the outbox in-process")
    ] = True,
) -> None:
    """Apply migrations and serve the API (with a worker thread delivering email and
    webhooks, unless --no-worker)."""
    import os

    if with_worker:
        os.environ["BACKORDER_EMBEDDED_WORKER"] = "true"

    settings = Settings()
    with service() as uow:
        migrate.upgrade(uow.writer)
        if keys.count_active_keys(uow) == 0:
            out.print(
                "No API key exists yet. Create the first one with:\n"
                "  [bold]backorder keys create --role admin[/bold]"
            )
        if with_worker:
            mail = settings.smtp_host or f"files in {settings.mail_folder}"
            out.print(f"Email goes to {mail}; webhooks are sent by the worker in this process.")
        if not users.list_users(uow):
            out.print(
                "No dashboard user exists yet. Create one with:\n"
                "  [bold]backorder users create you@example.com --role admin[/bold]"
            )
    factory, host, port = (
        "backorder.api.app:create_app",
        host or settings.host,
        port or settings.port,
    )
    # No uvicorn access log: the app logs every request itself, with its id and latency.
    uvicorn.run(factory, factory=True, host=host, port=port, workers=workers, access_log=False)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration."""
    with service() as uow:
        migrate.upgrade(uow.writer)
        out.print(f"database at revision {migrate.current_revision(uow.writer)}")


@keys_app.command("create")
def keys_create(
    role: Annotated[Role, typer.Option(help="admin, staff or storefront")],
    label: Annotated[str | None, typer.Option(help="What the key is for")] = None,
) -> None:
    """Create an API key; it is printed once, alone on the last line."""
    with service() as uow:
        issued = keys.create_api_key(uow, role, label=label)
    out.print(f"created {issued.role.value} key {issued.id}; keep it secret, it is not stored:")
    print(issued.secret)


@inventory_app.command("show")
def inventory_show(sku: str) -> None:
    """On hand, allocated, available, backordered and on order for one SKU."""
    with service() as uow:
        view = catalogue.get_inventory(uow, sku)
    table = Table("sku", "on hand", "allocated", "available", "backordered", "on order")
    table.add_row(
        view.sku,
        *(str(n) for n in (view.on_hand, view.allocated, view.available, view.backordered)),
        str(view.on_order),
    )
    out.print(table)


@inventory_app.command(
    "adjust", context_settings={"ignore_unknown_options": True, "allow_interspersed_args": True}
)
def inventory_adjust(
    sku: str,
    delta: Annotated[int, typer.Argument(help="Units to add (positive) or remove (negative)")],
    reason: Annotated[str, typer.Option(help="Why: stock count, damage, return, ...")],
) -> None:
    """Count stock in or out; new units go to waiting customers at once."""
    with service() as uow:
        view = inventory.adjust_inventory(uow, sku, delta, reason=reason)
    out.print(
        f"{view.sku}: on hand {view.on_hand}, allocated {view.allocated}, "
        f"available {view.available}, backordered {view.backordered}"
    )


@inventory_app.command("verify")
def inventory_verify() -> None:
    """Rebuild every product from the ledger and the order lines; exit 1 on any drift."""
    with service() as uow, out.status("rebuilding stock from the ledger..."):
        checked, drifts = inventory.verify_inventory(uow)
    if not drifts:
        out.print(f"[green]no drift[/green] in {checked} products")
        return
    table = Table("sku", "counter", "stored", "expected", title="drift")
    for d in drifts:
        table.add_row(d.sku, d.counter, str(d.stored), str(d.expected))
    out.print(table)
    err.print(f"[red]{len(drifts)} counters drifted[/red] in {checked} products")
    raise typer.Exit(1)


@backorders_app.command("list")
def backorders_list(
    sku: Annotated[str | None, typer.Option(help="Only this SKU")] = None,
    customer: Annotated[int | None, typer.Option(help="Only this customer id")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 100,
) -> None:
    """Waiting lines in the order they will be served."""
    with service() as uow:
        rows = backorders.list_backorders(uow, sku=sku, customer_id=customer, limit=limit)
    table = Table("pos", "sku", "order", "line", "customer", "waiting", "priority", "since", "eta")
    for r in rows:
        table.add_row(
            str(r.position),
            r.sku,
            str(r.order_id),
            str(r.line_id),
            str(r.customer_id),
            str(r.backordered),
            str(r.priority),
            r.created_at.strftime("%Y-%m-%d %H:%M"),
            str(r.estimated_ship_date or "-"),
        )
    out.print(table if rows else "no backorders")


@orders_app.command("show")
def orders_show(order_id: int) -> None:
    """One order with its lines."""
    with service() as uow:
        order = orders.get_order(uow, order_id)
    out.print(
        f"order {order.id} for customer {order.customer_id}: [bold]{order.status.value}[/bold] "
        f"({order.ship_policy.value}), placed {order.created_at:%Y-%m-%d %H:%M} UTC"
    )
    table = Table(
        "line",
        "sku",
        "ordered",
        "allocated",
        "backordered",
        "shipped",
        "cancelled",
        "status",
        "eta",
    )
    for ln in order.lines:
        table.add_row(
            str(ln.id),
            ln.sku,
            *(str(n) for n in (ln.ordered, ln.allocated, ln.backordered, ln.shipped, ln.cancelled)),
            ln.status.value,
            str(ln.estimated_ship_date or "-"),
        )
    out.print(table)


@preorders_app.command("release")
def preorders_release() -> None:
    """Serve waiting pre-order lines whose release date has come (run daily)."""
    with service() as uow:
        released = inventory.release_preorders(uow)
    for sku, units in released.items():
        out.print(f"{sku}: {units} units allocated")
    if not released:
        out.print("no pre-order to release")


app.command()(worker)
app.command()(plan)


def main() -> None:
    app()
