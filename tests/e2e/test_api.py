"""The REST API end to end: every endpoint and every error code of API.md and DESIGN.md,
through HTTP on a real database (each test runs on SQLite and on PostgreSQL)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import update

from backorder.api.app import create_app
from backorder.config import Settings
from backorder.db.models import ApiKey
from backorder.db.uow import UnitOfWork
from backorder.domain.model import Role
from backorder.services.clock import utcnow
from backorder.services.keys import KeyCache, create_api_key
from tests.helpers import check_invariants, snapshot

API = "/api/v1"

settings.register_profile(
    "e2e-fuzz",
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
FUZZ = settings.get_profile("e2e-fuzz")

HANDLING_DAYS = Settings().handling_days
"""Days from goods arriving to shipping, added to every lead-time date."""


def utc_today() -> date:
    return datetime.now(UTC).date()


def error_details(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """Assert the error envelope of DESIGN.md and return its details."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert set(error) == {"code", "message", "details"}, error
    assert error["code"] == code, error
    assert isinstance(error["message"], str), error
    assert error["message"], error
    assert isinstance(error["details"], dict), error
    return dict(error["details"])


@dataclass
class Api:
    """A client that sends one API key, with shortcuts that assert success."""

    client: TestClient
    key: str | None

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"} if self.key else {}

    def with_key(self, key: str | None) -> Api:
        return Api(self.client, key)

    def request(self, method: str, path: str, body: Any = None, **params: Any) -> httpx.Response:
        """JSON is sent ASCII-escaped, so even a lone surrogate reaches the server."""
        if body is None:
            content, headers = None, self.headers
        else:
            content = json.dumps(body).encode()
            headers = self.headers | {"Content-Type": "application/json"}
        response: httpx.Response = self.client.request(
            method, API + path, content=content, params=params or None, headers=headers
        )
        return response

    def get(self, path: str, **params: Any) -> httpx.Response:
        return self.request("GET", path, **params)

    def post(self, path: str, body: Any = None) -> httpx.Response:
        return self.request("POST", path, body)

    def post_raw(self, path: str, content: bytes) -> httpx.Response:
        headers = self.headers | {"Content-Type": "application/json"}
        response: httpx.Response = self.client.post(API + path, content=content, headers=headers)
        return response

    def ok(self, response: httpx.Response, status: int = 200) -> Any:
        assert response.status_code == status, response.text
        return response.json()

    def product(
        self, sku: str, *, policy: str = "allow", on_hand: int = 0, **fields: Any
    ) -> dict[str, Any]:
        body = {"sku": sku, "name": sku.title(), "price": "19.99", "backorder_policy": policy}
        created = self.ok(self.post("/products", body | fields), 201)
        if on_hand:
            self.adjust(sku, on_hand)
        return dict(created)

    def adjust(self, sku: str, delta: int, reason: str = "stock count") -> dict[str, Any]:
        body = {"delta": delta, "reason": reason}
        return dict(self.ok(self.post(f"/inventory/{sku}/adjustments", body)))

    def customer(self, *, priority: int = 0, name: str = "Ann") -> int:
        body = {"name": name, "email": "ann@example.com", "priority": priority}
        return int(self.ok(self.post("/customers", body), 201)["id"])

    def place(self, customer_id: int, *lines: tuple[str, int], **fields: Any) -> httpx.Response:
        body = {"customer_id": customer_id, "lines": [{"sku": s, "qty": q} for s, q in lines]}
        return self.post("/orders", body | fields)

    def order(self, customer_id: int, *lines: tuple[str, int], **fields: Any) -> dict[str, Any]:
        return dict(self.ok(self.place(customer_id, *lines, **fields), 201))

    def get_order(self, order_id: int) -> dict[str, Any]:
        return dict(self.ok(self.get(f"/orders/{order_id}")))

    def inventory(self, sku: str) -> dict[str, Any]:
        return dict(self.ok(self.get(f"/inventory/{sku}")))

    def counters(self, sku: str) -> tuple[int, int, int, int]:
        """(on_hand, allocated, available, backordered) of a SKU."""
        inv = self.inventory(sku)
        return inv["on_hand"], inv["allocated"], inv["available"], inv["backordered"]

    def backorders(self, **params: Any) -> list[dict[str, Any]]:
        return list(self.ok(self.get("/backorders", **params)))

    def ship(self, order_id: int, body: Any = None) -> dict[str, Any]:
        return dict(self.ok(self.post(f"/orders/{order_id}/shipments", body), 201))


def line_of(order: dict[str, Any], index: int = 0) -> dict[str, Any]:
    return dict(order["lines"][index])


def quantities(line: dict[str, Any]) -> tuple[int, int, int, int, int]:
    """(ordered, allocated, backordered, shipped, cancelled) of a line."""
    return (
        line["ordered"],
        line["allocated"],
        line["backordered"],
        line["shipped"],
        line["cancelled"],
    )


@pytest.fixture
def client(uow: UnitOfWork) -> Iterator[TestClient]:
    with TestClient(create_app(uow)) as test_client:
        yield test_client


@pytest.fixture
def api(client: TestClient, uow: UnitOfWork) -> Api:
    return Api(client, create_api_key(uow, Role.ADMIN).secret)


@pytest.fixture
def storefront(client: TestClient, uow: UnitOfWork) -> Api:
    return Api(client, create_api_key(uow, Role.STOREFRONT).secret)


@dataclass(frozen=True)
class World:
    """A product MUG with 5 on hand, a customer, and an order of 2 MUG (allocated)."""

    customer_id: int
    order_id: int
    line_id: int


@pytest.fixture
def world(api: Api) -> World:
    api.product("MUG", on_hand=5)
    customer = api.customer()
    placed = api.order(customer, ("MUG", 2))
    return World(customer, placed["id"], line_of(placed)["id"])


# Products and inventory


def test_create_product_returns_it_with_empty_inventory(api: Api) -> None:
    body = {
        "sku": "MUG-01",
        "name": "Blue mug",
        "price": "19.99",
        "backorder_policy": "allow",
        "max_backorder_qty": 50,
        "lead_time_days": 14,
    }
    created = api.ok(api.post("/products", body), 201)
    assert created["id"] >= 1
    assert {k: created[k] for k in body} == body
    assert created["release_date"] is None
    assert created["inventory"] == {
        "sku": "MUG-01",
        "on_hand": 0,
        "allocated": 0,
        "available": 0,
        "backordered": 0,
        "on_order": 0,
    }
    assert api.ok(api.get("/products/MUG-01")) == created


