"""Many clients at once: no oversell, no deadlock reaching a caller, on both databases.

Threads share one UnitOfWork (one connection pool), as the request handlers of an API
process do. Orders list their lines in random SKU order, so locks taken in request order
instead of id order would deadlock here.
"""

from __future__ import annotations

import contextlib
import random
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from backorder.db.uow import UnitOfWork
from backorder.domain.allocation import LineRequest
from backorder.domain.errors import ConflictError, OutOfStockError
from backorder.domain.model import BackorderPolicy
from backorder.services import cancellation, catalogue, inventory, orders
from backorder.services.orders import NewOrder
from tests.helpers import add_customer, add_product, check_invariants

THREADS = 16


def run_threads(work: Callable[[int], None]) -> None:
    start = threading.Barrier(THREADS)

    def worker(n: int) -> None:
        start.wait()
        work(n)

    with ThreadPoolExecutor(THREADS) as pool:
        for future in [pool.submit(worker, n) for n in range(THREADS)]:
            future.result()  # re-raises anything unexpected, such as a deadlock


def test_clients_racing_for_the_last_units_never_oversell(uow: UnitOfWork) -> None:
    add_product(uow, "HOT", on_hand=30, policy=BackorderPolicy.DENY)
    customer = add_customer(uow)
    accepted: list[int] = []

    def buy_until_refused(_: int) -> None:
        new = NewOrder(customer_id=customer, lines=[LineRequest("HOT", 1)])
        while True:
            try:
                accepted.append(orders.place_order(uow, new).order.id)
            except OutOfStockError:
                return

    run_threads(buy_until_refused)
    assert len(accepted) == 30
    inv = catalogue.get_inventory(uow, "HOT")
    assert (inv.on_hand, inv.allocated, inv.available) == (30, 30, 0)


def test_mixed_orders_cancels_and_restocks_keep_every_invariant(uow: UnitOfWork) -> None:
    skus = ["A", "B", "C", "D"]
    for sku in skus:
        add_product(uow, sku, on_hand=5)
    add_product(uow, "LIMITED", on_hand=10, policy=BackorderPolicy.DENY)
    customers = [add_customer(uow, priority=p) for p in (0, 1, 2)]

    def shop(n: int) -> None:
        rng = random.Random(n)
        placed: list[int] = []
        for _ in range(12):
            lines = [
                LineRequest(sku, rng.randint(1, 3)) for sku in rng.sample([*skus, "LIMITED"], 3)
            ]
            try:
                new = NewOrder(customer_id=rng.choice(customers), lines=lines)
                placed.append(orders.place_order(uow, new).order.id)
            except OutOfStockError:
                pass
            if placed and rng.random() < 0.3:
                with contextlib.suppress(ConflictError):
                    cancellation.cancel_order(uow, placed.pop(rng.randrange(len(placed))))
            if rng.random() < 0.2:
                inventory.adjust_inventory(
                    uow, rng.choice(skus), rng.randint(1, 4), reason="restock"
                )

    run_threads(shop)
    check_invariants(uow, today=datetime.now(UTC).date())
    assert inventory.verify_inventory(uow)[1] == []
