"""Receipt allocation and ETA re-pegging versus the number of waiting lines.

For 1,000 / 10,000 / 100,000 waiting lines of one product: time a receipt that fills
1,000 of them, and a full ETA re-peg of the product's queue. A receipt's cost should
grow with the lines it fills, not with the lines waiting; a re-peg reads the queue once.

    python bench/receiving.py [--sizes 1000,10000,100000] [--databases sqlite,postgres]

PostgreSQL runs on BACKORDER_BENCH_POSTGRES_URL (its schema is reset).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Annotated

import typer
from bench.chart import bars
from bench.common import RESULTS, fresh_database, median, save, seed_waiting_lines, timed
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from backorder.db.uow import UnitOfWork
from backorder.domain.model import BackorderPolicy
from backorder.services import catalogue, etas, purchase_orders, receiving, suppliers

FILL = 1_000
ROUNDS = 3


def setup(uow: UnitOfWork, waiting: int) -> tuple[int, int]:
    """One product with ``waiting`` one-unit lines and a purchase order that covers them."""
    product = catalogue.create_product(
        uow, catalogue.NewProduct("HOT", "Hot item", Decimal("9.99"), BackorderPolicy.ALLOW)
    )
    vendor = suppliers.create_supplier(uow, name="Vendor", email="v@example.com", lead_time_days=14)
    suppliers.add_supplier_product(
        uow, vendor.id, suppliers.NewSupplierProduct("HOT", Decimal("4"))
    )
    seed_waiting_lines(uow, product.id, waiting)
    due = datetime.now(UTC).date() + timedelta(days=5)
    ordered = waiting + FILL * ROUNDS
    new = purchase_orders.NewPurchaseOrder(vendor.id, [("HOT", ordered)], expected_date=due)
    return product.id, purchase_orders.create_purchase_order(uow, new).id


def measure(uow: UnitOfWork, waiting: int) -> dict[str, float]:
    product_id, po_id = setup(uow, waiting)
    receipts, repegs = [], []
    for _ in range(ROUNDS):
        ms, receipt = timed(lambda: receiving.receive_purchase_order(uow, po_id, [("HOT", FILL)]))
        assert len(receipt.allocations) == FILL
        receipts.append(ms)
        seed_waiting_lines(uow, product_id, FILL)  # back to ``waiting`` lines, untimed
        etas.refresh_product(uow, product_id)  # dates the new lines
        repegs.append(timed(lambda: etas.refresh_product(uow, product_id))[0])
    return {"waiting": waiting, "receipt_ms": median(receipts), "repeg_ms": median(repegs)}


def main(
    sizes: Annotated[
        str, typer.Option(help="Waiting lines, comma-separated")
    ] = "1000,10000,100000",
    databases: Annotated[str, typer.Option(help="sqlite, postgres")] = "sqlite,postgres",
) -> None:
    console = Console()
    postgres_url = os.environ.get("BACKORDER_BENCH_POSTGRES_URL")
    runs = [(db, int(n)) for db in databases.split(",") for n in sizes.split(",")]
    if not postgres_url:
        runs = [(db, n) for db, n in runs if db == "sqlite"]
        console.print("[yellow]BACKORDER_BENCH_POSTGRES_URL not set: SQLite only[/yellow]")
    rows = []
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("measuring", total=len(runs))
        for db, waiting in runs:
            with fresh_database(db, postgres_url) as uow:
                rows.append({"database": db, **measure(uow, waiting)})
            progress.advance(task)
    table = Table(
        "database",
        "waiting lines",
        f"receipt filling {FILL} (ms)",
        "full ETA re-peg (ms)",
        title=f"receiving and re-pegging, median of {ROUNDS}",
    )
    for r in rows:
        table.add_row(
            r["database"], f"{r['waiting']:,}", f"{r['receipt_ms']:.1f}", f"{r['repeg_ms']:.1f}"
        )
    console.print(table)
    console.print(f"saved {save('receiving', {'fill': FILL, 'rows': rows})}")
    for key, title in (
        ("receipt_ms", f"Receipt filling {FILL:,} lines"),
        ("repeg_ms", "Full ETA re-peg of the queue"),
    ):
        chart = [(f"{r['database']}, {r['waiting']:,} waiting", r[key]) for r in rows]
        console.print(f"chart {bars(title, 'ms', chart, RESULTS / f'receiving-{key}.svg')}")


if __name__ == "__main__":
    typer.run(main)
