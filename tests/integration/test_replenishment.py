"""Replenishment planning through the services, on SQLite and PostgreSQL: where demand
comes from, imports that are all or nothing, measured lead times, reorder-point
purchase suggestions and the products at risk."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select, update

from backorder.db.models import DemandForecast, DemandHistory
from backorder.db.uow import UnitOfWork
from backorder.domain.errors import InvalidInputError, NotFoundError
from backorder.domain.forecast import Pattern
from backorder.services import (
    business,
    catalogue,
    demand,
    jobs,
    orders,
    purchase_orders,
    receiving,
    replenishment,
    suggestions,
    suppliers,
)
from backorder.services.purchase_orders import NewPurchaseOrder
from tests.helpers import add_customer, add_product, order

TODAY = datetime.now(UTC).date()


def day(n: int) -> date:
    return TODAY + timedelta(days=n)


def history(uow: UnitOfWork, sku: str, daily: list[int]) -> None:
    """``daily`` demand for the days before today, oldest first."""
    start = day(-len(daily))
    rows = [
        demand.DemandRow(i + 1, start + timedelta(days=i), sku, qty) for i, qty in enumerate(daily)
    ]
    demand.import_demand(uow, rows)


def supplier(uow: UnitOfWork, sku: str, *, lead: int = 10, pack: int = 1) -> int:
    made = suppliers.create_supplier(
        uow, name="Acme", email="buy@acme.example", lead_time_days=lead
    )
    offer = suppliers.NewSupplierProduct(sku=sku, cost=Decimal("4.00"), pack_size=pack)
    suppliers.add_supplier_product(uow, made.id, offer)
    return made.id


def stored_history(uow: UnitOfWork) -> int:
    with uow.read() as tx:
        return tx.session.scalar(select(func.count()).select_from(DemandHistory)) or 0


def test_constant_demand_gives_a_textbook_policy(uow: UnitOfWork) -> None:
    add_product(uow, "MUG", on_hand=100)
    supplier(uow, "MUG", lead=10)
    history(uow, "MUG", [4] * 60)
    detail, series = replenishment.product_plan(uow, "MUG")
    plan = detail.plan
    assert series == [4] * 60
    assert plan.forecast.classification.pattern is Pattern.SMOOTH
    assert plan.forecast.rate == pytest.approx(4)
    assert plan.forecast.std == 0
    assert (plan.lead_time.days, plan.lead_time.source) == (10, "quoted")
    assert (plan.policy.safety_stock, plan.policy.reorder_point) == (0, 40)
    # EOQ = sqrt(2 * 1460 * 50 / (0.25 * 4)) = 382.1 -> 383
    assert plan.policy.order_qty == 383
    assert plan.cover.days == pytest.approx(25)
    assert plan.cover.stockout_date == day(25)
    assert not plan.at_risk


def test_orders_count_as_demand_backordered_lines_included(uow: UnitOfWork) -> None:
    """Ordered quantity, not shipped: a stockout must not hide demand."""
    add_product(uow, "MUG", on_hand=3)
    customer = add_customer(uow)
    order(uow, customer, ("MUG", 5))  # 3 allocated, 2 backordered
    order(uow, customer, ("MUG", 4))  # all 4 backordered
    history(uow, "MUG", [1] * 5)
    # Planned tomorrow, today's orders are history: 9 units today after five days of 1.
    detail, series = replenishment.product_plan(uow, "MUG", today=day(1))
    assert series == [1, 1, 1, 1, 1, 9]
    assert detail.plan.backordered == 6


def test_orders_and_imported_history_add_up_on_a_day(uow: UnitOfWork) -> None:
    add_product(uow, "MUG", on_hand=10)
    customer = add_customer(uow)
    order(uow, customer, ("MUG", 2))
    demand.import_demand(uow, [demand.DemandRow(1, TODAY, "MUG", 5)])
    _, series = replenishment.product_plan(uow, "MUG", today=day(1))
    assert series[-1] == 7


def test_an_order_just_before_midnight_utc_is_that_days_demand(uow: UnitOfWork) -> None:
    add_product(uow, "MUG", on_hand=10)
    customer = add_customer(uow)
    late = datetime.combine(day(-1), time(23, 59, 30), tzinfo=UTC)
    new = orders.NewOrder(customer_id=customer, lines=[orders.LineRequest("MUG", 3)])
    orders.place_order(uow, new, now=late)
    history(uow, "MUG", [0] * 3)
    _, series = replenishment.product_plan(uow, "MUG")
    assert series == [0, 0, 3]


def test_a_new_product_is_forecast_over_its_own_life_not_the_whole_window(
    uow: UnitOfWork,
) -> None:
    add_product(uow, "NEW", on_hand=10)
    customer = add_customer(uow)
    order(uow, customer, ("NEW", 6))
    detail, series = replenishment.product_plan(uow, "NEW", today=day(3))
    assert series == [6, 0, 0]
    assert detail.plan.forecast.days == 3


def test_import_with_bad_rows_writes_nothing_and_names_them(uow: UnitOfWork) -> None:
    add_product(uow, "MUG")
    rows, bad = demand.parse_csv(
        [
            "date,sku,qty\n",
            f"{day(-2)},MUG,4\n",
            "2026-13-01,MUG,4\n",
            f"{day(-1)},NOPE,1\n",
            f"{day(5)},MUG,1\n",
            f"{day(-1)},MUG,-3\n",
            f"{day(-1)},MUG,2.5\n",
        ]
    )
    assert [b.line for b in bad] == [3, 6, 7]
    with pytest.raises(InvalidInputError) as refused:
        demand.import_demand(uow, rows, bad=bad)
    listed = refused.value.details["bad_rows"]
    assert [row["line"] for row in listed] == [3, 4, 5, 6, 7]
    assert "NOPE" in listed[1]["message"]
    assert "future" in listed[2]["message"]
    assert stored_history(uow) == 0


def test_a_file_without_its_header_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="header"):
        demand.parse_csv(["2026-01-01,MUG,4\n"])


def test_reimporting_a_day_replaces_it_and_a_file_adds_up_its_rows(uow: UnitOfWork) -> None:
    add_product(uow, "MUG")
    rows = [demand.DemandRow(1, day(-1), "MUG", 2), demand.DemandRow(2, day(-1), "MUG", 3)]
    assert demand.import_demand(uow, rows).days == 1
    _, series = replenishment.product_plan(uow, "MUG")
    assert series[-1] == 5
    demand.import_demand(uow, rows)
    _, series = replenishment.product_plan(uow, "MUG")
    assert series[-1] == 5
    assert stored_history(uow) == 1


def test_measured_lead_times_replace_the_quoted_one(uow: UnitOfWork) -> None:
    add_product(uow, "MUG")
    supplier_id = supplier(uow, "MUG", lead=10)
    history(uow, "MUG", [3] * 30)
    for ordered, took in ((-60, 12), (-40, 16)):
        placed = datetime.combine(day(ordered), time(9), tzinfo=UTC)
        new = NewPurchaseOrder(supplier_id, [("MUG", 10)], expected_date=day(ordered + 10))
        po = purchase_orders.create_purchase_order(uow, new, now=placed).id
        receiving.receive_purchase_order(uow, po, [("MUG", 10)], now=placed + timedelta(days=took))
    plan = replenishment.product_plan(uow, "MUG")[0].plan
    assert (plan.lead_time.source, plan.lead_time.receipts) == ("measured", 2)
    assert plan.lead_time.days == 14
    assert plan.lead_time.std == pytest.approx(2.828, abs=1e-3)
    # Lead-time variability adds d² * sd_L² = 9 * 8 to the variance: safety stock appears.
    assert plan.policy.lead_time_demand.std == pytest.approx((9 * 8) ** 0.5)
    assert plan.policy.safety_stock > 0


def test_product_targets_override_the_business_settings(uow: UnitOfWork) -> None:
    add_product(uow, "MUG", on_hand=100)
    supplier(uow, "MUG")
    history(uow, "MUG", [2, 6, 3, 5, 4, 1, 7] * 8)
    base = replenishment.product_plan(uow, "MUG")[0].plan
    catalogue.update_targets(uow, "MUG", {"service_level": 0.99, "ordering_cost": Decimal(200)})
    raised = replenishment.product_plan(uow, "MUG")[0].plan
    assert raised.policy.safety_stock > base.policy.safety_stock
    assert raised.policy.order_qty > base.policy.order_qty
    business.update_settings(uow, service_level=0.999)
    assert replenishment.product_plan(uow, "MUG")[0].plan.targets.service_level == 0.99
    catalogue.update_targets(uow, "MUG", {"service_level": None})
    assert replenishment.product_plan(uow, "MUG")[0].plan.targets.service_level == 0.999
    with pytest.raises(InvalidInputError):
        catalogue.update_targets(uow, "MUG", {"service_level": 1.5})
    with pytest.raises(NotFoundError):
        catalogue.update_targets(uow, "NOPE", {"service_level": 0.9})


def test_reorder_point_suggestions_and_their_reasons(uow: UnitOfWork) -> None:
    add_product(uow, "MUG", on_hand=20)  # ROP 40 below
    add_product(uow, "CUP", on_hand=500)  # far above its ROP
    add_product(uow, "JUG")  # backorders only, no history
    supplier(uow, "MUG", lead=10, pack=12)
    supplier(uow, "CUP")
    supplier(uow, "JUG")
    history(uow, "MUG", [4] * 60)
    history(uow, "CUP", [4] * 60)
    order(uow, add_customer(uow), ("JUG", 3))
    lines = {
        line.sku: line
        for draft in suggestions.suggest_purchase_orders(uow).drafts
        for line in draft.lines
    }
    assert set(lines) == {"MUG", "JUG"}
    assert lines["MUG"].reasons == ("reorder_point",)
    assert lines["MUG"].qty == 384  # one lot: EOQ 383 rounded up to packs of 12
    assert lines["MUG"].covers == []
    assert lines["JUG"].reasons == ("backorders",)
    assert lines["JUG"].qty == 3
    created = suggestions.create_from_suggestions(uow)
    assert sorted(line.ordered for po in created for line in po.lines) == [3, 384]
    # Bought: the position is above the reorder point, and nothing is suggested again.
    assert suggestions.suggest_purchase_orders(uow).drafts == []


def test_at_risk_products_and_fastest_movers(uow: UnitOfWork) -> None:
    add_product(uow, "MUG", on_hand=20)  # 5 days of cover, lead time 10: at risk
    add_product(uow, "CUP", on_hand=20)  # the same, but a PO lands in 3 days
    add_product(uow, "JUG", on_hand=1000)  # plenty
    add_product(uow, "VASE", on_hand=500)  # plenty, but nobody to buy more from
    supplier_id = supplier(uow, "MUG", lead=10)
    for sku in ("CUP", "JUG"):
        offer = suppliers.NewSupplierProduct(sku=sku, cost=Decimal(1))
        suppliers.add_supplier_product(uow, supplier_id, offer)
    for sku, daily in (("MUG", 4), ("CUP", 4), ("JUG", 9), ("VASE", 1)):
        history(uow, sku, [daily] * 30)
    new = NewPurchaseOrder(supplier_id, [("CUP", 50)], expected_date=day(3))
    purchase_orders.create_purchase_order(uow, new)
    result = replenishment.at_risk(uow)
    assert [p.sku for p in result.at_risk] == ["MUG", "VASE"]
    mug, vase = result.at_risk
    assert (mug.cover.stockout_date, mug.next_possible_arrival) == (day(5), day(10))
    assert (vase.cover.stockout_date, vase.next_possible_arrival) == (day(500), None)
    assert [p.sku for p in result.fastest_movers] == ["JUG", "CUP", "MUG", "VASE"]


def test_stored_forecasts_are_used_while_they_hold(uow: UnitOfWork) -> None:
    """The day's forecasts are stored by the worker's job; a plan reads them rather than
    the history, until the day, the window or the product's history changes."""
    add_product(uow, "MUG", on_hand=100)
    history(uow, "MUG", [4] * 30)  # the import makes today's forecast
    assert replenishment.refresh_forecasts(uow) == 0  # nothing left to do
    with uow.write() as tx:  # a stored forecast that differs from the history's
        tx.session.execute(update(DemandForecast).values(rate=7.5))
        tx.commit()
    assert replenishment.product_plan(uow, "MUG")[0].plan.forecast.rate == 7.5
    # Tomorrow it no longer holds: made from the history, then stored by the job.
    assert replenishment.product_plan(uow, "MUG", today=day(1))[0].plan.forecast.rate < 7.5
    tomorrow = datetime.combine(day(1), time(1), tzinfo=UTC)
    assert replenishment.refresh_forecasts(uow, now=tomorrow) == 1
    # A new window makes it stale too.
    business.update_settings(uow, demand_window_days=20)
    assert replenishment.product_plan(uow, "MUG")[0].plan.forecast.days == 20
    # Reading every product's plan stores what was stale: without a worker, only the
    # first such read of a day forecasts.
    replenishment.at_risk(uow)
    assert replenishment.refresh_forecasts(uow) == 0
    # An import moves the product's demand version on and forecasts it afresh.
    business.update_settings(uow, demand_window_days=90)
    with uow.write() as tx:
        tx.session.execute(update(DemandForecast).values(rate=7.5))
        tx.commit()
    demand.import_demand(uow, [demand.DemandRow(1, day(-1), "MUG", 40)])
    assert replenishment.product_plan(uow, "MUG")[0].plan.forecast.rate != 7.5
    with uow.read() as tx:
        stored = tx.session.scalar(select(DemandForecast.rate))
    assert stored is not None
    assert stored == pytest.approx(replenishment.product_plan(uow, "MUG")[0].plan.forecast.rate)


