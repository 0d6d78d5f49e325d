"""``backorder import demand``, ``backorder plan`` and ``backorder settings
set-replenishment`` end to end, on a SQLite file named by BACKORDER_DATABASE_URL; the
rest of the data is set up through the service functions."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from backorder.db.models import DemandHistory, Product
from backorder.db.uow import UnitOfWork
from backorder.services import business, replenishment
from tests.e2e.test_cli import refused, run, succeeds, table_row, table_rows
from tests.e2e.test_cli_purchasing import add_supplier, offer, today
from tests.helpers import add_product

LEAD = 10

# Every test here runs the real command on SQLite and on PostgreSQL.
pytestmark = pytest.mark.parametrize("db", ["sqlite", "postgres"], indirect=True)


def day(offset: int) -> date:
    return today() + timedelta(days=offset)


def csv_file(folder: Path, *lines: str, name: str = "demand.csv", bom: bool = False) -> str:
    path = folder / name
    path.write_text(("\ufeff" if bom else "") + "".join(f"{line}\n" for line in lines), "utf-8")
    return str(path)


def history_lines(**daily: list[int]) -> list[str]:
    """CSV rows of each SKU's demand for the days just before today, oldest first."""
    return [
        f"{day(i - len(series))},{sku},{qty}"
        for sku, series in daily.items()
        for i, qty in enumerate(series)
    ]


def stored(uow: UnitOfWork) -> dict[tuple[str, date], int]:
    """The imported demand history, read from its table: (sku, day) -> units."""
    with uow.read() as tx:
        query = select(Product.sku, DemandHistory.day, DemandHistory.qty).join(
            Product, Product.id == DemandHistory.product_id
        )
        return {(sku, on): qty for sku, on, qty in tx.session.execute(query)}


def line_starting(output: str, prefix: str) -> str:
    """The one line of ``output`` that starts with ``prefix``."""
    (line,) = [ln for ln in output.splitlines() if ln.startswith(prefix)]
    return line


def skus(output: str) -> list[str]:
    return [row[0] for row in table_rows(output)]


@pytest.fixture
def shop(db: UnitOfWork, tmp_path: Path) -> int:
    """MUG (20 on hand, 4 a day, lead time 10: at risk), LAMP (500 on hand, 6 and 2 on
    alternate days, no supplier), BOWL (1000 on hand, 6 a day) and PEN (never sold), with
    60 days of history imported by the CLI; returns the supplier's id."""
    supplier = add_supplier(db, lead_time_days=LEAD)
    add_product(db, "MUG", on_hand=20)
    add_product(db, "LAMP", on_hand=500)
    add_product(db, "BOWL", on_hand=1000)
    add_product(db, "PEN")
    offer(db, supplier, "MUG")
    offer(db, supplier, "BOWL")
    lines = history_lines(MUG=[4] * 60, LAMP=[6, 2] * 30, BOWL=[6] * 60)
    succeeds("import", "demand", csv_file(tmp_path, "date,sku,qty", *lines))
    return supplier


# import demand


def test_import_demand_says_how_many_rows_it_imported(db: UnitOfWork, tmp_path: Path) -> None:
    add_product(db, "MUG")
    add_product(db, "LAMP")
    lines = history_lines(MUG=[4] * 60, LAMP=[2, 6] * 30)
    output = succeeds("import", "demand", csv_file(tmp_path, "date,sku,qty", *lines))
    assert f"imported 120 rows: 120 product-days of 2 products, {day(-60)} to {day(-1)}" in output
    history = stored(db)
    assert len(history) == 120
    assert {qty for (sku, _), qty in history.items() if sku == "MUG"} == {4}
    assert history["LAMP", day(-60)] == 2
    assert history["LAMP", day(-1)] == 6
    _, series = replenishment.product_plan(db, "MUG")
    assert series == [4] * 60


def test_import_reads_columns_in_any_order_adds_up_a_day_and_replaces_it_again(
    db: UnitOfWork, tmp_path: Path
) -> None:
    add_product(db, "MUG")
    first = csv_file(
        tmp_path,
        "Note, QTY ,Sku,Date",
        f"first,3,MUG,{day(-2)}",
        "",
        f"second,5,MUG,{day(-2)}",
        f"third,1,MUG,{day(-1)}",
        bom=True,
    )
    output = succeeds("import", "demand", first)
    assert f"imported 3 rows: 2 product-days of 1 products, {day(-2)} to {day(-1)}" in output
    assert stored(db) == {("MUG", day(-2)): 8, ("MUG", day(-1)): 1}

    corrected = csv_file(tmp_path, "date,sku,qty", f"{day(-2)},MUG,6", name="fix.csv")
    for _ in range(2):
        assert "imported 1 rows" in succeeds("import", "demand", corrected)
        assert stored(db) == {("MUG", day(-2)): 6, ("MUG", day(-1)): 1}


