"""Order placement latency while a large receipt is being allocated.

One hot product with twice 20,000 waiting one-unit lines and a purchase order covering
them; 10,000 other products as in ``bench.placement``. First the purchase order is
received for 20,000 units with nothing else running (the receipt alone). Then N client
threads place one-line orders, a share of them on the hot product and the rest on the
other products (without stock: each line is backordered and dated). After a few seconds
the purchase order is received for 20,000 more units, in one transaction that holds the
hot product's row lock (SQLite: the database's write lock) while it fills every line; a
few seconds later the clients stop. Orders are sorted by when they ran: before the
receipt, during it (any overlap), after it.

Clients and the receipt share one process, as an API process's handlers do.

    python -m bench.receipt_contention [--clients 8] [--waiting 20000] [--hot-share 0.25]
        [--before 3] [--after 3] [--databases sqlite,postgres]
"""

from __future__ import annotations

import os
import random
import threading
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any

import typer
from bench.chart import bars
from bench.common import (
    RESULTS,
    WIDE,
    fresh_database,
    load_average,
    percentile,
    publish,
    save,
    seed_waiting_lines,
    settle,
    timed,
)
from bench.placement import PRODUCTS, seed
from rich.console import Console
from rich.table import Table

from backorder.db.uow import UnitOfWork
from backorder.domain.allocation import LineRequest
from backorder.domain.model import BackorderPolicy
from backorder.services import catalogue, orders, purchase_orders, receiving, suppliers

HOT = "HOT"
PHASES = ("before", "during", "after")


def setup(uow: UnitOfWork, waiting: int) -> tuple[int, int]:
    """The other products and a customer, then the hot product with twice ``waiting``
    lines and an open purchase order for as many units. Returns (customer id, PO id)."""
    customer = seed(uow)
    product = catalogue.create_product(
        uow, catalogue.NewProduct(HOT, "Hot item", Decimal("9.99"), BackorderPolicy.ALLOW)
    )
    vendor = suppliers.create_supplier(uow, name="Vendor", email="v@example.com", lead_time_days=14)
    suppliers.add_supplier_product(uow, vendor.id, suppliers.NewSupplierProduct(HOT, Decimal("4")))
    seed_waiting_lines(uow, product.id, 2 * waiting)
    due = datetime.now(UTC).date() + timedelta(days=5)
    new = purchase_orders.NewPurchaseOrder(vendor.id, [(HOT, 2 * waiting)], expected_date=due)
    return customer, purchase_orders.create_purchase_order(uow, new).id


def receive(uow: UnitOfWork, po_id: int, units: int) -> tuple[float, int]:
    """Receive ``units`` of the hot product: milliseconds taken, lines filled."""
    ms, receipt = timed(lambda: receiving.receive_purchase_order(uow, po_id, [(HOT, units)]))
    return ms, len(receipt.allocations)


def contend(
    uow: UnitOfWork,
    customer: int,
    po_id: int,
    *,
    clients: int,
    waiting: int,
    hot_share: float,
    before: float,
    after: float,
) -> dict[str, Any]:
    """Run the clients, receive the purchase order in the middle, and return every order's
    (start, end, target, ok) with the receipt's window."""
    stop = threading.Event()
    records: list[tuple[float, float, str, bool]] = []
    lock = threading.Lock()

    def client(n: int) -> None:
        rng = random.Random(n)
        mine = []
        while not stop.is_set():
            hot = rng.random() < hot_share
            sku = HOT if hot else f"P{rng.randrange(1, PRODUCTS):05d}"
            new = orders.NewOrder(customer_id=customer, lines=[LineRequest(sku, 1)])
            started = time.perf_counter()
            try:
                orders.place_order(uow, new)
                ok = True
            except Exception:  # counted, not hidden
                ok = False
            mine.append((started, time.perf_counter(), "hot" if hot else "other", ok))
        with lock:
            records.extend(mine)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    time.sleep(before)
    receipt_start = time.perf_counter()
    receipt_ms, filled = receive(uow, po_id, waiting)
    receipt_end = time.perf_counter()
    time.sleep(after)
    stop.set()
    for t in threads:
        t.join()
    return {
        "records": records,
        "receipt_start": receipt_start,
        "receipt_end": receipt_end,
        "receipt_ms": receipt_ms,
        "lines_filled": filled,
    }


def phase_of(started: float, ended: float, window: tuple[float, float]) -> str:
    if ended < window[0]:
        return "before"
    if started > window[1]:
        return "after"
    return "during"