def test_preorder_product_keeps_its_release_date(api: Api) -> None:
    release = (utc_today() + timedelta(days=30)).isoformat()
    created = api.product("GAME-2", policy="preorder", release_date=release)
    assert created["backorder_policy"] == "preorder"
    assert created["release_date"] == release


def test_list_products_returns_every_product_and_pages(api: Api) -> None:
    for sku in ("C-3", "A-1", "B-2"):
        api.product(sku)
    listed = api.ok(api.get("/products"))
    assert sorted(p["sku"] for p in listed) == ["A-1", "B-2", "C-3"]
    assert all("inventory" in p for p in listed)
    page = api.ok(api.get("/products", offset=1, limit=1))
    assert len(page) == 1
    assert page[0]["sku"] in {"A-1", "B-2", "C-3"}
    assert page[0]["sku"] != api.ok(api.get("/products", offset=0, limit=1))[0]["sku"]


def test_get_product_includes_its_current_inventory(api: Api) -> None:
    api.product("MUG", on_hand=7)
    product = api.ok(api.get("/products/MUG"))
    assert product["sku"] == "MUG"
    assert product["inventory"] == api.inventory("MUG")
    assert product["inventory"]["on_hand"] == 7


def test_duplicate_sku_is_a_conflict_and_keeps_the_first_product(api: Api, uow: UnitOfWork) -> None:
    api.product("MUG")
    before = snapshot(uow)
    body = {"sku": "MUG", "name": "Other", "price": "1.00", "backorder_policy": "deny"}
    details = error_details(api.post("/products", body), 409, "conflict")
    assert details["sku"] == "MUG"
    assert snapshot(uow) == before
    assert api.ok(api.get("/products/MUG"))["backorder_policy"] == "allow"


def test_positive_adjustment_counts_stock_in(api: Api) -> None:
    api.product("MUG")
    assert api.adjust("MUG", 5) == {
        "sku": "MUG",
        "on_hand": 5,
        "allocated": 0,
        "available": 5,
        "backordered": 0,
        "on_order": 0,
    }
    assert api.counters("MUG") == (5, 0, 5, 0)


def test_negative_adjustment_counts_available_stock_out(api: Api) -> None:
    api.product("MUG", on_hand=5)
    assert api.adjust("MUG", -2, reason="damaged")["on_hand"] == 3
    assert api.counters("MUG") == (3, 0, 3, 0)


def test_negative_adjustment_below_allocated_is_a_conflict_and_changes_nothing(
    api: Api, uow: UnitOfWork
) -> None:
    api.product("MUG", on_hand=5)
    api.order(api.customer(), ("MUG", 4))
    before = snapshot(uow)
    response = api.post("/inventory/MUG/adjustments", {"delta": -2, "reason": "damaged"})
    details = error_details(response, 409, "conflict")
    assert details == {"on_hand": 5, "allocated": 4, "available": 1, "delta": -2}
    assert snapshot(uow) == before
    assert api.adjust("MUG", -1)["on_hand"] == 4


def test_positive_adjustment_allocates_to_waiting_lines_at_once(api: Api) -> None:
    api.product("MUG")
    placed = api.order(api.customer(), ("MUG", 3))
    assert api.adjust("MUG", 5) == {
        "sku": "MUG",
        "on_hand": 5,
        "allocated": 3,
        "available": 2,
        "backordered": 0,
        "on_order": 0,
    }
    now = api.get_order(placed["id"])
    assert now["status"] == "allocated"
    assert quantities(line_of(now)) == (3, 3, 0, 0, 0)
    assert line_of(now)["estimated_ship_date"] is None


# Availability


def test_availability_says_what_an_order_would_get_and_changes_nothing(
    api: Api, uow: UnitOfWork
) -> None:
    api.product("MUG", on_hand=4, lead_time_days=10)
    before = snapshot(uow)
    first_day = utc_today()
    within = api.ok(api.get("/products/MUG/availability", qty=3))
    beyond = api.ok(api.get("/products/MUG/availability", qty=10))
    assert within == {
        "sku": "MUG",
        "status": "in_stock",
        "available": 4,
        "ships_now": 3,
        "backordered": 0,
        "estimated_ship_date": None,
    }
    eta = beyond.pop("estimated_ship_date")
    assert beyond == {
        "sku": "MUG",
        "status": "backorder",
        "available": 4,
        "ships_now": 4,
        "backordered": 6,
    }
    assert date.fromisoformat(eta) in {
        first_day + timedelta(days=10 + HANDLING_DAYS),
        utc_today() + timedelta(days=10 + HANDLING_DAYS),
    }
    assert snapshot(uow) == before


def test_availability_of_deny_product_beyond_stock_is_out_of_stock(api: Api) -> None:
    api.product("LAMP", policy="deny", on_hand=2)
    assert api.ok(api.get("/products/LAMP/availability", qty=3)) == {
        "sku": "LAMP",
        "status": "out_of_stock",
        "available": 2,
        "ships_now": 0,
        "backordered": 0,
        "estimated_ship_date": None,
    }
    assert api.ok(api.get("/products/LAMP/availability", qty=2))["status"] == "in_stock"


def test_availability_of_unreleased_preorder_holds_stock_until_release(api: Api) -> None:
    release = utc_today() + timedelta(days=30)
    api.product("GAME", policy="preorder", release_date=release.isoformat(), on_hand=5)
    assert api.ok(api.get("/products/GAME/availability", qty=2)) == {
        "sku": "GAME",
        "status": "preorder",
        "available": 5,
        "ships_now": 0,
        "backordered": 2,
        "estimated_ship_date": release.isoformat(),
    }


def test_availability_qty_defaults_to_one(api: Api) -> None:
    api.product("MUG", on_hand=1)
    got = api.ok(api.get("/products/MUG/availability"))
    assert (got["status"], got["ships_now"], got["backordered"]) == ("in_stock", 1, 0)


# Customers


