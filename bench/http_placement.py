"""Order placement over HTTP against ``backorder serve --workers N``, beside pgbench.

One-line orders from 1, 4 and 16 client threads (one keep-alive connection each), spread
over 10,000 products or on one hot product, against N server processes sharing the
database. The ceiling is pgbench's TPC-B on the same PostgreSQL in the same run.

    python -m bench.http_placement [--workers 2] [--seconds 5] [--clients 1,4,16]
"""

from __future__ import annotations

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
from bench.common import RESULTS, drive, fresh_database, save
from bench.placement import PRODUCTS, pgbench_tps, seed
from rich.console import Console
from rich.table import Table

from backorder.domain.model import Role
from backorder.services.keys import create_api_key


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(url: str, workers: int) -> tuple[subprocess.Popen[bytes], str]:
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
    env = {**os.environ, "BACKORDER_DATABASE_URL": url}
    process = subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return process, base
        except httpx.HTTPError:
            time.sleep(0.1)
    raise SystemExit("the server did not become ready")


def measure(
    base: str, key: str, customer: int, *, clients: int, hot: bool, seconds: float
) -> dict[str, float]:
    def client(n: int) -> Callable[[], bool]:
        rng = random.Random(n)
        http = httpx.Client(
            base_url=f"{base}/api/v1", headers={"Authorization": f"Bearer {key}"}, timeout=30
        )

        def attempt() -> bool:
            sku = "P00000" if hot else f"P{rng.randrange(PRODUCTS):05d}"
            body = {"customer_id": customer, "lines": [{"sku": sku, "qty": 1}]}
            return http.post("/orders", json=body).status_code == 201

        return attempt

    return drive(clients, seconds, client)


def main(
    workers: Annotated[int, typer.Option(help="Server processes")] = 2,
    seconds: Annotated[float, typer.Option(help="Seconds per measurement")] = 5,
    clients: Annotated[str, typer.Option(help="Client threads, comma-separated")] = "1,4,16",
) -> None:
    console = Console()
    url = os.environ.get("BACKORDER_BENCH_POSTGRES_URL")
    if not url:
        raise SystemExit("set BACKORDER_BENCH_POSTGRES_URL to a scratch PostgreSQL database")
    rows = []
    for n in [int(c) for c in clients.split(",")]:
        ceiling = pgbench_tps(url, n, int(seconds))
        for hot in (False, True):
            with fresh_database("postgres", url) as uow:
                customer = seed(uow)
                key = create_api_key(uow, Role.STOREFRONT).secret
                process, base = start_server(url, workers)
                try:
                    figures = measure(base, key, customer, clients=n, hot=hot, seconds=seconds)
                finally:
                    os.killpg(process.pid, signal.SIGTERM)
                    process.wait(timeout=30)
            rows.append(
                {"clients": n, "hot": hot, "workers": workers, "pgbench_tps": ceiling, **figures}
            )
    table = Table(
        "clients",
        "products",
        "orders/s",
        "p50 ms",
        "p99 ms",
        "failures",
        "pgbench TPC-B tps",
        "ratio",
        title=f"HTTP placement, {workers} processes",
    )
    for r in rows:
        ratio = f"{r['orders_per_s'] / r['pgbench_tps']:.2f}" if r["pgbench_tps"] else "-"
        table.add_row(
            str(r["clients"]),
            "1 hot" if r["hot"] else f"{PRODUCTS:,}",
            f"{r['orders_per_s']:.0f}",
            f"{r['p50_ms']:.1f}",
            f"{r['p99_ms']:.1f}",
            str(r["failures"]),
            f"{r['pgbench_tps'] or 0:.0f}",
            ratio,
        )
    console.print(table)
    console.print(f"saved {save('http_placement', {'seconds': seconds, 'rows': rows})}")
    chart = [
        (f"{r['clients']} clients, {'hot' if r['hot'] else 'spread'}", r["orders_per_s"])
        for r in rows
    ]
    path = RESULTS / "http-placement-throughput.svg"
    console.print(f"chart {bars('Orders placed per second over HTTP', '/s', chart, path)}")


if __name__ == "__main__":
    typer.run(main)
