"""Replenishment planning through the REST API end to end: demand history in, forecasts,
policies, stockout risk and reorder-point suggestions out, product and business targets,
and who may see them (each test runs on SQLite and on PostgreSQL).

Figures are checked against an independent calculation: the standard normal from the
standard library (not the service's scipy), textbook formulas written out here, and
products imported with the same history used as twins.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from statistics import NormalDist
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from backorder.api.app import create_app
from backorder.db.models import DemandHistory, Product
from backorder.db.uow import UnitOfWork
from backorder.domain.model import MAX_QTY, Role
from backorder.services.inventory import verify_inventory
from backorder.services.keys import create_api_key
from tests.e2e.test_api import error_details, utc_today
from tests.e2e.test_api_purchasing import Buyer, day
from tests.helpers import check_invariants

NORMAL = NormalDist()
LEAD = 10
COST = 4.10
"""The supplier's lead time (days) and unit cost of every offer made here."""

DEFAULTS = {"service_level": 0.95, "ordering_cost": 50.0, "holding_cost_rate": 0.25}

REPLENISHMENT_FIELDS = {
    "demand_rate",
    "demand_std",
    "pattern",
    "method",
    "lead_time_days",
    "lead_time_std",
    "service_level",
    "safety_stock",
    "reorder_point",
    "order_qty",
    "expected_fill_rate",
    "days_of_cover",
    "projected_stockout_date",
    "history_days",
}
"""What the issue asks a product's replenishment read to give."""


def loss(z: float) -> float:
    """The standard normal loss function G(z) = phi(z) - z * (1 - Phi(z))."""
    return NORMAL.pdf(z) - z * (1 - NORMAL.cdf(z))


def eoq(rate: float, ordering_cost: float, holding_cost_rate: float, unit_cost: float) -> int:
    """Harris's economic order quantity from a daily rate, rounded up to whole units."""
    return math.ceil(math.sqrt(2 * rate * 365 * ordering_cost / (holding_cost_rate * unit_cost)))


def safety_stock(service_level: float, daily_std: float, lead: float = LEAD) -> int:
    """z * sd_d * sqrt(L), rounded up (the quoted lead time does not vary)."""
    return math.ceil(NORMAL.inv_cdf(service_level) * daily_std * math.sqrt(lead))


class Planner(Buyer):
    """A purchasing client with shortcuts for replenishment planning."""

    def upload(self, *rows: tuple[str, str, Any]) -> httpx.Response:
        """POST /demand-history with (date, sku, qty) rows."""
        body = {"rows": [{"date": d, "sku": s, "qty": q} for d, s, q in rows]}
        return self.post("/demand-history", body)

    def history(self, sku: str, daily: list[int]) -> dict[str, Any]:
        """``daily`` demand for the days just before today, oldest first."""
        rows = [(day(i - len(daily)), sku, qty) for i, qty in enumerate(daily)]
        return dict(self.ok(self.upload(*rows), 201))

    def plan(self, sku: str) -> dict[str, Any]:
        return dict(self.ok(self.get(f"/products/{sku}/replenishment")))

    def at_risk(self, **params: Any) -> dict[str, Any]:
        return dict(self.ok(self.get("/replenishment/at-risk", **params)))

    def stocked(self, sku: str, on_hand: int = 0, *, supplier_id: int | None = None) -> None:
        """A product with stock, offered by ``supplier_id`` at COST when given."""
        self.product(sku, on_hand=on_hand)
        if supplier_id is not None:
            self.offer(supplier_id, sku, f"{COST:.2f}")

    def settings(self) -> dict[str, Any]:
        return dict(self.ok(self.get("/settings")))


@pytest.fixture
def client(uow: UnitOfWork) -> Iterator[TestClient]:
    with TestClient(create_app(uow)) as test_client:
        yield test_client


@pytest.fixture
def api(client: TestClient, uow: UnitOfWork) -> Planner:
    return Planner(client, create_api_key(uow, Role.ADMIN).secret)


@pytest.fixture
def supplier(api: Planner) -> int:
    return api.supplier(lead_time_days=LEAD)


@pytest.fixture(autouse=True)
def stays_consistent(uow: UnitOfWork) -> Iterator[None]:
    """Planning only reads stock: after every scenario invariants 1-4 still hold and no
    counter drifts from the ledger."""
    yield
    check_invariants(uow, today=utc_today())
    assert verify_inventory(uow)[1] == []