def test_create_customer_and_read_it_back(api: Api) -> None:
    body = {"name": "Acme GmbH", "email": "buyer@acme.example", "priority": 5}
    created = api.ok(api.post("/customers", body), 201)
    assert {k: created[k] for k in body} == body
    assert created["id"] >= 1
    assert "created_at" in created
    assert api.ok(api.get(f"/customers/{created['id']}")) == created


def test_customer_priority_defaults_to_zero(api: Api) -> None:
    body = {"name": "Bob", "email": "bob@example.com"}
    assert api.ok(api.post("/customers", body), 201)["priority"] == 0


# Orders


def test_design_example_allocates_what_is_on_hand_and_backorders_the_rest(api: Api) -> None:
    api.product("MUG", on_hand=4, lead_time_days=7)
    customer = api.customer()
    placed = api.order(customer, ("MUG", 10))
    assert placed["customer_id"] == customer
    assert placed["status"] == "backordered"
    assert placed["ship_policy"] == "partial"
    line = line_of(placed)
    assert line["sku"] == "MUG"
    assert quantities(line) == (10, 4, 6, 0, 0)
    assert line["status"] == "backordered"
    placed_on = datetime.fromisoformat(placed["created_at"]).astimezone(UTC).date()
    assert date.fromisoformat(line["estimated_ship_date"]) == placed_on + timedelta(
        days=7 + HANDLING_DAYS
    )
    inv = api.inventory("MUG")
    assert (inv["on_hand"], inv["allocated"], inv["available"], inv["backordered"]) == (4, 4, 0, 6)
    assert api.get_order(placed["id"]) == placed


def test_order_within_stock_is_allocated(api: Api) -> None:
    api.product("MUG", on_hand=5)
    placed = api.order(api.customer(), ("MUG", 5), ship_policy="complete", priority=3)
    assert placed["status"] == "allocated"
    assert placed["ship_policy"] == "complete"
    assert placed["priority"] == 3
    assert quantities(line_of(placed)) == (5, 5, 0, 0, 0)
    assert line_of(placed)["estimated_ship_date"] is None
    assert api.counters("MUG") == (5, 5, 0, 0)


def test_two_lines_of_one_sku_never_allocate_a_unit_twice(api: Api) -> None:
    api.product("MUG", on_hand=3)
    placed = api.order(api.customer(), ("MUG", 2), ("MUG", 2))
    assert [quantities(ln) for ln in placed["lines"]] == [(2, 2, 0, 0, 0), (2, 1, 1, 0, 0)]
    assert api.counters("MUG") == (3, 3, 0, 1)


def test_deny_order_beyond_stock_is_refused_and_writes_nothing(api: Api, uow: UnitOfWork) -> None:
    api.product("LAMP", policy="deny", on_hand=2)
    customer = api.customer()
    before = snapshot(uow)
    details = error_details(api.place(customer, ("LAMP", 3)), 409, "out_of_stock")
    (short,) = details["lines"]
    assert short["sku"] == "LAMP"
    assert short["available"] == 2
    assert short["requested"] == 3
    assert short["line"] == 0
    assert snapshot(uow) == before
    assert api.counters("LAMP") == (2, 0, 2, 0)


def test_refused_order_lists_every_short_line_and_allocates_none(api: Api, uow: UnitOfWork) -> None:
    api.product("MUG", on_hand=9)
    api.product("LAMP", policy="deny", on_hand=1)
    api.product("VASE", policy="deny")
    customer = api.customer()
    before = snapshot(uow)
    response = api.place(customer, ("MUG", 2), ("LAMP", 2), ("VASE", 1))
    details = error_details(response, 409, "out_of_stock")
    assert [(s["line"], s["sku"], s["available"]) for s in details["lines"]] == [
        (1, "LAMP", 1),
        (2, "VASE", 0),
    ]
    assert snapshot(uow) == before


def test_order_beyond_max_backorder_qty_is_out_of_stock_and_writes_nothing(
    api: Api, uow: UnitOfWork
) -> None:
    api.product("MUG", on_hand=1, max_backorder_qty=5)
    customer = api.customer()
    assert quantities(line_of(api.order(customer, ("MUG", 4)))) == (4, 1, 3, 0, 0)
    before = snapshot(uow)
    details = error_details(api.place(customer, ("MUG", 3)), 409, "out_of_stock")
    (short,) = details["lines"]
    assert (short["sku"], short["available"], short["backorder_limit"]) == ("MUG", 0, 2)
    assert snapshot(uow) == before
    assert quantities(line_of(api.order(customer, ("MUG", 2)))) == (2, 0, 2, 0, 0)


def test_order_priority_overrides_the_customers_for_serving(api: Api) -> None:
    api.product("MUG")
    vip = api.customer(priority=5, name="Vip")
    regular = api.customer(name="Reg")
    api.order(vip, ("MUG", 1))
    rushed = api.order(regular, ("MUG", 1), priority=9)
    queue = api.backorders(sku="MUG")
    first = queue[0]
    assert (first["order_id"], first["priority"], first["position"]) == (rushed["id"], 9, 1)


def test_get_order_returns_the_order_as_placed(api: Api) -> None:
    api.product("MUG", on_hand=1)
    api.product("LAMP")
    placed = api.order(api.customer(), ("MUG", 1), ("LAMP", 2))
    got = api.get_order(placed["id"])
    assert got == placed
    assert [ln["sku"] for ln in got["lines"]] == ["MUG", "LAMP"]
    assert [ln["status"] for ln in got["lines"]] == ["allocated", "backordered"]
    assert got["status"] == "backordered"


# Idempotency


def test_same_idempotency_key_and_body_returns_the_first_order_and_changes_nothing(
    api: Api, uow: UnitOfWork
) -> None:
    api.product("MUG", on_hand=4)
    customer = api.customer()
    body = {"customer_id": customer, "lines": [{"sku": "MUG", "qty": 3}], "idempotency_key": "k1"}
    first = api.post("/orders", body)
    assert first.status_code == 201, first.text
    assert "Idempotent-Replayed" not in first.headers
    after_first = snapshot(uow)
    again = api.post("/orders", body)
    assert again.status_code == 201, again.text
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert snapshot(uow) == after_first
    assert len(after_first["orders"]) == 1
    assert api.counters("MUG") == (4, 3, 1, 0)


