"""The purchasing part of the REST API end to end: suppliers, suggestions, purchase
orders, receipts, the cross-dock list, pegged ETAs and order priority, through HTTP on a
real database (each test runs on SQLite and on PostgreSQL).

Every test ends with the invariants of DESIGN.md checked and the counters rebuilt from
the ledger, the order lines and the purchase-order lines (see ``stays_consistent``).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from backorder.api.app import create_app
from backorder.db.models import (
    Event,
    OrderLine,
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    Receipt,
    ReceiptLine,
    Supplier,
    SupplierProduct,
)
from backorder.db.uow import UnitOfWork
from backorder.domain.model import Role
from backorder.services import purchase_orders, receiving
from backorder.services.inventory import verify_inventory
from backorder.services.keys import create_api_key
from tests.e2e.test_api import (
    HANDLING_DAYS,
    Api,
    error_details,
    line_of,
    quantities,
    utc_today,
)
from tests.helpers import check_invariants, snapshot


def day(offset: int) -> str:
    """Today (UTC) plus ``offset`` days, as the API writes dates."""
    return (utc_today() + timedelta(days=offset)).isoformat()


def ships(arrives_in: int) -> str:
    """The ETA of units arriving in ``arrives_in`` days: arrival plus handling."""
    return day(arrives_in + HANDLING_DAYS)


class Buyer(Api):
    """An API client with shortcuts for purchasing that assert success."""

    def patch(self, path: str, body: Any) -> httpx.Response:
        return self.request("PATCH", path, body)

    def supplier(self, name: str = "Acme", *, lead_time_days: int = 10) -> int:
        body = {"name": name, "email": "orders@acme.example", "lead_time_days": lead_time_days}
        return int(self.ok(self.post("/suppliers", body), 201)["id"])

    def offer(self, supplier_id: int, sku: str, cost: str = "4.10", **terms: Any) -> Any:
        body = {"sku": sku, "cost": cost} | terms
        return self.ok(self.post(f"/suppliers/{supplier_id}/products", body), 201)

    def place_po(
        self, supplier_id: int, *lines: tuple[str, int], expected_date: str | None = None
    ) -> httpx.Response:
        body: dict[str, Any] = {
            "supplier_id": supplier_id,
            "lines": [{"sku": sku, "qty": qty} for sku, qty in lines],
        }
        if expected_date is not None:
            body["expected_date"] = expected_date
        return self.post("/purchase-orders", body)

    def purchase_order(
        self, supplier_id: int, *lines: tuple[str, int], expected_date: str | None = None
    ) -> dict[str, Any]:
        return dict(self.ok(self.place_po(supplier_id, *lines, expected_date=expected_date), 201))

    def po(self, po_id: int) -> dict[str, Any]:
        return dict(self.ok(self.get(f"/purchase-orders/{po_id}")))

    def po_ids(self, **params: Any) -> list[int]:
        return [po["id"] for po in self.ok(self.get("/purchase-orders", **params))]

    def receive(self, po_id: int, *lines: tuple[str, int]) -> httpx.Response:
        body = {"lines": [{"sku": sku, "qty": qty} for sku, qty in lines]}
        return self.post(f"/purchase-orders/{po_id}/receipts", body)

    def received(self, po_id: int, *lines: tuple[str, int]) -> dict[str, Any]:
        return dict(self.ok(self.receive(po_id, *lines), 201))

    def suggestions(self) -> list[dict[str, Any]]:
        return list(self.ok(self.get("/purchase-orders/suggestions")))

    def on_order(self, sku: str) -> int:
        return int(self.inventory(sku)["on_order"])

    def etas(self, sku: str) -> list[tuple[int, int, str | None, str | None]]:
        """(order_id, backordered, estimated_ship_date, eta_source) of each waiting line of
        a SKU, in serving order."""
        return [
            (r["order_id"], r["backordered"], r["estimated_ship_date"], r["eta_source"])
            for r in self.backorders(sku=sku)
        ]


@pytest.fixture
def client(uow: UnitOfWork) -> Iterator[TestClient]:
    with TestClient(create_app(uow)) as test_client:
        yield test_client


@pytest.fixture
def api(client: TestClient, uow: UnitOfWork) -> Buyer:
    return Buyer(client, create_api_key(uow, Role.ADMIN).secret)


@pytest.fixture(autouse=True)
def stays_consistent(uow: UnitOfWork) -> Iterator[None]:
    """After every scenario: invariants 1-4 hold and no counter drifts from the ledger,
    the order lines and the open purchase-order lines."""
    yield
    check_invariants(uow, today=utc_today())
    checked, drifts = verify_inventory(uow)
    assert drifts == [], drifts
    assert checked >= 0


def purchasing_rows(uow: UnitOfWork) -> dict[str, list[tuple[Any, ...]]]:
    """What purchasing may write and ``helpers.snapshot`` does not read."""
    with uow.read() as tx:
        s = tx.session

        def rows(*columns: Any) -> list[tuple[Any, ...]]:
            return [tuple(r) for r in s.execute(select(*columns).order_by(columns[0]))]

        return {
            "on_order": rows(Product.id, Product.on_order),
            "suppliers": rows(Supplier.id, Supplier.lead_time_days),
            "offers": rows(SupplierProduct.id, SupplierProduct.preferred),
            "purchase_orders": rows(
                PurchaseOrder.id, PurchaseOrder.status, PurchaseOrder.expected_date
            ),
            "po_lines": rows(
                PurchaseOrderLine.id,
                PurchaseOrderLine.ordered,
                PurchaseOrderLine.received,
                PurchaseOrderLine.cancelled,
            ),
            "receipts": rows(Receipt.id),
            "receipt_lines": rows(ReceiptLine.id),
            "etas": rows(
                OrderLine.id,
                OrderLine.estimated_ship_date,
                OrderLine.eta_source,
                OrderLine.promised_ship_date,
            ),
            "events": rows(Event.id),
        }


def state(api: Buyer, uow: UnitOfWork, *po_ids: int) -> tuple[Any, ...]:
    """Everything a refused request must leave as it was, read from the tables and
    through ``GET /purchase-orders/{id}``."""
    return snapshot(uow), purchasing_rows(uow), [api.po(po_id) for po_id in po_ids]


def eta_changes(uow: UnitOfWork) -> list[dict[str, Any]]:
    """The lines of the ``order.eta_changed`` events, oldest first, each with its order
    and the reason (an event carries all the delayed lines of one order)."""
    with uow.read() as tx:
        query = select(Event).where(Event.type == "order.eta_changed").order_by(Event.id)
        return [
            {"order_id": e.payload["order_id"], "reason": e.payload["reason"], **line}
            for e in tx.session.scalars(query)
            for line in e.payload["lines"]
        ]


def covers(*lines: tuple[dict[str, Any], int], index: int = 0) -> list[dict[str, int]]:
    """The ``covers`` of a suggestion line: (order, units) in serving order."""
    return [
        {"order_id": o["id"], "line_id": line_of(o, index)["id"], "qty": qty} for o, qty in lines
    ]


def by_sku(draft: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {line["sku"]: line for line in draft["lines"]}


def allocation(order: dict[str, Any], qty: int, sku: str = "MUG") -> dict[str, Any]:
    return {"order_id": order["id"], "line_id": line_of(order)["id"], "sku": sku, "qty": qty}


# Suppliers


def test_create_supplier_returns_it_with_an_empty_record(api: Buyer) -> None:
    body = {"name": "Acme Ltd", "email": "orders@acme.example", "lead_time_days": 12}
    created = api.ok(api.post("/suppliers", body), 201)
    assert created["id"] >= 1
    assert {k: created[k] for k in body} == body
    assert created["performance"] == {
        "receipts": 0,
        "on_time_rate": None,
        "mean_days_late": None,
        "p80_days_late": 0,
    }
    assert api.ok(api.get(f"/suppliers/{created['id']}")) == created


def test_list_suppliers_returns_every_supplier_and_pages(api: Buyer) -> None:
    ids = [api.supplier(name) for name in ("Acme", "Bolt", "Cord")]
    assert [s["id"] for s in api.ok(api.get("/suppliers"))] == ids
    page = api.ok(api.get("/suppliers", offset=1, limit=1))
    assert [(s["id"], s["name"]) for s in page] == [(ids[1], "Bolt")]


def test_supplier_performance_counts_late_on_time_and_early_receipts(
    api: Buyer, uow: UnitOfWork
) -> None:
    supplier = api.supplier(lead_time_days=5)
    api.product("MUG")
    api.offer(supplier, "MUG")
    late = api.purchase_order(supplier, ("MUG", 2), expected_date=day(0))
    three_days_later = datetime.now(UTC) + timedelta(days=3)
    receiving.receive_purchase_order(uow, late["id"], [("MUG", 2)], now=three_days_later)
    on_time = api.purchase_order(supplier, ("MUG", 1), expected_date=day(0))
    api.received(on_time["id"], ("MUG", 1))
    early = api.purchase_order(supplier, ("MUG", 1), expected_date=day(5))
    api.received(early["id"], ("MUG", 1))

    performance = api.ok(api.get(f"/suppliers/{supplier}"))["performance"]
    assert performance == {
        "receipts": 3,
        "on_time_rate": pytest.approx(2 / 3),
        "mean_days_late": pytest.approx(1.0),  # early counts as 0 days late, not -5
        "p80_days_late": 3,
    }
    listed = api.ok(api.get("/suppliers"))
    assert listed[0]["performance"] == performance


def test_unknown_supplier_is_not_found(api: Buyer) -> None:
    details = error_details(api.get("/suppliers/999"), 404, "not_found")
    assert details["resource"] == "supplier"


# What suppliers supply


def test_supplier_product_is_recorded_with_its_terms_and_defaults(api: Buyer) -> None:
    supplier = api.supplier()
    api.product("MUG")
    api.product("LAMP")
    full = api.offer(
        supplier, "MUG", "4.10", lead_time_days=6, min_order_qty=12, pack_size=6, preferred=True
    )
    assert full["id"] >= 1
    assert {k: v for k, v in full.items() if k != "id"} == {
        "supplier_id": supplier,
        "sku": "MUG",
        "cost": "4.10",
        "lead_time_days": 6,
        "min_order_qty": 12,
        "pack_size": 6,
        "preferred": True,
    }
    bare = api.offer(supplier, "LAMP", "9.00")
    assert (bare["lead_time_days"], bare["min_order_qty"], bare["pack_size"]) == (None, 1, 1)
    assert bare["preferred"] is False


def test_same_supplier_and_product_twice_is_a_conflict_and_writes_nothing(
    api: Buyer, uow: UnitOfWork
) -> None:
    supplier = api.supplier()
    api.product("MUG")
    api.offer(supplier, "MUG", "4.10")
    before = state(api, uow)
    body = {"sku": "MUG", "cost": "3.00", "preferred": True}
    details = error_details(api.post(f"/suppliers/{supplier}/products", body), 409, "conflict")
    assert details == {"supplier_id": supplier, "sku": "MUG"}
    assert state(api, uow) == before


@pytest.mark.parametrize(
    ("path", "sku", "resource"),
    [("/suppliers/999/products", "MUG", "supplier"), ("/suppliers/1/products", "NOPE", "product")],
    ids=["unknown supplier", "unknown product"],
)
def test_supplier_product_of_unknown_supplier_or_product_is_not_found(
    api: Buyer, uow: UnitOfWork, path: str, sku: str, resource: str
) -> None:
    assert api.supplier() == 1
    api.product("MUG")
    before = state(api, uow)
    details = error_details(api.post(path, {"sku": sku, "cost": "1.00"}), 404, "not_found")
    assert details["resource"] == resource
    assert state(api, uow) == before


def test_marking_a_second_supplier_preferred_unmarks_the_first(api: Buyer) -> None:
    fast = api.supplier("Fast", lead_time_days=3)
    slow = api.supplier("Slow", lead_time_days=20)
    api.product("MUG")
    api.order(api.customer(), ("MUG", 2))
    api.offer(fast, "MUG", preferred=True)
    assert [d["supplier_id"] for d in api.suggestions()] == [fast]

    api.offer(slow, "MUG", preferred=True)
    # Were Fast still preferred, both would be and the shorter lead time would win.
    (draft,) = api.suggestions()
    assert draft["supplier_id"] == slow
    assert draft["expected_date"] == day(20)
    # The line beyond all supply is dated by the supplier now chosen.
    ((_, _, eta, source),) = api.etas("MUG")
    assert (eta, source) == (ships(20), "lead_time")


# Suggestions


def test_suggestion_raises_need_to_the_minimum_rounds_to_packs_and_lists_covers_in_serving_order(
    api: Buyer, uow: UnitOfWork
) -> None:
    supplier = api.supplier(lead_time_days=7)
    api.product("MUG")
    api.product("LAMP")
    api.offer(supplier, "MUG", min_order_qty=10, pack_size=6)
    api.offer(supplier, "LAMP", pack_size=5)
    ann = api.customer(name="Ann")
    vip = api.customer(priority=5, name="Vip")
    older = api.order(ann, ("MUG", 3))
    newer = api.order(ann, ("MUG", 4), ("LAMP", 7))
    rush = api.order(vip, ("MUG", 2))
    before = state(api, uow)

    (draft,) = api.suggestions()
    assert draft["supplier_id"] == supplier
    assert draft["expected_date"] == day(7)
    assert by_sku(draft) == {
        # 9 waiting, raised to the minimum of 10, rounded up to 2 packs of 6.
        "MUG": {
            "sku": "MUG",
            "qty": 12,
            "covers": covers((rush, 2), (older, 3), (newer, 4)),
            "reasons": ["backorders"],
        },
        # 7 waiting, rounded up to 2 packs of 5.
        "LAMP": {
            "sku": "LAMP",
            "qty": 10,
            "covers": covers((newer, 7), index=1),
            "reasons": ["backorders"],
        },
    }
    assert state(api, uow) == before


def test_suggestions_choose_the_shortest_lead_time_then_the_lowest_cost(api: Buyer) -> None:
    cheap = api.supplier("Cheap", lead_time_days=10)
    quick = api.supplier("Quick", lead_time_days=10)
    for sku in ("VASE", "BOWL"):
        api.product(sku)
    api.offer(cheap, "VASE", "1.00", lead_time_days=9)
    api.offer(quick, "VASE", "9.00", lead_time_days=3)
    api.offer(cheap, "BOWL", "2.00")
    api.offer(quick, "BOWL", "3.00", lead_time_days=10)
    api.order(api.customer(), ("VASE", 1), ("BOWL", 1))

    drafts = {d["supplier_id"]: d for d in api.suggestions()}
    assert {sid: sorted(by_sku(d)) for sid, d in drafts.items()} == {
        quick: ["VASE"],  # 3 days beats 9 days, whatever the cost
        cheap: ["BOWL"],  # same lead time: the lower cost
    }
    assert drafts[quick]["expected_date"] == day(3)
    assert drafts[cheap]["expected_date"] == day(10)


def test_one_draft_per_supplier_consolidates_the_demand_of_many_orders(api: Buyer) -> None:
    acme = api.supplier("Acme", lead_time_days=4)
    bolt = api.supplier("Bolt", lead_time_days=9)
    for sku in ("MUG", "LAMP", "VASE"):
        api.product(sku)
    api.offer(acme, "MUG")
    api.offer(acme, "LAMP", lead_time_days=6)
    api.offer(bolt, "VASE")
    ann, bob = api.customer(name="Ann"), api.customer(name="Bob")
    api.order(ann, ("MUG", 1), ("VASE", 2))
    api.order(bob, ("MUG", 2), ("LAMP", 1))

    drafts = {d["supplier_id"]: d for d in api.suggestions()}
    assert sorted(drafts) == [acme, bolt]
    assert {sku: line["qty"] for sku, line in by_sku(drafts[acme]).items()} == {
        "MUG": 3,
        "LAMP": 1,
    }
    assert drafts[acme]["expected_date"] == day(6)  # the slowest line of the draft
    assert {sku: line["qty"] for sku, line in by_sku(drafts[bolt]).items()} == {"VASE": 2}


def test_suggestion_leaves_out_units_open_purchase_orders_already_cover(api: Buyer) -> None:
    supplier = api.supplier(lead_time_days=7)
    api.product("MUG")
    api.offer(supplier, "MUG")
    ann = api.customer()
    api.order(ann, ("MUG", 3))
    newer = api.order(ann, ("MUG", 4))
    api.purchase_order(supplier, ("MUG", 4))

    (draft,) = api.suggestions()
    # The 4 on order cover the older line's 3 units and the first of the newer line's 4.
    assert draft["lines"] == [
        {"sku": "MUG", "qty": 3, "covers": covers((newer, 3)), "reasons": ["backorders"]}
    ]


def test_products_covered_by_open_purchase_orders_are_not_suggested_again(api: Buyer) -> None:
    supplier = api.supplier()
    api.product("MUG")
    api.offer(supplier, "MUG", min_order_qty=50)
    api.order(api.customer(), ("MUG", 7))
    api.purchase_order(supplier, ("MUG", 7))
    assert api.suggestions() == []
    assert api.ok(api.post("/purchase-orders/from-suggestions"), 201) == []
    assert len(api.po_ids()) == 1


def test_products_without_a_supplier_are_left_out_of_suggestions(api: Buyer) -> None:
    supplier = api.supplier()
    api.product("MUG")
    api.product("GADGET")
    api.offer(supplier, "MUG")
    api.order(api.customer(), ("MUG", 1), ("GADGET", 5))
    (draft,) = api.suggestions()
    assert [line["sku"] for line in draft["lines"]] == ["MUG"]


def test_from_suggestions_saves_every_draft_and_puts_it_on_order(api: Buyer) -> None:
    acme = api.supplier("Acme", lead_time_days=5)
    bolt = api.supplier("Bolt", lead_time_days=9)
    api.product("MUG")
    api.product("LAMP")
    api.offer(acme, "MUG", pack_size=10)
    api.offer(bolt, "LAMP")
    ann = api.customer()
    mugs = api.order(ann, ("MUG", 3))
    lamps = api.order(ann, ("LAMP", 2))
    drafts = api.suggestions()

    created = api.ok(api.post("/purchase-orders/from-suggestions"), 201)
    assert sorted(
        (po["supplier_id"], po["status"], po["expected_date"], ln["sku"], ln["ordered"])
        for po in created
        for ln in po["lines"]
    ) == [(acme, "open", day(5), "MUG", 10), (bolt, "open", day(9), "LAMP", 2)]
    assert sorted(
        (d["supplier_id"], d["expected_date"], ln["sku"], ln["qty"])
        for d in drafts
        for ln in d["lines"]
    ) == [(acme, day(5), "MUG", 10), (bolt, day(9), "LAMP", 2)]
    for po in created:
        assert api.po(po["id"]) == po
    assert (api.on_order("MUG"), api.on_order("LAMP")) == (10, 2)
    assert api.suggestions() == []
    assert api.etas("MUG") == [(mugs["id"], 3, ships(5), "purchase_order")]
    assert api.etas("LAMP") == [(lamps["id"], 2, ships(9), "purchase_order")]
    assert sorted(api.po_ids(status="open")) == sorted(po["id"] for po in created)


# Purchase orders


def test_purchase_order_is_open_with_its_lines_and_counts_as_on_order(api: Buyer) -> None:
    supplier = api.supplier()
    api.product("MUG")
    api.product("LAMP")
    created = api.purchase_order(supplier, ("MUG", 5), ("LAMP", 2), expected_date=day(4))
    assert created["supplier_id"] == supplier
    assert created["status"] == "open"
    assert created["expected_date"] == day(4)
    assert [
        (ln["sku"], ln["ordered"], ln["received"], ln["cancelled"], ln["open"])
        for ln in created["lines"]
    ] == [("MUG", 5, 0, 0, 5), ("LAMP", 2, 0, 0, 2)]
    assert api.po(created["id"]) == created
    assert api.inventory("MUG") == {
        "sku": "MUG",
        "on_hand": 0,
        "allocated": 0,
        "available": 0,
        "backordered": 0,
        "on_order": 5,
    }
    assert api.on_order("LAMP") == 2


def test_expected_date_defaults_to_today_plus_the_lead_time(api: Buyer) -> None:
    supplier = api.supplier(lead_time_days=10)
    api.product("MUG")
    api.product("LAMP")
    api.offer(supplier, "MUG", lead_time_days=15)
    assert api.purchase_order(supplier, ("MUG", 1))["expected_date"] == day(15)
    # Without an offer the supplier's own lead time counts.
    assert api.purchase_order(supplier, ("LAMP", 1))["expected_date"] == day(10)


def test_default_expected_date_waits_for_the_slowest_line(api: Buyer) -> None:
    """A purchase order has one date: the supplier's longest lead time among its lines.
    LAMP has no offer, so its lead time is the supplier's 10 days, and the order can't
    be expected after MUG's 3 days (that would promise LAMP's customers too early)."""
    supplier = api.supplier(lead_time_days=10)
    api.product("MUG")
    api.product("LAMP")
    api.offer(supplier, "MUG", lead_time_days=3)
    created = api.purchase_order(supplier, ("MUG", 1), ("LAMP", 1))
    assert created["expected_date"] == day(10)


def invalid_purchase_orders() -> dict[str, tuple[dict[str, Any], int, str, str | None]]:
    """body, status, code, the resource not found."""
    lines = [{"sku": "MUG", "qty": 1}]
    return {
        "duplicate sku": (
            {"supplier_id": 1, "lines": [{"sku": "MUG", "qty": 1}, {"sku": "MUG", "qty": 2}]},
            422,
            "validation_error",
            None,
        ),
        "expected date in the past": (
            {"supplier_id": 1, "expected_date": day(-1), "lines": lines},
            422,
            "validation_error",
            None,
        ),
        "unknown sku": (
            {"supplier_id": 1, "lines": [*lines, {"sku": "NOPE", "qty": 1}]},
            404,
            "not_found",
            "product",
        ),
        "unknown supplier": ({"supplier_id": 999, "lines": lines}, 404, "not_found", "supplier"),
    }


@pytest.mark.parametrize(
    ("body", "status", "code", "resource"),
    invalid_purchase_orders().values(),
    ids=invalid_purchase_orders().keys(),
)
def test_refused_purchase_order_writes_nothing(
    api: Buyer,
    uow: UnitOfWork,
    body: dict[str, Any],
    status: int,
    code: str,
    resource: str | None,
) -> None:
    assert api.supplier() == 1
    api.product("MUG")
    api.order(api.customer(), ("MUG", 2))
    before = state(api, uow)
    details = error_details(api.post("/purchase-orders", body), status, code)
    if resource is not None:
        assert details["resource"] == resource
    assert state(api, uow) == before
    assert api.po_ids() == []
    assert api.on_order("MUG") == 0


def test_purchase_order_due_today_is_accepted(api: Buyer) -> None:
    supplier = api.supplier()
    api.product("MUG")
    created = api.purchase_order(supplier, ("MUG", 1), expected_date=day(0))
    assert created["expected_date"] == day(0)


def test_list_purchase_orders_filters_by_supplier_and_status(api: Buyer) -> None:
    acme, bolt = api.supplier("Acme"), api.supplier("Bolt")
    api.product("MUG")
    first = api.purchase_order(acme, ("MUG", 1))["id"]
    cancelled = api.purchase_order(acme, ("MUG", 2))["id"]
    partly = api.purchase_order(bolt, ("MUG", 3))["id"]
    api.ok(api.post(f"/purchase-orders/{cancelled}/cancel"))
    api.received(partly, ("MUG", 1))

    assert sorted(api.po_ids()) == [first, cancelled, partly]
    assert sorted(api.po_ids(supplier_id=acme)) == [first, cancelled]
    assert api.po_ids(status="cancelled") == [cancelled]
    assert api.po_ids(status="partially_received") == [partly]
    assert api.po_ids(supplier_id=acme, status="open") == [first]
    assert api.po_ids(supplier_id=bolt, status="open") == []
    assert api.po_ids(status="received") == []
    error_details(api.get("/purchase-orders", status="lost"), 422, "validation_error")


def test_unknown_purchase_order_is_not_found(api: Buyer) -> None:
    details = error_details(api.get("/purchase-orders/999"), 404, "not_found")
    assert details["resource"] == "purchase order"


# Rescheduling


def test_a_later_date_moves_the_lines_it_fills_and_records_the_delay(
    api: Buyer, uow: UnitOfWork
) -> None:
    supplier = api.supplier(lead_time_days=20)
    api.product("MUG")
    api.offer(supplier, "MUG")
    po = api.purchase_order(supplier, ("MUG", 5), expected_date=day(5))
    ann = api.customer()
    filled = api.order(ann, ("MUG", 3))
    beyond = api.order(ann, ("MUG", 4))  # 2 units on the PO, 2 beyond: dated by lead time
    assert line_of(filled)["estimated_ship_date"] == ships(5)
    assert line_of(beyond)["estimated_ship_date"] == ships(20)

    patched = api.ok(api.patch(f"/purchase-orders/{po['id']}", {"expected_date": day(8)}))
    assert patched == po | {"expected_date": day(8)}
    assert api.po(po["id"]) == patched
    assert api.etas("MUG") == [
        (filled["id"], 3, ships(8), "purchase_order"),
        (beyond["id"], 4, ships(20), "lead_time"),
    ]
    assert line_of(api.get_order(filled["id"]))["estimated_ship_date"] == ships(8)
    assert eta_changes(uow) == [
        {
            "order_id": filled["id"],
            "line_id": line_of(filled)["id"],
            "sku": "MUG",
            "old_date": ships(5),
            "new_date": ships(8),
            "reason": "purchase_order_rescheduled",
        }
    ]


def test_an_earlier_date_moves_lines_forward_without_a_delay_notice(
    api: Buyer, uow: UnitOfWork
) -> None:
    supplier = api.supplier(lead_time_days=20)
    api.product("MUG")
    api.offer(supplier, "MUG")
    po = api.purchase_order(supplier, ("MUG", 5), expected_date=day(6))
    placed = api.order(api.customer(), ("MUG", 3))
    api.ok(api.patch(f"/purchase-orders/{po['id']}", {"expected_date": day(2)}))
    assert api.etas("MUG") == [(placed["id"], 3, ships(2), "purchase_order")]
    # Back to the date the customer was first given: later than now, but no delay.
    api.ok(api.patch(f"/purchase-orders/{po['id']}", {"expected_date": day(6)}))
    assert api.etas("MUG") == [(placed["id"], 3, ships(6), "purchase_order")]
    assert eta_changes(uow) == []


@pytest.mark.parametrize(
    ("po_state", "new_date", "status", "code"),
    [
        ("open", -1, 422, "validation_error"),
        ("cancelled", 9, 409, "conflict"),
        ("received", 9, 409, "conflict"),
        ("unknown", 9, 404, "not_found"),
    ],
    ids=["date in the past", "cancelled", "fully received", "unknown"],
)
def test_refused_reschedule_writes_nothing(
    api: Buyer, uow: UnitOfWork, po_state: str, new_date: int, status: int, code: str
) -> None:
    supplier = api.supplier()
    api.product("MUG")
    api.order(api.customer(), ("MUG", 8))
    po_id = api.purchase_order(supplier, ("MUG", 5), expected_date=day(4))["id"]
    if po_state == "cancelled":
        api.ok(api.post(f"/purchase-orders/{po_id}/cancel"))
    elif po_state == "received":
        api.received(po_id, ("MUG", 5))
    before = state(api, uow, po_id)
    target = 999 if po_state == "unknown" else po_id
    response = api.patch(f"/purchase-orders/{target}", {"expected_date": day(new_date)})
    error_details(response, status, code)
    assert state(api, uow, po_id) == before


# Cancelling a purchase order


def test_cancelling_a_purchase_order_takes_it_off_order_and_lines_fall_back_to_lead_time(
    api: Buyer, uow: UnitOfWork
) -> None:
    supplier = api.supplier(lead_time_days=10)
    api.product("MUG")
    api.offer(supplier, "MUG")
    po = api.purchase_order(supplier, ("MUG", 5), expected_date=day(4))
    placed = api.order(api.customer(), ("MUG", 3))
    assert api.etas("MUG") == [(placed["id"], 3, ships(4), "purchase_order")]
    assert api.on_order("MUG") == 5

    cancelled = api.ok(api.post(f"/purchase-orders/{po['id']}/cancel"))
    assert cancelled["status"] == "cancelled"
    assert [
        (ln["ordered"], ln["received"], ln["cancelled"], ln["open"]) for ln in cancelled["lines"]
    ] == [(5, 0, 5, 0)]
    assert api.po(po["id"]) == cancelled
    assert api.on_order("MUG") == 0
    assert api.etas("MUG") == [(placed["id"], 3, ships(10), "lead_time")]
    assert [
        (e["line_id"], e["old_date"], e["new_date"], e["reason"]) for e in eta_changes(uow)
    ] == [(line_of(placed)["id"], ships(4), ships(10), "purchase_order_cancelled")]
    # The backlog it covered is to be bought again.
    (draft,) = api.suggestions()
    assert draft["lines"][0]["qty"] == 3


def test_cancelling_a_purchase_order_again_is_a_conflict_and_writes_nothing(
    api: Buyer, uow: UnitOfWork
) -> None:
    supplier = api.supplier()
    api.product("MUG")
    po_id = api.purchase_order(supplier, ("MUG", 5))["id"]
    api.ok(api.post(f"/purchase-orders/{po_id}/cancel"))
    before = state(api, uow, po_id)
    details = error_details(api.post(f"/purchase-orders/{po_id}/cancel"), 409, "conflict")
    assert details == {"purchase_order_id": po_id, "status": "cancelled"}
    assert state(api, uow, po_id) == before


def test_cancelling_a_partly_received_purchase_order_keeps_what_arrived(api: Buyer) -> None:
    supplier = api.supplier(lead_time_days=10)
    api.product("MUG")
    api.offer(supplier, "MUG")
    po = api.purchase_order(supplier, ("MUG", 5), expected_date=day(3))
    placed = api.order(api.customer(), ("MUG", 4))
    api.received(po["id"], ("MUG", 2))
    cancelled = api.ok(api.post(f"/purchase-orders/{po['id']}/cancel"))
    assert cancelled["status"] == "cancelled"
    (line,) = cancelled["lines"]
    assert (line["ordered"], line["received"], line["cancelled"], line["open"]) == (5, 2, 3, 0)
    assert api.inventory("MUG") == {
        "sku": "MUG",
        "on_hand": 2,
        "allocated": 2,
        "available": 0,
        "backordered": 2,
        "on_order": 0,
    }
    assert api.etas("MUG") == [(placed["id"], 2, ships(10), "lead_time")]


def test_cancelling_the_only_supply_of_an_unsourced_product_leaves_its_lines_undated(
    api: Buyer, uow: UnitOfWork
) -> None:
    supplier = api.supplier()  # supplies this once, without an offer: no fallback date
    api.product("GADGET")
    po = api.purchase_order(supplier, ("GADGET", 2), expected_date=day(4))
    placed = api.order(api.customer(), ("GADGET", 2))
    assert api.etas("GADGET") == [(placed["id"], 2, ships(4), "purchase_order")]
    api.ok(api.post(f"/purchase-orders/{po['id']}/cancel"))
    assert api.etas("GADGET") == [(placed["id"], 2, None, None)]
    assert [(e["old_date"], e["new_date"]) for e in eta_changes(uow)] == [(ships(4), None)]


def test_cancelling_an_unknown_purchase_order_is_not_found(api: Buyer) -> None:
    details = error_details(api.post("/purchase-orders/999/cancel"), 404, "not_found")
    assert details["resource"] == "purchase order"


# Receipts and the cross-dock list


def issue_example(api: Buyer, *, older_policy: str = "partial") -> dict[str, Any]:
    """The issue's example: waiting lines (priority 9: 3 units), (priority 0, older: 4
    units), (priority 0, newer: 2 units), placed oldest first, and an open PO of 9."""
    supplier = api.supplier(lead_time_days=10)
    api.product("MUG")
    api.offer(supplier, "MUG")
    regular = api.customer(name="Regular")
    vip = api.customer(priority=9, name="Vip")
    older = api.order(regular, ("MUG", 4), ship_policy=older_policy)
    newer = api.order(regular, ("MUG", 2))
    rush = api.order(vip, ("MUG", 3))
    po = api.purchase_order(supplier, ("MUG", 9), expected_date=day(2))
    return {"older": older, "newer": newer, "rush": rush, "po": po, "customer": regular}


def test_receipt_serves_waiting_lines_by_priority_then_age_and_splits_the_last(
    api: Buyer,
) -> None:
    ex = issue_example(api)
    older, newer, rush, po = ex["older"], ex["newer"], ex["rush"], ex["po"]

    receipt = api.received(po["id"], ("MUG", 5))
    assert receipt["receipt_id"] >= 1
    assert receipt["purchase_order_id"] == po["id"]
    assert receipt["status"] == "partially_received"
    assert receipt["allocations"] == [allocation(rush, 3), allocation(older, 2)]
    assert receipt["extra"] == []
    # ready_to_ship lists the orders that can ship now under their ship policy. The
    # priority-9 order is fully allocated; the older order is `partial` (the default),
    # and a partial order ships what is allocated now, so its 2 units cross-dock too.
    # The newer order got nothing and stays behind.
    assert rush["id"] in receipt["ready_to_ship"]
    assert sorted(receipt["ready_to_ship"]) == sorted([rush["id"], older["id"]])
    assert newer["id"] not in receipt["ready_to_ship"]

    assert quantities(line_of(api.get_order(rush["id"]))) == (3, 3, 0, 0, 0)
    assert quantities(line_of(api.get_order(older["id"]))) == (4, 2, 2, 0, 0)
    assert quantities(line_of(api.get_order(newer["id"]))) == (2, 0, 2, 0, 0)
    assert api.get_order(rush["id"])["status"] == "allocated"
    assert [(r["order_id"], r["position"], r["backordered"]) for r in api.backorders()] == [
        (older["id"], 1, 2),
        (newer["id"], 2, 2),
    ]
    assert api.inventory("MUG") == {
        "sku": "MUG",
        "on_hand": 5,
        "allocated": 5,
        "available": 0,
        "backordered": 4,
        "on_order": 4,
    }
    (line,) = api.po(po["id"])["lines"]
    assert (line["received"], line["open"]) == (5, 4)
    assert api.po(po["id"])["status"] == "partially_received"


def test_complete_order_is_not_cross_docked_while_units_of_it_wait(api: Buyer) -> None:
    ex = issue_example(api, older_policy="complete")
    receipt = api.received(ex["po"]["id"], ("MUG", 5))
    assert receipt["allocations"] == [allocation(ex["rush"], 3), allocation(ex["older"], 2)]
    assert receipt["ready_to_ship"] == [ex["rush"]["id"]]


def test_complete_order_of_two_products_cross_docks_when_its_last_line_arrives(
    api: Buyer,
) -> None:
    supplier = api.supplier()
    api.product("MUG")
    api.product("LAMP")
    placed = api.order(api.customer(), ("MUG", 2), ("LAMP", 1), ship_policy="complete")
    po = api.purchase_order(supplier, ("MUG", 2), ("LAMP", 1))
    first = api.received(po["id"], ("MUG", 2))
    assert first["allocations"] == [allocation(placed, 2)]
    assert first["ready_to_ship"] == []
    second = api.received(po["id"], ("LAMP", 1))
    lamp = line_of(placed, 1)
    assert second["allocations"] == [
        {"order_id": placed["id"], "line_id": lamp["id"], "sku": "LAMP", "qty": 1}
    ]
    assert second["ready_to_ship"] == [placed["id"]]
    assert second["status"] == "received"


def test_receipt_with_nobody_waiting_adds_stock_and_cross_docks_nothing(api: Buyer) -> None:
    supplier = api.supplier()
    api.product("MUG")
    po = api.purchase_order(supplier, ("MUG", 4))
    receipt = api.received(po["id"], ("MUG", 4))
    assert (receipt["status"], receipt["allocations"], receipt["ready_to_ship"]) == (
        "received",
        [],
        [],
    )
    assert api.counters("MUG") == (4, 0, 4, 0)
    assert api.on_order("MUG") == 0


def test_shipments_ready_lists_every_order_that_can_ship_now(api: Buyer) -> None:
    ex = issue_example(api)
    older, rush = ex["older"], ex["rush"]
    api.product("LAMP", on_hand=2)
    from_stock = api.order(ex["customer"], ("LAMP", 1))
    # Complete, with its LAMP allocated but its MUG waiting behind the others.
    held = api.order(ex["customer"], ("LAMP", 1), ("MUG", 1), ship_policy="complete")
    api.received(ex["po"]["id"], ("MUG", 5))

    ready = api.ok(api.get("/shipments/ready"))
    assert sorted((r["order_id"], r["ship_policy"], r["units"]) for r in ready) == sorted(
        [
            (older["id"], "partial", 2),
            (rush["id"], "partial", 3),
            (from_stock["id"], "partial", 1),
        ]
    )
    assert held["id"] not in [r["order_id"] for r in ready]
    assert {r["order_id"]: r["customer_id"] for r in ready}[rush["id"]] == rush["customer_id"]

    api.ship(rush["id"])
    remaining = [r["order_id"] for r in api.ok(api.get("/shipments/ready"))]
    assert sorted(remaining) == sorted([older["id"], from_stock["id"]])
    page = api.ok(api.get("/shipments/ready", offset=1, limit=1))
    assert len(page) == 1


def invalid_receipts() -> dict[str, list[dict[str, Any]]]:
    return {
        "sku not on the purchase order": [{"sku": "LAMP", "qty": 1}],
        "unknown sku": [{"sku": "NOPE", "qty": 1}],
        "good line and a sku not on the purchase order": [
            {"sku": "MUG", "qty": 2},
            {"sku": "LAMP", "qty": 1},
        ],
        "qty 0": [{"sku": "MUG", "qty": 0}],
        "negative qty": [{"sku": "MUG", "qty": -3}],
        "duplicate sku": [{"sku": "MUG", "qty": 1}, {"sku": "MUG", "qty": 2}],
        "no lines": [],
    }


@pytest.mark.parametrize("lines", invalid_receipts().values(), ids=invalid_receipts().keys())
def test_invalid_receipt_is_a_validation_error_and_writes_nothing(
    api: Buyer, uow: UnitOfWork, lines: list[dict[str, Any]]
) -> None:
    supplier = api.supplier()
    api.product("MUG")
    api.product("LAMP")
    api.order(api.customer(), ("MUG", 2), ("LAMP", 1))
    po_id = api.purchase_order(supplier, ("MUG", 5))["id"]
    before = state(api, uow, po_id)
    response = api.post(f"/purchase-orders/{po_id}/receipts", {"lines": lines})
    details = error_details(response, 422, "validation_error")
    assert state(api, uow, po_id) == before
    if lines and lines[-1]["sku"] in ("LAMP", "NOPE"):
        assert details["sku"] == lines[-1]["sku"]
        assert details["on_purchase_order"] == ["MUG"]


@pytest.mark.parametrize("closed_by", ["cancel", "receive"])
def test_receipt_against_a_closed_purchase_order_is_a_conflict_and_writes_nothing(
    api: Buyer, uow: UnitOfWork, closed_by: str
) -> None:
    supplier = api.supplier()
    api.product("MUG")
    api.order(api.customer(), ("MUG", 9))
    po_id = api.purchase_order(supplier, ("MUG", 5))["id"]
    if closed_by == "cancel":
        api.ok(api.post(f"/purchase-orders/{po_id}/cancel"))
    else:
        assert api.received(po_id, ("MUG", 5))["status"] == "received"
    status = api.po(po_id)["status"]
    before = state(api, uow, po_id)
    details = error_details(api.receive(po_id, ("MUG", 1)), 409, "conflict")
    assert details == {"purchase_order_id": po_id, "status": status}
    assert state(api, uow, po_id) == before


def test_receipt_against_an_unknown_purchase_order_is_not_found_and_writes_nothing(
    api: Buyer, uow: UnitOfWork
) -> None:
    api.product("MUG")
    api.order(api.customer(), ("MUG", 1))
    before = state(api, uow)
    details = error_details(api.receive(999, ("MUG", 1)), 404, "not_found")
    assert details["resource"] == "purchase order"
    assert state(api, uow) == before


def test_receipt_above_the_open_quantity_is_taken_as_extra_stock(api: Buyer) -> None:
    supplier = api.supplier()
    api.product("MUG")
    placed = api.order(api.customer(), ("MUG", 7))
    po = api.purchase_order(supplier, ("MUG", 5))
    receipt = api.received(po["id"], ("MUG", 8))
    assert receipt["extra"] == [{"sku": "MUG", "qty": 3}]
    assert receipt["status"] == "received"
    # The extra units are stock like any other: they serve the waiting line too.
    assert receipt["allocations"] == [allocation(placed, 7)]
    assert receipt["ready_to_ship"] == [placed["id"]]
    assert api.inventory("MUG") == {
        "sku": "MUG",
        "on_hand": 8,
        "allocated": 7,
        "available": 1,
        "backordered": 0,
        "on_order": 0,
    }
    after = api.po(po["id"])
    assert after["status"] == "received"
    assert [ln["open"] for ln in after["lines"]] == [0]


def test_partial_receipts_keep_the_purchase_order_open_until_everything_arrived(
    api: Buyer,
) -> None:
    supplier = api.supplier()
    api.product("MUG")
    api.product("LAMP")
    po = api.purchase_order(supplier, ("MUG", 5), ("LAMP", 2))
    assert api.received(po["id"], ("MUG", 3))["status"] == "partially_received"
    assert api.received(po["id"], ("MUG", 2), ("LAMP", 1))["status"] == "partially_received"
    assert (api.on_order("MUG"), api.on_order("LAMP")) == (0, 1)
    assert api.received(po["id"], ("LAMP", 1))["status"] == "received"
    got = api.po(po["id"])
    assert got["status"] == "received"
    assert [(ln["sku"], ln["received"], ln["open"]) for ln in got["lines"]] == [
        ("MUG", 5, 0),
        ("LAMP", 2, 0),
    ]
    assert api.po_ids(status="received") == [po["id"]]
    assert api.counters("MUG") == (5, 0, 5, 0)


# Pegging and ETAs


def test_each_waiting_line_gets_the_date_of_the_purchase_order_covering_its_last_unit(
    api: Buyer, uow: UnitOfWork
) -> None:
    supplier = api.supplier(lead_time_days=20)
    api.product("MUG")
    api.offer(supplier, "MUG")
    ann = api.customer()
    first, spanning, third, beyond = (api.order(ann, ("MUG", q)) for q in (2, 3, 2, 1))
    assert {eta for _, _, eta, _ in api.etas("MUG")} == {ships(20)}
    # Created later-first, to show that expected dates (not creation) order the supply.
    api.purchase_order(supplier, ("MUG", 3), expected_date=day(10))
    early = api.purchase_order(supplier, ("MUG", 4), expected_date=day(5))

    assert api.etas("MUG") == [
        (first["id"], 2, ships(5), "purchase_order"),
        (spanning["id"], 3, ships(10), "purchase_order"),  # 2 units from day 5, 1 from day 10
        (third["id"], 2, ships(10), "purchase_order"),
        (beyond["id"], 1, ships(20), "lead_time"),  # beyond all 7 units on order
    ]
    assert line_of(api.get_order(spanning["id"]))["estimated_ship_date"] == ships(10)
    assert eta_changes(uow) == []  # every date moved earlier

    api.received(early["id"], ("MUG", 4))
    assert api.etas("MUG") == [
        (spanning["id"], 1, ships(10), "purchase_order"),
        (third["id"], 2, ships(10), "purchase_order"),
        (beyond["id"], 1, ships(20), "lead_time"),
    ]
    newcomer = api.order(ann, ("MUG", 1))
    assert line_of(newcomer)["estimated_ship_date"] == ships(20)


def two_waiting_behind_one_supply(api: Buyer) -> tuple[dict[str, Any], dict[str, Any], int]:
    """A PO of 2 MUG due in 5 days (supplier lead time 20), and two waiting orders of 2:
    the first pegged to the PO, the second beyond it."""
    supplier = api.supplier(lead_time_days=20)
    api.product("MUG")
    api.offer(supplier, "MUG")
    po = api.purchase_order(supplier, ("MUG", 2), expected_date=day(5))
    first = api.order(api.customer(name="Ann"), ("MUG", 2))
    second = api.order(api.customer(name="Bob"), ("MUG", 2))
    assert api.etas("MUG") == [
        (first["id"], 2, ships(5), "purchase_order"),
        (second["id"], 2, ships(20), "lead_time"),
    ]
    return first, second, po["id"]


def test_an_order_that_jumps_the_queue_pushes_the_lines_behind_it_later(
    api: Buyer, uow: UnitOfWork
) -> None:
    first, second, _ = two_waiting_behind_one_supply(api)
    rush = api.order(api.customer(priority=9, name="Vip"), ("MUG", 2))
    assert line_of(rush)["estimated_ship_date"] == ships(5)
    assert api.etas("MUG") == [
        (rush["id"], 2, ships(5), "purchase_order"),
        (first["id"], 2, ships(20), "lead_time"),
        (second["id"], 2, ships(20), "lead_time"),
    ]
    assert [(e["order_id"], e["new_date"], e["reason"]) for e in eta_changes(uow)] == [
        (first["id"], ships(20), "order_placed")
    ]


def test_cancelling_a_waiting_order_moves_the_next_line_onto_its_supply(
    api: Buyer, uow: UnitOfWork
) -> None:
    first, second, _ = two_waiting_behind_one_supply(api)
    api.ok(api.post(f"/orders/{first['id']}/cancel"))
    assert api.etas("MUG") == [(second["id"], 2, ships(5), "purchase_order")]
    assert eta_changes(uow) == []


def test_a_later_purchase_order_arriving_first_re_pegs_the_rest_of_the_queue(
    api: Buyer,
) -> None:
    first, second, early = two_waiting_behind_one_supply(api)
    third = api.order(api.customer(name="Cy"), ("MUG", 2))
    late = api.purchase_order(1, ("MUG", 2), expected_date=day(10))
    assert [eta for _, _, eta, _ in api.etas("MUG")] == [ships(5), ships(10), ships(20)]

    receipt = api.received(late["id"], ("MUG", 2))
    assert receipt["allocations"] == [allocation(first, 2)]
    # The PO due in 5 days now covers the second line, and nothing is left for the third.
    assert api.etas("MUG") == [
        (second["id"], 2, ships(5), "purchase_order"),
        (third["id"], 2, ships(20), "lead_time"),
    ]
    assert api.po(early)["status"] == "open"


def test_lines_without_supplier_or_lead_time_get_no_date(api: Buyer) -> None:
    api.product("GADGET")
    placed = api.order(api.customer(), ("GADGET", 2))
    assert line_of(placed)["estimated_ship_date"] is None
    assert api.etas("GADGET") == [(placed["id"], 2, None, None)]
    availability = api.ok(api.get("/products/GADGET/availability", qty=1))
    assert availability["estimated_ship_date"] is None


def test_product_lead_time_dates_lines_when_no_supplier_supplies_it(api: Buyer) -> None:
    api.product("GADGET", lead_time_days=6)
    placed = api.order(api.customer(), ("GADGET", 2))
    assert api.etas("GADGET") == [(placed["id"], 2, ships(6), "lead_time")]
    # A supplier's lead time takes over from the product's once one supplies it.
    supplier = api.supplier(lead_time_days=9)
    api.offer(supplier, "GADGET")
    assert api.etas("GADGET") == [(placed["id"], 2, ships(9), "lead_time")]


def test_availability_gives_the_date_a_new_order_would_get(api: Buyer, uow: UnitOfWork) -> None:
    supplier = api.supplier(lead_time_days=20)
    api.product("MUG")
    api.offer(supplier, "MUG")
    api.purchase_order(supplier, ("MUG", 4), expected_date=day(5))
    ann = api.customer()
    api.order(ann, ("MUG", 2))
    before = state(api, uow)

    within = api.ok(api.get("/products/MUG/availability", qty=2))
    assert within == {
        "sku": "MUG",
        "status": "backorder",
        "available": 0,
        "ships_now": 0,
        "backordered": 2,
        "estimated_ship_date": ships(5),
    }
    beyond = api.ok(api.get("/products/MUG/availability", qty=3))
    assert beyond["estimated_ship_date"] == ships(20)
    assert state(api, uow) == before

    placed = api.order(ann, ("MUG", 2))
    assert line_of(placed)["estimated_ship_date"] == within["estimated_ship_date"]
    after = api.ok(api.get("/products/MUG/availability", qty=1))
    assert after["estimated_ship_date"] == ships(20)


def test_a_supplier_that_was_late_gets_its_lateness_added_to_its_dates(
    api: Buyer, uow: UnitOfWork
) -> None:
    supplier = api.supplier(lead_time_days=10)
    api.product("MUG")
    api.offer(supplier, "MUG")
    # A receipt 4 days late, ten days ago (a PO can't be dated in the past through HTTP).
    past = datetime.now(UTC) - timedelta(days=10)
    new = purchase_orders.NewPurchaseOrder(supplier, [("MUG", 2)], expected_date=past.date())
    old = purchase_orders.create_purchase_order(uow, new, now=past)
    receiving.receive_purchase_order(uow, old.id, [("MUG", 2)], now=past + timedelta(days=4))
    assert api.ok(api.get(f"/suppliers/{supplier}"))["performance"]["p80_days_late"] == 4

    placed = api.order(api.customer(), ("MUG", 5))  # 2 from stock, 3 wait
    assert api.etas("MUG") == [(placed["id"], 3, ships(10 + 4), "lead_time")]
    api.purchase_order(supplier, ("MUG", 3), expected_date=day(5))
    assert api.etas("MUG") == [(placed["id"], 3, ships(5 + 4), "purchase_order")]


# Order priority


def test_raising_an_orders_priority_moves_its_line_ahead_and_gives_it_the_earlier_supply(
    api: Buyer, uow: UnitOfWork
) -> None:
    supplier = api.supplier(lead_time_days=20)
    api.product("MUG")
    api.offer(supplier, "MUG")
    po = api.purchase_order(supplier, ("MUG", 2), expected_date=day(5))
    first = api.order(api.customer(name="Ann"), ("MUG", 2))
    second = api.order(api.customer(name="Bob"), ("MUG", 2))
    assert [r[0] for r in api.etas("MUG")] == [first["id"], second["id"]]

    patched = api.ok(api.patch(f"/orders/{second['id']}", {"priority": 5}))
    assert patched["priority"] == 5
    assert api.get_order(second["id"])["priority"] == 5
    queue = api.backorders(sku="MUG")
    assert [(r["order_id"], r["position"], r["priority"]) for r in queue] == [
        (second["id"], 1, 5),
        (first["id"], 2, 0),
    ]
    assert api.etas("MUG") == [
        (second["id"], 2, ships(5), "purchase_order"),
        (first["id"], 2, ships(20), "lead_time"),
    ]
    assert [
        (e["order_id"], e["old_date"], e["new_date"], e["reason"]) for e in eta_changes(uow)
    ] == [(first["id"], ships(5), ships(20), "priority_changed")]
    receipt = api.received(po["id"], ("MUG", 2))
    assert receipt["allocations"] == [allocation(second, 2)]


def test_clearing_an_orders_priority_falls_back_to_the_customers(api: Buyer) -> None:
    api.product("MUG")
    first = api.order(api.customer(priority=1, name="Ann"), ("MUG", 1))
    second = api.order(api.customer(name="Bob"), ("MUG", 1), priority=7)
    assert [r[0] for r in api.etas("MUG")] == [second["id"], first["id"]]
    cleared = api.ok(api.patch(f"/orders/{second['id']}", {"priority": None}))
    assert cleared["priority"] is None
    queue = api.backorders(sku="MUG")
    assert [(r["order_id"], r["priority"]) for r in queue] == [(first["id"], 1), (second["id"], 0)]


def test_priority_of_an_unknown_order_is_not_found(api: Buyer, uow: UnitOfWork) -> None:
    before = state(api, uow)
    details = error_details(api.patch("/orders/999", {"priority": 1}), 404, "not_found")
    assert details["resource"] == "order"
    assert state(api, uow) == before


# Roles

PURCHASING_ENDPOINTS: list[tuple[str, str, Any]] = [
    ("POST", "/suppliers", {"name": "Bolt", "email": "b@bolt.example", "lead_time_days": 3}),
    ("GET", "/suppliers", None),
    ("GET", "/suppliers/1", None),
    ("POST", "/suppliers/1/products", {"sku": "LAMP", "cost": "2.00"}),
    ("GET", "/purchase-orders/suggestions", None),
    ("POST", "/purchase-orders/from-suggestions", None),
    ("POST", "/purchase-orders", {"supplier_id": 1, "lines": [{"sku": "MUG", "qty": 1}]}),
    ("GET", "/purchase-orders", None),
    ("GET", "/purchase-orders/1", None),
    ("PATCH", "/purchase-orders/1", {"expected_date": day(30)}),
    ("POST", "/purchase-orders/1/cancel", None),
    ("POST", "/purchase-orders/1/receipts", {"lines": [{"sku": "MUG", "qty": 1}]}),
    ("GET", "/shipments/ready", None),
    ("PATCH", "/orders/1", {"priority": 9}),
]
PURCHASING_IDS = [f"{method} {path}" for method, path, _ in PURCHASING_ENDPOINTS]


@pytest.fixture
def purchasing_world(api: Buyer) -> None:
    """Supplier 1 supplying MUG and LAMP, order 1 waiting for MUG, open PO 1 of MUG."""
    assert api.supplier() == 1
    api.product("MUG")
    api.product("LAMP")
    api.offer(1, "MUG")
    assert api.order(api.customer(), ("MUG", 2))["id"] == 1
    assert api.purchase_order(1, ("MUG", 1))["id"] == 1


@pytest.mark.parametrize(("method", "path", "body"), PURCHASING_ENDPOINTS, ids=PURCHASING_IDS)
@pytest.mark.usefixtures("purchasing_world")
def test_storefront_key_may_not_buy_receive_or_reprioritize(
    api: Buyer, client: TestClient, uow: UnitOfWork, method: str, path: str, body: Any
) -> None:
    storefront = Buyer(client, create_api_key(uow, Role.STOREFRONT).secret)
    before = state(api, uow, 1)
    details = error_details(storefront.request(method, path, body), 403, "forbidden")
    assert details["role"] == "storefront"
    assert state(api, uow, 1) == before


@pytest.mark.parametrize(("method", "path", "body"), PURCHASING_ENDPOINTS, ids=PURCHASING_IDS)
@pytest.mark.usefixtures("purchasing_world")
def test_purchasing_without_an_api_key_is_unauthorized(
    api: Buyer, uow: UnitOfWork, method: str, path: str, body: Any
) -> None:
    before = state(api, uow, 1)
    error_details(api.with_key(None).request(method, path, body), 401, "unauthorized")
    assert state(api, uow, 1) == before


@pytest.mark.parametrize(("method", "path", "body"), PURCHASING_ENDPOINTS, ids=PURCHASING_IDS)
@pytest.mark.usefixtures("purchasing_world")
def test_staff_key_may_use_every_purchasing_endpoint(
    client: TestClient, uow: UnitOfWork, method: str, path: str, body: Any
) -> None:
    staff = Buyer(client, create_api_key(uow, Role.STAFF).secret)
    response = staff.request(method, path, body)
    assert response.status_code in (200, 201), response.text


# Validation

SUPPLIER = {"name": "Bolt", "email": "b@bolt.example", "lead_time_days": 3}
OFFER = {"sku": "MUG", "cost": "2.00"}
PO = {"supplier_id": 1, "lines": [{"sku": "MUG", "qty": 1}]}
HUGE = 10**30

INVALID_BODIES: dict[str, tuple[str, str, Any]] = {
    "supplier bad email": ("POST", "/suppliers", SUPPLIER | {"email": "nope"}),
    "supplier negative lead time": ("POST", "/suppliers", SUPPLIER | {"lead_time_days": -1}),
    "supplier missing lead time": ("POST", "/suppliers", {"name": "B", "email": "b@b.example"}),
    "supplier NUL in name": ("POST", "/suppliers", SUPPLIER | {"name": "B\x00"}),
    "supplier unknown field": ("POST", "/suppliers", SUPPLIER | {"phone": "1"}),
    "offer negative cost": ("POST", "/suppliers/1/products", OFFER | {"cost": "-1.00"}),
    "offer cost with 3 decimals": ("POST", "/suppliers/1/products", OFFER | {"cost": "1.001"}),
    "offer pack size 0": ("POST", "/suppliers/1/products", OFFER | {"pack_size": 0}),
    "offer minimum 0": ("POST", "/suppliers/1/products", OFFER | {"min_order_qty": 0}),
    "offer huge lead time": ("POST", "/suppliers/1/products", OFFER | {"lead_time_days": HUGE}),
    "offer missing cost": ("POST", "/suppliers/1/products", {"sku": "MUG"}),
    "po no lines": ("POST", "/purchase-orders", PO | {"lines": []}),
    "po qty 0": ("POST", "/purchase-orders", PO | {"lines": [{"sku": "MUG", "qty": 0}]}),
    "po qty huge": ("POST", "/purchase-orders", PO | {"lines": [{"sku": "MUG", "qty": HUGE}]}),
    "po supplier 0": ("POST", "/purchase-orders", PO | {"supplier_id": 0}),
    "po bad date": ("POST", "/purchase-orders", PO | {"expected_date": "2026-02-30"}),
    "po unknown field": ("POST", "/purchase-orders", PO | {"notes": "x"}),
    "reschedule without date": ("PATCH", "/purchase-orders/1", {}),
    "reschedule bad date": ("PATCH", "/purchase-orders/1", {"expected_date": "soon"}),
    "receipt qty huge": (
        "POST",
        "/purchase-orders/1/receipts",
        {"lines": [{"sku": "MUG", "qty": HUGE}]},
    ),
    "receipt missing lines": ("POST", "/purchase-orders/1/receipts", {}),
    "priority huge": ("PATCH", "/orders/1", {"priority": HUGE}),
    "priority not a number": ("PATCH", "/orders/1", {"priority": "high"}),
}


@pytest.mark.parametrize(
    ("method", "path", "body"), INVALID_BODIES.values(), ids=INVALID_BODIES.keys()
)
@pytest.mark.usefixtures("purchasing_world")
def test_invalid_purchasing_body_is_a_validation_error_and_writes_nothing(
    api: Buyer, uow: UnitOfWork, method: str, path: str, body: Any
) -> None:
    before = state(api, uow, 1)
    error_details(api.request(method, path, body), 422, "validation_error")
    assert state(api, uow, 1) == before


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/purchase-orders/0", {}),
        (f"/purchase-orders/{HUGE}", {}),
        ("/suppliers/x", {}),
        ("/purchase-orders", {"supplier_id": 0}),
        ("/shipments/ready", {"limit": 0}),
    ],
    ids=["po id 0", "po id huge", "supplier id not a number", "filter supplier 0", "limit 0"],
)
@pytest.mark.usefixtures("purchasing_world")
def test_invalid_purchasing_path_or_query_is_a_validation_error(
    api: Buyer, path: str, params: dict[str, Any]
) -> None:
    error_details(api.get(path, **params), 422, "validation_error")
