"""Random sequences of operations keep invariants 1 to 6 of DESIGN.md, on both databases.

Hypothesis drives orders, adjustments, cancellations, shipments, priority changes and
purchase orders (created, received, rescheduled, cancelled); after every step the stored
state is checked against the invariants, every waiting line's ETA must equal what pegging
its product's queue from scratch gives, and every refused step must have changed nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select

from backorder.db.models import Event
from backorder.db.uow import UnitOfWork
from backorder.domain.allocation import LineRequest
from backorder.domain.errors import BackorderError, ConflictError, OutOfStockError
from backorder.domain.model import BackorderPolicy, ShipPolicy
from backorder.services import (
    cancellation,
    inventory,
    orders,
    purchase_orders,
    receiving,
    shipping,
    suppliers,
)
from backorder.services.cancellation import LineCancellation
from backorder.services.orders import NewOrder
from tests.helpers import (
    add_customer,
    add_product,
    check_etas_are_pegged,
    check_invariants,
    snapshot,
)

TODAY = datetime.now(UTC).date()
SKUS = ["ALLOW", "DENY", "CAPPED", "PRE"]


def events_for(uow: UnitOfWork, event_type: str, order_id: int) -> int:
    """How many events of a type the outbox holds for an order (invariant 6)."""
    with uow.read() as tx:
        events = tx.session.scalars(select(Event).where(Event.type == event_type))
        return sum(1 for e in events if e.payload.get("order_id") == order_id)


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
            slow = suppliers.create_supplier(
                self.uow, name="Slow", email="s@example.com", lead_time_days=9
            )
            fast = suppliers.create_supplier(
                self.uow, name="Fast", email="f@example.com", lead_time_days=2
            )
            self.suppliers = [slow.id, fast.id]
            for supplier, sku in ((slow.id, "ALLOW"), (fast.id, "ALLOW"), (fast.id, "PRE")):
                offer = suppliers.NewSupplierProduct(sku=sku, cost=Decimal("1.00"), pack_size=2)
                suppliers.add_supplier_product(self.uow, supplier, offer)
            self.purchase_orders: list[int] = []

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
            if any(line.backordered for line in placed.order.lines):
                assert events_for(self.uow, "order.backordered", placed.order.id) == 1
            if key is not None:
                self.keys[key] = placed.order.id

        @rule(sku=st.sampled_from(SKUS), delta=st.integers(-6, 8))
        def adjust(self, sku: str, delta: int) -> None:
            self.refused(
                lambda: inventory.adjust_inventory(self.uow, sku, delta, reason="count"),
                BackorderError,
            )

        @precondition(lambda self: bool(getattr(self, "orders", [])))
        @rule(pick=st.integers(0, 50), qty=st.none() | st.integers(1, 4))
        def cancel(self, pick: int, qty: int | None) -> None:
            if not self.orders:
                return
            order_id = self.orders[pick % len(self.orders)]
            lines = None
            if qty is not None:
                line = orders.get_order(self.uow, order_id).lines[0]
                lines = [LineCancellation(line.id, qty)]
            before = events_for(self.uow, "order.cancelled", order_id)
            done = self.refused(
                lambda: cancellation.cancel_order(self.uow, order_id, lines), ConflictError
            )
            if done is not None and lines is not None:
                assert events_for(self.uow, "order.cancelled", order_id) == before + 1

        @precondition(lambda self: bool(getattr(self, "orders", [])))
        @rule(pick=st.integers(0, 50), priority=st.none() | st.integers(-2, 9))
        def prioritize(self, pick: int, priority: int | None) -> None:
            if self.orders:
                order_id = self.orders[pick % len(self.orders)]
                orders.change_order_priority(self.uow, order_id, priority)

        @rule(
            supplier=st.integers(0, 1),
            lines=st.lists(
                st.tuples(st.sampled_from(["ALLOW", "CAPPED", "PRE"]), st.integers(1, 6)),
                min_size=1,
                max_size=2,
                unique_by=lambda line: line[0],
            ),
            days=st.integers(0, 20),
        )
        def purchase(self, supplier: int, lines: list[tuple[str, int]], days: int) -> None:
            new = purchase_orders.NewPurchaseOrder(
                self.suppliers[supplier], lines, expected_date=TODAY + timedelta(days=days)
            )
            self.purchase_orders.append(purchase_orders.create_purchase_order(self.uow, new).id)

        @precondition(lambda self: bool(getattr(self, "purchase_orders", [])))
        @rule(pick=st.integers(0, 50), qty=st.integers(1, 8), line=st.integers(0, 1))
        def receive(self, pick: int, qty: int, line: int) -> None:
            if self.purchase_orders:
                po_id = self.purchase_orders[pick % len(self.purchase_orders)]
                po = purchase_orders.get_purchase_order(self.uow, po_id)
                sku = po.lines[line % len(po.lines)].sku
                self.refused(
                    lambda: receiving.receive_purchase_order(self.uow, po_id, [(sku, qty)]),
                    ConflictError,
                )

        @precondition(lambda self: bool(getattr(self, "purchase_orders", [])))
        @rule(pick=st.integers(0, 50), days=st.integers(0, 30))
        def reschedule(self, pick: int, days: int) -> None:
            if self.purchase_orders:
                po_id = self.purchase_orders[pick % len(self.purchase_orders)]
                day = TODAY + timedelta(days=days)
                self.refused(
                    lambda: purchase_orders.reschedule_purchase_order(self.uow, po_id, day),
                    ConflictError,
                )

        @precondition(lambda self: bool(getattr(self, "purchase_orders", [])))
        @rule(pick=st.integers(0, 50))
        def cancel_purchase(self, pick: int) -> None:
            if self.purchase_orders:
                po_id = self.purchase_orders[pick % len(self.purchase_orders)]
                self.refused(
                    lambda: purchase_orders.cancel_purchase_order(self.uow, po_id), ConflictError
                )

        @precondition(lambda self: bool(getattr(self, "orders", [])))
        @rule(pick=st.integers(0, 50))
        def ship(self, pick: int) -> None:
            if self.orders:
                order_id = self.orders[pick % len(self.orders)]
                shipped = self.refused(
                    lambda: shipping.ship_order(self.uow, order_id), ConflictError
                )
                if shipped is not None:
                    assert events_for(self.uow, "order.shipped", order_id) >= 1

        @invariant()
        def holds(self) -> None:
            if hasattr(self, "purchase_orders"):
                check_invariants(self.uow, today=TODAY)
                check_etas_are_pegged(self.uow, today=TODAY)
                assert inventory.verify_inventory(self.uow)[1] == []

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
            max_examples=50,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