def stored(uow: UnitOfWork) -> dict[tuple[str, date], int]:
    """The imported demand history, read from its table: (sku, day) -> units."""
    with uow.read() as tx:
        query = select(Product.sku, DemandHistory.day, DemandHistory.qty).join(
            Product, Product.id == DemandHistory.product_id
        )
        return {(sku, on): qty for sku, on, qty in tx.session.execute(query)}


def the_day(offset: int) -> date:
    return date.fromisoformat(day(offset))


# Demand history in, a policy out


def test_a_product_without_history_has_nothing_to_forecast(api: Planner, supplier: int) -> None:
    api.stocked("MUG", 100, supplier_id=supplier)
    plan = api.plan("MUG")
    assert set(plan) >= REPLENISHMENT_FIELDS
    assert (plan["pattern"], plan["method"]) == ("none", "none")
    assert (plan["demand_rate"], plan["demand_std"], plan["history_days"]) == (0, 0, 0)
    assert (plan["safety_stock"], plan["reorder_point"], plan["order_qty"]) == (0, 0, 0)
    assert plan["expected_fill_rate"] is None
    assert (plan["days_of_cover"], plan["projected_stockout_date"]) == (None, None)
    assert plan["at_risk"] is False


def test_constant_demand_upload_gives_the_textbook_policy(
    api: Planner, supplier: int, uow: UnitOfWork
) -> None:
    api.stocked("MUG", 100, supplier_id=supplier)
    imported = api.history("MUG", [4] * 60)
    assert imported == {
        "rows": 60,
        "products": 1,
        "days": 60,
        "first_day": day(-60),
        "last_day": day(-1),
    }
    assert len(stored(uow)) == 60

    plan = api.plan("MUG")
    assert set(plan) >= REPLENISHMENT_FIELDS
    assert plan["sku"] == "MUG"
    assert (plan["pattern"], plan["method"]) == ("smooth", "ses")
    assert (plan["adi"], plan["cv2"]) == (1.0, 0.0)
    assert (plan["history_days"], plan["demand_days"]) == (60, 60)
    assert plan["demand_rate"] == pytest.approx(4.0)
    assert plan["demand_std"] == 0
    assert plan["lead_time_days"] == LEAD
    assert plan["lead_time_std"] == 0
    assert (plan["lead_time_source"], plan["supplier_id"]) == ("quoted", supplier)
    assert plan["service_level"] == DEFAULTS["service_level"]
    assert plan["fill_rate_target"] is None
    assert plan["unit_cost"] == pytest.approx(COST)
    # d * L = 4 * 10 = 40 units over the lead time, with no deviation: no safety stock.
    assert plan["lead_time_demand"] == pytest.approx(40)
    assert plan["lead_time_demand_std"] == 0
    assert plan["safety_stock"] == 0
    assert plan["reorder_point"] == 40
    # EOQ = sqrt(2 * 4 * 365 * 50 / (0.25 * 4.10)) = 377.4 -> 378.
    assert plan["economic_order_qty"] == pytest.approx(377.41, abs=0.01)
    assert plan["order_qty"] == eoq(4, 50, 0.25, COST) == 378
    assert plan["expected_shortage_per_cycle"] == 0
    assert plan["expected_fill_rate"] == 1.0
    assert plan["expected_cycle_service_level"] == 1.0
    # 100 available at 4 a day last 25 days; an order placed today lands in 10.
    assert (plan["available"], plan["on_order"], plan["backordered"]) == (100, 0, 0)
    assert plan["position"] == 100
    assert plan["days_of_cover"] == pytest.approx(25)
    assert plan["projected_stockout_date"] == day(25)
    assert plan["next_arrival"] is None
    assert plan["next_possible_arrival"] == day(LEAD)
    assert plan["at_risk"] is False