def test_idempotency_key_reused_with_a_different_body_is_a_conflict(
    api: Api, uow: UnitOfWork
) -> None:
    api.product("MUG", on_hand=4)
    customer = api.customer()
    first = api.order(customer, ("MUG", 1), idempotency_key="k1")
    before = snapshot(uow)
    details = error_details(api.place(customer, ("MUG", 2), idempotency_key="k1"), 409, "conflict")
    assert details["order_id"] == first["id"]
    assert snapshot(uow) == before


# Cancellation


def test_cancel_without_body_cancels_every_unshipped_unit(api: Api) -> None:
    api.product("MUG", on_hand=2)
    placed = api.order(api.customer(), ("MUG", 5))
    cancelled = api.ok(api.post(f"/orders/{placed['id']}/cancel"))
    assert cancelled["status"] == "cancelled"
    assert quantities(line_of(cancelled)) == (5, 0, 0, 0, 5)
    assert line_of(cancelled)["status"] == "cancelled"
    assert api.counters("MUG") == (2, 0, 2, 0)
    assert api.get_order(placed["id"]) == cancelled


def test_cancel_lines_takes_waiting_units_first_so_allocated_stock_stays_put(api: Api) -> None:
    api.product("MUG", on_hand=2)
    placed = api.order(api.customer(), ("MUG", 5))
    vip = api.order(api.customer(priority=9, name="Vip"), ("MUG", 2))
    body = {"lines": [{"line_id": line_of(placed)["id"], "qty": 3}]}
    cancelled = api.ok(api.post(f"/orders/{placed['id']}/cancel", body))
    assert quantities(line_of(cancelled)) == (5, 2, 0, 0, 3)
    assert cancelled["status"] == "allocated"
    assert quantities(line_of(api.get_order(vip["id"]))) == (2, 0, 2, 0, 0)
    assert api.counters("MUG") == (2, 2, 0, 2)


def test_cancelling_part_of_an_allocated_line_releases_stock(api: Api) -> None:
    api.product("MUG", on_hand=2)
    placed = api.order(api.customer(), ("MUG", 5))
    body = {"lines": [{"line_id": line_of(placed)["id"], "qty": 4}]}
    cancelled = api.ok(api.post(f"/orders/{placed['id']}/cancel", body))
    assert quantities(line_of(cancelled)) == (5, 1, 0, 0, 4)
    assert api.counters("MUG") == (2, 1, 1, 0)


def test_cancelling_allocated_units_releases_them_to_the_next_waiting_line(api: Api) -> None:
    api.product("MUG", on_hand=4)
    first = api.order(api.customer(name="First"), ("MUG", 4))
    waiting = api.order(api.customer(name="Second"), ("MUG", 3))
    assert waiting["status"] == "backordered"
    api.ok(api.post(f"/orders/{first['id']}/cancel"))
    served = api.get_order(waiting["id"])
    assert served["status"] == "allocated"
    assert quantities(line_of(served)) == (3, 3, 0, 0, 0)
    assert api.counters("MUG") == (4, 3, 1, 0)
    assert api.backorders() == []


def test_cancelling_more_than_unshipped_is_a_conflict_and_changes_nothing(
    api: Api, uow: UnitOfWork
) -> None:
    api.product("MUG", on_hand=2)
    placed = api.order(api.customer(), ("MUG", 3))
    api.ship(placed["id"])
    before = snapshot(uow)
    body = {"lines": [{"line_id": line_of(placed)["id"], "qty": 2}]}
    details = error_details(api.post(f"/orders/{placed['id']}/cancel", body), 409, "conflict")
    assert details == {"cancellable": 1, "requested": 2}
    assert snapshot(uow) == before


def test_cancelling_a_fully_shipped_order_is_a_conflict(api: Api, uow: UnitOfWork) -> None:
    api.product("MUG", on_hand=2)
    placed = api.order(api.customer(), ("MUG", 2))
    api.ship(placed["id"])
    before = snapshot(uow)
    error_details(api.post(f"/orders/{placed['id']}/cancel"), 409, "conflict")
    assert snapshot(uow) == before
    assert api.get_order(placed["id"])["status"] == "shipped"


def test_cancelling_a_cancelled_order_again_returns_it_unchanged(api: Api, uow: UnitOfWork) -> None:
    api.product("MUG", on_hand=2)
    placed = api.order(api.customer(), ("MUG", 3))
    cancelled = api.ok(api.post(f"/orders/{placed['id']}/cancel"))
    before = snapshot(uow)
    assert api.ok(api.post(f"/orders/{placed['id']}/cancel")) == cancelled
    assert snapshot(uow) == before


def test_cancelling_a_line_of_another_order_is_not_found(api: Api, uow: UnitOfWork) -> None:
    api.product("MUG", on_hand=5)
    customer = api.customer()
    mine = api.order(customer, ("MUG", 1))
    other = api.order(customer, ("MUG", 1))
    before = snapshot(uow)
    body = {"lines": [{"line_id": line_of(other)["id"], "qty": 1}]}
    details = error_details(api.post(f"/orders/{mine['id']}/cancel", body), 404, "not_found")
    assert details["resource"] == "order line"
    assert snapshot(uow) == before


def test_cancel_naming_a_line_twice_is_a_validation_error(api: Api, world: World) -> None:
    line = {"line_id": world.line_id, "qty": 1}
    response = api.post(f"/orders/{world.order_id}/cancel", {"lines": [line, line]})
    error_details(response, 422, "validation_error")


# Shipping


def test_shipment_ships_every_allocated_unit_and_counts_it_out(api: Api) -> None:
    api.product("MUG", on_hand=4)
    placed = api.order(api.customer(), ("MUG", 10))
    line_id = line_of(placed)["id"]
    shipment = api.ship(placed["id"], {"tracking_number": "1Z999"})
    assert shipment["order_id"] == placed["id"]
    assert shipment["tracking_number"] == "1Z999"
    assert shipment["lines"] == [{"line_id": line_id, "sku": "MUG", "qty": 4}]
    partly = api.get_order(placed["id"])
    assert partly["status"] == "partially_shipped"
    assert quantities(line_of(partly)) == (10, 0, 6, 4, 0)
    assert api.counters("MUG") == (0, 0, 0, 6)

    api.adjust("MUG", 6)
    second = api.ship(placed["id"])
    assert second["id"] != shipment["id"]
    assert second["lines"] == [{"line_id": line_id, "sku": "MUG", "qty": 6}]
    done = api.get_order(placed["id"])
    assert done["status"] == "shipped"
    assert quantities(line_of(done)) == (10, 0, 0, 10, 0)
    assert api.counters("MUG") == (0, 0, 0, 0)


