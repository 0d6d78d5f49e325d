"""Purchasing, receiving and ETAs through the services, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from backorder.config import Settings
from backorder.db.models import Event, Receipt
from backorder.db.uow import UnitOfWork
from backorder.domain.errors import ConflictError, InvalidInputError
from backorder.services import (
    backorders,
    catalogue,
    inventory,
    orders,
    purchase_orders,
    receiving,
    suggestions,
    suppliers,
)
from backorder.services.purchase_orders import NewPurchaseOrder
from tests.helpers import (
    add_customer,
    add_product,
    check_etas_are_pegged,
    check_invariants,
    order,
    snapshot,
)

TODAY = datetime.now(UTC).date()


def day(n: int) -> date:
    return TODAY + timedelta(days=n)


def supplier(uow: UnitOfWork, *skus: str, lead: int = 10, **offer: object) -> int:
    made = suppliers.create_supplier(
        uow, name="Acme", email="buy@acme.example", lead_time_days=lead
    )
    for sku in skus:
        new = suppliers.NewSupplierProduct(sku=sku, cost=Decimal("2.00"), **offer)  # type: ignore[arg-type]
        suppliers.add_supplier_product(uow, made.id, new)
    return made.id


def purchase(uow: UnitOfWork, supplier_id: int, sku: str, qty: int, *, due: int) -> int:
    new = NewPurchaseOrder(supplier_id, [(sku, qty)], expected_date=day(due))
    return purchase_orders.create_purchase_order(uow, new).id


def etas(uow: UnitOfWork, sku: str) -> list[tuple[int, date | None, str | None]]:
    return [
        (w.backordered, w.estimated_ship_date, w.eta_source)
        for w in backorders.list_backorders(uow, sku=sku)
    ]


def handling(uow: UnitOfWork) -> int:
    return uow.settings.handling_days


def test_the_cross_dock_lists_every_order_a_receipt_makes_ready(uow: UnitOfWork) -> None:
    """Not the first page of them: a big delivery can make hundreds of orders shippable."""
    add_product(uow, "MUG")
    vendor = supplier(uow, "MUG")
    customer = add_customer(uow)
    placed = [order(uow, customer, ("MUG", 1)).id for _ in range(130)]
    po = purchase(uow, vendor, "MUG", 130, due=3)
    receipt = receiving.receive_purchase_order(uow, po, [("MUG", 130)])
    assert sorted(receipt.ready_to_ship) == placed


def test_receipt_serves_priority_then_age_and_lists_the_cross_dock(uow: UnitOfWork) -> None:
    add_product(uow, "MUG")
    vendor = supplier(uow, "MUG")
    regular, vip = add_customer(uow), add_customer(uow, priority=9)
    older = order(uow, regular, ("MUG", 4))
    newer = order(uow, regular, ("MUG", 2))
    urgent = order(uow, vip, ("MUG", 3))
    po = purchase(uow, vendor, "MUG", 9, due=3)
    receipt = receiving.receive_purchase_order(uow, po, [("MUG", 5)])
    assert [(a.order_id, a.qty) for a in receipt.allocations] == [(urgent.id, 3), (older.id, 2)]
    assert urgent.id in receipt.ready_to_ship
    assert newer.id not in receipt.ready_to_ship
    assert receipt.status == "partially_received"
    assert catalogue.get_inventory(uow, "MUG").on_order == 4
    check_invariants(uow, today=TODAY)
    check_etas_are_pegged(uow, today=TODAY)
    assert inventory.verify_inventory(uow)[1] == []


def test_lines_are_dated_by_the_purchase_order_that_covers_them(uow: UnitOfWork) -> None:
    add_product(uow, "MUG")
    vendor = supplier(uow, "MUG", lead=20)
    customer = add_customer(uow)
    for qty in (3, 3, 3):
        order(uow, customer, ("MUG", qty))
    purchase(uow, vendor, "MUG", 3, due=9)
    purchase(uow, vendor, "MUG", 3, due=4)
    h = handling(uow)
    assert etas(uow, "MUG") == [
        (3, day(4 + h), "purchase_order"),
        (3, day(9 + h), "purchase_order"),
        (3, day(20 + h), "lead_time"),
    ]


def test_a_receipt_from_a_later_purchase_order_moves_the_rest_of_the_queue(
    uow: UnitOfWork,
) -> None:
    add_product(uow, "MUG")
    vendor = supplier(uow, "MUG")
    customer = add_customer(uow)
    order(uow, customer, ("MUG", 3))
    order(uow, customer, ("MUG", 3))
    purchase(uow, vendor, "MUG", 3, due=5)
    late = purchase(uow, vendor, "MUG", 3, due=10)
    receiving.receive_purchase_order(uow, late, [("MUG", 3)])
    assert etas(uow, "MUG") == [(3, day(5 + handling(uow)), "purchase_order")]
    check_etas_are_pegged(uow, today=TODAY)


def test_an_order_that_jumps_the_queue_pushes_the_others_back_and_they_hear_of_it(
    uow: UnitOfWork,
) -> None:
    add_product(uow, "MUG")
    vendor = supplier(uow, "MUG", lead=30)
    regular, vip = add_customer(uow), add_customer(uow, priority=5)
    purchase(uow, vendor, "MUG", 3, due=4)
    waiting = order(uow, regular, ("MUG", 3))
    assert waiting.lines[0].estimated_ship_date == day(4 + handling(uow))
    rush = order(uow, vip, ("MUG", 3))
    assert rush.lines[0].estimated_ship_date == day(4 + handling(uow))
    assert etas(uow, "MUG")[1] == (3, day(30 + handling(uow)), "lead_time")
    check_etas_are_pegged(uow, today=TODAY)
    with uow.read() as tx:
        (event,) = tx.session.scalars(select(Event).where(Event.type == "order.eta_changed"))
    assert event.payload["order_id"] == waiting.id
    assert event.payload["reason"] == "order_placed"
    assert event.payload["lines"][0]["new_date"] == day(30 + handling(uow)).isoformat()


def test_rescheduling_a_purchase_order_later_records_a_delay(uow: UnitOfWork) -> None:
    add_product(uow, "MUG")
    vendor = supplier(uow, "MUG")
    po = purchase(uow, vendor, "MUG", 2, due=3)
    waiting = order(uow, add_customer(uow), ("MUG", 2))
    purchase_orders.reschedule_purchase_order(uow, po, day(8))
    assert etas(uow, "MUG") == [(2, day(8 + handling(uow)), "purchase_order")]
    with uow.read() as tx:
        (event,) = tx.session.scalars(select(Event).where(Event.type == "order.eta_changed"))
    assert event.payload == {
        "order_id": waiting.id,
        "reason": "purchase_order_rescheduled",
        "lines": [
            {
                "line_id": waiting.lines[0].id,
                "sku": "MUG",
                "old_date": day(3 + handling(uow)).isoformat(),
                "new_date": day(8 + handling(uow)).isoformat(),
            }
        ],
    }


def test_an_earlier_date_is_no_delay(uow: UnitOfWork) -> None:
    add_product(uow, "MUG")
    vendor = supplier(uow, "MUG")
    order(uow, add_customer(uow), ("MUG", 2))
    po = purchase(uow, vendor, "MUG", 2, due=9)
    purchase_orders.reschedule_purchase_order(uow, po, day(4))
    with uow.read() as tx:
        assert (
            list(tx.session.scalars(select(Event).where(Event.type == "order.eta_changed"))) == []
        )


def test_supplier_lateness_pads_every_date_it_gives(uow: UnitOfWork) -> None:
    add_product(uow, "MUG")
    vendor = supplier(uow, "MUG")
    month_ago = datetime.now(UTC) - timedelta(days=30)
    for days_late in (0, 3):
        new = NewPurchaseOrder(vendor, [("MUG", 1)], expected_date=month_ago.date())
        po = purchase_orders.create_purchase_order(uow, new, now=month_ago)
        arrived = month_ago + timedelta(days=days_late)
        receiving.receive_purchase_order(uow, po.id, [("MUG", 1)], now=arrived)
    perf = suppliers.get_supplier(uow, vendor).performance
    assert (perf.receipts, perf.on_time_rate, perf.p80_days_late) == (2, 0.5, 3)
    order(uow, add_customer(uow), ("MUG", 4))
    purchase(uow, vendor, "MUG", 2, due=6)
    assert etas(uow, "MUG")[0][1] == day(6 + 3 + handling(uow))
    assert etas(uow, "MUG")[0][2] == "purchase_order"


def test_suggestions_cover_the_uncovered_backlog_in_packs(uow: UnitOfWork) -> None:
    add_product(uow, "MUG")
    add_product(uow, "PEN")
    vendor = supplier(uow, "MUG", min_order_qty=10, pack_size=6)
    customer = add_customer(uow)
    first, second = order(uow, customer, ("MUG", 3)), order(uow, customer, ("MUG", 4))
    order(uow, customer, ("PEN", 1))
    purchase(uow, vendor, "MUG", 2, due=3)
    result = suggestions.suggest_purchase_orders(uow)
    (draft,) = result.drafts
    (line,) = draft.lines
    assert (draft.supplier_id, line.sku, line.qty) == (vendor, "MUG", 12)
    assert [(c.order_id, c.qty) for c in line.covers] == [(first.id, 1), (second.id, 4)]
    assert result.unsourced == ["PEN"]
    created = suggestions.create_from_suggestions(uow)
    assert [(po.supplier_id, [(ln.sku, ln.ordered) for ln in po.lines]) for po in created] == [
        (vendor, [("MUG", 12)])
    ]
    assert suggestions.suggest_purchase_orders(uow).drafts == []
    check_etas_are_pegged(uow, today=TODAY)


def test_over_receipt_is_kept_as_extra_stock(uow: UnitOfWork) -> None:
    add_product(uow, "MUG")
    po = purchase(uow, supplier(uow, "MUG"), "MUG", 2, due=1)
    receipt = receiving.receive_purchase_order(uow, po, [("MUG", 5)])
    assert [(e.sku, e.qty) for e in receipt.extra] == [("MUG", 3)]
    assert receipt.status == "received"
    inv = catalogue.get_inventory(uow, "MUG")
    assert (inv.on_hand, inv.on_order) == (5, 0)
    assert inventory.verify_inventory(uow)[1] == []


def test_refused_receipts_change_nothing(uow: UnitOfWork) -> None:
    add_product(uow, "MUG")
    add_product(uow, "PEN")
    vendor = supplier(uow, "MUG")
    po = purchase(uow, vendor, "MUG", 2, due=1)
    before = snapshot(uow)
    with pytest.raises(InvalidInputError):
        receiving.receive_purchase_order(uow, po, [("PEN", 1)])
    with pytest.raises(InvalidInputError):
        receiving.receive_purchase_order(uow, po, [("MUG", 1), ("MUG", 1)])
    assert snapshot(uow) == before
    purchase_orders.cancel_purchase_order(uow, po)
    before = snapshot(uow)
    with pytest.raises(ConflictError):
        receiving.receive_purchase_order(uow, po, [("MUG", 1)])
    assert snapshot(uow) == before


def test_cancelling_a_purchase_order_takes_its_supply_away(uow: UnitOfWork) -> None:
    add_product(uow, "MUG")
    vendor = supplier(uow, "MUG", lead=15)
    order(uow, add_customer(uow), ("MUG", 2))
    po = purchase(uow, vendor, "MUG", 2, due=3)
    cancelled = purchase_orders.cancel_purchase_order(uow, po)
    assert (cancelled.status, cancelled.lines[0].cancelled) == ("cancelled", 2)
    assert catalogue.get_inventory(uow, "MUG").on_order == 0
    assert etas(uow, "MUG") == [(2, day(15 + handling(uow)), "lead_time")]
    with pytest.raises(ConflictError):
        purchase_orders.cancel_purchase_order(uow, po)


def test_without_supplier_or_lead_time_no_date_is_given(uow: UnitOfWork) -> None:
    add_product(uow, "MUG")
    order(uow, add_customer(uow), ("MUG", 2))
    assert etas(uow, "MUG") == [(2, None, None)]


def test_priority_change_moves_a_line_up_the_queue(uow: UnitOfWork) -> None:
    add_product(uow, "MUG")
    customer = add_customer(uow)
    first, second = order(uow, customer, ("MUG", 1)), order(uow, customer, ("MUG", 1))
    orders.change_order_priority(uow, second.id, 3)
    assert [w.order_id for w in backorders.list_backorders(uow)] == [second.id, first.id]
    orders.change_order_priority(uow, second.id, None)
    assert [w.order_id for w in backorders.list_backorders(uow)] == [first.id, second.id]


def test_a_large_receipt_records_every_event_in_serving_order(uow: UnitOfWork) -> None:
    """Past a hundred events they are written in bulk (COPY on PostgreSQL): each order
    that got stock still has its order.allocated then order.ready_to_ship, in the order
    the queue was served, with the ids the outbox pollers page by."""
    add_product(uow, "MUG")
    supplier_id = supplier(uow, "MUG")
    customer = add_customer(uow)
    placed = [order(uow, customer, ("MUG", 1)).id for _ in range(120)]
    po = purchase(uow, supplier_id, "MUG", 120, due=5)
    receipt = receiving.receive_purchase_order(uow, po, [("MUG", 120)])
    assert sorted(receipt.ready_to_ship) == sorted(placed)
    with uow.read() as tx:
        events = list(
            tx.session.scalars(
                select(Event)
                .where(Event.type.in_(["order.allocated", "order.ready_to_ship"]))
                .order_by(Event.id)
            )
        )
    allocated = [e for e in events if e.type == "order.allocated"]
    assert [e.payload["order_id"] for e in allocated] == placed
    assert [e.order_id for e in allocated] == placed
    assert all(e.payload["lines"][0]["sku"] == "MUG" for e in allocated)
    ready = [e for e in events if e.type == "order.ready_to_ship"]
    assert sorted(e.payload["order_id"] for e in ready) == sorted(placed)
    assert max(e.id for e in allocated) < min(e.id for e in ready)
    assert all(e.created_at == allocated[0].created_at for e in events)


def test_lateness_reads_only_the_suppliers_latest_receipts(uow: UnitOfWork) -> None:
    """A supplier once 30 days late, then on time for its last 100 receipts, pads dates
    by nothing: lateness is read from recent receipts, and never from its whole history
    (the read runs inside a product's lock)."""
    add_product(uow, "MUG")
    supplier_id = supplier(uow, "MUG", lead=10)
    po = purchase(uow, supplier_id, "MUG", 1, due=5)
    start = datetime.now(UTC) - timedelta(days=200)
    with uow.write() as tx:
        for n in range(150):
            late = 30 if n < 50 else 0
            at = start + timedelta(days=n)
            receipt = Receipt(
                purchase_order_id=po, supplier_id=supplier_id, days_late=late, created_at=at
            )
            tx.session.add(receipt)
        tx.commit()
    with uow.read() as tx:
        recent = tx.purchasing.days_late([supplier_id], before=TODAY, recent=100)
        everything = tx.purchasing.days_late([supplier_id], before=TODAY)
    assert recent == {supplier_id: [0] * 100}
    assert sorted(everything[supplier_id]) == [0] * 100 + [30] * 50
    # A line beyond all supply: today + lead time, with no lateness padding.
    customer = add_customer(uow)
    placed = order(uow, customer, ("MUG", 5))
    (line,) = placed.lines
    handling = Settings().handling_days
    assert line.estimated_ship_date == day(10 + handling)
