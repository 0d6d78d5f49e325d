"""``backorder po`` and ``backorder etas`` end to end, on a SQLite file named by
BACKORDER_DATABASE_URL; the data is set up through the service functions."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from backorder.config import Settings
from backorder.db.models import Event
from backorder.db.uow import UnitOfWork
from backorder.domain.allocation import LineRequest
from backorder.services import backorders, catalogue, orders, purchase_orders, suppliers
from backorder.services.suggestions import suggest_purchase_orders
from tests.e2e.test_cli import refused, run, succeeds, table_row, table_rows
from tests.helpers import add_customer, add_product, order, snapshot

HANDLING_DAYS = Settings().handling_days


def today() -> date:
    return datetime.now(UTC).date()


def add_supplier(uow: UnitOfWork, *, lead_time_days: int = 10, name: str = "Acme") -> int:
    return suppliers.create_supplier(
        uow, name=name, email="orders@acme.example", lead_time_days=lead_time_days
    ).id


def offer(uow: UnitOfWork, supplier_id: int, sku: str, **terms: Any) -> None:
    new = suppliers.NewSupplierProduct(sku=sku, cost=Decimal("4.10"), **terms)
    suppliers.add_supplier_product(uow, supplier_id, new)


def add_po(
    uow: UnitOfWork, supplier_id: int, *lines: tuple[str, int], expected_date: date | None = None
) -> purchase_orders.PurchaseOrderView:
    new = purchase_orders.NewPurchaseOrder(supplier_id, list(lines), expected_date=expected_date)
    return purchase_orders.create_purchase_order(uow, new)


def waiting(uow: UnitOfWork, sku: str) -> list[tuple[int, int, date | None]]:
    """(order_id, backordered, estimated_ship_date) of a SKU's waiting lines, in order."""
    rows = backorders.list_backorders(uow, sku=sku, customer_id=None, offset=0, limit=100)
    return [(r.order_id, r.backordered, r.estimated_ship_date) for r in rows]


def written(uow: UnitOfWork, *po_ids: int) -> tuple[Any, ...]:
    """What a refused command must leave as it was."""
    with uow.read() as tx:
        events = list(tx.session.scalars(select(Event.id)))
    pos = [purchase_orders.get_purchase_order(uow, po_id) for po_id in po_ids]
    on_order = [v.inventory.on_order for v in catalogue.list_products(uow, offset=0, limit=100)[0]]
    return snapshot(uow), events, pos, on_order


# po suggest


def test_po_suggest_prints_a_table_per_supplier_and_warns_about_skus_without_one(
    db: UnitOfWork,
) -> None:
    acme = add_supplier(db, lead_time_days=5, name="Acme")
    bolt = add_supplier(db, lead_time_days=9, name="Bolt")
    for sku in ("MUG", "LAMP", "GADGET"):
        add_product(db, sku)
    offer(db, acme, "MUG", pack_size=6)
    offer(db, bolt, "LAMP")
    ann = add_customer(db)
    first = order(db, ann, ("MUG", 3), ("GADGET", 1))
    second = order(db, ann, ("MUG", 1), ("LAMP", 2))
    before = written(db)

    result_out = succeeds("po", "suggest")
    assert f"supplier {acme}, expected {today() + timedelta(days=5)}" in result_out
    assert f"supplier {bolt}, expected {today() + timedelta(days=9)}" in result_out
    mug_first, mug_second = first.lines[0].id, second.lines[0].id
    assert table_row(result_out, "MUG") == [
        "MUG",
        "6",
        f"{first.id}/{mug_first}: 3, {second.id}/{mug_second}: 1",
    ]
    assert table_row(result_out, "LAMP") == ["LAMP", "2", f"{second.id}/{second.lines[1].id}: 2"]
    assert "GADGET" not in result_out
    assert written(db) == before


