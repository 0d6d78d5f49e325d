"""Many clients over HTTP against real server processes: no oversell, no lost order, no
5xx, invariants intact, even across ``kill -9``.

``make test`` runs a short version; ``make test-load`` a long one (more clients, longer,
more server processes), through BACKORDER_LOAD_SECONDS and BACKORDER_LOAD_CLIENTS.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from backorder.db.uow import UnitOfWork
from backorder.domain.model import BackorderPolicy, Role
from backorder.services import inventory, orders
from backorder.services.keys import create_api_key
from tests.helpers import add_customer, add_product, check_invariants
from tests.notify_fixtures import free_port

pytestmark = pytest.mark.load

SECONDS = float(os.environ.get("BACKORDER_LOAD_SECONDS", "4"))
CLIENTS = int(os.environ.get("BACKORDER_LOAD_CLIENTS", "8"))
SERVERS = {"sqlite": 1, "postgres": 2 if CLIENTS <= 8 else 4}
BIN = Path(sys.executable).parent


class Server:
    """``backorder serve`` in its own process group, so a kill takes all its processes."""

    def __init__(self, uow: UnitOfWork, *, workers: int) -> None:
        self.env = {**os.environ, "BACKORDER_DATABASE_URL": uow.settings.database_url}
        self.workers = workers
        self.url = f"http://127.0.0.1:{free_port()}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        port = self.url.rsplit(":", 1)[1]
        command = [
            str(BIN / "backorder"),
            "serve",
            "--port",
            port,
            "--workers",
            str(self.workers),
            "--no-worker",
        ]
        self.process = subprocess.Popen(
            command,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_ready(self.url)

    def signal(self, sig: signal.Signals) -> None:
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, sig)
        self.process.wait(timeout=30)


@contextmanager
def serving(uow: UnitOfWork, *, workers: int) -> Iterator[Server]:
    running = Server(uow, workers=workers)
    running.start()
    try:
        yield running
    finally:
        running.signal(signal.SIGTERM)


def wait_ready(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"server at {url} never became ready")


@dataclass
class Tally:
    placed: list[int] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, response: httpx.Response) -> None:
        with self.lock:
            self.statuses[response.status_code] = self.statuses.get(response.status_code, 0) + 1
            if response.status_code == 201 and "lines" in response.json():
                self.placed.append(response.json()["id"])

    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)


def run_clients(
    url: str,
    key: str,
    work: Callable[[httpx.Client, random.Random], None],
    *,
    clients: int,
    seconds: float,
) -> None:
    """``clients`` threads, each with its own connection, calling ``work`` until time is up."""
    deadline = time.monotonic() + seconds

    def client(n: int) -> None:
        rng = random.Random(n)
        headers = {"Authorization": f"Bearer {key}"}
        with httpx.Client(base_url=f"{url}/api/v1", headers=headers, timeout=30) as http:
            while time.monotonic() < deadline:
                try:
                    work(http, rng)
                except httpx.TransportError:
                    time.sleep(0.05)  # the server went away (the kill test); try again

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def settle(uow: UnitOfWork, tally: Tally) -> None:
    """After the load: invariants 1-4 hold, the ledger agrees, every 201 order exists."""
    check_invariants(uow, today=datetime.now(UTC).date())
    assert inventory.verify_inventory(uow)[1] == []
    for order_id in tally.placed:
        orders.get_order(uow, order_id)  # raises NotFoundError if an acknowledged order is lost


def shop(customers: list[int], tally: Tally) -> Callable[[httpx.Client, random.Random], None]:
    """A shopper: orders (mostly the hot product), sometimes cancels, restocks or ships."""
    skus = ["HOT"] * 6 + [f"S{i}" for i in range(4)]

    def work(http: httpx.Client, rng: random.Random) -> None:
        lines = [{"sku": rng.choice(skus), "qty": rng.randint(1, 3)}]
        body = {"customer_id": rng.choice(customers), "lines": lines}
        response = http.post("/orders", json=body)
        tally.count(response)
        if response.status_code != 201:
            return
        order_id = response.json()["id"]
        roll = rng.random()
        if roll < 0.2:
            tally.count(http.post(f"/orders/{order_id}/cancel"))
        elif roll < 0.4:
            tally.count(http.post(f"/orders/{order_id}/shipments", json={}))
        elif roll < 0.5:
            adjustment = {"delta": rng.randint(1, 5), "reason": "restock"}
            tally.count(http.post(f"/inventory/{rng.choice(skus)}/adjustments", json=adjustment))

    return work


def catalogue(uow: UnitOfWork) -> list[int]:
    add_product(uow, "HOT", on_hand=20, lead_time_days=7)
    for i in range(4):
        add_product(uow, f"S{i}", on_hand=5)
    return [add_customer(uow, priority=p) for p in (0, 0, 3)]


def test_mixed_load_keeps_every_invariant(uow: UnitOfWork, database: str) -> None:
    customers = catalogue(uow)
    key = create_api_key(uow, Role.STAFF).secret
    tally = Tally()
    with serving(uow, workers=SERVERS[database]) as running:
        run_clients(running.url, key, shop(customers, tally), clients=CLIENTS, seconds=SECONDS)
    assert tally.server_errors() == 0, tally.statuses
    assert len(tally.placed) > 0
    settle(uow, tally)


def test_a_deny_product_sells_exactly_its_stock(uow: UnitOfWork, database: str) -> None:
    add_product(uow, "LAST", on_hand=30, policy=BackorderPolicy.DENY)
    customer = add_customer(uow)
    key = create_api_key(uow, Role.STOREFRONT).secret
    tally = Tally()

    def buy(http: httpx.Client, _: random.Random) -> None:
        body = {"customer_id": customer, "lines": [{"sku": "LAST", "qty": 1}]}
        tally.count(http.post("/orders", json=body))

    with serving(uow, workers=SERVERS[database]) as running:
        run_clients(running.url, key, buy, clients=max(CLIENTS, 16), seconds=min(SECONDS, 3))
    assert tally.statuses.get(201) == 30
    assert tally.server_errors() == 0, tally.statuses
    settle(uow, tally)


def test_one_idempotency_key_from_many_clients_makes_one_order(
    uow: UnitOfWork, database: str
) -> None:
    add_product(uow, "MUG", on_hand=100)
    customer = add_customer(uow)
    key = create_api_key(uow, Role.STOREFRONT).secret
    tally = Tally()
    body = {"customer_id": customer, "lines": [{"sku": "MUG", "qty": 1}], "idempotency_key": "k"}
    start = threading.Barrier(8)

    def once(url: str) -> None:
        with httpx.Client(headers={"Authorization": f"Bearer {key}"}, timeout=30) as http:
            start.wait()
            tally.count(http.post(f"{url}/api/v1/orders", json=body))

    with serving(uow, workers=SERVERS[database]) as running:
        threads = [threading.Thread(target=once, args=(running.url,)) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert tally.statuses == {201: 8}
    assert len(set(tally.placed)) == 1
    assert orders.get_order(uow, tally.placed[0]).lines[0].allocated == 1


def test_kill_9_mid_load_loses_no_acknowledged_order(uow: UnitOfWork, database: str) -> None:
    customers = catalogue(uow)
    key = create_api_key(uow, Role.STAFF).secret
    tally = Tally()
    with serving(uow, workers=SERVERS[database]) as running:
        load = threading.Thread(
            target=run_clients,
            args=(running.url, key, shop(customers, tally)),
            kwargs={"clients": CLIENTS, "seconds": SECONDS * 2},
        )
        load.start()
        time.sleep(SECONDS / 2)
        acknowledged_before_kill = len(tally.placed)
        running.signal(signal.SIGKILL)  # every server process, mid-request
        running.start()  # same port: the clients carry on
        load.join()
    assert acknowledged_before_kill > 0
    assert tally.server_errors() == 0, tally.statuses
    settle(uow, tally)