def test_a_file_with_bad_rows_is_refused_whole_naming_each_bad_line(
    db: UnitOfWork, tmp_path: Path
) -> None:
    add_product(db, "MUG")
    succeeds("import", "demand", csv_file(tmp_path, "date,sku,qty", f"{day(-5)},MUG,9"))
    before = stored(db), replenishment.product_plan(db, "MUG")
    bad = csv_file(
        tmp_path,
        "date,sku,qty",  # line 1
        f"{day(-1)},MUG,4",
        "2026-13-01,MUG,4",  # line 3: no month 13
        f"{day(-2)},MUG,4",
        f"{day(-2)},NOPE,4",  # line 5: no such product
        f"{day(-3)},MUG,4",
        f"{day(-3)},MUG,2.5",  # line 7: not a whole number
        name="bad.csv",
    )
    result = run("import", "demand", bad)
    assert result.exit_code == 2, (result.stdout, result.stderr, result.exception)
    message = result.stderr
    assert "3 bad row(s)" in message
    assert "nothing imported" in message
    named = {int(ln.split()[1].rstrip(":")) for ln in message.splitlines() if "line " in ln}
    assert named == {3, 5, 7}
    assert "not a date" in line_starting(message, "  line 3:")
    assert "NOPE" in line_starting(message, "  line 5:")
    assert "2.5" in line_starting(message, "  line 7:")
    assert "imported" not in result.stdout
    assert (stored(db), replenishment.product_plan(db, "MUG")) == before


def test_a_future_day_is_refused(db: UnitOfWork, tmp_path: Path) -> None:
    add_product(db, "MUG")
    future = csv_file(tmp_path, "date,sku,qty", f"{day(-1)},MUG,4", f"{day(1)},MUG,4")
    assert "line 3" in refused("import", "demand", future, exit_code=2)
    assert stored(db) == {}


@pytest.mark.parametrize(
    "lines",
    [
        ("2026-01-05,MUG,4", "2026-01-06,MUG,4"),
        ("date,sku,units", "2026-01-05,MUG,4"),
        (),
    ],
    ids=["no header", "header without qty", "empty file"],
)
def test_a_file_without_its_header_is_refused_with_a_message_about_it(
    db: UnitOfWork, tmp_path: Path, lines: tuple[str, ...]
) -> None:
    add_product(db, "MUG")
    result = run("import", "demand", csv_file(tmp_path, *lines))
    assert result.exit_code == 2, (result.stdout, result.stderr, result.exception)
    assert "header" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert stored(db) == {}


def test_a_header_alone_or_a_missing_file_is_refused(db: UnitOfWork, tmp_path: Path) -> None:
    assert "no rows" in refused("import", "demand", csv_file(tmp_path, "date,sku,qty"), exit_code=2)
    refused("import", "demand", str(tmp_path / "absent.csv"), exit_code=2)
    assert stored(db) == {}


def test_a_file_that_is_not_utf8_is_refused(db: UnitOfWork, tmp_path: Path) -> None:
    add_product(db, "MUG")
    path = tmp_path / "latin1.csv"
    path.write_bytes(f"date,sku,qty\n{day(-1)},MUG,4\n{day(-2)},CAF\xc9,1\n".encode("latin-1"))
    assert "not UTF-8" in refused("import", "demand", str(path), exit_code=2)
    assert stored(db) == {}


# plan


def test_plan_of_one_product_shows_the_working(shop: int) -> None:
    output = succeeds("plan", "MUG")
    assert output.splitlines()[0] == "MUG"
    assert line_starting(output, "demand history:") == (
        f"demand history: {day(-60)} to {day(0)} (excluded), 60 days, 60 with demand"
    )
    assert line_starting(output, "pattern:") == "pattern: smooth (ADI 1.00 < 1.32, CV² 0.00 < 0.49)"
    assert line_starting(output, "method:").startswith("method: simple exponential smoothing")
    assert line_starting(output, "demand:").startswith(
        "demand: 4.000/day, standard deviation 0.000"
    )
    assert line_starting(output, "lead time:") == (
        f"lead time: 10.00 days, deviation 0.00 (quoted by supplier {shop})"
    )
    assert "d*L = 4.000 * 10.00 = 40.00" in line_starting(output, "lead-time demand:")
    assert line_starting(output, "safety stock:").startswith(
        "safety stock: z(95.00%) = 1.645 * 0.00 -> 0 units"
    )
    assert line_starting(output, "reorder point:") == "reorder point: 40.00 + 0 -> 40"
    # EOQ = sqrt(2 * 4 * 365 * 50 / (0.25 * 4.10)) = 377.4 -> 378.
    order_qty = line_starting(output, "order quantity:")
    assert "= 377.4 -> 378 (minimum 1, pack 1)" in order_qty
    assert line_starting(output, "position:") == (
        "position: available 20 + on order 0 - backordered 0 = 20; buy 378 (reorder_point)"
    )
    cover = line_starting(output, "cover:")
    assert f"cover: 5.0 days, stockout {day(5)}" in cover
    assert f"{day(LEAD)}" in cover
    assert cover.endswith("at risk")