def test_po_suggest_warns_on_stderr_about_skus_without_a_supplier(db: UnitOfWork) -> None:
    add_product(db, "GADGET")
    order(db, add_customer(db), ("GADGET", 1))
    result = run("po", "suggest")
    assert result.exit_code == 0, result.stderr
    assert "no supplier" in result.stderr
    assert "GADGET" in result.stderr
    assert table_rows(result.stdout) == []


def test_po_suggest_says_when_nothing_is_to_buy(db: UnitOfWork) -> None:
    supplier = add_supplier(db)
    add_product(db, "MUG")
    offer(db, supplier, "MUG")
    order(db, add_customer(db), ("MUG", 2))
    add_po(db, supplier, ("MUG", 2))
    assert "nothing to buy" in succeeds("po", "suggest")


# po create-from-suggestions


def test_po_create_from_suggestions_saves_every_draft(db: UnitOfWork) -> None:
    supplier = add_supplier(db, lead_time_days=4)
    add_product(db, "MUG")
    add_product(db, "LAMP")
    offer(db, supplier, "MUG", min_order_qty=10)
    offer(db, supplier, "LAMP")
    placed = order(db, add_customer(db), ("MUG", 3), ("LAMP", 2))

    output = succeeds("po", "create-from-suggestions")
    expected = today() + timedelta(days=4)
    assert f"purchase order 1 to supplier {supplier}: 12 units, expected {expected}" in output
    (po,) = purchase_orders.list_purchase_orders(
        db, supplier_id=None, status=None, offset=0, limit=10
    )
    assert sorted((ln.sku, ln.ordered) for ln in po.lines) == [("LAMP", 2), ("MUG", 10)]
    assert catalogue.get_inventory(db, "MUG").on_order == 10
    assert suggest_purchase_orders(db).drafts == []
    eta = today() + timedelta(days=4 + HANDLING_DAYS)
    assert waiting(db, "MUG") == [(placed.id, 3, eta)]
    assert "nothing to buy" in succeeds("po", "create-from-suggestions")


# po list


def test_po_list_filters_by_status_and_supplier(db: UnitOfWork) -> None:
    acme = add_supplier(db, name="Acme")
    bolt = add_supplier(db, name="Bolt")
    add_product(db, "MUG")
    add_product(db, "LAMP")
    due = today() + timedelta(days=3)
    kept = add_po(db, acme, ("MUG", 5), ("LAMP", 2), expected_date=due)
    dropped = add_po(db, acme, ("MUG", 1))
    other = add_po(db, bolt, ("LAMP", 4))
    purchase_orders.cancel_purchase_order(db, dropped.id)

    rows = table_rows(succeeds("po", "list", "--status", "open"))
    assert sorted(r[0] for r in rows) == sorted([str(kept.id), str(other.id)])
    assert table_row(succeeds("po", "list", "--status", "open"), str(kept.id)) == [
        str(kept.id),
        str(acme),
        "open",
        str(due),
        "MUG 5/0, LAMP 2/0",
    ]
    assert [r[0] for r in table_rows(succeeds("po", "list", "--supplier", str(bolt)))] == [
        str(other.id)
    ]
    cancelled = table_rows(succeeds("po", "list", "--status", "cancelled"))
    assert [(r[0], r[2]) for r in cancelled] == [(str(dropped.id), "cancelled")]
    assert "no purchase orders" in succeeds("po", "list", "--status", "received")


# po receive


def issue_example(uow: UnitOfWork) -> dict[str, Any]:
    """Waiting lines (priority 9: 3 units), (priority 0, older: 4), (priority 0, newer:
    2), and an open purchase order of 9."""
    supplier = add_supplier(uow)
    add_product(uow, "MUG")
    offer(uow, supplier, "MUG")
    regular = add_customer(uow, name="Regular")
    vip = add_customer(uow, priority=9, name="Vip")
    older = order(uow, regular, ("MUG", 4))
    newer = order(uow, regular, ("MUG", 2))
    rush = order(uow, vip, ("MUG", 3))
    po = add_po(uow, supplier, ("MUG", 9))
    return {"older": older, "newer": newer, "rush": rush, "po": po}