def test_complete_order_does_not_ship_while_units_wait(api: Api, uow: UnitOfWork) -> None:
    api.product("MUG", on_hand=2)
    placed = api.order(api.customer(), ("MUG", 5), ship_policy="complete")
    before = snapshot(uow)
    details = error_details(api.post(f"/orders/{placed['id']}/shipments"), 409, "conflict")
    assert details == {"allocated": 2, "backordered": 3}
    assert snapshot(uow) == before
    api.adjust("MUG", 3)
    assert api.ship(placed["id"])["lines"][0]["qty"] == 5


def test_shipping_with_nothing_allocated_is_a_conflict(api: Api, uow: UnitOfWork) -> None:
    api.product("MUG")
    placed = api.order(api.customer(), ("MUG", 3))
    before = snapshot(uow)
    response = api.post(f"/orders/{placed['id']}/shipments", {})
    details = error_details(response, 409, "conflict")
    assert details["allocated"] == 0
    assert snapshot(uow) == before


# The backorder queue and the serving order


def test_higher_priority_customer_is_served_before_an_older_lower_priority_order(
    api: Api, uow: UnitOfWork
) -> None:
    api.product("MUG")
    regular = api.customer(name="Regular")
    vip = api.customer(priority=10, name="Vip")
    oldest = api.order(regular, ("MUG", 1))
    older = api.order(regular, ("MUG", 1))
    later = api.order(vip, ("MUG", 1))
    queue = api.backorders(sku="MUG")
    assert [(r["order_id"], r["position"], r["priority"]) for r in queue] == [
        (later["id"], 1, 10),
        (oldest["id"], 2, 0),
        (older["id"], 3, 0),
    ]

    api.adjust("MUG", 1)
    assert api.get_order(later["id"])["status"] == "allocated"
    assert api.get_order(oldest["id"])["status"] == "backordered"
    remaining = api.backorders(sku="MUG")
    assert [(r["order_id"], r["position"]) for r in remaining] == [
        (oldest["id"], 1),
        (older["id"], 2),
    ]
    check_invariants(uow, today=utc_today())


def test_equal_priority_is_served_oldest_first_and_a_line_may_be_served_in_part(
    api: Api,
) -> None:
    api.product("MUG")
    first = api.order(api.customer(name="First"), ("MUG", 2))
    second = api.order(api.customer(name="Second"), ("MUG", 2))
    api.adjust("MUG", 3)
    assert quantities(line_of(api.get_order(first["id"]))) == (2, 2, 0, 0, 0)
    assert quantities(line_of(api.get_order(second["id"]))) == (2, 1, 1, 0, 0)
    assert [r["order_id"] for r in api.backorders()] == [second["id"]]


def test_backorders_list_numbers_positions_from_one_per_product(api: Api) -> None:
    api.product("MUG")
    api.product("LAMP", lead_time_days=5)
    ann = api.customer(name="Ann")
    bob = api.customer(name="Bob")
    o1 = api.order(ann, ("MUG", 2), ("LAMP", 1))
    o2 = api.order(bob, ("MUG", 1))
    o3 = api.order(bob, ("LAMP", 4))

    rows = api.backorders()
    assert {tuple(sorted(r)) for r in rows} == {
        (
            "backordered",
            "created_at",
            "customer_id",
            "estimated_ship_date",
            "eta_source",
            "line_id",
            "order_id",
            "position",
            "priority",
            "sku",
        )
    }
    by_sku: dict[str, list[tuple[int, int, int]]] = {}
    for r in rows:
        by_sku.setdefault(r["sku"], []).append((r["position"], r["order_id"], r["backordered"]))
    assert by_sku == {
        "MUG": [(1, o1["id"], 2), (2, o2["id"], 1)],
        "LAMP": [(1, o1["id"], 1), (2, o3["id"], 4)],
    }
    lamp = api.backorders(sku="LAMP")
    assert [(r["position"], r["line_id"]) for r in lamp] == [
        (1, o1["lines"][1]["id"]),
        (2, o3["lines"][0]["id"]),
    ]
    assert all(r["estimated_ship_date"] is not None for r in lamp)
    bobs = api.backorders(customer_id=bob)
    assert sorted((r["sku"], r["position"]) for r in bobs) == [("LAMP", 2), ("MUG", 2)]
    assert all(r["customer_id"] == bob for r in bobs)
    assert api.backorders(sku="MUG", customer_id=ann)[0]["line_id"] == o1["lines"][0]["id"]
    assert api.backorders(sku="VASE") == []


# Authentication and roles


ENDPOINTS: list[tuple[str, str, Any]] = [
    ("GET", "/products", None),
    (
        "POST",
        "/products",
        {"sku": "NEW", "name": "New", "price": "1.00", "backorder_policy": "allow"},
    ),
    ("GET", "/products/MUG", None),
    ("GET", "/products/MUG/availability", None),
    ("GET", "/inventory/MUG", None),
    ("POST", "/inventory/MUG/adjustments", {"delta": 1, "reason": "count"}),
    ("POST", "/customers", {"name": "Eve", "email": "eve@example.com"}),
    ("GET", "/customers/1", None),
    ("POST", "/orders", {"customer_id": 1, "lines": [{"sku": "MUG", "qty": 1}]}),
    ("GET", "/orders/1", None),
    ("POST", "/orders/1/cancel", None),
    ("POST", "/orders/1/shipments", None),
    ("GET", "/backorders", None),
]
ENDPOINT_IDS = [f"{method} {path}" for method, path, _ in ENDPOINTS]


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS, ids=ENDPOINT_IDS)
@pytest.mark.usefixtures("world")
def test_request_without_api_key_is_unauthorized_and_changes_nothing(
    api: Api, uow: UnitOfWork, method: str, path: str, body: Any
) -> None:
    before = snapshot(uow)
    response = api.with_key(None).request(method, path, body)
    error_details(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert snapshot(uow) == before


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS, ids=ENDPOINT_IDS)
@pytest.mark.usefixtures("world")
def test_request_with_unknown_api_key_is_unauthorized(
    api: Api, method: str, path: str, body: Any
) -> None:
    error_details(
        api.with_key("bo_not-a-real-key").request(method, path, body), 401, "unauthorized"
    )


