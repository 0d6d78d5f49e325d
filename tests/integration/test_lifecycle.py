"""The core lifecycle through the services, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from backorder.db.uow import UnitOfWork
from backorder.domain.errors import ConflictError, NotFoundError, OutOfStockError
from backorder.domain.model import BackorderPolicy, LineStatus, ShipPolicy
from backorder.services import backorders, cancellation, catalogue, inventory, orders, shipping
from backorder.services.cancellation import LineCancellation
from tests.helpers import add_customer, add_product, check_invariants, order, snapshot

TODAY = datetime.now(UTC).date()


def at(day: date) -> datetime:
    return datetime.combine(day, time(9), UTC)


def stock_of(uow: UnitOfWork, sku: str) -> tuple[int, int, int, int]:
    inv = catalogue.get_inventory(uow, sku)
    return inv.on_hand, inv.allocated, inv.available, inv.backordered


def test_order_beyond_stock_allocates_what_there_is_and_backorders_the_rest(
    uow: UnitOfWork,
) -> None:
    add_product(uow, "MUG", on_hand=4)
    placed = order(uow, add_customer(uow), ("MUG", 10))
    (line,) = placed.lines
    assert (line.allocated, line.backordered, placed.status) == (4, 6, LineStatus.BACKORDERED)
    assert stock_of(uow, "MUG") == (4, 4, 0, 6)
    check_invariants(uow, today=TODAY)


def test_deny_order_beyond_stock_is_refused_and_writes_nothing(uow: UnitOfWork) -> None:
    add_product(uow, "MUG", on_hand=2, policy=BackorderPolicy.DENY)
    customer = add_customer(uow)
    before = snapshot(uow)
    with pytest.raises(OutOfStockError) as refused:
        order(uow, customer, ("MUG", 3))
    assert refused.value.details["lines"][0]["available"] == 2
    assert snapshot(uow) == before


def test_refused_line_refuses_the_whole_order(uow: UnitOfWork) -> None:
    add_product(uow, "MUG", on_hand=5)
    add_product(uow, "PEN", on_hand=1, policy=BackorderPolicy.DENY)
    customer = add_customer(uow)
    before = snapshot(uow)
    with pytest.raises(OutOfStockError):
        order(uow, customer, ("MUG", 2), ("PEN", 2))
    assert snapshot(uow) == before


def test_unknown_sku_or_customer_is_not_found(uow: UnitOfWork) -> None:
    add_product(uow, "MUG")
    customer = add_customer(uow)
    with pytest.raises(NotFoundError):
        order(uow, customer, ("NOPE", 1))
    with pytest.raises(NotFoundError):
        order(uow, customer + 1, ("MUG", 1))


def test_restock_serves_higher_priority_then_older_lines(uow: UnitOfWork) -> None:
    add_product(uow, "MUG")
    regular, vip = add_customer(uow), add_customer(uow, priority=10)
    first = order(uow, regular, ("MUG", 2))
    second = order(uow, regular, ("MUG", 2))
    third = order(uow, vip, ("MUG", 2))
    queue = backorders.list_backorders(uow, sku="MUG")
    assert [(w.order_id, w.position) for w in queue] == [
        (third.id, 1),
        (first.id, 2),
        (second.id, 3),
    ]
    inventory.adjust_inventory(uow, "MUG", 3, reason="restock")
    assert orders.get_order(uow, third.id).status == LineStatus.ALLOCATED
    split = orders.get_order(uow, first.id).lines[0]
    assert (split.allocated, split.backordered) == (1, 1)
    assert orders.get_order(uow, second.id).lines[0].allocated == 0
    check_invariants(uow, today=TODAY)


def test_order_priority_overrides_the_customers(uow: UnitOfWork) -> None:
    add_product(uow, "MUG")
    vip, regular = add_customer(uow, priority=5), add_customer(uow)
    order(uow, vip, ("MUG", 1))
    rush = order(uow, regular, ("MUG", 1), priority=9)
    assert backorders.list_backorders(uow)[0].order_id == rush.id


def test_backorder_positions_count_the_whole_queue_when_filtered_by_customer(
    uow: UnitOfWork,
) -> None:
    add_product(uow, "MUG")
    ann, bob = add_customer(uow), add_customer(uow, name="Bob")
    order(uow, ann, ("MUG", 1))
    mine = order(uow, bob, ("MUG", 1))
    (row,) = backorders.list_backorders(uow, customer_id=bob)
    assert (row.order_id, row.position) == (mine.id, 2)


def test_new_order_does_not_jump_ahead_of_waiting_lines(uow: UnitOfWork) -> None:
    release = TODAY + timedelta(days=1)
    add_product(uow, "GAME", policy=BackorderPolicy.PREORDER, release_date=release, on_hand=3)
    customer = add_customer(uow)
    early = order(uow, customer, ("GAME", 2))
    assert early.lines[0].estimated_ship_date == release
    after_release = datetime.now(UTC) + timedelta(days=2)
    late = orders.place_order(
        uow,
        orders.NewOrder(customer_id=customer, lines=[orders.LineRequest("GAME", 2)]),
        now=after_release,
    ).order
    assert orders.get_order(uow, early.id).lines[0].allocated == 2
    assert (late.lines[0].allocated, late.lines[0].backordered) == (1, 1)
    check_invariants(uow, today=after_release.date())


def test_release_serves_preorders_once_their_date_has_come(uow: UnitOfWork) -> None:
    release = TODAY + timedelta(days=3)
    add_product(uow, "GAME", policy=BackorderPolicy.PREORDER, release_date=release, on_hand=5)
    placed = order(uow, add_customer(uow), ("GAME", 4))
    assert inventory.release_preorders(uow) == {}
    check_invariants(uow, today=TODAY)
    assert inventory.release_preorders(uow, now=at(release)) == {"GAME": 4}
    assert orders.get_order(uow, placed.id).status == LineStatus.ALLOCATED
    check_invariants(uow, today=release)


def test_backorder_cap_refuses_what_would_wait_beyond_it(uow: UnitOfWork) -> None:
    add_product(uow, "MUG", on_hand=1, max_backorder_qty=3)
    customer = add_customer(uow)
    order(uow, customer, ("MUG", 4))
    with pytest.raises(OutOfStockError) as refused:
        order(uow, customer, ("MUG", 1))
    assert refused.value.details["lines"][0]["backorder_limit"] == 0


def test_cancel_takes_waiting_units_first_then_releases_allocated_to_the_next_line(
    uow: UnitOfWork,
) -> None:
    add_product(uow, "MUG", on_hand=4)
    customer = add_customer(uow)
    first = order(uow, customer, ("MUG", 6))
    second = order(uow, customer, ("MUG", 3))
    line = first.lines[0]
    after = cancellation.cancel_order(uow, first.id, [LineCancellation(line.id, 2)])
    assert (after.lines[0].allocated, after.lines[0].backordered) == (4, 0)
    assert orders.get_order(uow, second.id).lines[0].allocated == 0
    after = cancellation.cancel_order(uow, first.id, [LineCancellation(line.id, 3)])
    assert (after.lines[0].allocated, after.lines[0].cancelled) == (1, 5)
    assert orders.get_order(uow, second.id).lines[0].allocated == 3
    check_invariants(uow, today=TODAY)


def test_cancel_whole_order_and_again_changes_nothing(uow: UnitOfWork) -> None:
    add_product(uow, "MUG", on_hand=1)
    placed = order(uow, add_customer(uow), ("MUG", 3))
    cancelled = cancellation.cancel_order(uow, placed.id)
    assert cancelled.status == LineStatus.CANCELLED
    assert stock_of(uow, "MUG") == (1, 0, 1, 0)
    before = snapshot(uow)
    assert cancellation.cancel_order(uow, placed.id).status == LineStatus.CANCELLED
    assert snapshot(uow) == before


def test_shipped_units_cannot_be_cancelled(uow: UnitOfWork) -> None:
    add_product(uow, "MUG", on_hand=2)
    placed = order(uow, add_customer(uow), ("MUG", 2))
    shipping.ship_order(uow, placed.id)
    before = snapshot(uow)
    with pytest.raises(ConflictError):
        cancellation.cancel_order(uow, placed.id)
    with pytest.raises(ConflictError):
        cancellation.cancel_order(uow, placed.id, [LineCancellation(placed.lines[0].id, 1)])
    assert snapshot(uow) == before


def test_cancel_of_a_line_of_another_order_is_not_found(uow: UnitOfWork) -> None:
    add_product(uow, "MUG", on_hand=2)
    customer = add_customer(uow)
    one, two = order(uow, customer, ("MUG", 1)), order(uow, customer, ("MUG", 1))
    with pytest.raises(NotFoundError):
        cancellation.cancel_order(uow, one.id, [LineCancellation(two.lines[0].id, 1)])


def test_partial_shipment_then_the_rest(uow: UnitOfWork) -> None:
    add_product(uow, "MUG", on_hand=2)
    placed = order(uow, add_customer(uow), ("MUG", 5))
    shipment = shipping.ship_order(uow, placed.id, tracking_number="1Z")
    assert [(s.sku, s.qty) for s in shipment.lines] == [("MUG", 2)]
    assert orders.get_order(uow, placed.id).status == LineStatus.PARTIALLY_SHIPPED
    assert stock_of(uow, "MUG") == (0, 0, 0, 3)
    inventory.adjust_inventory(uow, "MUG", 3, reason="restock")
    shipping.ship_order(uow, placed.id)
    assert orders.get_order(uow, placed.id).status == LineStatus.SHIPPED
    check_invariants(uow, today=TODAY)
    assert inventory.verify_inventory(uow) == (1, [])


def test_complete_order_ships_only_when_nothing_waits(uow: UnitOfWork) -> None:
    add_product(uow, "MUG", on_hand=1)
    placed = order(uow, add_customer(uow), ("MUG", 2), ship_policy=ShipPolicy.COMPLETE)
    with pytest.raises(ConflictError):
        shipping.ship_order(uow, placed.id)
    inventory.adjust_inventory(uow, "MUG", 1, reason="restock")
    assert [s.qty for s in shipping.ship_order(uow, placed.id).lines] == [2]


def test_negative_adjustment_may_not_take_allocated_stock(uow: UnitOfWork) -> None:
    add_product(uow, "MUG", on_hand=5)
    order(uow, add_customer(uow), ("MUG", 3))
    before = snapshot(uow)
    with pytest.raises(ConflictError) as refused:
        inventory.adjust_inventory(uow, "MUG", -3, reason="damaged")
    assert refused.value.details["available"] == 2
    assert snapshot(uow) == before
    assert inventory.adjust_inventory(uow, "MUG", -2, reason="damaged").on_hand == 3


def test_idempotency_key_returns_the_first_order_and_changes_nothing(uow: UnitOfWork) -> None:
    add_product(uow, "MUG", on_hand=1)
    customer = add_customer(uow)
    first = order(uow, customer, ("MUG", 2), idempotency_key="cart-1")
    before = snapshot(uow)
    again = orders.place_order(
        uow,
        orders.NewOrder(customer, [orders.LineRequest("MUG", 2)], idempotency_key="cart-1"),
    )
    assert (again.replayed, again.order.id) == (True, first.id)
    assert snapshot(uow) == before
    with pytest.raises(ConflictError):
        order(uow, customer, ("MUG", 3), idempotency_key="cart-1")


def test_availability_says_what_an_order_would_get_without_writing(uow: UnitOfWork) -> None:
    add_product(uow, "MUG", on_hand=3, lead_time_days=5)
    add_product(uow, "PEN", on_hand=1, policy=BackorderPolicy.DENY)
    before = snapshot(uow)
    now = catalogue.check_availability(uow, "MUG", 2)
    later = catalogue.check_availability(uow, "MUG", 5)
    refused = catalogue.check_availability(uow, "PEN", 2)
    assert (now.status, now.ships_now, now.backordered) == ("in_stock", 2, 0)
    assert (later.status, later.ships_now, later.backordered) == ("backorder", 3, 2)
    assert later.estimated_ship_date == TODAY + timedelta(days=5 + uow.settings.handling_days)
    assert (refused.status, refused.available) == ("out_of_stock", 1)
    assert snapshot(uow) == before


def test_duplicate_sku_is_a_conflict(uow: UnitOfWork) -> None:
    add_product(uow, "MUG")
    with pytest.raises(ConflictError):
        add_product(uow, "MUG")


def test_database_refuses_an_oversell_even_if_code_tried(uow: UnitOfWork) -> None:
    add_product(uow, "MUG", on_hand=1)
    with pytest.raises(DBAPIError), uow.write() as tx:
        tx.session.execute(text("UPDATE products SET allocated = 2 WHERE sku = 'MUG'"))


def test_ledger_is_append_only(uow: UnitOfWork) -> None:
    add_product(uow, "MUG", on_hand=1)
    for statement in (
        "UPDATE inventory_movements SET delta = 5",
        "DELETE FROM inventory_movements",
    ):
        with pytest.raises(DBAPIError), uow.write() as tx:
            tx.session.execute(text(statement))


def test_verify_reports_a_counter_that_drifted_from_the_ledger(uow: UnitOfWork) -> None:
    add_product(uow, "MUG", on_hand=5)
    with uow.write() as tx:
        tx.session.execute(text("UPDATE products SET on_hand = 7 WHERE sku = 'MUG'"))
        tx.commit()
    checked, drifts = inventory.verify_inventory(uow)
    assert checked == 1
    assert [(d.sku, d.counter, d.stored, d.expected) for d in drifts] == [("MUG", "on_hand", 7, 5)]