def test_variable_demand_sizes_safety_stock_to_the_service_level(
    api: Planner, supplier: int
) -> None:
    daily = [2, 6] * 30
    api.stocked("MUG", 500, supplier_id=supplier)
    api.history("MUG", daily)
    plan = api.plan("MUG")
    sd = statistics.stdev(daily)
    rate = plan["demand_rate"]
    assert (plan["pattern"], plan["method"]) == ("smooth", "ses")
    assert rate == pytest.approx(statistics.fmean(daily), abs=0.25)
    assert plan["demand_std"] == pytest.approx(sd, abs=1e-4)
    sd_lead = sd * math.sqrt(LEAD)
    assert plan["lead_time_demand"] == pytest.approx(rate * LEAD, abs=0.01)
    assert plan["lead_time_demand_std"] == pytest.approx(sd_lead, abs=0.01)
    assert plan["safety_stock"] == safety_stock(0.95, sd) == 11
    assert plan["reorder_point"] == math.ceil(rate * LEAD + 11)
    assert plan["order_qty"] == eoq(rate, 50, 0.25, COST)
    shortage = sd_lead * loss(11 / sd_lead)
    assert plan["expected_shortage_per_cycle"] == pytest.approx(shortage, abs=1e-3)
    assert plan["expected_fill_rate"] == pytest.approx(1 - shortage / plan["order_qty"], abs=1e-4)
    assert plan["expected_cycle_service_level"] == pytest.approx(NORMAL.cdf(11 / sd_lead), abs=1e-4)
    assert plan["expected_cycle_service_level"] >= 0.95

    api.ok(api.patch("/products/MUG", {"service_level": 0.99}))
    raised = api.plan("MUG")
    assert raised["service_level"] == 0.99
    assert raised["safety_stock"] == safety_stock(0.99, sd) == 15
    assert raised["reorder_point"] == math.ceil(rate * LEAD + 15)
    assert raised["reorder_point"] > plan["reorder_point"]
    assert raised["expected_cycle_service_level"] >= 0.99
    assert raised["order_qty"] == plan["order_qty"]  # the service level does not size lots


def test_a_fill_rate_target_gives_the_least_safety_stock_that_meets_it(
    api: Planner, supplier: int
) -> None:
    daily = [2, 6] * 30
    api.stocked("MUG", 500, supplier_id=supplier)
    api.history("MUG", daily)
    before = api.plan("MUG")
    product = api.ok(api.patch("/products/MUG", {"fill_rate": 0.999}))
    assert product["fill_rate"] == 0.999

    plan = api.plan("MUG")
    assert plan["fill_rate_target"] == 0.999
    sd_lead = statistics.stdev(daily) * math.sqrt(LEAD)
    qty = int(plan["order_qty"])

    def fill_rate(safety: int) -> float:
        return 1 - sd_lead * loss(safety / sd_lead) / qty

    safety = plan["safety_stock"]
    assert fill_rate(safety) >= 0.999 > fill_rate(safety - 1)
    assert plan["expected_fill_rate"] == pytest.approx(fill_rate(safety), abs=1e-4)
    assert plan["expected_fill_rate"] >= 0.999
    assert plan["reorder_point"] == math.ceil(plan["demand_rate"] * LEAD + safety)

    api.ok(api.patch("/products/MUG", {"fill_rate": None}))
    assert api.plan("MUG") == before


def test_each_demand_pattern_gets_its_own_method(api: Planner) -> None:
    histories = {
        "SMOOTH": [4] * 60,
        "ERRATIC": [1, 9] * 30,
        "INTERMITTENT": [6, 0, 0] * 20,
        "LUMPY": [1, 0, 0, 9, 0, 0] * 10,
    }
    for sku in histories:
        api.product(sku)
    rows = [
        (day(i - 60), sku, qty) for sku, daily in histories.items() for i, qty in enumerate(daily)
    ]
    assert api.ok(api.upload(*rows), 201)["products"] == 4
    expected = {
        "SMOOTH": ("smooth", "ses"),
        "ERRATIC": ("erratic", "ses"),
        "INTERMITTENT": ("intermittent", "sba"),
        "LUMPY": ("lumpy", "tsb"),
    }
    for sku, daily in histories.items():
        plan = api.plan(sku)
        sizes = [q for q in daily if q > 0]
        assert (plan["pattern"], plan["method"]) == expected[sku], sku
        assert plan["adi"] == pytest.approx(len(daily) / len(sizes)), sku
        assert plan["cv2"] == pytest.approx(
            statistics.pvariance(sizes) / statistics.fmean(sizes) ** 2
        ), sku
        assert plan["demand_days"] == len(sizes), sku
        assert plan["demand_std"] == pytest.approx(statistics.stdev(daily), abs=1e-4), sku
    # SBA deflates Croston's size / interval (6 / ~3) by 1 - alpha / 2: below the mean.
    assert 1.9 <= api.plan("INTERMITTENT")["demand_rate"] < 2.0


# Bad uploads write nothing


