"""Demand-history import and replenishment planning versus size.

Import: a CSV of ``date,sku,qty`` rows (1,000 products, one row per product and day) is
imported through the real ``backorder import demand`` command, Python start-up included,
and through the service alone (parse, check, write). The issue's bar: 100,000 rows in
under 10 s.

Planning: every product's plan (``backorder plan``) and the purchase suggestions that
now include reorder points, with 90 days of history per product, for growing numbers of
products: with the day's forecasts stored (as the worker keeps them), with none stored
(the first read of a day before the job ran), and the job that stores them.

    python -m bench.replenishment [--rows 10000,100000] [--products 1000,10000]
                                  [--databases sqlite,postgres]

PostgreSQL runs on BACKORDER_BENCH_POSTGRES_URL (its schema is reset).
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from bench.chart import bars
from bench.common import RESULTS, fresh_database, load_average, machine, save, timed
from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from sqlalchemy import insert

from backorder.db.models import Product
from backorder.db.uow import UnitOfWork
from backorder.services import demand, replenishment, suggestions

PRODUCTS_IN_FILE = 1_000
HISTORY_DAYS = 90


def seed_products(uow: UnitOfWork, count: int) -> list[str]:
    """``count`` products with a little stock, created before the history starts."""
    created = datetime.now(UTC) - timedelta(days=365)
    skus = [f"SKU-{i:06d}" for i in range(count)]
    rows = [
        {
            "sku": sku,
            "name": sku,
            "price": 10,
            "backorder_policy": "allow",
            "on_hand": 50,
            "allocated": 0,
            "backordered": 0,
            "on_order": 0,
            "created_at": created,
        }
        for sku in skus
    ]
    with uow.writer.begin() as connection:
        connection.execute(insert(Product), rows)
    return skus


def write_csv(path: Path, skus: list[str], rows: int) -> None:
    """``rows`` rows: each product a day at a time, going back from yesterday."""
    rng = random.Random(7)
    today = datetime.now(UTC).date()
    with path.open("w") as handle:
        handle.write("date,sku,qty\n")
        for i in range(rows):
            day = today - timedelta(days=1 + i // len(skus))
            handle.write(f"{day},{skus[i % len(skus)]},{rng.choice((0, 0, 1, 2, 3, 5, 8))}\n")


def measure_import(kind: str, url: str | None, rows: int, folder: Path) -> dict[str, Any]:
    """The command first, into an empty history (what a user sees), then the service
    alone re-importing the same file (every row replaces one)."""
    path = folder / f"demand-{rows}.csv"
    with fresh_database(kind, url) as uow:
        skus = seed_products(uow, PRODUCTS_IN_FILE)
        write_csv(path, skus, rows)
        database = uow.writer.url.render_as_string(hide_password=False)
        command = [str(Path(sys.executable).parent / "backorder"), "import", "demand", str(path)]
        cli_ms, done = timed(
            lambda: subprocess.run(
                command,
                env={**os.environ, "BACKORDER_DATABASE_URL": database},
                capture_output=True,
                text=True,
                check=False,
            )
        )
        if done.returncode != 0:
            raise SystemExit(done.stderr)
        with path.open() as handle:
            parse_ms, (parsed, bad) = timed(lambda: demand.parse_csv(handle))
        write_ms, _ = timed(lambda: demand.import_demand(uow, parsed, bad=bad))
    return {"parse_ms": parse_ms, "write_ms": write_ms, "cli_ms": cli_ms}


def measure_planning(kind: str, url: str | None, products: int) -> dict[str, Any]:
    with fresh_database(kind, url) as uow:
        skus = seed_products(uow, products)
        rng = random.Random(3)
        today = datetime.now(UTC).date()
        rows = [
            demand.DemandRow(0, today - timedelta(days=d), sku, rng.choice((0, 0, 1, 2, 4, 9)))
            for sku in skus
            for d in range(1, HISTORY_DAYS + 1)
        ]
        demand.import_demand(uow, rows)  # stores today's forecasts too
        plan_ms, plans = timed(lambda: replenishment.all_plans(uow))
        suggest_ms, _ = timed(lambda: suggestions.suggest_purchase_orders(uow))
        one_ms, _ = timed(lambda: replenishment.product_plan(uow, skus[0]))
        # Tomorrow: nothing stored holds, so suggestions forecast from the history,
        # until the worker's job stores the day's forecasts.
        tomorrow = datetime.now(UTC) + timedelta(days=1)
        cold_ms, _ = timed(lambda: suggestions.suggest_purchase_orders(uow, today=tomorrow.date()))
        job_ms, _ = timed(lambda: replenishment.refresh_forecasts(uow, now=tomorrow))
    assert len(plans) == products
    return {
        "plan_all_ms": plan_ms,
        "suggest_ms": suggest_ms,
        "plan_one_ms": one_ms,
        "suggest_cold_ms": cold_ms,
        "forecast_job_ms": job_ms,
    }


def main(
    rows: Annotated[str, typer.Option(help="Rows per import, comma-separated")] = "10000,100000",
    products: Annotated[str, typer.Option(help="Products planned")] = "1000,10000",
    databases: Annotated[str, typer.Option(help="sqlite, postgres")] = "sqlite,postgres",
) -> None:
    console = Console()
    url = os.environ.get("BACKORDER_BENCH_POSTGRES_URL")
    kinds = [db for db in databases.split(",") if db == "sqlite" or url]
    if len(kinds) < len(databases.split(",")):
        console.print("[yellow]BACKORDER_BENCH_POSTGRES_URL not set: SQLite only[/yellow]")
    imports: list[dict[str, Any]] = []
    plans: list[dict[str, Any]] = []
    sizes = [int(n) for n in rows.split(",")]
    counts = [int(n) for n in products.split(",")]
    progress = Progress(console=console, transient=True)
    with progress, tempfile.TemporaryDirectory() as tmp:
        task = progress.add_task("measuring", total=len(kinds) * (len(sizes) + len(counts)))
        for kind in kinds:
            for size in sizes:
                figures = measure_import(kind, url, size, Path(tmp))
                imports.append({"database": kind, "rows": size, **figures})
                progress.advance(task)
            for count in counts:
                figures = measure_planning(kind, url, count)
                plans.append({"database": kind, "products": count, **figures})
                progress.advance(task)
    table = Table(
        "database",
        "rows",
        "parse (ms)",
        "check + write (ms)",
        "rows/s",
        "CLI end to end (s)",
        title=f"demand import ({PRODUCTS_IN_FILE:,} products)",
    )
    for r in imports:
        rate = r["rows"] / ((r["parse_ms"] + r["write_ms"]) / 1000)
        table.add_row(
            r["database"],
            f"{r['rows']:,}",
            f"{r['parse_ms']:.0f}",
            f"{r['write_ms']:.0f}",
            f"{rate:,.0f}",
            f"{r['cli_ms'] / 1000:.2f}",
        )
    console.print(table)
    table = Table(
        "database",
        "products",
        "every plan (ms)",
        "suggestions (ms)",
        "one product (ms)",
        "suggestions, nothing stored (ms)",
        "forecast job (ms)",
        title=f"planning with {HISTORY_DAYS} days of history per product",
    )
    for r in plans:
        table.add_row(
            r["database"],
            f"{r['products']:,}",
            f"{r['plan_all_ms']:.0f}",
            f"{r['suggest_ms']:.0f}",
            f"{r['plan_one_ms']:.1f}",
            f"{r['suggest_cold_ms']:.0f}",
            f"{r['forecast_job_ms']:.0f}",
        )
    console.print(table)
    console.print(f"{machine()}; load average {load_average()[0]:.2f}")
    console.print(f"saved {save('replenishment', {'imports': imports, 'plans': plans})}")
    chart = [(f"{r['database']}, {r['rows']:,} rows", r["cli_ms"] / 1000) for r in imports]
    path = RESULTS / "replenishment-import.svg"
    console.print(f"chart {bars('backorder import demand, end to end', 's', chart, path)}")


if __name__ == "__main__":
    typer.run(main)
