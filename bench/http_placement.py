"""Order placement over HTTP against ``backorder serve --workers N``, beside a ceiling.

One-line and five-line orders (as in ``bench.placement``) from 1, 4, 16 and 64 client
threads (one keep-alive connection each), spread over 10,000 products or on one hot
product, against N server processes sharing the database, on PostgreSQL and SQLite. One
server per database, order size and product mix, on a freshly seeded database, serves
every client count in turn after a short warm-up. The ceiling, measured in the same run:
pgbench's TPC-B on the same PostgreSQL (initialised once at a scale of at least the
largest client count); on SQLite, which has no TPC-B, the mirrored placement in a loop of
Python's sqlite3 (``bench.mirror``).

    python -m bench.http_placement [--workers 2] [--seconds 5] [--clients 1,4,16,64]
        [--lines 1,5] [--databases sqlite,postgres] [--ceiling-seconds 2]
"""

from __future__ import annotations

import itertools
import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import httpx
import typer
from bench.chart import bars
from bench.common import (
    RESULTS,
    WIDE,
    drive,
    fresh_database,
    load_average,
    publish,
    save,
    settle,
)
from bench.placement import (
    ceiling,
    order_skus,
    pgbench_init,
    pgbench_tps,
    products_label,
    ratio,
    seed,
)
from rich.console import Console
from rich.table import Table

from backorder.domain.model import Role
from backorder.services.keys import create_api_key


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(
    url: str, workers: int, *, log: Path | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    """``backorder serve --no-worker`` on a free port (its output in ``log``, if given);
    returns once /readyz answers."""
    port = free_port()
    command = [
        str(Path(sys.executable).parent / "backorder"),
        "serve",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--no-worker",
    ]
    with (log or Path(os.devnull)).open("wb") as out:
        process = subprocess.Popen(
            command,
            env={**os.environ, "BACKORDER_DATABASE_URL": url},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return process, base
        except httpx.HTTPError:
            time.sleep(0.1)
    os.killpg(process.pid, signal.SIGTERM)
    raise SystemExit(f"the server did not become ready{f'; see {log}' if log else ''}")


def measure(
    base: str,
    key: str,
    customer: int,
    *,
    clients: int,
    hot: bool,
    seconds: float,
    lines: int = 1,
    seed_offset: int = 0,
) -> dict[str, float]:
    def client(n: int) -> Callable[[], bool]:
        rng = random.Random(seed_offset + n)
        http = httpx.Client(
            base_url=f"{base}/api/v1", headers={"Authorization": f"Bearer {key}"}, timeout=60
        )

        def attempt() -> bool:
            skus = order_skus(rng, hot=hot, lines=lines)
            body = {"customer_id": customer, "lines": [{"sku": s, "qty": 1} for s in skus]}
            try:
                return http.post("/orders", json=body).status_code == 201
            except httpx.HTTPError:  # counted as a failure, like a non-201
                return False

        return attempt

    return drive(clients, seconds, client)


def main(
    workers: Annotated[int, typer.Option(help="Server processes")] = 2,
    seconds: Annotated[float, typer.Option(help="Seconds per measurement")] = 5,
    clients: Annotated[str, typer.Option(help="Client threads, comma-separated")] = "1,4,16,64",
    lines: Annotated[str, typer.Option(help="Lines per order, comma-separated")] = "1,5",
    databases: Annotated[str, typer.Option(help="sqlite, postgres")] = "sqlite,postgres",
    ceiling_seconds: Annotated[int, typer.Option(help="Seconds per ceiling run")] = 2,
) -> None:
    console = Console(width=WIDE)
    url = os.environ.get("BACKORDER_BENCH_POSTGRES_URL")
    kinds = [d for d in databases.split(",") if d == "sqlite" or url]
    if not kinds:
        raise SystemExit("set BACKORDER_BENCH_POSTGRES_URL to a scratch PostgreSQL database")
    counts = [int(c) for c in clients.split(",")]
    sizes = [int(n) for n in lines.split(",")]
    load_before = load_average()
    rows = []
    for db in kinds:
        ceilings: dict[tuple[int, int, bool], float | None] = {}
        if db == "postgres" and url:
            if pgbench_init(url, max(counts)):
                for n in counts:
                    tps = pgbench_tps(url, n, ceiling_seconds, init=False)
                    ceilings |= {(n, size, hot): tps for size in sizes for hot in (False, True)}
        else:
            for size, n, hot in itertools.product(sizes, counts, (False, True)):
                cell = {"clients": n, "lines": size, "hot": hot}
                ceilings[(n, size, hot)] = ceiling(db, url, **cell, seconds=ceiling_seconds)
        for size, hot in itertools.product(sizes, (False, True)):
            with fresh_database(db, url) as uow:
                customer = seed(uow)
                key = create_api_key(uow, Role.STOREFRONT).secret
                process, base = start_server(uow.settings.database_url, workers)
                try:
                    warm_up = {"clients": 2, "hot": hot, "lines": size}
                    measure(base, key, customer, **warm_up, seconds=1, seed_offset=1000)
                    for n in counts:
                        settle(uow)
                        cell = {"clients": n, "hot": hot, "lines": size}
                        measured = measure(base, key, customer, **cell, seconds=seconds)
                        rows.append(
                            {
                                "database": db,
                                **cell,
                                "workers": workers,
                                "ceiling": "pgbench TPC-B" if db == "postgres" else "sqlite3 loop",
                                "ceiling_tps": ceilings.get((n, size, hot)),
                                **measured,
                            }
                        )
                finally:
                    os.killpg(process.pid, signal.SIGTERM)
                    process.wait(timeout=30)
    table = Table(
        "database",
        "clients",
        "lines",
        "products",
        "orders/s",
        "p50 ms",
        "p99 ms",
        "failures",
        "ceiling",
        "ceiling tps",
        "ratio",
        title=f"HTTP placement, {workers} processes",
    )
    for r in rows:
        table.add_row(
            r["database"],
            str(r["clients"]),
            str(r["lines"]),
            products_label(r["hot"], r["lines"]),
            f"{r['orders_per_s']:.0f}",
            f"{r['p50_ms']:.1f}",
            f"{r['p99_ms']:.1f}",
            str(r["failures"]),
            r["ceiling"],
            f"{r['ceiling_tps'] or 0:.0f}",
            ratio(r["orders_per_s"], r["ceiling_tps"]),
        )
    console.print(table)
    load = {"before": load_before, "after": load_average()}
    console.print(
        f"  load average {load['before'][0]:.2f} before, {load['after'][0]:.2f} after, "
        f"on {os.cpu_count()} cores"
    )
    payload = {"seconds": seconds, "workers": workers, "load_average": load}
    console.print(f"saved {save('http_placement', {**payload, 'rows': rows})}")
    chart = [
        (
            f"{r['database']}, {r['clients']} clients, {r['lines']} line"
            f"{'s' if r['lines'] > 1 else ''}, {'hot' if r['hot'] else 'spread'}",
            r["orders_per_s"],
        )
        for r in rows
    ]
    title = "Orders placed per second over HTTP"
    path = bars(title, "/s", chart, RESULTS / "http-placement-throughput.svg")
    console.print(f"chart {path}, copied to {publish(path)}")


if __name__ == "__main__":
    typer.run(main)