def test_unknown_skus_and_future_days_refuse_the_whole_upload_naming_each_row(
    api: Planner, supplier: int, uow: UnitOfWork
) -> None:
    api.stocked("MUG", 30, supplier_id=supplier)
    api.history("MUG", [4] * 20)
    before = (stored(uow), api.plan("MUG"))

    response = api.upload(
        (day(-1), "MUG", 9),
        (day(-2), "NOPE", 5),
        (day(1), "MUG", 3),
        (day(-3), "MUG", 7),
        (day(-4), "mug", 1),
    )
    details = error_details(response, 422, "validation_error")
    assert details["bad_row_count"] == 3
    assert [row["line"] for row in details["bad_rows"]] == [2, 3, 5]
    assert "NOPE" in details["bad_rows"][0]["message"]
    assert "future" in details["bad_rows"][1]["message"]
    assert "mug" in details["bad_rows"][2]["message"]
    assert (stored(uow), api.plan("MUG")) == before


def test_today_may_be_imported_but_not_tomorrow(api: Planner, uow: UnitOfWork) -> None:
    api.product("MUG")
    assert api.ok(api.upload((day(0), "MUG", 2)), 201)["last_day"] == day(0)
    error_details(api.upload((day(1), "MUG", 2)), 422, "validation_error")
    assert stored(uow) == {("MUG", the_day(0)): 2}


GOOD_ROW = {"date": day(-1), "sku": "MUG", "qty": 1}

INVALID_UPLOADS: dict[str, tuple[Any, list[Any]]] = {
    "negative qty": ({"rows": [GOOD_ROW, GOOD_ROW | {"qty": -1}]}, ["rows", 1, "qty"]),
    "qty not a whole number": ({"rows": [GOOD_ROW, GOOD_ROW | {"qty": 2.5}]}, ["rows", 1, "qty"]),
    "qty too large": ({"rows": [GOOD_ROW | {"qty": MAX_QTY + 1}]}, ["rows", 0, "qty"]),
    "qty missing": ({"rows": [{"date": day(-1), "sku": "MUG"}]}, ["rows", 0, "qty"]),
    "impossible date": ({"rows": [GOOD_ROW, GOOD_ROW | {"date": "2026-02-30"}]}, ["rows", 1]),
    "date not a date": ({"rows": [GOOD_ROW | {"date": "yesterday"}]}, ["rows", 0, "date"]),
    "sku with a space": ({"rows": [GOOD_ROW | {"sku": "MU G"}]}, ["rows", 0, "sku"]),
    "unknown field": ({"rows": [GOOD_ROW | {"note": "x"}]}, ["rows", 0, "note"]),
    "no rows": ({"rows": []}, ["rows"]),
    "rows missing": ({}, ["rows"]),
}


def test_a_malformed_upload_is_a_validation_error_and_writes_nothing(
    api: Planner, uow: UnitOfWork
) -> None:
    """One database for every case (a fresh one each would cost seconds): each refused
    upload must leave the history and the plan as they were."""
    api.product("MUG")
    api.history("MUG", [3, 3])
    before = (stored(uow), api.plan("MUG"))
    for case, (body, loc) in INVALID_UPLOADS.items():
        response = api.post("/demand-history", body)
        assert response.status_code == 422, (case, response.text)
        details = error_details(response, 422, "validation_error")
        locations = [error["loc"] for error in details["errors"]]
        assert any(where[1 : 1 + len(loc)] == loc for where in locations), (case, locations)
        assert (stored(uow), api.plan("MUG")) == before, case


# Importing again


def test_reimporting_a_day_replaces_it_and_rows_of_one_day_add_up(
    api: Planner, uow: UnitOfWork
) -> None:
    api.product("MUG")
    api.product("TWIN")
    first = api.ok(api.upload((day(-2), "MUG", 4), (day(-1), "MUG", 3), (day(-1), "MUG", 5)), 201)
    assert first == {
        "rows": 3,
        "products": 1,
        "days": 2,
        "first_day": day(-2),
        "last_day": day(-1),
    }
    assert stored(uow) == {("MUG", the_day(-2)): 4, ("MUG", the_day(-1)): 8}

    again = [(day(-1), "MUG", 2)]
    for _ in range(2):
        assert api.ok(api.upload(*again), 201)["days"] == 1
        assert stored(uow) == {("MUG", the_day(-2)): 4, ("MUG", the_day(-1)): 2}

    # The same forecast as a product imported once with the final figures.
    api.history("TWIN", [4, 2])
    mug, twin = api.plan("MUG"), api.plan("TWIN")
    assert mug.pop("sku") == "MUG"
    assert twin.pop("sku") == "TWIN"
    assert mug == twin
    assert mug["history_days"] == mug["demand_days"] == 2