def test_the_worker_forecasts_once_a_day(uow: UnitOfWork) -> None:
    add_product(uow, "MUG")
    add_product(uow, "CUP")
    now = datetime.now(UTC)
    assert "forecasts" in jobs.run_due_jobs(uow, now=now)
    with uow.read() as tx:
        assert tx.session.scalar(select(func.count()).select_from(DemandForecast)) == 2
    assert replenishment.refresh_forecasts(uow, now=now) == 0


def test_two_runs_of_create_from_suggestions_at_once_buy_once(uow: UnitOfWork) -> None:
    """Each run locks what it may buy and decides again under the lock: the second finds
    the first's purchase orders on order and buys nothing more."""
    add_product(uow, "MUG", on_hand=20)  # at its reorder point
    add_product(uow, "JUG")  # customers wait
    supplier(uow, "MUG", pack=12)
    supplier(uow, "JUG")
    history(uow, "MUG", [4] * 60)
    order(uow, add_customer(uow), ("JUG", 3))
    start = threading.Barrier(2)
    created: list[int] = []

    def run() -> None:
        start.wait()
        created.extend(po.id for po in suggestions.create_from_suggestions(uow))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(created) == 2  # one purchase order per supplier, from one of the runs
    with uow.read() as tx:
        on_order = {p.sku: p.on_order for p in tx.planning.products()}
    assert on_order == {"JUG": 3, "MUG": 384}