def test_plan_of_intermittent_demand_names_its_method(db: UnitOfWork, tmp_path: Path) -> None:
    add_product(db, "VASE")
    lines = history_lines(VASE=[6, 0, 0] * 20)
    succeeds("import", "demand", csv_file(tmp_path, "date,sku,qty", *lines))
    output = succeeds("plan", "VASE")
    assert line_starting(output, "pattern:").startswith("pattern: intermittent (ADI 3.00 >= 1.32")
    assert "Syntetos-Boylan" in line_starting(output, "method:")
    assert "the product's own lead time" not in output
    assert "none known" in line_starting(output, "lead time:")


@pytest.mark.usefixtures("shop")
def test_plan_shows_every_product_in_a_table() -> None:
    output = succeeds("plan")
    assert "replenishment: 4 of 4 products" in output
    assert skus(output) == ["BOWL", "LAMP", "MUG", "PEN"]
    assert table_row(output, "MUG") == [
        "MUG",
        "smooth",
        "4.00",
        "0.00",
        "10",
        "0",
        "40",
        "378",
        "100.0%",
        "20",
        "5.0",
        str(day(5)),
        "at risk",
    ]
    assert table_row(output, "PEN") == [
        "PEN",
        "none",
        "0.00",
        "0.00",
        "0",
        "0",
        "0",
        "0",
        "-",
        "0",
        "-",
        "-",
        "",
    ]
    bowl = table_row(output, "BOWL")
    assert bowl[1:3] == ["smooth", "6.00"]
    assert bowl[6] == "60"  # 6 a day over 10 days
    assert bowl[12] == ""
    lamp = table_row(output, "LAMP")
    assert lamp[4] == "0"  # no supplier, no lead time of its own
    assert float(lamp[3]) == pytest.approx(2.02, abs=0.01)


@pytest.mark.usefixtures("shop")
def test_plan_sorts_by_demand_cover_or_position_and_filters_the_products_at_risk() -> None:
    by_demand = succeeds("plan", "--sort", "demand")
    assert skus(by_demand) == ["BOWL", "MUG", "LAMP", "PEN"]
    rates = [float(row[2]) for row in table_rows(by_demand)]
    assert rates == sorted(rates, reverse=True)

    # Days of cover, soonest out first; never out (no demand) last.
    assert skus(succeeds("plan", "--sort", "cover")) == ["MUG", "LAMP", "BOWL", "PEN"]
    # Position less reorder point: MUG 20 - 40, PEN 0 - 0, LAMP 500 - 0, BOWL 1000 - 60.
    assert skus(succeeds("plan", "--sort", "position")) == ["MUG", "PEN", "LAMP", "BOWL"]

    # LAMP sells and has no supplier: it runs out with no way to buy more.
    at_risk = succeeds("plan", "--at-risk")
    assert skus(at_risk) == ["LAMP", "MUG"]
    assert table_row(at_risk, "MUG")[12] == "at risk"

    limited = succeeds("plan", "--sort", "demand", "--limit", "2")
    assert skus(limited) == ["BOWL", "MUG"]
    assert "2 of 4 products" in limited

    refused("plan", "--sort", "price", exit_code=2)
    refused("plan", "--limit", "0", exit_code=2)


@pytest.mark.usefixtures("db")
def test_plan_of_an_unknown_product_is_not_found() -> None:
    assert "not_found" in refused("plan", "NOPE")


# settings set-replenishment


@pytest.mark.usefixtures("shop")
def test_set_replenishment_changes_the_defaults_plans_use(db: UnitOfWork) -> None:
    output = succeeds("settings", "set-replenishment", "--service-level", "0.99")
    assert "service-level: 0.99" in output
    assert business.get_business_settings(db).service_level == 0.99
    assert "z(99.00%) = 2.326" in line_starting(succeeds("plan", "MUG"), "safety stock:")

    succeeds(
        "settings",
        "set-replenishment",
        "--ordering-cost",
        "200",
        "--holding-cost-rate",
        "0.5",
        "--demand-window-days",
        "30",
    )
    current = business.get_business_settings(db)
    assert (current.service_level, current.ordering_cost) == (0.99, 200)
    assert (current.holding_cost_rate, current.demand_window_days) == (0.5, 30)
    working = succeeds("plan", "MUG")
    assert ", 30 days, 30 with demand" in line_starting(working, "demand history:")
    # EOQ = sqrt(2 * 4 * 365 * 200 / (0.5 * 4.10)) = 533.8 -> 534.
    assert "-> 534 (minimum 1, pack 1)" in line_starting(working, "order quantity:")


@pytest.mark.parametrize(
    ("args", "exit_code", "says"),
    [
        ((), 2, "nothing to set"),
        (("--service-level", "1.5"), 1, "service_level"),
        (("--holding-cost-rate", "0"), 1, "holding_cost_rate"),
        (("--demand-window-days", "6"), 1, "demand_window_days"),
        (("--service-level", "high"), 2, "service-level"),
    ],
    ids=["no options", "service level 1.5", "holding cost rate 0", "window 6 days", "a word"],
)
def test_set_replenishment_refuses_nothing_or_out_of_range_and_changes_nothing(
    db: UnitOfWork, args: tuple[str, ...], exit_code: int, says: str
) -> None:
    before = business.get_business_settings(db)
    message = refused("settings", "set-replenishment", *args, exit_code=exit_code)
    assert says in message
    assert business.get_business_settings(db) == before