def test_one_day_of_history_forecasts_that_day(api: Planner) -> None:
    """A product known for one day forecasts what it sold that day: 3 + 5 units."""
    api.product("MUG")
    api.ok(api.upload((day(-1), "MUG", 3), (day(-1), "MUG", 5)), 201)
    plan = api.plan("MUG")
    assert (plan["history_days"], plan["demand_rate"]) == (1, 8.0)
    api.ok(api.upload((day(-1), "MUG", 0)), 201)
    plan = api.plan("MUG")
    assert (plan["history_days"], plan["demand_rate"], plan["pattern"]) == (1, 0, "none")


# Product targets


def test_patch_product_sets_its_targets_and_null_goes_back_to_the_default(
    api: Planner, supplier: int
) -> None:
    api.stocked("MUG", 100, supplier_id=supplier)
    api.history("MUG", [4] * 30)
    targets = {
        "service_level": 0.99,
        "fill_rate": 0.98,
        "ordering_cost": "12.50",
        "holding_cost_rate": 0.3,
    }
    patched = api.ok(api.patch("/products/MUG", targets))
    shown = api.ok(api.get("/products/MUG"))
    assert patched == shown
    assert shown["sku"] == "MUG"
    assert (shown["service_level"], shown["fill_rate"], shown["holding_cost_rate"]) == (
        0.99,
        0.98,
        0.3,
    )
    assert Decimal(shown["ordering_cost"]) == Decimal("12.5")
    assert shown["inventory"]["on_hand"] == 100
    plan = api.plan("MUG")
    assert (plan["service_level"], plan["fill_rate_target"]) == (0.99, 0.98)
    assert (plan["ordering_cost"], plan["holding_cost_rate"]) == (12.5, 0.3)
    assert plan["order_qty"] == eoq(4, 12.5, 0.3, COST)

    # A field left out stays.
    api.ok(api.patch("/products/MUG", {"holding_cost_rate": 0.2}))
    shown = api.ok(api.get("/products/MUG"))
    assert (shown["service_level"], shown["fill_rate"], shown["holding_cost_rate"]) == (
        0.99,
        0.98,
        0.2,
    )
    assert Decimal(shown["ordering_cost"]) == Decimal("12.5")

    cleared = dict.fromkeys(targets)
    assert {k: api.ok(api.patch("/products/MUG", cleared))[k] for k in targets} == cleared
    assert {k: api.ok(api.get("/products/MUG"))[k] for k in targets} == cleared
    plan = api.plan("MUG")
    assert plan["fill_rate_target"] is None
    assert {k: plan[k] for k in DEFAULTS} == DEFAULTS
    assert plan["order_qty"] == eoq(4, 50, 0.25, COST)


def test_the_patch_response_is_the_target_that_was_stored(api: Planner) -> None:
    """Money is kept to the cent: a finer ordering cost is refused, or the response shows
    what was stored, never a figure the next read contradicts."""
    api.product("MUG")
    response = api.patch("/products/MUG", {"ordering_cost": "12.345"})
    if response.status_code == 422:
        error_details(response, 422, "validation_error")
        assert api.ok(api.get("/products/MUG"))["ordering_cost"] is None
    else:
        assert api.ok(response) == api.ok(api.get("/products/MUG"))


INVALID_TARGETS: dict[str, Any] = {
    "service level 1": {"service_level": 1.0},
    "service level 0.3": {"service_level": 0.3},
    "service level a word": {"service_level": "high"},
    "fill rate 1": {"fill_rate": 1.0},
    "fill rate 0.1": {"fill_rate": 0.1},
    "holding cost rate 0": {"holding_cost_rate": 0},
    "holding cost rate 11": {"holding_cost_rate": 11},
    "negative ordering cost": {"ordering_cost": "-1"},
    "unknown field": {"reorder_point": 5},
    "one good one bad": {"service_level": 0.9, "holding_cost_rate": 0},
}


