"""The real server process: ``backorder serve`` on a fresh SQLite file, driven over HTTP
through the README's walk-through."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.notify_fixtures import free_port

pytestmark = pytest.mark.e2e

BACKORDER = Path(sys.executable).parent / "backorder"
READY_TIMEOUT_SECONDS = 20.0


@dataclass
class Server:
    base_url: str
    env: dict[str, str]
    log: Path

    def output(self) -> str:
        return self.log.read_text()


def wait_until_answering(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    """Poll until the server answers any HTTP request, or fail with its output."""
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"server exited with {process.returncode}:\n{log.read_text()}")
        try:
            httpx.get(url, timeout=1.0)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    pytest.fail(f"server did not answer within {READY_TIMEOUT_SECONDS}s:\n{log.read_text()}")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    port = free_port()
    env = os.environ | {
        "BACKORDER_DATABASE_URL": f"sqlite:///{tmp_path / 'b.db'}",
        "PYTHONUNBUFFERED": "1",
        "COLUMNS": "200",
    }
    log = tmp_path / "server.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [str(BACKORDER), "serve", "--port", str(port)],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_answering(f"{base_url}/docs", process, log)
        yield Server(base_url, env, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def create_admin_key(server: Server) -> str:
    done = subprocess.run(
        [str(BACKORDER), "keys", "create", "--role", "admin"],
        env=server.env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.rstrip("\n").splitlines()[-1]


def call(client: httpx.Client, method: str, path: str, status: int, body: Any = None) -> Any:
    response = client.request(method, path, json=body)
    assert response.status_code == status, f"{method} {path}: {response.text}"
    return response.json()


def test_served_api_runs_the_readme_walk_through(server: Server) -> None:
    assert "backorder keys create --role admin" in server.output()
    anonymous = httpx.get(f"{server.base_url}/api/v1/products", timeout=5)
    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["code"] == "unauthorized"

    key = create_admin_key(server)
    headers = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=f"{server.base_url}/api/v1", headers=headers, timeout=10) as api:
        product = {
            "sku": "MUG-01",
            "name": "Enamel mug",
            "price": "12.50",
            "backorder_policy": "allow",
            "lead_time_days": 10,
        }
        assert call(api, "POST", "/products", 201, product)["sku"] == "MUG-01"
        stock_count = {"delta": 4, "reason": "stock count"}
        call(api, "POST", "/inventory/MUG-01/adjustments", 200, stock_count)
        customer = {"name": "Ann Lee", "email": "ann@example.com"}
        customer_id = call(api, "POST", "/customers", 201, customer)["id"]

        availability = call(api, "GET", "/products/MUG-01/availability?qty=10", 200)
        assert (availability["status"], availability["ships_now"]) == ("backorder", 4)
        assert availability["backordered"] == 6
        order = {"customer_id": customer_id, "lines": [{"sku": "MUG-01", "qty": 10}]}
        placed = call(api, "POST", "/orders", 201, order)
        assert placed["status"] == "backordered"
        assert (placed["lines"][0]["allocated"], placed["lines"][0]["backordered"]) == (4, 6)
        waiting = call(api, "GET", "/backorders", 200)
        assert [(w["order_id"], w["backordered"], w["position"]) for w in waiting] == [
            (placed["id"], 6, 1)
        ]

        delivery = {"delta": 6, "reason": "delivery"}
        restocked = call(api, "POST", "/inventory/MUG-01/adjustments", 200, delivery)
        assert (restocked["on_hand"], restocked["allocated"], restocked["backordered"]) == (
            10,
            10,
            0,
        )
        assert call(api, "GET", "/backorders", 200) == []
        assert call(api, "GET", f"/orders/{placed['id']}", 200)["status"] == "allocated"

        shipment = call(
            api, "POST", f"/orders/{placed['id']}/shipments", 201, {"tracking_number": "1Z999"}
        )
        assert shipment["lines"] == [
            {"line_id": placed["lines"][0]["id"], "sku": "MUG-01", "qty": 10}
        ]
        assert call(api, "GET", f"/orders/{placed['id']}", 200)["status"] == "shipped"
        inventory = call(api, "GET", "/inventory/MUG-01", 200)
        assert (inventory["on_hand"], inventory["allocated"], inventory["available"]) == (0, 0, 0)
