"""The ``backorder`` command end to end, on a SQLite file named by BACKORDER_DATABASE_URL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner, Result

from backorder.cli import app
from backorder.config import Settings
from backorder.db.uow import UnitOfWork
from backorder.domain.allocation import LineRequest
from backorder.domain.model import BackorderPolicy, Role
from backorder.services import catalogue, inventory, keys, orders
from tests.helpers import add_customer, add_product, order

runner = CliRunner()


def run(*args: str) -> Result:
    return runner.invoke(app, list(args))


def succeeds(*args: str) -> str:
    result = run(*args)
    assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
    return result.stdout


def refused(*args: str, exit_code: int = 1) -> str:
    """Run a command the service refuses; return its stderr."""
    result = run(*args)
    assert result.exit_code == exit_code, (result.stdout, result.stderr)
    return result.stderr


def table_rows(output: str) -> list[list[str]]:
    """The body rows of the rich tables in ``output`` (the header uses heavy bars)."""
    rows = []
    for line in output.splitlines():
        if "│" in line:
            rows.append([cell.strip() for cell in line.split("│")[1:-1]])
    return rows


def table_row(output: str, first_cell: str) -> list[str]:
    """The one body row that starts with ``first_cell``."""
    (row,) = [r for r in table_rows(output) if r[0] == first_cell]
    return row


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[UnitOfWork]:
    """A database migrated by ``backorder db upgrade``, and a unit of work on it."""
    monkeypatch.setenv("BACKORDER_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("COLUMNS", "200")
    assert "database at revision" in succeeds("db", "upgrade")
    uow = UnitOfWork(Settings())
    yield uow
    uow.dispose()


def counters(uow: UnitOfWork, sku: str) -> tuple[int, int, int, int]:
    view = catalogue.get_inventory(uow, sku)
    return view.on_hand, view.allocated, view.available, view.backordered


def test_db_upgrade_creates_the_schema_and_can_run_again(db: UnitOfWork) -> None:
    assert "database at revision" in succeeds("db", "upgrade")
    add_product(db, "MUG", on_hand=1)
    assert counters(db, "MUG") == (1, 0, 1, 0)


@pytest.mark.parametrize("role", list(Role))
def test_keys_create_prints_a_working_key_alone_on_the_last_line(
    db: UnitOfWork, role: Role
) -> None:
    output = succeeds("keys", "create", "--role", role.value, "--label", "desk")
    secret = output.rstrip("\n").splitlines()[-1]
    assert secret.startswith("bo_")
    assert " " not in secret
    assert keys.authenticate(db, secret) is role
    assert keys.count_active_keys(db) == 1


def test_keys_create_refuses_an_unknown_role(db: UnitOfWork) -> None:
    refused("keys", "create", "--role", "root", exit_code=2)
    assert keys.count_active_keys(db) == 0


def test_inventory_show_prints_every_counter(db: UnitOfWork) -> None:
    add_product(db, "MUG", on_hand=4)
    order(db, add_customer(db), ("MUG", 10))
    row = table_row(succeeds("inventory", "show", "MUG"), "MUG")
    assert row == ["MUG", "4", "4", "0", "6", "0"]


def test_inventory_adjust_counts_stock_in_and_serves_waiting_lines(db: UnitOfWork) -> None:
    add_product(db, "MUG")
    placed = order(db, add_customer(db), ("MUG", 3))
    output = succeeds("inventory", "adjust", "MUG", "5", "--reason", "delivery")
    assert "on hand 5, allocated 3, available 2, backordered 0" in output
    assert counters(db, "MUG") == (5, 3, 2, 0)
    assert orders.get_order(db, placed.id).status.value == "allocated"


def test_inventory_adjust_takes_a_negative_delta(db: UnitOfWork) -> None:
    add_product(db, "MUG", on_hand=5)
    output = succeeds("inventory", "adjust", "MUG", "-2", "--reason", "damaged")
    assert "on hand 3, allocated 0, available 3" in output
    assert counters(db, "MUG") == (3, 0, 3, 0)


def test_inventory_adjust_below_allocated_is_refused_and_changes_nothing(
    db: UnitOfWork,
) -> None:
    add_product(db, "MUG", on_hand=5)
    order(db, add_customer(db), ("MUG", 4))
    message = refused("inventory", "adjust", "MUG", "-2", "--reason", "damaged")
    assert "conflict" in message
    assert counters(db, "MUG") == (5, 4, 1, 0)


def test_inventory_adjust_of_zero_is_refused(db: UnitOfWork) -> None:
    add_product(db, "MUG", on_hand=5)
    assert "validation_error" in refused("inventory", "adjust", "MUG", "0", "--reason", "x")
    assert counters(db, "MUG") == (5, 0, 5, 0)


def test_inventory_adjust_needs_a_reason_and_an_integer(db: UnitOfWork) -> None:
    add_product(db, "MUG", on_hand=5)
    refused("inventory", "adjust", "MUG", "5", exit_code=2)
    refused("inventory", "adjust", "MUG", "five", "--reason", "x", exit_code=2)
    assert counters(db, "MUG") == (5, 0, 5, 0)


@pytest.mark.parametrize(
    "args",
    [
        ("inventory", "show", "NOPE"),
        ("inventory", "adjust", "NOPE", "5", "--reason", "x"),
        ("orders", "show", "999"),
    ],
    ids=["inventory show", "inventory adjust", "orders show"],
)
@pytest.mark.usefixtures("db")
def test_unknown_sku_or_order_exits_1_with_a_message(args: tuple[str, ...]) -> None:
    message = refused(*args)
    assert "not_found" in message
    assert "not found" in message


def test_inventory_verify_passes_when_counters_match_the_ledger(db: UnitOfWork) -> None:
    add_product(db, "MUG", on_hand=4)
    add_product(db, "LAMP", on_hand=1)
    order(db, add_customer(db), ("MUG", 6), ("LAMP", 1))
    output = succeeds("inventory", "verify")
    assert "no drift" in output
    assert "2 products" in output


def test_inventory_verify_exits_1_and_names_a_drifted_counter(db: UnitOfWork) -> None:
    add_product(db, "MUG", on_hand=4)
    add_product(db, "LAMP", on_hand=1)
    with db.writer.begin() as connection:
        connection.execute(text("UPDATE products SET on_hand = 9 WHERE sku = 'MUG'"))
    result = run("inventory", "verify")
    assert result.exit_code == 1, result.stdout
    assert table_row(result.stdout, "MUG") == ["MUG", "on_hand", "9", "4"]
    assert "LAMP" not in result.stdout
    assert "1 counters drifted" in result.stderr


def test_backorders_list_shows_the_queue_in_serving_order(db: UnitOfWork) -> None:
    add_product(db, "MUG")
    add_product(db, "LAMP")
    regular = add_customer(db, name="Regular")
    vip = add_customer(db, priority=7, name="Vip")
    older = order(db, regular, ("MUG", 2))
    later = order(db, vip, ("MUG", 1), ("LAMP", 3))
    rows = table_rows(succeeds("backorders", "list"))
    assert [(r[0], r[1], r[2]) for r in rows if r[1] == "MUG"] == [
        ("1", "MUG", str(later.id)),
        ("2", "MUG", str(older.id)),
    ]
    assert [r[:7] for r in rows if r[1] == "LAMP"] == [
        ["1", "LAMP", str(later.id), str(later.lines[1].id), str(vip), "3", "7"]
    ]

    only_lamp = table_rows(succeeds("backorders", "list", "--sku", "LAMP"))
    assert [(r[1], r[2]) for r in only_lamp] == [("LAMP", str(later.id))]


def test_backorders_list_filters_by_customer_and_says_when_empty(db: UnitOfWork) -> None:
    add_product(db, "MUG")
    ann = add_customer(db, name="Ann")
    bob = add_customer(db, name="Bob")
    order(db, ann, ("MUG", 2))
    order(db, bob, ("MUG", 1))
    row = table_row(succeeds("backorders", "list", "--customer", str(bob)), "2")
    assert row[1] == "MUG"
    assert row[4] == str(bob)
    assert "no backorders" in succeeds("backorders", "list", "--sku", "LAMP")


def test_orders_show_prints_status_and_every_line(db: UnitOfWork) -> None:
    add_product(db, "MUG", on_hand=4)
    add_product(db, "LAMP", on_hand=1)
    placed = order(db, add_customer(db), ("MUG", 10), ("LAMP", 1))
    output = succeeds("orders", "show", str(placed.id))
    assert f"order {placed.id} for customer {placed.customer_id}: backordered (partial)" in output
    mug, lamp = placed.lines
    assert table_row(output, str(mug.id))[1:8] == [
        "MUG",
        "10",
        "4",
        "6",
        "0",
        "0",
        "backordered",
    ]
    assert table_row(output, str(lamp.id))[1:8] == ["LAMP", "1", "1", "0", "0", "0", "allocated"]


def test_preorders_release_serves_lines_once_the_release_date_has_come(db: UnitOfWork) -> None:
    now = datetime.now(UTC)
    before_release = now - timedelta(days=2)
    add_product(db, "GAME", policy=BackorderPolicy.PREORDER, release_date=now.date())
    new = orders.NewOrder(customer_id=add_customer(db), lines=[LineRequest("GAME", 3)])
    placed = orders.place_order(db, new, now=before_release).order
    inventory.adjust_inventory(db, "GAME", 5, reason="early delivery", now=before_release)
    assert counters(db, "GAME") == (5, 0, 5, 3)

    assert "GAME: 3 units allocated" in succeeds("preorders", "release")
    assert counters(db, "GAME") == (5, 3, 2, 0)
    assert orders.get_order(db, placed.id).status.value == "allocated"
    assert "no pre-order to release" in succeeds("preorders", "release")


def test_preorders_release_leaves_unreleased_preorders_waiting(db: UnitOfWork) -> None:
    release = datetime.now(UTC).date() + timedelta(days=30)
    add_product(db, "GAME", policy=BackorderPolicy.PREORDER, release_date=release, on_hand=5)
    order(db, add_customer(db), ("GAME", 2))
    assert "no pre-order to release" in succeeds("preorders", "release")
    assert counters(db, "GAME") == (5, 0, 5, 2)