def test_out_of_range_targets_are_refused_and_change_nothing(api: Planner) -> None:
    api.product("MUG")
    api.ok(api.patch("/products/MUG", {"service_level": 0.97, "holding_cost_rate": 0.4}))
    before = (api.ok(api.get("/products/MUG")), api.plan("MUG"))
    for case, body in INVALID_TARGETS.items():
        response = api.patch("/products/MUG", body)
        assert response.status_code == 422, (case, response.text)
        error_details(response, 422, "validation_error")
        assert (api.ok(api.get("/products/MUG")), api.plan("MUG")) == before, case


def test_targets_of_an_unknown_product_are_not_found(api: Planner) -> None:
    details = error_details(api.patch("/products/NOPE", {"service_level": 0.9}), 404, "not_found")
    assert details["resource"] == "product"
    error_details(api.get("/products/NOPE/replenishment"), 404, "not_found")


# Stockout risk


def test_at_risk_lists_products_that_run_out_before_more_can_arrive(
    api: Planner, supplier: int
) -> None:
    api.stocked("MUG", 20, supplier_id=supplier)  # 5 days of cover, lead time 10: at risk
    api.stocked("LAMP", 30, supplier_id=supplier)  # 5 days, but a purchase order lands in 3
    api.stocked("PEN", 0, supplier_id=supplier)  # out today
    api.stocked("BOWL", 1000, supplier_id=supplier)  # plenty
    api.stocked("VASE", 0, supplier_id=supplier)  # never sold: nothing to run out of
    api.history("MUG", [4] * 30)
    api.history("LAMP", [6] * 30)
    api.history("PEN", [1] * 30)
    api.history("BOWL", [2] * 30)
    api.purchase_order(supplier, ("LAMP", 100), expected_date=day(3))

    result = api.at_risk()
    assert [p["sku"] for p in result["at_risk"]] == ["PEN", "MUG"]  # soonest stockout first
    pen, mug = result["at_risk"]
    assert (pen["days_of_cover"], pen["projected_stockout_date"]) == (0, day(0))
    assert (mug["days_of_cover"], mug["projected_stockout_date"]) == (5, day(5))
    assert (mug["next_arrival"], mug["next_possible_arrival"]) == (None, day(LEAD))
    assert mug["at_risk"] is True
    assert mug["reorder_point"] == 40

    movers = result["fastest_movers"]
    assert [p["sku"] for p in movers] == ["LAMP", "MUG", "BOWL", "PEN"]
    rates = [p["demand_rate"] for p in movers]
    assert rates == sorted(rates, reverse=True)
    assert rates == pytest.approx([6, 4, 2, 1])
    lamp = movers[0]
    assert (lamp["at_risk"], lamp["on_order"], lamp["position"]) == (False, 100, 130)
    assert (lamp["projected_stockout_date"], lamp["next_arrival"]) == (day(5), day(3))
    assert lamp["next_possible_arrival"] == day(3)

    # The product read agrees with the list.
    plan = api.plan("LAMP")
    assert (plan["at_risk"], plan["next_arrival"]) == (False, day(3))
    assert api.plan("MUG")["at_risk"] is True

    assert [p["sku"] for p in api.at_risk(limit=1)["at_risk"]] == ["PEN"]
    error_details(api.get("/replenishment/at-risk", limit=0), 422, "validation_error")


def test_a_purchase_order_landing_after_the_stockout_does_not_save_a_product_one_on_the_day_does(
    api: Planner, supplier: int
) -> None:
    api.stocked("MUG", 20, supplier_id=supplier)
    api.history("MUG", [4] * 30)
    api.stocked("CUP", 20, supplier_id=supplier)
    api.history("CUP", [4] * 30)
    api.purchase_order(supplier, ("MUG", 100), expected_date=day(8))
    api.purchase_order(supplier, ("CUP", 100), expected_date=day(5))  # lands as CUP runs out
    (mug,) = api.at_risk()["at_risk"]
    assert (mug["next_arrival"], mug["projected_stockout_date"]) == (day(8), day(5))
    cup = api.plan("CUP")
    assert (cup["next_arrival"], cup["projected_stockout_date"]) == (day(5), day(5))
    assert cup["at_risk"] is False


# Suggested purchase orders


def suggested(api: Planner) -> dict[str, dict[str, Any]]:
    return {line["sku"]: line for d in api.suggestions() for line in d["lines"]}