def test_a_key_revoked_in_the_database_is_refused_once_the_process_stops_trusting_it(
    client: TestClient, uow: UnitOfWork
) -> None:
    now = [0.0]
    client.app.state.keys = KeyCache(10, clock=lambda: now[0])  # type: ignore[attr-defined]
    key = create_api_key(uow, Role.ADMIN)
    api = Api(client, key.secret)
    assert api.get("/products").status_code == 200
    with uow.write() as tx:
        tx.session.execute(update(ApiKey).where(ApiKey.id == key.id).values(revoked_at=utcnow()))
        tx.commit()
    now[0] += 9.9
    assert api.get("/products").status_code == 200
    now[0] += 0.1
    error_details(api.get("/products"), 401, "unauthorized")


def test_malformed_authorization_header_is_unauthorized(api: Api) -> None:
    response = api.client.get(f"{API}/products", headers={"Authorization": "Basic dXNlcjpwdw=="})
    error_details(response, 401, "unauthorized")


STOREFRONT_FORBIDDEN = [
    (
        "POST",
        "/products",
        {"sku": "NEW", "name": "New", "price": "1.00", "backorder_policy": "allow"},
    ),
    ("POST", "/inventory/MUG/adjustments", {"delta": 1, "reason": "count"}),
    ("POST", "/orders/1/shipments", None),
    ("GET", "/backorders", None),
]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    STOREFRONT_FORBIDDEN,
    ids=[f"{method} {path}" for method, path, _ in STOREFRONT_FORBIDDEN],
)
@pytest.mark.usefixtures("world")
def test_storefront_key_may_not_manage_stock_ship_or_see_the_queue(
    storefront: Api, uow: UnitOfWork, method: str, path: str, body: Any
) -> None:
    before = snapshot(uow)
    details = error_details(storefront.request(method, path, body), 403, "forbidden")
    assert details["role"] == "storefront"
    assert snapshot(uow) == before


def test_storefront_key_can_read_the_catalogue_and_place_read_and_cancel_orders(
    api: Api, storefront: Api
) -> None:
    api.product("MUG", on_hand=3)
    assert [p["sku"] for p in storefront.ok(storefront.get("/products"))] == ["MUG"]
    assert storefront.ok(storefront.get("/products/MUG"))["sku"] == "MUG"
    assert storefront.inventory("MUG")["available"] == 3
    availability = storefront.ok(storefront.get("/products/MUG/availability", qty=2))
    assert availability["status"] == "in_stock"
    customer = storefront.customer()
    assert storefront.ok(storefront.get(f"/customers/{customer}"))["id"] == customer
    placed = storefront.order(customer, ("MUG", 2))
    assert storefront.get_order(placed["id"]) == placed
    cancelled = storefront.ok(storefront.post(f"/orders/{placed['id']}/cancel"))
    assert cancelled["status"] == "cancelled"
    assert api.counters("MUG") == (3, 0, 3, 0)


@pytest.mark.parametrize("role", [Role.ADMIN, Role.STAFF])
def test_admin_and_staff_keys_may_do_everything(
    client: TestClient, uow: UnitOfWork, role: Role
) -> None:
    api = Api(client, create_api_key(uow, role).secret)
    api.product("MUG", on_hand=1)
    placed = api.order(api.customer(), ("MUG", 1))
    assert api.ship(placed["id"])["lines"][0]["qty"] == 1
    assert api.backorders() == []


# Not found


def test_unknown_route_is_not_found_in_the_envelope(api: Api) -> None:
    error_details(api.get("/nowhere"), 404, "not_found")
    error_details(api.client.get("/api/v9/products", headers=api.headers), 404, "not_found")


NOT_FOUND: list[tuple[str, str, Any, str]] = [
    ("GET", "/products/NOPE", None, "product"),
    ("GET", "/inventory/NOPE", None, "product"),
    ("GET", "/products/NOPE/availability", None, "product"),
    ("POST", "/inventory/NOPE/adjustments", {"delta": 1, "reason": "count"}, "product"),
    ("GET", "/customers/999", None, "customer"),
    ("GET", "/orders/999", None, "order"),
    ("POST", "/orders/999/cancel", None, "order"),
    ("POST", "/orders/999/shipments", None, "order"),
    ("POST", "/orders", {"customer_id": 999, "lines": [{"sku": "MUG", "qty": 1}]}, "customer"),
    ("POST", "/orders", {"customer_id": 1, "lines": [{"sku": "NOPE", "qty": 1}]}, "product"),
    ("POST", "/orders/1/cancel", {"lines": [{"line_id": 999, "qty": 1}]}, "order line"),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "resource"),
    NOT_FOUND,
    ids=[f"{m} {p} {r}" for m, p, _, r in NOT_FOUND],
)
def test_unknown_resource_is_not_found_and_changes_nothing(
    api: Api,
    world: World,
    uow: UnitOfWork,
    method: str,
    path: str,
    body: Any,
    resource: str,
) -> None:
    assert (world.customer_id, world.order_id) == (1, 1)
    before = snapshot(uow)
    details = error_details(api.request(method, path, body), 404, "not_found")
    assert details["resource"] == resource
    assert snapshot(uow) == before


# Validation

PRODUCT = {"sku": "NEW-1", "name": "New", "price": "9.99", "backorder_policy": "allow"}
ORDER = {"customer_id": 1, "lines": [{"sku": "MUG", "qty": 1}]}
ADJUSTMENT = {"delta": 1, "reason": "count"}
CUSTOMER = {"name": "Eve", "email": "eve@example.com"}
HUGE = 10**30


def without(body: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != key}


def with_line(**line: Any) -> dict[str, Any]:
    return ORDER | {"lines": [{"sku": "MUG", "qty": 1} | line]}


