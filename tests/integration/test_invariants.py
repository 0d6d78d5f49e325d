"""Random sequences of operations keep invariants 1 to 5 of DESIGN.md, on both databases.

Hypothesis drives orders, adjustments, cancellations and shipments; after every step the
stored state is checked against the invariants, and every refused step must have changed
nothing at all.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from backorder.db.uow import UnitOfWork
from backorder.domain.allocation import LineRequest
from backorder.domain.errors import BackorderError, ConflictError, OutOfStockError
from backorder.domain.model import BackorderPolicy, ShipPolicy
from backorder.services import cancellation, inventory, orders, shipping
from backorder.services.cancellation import LineCancellation
from backorder.services.orders import NewOrder
from tests.helpers import add_customer, add_product, check_invariants, snapshot

TODAY = datetime.now(UTC).date()
SKUS = ["ALLOW", "DENY", "CAPPED", "PRE"]


def build_machine(fresh: Callable[[], UnitOfWork]) -> type[RuleBasedStateMachine]:
    class Lifecycle(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.uow = fresh()
            self.orders: list[int] = []
            self.keys: dict[str, int] = {}

        @initialize(stock=st.lists(st.integers(0, 6), min_size=4, max_size=4))
        def catalogue(self, stock: list[int]) -> None:
            add_product(self.uow, "ALLOW", on_hand=stock[0], lead_time_days=3)
            add_product(self.uow, "DENY", on_hand=stock[1], policy=BackorderPolicy.DENY)
            add_product(self.uow, "CAPPED", on_hand=stock[2], max_backorder_qty=4)
            add_product(
                self.uow,
                "PRE",
                on_hand=stock[3],
                policy=BackorderPolicy.PREORDER,
                release_date=TODAY + timedelta(days=30),
            )
            self.customers = [add_customer(self.uow, priority=p) for p in (0, 0, 5)]

        def refused(self, action: Callable[[], Any], *expected: type[BackorderError]) -> Any:
            """Run ``action``; if it is refused, the database must be exactly as before."""
            before = snapshot(self.uow)
            try:
                return action()
            except expected:
                assert snapshot(self.uow) == before, "a refused request changed something"
                return None

        @rule(
            customer=st.integers(0, 2),
            lines=st.lists(
                st.tuples(st.sampled_from(SKUS), st.integers(1, 5)), min_size=1, max_size=3
            ),
            complete=st.booleans(),
            priority=st.none() | st.integers(-2, 9),
            key=st.none() | st.sampled_from(["k1", "k2"]),
        )
        def place(
            self,
            customer: int,
            lines: list[tuple[str, int]],
            complete: bool,
            priority: int | None,
            key: str | None,
        ) -> None:
            new = NewOrder(
                customer_id=self.customers[customer],
                lines=[LineRequest(sku, qty) for sku, qty in lines],
                ship_policy=ShipPolicy.COMPLETE if complete else ShipPolicy.PARTIAL,
                priority=priority,
                idempotency_key=key,
            )
            before = snapshot(self.uow)
            placed = self.refused(
                lambda: orders.place_order(self.uow, new), OutOfStockError, ConflictError
            )
            if placed is None:
                return
            if placed.replayed:
                assert key is not None
                assert self.keys[key] == placed.order.id
                assert snapshot(self.uow) == before, "a replayed key changed something"
                return
            self.orders.append(placed.order.id)
            if key is not None:
                self.keys[key] = placed.order.id

        @rule(sku=st.sampled_from(SKUS), delta=st.integers(-6, 8))
        def adjust(self, sku: str, delta: int) -> None:
            self.refused(
                lambda: inventory.adjust_inventory(self.uow, sku, delta, reason="count"),
                BackorderError,
            )

        @rule(pick=st.integers(0, 50), qty=st.none() | st.integers(1, 4))
        def cancel(self, pick: int, qty: int | None) -> None:
            if not self.orders:
                return
            order_id = self.orders[pick % len(self.orders)]
            lines = None
            if qty is not None:
                line = orders.get_order(self.uow, order_id).lines[0]
                lines = [LineCancellation(line.id, qty)]
            self.refused(
                lambda: cancellation.cancel_order(self.uow, order_id, lines), ConflictError
            )

        @rule(pick=st.integers(0, 50))
        def ship(self, pick: int) -> None:
            if self.orders:
                order_id = self.orders[pick % len(self.orders)]
                self.refused(lambda: shipping.ship_order(self.uow, order_id), ConflictError)

        @invariant()
        def holds(self) -> None:
            if hasattr(self, "customers"):
                check_invariants(self.uow, today=TODAY)

        def teardown(self) -> None:
            self.uow.dispose()

    return Lifecycle


def test_random_operations_keep_the_invariants(
    make_uow: Callable[[str], UnitOfWork], database: str
) -> None:
    machine = build_machine(lambda: make_uow(database))
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=40,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