def test_suggestions_buy_at_the_reorder_point_and_for_backorders(
    api: Planner, supplier: int
) -> None:
    api.stocked("MUG", 40)  # position 40 = reorder point 40: buy
    api.stocked("CUP", 41, supplier_id=supplier)  # one above its reorder point: no
    api.stocked("JUG", 0, supplier_id=supplier)  # no history, 3 waiting
    api.stocked("GLASS", 0, supplier_id=supplier)  # history and 5 waiting
    api.offer(supplier, "MUG", f"{COST:.2f}", pack_size=100)
    for sku in ("MUG", "CUP", "GLASS"):
        api.history(sku, [4] * 60)
    customer = api.customer()
    jug = api.order(customer, ("JUG", 3))
    glass = api.order(customer, ("GLASS", 5))

    mug_plan = api.plan("MUG")
    assert (mug_plan["position"], mug_plan["reorder_point"]) == (40, 40)
    assert mug_plan["order_qty"] == 400  # EOQ 378, whole packs of 100
    assert api.plan("CUP")["reorder_point"] == 40

    (draft,) = api.suggestions()
    assert draft["supplier_id"] == supplier
    assert draft["expected_date"] == day(LEAD)
    lines = suggested(api)
    assert set(lines) == {"MUG", "JUG", "GLASS"}
    assert lines["MUG"] == {"sku": "MUG", "qty": 400, "covers": [], "reasons": ["reorder_point"]}
    assert lines["JUG"]["reasons"] == ["backorders"]
    assert lines["JUG"]["qty"] == 3
    assert lines["JUG"]["covers"] == [
        {"order_id": jug["id"], "line_id": jug["lines"][0]["id"], "qty": 3}
    ]
    # Position -5 is below the reorder point too: one lot of 378 covers the 5 waiting.
    assert lines["GLASS"]["reasons"] == ["backorders", "reorder_point"]
    assert lines["GLASS"]["qty"] == 378
    assert lines["GLASS"]["covers"] == [
        {"order_id": glass["id"], "line_id": glass["lines"][0]["id"], "qty": 5}
    ]

    created = api.ok(api.post("/purchase-orders/from-suggestions"), 201)
    bought = {line["sku"]: line["ordered"] for po in created for line in po["lines"]}
    assert bought == {"MUG": 400, "JUG": 3, "GLASS": 378}
    assert api.suggestions() == []
    assert api.plan("MUG")["position"] == 440


def test_a_product_above_its_reorder_point_with_nothing_waiting_is_not_suggested(
    api: Planner, supplier: int
) -> None:
    api.stocked("MUG", 41, supplier_id=supplier)
    api.history("MUG", [4] * 60)
    assert api.suggestions() == []
    api.adjust("MUG", -1)
    assert suggested(api)["MUG"]["reasons"] == ["reorder_point"]


@pytest.mark.parametrize(
    ("cost", "ordering_cost"), [("0.00", None), ("4.10", "0")], ids=["free item", "free orders"]
)
def test_a_product_at_its_reorder_point_is_suggested_whatever_it_costs(
    api: Planner, supplier: int, cost: str, ordering_cost: str | None
) -> None:
    """Both bounds allow 0: a free item, or one that costs nothing to order, still runs out
    and must still be bought (EOQ's limit there is not 0 units)."""
    api.product("MUG", on_hand=20)
    api.offer(supplier, "MUG", cost)
    if ordering_cost is not None:
        api.ok(api.patch("/products/MUG", {"ordering_cost": ordering_cost}))
    api.history("MUG", [4] * 60)
    plan = api.plan("MUG")
    assert (plan["position"], plan["reorder_point"], plan["at_risk"]) == (20, 40, True)
    line = suggested(api).get("MUG")
    assert line is not None, "at risk, below its reorder point, yet nothing suggested"
    assert line["reasons"] == ["reorder_point"]
    assert 20 + line["qty"] > 40  # bought back above the reorder point


# Business settings


