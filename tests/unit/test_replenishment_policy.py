"""A product's policy: its monotony, rounding, what it buys and how long stock lasts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backorder.domain.errors import InvalidInputError
from backorder.domain.purchasing import SupplierOffer
from backorder.domain.replenishment import (
    BOUNDS,
    Policy,
    Reorder,
    Targets,
    check_bounds,
    cover,
    lead_time,
    policy,
    reorder,
)

TODAY = date(2026, 11, 22)
OFFER = SupplierOffer(supplier_id=1, cost=Decimal("4.00"), lead_time_days=7, pack_size=12)


def rule(
    *,
    rate: float = 5.0,
    std: float = 2.0,
    lead: float = 7.0,
    lead_std: float = 0.0,
    level: float = 0.95,
    fill: float | None = None,
    offer: SupplierOffer | None = OFFER,
) -> Policy:
    return policy(
        demand_rate=rate,
        demand_std=std,
        lead_time=lead,
        lead_time_std=lead_std,
        targets=Targets(level, fill, ordering_cost=50, holding_cost_rate=0.25),
        unit_cost=4.0,
        offer=offer,
    )


def test_a_policy_worked_out() -> None:
    """5/day (sd 2) over 7 days: mean 35, sd 2·sqrt(7) = 5.29; z(0.95) = 1.645 -> ss 8.7
    -> 9; ROP 35 + 9 = 44. EOQ sqrt(2·1825·50 / (0.25·4)) = 427.2 -> 428 -> 432 (packs)."""
    result = rule()
    assert result.lead_time_demand.mean == pytest.approx(35)
    assert result.safety_stock == 9
    assert result.reorder_point == 44
    assert result.economic_order_qty == pytest.approx(427.2, abs=0.05)
    assert result.order_qty == 432


def test_no_demand_no_stock_to_keep() -> None:
    result = rule(rate=0, std=0)
    assert (result.safety_stock, result.reorder_point, result.order_qty) == (0, 0, 0)


def test_a_fill_rate_target_sizes_the_safety_stock() -> None:
    """A lot of 432 at a 99% fill rate may short 4.32 units a cycle: sd 5.29 with no
    safety stock shorts 2.1, so none is needed; at 99.9% it is."""
    assert rule(fill=0.99).safety_stock == 0
    assert rule(fill=0.999).safety_stock > 0


levels = st.floats(min_value=0.5, max_value=0.9999)
stds = st.floats(min_value=0, max_value=1_000)
leads = st.floats(min_value=0, max_value=365)
rates = st.floats(min_value=0.001, max_value=10_000)


@given(rates, stds, leads, levels, levels, st.one_of(st.none(), levels))
def test_safety_stock_and_reorder_point_grow_with_the_service_level(
    rate: float, std: float, lead: float, low: float, high: float, fill: float | None
) -> None:
    low, high = sorted((low, high))
    a = rule(rate=rate, std=std, lead=lead, level=low, fill=fill and low)
    b = rule(rate=rate, std=std, lead=lead, level=high, fill=fill and high)
    assert b.safety_stock >= a.safety_stock
    assert b.reorder_point >= a.reorder_point


@given(rates, stds, stds, leads, levels, st.booleans())
def test_safety_stock_and_reorder_point_grow_with_the_demand_deviation(
    rate: float, low: float, high: float, lead: float, level: float, by_fill: bool
) -> None:
    low, high = sorted((low, high))
    fill = level if by_fill else None
    a = rule(rate=rate, std=low, lead=lead, level=level, fill=fill)
    b = rule(rate=rate, std=high, lead=lead, level=level, fill=fill)
    assert b.safety_stock >= a.safety_stock
    assert b.reorder_point >= a.reorder_point


@given(rates, stds, leads, leads, st.floats(min_value=0, max_value=30), levels, st.booleans())
def test_safety_stock_and_reorder_point_grow_with_the_lead_time(
    rate: float, std: float, short: float, long: float, lead_std: float, level: float, by_fill: bool
) -> None:
    short, long = sorted((short, long))
    fill = level if by_fill else None
    a = rule(rate=rate, std=std, lead=short, lead_std=lead_std, level=level, fill=fill)
    b = rule(rate=rate, std=std, lead=long, lead_std=lead_std, level=level, fill=fill)
    assert b.safety_stock >= a.safety_stock
    assert b.reorder_point >= a.reorder_point


def test_reorder_buys_whole_lots_until_above_the_reorder_point() -> None:
    result = rule()  # ROP 44, lot 432
    assert reorder(45, result).reasons == ()
    assert reorder(44, result) == Reorder(432, ("reorder_point",))
    assert reorder(-400, result).qty == 864  # -400 + 864 = 464 > 44
    assert reorder(-400, result).reasons == ("backorders", "reorder_point")


def test_reorder_without_a_policy_buys_the_backorders_only() -> None:
    assert reorder(-7, None).qty == 7
    assert reorder(-7, None).reasons == ("backorders",)
    assert reorder(0, None).reasons == ()


def test_cover_and_stockout_date() -> None:
    lasting = cover(available=10, backordered=0, demand_rate=3, today=TODAY)
    assert lasting.days == pytest.approx(10 / 3)
    assert lasting.stockout_date == date(2026, 11, 25)
    out = cover(available=2, backordered=5, demand_rate=0, today=TODAY)
    assert (out.days, out.stockout_date) == (0.0, TODAY)
    idle = cover(available=2, backordered=0, demand_rate=0, today=TODAY)
    assert (idle.days, idle.stockout_date) == (None, None)


def test_lead_time_measured_once_receipts_exist() -> None:
    assert lead_time(OFFER, None, [9]).source == "quoted"
    measured = lead_time(OFFER, None, [9, 11, 13])
    assert (measured.source, measured.days, measured.std) == ("measured", 11, 2)
    assert lead_time(None, 4, [9, 11]).source == "product"
    assert lead_time(None, None, []).days == 0


def test_bounds_refuse_out_of_range_targets() -> None:
    check_bounds({"service_level": 0.99, "fill_rate": None})
    for bad in ({"service_level": 1.0}, {"holding_cost_rate": 0}, {"colour": 1}):
        with pytest.raises(InvalidInputError):
            check_bounds(bad)
    assert BOUNDS["service_level"][0] == 0.5
