"""The database's own ceiling for our allocation transaction: the statements one order
placement issues, replayed without the service around them.

``place_order`` issues, for an order of N one-unit lines (read off SQLAlchemy's echo, and
the repositories ``products.lock_skus``, ``orders.has_waiting_behind``,
``purchasing.open_supply``/``offers``, ``products.change_counters``, ``events.add``):

    BEGIN                                      (SQLite: BEGIN IMMEDIATE)
    SELECT customers WHERE id = :customer
    SELECT products WHERE sku IN (...) ORDER BY id FOR UPDATE      (no FOR UPDATE on SQLite)
    per backordered line: SELECT order_lines (a higher-priority line waiting behind?),
        and once per product: SELECT open purchase order lines, SELECT supplier offers
    INSERT INTO orders ... RETURNING id
    INSERT INTO order_lines ... RETURNING id   (PostgreSQL: one multi-row INSERT;
                                                SQLite: one INSERT per line)
    UPDATE products SET on_hand = on_hand + 0, allocated = allocated + :a,
        backordered = backordered + :b, on_order = on_order + 0 WHERE id = :p  (per product)
    INSERT INTO events ('order.backordered') RETURNING id   (only when a line waits)
    COMMIT

PostgreSQL replays it with pgbench (a custom script, prepared statements, the same
client counts); SQLite with a loop of Python's ``sqlite3`` (the PRAGMAs of
``backorder.db.engine``: WAL, ``synchronous=FULL``), one connection per client thread,
writers queued on one FIFO lock as the service's are. The products are those of
``bench.placement.seed``: ``P00000`` (the hot one, with stock) and 9,999 without stock,
whose lines are all backordered.
"""

from __future__ import annotations

import random
import re
import sqlite3
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from bench.common import drive
from sqlalchemy import text

from backorder.db.uow import FifoLock, UnitOfWork

FINGERPRINT = "0" * 64
PAYLOAD_LINE = '{"line_id": 1, "sku": "P00001", "backordered": 1, "estimated_ship_date": null}'

_PRODUCT_COLUMNS = (
    "id, sku, name, price, backorder_policy, release_date, max_backorder_qty, "
    "lead_time_days, on_hand, allocated, backordered, on_order, created_at"
)
_LINE_COLUMNS = (
    "order_id, product_id, ordered, allocated, backordered, shipped, cancelled, priority, "
    "placed_at, estimated_ship_date, eta_source, promised_ship_date"
)


def order_statements(dialect: str, lines: int, hot: bool) -> list[str]:
    """The statements of one placement, between BEGIN and COMMIT, with ``:name``
    parameters (the syntax of both pgbench and ``sqlite3``): ``:customer``, ``:p1`` ..
    ``:pN`` the product ids (``:p1`` is the hot product when ``hot``), their SKUs (pgbench:
    the numbers ``:k1`` .. ``:kN``; SQLite: the strings ``:s1`` .. ``:sN``), and
    ``:order_id`` the id the INSERT of the order returned.
    """
    pg = dialect == "postgresql"
    n = range(1, lines + 1)
    if pg:  # pgbench variables are numbers: the SKU is made from the id, as P%05d
        skus = ", ".join(f"'P' || lpad(:k{i}::text, 5, '0')" for i in n)
    else:
        skus = ", ".join(f":s{i}" for i in n)
    waiting = [i for i in n if not (hot and i == 1)]  # the hot product has stock
    statements = [
        "SELECT id, name, email, priority, created_at FROM customers WHERE id = :customer",
        f"SELECT {_PRODUCT_COLUMNS} FROM products WHERE sku IN ({skus}) ORDER BY id"
        + (" FOR UPDATE" if pg else ""),
    ]
    for i in waiting:
        statements += [
            f"SELECT id FROM order_lines WHERE product_id = :p{i} AND backordered > 0 "
            "AND priority < 0 LIMIT 1",
            "SELECT pol.id, po.id, po.supplier_id, "
            "(pol.ordered - pol.received) - pol.cancelled AS open_qty, po.expected_date "
            "FROM purchase_order_lines pol JOIN purchase_orders po "
            "ON po.id = pol.purchase_order_id "
            f"WHERE pol.product_id = :p{i} AND po.status IN ('open', 'partially_received') "
            "AND (pol.ordered - pol.received) - pol.cancelled > 0 "
            "ORDER BY po.expected_date, pol.id",
            "SELECT sp.product_id, sp.supplier_id, sp.cost, "
            "coalesce(sp.lead_time_days, s.lead_time_days), sp.min_order_qty, "
            "sp.pack_size, sp.preferred FROM supplier_products sp "
            f"JOIN suppliers s ON s.id = sp.supplier_id WHERE sp.product_id IN (:p{i})",
        ]
    statements.append(
        "INSERT INTO orders (customer_id, ship_policy, priority, idempotency_key, "
        "request_fingerprint, created_at, customer_updated_at) VALUES (:customer, "
        f"'partial', NULL, NULL, '{FINGERPRINT}', CURRENT_TIMESTAMP, "
        f"{'CURRENT_TIMESTAMP' if waiting else 'NULL'}) RETURNING id AS order_id"
    )

    def line_values(i: int) -> str:
        allocated, backordered = (0, 1) if i in waiting else (1, 0)
        return (
            f"(:order_id, :p{i}, 1, {allocated}, {backordered}, 0, 0, 0, "
            "CURRENT_TIMESTAMP, NULL, NULL, NULL)"
        )

    if pg:
        values = ", ".join(line_values(i) for i in n)
        statements.append(f"INSERT INTO order_lines ({_LINE_COLUMNS}) VALUES {values} RETURNING id")
    else:
        statements += [
            f"INSERT INTO order_lines ({_LINE_COLUMNS}) VALUES {line_values(i)} RETURNING id"
            for i in n
        ]
    for i in n:
        allocated, backordered = (0, 1) if i in waiting else (1, 0)
        statements.append(
            f"UPDATE products SET on_hand = on_hand + 0, allocated = allocated + {allocated}, "
            f"backordered = backordered + {backordered}, on_order = on_order + 0 "
            f"WHERE id = :p{i}"
        )
    if waiting:
        payload = (
            '{"order_id": 1, "customer_id": 1, "lines": ['
            + ", ".join([PAYLOAD_LINE] * len(waiting))
            + "]}"
        )
        statements.append(
            "INSERT INTO events (type, payload, order_id, created_at, dispatched_at) "
            f"VALUES ('order.backordered', '{payload}', :order_id, CURRENT_TIMESTAMP, NULL) "
            "RETURNING id"
        )
    return statements


