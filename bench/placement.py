"""Order placement throughput and latency, in-process, beside the database's own ceiling.

One-line orders from 1, 4 and 16 client threads (each its own session from one pool, as
an API process's handlers are), spread over 10,000 products or all on one hot product.
PostgreSQL's ceiling is pgbench's TPC-B run in the same session on the same machine.

    python -m bench.placement [--seconds 5] [--clients 1,4,16] [--databases sqlite,postgres]
"""

from __future__ import annotations

import os
import random
import re
import subprocess
from collections.abc import Callable
from decimal import Decimal
from typing import Annotated

import typer
from bench.chart import bars
from bench.common import RESULTS, drive, fresh_database, save
from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from sqlalchemy import insert

from backorder.db.models import Product
from backorder.db.uow import UnitOfWork
from backorder.domain.allocation import LineRequest
from backorder.services import catalogue, inventory, orders
from backorder.services.clock import utcnow

PRODUCTS = 10_000


def seed(uow: UnitOfWork) -> int:
    """10,000 products with stock, and one customer; returns the customer id."""
    with uow.writer.begin() as connection:
        now = utcnow()
        connection.execute(
            insert(Product),
            [
                {
                    "sku": f"P{i:05d}",
                    "name": f"Product {i}",
                    "price": Decimal("1.00"),
                    "backorder_policy": "allow",
                    "on_hand": 0,
                    "allocated": 0,
                    "backordered": 0,
                    "on_order": 0,
                    "created_at": now,
                }
                for i in range(PRODUCTS)
            ],
        )
    inventory.adjust_inventory(uow, "P00000", 1_000_000, reason="bench")
    return catalogue.create_customer(uow, name="Bench", email="bench@example.com").id


def run(
    uow: UnitOfWork, customer: int, *, clients: int, hot: bool, seconds: float
) -> dict[str, float]:
    def client(n: int) -> Callable[[], bool]:
        rng = random.Random(n)

        def attempt() -> bool:
            sku = "P00000" if hot else f"P{rng.randrange(PRODUCTS):05d}"
            new = orders.NewOrder(customer_id=customer, lines=[LineRequest(sku, 1)])
            try:
                orders.place_order(uow, new)
            except Exception:  # counted, not hidden: a benchmark must not stop on one
                return False
            return True

        return attempt

    return drive(clients, seconds, client)


def pgbench_tps(url: str, clients: int, seconds: int) -> float | None:
    """TPC-B transactions per second from pgbench, on the same database server."""
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    scale = max(clients, 1)
    try:
        subprocess.run(
            ["pgbench", "-i", "-q", "-s", str(scale), dsn],
            check=True,
            capture_output=True,
            timeout=300,
        )
        done = subprocess.run(
            ["pgbench", "-c", str(clients), "-j", str(min(clients, 2)), "-T", str(seconds), dsn],
            check=True,
            capture_output=True,
            text=True,
            timeout=seconds + 120,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    found = re.search(r"tps = ([\d.]+)", done.stdout)
    return float(found.group(1)) if found else None


def main(
    seconds: Annotated[float, typer.Option(help="Seconds per measurement")] = 5,
    clients: Annotated[str, typer.Option(help="Client threads, comma-separated")] = "1,4,16",
    databases: Annotated[str, typer.Option(help="sqlite, postgres")] = "sqlite,postgres",
) -> None:
    console = Console()
    postgres_url = os.environ.get("BACKORDER_BENCH_POSTGRES_URL")
    kinds = [d for d in databases.split(",") if d == "sqlite" or postgres_url]
    counts = [int(c) for c in clients.split(",")]
    rows = []
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("measuring", total=len(kinds) * len(counts) * 2)
        for db in kinds:
            for n in counts:
                ceiling = (
                    pgbench_tps(postgres_url, n, int(seconds))
                    if db == "postgres" and postgres_url
                    else None
                )
                for hot in (False, True):
                    with fresh_database(db, postgres_url) as uow:
                        customer = seed(uow)
                        figures = run(uow, customer, clients=n, hot=hot, seconds=seconds)
                    rows.append(
                        {
                            "database": db,
                            "clients": n,
                            "hot": hot,
                            "pgbench_tps": ceiling,
                            **figures,
                        }
                    )
                    progress.advance(task)
    table = Table(
        "database",
        "clients",
        "products",
        "orders/s",
        "p50 ms",
        "p99 ms",
        "failures",
        "pgbench TPC-B tps",
        "ratio",
        title="in-process order placement",
    )
    for r in rows:
        ratio = f"{r['orders_per_s'] / r['pgbench_tps']:.2f}" if r["pgbench_tps"] else "-"
        table.add_row(
            r["database"],
            str(r["clients"]),
            "1 hot" if r["hot"] else f"{PRODUCTS:,}",
            f"{r['orders_per_s']:.0f}",
            f"{r['p50_ms']:.1f}",
            f"{r['p99_ms']:.1f}",
            str(r["failures"]),
            f"{r['pgbench_tps']:.0f}" if r["pgbench_tps"] else "-",
            ratio,
        )
    console.print(table)
    console.print(f"saved {save('placement', {'seconds': seconds, 'rows': rows})}")
    chart = [
        (
            f"{r['database']}, {r['clients']} clients, {'hot' if r['hot'] else 'spread'}",
            r["orders_per_s"],
        )
        for r in rows
    ]
    path = RESULTS / "placement-throughput.svg"
    console.print(f"chart {bars('Orders placed per second', '/s', chart, path)}")


if __name__ == "__main__":
    typer.run(main)
