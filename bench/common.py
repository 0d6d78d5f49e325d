"""Shared pieces of the benchmarks: fresh databases, bulk seeding, timing, reporting.

Benchmarks reset the database they are given: point them at a scratch database.
"""

from __future__ import annotations

import json
import math
import os
import platform
import shutil
import sqlite3
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, create_engine, insert, text, update

from backorder.config import Settings
from backorder.db import migrate
from backorder.db.models import Base, Customer, Order, OrderLine, Product
from backorder.db.uow import UnitOfWork

RESULTS = Path(__file__).resolve().parent / "results"
DOCS_IMG = Path(__file__).resolve().parent.parent / "docs" / "img"
WIDE = 160
"""Console width for the wide tables, so a narrow terminal does not fold their cells."""


@contextmanager
def fresh_database(kind: str, postgres_url: str | None) -> Iterator[UnitOfWork]:
    """A migrated, empty database: a temporary SQLite file, or the PostgreSQL database
    at ``postgres_url`` with its public schema dropped and re-created."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            uow = UnitOfWork(Settings(database_url=f"sqlite:///{folder}/bench.db"))
            migrate.upgrade(uow.writer)
            try:
                yield uow
            finally:
                uow.dispose()
        return
    if not postgres_url:
        raise SystemExit("set BACKORDER_BENCH_POSTGRES_URL to a scratch PostgreSQL database")
    engine = create_engine(postgres_url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    uow = UnitOfWork(Settings(database_url=postgres_url))
    migrate.upgrade(uow.writer)
    try:
        yield uow
    finally:
        uow.dispose()


def settle(uow: UnitOfWork) -> None:
    """Write out what seeding left pending before a measurement starts: PostgreSQL's
    CHECKPOINT (else one started by the previous run's writes, pgbench's initialisation
    above all, lands in this one and stalls its commits); SQLite's WAL checkpoint."""
    if uow.dialect == "postgresql":
        with uow.writer.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("CHECKPOINT"))
        return
    # Outside SQLAlchemy: the engine's "begin" hook would wrap the PRAGMA in a transaction.
    with closing(sqlite3.connect(str(uow.writer.url.database))) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def seed_waiting_lines(uow: UnitOfWork, product_id: int, count: int, *, qty: int = 1) -> None:
    """``count`` waiting lines of ``qty`` units for one product, oldest first, written in
    bulk (placing them one by one would measure order placement, not this)."""
    start = datetime.now(UTC) - timedelta(days=30)
    with uow.writer.begin() as connection:
        customer_id = connection.execute(
            insert(Customer)
            .values(name="Bench", email="bench@example.com", priority=0, created_at=start)
            .returning(Customer.id)
        ).scalar_one()
        stamps = [start + timedelta(seconds=i) for i in range(count)]
        order_ids = (
            connection.execute(
                insert(Order).returning(Order.id, sort_by_parameter_order=True),
                [
                    {"customer_id": customer_id, "ship_policy": "partial", "created_at": t}
                    for t in stamps
                ],
            )
            .scalars()
            .all()
        )
        connection.execute(
            insert(OrderLine),
            [
                {
                    "order_id": oid,
                    "product_id": product_id,
                    "ordered": qty,
                    "allocated": 0,
                    "backordered": qty,
                    "shipped": 0,
                    "cancelled": 0,
                    "priority": 0,
                    "placed_at": t,
                }
                for oid, t in zip(order_ids, stamps, strict=True)
            ],
        )
        connection.execute(
            update(Product)
            .where(Product.id == product_id)
            .values(backordered=Product.backordered + count * qty)
        )
        if connection.dialect.name == "postgresql":
            connection.execute(text("ANALYZE"))


def timed(action: Callable[[], Any]) -> tuple[float, Any]:
    """Milliseconds one call took, and what it returned."""
    started = time.perf_counter()
    result = action()
    return (time.perf_counter() - started) * 1000, result


def median(values: list[float]) -> float:
    return statistics.median(values)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


def load_average() -> tuple[float, float, float]:
    """The 1, 5 and 15-minute load averages: these figures share the machine with
    whatever else runs, so the results record how busy it was."""
    return os.getloadavg()


def publish(chart: Path) -> Path:
    """Copy a chart from bench/results/ to docs/img/, where the README shows it."""
    DOCS_IMG.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copyfile(chart, DOCS_IMG / chart.name))


def save(name: str, payload: dict[str, Any]) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(
        json.dumps(
            {"machine": machine(), "at": datetime.now(UTC).isoformat(), **payload},
            indent=2,
            default=str,
        )
    )
    return path


def drive(
    clients: int, seconds: float, client: Callable[[int], Callable[[], bool]]
) -> dict[str, float]:
    """Run ``clients`` threads for ``seconds``; each calls its attempt (made by
    ``client(n)``) in a loop. Returns throughput of successful attempts, their p50 and
    p99 latency in ms, and the count of failed ones."""
    latencies: list[float] = []
    failures = 0
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def run(n: int) -> None:
        nonlocal failures
        attempt = client(n)
        mine: list[float] = []
        bad = 0
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            if attempt():
                mine.append(time.perf_counter() - started)
            else:
                bad += 1
        with lock:
            latencies.extend(mine)
            failures += bad

    threads = [threading.Thread(target=run, args=(n,)) for n in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    latencies.sort()

    def pick(q: float) -> float:
        return latencies[min(int(q * len(latencies)), len(latencies) - 1)] * 1000

    return {
        "orders_per_s": len(latencies) / elapsed,
        "p50_ms": pick(0.50) if latencies else 0.0,
        "p99_ms": pick(0.99) if latencies else 0.0,
        "failures": failures,
    }


def percentile(values: list[float], q: float) -> float:
    """The nearest-rank ``q`` quantile (0 < q <= 1) of ``values``: with 30 values, p95 is
    the 29th smallest, a value that was really measured."""
    ordered = sorted(values)
    return ordered[max(math.ceil(q * len(ordered)) - 1, 0)]


def sync_id_sequences(connection: Connection) -> None:
    """After bulk inserts that gave their ids explicitly, move every PostgreSQL id
    sequence past the largest id, so rows the service adds later get fresh ones. SQLite
    needs nothing: its next rowid follows the largest."""
    if connection.dialect.name != "postgresql":
        return
    for table in Base.metadata.sorted_tables:
        if "id" not in table.c or not table.c.id.primary_key:
            continue
        connection.execute(
            text(
                "SELECT setval(pg_get_serial_sequence(:name, 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
            ),
            {"name": table.name},
        )
