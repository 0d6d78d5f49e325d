"""``backorder po`` and ``backorder etas``: purchasing from the warehouse desk."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer
from rich.progress import Progress
from rich.table import Table

from backorder.cli_common import err, out, service
from backorder.domain.errors import InvalidInputError
from backorder.services import etas, purchase_orders, receiving, suggestions

po_app = typer.Typer(
    help="Purchase orders: suggest, create, receive, reschedule.", no_args_is_help=True
)
etas_app = typer.Typer(help="Estimated ship dates.", no_args_is_help=True)


@po_app.command("suggest")
def po_suggest() -> None:
    """What to buy now: the uncovered backlog, one draft per supplier."""
    with service() as uow:
        result = suggestions.suggest_purchase_orders(uow)
    for draft in result.drafts:
        table = Table(
            "sku",
            "qty",
            "covers (order/line: units)",
            title=f"supplier {draft.supplier_id}, expected {draft.expected_date}",
        )
        for line in draft.lines:
            covers = ", ".join(f"{c.order_id}/{c.line_id}: {c.qty}" for c in line.covers)
            table.add_row(line.sku, str(line.qty), covers)
        out.print(table)
    if result.unsourced:
        err.print(
            f"[yellow]no supplier[/yellow] for {', '.join(result.unsourced)}: add one with "
            "POST /api/v1/suppliers/{id}/products, or their customers get no date"
        )
    if not result.drafts and not result.unsourced:
        out.print("nothing to buy: stock and open purchase orders cover every waiting line")


@po_app.command("create-from-suggestions")
def po_create_from_suggestions() -> None:
    """Save every current suggestion as an open purchase order."""
    with service() as uow:
        created = suggestions.create_from_suggestions(uow)
    for po in created:
        units = sum(line.ordered for line in po.lines)
        out.print(
            f"purchase order {po.id} to supplier {po.supplier_id}: {units} units, "
            f"expected {po.expected_date}"
        )
    if not created:
        out.print("nothing to buy")


@po_app.command("list")
def po_list(
    supplier: Annotated[int | None, typer.Option(help="Only this supplier id")] = None,
    status: Annotated[
        str | None, typer.Option(help="open, partially_received, received, cancelled")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 100,
) -> None:
    """Purchase orders, newest first."""
    with service() as uow:
        pos = purchase_orders.list_purchase_orders(
            uow, supplier_id=supplier, status=status, offset=0, limit=limit
        )
    table = Table("id", "supplier", "status", "expected", "lines (sku ordered/received)")
    for po in pos:
        lines = ", ".join(f"{ln.sku} {ln.ordered}/{ln.received}" for ln in po.lines)
        table.add_row(str(po.id), str(po.supplier_id), po.status, str(po.expected_date), lines)
    out.print(table if pos else "no purchase orders")


def _parse_received(items: list[str]) -> list[tuple[str, int]]:
    lines = []
    for item in items:
        sku, _, qty = item.partition("=")
        if not sku or not qty.isdigit() or int(qty) < 1:
            raise InvalidInputError(f"{item!r} is not SKU=QTY with QTY a whole number above 0")
        lines.append((sku, int(qty)))
    return lines


@po_app.command("receive")
def po_receive(
    po_id: int,
    items: Annotated[list[str], typer.Argument(help="What arrived, as SKU=QTY ...")],
) -> None:
    """Book stock in; prints who got it and what can ship now, straight from the dock."""
    with service() as uow:
        receipt = receiving.receive_purchase_order(uow, po_id, _parse_received(items))
    out.print(f"receipt {receipt.receipt_id}: purchase order {po_id} is {receipt.status}")
    table = Table("order", "line", "sku", "allocated", title="allocations")
    for a in receipt.allocations:
        table.add_row(str(a.order_id), str(a.line_id), a.sku, str(a.qty))
    out.print(table if receipt.allocations else "no waiting line took this stock")
    for extra in receipt.extra:
        out.print(
            f"[yellow]{extra.qty} units of {extra.sku} beyond the order[/yellow], kept as stock"
        )
    ready = ", ".join(map(str, receipt.ready_to_ship)) or "none"
    out.print(f"[bold]cross-dock[/bold] (ship now): {ready}")


@po_app.command("delay")
def po_delay(po_id: int, expected_date: Annotated[str, typer.Argument(help="YYYY-MM-DD")]) -> None:
    """Record a supplier's new date; ETAs follow, delayed customers get a notice."""
    try:
        day = date.fromisoformat(expected_date)
    except ValueError as error:
        err.print(f"{expected_date!r} is not a date: use YYYY-MM-DD")
        raise typer.Exit(2) from error
    with service() as uow:
        po = purchase_orders.reschedule_purchase_order(uow, po_id, day)
    out.print(f"purchase order {po.id} now expected {po.expected_date}")


@etas_app.command("refresh")
def etas_refresh() -> None:
    """Re-peg every product with waiting lines (run daily: lead-time dates move with
    today, and yesterday's receipts update supplier lateness)."""
    with service() as uow:
        product_ids = etas.products_waiting(uow)
        changed = 0
        with Progress(console=out, transient=True) as progress:
            task = progress.add_task("re-pegging", total=len(product_ids))
            for product_id in product_ids:
                changed += etas.refresh_product(uow, product_id)
                progress.advance(task)
    out.print(f"{len(product_ids)} products re-pegged, {changed} lines got a new date")
