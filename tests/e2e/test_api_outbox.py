"""The outbox endpoints end to end: polling events, webhook subscriptions, the admin
view of deliveries, redelivery and the business settings, with the roles that may use
them (each test runs on SQLite and on PostgreSQL)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from backorder.api.app import create_app
from backorder.db.uow import UnitOfWork
from backorder.domain.model import Role
from backorder.services import business, dispatch
from backorder.services.keys import create_api_key
from backorder.worker import Worker
from tests.notify_fixtures import free_port

API = "/api/v1"
SECRET = "whsec-0123456789abcdef"
MakeUow = Callable[..., UnitOfWork]


@dataclass
class Api:
    """A client that sends one API key."""

    client: TestClient
    key: str

    def request(self, method: str, path: str, body: Any = None, **params: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.key}"}
        content = None
        if body is not None:
            content = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        response: httpx.Response = self.client.request(
            method, API + path, content=content, params=params or None, headers=headers
        )
        return response

    def get(self, path: str, **params: Any) -> httpx.Response:
        return self.request("GET", path, **params)

    def post(self, path: str, body: Any = None) -> httpx.Response:
        return self.request("POST", path, body)

    def ok(self, response: httpx.Response, status: int = 200) -> Any:
        assert response.status_code == status, response.text
        return response.json()

    def backordered_orders(self, count: int) -> list[int]:
        """A product with no stock and ``count`` orders that wait for it."""
        body = {"sku": "MUG", "name": "Blue Mug", "price": "9.50", "backorder_policy": "allow"}
        self.ok(self.post("/products", body), 201)
        customer = {"name": "Ann", "email": "ann@example.com"}
        customer_id = self.ok(self.post("/customers", customer), 201)["id"]
        placed = []
        for _ in range(count):
            order = {"customer_id": customer_id, "lines": [{"sku": "MUG", "qty": 1}]}
            placed.append(int(self.ok(self.post("/orders", order), 201)["id"]))
        return placed


def error_code(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    return str(response.json()["error"]["code"])


@pytest.fixture
def uow(make_uow: MakeUow, database: str, tmp_path: Path) -> UnitOfWork:
    """Events visible at once; one attempt per delivery; email into a folder."""
    return make_uow(
        database,
        events_settle_seconds=0,
        delivery_max_attempts=1,
        mail_folder=str(tmp_path / "mail"),
    )


@pytest.fixture
def client(uow: UnitOfWork) -> Iterator[TestClient]:
    """Server errors come back as the 500 a real client would get."""
    with TestClient(create_app(uow), raise_server_exceptions=False) as test_client:
        yield test_client


def key(client: TestClient, uow: UnitOfWork, role: Role) -> Api:
    return Api(client, create_api_key(uow, role).secret)


@pytest.fixture
def api(client: TestClient, uow: UnitOfWork) -> Api:
    return key(client, uow, Role.ADMIN)


# Events


def test_events_are_polled_after_an_id_oldest_first(api: Api) -> None:
    placed = api.backordered_orders(3)
    events = api.ok(api.get("/events"))
    backordered = [e for e in events if e["type"] == "order.backordered"]
    assert [e["payload"]["order_id"] for e in backordered] == placed
    for event in events:
        assert set(event) == {"id", "type", "created_at", "payload"}
    ids = [e["id"] for e in events]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)

    assert api.ok(api.get("/events", after=ids[0])) == events[1:]
    assert api.ok(api.get("/events", after=ids[-1])) == []
    paged, after = [], 0
    for _ in range(len(events) + 1):
        page = api.ok(api.get("/events", after=after, limit=1))
        if not page:
            break
        assert len(page) == 1
        paged += page
        after = page[-1]["id"]
    assert paged == events


def test_events_reject_a_bad_cursor(api: Api) -> None:
    assert error_code(api.get("/events", after=-1), 422) == "validation_error"
    assert error_code(api.get("/events", limit=0), 422) == "validation_error"


def test_events_younger_than_the_settle_time_are_held_back(
    make_uow: MakeUow, database: str, tmp_path: Path
) -> None:
    uow = make_uow(database, events_settle_seconds=60, mail_folder=str(tmp_path / "mail"))
    with TestClient(create_app(uow)) as client:
        api = key(client, uow, Role.ADMIN)
        api.backordered_orders(1)
        assert api.ok(api.get("/events")) == []


# Webhooks


def test_webhooks_are_created_listed_and_deleted_without_showing_the_secret(api: Api) -> None:
    body = {"url": "https://example.com/hooks/backorder", "events": ["order.backordered"]}
    created = api.ok(api.post("/webhooks", body | {"secret": SECRET}), 201)
    assert set(created) == {"id", "url", "events", "created_at"}
    assert created["url"] == body["url"]
    assert created["events"] == ["order.backordered"]
    every = api.ok(
        api.post("/webhooks", {"url": "https://a.example/", "events": ["*"]} | {"secret": SECRET}),
        201,
    )

    listed = api.get("/webhooks")
    assert SECRET not in listed.text
    assert [h["id"] for h in api.ok(listed)] == [created["id"], every["id"]]
    assert all("secret" not in h for h in api.ok(listed))

    assert api.request("DELETE", f"/webhooks/{created['id']}").status_code == 204
    assert [h["id"] for h in api.ok(api.get("/webhooks"))] == [every["id"]]
    assert error_code(api.request("DELETE", f"/webhooks/{created['id']}"), 404) == "not_found"
    assert error_code(api.request("DELETE", "/webhooks/999999"), 404) == "not_found"


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"url": "https://x.example/", "events": ["order.teleported"]}, "order.teleported"),
        ({"url": "not a url", "events": ["*"]}, "url"),
        ({"url": "ftp://x.example/", "events": ["*"]}, "url"),
        ({"url": "https://x.example/" + "a" * 2040, "events": ["*"]}, "url"),
        ({"url": "https://x.example/", "events": []}, "events"),
        ({"url": "https://x.example/", "events": ["*"], "secret": "too-short"}, "secret"),
        ({"url": "https://x.example/", "events": ["*"], "secret": ""}, "secret"),
    ],
    ids=[
        "unknown-event",
        "not-a-url",
        "ftp-url",
        "url-too-long",
        "no-events",
        "short-secret",
        "empty-secret",
    ],
)
def test_invalid_webhook_is_refused_with_422(api: Api, body: dict[str, Any], named: str) -> None:
    response = api.post("/webhooks", {"secret": SECRET} | body)
    assert error_code(response, 422) == "validation_error"
    assert named in response.text
    assert api.ok(api.get("/webhooks")) == []


def test_unknown_event_type_is_named_in_the_error(api: Api) -> None:
    body = {"url": "https://x.example/", "events": ["order.teleported"], "secret": SECRET}
    response = api.post("/webhooks", body)
    assert error_code(response, 422) == "validation_error"
    assert response.json()["error"]["details"]["unknown"] == ["order.teleported"]


# Deliveries


def failed_webhook_delivery(api: Api, uow: UnitOfWork) -> tuple[int, int]:
    """A webhook nobody answers and one order that backorders, after one worker pass:
    (failed webhook delivery id, delivered email delivery id)."""
    url = f"http://127.0.0.1:{free_port()}/nobody"
    body = {"url": url, "events": ["order.backordered"], "secret": SECRET}
    api.ok(api.post("/webhooks", body), 201)
    api.backordered_orders(1)
    Worker(uow).run_once()
    views = dispatch.list_deliveries(uow)
    (hook,) = [d for d in views if d.channel == "webhook"]
    (email,) = [d for d in views if d.channel == "email"]
    return hook.id, email.id


def test_deliveries_list_filters_by_status(api: Api, uow: UnitOfWork) -> None:
    hook_id, email_id = failed_webhook_delivery(api, uow)
    failed = api.ok(api.get("/deliveries", status="failed"))
    assert [d["id"] for d in failed] == [hook_id]
    (row,) = failed
    assert row["event_type"] == "order.backordered"
    assert row["channel"] == "webhook"
    assert row["attempts"] == 1
    assert row["last_error"]
    assert row["delivered_at"] is None
    delivered = api.ok(api.get("/deliveries", status="delivered"))
    assert [(d["id"], d["channel"], d["target"]) for d in delivered] == [
        (email_id, "email", "ann@example.com")
    ]
    assert {d["id"] for d in api.ok(api.get("/deliveries"))} == {hook_id, email_id}
    assert api.ok(api.get("/deliveries", status="pending")) == []
    assert error_code(api.get("/deliveries", status="lost"), 422) == "validation_error"


def test_redeliver_puts_a_failed_delivery_back_in_line(api: Api, uow: UnitOfWork) -> None:
    hook_id, email_id = failed_webhook_delivery(api, uow)
    again = api.ok(api.post(f"/deliveries/{hook_id}/redeliver"))
    assert (again["id"], again["status"], again["attempts"]) == (hook_id, "pending", 0)
    assert api.ok(api.get("/deliveries", status="failed")) == []
    assert [d["id"] for d in api.ok(api.get("/deliveries", status="pending"))] == [hook_id]

    assert error_code(api.post(f"/deliveries/{hook_id}/redeliver"), 409) == "conflict"
    assert error_code(api.post(f"/deliveries/{email_id}/redeliver"), 409) == "conflict"
    assert error_code(api.post("/deliveries/999999/redeliver"), 404) == "not_found"
    assert error_code(api.post("/deliveries/0/redeliver"), 422) == "validation_error"


# Business settings


def test_settings_are_read_and_changed(api: Api, uow: UnitOfWork) -> None:
    assert api.ok(api.get("/settings")) == business.DEFAULTS
    changed = api.ok(api.request("PATCH", "/settings", {"waiting_update_days": 3}))
    assert changed == {**business.DEFAULTS, "waiting_update_days": 3}
    assert api.ok(api.get("/settings")) == changed
    assert business.get_business_settings(uow).waiting_update_days == 3
    both = {"waiting_update_days": 0, "service_level": 0.99}
    assert api.ok(api.request("PATCH", "/settings", both)) == {**business.DEFAULTS, **both}


@pytest.mark.parametrize(
    "body",
    [
        {"waiting_update_days": -1},
        {"waiting_update_days": 366},
        {},
        {"waiting_update_days": None},
        {"service_level": 1},
        {"demand_window_days": 2},
        {"service_level": 0.9, "holding_cost_rate": 0},
    ],
)
def test_invalid_settings_are_refused_and_change_nothing(api: Api, body: dict[str, Any]) -> None:
    assert error_code(api.request("PATCH", "/settings", body), 422) == "validation_error"
    assert api.ok(api.get("/settings")) == business.DEFAULTS


# Who may do what


def test_staff_may_poll_events_but_not_manage_integrations(
    api: Api, client: TestClient, uow: UnitOfWork
) -> None:
    hook = api.ok(
        api.post("/webhooks", {"url": "https://x.example/", "events": ["*"], "secret": SECRET}),
        201,
    )
    api.backordered_orders(1)
    staff = key(client, uow, Role.STAFF)
    assert staff.ok(staff.get("/events"))
    forbidden = [
        staff.get("/webhooks"),
        staff.post("/webhooks", {"url": "https://y.example/", "events": ["*"], "secret": SECRET}),
        staff.request("DELETE", f"/webhooks/{hook['id']}"),
        staff.get("/deliveries"),
        staff.post("/deliveries/1/redeliver"),
        staff.get("/settings"),
        staff.request("PATCH", "/settings", {"waiting_update_days": 1}),
    ]
    assert [error_code(r, 403) for r in forbidden] == ["forbidden"] * len(forbidden)
    assert [h["id"] for h in api.ok(api.get("/webhooks"))] == [hook["id"]]
    assert api.ok(api.get("/settings")) == business.DEFAULTS


def test_storefront_may_not_poll_events(client: TestClient, uow: UnitOfWork) -> None:
    storefront = key(client, uow, Role.STOREFRONT)
    assert error_code(storefront.get("/events"), 403) == "forbidden"
    assert error_code(storefront.get("/webhooks"), 403) == "forbidden"


def test_outbox_endpoints_need_a_key(client: TestClient) -> None:
    for path in ("/events", "/webhooks", "/deliveries", "/settings"):
        assert error_code(client.get(API + path), 401) == "unauthorized"