INVALID_BODIES: dict[str, tuple[str, Any]] = {
    "product missing name": ("/products", without(PRODUCT, "name")),
    "product unknown field": ("/products", PRODUCT | {"quantity": 3}),
    "product negative price": ("/products", PRODUCT | {"price": "-1.00"}),
    "product price with 3 decimals": ("/products", PRODUCT | {"price": "1.999"}),
    "product price not a number": ("/products", PRODUCT | {"price": "NaN"}),
    "product NUL in name": ("/products", PRODUCT | {"name": "Mu\x00g"}),
    "product control char in name": ("/products", PRODUCT | {"name": "Mu\x1bg"}),
    "product empty name": ("/products", PRODUCT | {"name": ""}),
    "product space in sku": ("/products", PRODUCT | {"sku": "NEW 1"}),
    "product NUL in sku": ("/products", PRODUCT | {"sku": "NEW\x00"}),
    "product unknown policy": ("/products", PRODUCT | {"backorder_policy": "sometimes"}),
    "product huge max_backorder_qty": ("/products", PRODUCT | {"max_backorder_qty": HUGE}),
    "product huge lead time": ("/products", PRODUCT | {"lead_time_days": HUGE}),
    "product bad release date": ("/products", PRODUCT | {"release_date": "2026-13-45"}),
    "preorder without release date": ("/products", PRODUCT | {"backorder_policy": "preorder"}),
    "product body is a list": ("/products", [PRODUCT]),
    "order qty 0": ("/orders", with_line(qty=0)),
    "order qty negative": ("/orders", with_line(qty=-1)),
    "order qty huge": ("/orders", with_line(qty=HUGE)),
    "order qty fractional": ("/orders", with_line(qty=1.5)),
    "order qty a string": ("/orders", with_line(qty="one")),
    "order line unknown field": ("/orders", with_line(quantity=1)),
    "order line sku with space": ("/orders", with_line(sku="M UG")),
    "order customer id huge": ("/orders", ORDER | {"customer_id": HUGE}),
    "order customer id zero": ("/orders", ORDER | {"customer_id": 0}),
    "order empty lines": ("/orders", ORDER | {"lines": []}),
    "order missing lines": ("/orders", without(ORDER, "lines")),
    "order missing customer": ("/orders", without(ORDER, "customer_id")),
    "order unknown field": ("/orders", ORDER | {"coupon": "FREE"}),
    "order unknown ship policy": ("/orders", ORDER | {"ship_policy": "whenever"}),
    "order huge priority": ("/orders", ORDER | {"priority": HUGE}),
    "order NUL in idempotency key": ("/orders", ORDER | {"idempotency_key": "k\x00"}),
    "order newline in idempotency key": ("/orders", ORDER | {"idempotency_key": "k\n1"}),
    "order lone surrogate in idempotency key": ("/orders", ORDER | {"idempotency_key": "\ud800"}),
    "adjustment delta 0": ("/inventory/MUG/adjustments", ADJUSTMENT | {"delta": 0}),
    "adjustment delta huge": ("/inventory/MUG/adjustments", ADJUSTMENT | {"delta": HUGE}),
    "adjustment delta negative huge": ("/inventory/MUG/adjustments", ADJUSTMENT | {"delta": -HUGE}),
    "adjustment missing reason": ("/inventory/MUG/adjustments", without(ADJUSTMENT, "reason")),
    "adjustment NUL in reason": ("/inventory/MUG/adjustments", ADJUSTMENT | {"reason": "a\x00"}),
    "customer bad email": ("/customers", CUSTOMER | {"email": "not-an-email"}),
    "customer missing name": ("/customers", without(CUSTOMER, "name")),
    "customer huge priority": ("/customers", CUSTOMER | {"priority": HUGE}),
    "customer NUL in name": ("/customers", CUSTOMER | {"name": "E\x00ve"}),
    "cancel empty lines": ("/orders/1/cancel", {"lines": []}),
    "cancel qty 0": ("/orders/1/cancel", {"lines": [{"line_id": 1, "qty": 0}]}),
    "cancel line id huge": ("/orders/1/cancel", {"lines": [{"line_id": HUGE, "qty": 1}]}),
    "cancel unknown field": ("/orders/1/cancel", {"all": True}),
    "shipment NUL in tracking number": ("/orders/1/shipments", {"tracking_number": "1Z\x00"}),
    "shipment unknown field": ("/orders/1/shipments", {"carrier": "UPS"}),
}


@pytest.mark.parametrize(("path", "body"), INVALID_BODIES.values(), ids=INVALID_BODIES.keys())
@pytest.mark.usefixtures("world")
def test_invalid_body_is_a_validation_error_and_changes_nothing(
    api: Api, uow: UnitOfWork, path: str, body: Any
) -> None:
    before = snapshot(uow)
    error_details(api.post(path, body), 422, "validation_error")
    assert snapshot(uow) == before


@pytest.mark.usefixtures("world")
def test_validation_error_details_name_the_offending_field(api: Api) -> None:
    details = error_details(api.post("/orders", with_line(qty=0)), 422, "validation_error")
    (problem,) = details["errors"]
    assert problem["loc"] == ["body", "lines", 0, "qty"]
    assert problem["message"]


INVALID_RAW: dict[str, tuple[str, bytes]] = {
    "order truncated JSON": ("/orders", b'{"customer_id": 1, "lines": ['),
    "product not JSON": ("/products", b"sku=MUG"),
    "adjustment trailing comma": ("/inventory/MUG/adjustments", b'{"delta": 1, "reason": "x",}'),
    "customer empty body": ("/customers", b""),
    "order body not UTF-8": (
        "/orders",
        b'{"customer_id": 1, "lines": [{"sku": "\xff", "qty": 1}]}',
    ),
}


@pytest.mark.parametrize(("path", "content"), INVALID_RAW.values(), ids=INVALID_RAW.keys())
@pytest.mark.usefixtures("world")
def test_malformed_json_is_a_validation_error_and_changes_nothing(
    api: Api, uow: UnitOfWork, path: str, content: bytes
) -> None:
    before = snapshot(uow)
    error_details(api.post_raw(path, content), 422, "validation_error")
    assert snapshot(uow) == before


