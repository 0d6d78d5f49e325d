"""Health, readiness, metrics and request ids: what operators and load balancers see."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from backorder.api.app import create_app
from backorder.config import Settings
from backorder.db import migrate
from backorder.db.uow import UnitOfWork
from backorder.domain.model import Role
from backorder.services.keys import create_api_key
from tests.helpers import add_customer, add_product


@pytest.fixture
def client(uow: UnitOfWork) -> TestClient:
    return TestClient(create_app(uow), raise_server_exceptions=False)


def metric(client: TestClient, name: str, **labels: str) -> float:
    """The value of one sample in the Prometheus text the server exposes."""
    want = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in client.get("/metrics").text.splitlines():
        if line.startswith("#"):
            continue
        sample, _, value = line.rpartition(" ")
        key = sample.split("{")[0]
        found = (
            ",".join(sorted(sample.partition("{")[2].rstrip("}").split(",")))
            if "{" in sample
            else ""
        )
        if key == name and found == want:
            return float(value)
    return 0.0


def test_healthz_answers_without_a_key(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}


def test_readyz_checks_the_database_and_its_migrations(client: TestClient, uow: UnitOfWork) -> None:
    ready = client.get("/readyz")
    assert (ready.status_code, ready.json()["checks"]) == (
        200,
        {"database": "ok", "migrations": "ok"},
    )
    migrate.downgrade(uow.writer, "base")
    try:
        behind = client.get("/readyz")
        assert behind.status_code == 503
        assert behind.json()["checks"]["migrations"] == "pending"
    finally:
        migrate.upgrade(uow.writer)


def test_metrics_count_requests_by_route_orders_and_open_backorders(
    client: TestClient, uow: UnitOfWork
) -> None:
    key = create_api_key(uow, Role.ADMIN).secret
    headers = {"Authorization": f"Bearer {key}"}
    add_product(uow, "MUG", on_hand=1)
    customer = add_customer(uow)
    route = {"method": "POST", "route": "/api/v1/orders", "status": "201"}
    before = metric(client, "backorder_http_requests_total", **route)
    placed_before = metric(client, "backorder_orders_placed_total")
    body = {"customer_id": customer, "lines": [{"sku": "MUG", "qty": 4}]}
    assert client.post("/api/v1/orders", json=body, headers=headers).status_code == 201
    assert metric(client, "backorder_http_requests_total", **route) == before + 1
    assert metric(client, "backorder_orders_placed_total") == placed_before + 1
    assert metric(client, "backorder_open_backorder_units") == 3
    assert metric(client, "backorder_allocation_lock_wait_seconds_count") > 0


def test_every_response_carries_a_request_id(client: TestClient) -> None:
    assert (
        client.get("/healthz", headers={"X-Request-ID": "abc123"}).headers["X-Request-ID"]
        == "abc123"
    )
    assert len(client.get("/healthz").headers["X-Request-ID"]) == 32


def test_a_database_that_cannot_be_reached_is_a_503_not_a_500() -> None:
    settings = Settings(database_url="postgresql+psycopg://postgres@127.0.0.1:1/nowhere")
    unreachable = UnitOfWork(settings)
    try:
        client = TestClient(create_app(unreachable), raise_server_exceptions=False)
        response = client.get("/api/v1/products", headers={"Authorization": "Bearer bo_any"})
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "database_unavailable"
        assert "try again" in response.json()["error"]["message"]
    finally:
        unreachable.dispose()