def test_po_receive_prints_the_allocations_and_the_cross_dock_list(db: UnitOfWork) -> None:
    ex = issue_example(db)
    older, newer, rush, po = ex["older"], ex["newer"], ex["rush"], ex["po"]

    output = succeeds("po", "receive", str(po.id), "MUG=5")
    assert f"purchase order {po.id} is partially_received" in output
    rows = [r for r in table_rows(output) if r[2] == "MUG"]
    assert rows == [
        [str(rush.id), str(rush.lines[0].id), "MUG", "3"],
        [str(older.id), str(older.lines[0].id), "MUG", "2"],
    ]
    # Both orders ship partially by default, so both can go straight from the dock.
    ready = sorted([rush.id, older.id])
    assert f"cross-dock (ship now): {ready[0]}, {ready[1]}" in output
    assert waiting(db, "MUG")[0][:2] == (older.id, 2)
    assert waiting(db, "MUG")[1][:2] == (newer.id, 2)
    assert catalogue.get_inventory(db, "MUG").on_order == 4


def test_po_receive_of_several_skus_and_extra_units(db: UnitOfWork) -> None:
    supplier = add_supplier(db)
    add_product(db, "MUG")
    add_product(db, "LAMP")
    po = add_po(db, supplier, ("MUG", 5), ("LAMP", 1))
    output = succeeds("po", "receive", str(po.id), "MUG=8", "LAMP=1")
    assert f"purchase order {po.id} is received" in output
    assert "no waiting line took this stock" in output
    assert "3 units of MUG beyond the order" in output
    assert "cross-dock (ship now): none" in output
    assert catalogue.get_inventory(db, "MUG").on_hand == 8


@pytest.mark.parametrize("item", ["MUG=abc", "MUG", "=5", "MUG=0", "MUG=-2", "MUG=1.5"])
def test_po_receive_of_a_malformed_item_exits_1_and_writes_nothing(
    db: UnitOfWork, item: str
) -> None:
    po = issue_example(db)["po"]
    before = written(db, po.id)
    message = refused("po", "receive", str(po.id), item)
    assert "validation_error" in message
    assert f"{item!r} is not SKU=QTY" in message
    assert written(db, po.id) == before


@pytest.mark.parametrize(
    ("target", "item", "code"),
    [
        ("999", "MUG=1", "not_found"),
        ("PO", "LAMP=1", "validation_error"),
    ],
    ids=["unknown purchase order", "sku not on the purchase order"],
)
def test_po_receive_refused_by_the_service_exits_1_and_writes_nothing(
    db: UnitOfWork, target: str, item: str, code: str
) -> None:
    po = issue_example(db)["po"]
    add_product(db, "LAMP")
    before = written(db, po.id)
    po_id = str(po.id) if target == "PO" else target
    assert code in refused("po", "receive", po_id, item)
    assert written(db, po.id) == before


def test_po_receive_of_a_cancelled_purchase_order_exits_1(db: UnitOfWork) -> None:
    po = issue_example(db)["po"]
    purchase_orders.cancel_purchase_order(db, po.id)
    before = written(db, po.id)
    assert "conflict" in refused("po", "receive", str(po.id), "MUG=1")
    assert written(db, po.id) == before


def test_po_receive_needs_a_numeric_id_and_an_item(db: UnitOfWork) -> None:
    po = issue_example(db)["po"]
    before = written(db, po.id)
    refused("po", "receive", "first", "MUG=1", exit_code=2)
    refused("po", "receive", str(po.id), exit_code=2)
    assert written(db, po.id) == before


# po delay