def base_id(uow: UnitOfWork) -> int:
    """The id of P00000; the seed gives P%05d the id base + n."""
    with uow.writer.connect() as connection:
        base = connection.execute(text("SELECT id FROM products WHERE sku = 'P00000'")).scalar()
        top = connection.execute(text("SELECT id FROM products WHERE sku = 'P09999'")).scalar()
    assert base is not None, "P00000 is missing"
    assert top == base + 9_999, "products are not numbered as seeded"
    return int(base)


def pgbench_script(lines: int, hot: bool, products: int) -> str:
    """A pgbench script of one placement. Spread products are P00001..P09999 (all
    without stock); with ``hot``, the first line is P00000."""
    head = []
    for i in range(1, lines + 1):
        head.append("\\set k1 0" if hot and i == 1 else f"\\set k{i} random(1, {products - 1})")
        head.append(f"\\set p{i} :base + :k{i}")
    body = order_statements("postgresql", lines, hot)
    script = [*head, "BEGIN;"]
    for statement in body:
        script.append(statement + ";")
        if statement.startswith("INSERT INTO orders"):
            script.append("\\gset")
    script.append("COMMIT;")
    return "\n".join(script) + "\n"


def pgbench_mirror_tps(
    url: str, uow: UnitOfWork, customer: int, *, clients: int, lines: int, hot: bool, seconds: int
) -> float | None:
    """Transactions per second of the mirrored placement under pgbench, on the seeded
    database behind ``uow``. None if pgbench is missing or failed."""
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as f:
        f.write(pgbench_script(lines, hot, 10_000))
        path = Path(f.name)
    try:
        done = subprocess.run(
            [
                "pgbench",
                "-n",
                "-M",
                "prepared",
                "-f",
                str(path),
                "-D",
                f"base={base_id(uow)}",
                "-D",
                f"customer={customer}",
                "-c",
                str(clients),
                "-j",
                str(min(clients, 2)),
                "-T",
                str(seconds),
                dsn,
            ],
            check=True,
            capture_output=True,
            text=True,
            timeout=seconds + 120,
        )
    except (OSError, subprocess.SubprocessError) as error:
        stderr = getattr(error, "stderr", "") or ""
        print(f"pgbench mirror failed: {error} {stderr[-500:]}")
        return None
    finally:
        path.unlink(missing_ok=True)
    found = re.search(r"tps = ([\d.]+)", done.stdout)
    return float(found.group(1)) if found else None


def sqlite_mirror(
    uow: UnitOfWork, customer: int, *, clients: int, lines: int, hot: bool, seconds: float
) -> dict[str, float]:
    """The same statements in a loop of Python's sqlite3 on the seeded SQLite file behind
    ``uow``: orders/s, p50 and p99 as ``drive`` reports them."""
    database = uow.writer.url.database
    assert database
    statements = order_statements("sqlite", lines, hot)
    base = base_id(uow)
    turn = FifoLock()
    timeout = uow.settings.lock_timeout_seconds
    synchronous = uow.settings.sqlite_synchronous

    def client(n: int) -> Callable[[], bool]:
        connection = sqlite3.connect(database, timeout=timeout, check_same_thread=False)
        connection.isolation_level = None
        for pragma in (
            "journal_mode=WAL",
            "foreign_keys=ON",
            f"synchronous={synchronous}",
            f"busy_timeout={int(timeout * 1000)}",
        ):
            connection.execute(f"PRAGMA {pragma}")
        rng = random.Random(n)
        names = [set(re.findall(r":(\w+)", statement)) for statement in statements]

        def attempt() -> bool:
            params: dict[str, object] = {"customer": customer}
            for i in range(1, lines + 1):
                k = 0 if hot and i == 1 else rng.randrange(1, 10_000)
                params[f"p{i}"], params[f"s{i}"] = base + k, f"P{k:05d}"
            with turn:
                cursor = connection.cursor()
                cursor.execute("BEGIN IMMEDIATE")
                try:
                    for statement, used in zip(statements, names, strict=True):
                        cursor.execute(statement, {k: params[k] for k in used})
                        rows = cursor.fetchall()
                        if statement.startswith("INSERT INTO orders"):
                            params["order_id"] = rows[0][0]
                    cursor.execute("COMMIT")
                except sqlite3.Error:
                    cursor.execute("ROLLBACK")
                    return False
            return True

        return attempt

    return drive(clients, seconds, client)