def summarise(run: dict[str, Any]) -> list[dict[str, Any]]:
    """p50, p99 and max per phase and target (hot product, other products)."""
    window = (run["receipt_start"], run["receipt_end"])
    groups: dict[tuple[str, str], list[float]] = {}
    failures: dict[tuple[str, str], int] = {}
    for started, ended, target, ok in run["records"]:
        key = (phase_of(started, ended, window), target)
        if ok:
            groups.setdefault(key, []).append((ended - started) * 1000)
        else:
            failures[key] = failures.get(key, 0) + 1
    rows = []
    for phase in PHASES:
        for target in ("other", "hot"):
            latencies = groups.get((phase, target), [])
            rows.append(
                {
                    "phase": phase,
                    "target": target,
                    "orders": len(latencies),
                    "failures": failures.get((phase, target), 0),
                    "p50_ms": percentile(latencies, 0.50) if latencies else None,
                    "p99_ms": percentile(latencies, 0.99) if latencies else None,
                    "max_ms": max(latencies) if latencies else None,
                }
            )
    return rows


def ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def main(
    clients: Annotated[int, typer.Option(help="Client threads placing orders")] = 8,
    waiting: Annotated[int, typer.Option(help="Waiting lines the receipt fills")] = 20_000,
    hot_share: Annotated[float, typer.Option(help="Share of orders on the hot product")] = 0.25,
    before: Annotated[float, typer.Option(help="Seconds of orders before the receipt")] = 3,
    after: Annotated[float, typer.Option(help="Seconds of orders after the receipt")] = 3,
    databases: Annotated[str, typer.Option(help="sqlite, postgres")] = "sqlite,postgres",
) -> None:
    console = Console(width=WIDE)
    postgres_url = os.environ.get("BACKORDER_BENCH_POSTGRES_URL")
    kinds = [d for d in databases.split(",") if d == "sqlite" or postgres_url]
    load_before = load_average()
    results = []
    for db in kinds:
        with fresh_database(db, postgres_url) as uow:
            customer, po_id = setup(uow, waiting)
            settle(uow)
            alone_ms, filled = receive(uow, po_id, waiting)
            assert filled == waiting
            run = contend(
                uow,
                customer,
                po_id,
                clients=clients,
                waiting=waiting,
                hot_share=hot_share,
                before=before,
                after=after,
            )
        results.append(
            {
                "database": db,
                "receipt_alone_ms": alone_ms,
                "receipt_ms": run["receipt_ms"],
                "lines_filled": run["lines_filled"],
                "phases": summarise(run),
            }
        )
    table = Table(
        "database",
        "phase",
        "orders on",
        "orders",
        "failures",
        "p50 ms",
        "p99 ms",
        "max ms",
        title=f"placement while a receipt fills {waiting:,} lines, {clients} clients",
    )
    for r in results:
        for p in r["phases"]:
            table.add_row(
                r["database"],
                p["phase"],
                "hot product" if p["target"] == "hot" else "other products",
                str(p["orders"]),
                str(p["failures"]),
                ms(p["p50_ms"]),
                ms(p["p99_ms"]),
                ms(p["max_ms"]),
            )
    console.print(table)
    for r in results:
        console.print(
            f"  {r['database']}: a receipt filling {r['lines_filled']:,} lines took "
            f"{r['receipt_alone_ms']:,.0f} ms alone, {r['receipt_ms']:,.0f} ms under the clients"
        )
    load = {"before": load_before, "after": load_average()}
    console.print(
        f"  load average {load['before'][0]:.2f} before, {load['after'][0]:.2f} after, "
        f"on {os.cpu_count()} cores"
    )
    payload = {
        "clients": clients,
        "waiting": waiting,
        "hot_share": hot_share,
        "load_average": load,
        "results": results,
    }
    console.print(f"saved {save('receipt_contention', payload)}")
    chart = [
        (f"{r['database']}, {p['phase']}, {p['target']}", p["p99_ms"])
        for r in results
        for p in r["phases"]
        if p["p99_ms"] is not None
    ]
    chart += [
        (f"{r['database']}, {label}", r[key])
        for r in results
        for key, label in (("receipt_alone_ms", "receipt alone"), ("receipt_ms", "receipt, loaded"))
    ]
    title = f"Placement p99 around a receipt filling {waiting:,} lines"
    path = bars(title, "ms", chart, RESULTS / "receipt-contention-p99.svg")
    console.print(f"chart {path}, copied to {publish(path)}")


if __name__ == "__main__":
    typer.run(main)