def test_settings_change_the_defaults_that_plans_use(api: Planner, supplier: int) -> None:
    daily = [2, 6] * 30
    api.stocked("MUG", 500, supplier_id=supplier)
    api.stocked("TEA", 500, supplier_id=supplier)
    api.history("MUG", daily)
    api.history("TEA", daily)
    api.ok(api.patch("/products/TEA", {"service_level": 0.9}))
    assert api.settings() | DEFAULTS == api.settings()
    assert api.plan("MUG")["safety_stock"] == safety_stock(0.95, statistics.stdev(daily))

    changes = {
        "service_level": 0.99,
        "ordering_cost": 200.0,
        "holding_cost_rate": 0.5,
        "demand_window_days": 30,
    }
    updated = api.ok(api.patch("/settings", changes))
    assert {k: updated[k] for k in changes} == changes
    assert api.settings() == updated

    plan = api.plan("MUG")
    recent = daily[-30:]
    assert {k: plan[k] for k in ("service_level", "ordering_cost", "holding_cost_rate")} == {
        "service_level": 0.99,
        "ordering_cost": 200.0,
        "holding_cost_rate": 0.5,
    }
    assert plan["history_days"] == 30
    assert plan["demand_std"] == pytest.approx(statistics.stdev(recent), abs=1e-4)
    assert plan["safety_stock"] == safety_stock(0.99, statistics.stdev(recent))
    assert plan["order_qty"] == eoq(plan["demand_rate"], 200, 0.5, COST)
    # A product's own target still wins over the new default.
    tea = api.plan("TEA")
    assert tea["service_level"] == 0.9
    assert tea["safety_stock"] == safety_stock(0.9, statistics.stdev(recent))


INVALID_SETTINGS: dict[str, Any] = {
    "service level 1": {"service_level": 1.0},
    "service level 0.3": {"service_level": 0.3},
    "holding cost rate 0": {"holding_cost_rate": 0},
    "negative ordering cost": {"ordering_cost": -1},
    "window of 6 days": {"demand_window_days": 6},
    "window of 731 days": {"demand_window_days": 731},
    "unknown field": {"reorder_point": 5},
    "one good one bad": {"service_level": 0.9, "holding_cost_rate": 0},
}


def test_out_of_range_settings_are_refused_and_change_nothing(api: Planner) -> None:
    api.product("MUG")
    api.history("MUG", [4] * 10)
    before = (api.settings(), api.plan("MUG"))
    for case, body in INVALID_SETTINGS.items():
        response = api.patch("/settings", body)
        assert response.status_code == 422, (case, response.text)
        error_details(response, 422, "validation_error")
        assert (api.settings(), api.plan("MUG")) == before, case


# Who may plan

PLANNING_ENDPOINTS: list[tuple[str, str, Any]] = [
    ("POST", "/demand-history", {"rows": [{"date": day(-1), "sku": "MUG", "qty": 1}]}),
    ("GET", "/products/MUG/replenishment", None),
    ("GET", "/replenishment/at-risk", None),
    ("PATCH", "/products/MUG", {"service_level": 0.99}),
    ("GET", "/purchase-orders/suggestions", None),
]
SETTINGS_ENDPOINTS: list[tuple[str, str, Any]] = [
    ("GET", "/settings", None),
    ("PATCH", "/settings", {"service_level": 0.99}),
]
ENDPOINTS = PLANNING_ENDPOINTS + SETTINGS_ENDPOINTS


@pytest.fixture
def planning_world(api: Planner, supplier: int) -> None:
    api.stocked("MUG", 10, supplier_id=supplier)
    api.history("MUG", [4] * 10)


def written(api: Planner, uow: UnitOfWork) -> tuple[Any, ...]:
    return stored(uow), api.ok(api.get("/products/MUG")), api.settings()


@pytest.mark.usefixtures("planning_world")
def test_a_storefront_key_may_not_plan_and_no_key_is_unauthorized(
    api: Planner, client: TestClient, uow: UnitOfWork
) -> None:
    storefront = Planner(client, create_api_key(uow, Role.STOREFRONT).secret)
    anonymous = api.with_key(None)
    before = written(api, uow)
    for method, path, body in ENDPOINTS:
        response = storefront.request(method, path, body)
        assert response.status_code == 403, (method, path, response.text)
        details = error_details(response, 403, "forbidden")
        assert details["role"] == "storefront"
        response = anonymous.request(method, path, body)
        assert response.status_code == 401, (method, path, response.text)
        error_details(response, 401, "unauthorized")
    assert written(api, uow) == before


@pytest.mark.usefixtures("planning_world")
def test_a_staff_key_may_plan_but_not_change_the_business_settings(
    api: Planner, client: TestClient, uow: UnitOfWork
) -> None:
    staff = Planner(client, create_api_key(uow, Role.STAFF).secret)
    for method, path, body in PLANNING_ENDPOINTS:
        response = staff.request(method, path, body)
        assert response.status_code in (200, 201), (method, path, response.text)
    before = api.settings()
    for method, path, body in SETTINGS_ENDPOINTS:
        error_details(staff.request(method, path, body), 403, "forbidden")
    assert api.settings() == before
