"""``backorder worker``, ``backorder events`` and ``backorder settings`` end to end, on a
SQLite file named by BACKORDER_DATABASE_URL, with email written into a folder."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from backorder.config import Settings
from backorder.db.uow import UnitOfWork
from backorder.domain.allocation import LineRequest
from backorder.domain.model import BackorderPolicy
from backorder.services import business, catalogue, dispatch, orders, webhooks
from tests.e2e.test_cli import run, succeeds
from tests.notify_fixtures import free_port


def table_rows(output: str) -> list[list[str]]:
    """The body rows of the rich tables in ``output``."""
    return [
        [cell.strip() for cell in line.split("│")[1:-1]]
        for line in output.splitlines()
        if "│" in line
    ]


@dataclass
class Cli:
    uow: UnitOfWork
    mail: Path


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Cli]:
    """A database migrated by ``backorder db upgrade``; email goes to a folder."""
    monkeypatch.setenv("BACKORDER_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("BACKORDER_MAIL_FOLDER", str(tmp_path / "mail"))
    monkeypatch.delenv("BACKORDER_SMTP_HOST", raising=False)
    monkeypatch.setenv("COLUMNS", "250")
    assert "database at revision" in succeeds("db", "upgrade")
    uow = UnitOfWork(Settings())
    yield Cli(uow, tmp_path / "mail")
    uow.dispose()


def backordered_order(uow: UnitOfWork) -> int:
    new = catalogue.NewProduct(
        sku="MUG-01", name="Blue Mug", price=Decimal("9.50"), backorder_policy=BackorderPolicy.ALLOW
    )
    catalogue.create_product(uow, new)
    customer = catalogue.create_customer(uow, name="Ann", email="ann@example.com")
    placed = orders.place_order(uow, orders.NewOrder(customer.id, [LineRequest("MUG-01", 2)]))
    return placed.order.id


def test_worker_once_writes_the_backorder_confirmation_into_the_mail_folder(cli: Cli) -> None:
    order_id = backordered_order(cli.uow)
    assert "1 deliveries attempted" in succeeds("worker", "--once")
    (eml,) = cli.mail.glob("*.eml")
    message = message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert isinstance(message, EmailMessage)
    assert message["To"] == "ann@example.com"
    assert str(order_id) in str(message["Subject"])
    text = message.get_body(preferencelist=("plain",))
    assert text is not None
    content = text.get_content()
    assert "Blue Mug" in content
    assert "MUG-01" in content
    assert "0 deliveries attempted" in succeeds("worker", "--once")
    assert len(list(cli.mail.glob("*.eml"))) == 1


def test_events_list_shows_deliveries_and_filters_failed_ones(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert "no deliveries" in succeeds("events", "list")
    url = f"http://127.0.0.1:{free_port()}/nobody"
    hook = webhooks.create_webhook(
        cli.uow, url=url, events=["order.backordered"], secret="whsec-0123456789abcdef"
    )
    backordered_order(cli.uow)
    monkeypatch.setenv("BACKORDER_DELIVERY_MAX_ATTEMPTS", "1")
    assert "2 deliveries attempted" in succeeds("worker", "--once")

    rows = table_rows(succeeds("events", "list"))
    by_target = {row[3]: row for row in rows}
    assert set(by_target) == {"ann@example.com", f"webhook {hook.id}"}
    assert by_target["ann@example.com"][2:6] == [
        "order.backordered",
        "ann@example.com",
        "delivered",
        "1",
    ]
    failed_row = by_target[f"webhook {hook.id}"]
    assert failed_row[4:6] == ["failed", "1"]
    assert failed_row[6]  # the last error

    (only,) = table_rows(succeeds("events", "list", "--status", "failed"))
    assert only == failed_row
    assert "no deliveries" in succeeds("events", "list", "--status", "pending")


def test_events_redeliver_puts_a_failed_delivery_back_and_refuses_others(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"http://127.0.0.1:{free_port()}/nobody"
    webhooks.create_webhook(cli.uow, url=url, events=["*"], secret="whsec-0123456789abcdef")
    backordered_order(cli.uow)
    monkeypatch.setenv("BACKORDER_DELIVERY_MAX_ATTEMPTS", "1")
    succeeds("worker", "--once")
    (failed,) = dispatch.list_deliveries(cli.uow, status="failed")
    (email,) = dispatch.list_deliveries(cli.uow, status="delivered")

    assert "pending again" in succeeds("events", "redeliver", str(failed.id))
    (pending,) = dispatch.list_deliveries(cli.uow, status="pending")
    assert (pending.id, pending.attempts) == (failed.id, 0)

    again = run("events", "redeliver", str(failed.id))
    assert again.exit_code == 1
    assert "conflict" in again.stderr
    delivered = run("events", "redeliver", str(email.id))
    assert delivered.exit_code == 1
    assert "conflict" in delivered.stderr
    unknown = run("events", "redeliver", "999999")
    assert unknown.exit_code == 1
    assert "not_found" in unknown.stderr


def test_settings_show_and_set_waiting_update_days(cli: Cli) -> None:
    assert "waiting-update-days: 7" in succeeds("settings", "show")
    assert "waiting-update-days: 3" in succeeds("settings", "set-waiting-update-days", "3")
    assert "waiting-update-days: 3" in succeeds("settings", "show")
    assert business.get_business_settings(cli.uow).waiting_update_days == 3
    refused = run("settings", "set-waiting-update-days", "-1")
    assert refused.exit_code == 2
    assert "waiting-update-days: 3" in succeeds("settings", "show")
    assert "waiting-update-days: 0" in succeeds("settings", "set-waiting-update-days", "0")