def test_po_delay_moves_the_date_and_the_etas_and_records_the_delay(db: UnitOfWork) -> None:
    supplier = add_supplier(db, lead_time_days=20)
    add_product(db, "MUG")
    offer(db, supplier, "MUG")
    po = add_po(db, supplier, ("MUG", 5), expected_date=today() + timedelta(days=5))
    placed = order(db, add_customer(db), ("MUG", 3))

    output = succeeds("po", "delay", str(po.id), "2099-01-01")
    assert f"purchase order {po.id} now expected 2099-01-01" in output
    assert purchase_orders.get_purchase_order(db, po.id).expected_date == date(2099, 1, 1)
    assert waiting(db, "MUG") == [(placed.id, 3, date(2099, 1, 1) + timedelta(HANDLING_DAYS))]
    with db.read() as tx:
        (event,) = tx.session.scalars(select(Event).where(Event.type == "order.eta_changed"))
        payload = dict(event.payload)
    assert (payload["order_id"], payload["lines"][0]["new_date"], payload["reason"]) == (
        placed.id,
        (date(2099, 1, 1) + timedelta(HANDLING_DAYS)).isoformat(),
        "purchase_order_rescheduled",
    )


@pytest.mark.parametrize(
    ("po_id", "day", "exit_code", "message"),
    [
        ("PO", "2099-13-01", 2, "is not a date"),
        ("PO", "tomorrow", 2, "is not a date"),
        ("PO", "2000-01-01", 1, "validation_error"),
        ("999", "2099-01-01", 1, "not_found"),
    ],
    ids=["impossible date", "not a date", "date in the past", "unknown purchase order"],
)
def test_po_delay_refused_writes_nothing(
    db: UnitOfWork, po_id: str, day: str, exit_code: int, message: str
) -> None:
    po = issue_example(db)["po"]
    before = written(db, po.id)
    target = str(po.id) if po_id == "PO" else po_id
    assert message in refused("po", "delay", target, day, exit_code=exit_code)
    assert written(db, po.id) == before


# etas refresh


def test_etas_refresh_redates_lines_from_today_and_reports_the_lines_changed(
    db: UnitOfWork,
) -> None:
    add_product(db, "MUG", lead_time_days=7)
    add_product(db, "LAMP", lead_time_days=3)
    customer = add_customer(db)
    last_week = datetime.now(UTC) - timedelta(days=7)
    # Placed a week ago: dated from then, so the lead-time dates are a week stale.
    for sku, qty in (("MUG", 2), ("MUG", 1), ("LAMP", 4)):
        new = orders.NewOrder(customer_id=customer, lines=[LineRequest(sku, qty)])
        orders.place_order(db, new, now=last_week)
    assert {eta for _, _, eta in waiting(db, "MUG")} == {
        last_week.date() + timedelta(days=7 + HANDLING_DAYS)
    }

    output = succeeds("etas", "refresh")
    assert "2 products re-pegged, 3 lines got a new date" in output
    assert {eta for _, _, eta in waiting(db, "MUG")} == {
        today() + timedelta(days=7 + HANDLING_DAYS)
    }
    assert {eta for _, _, eta in waiting(db, "LAMP")} == {
        today() + timedelta(days=3 + HANDLING_DAYS)
    }
    with db.read() as tx:
        query = select(Event).where(Event.type == "order.eta_changed")
        reasons = [e.payload["reason"] for e in tx.session.scalars(query)]
    # Dates resting on a lead time slide with each day: that drift is no delay notice
    # (the periodic waiting update carries the current date instead).
    assert reasons == []
    assert "2 products re-pegged, 0 lines got a new date" in succeeds("etas", "refresh")


def test_etas_refresh_with_nothing_waiting_does_nothing(db: UnitOfWork) -> None:
    add_product(db, "MUG", on_hand=3)
    order(db, add_customer(db), ("MUG", 3))
    assert "0 products re-pegged, 0 lines got a new date" in succeeds("etas", "refresh")