INVALID_READS: dict[str, tuple[str, dict[str, Any]]] = {
    "product sku with space": ("/products/MU G", {}),
    "inventory sku with space": ("/inventory/MU G", {}),
    "product sku with NUL": ("/products/MU%00G", {}),
    "availability sku with space": ("/products/MU G/availability", {}),
    "availability qty 0": ("/products/MUG/availability", {"qty": 0}),
    "availability qty huge": ("/products/MUG/availability", {"qty": HUGE}),
    "availability qty not a number": ("/products/MUG/availability", {"qty": "many"}),
    "order id not a number": ("/orders/first", {}),
    "order id 0": ("/orders/0", {}),
    "order id huge": (f"/orders/{HUGE}", {}),
    "customer id huge": (f"/customers/{HUGE}", {}),
    "backorders customer 0": ("/backorders", {"customer_id": 0}),
    "backorders customer huge": ("/backorders", {"customer_id": HUGE}),
    "backorders sku with space": ("/backorders", {"sku": "MU G"}),
    "products limit 0": ("/products", {"limit": 0}),
    "products offset negative": ("/products", {"offset": -1}),
}


@pytest.mark.parametrize(("path", "params"), INVALID_READS.values(), ids=INVALID_READS.keys())
@pytest.mark.usefixtures("world")
def test_invalid_path_or_query_is_a_validation_error(
    api: Api, path: str, params: dict[str, Any]
) -> None:
    error_details(api.get(path, **params), 422, "validation_error")


@pytest.mark.usefixtures("world")
def test_invalid_path_on_a_write_is_a_validation_error(api: Api) -> None:
    response = api.post("/inventory/MU G/adjustments", ADJUSTMENT)
    error_details(response, 422, "validation_error")
    error_details(api.post(f"/orders/{HUGE}/cancel"), 422, "validation_error")


# Bad input never gives a 500

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
odd_strings = (
    st.sampled_from(["", " ", "MUG", "LAMP", "CAPPED", "GAME", "NOPE", "a b", "\x00", "x" * 300])
    | st.text(st.characters(categories=["Cs", "Cc", "Zs"]), min_size=1, max_size=5)
    | st.text(max_size=70)
)
odd_ints = st.integers(min_value=-2, max_value=12) | st.sampled_from(
    [10**9, 10**9 + 1, 2**31, 2**31 - 1, 2**63, -(2**63), 10**30]
)
anything = odd_strings | odd_ints | json_values


def often(valid: st.SearchStrategy[Any], odd: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A valid value three times in four, else an odd one. (``one_of`` would flatten the
    branches of ``odd`` and pick among all of them alike.)"""
    return st.sampled_from([valid, valid, valid, odd]).flatmap(lambda chosen: chosen)


def bodies(
    required: dict[str, st.SearchStrategy[Any]], optional: dict[str, st.SearchStrategy[Any]]
) -> st.SearchStrategy[Any]:
    """Objects with the required fields and any of the optional ones (each mostly valid),
    now and then an unknown field; or objects with any subset of the fields; or any JSON."""
    extra = st.one_of(
        st.just({}), st.just({}), st.dictionaries(odd_strings, json_values, max_size=1)
    )
    complete = st.builds(
        lambda base, more: more | base, st.fixed_dictionaries(required, optional=optional), extra
    )
    partial = st.fixed_dictionaries({}, optional=required | optional)
    return st.sampled_from([complete, complete, partial, json_values]).flatmap(lambda b: b)


printable = st.text(st.characters(exclude_categories=["Cc", "Cs"]), min_size=1, max_size=200)
skus = st.sampled_from(["MUG", "LAMP", "CAPPED", "GAME"])
order_line = often(
    st.fixed_dictionaries(
        {"sku": often(skus, odd_strings), "qty": often(st.integers(1, 9), odd_ints)}
    ),
    anything,
)
order_bodies = bodies(
    {
        "customer_id": often(st.sampled_from([1, 2, 3]), odd_ints | anything),
        "lines": often(st.lists(order_line, min_size=1, max_size=3), anything),
    },
    {
        "ship_policy": often(st.sampled_from(["partial", "complete"]), anything),
        "priority": often(st.integers(-5, 5), odd_ints | anything),
        "idempotency_key": often(st.sampled_from(["k1", "k2", "k3"]), odd_strings | anything),
    },
)
product_bodies = bodies(
    {
        "sku": often(st.from_regex(r"[A-Z][A-Z0-9._-]{0,63}", fullmatch=True), odd_strings),
        "name": often(printable, odd_strings | anything),
        "price": often(
            st.decimals(min_value=0, max_value=Decimal("9999999999.99"), places=2).map(str),
            st.sampled_from(["0E-1000", "1e3", "-0", "10000000000", "0.001"]) | anything,
        ),
        "backorder_policy": often(st.sampled_from(["allow", "deny", "preorder"]), anything),
    },
    {
        "release_date": often(st.dates().map(date.isoformat), anything),
        "max_backorder_qty": often(st.integers(0, 10**12), odd_ints | anything),
        "lead_time_days": often(st.integers(0, 3650), odd_ints | anything),
    },
)


@pytest.fixture
def fuzz_api(uow: UnitOfWork) -> Iterator[Api]:
    """An API that answers a server error as a response (not an exception), on a world of
    customers 1 and 2 and products of every policy."""
    with TestClient(create_app(uow), raise_server_exceptions=False) as test_client:
        api = Api(test_client, create_api_key(uow, Role.ADMIN).secret)
        api.product("MUG", on_hand=5)
        api.product("LAMP", policy="deny", on_hand=2)
        api.product("CAPPED", max_backorder_qty=3)
        later = (utc_today() + timedelta(days=30)).isoformat()
        api.product("GAME", policy="preorder", release_date=later, on_hand=1)
        api.customer()
        api.customer(priority=2)
        yield api


def post_json(api: Api, path: str, body: Any) -> httpx.Response:
    response = api.post_raw(path, json.dumps(body).encode())
    event(f"{path} -> {response.status_code}")
    assert response.status_code < 500, f"{path} {body!r} -> {response.text}"
    if response.status_code >= 400:
        error_details(response, response.status_code, response.json()["error"]["code"])
    return response


@FUZZ
@given(body=order_bodies)
def test_random_order_bodies_never_give_a_server_error(
    fuzz_api: Api, uow: UnitOfWork, body: Any
) -> None:
    post_json(fuzz_api, "/orders", body)
    check_invariants(uow, today=utc_today())


@FUZZ
@given(body=product_bodies)
def test_random_product_bodies_never_give_a_server_error(fuzz_api: Api, body: Any) -> None:
    response = post_json(fuzz_api, "/products", body)
    if response.status_code == 201:
        sku = response.json()["sku"]
        assert fuzz_api.ok(fuzz_api.get(f"/products/{sku}"))["sku"] == sku
