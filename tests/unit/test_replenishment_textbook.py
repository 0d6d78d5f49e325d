"""The replenishment maths against published worked examples, each to its printed
precision. Units are whatever the example uses (weeks, years): the formulas don't care.

Sources:
- Chopra & Meindl, Supply Chain Management: Strategy, Planning, and Operation, 6th ed.
  (Pearson, 2016), ch. 11 (cycle inventory) and ch. 12 (safety inventory).
- Nahmias & Olsen, Production and Operations Analysis, 7th ed. (Waveland, 2015),
  ch. 4 (EOQ) and ch. 5 (inventory control subject to uncertain demand).
"""

from __future__ import annotations

import math

import pytest

from backorder.domain.replenishment import (
    Policy,
    economic_order_quantity,
    expected_service,
    expected_shortage,
    fill_rate,
    lead_time_demand,
    loss,
    safety_stock_for_cycle_service,
    safety_stock_for_fill_rate,
    service_factor,
)

# Chopra & Meindl's B&M Office Supplies phones (Examples 12-1 to 12-4): weekly demand
# 2,500, deviation 500, lead time 2 weeks, reorder point 6,000, lot size 10,000.
PHONES_WEEKLY_DEMAND = 2_500
PHONES_WEEKLY_STD = 500
PHONES_LEAD_WEEKS = 2
PHONES_LOT = 10_000


def phones_lead_time_std() -> float:
    return lead_time_demand(PHONES_WEEKLY_DEMAND, PHONES_WEEKLY_STD, PHONES_LEAD_WEEKS).std


def test_eoq_chopra_meindl_best_buy() -> None:
    """Chopra & Meindl Example 11-1: D = 1,000 computers/month (12,000/year), S = $4,000
    per order, C = $500, h = 0.2 per year. Published: Q* = 980."""
    q = economic_order_quantity(12_000, 4_000, 0.2 * 500)
    assert round(q) == 980


def test_eoq_nahmias_bookstore_pencils() -> None:
    """Nahmias Example 4.1: No. 2 pencils sell 60 a week (3,120 a year), cost $0.02 each,
    $12 per order, 25% annual interest. Published: Q* = 3,870."""
    q = economic_order_quantity(60 * 52, 12, 0.25 * 0.02)
    assert round(q, -1) == 3_870


def test_eoq_nahmias_harveys_mustard() -> None:
    """Nahmias, Harvey's Specialty Shop (ch. 5): 200 jars a year, K = $50, $10 a jar at
    20% a year (h = $2). Published: EOQ = 100."""
    assert economic_order_quantity(200, 50, 0.2 * 10) == pytest.approx(100)


def test_cycle_service_level_of_a_reorder_point_chopra_meindl() -> None:
    """Chopra & Meindl Example 12-1: with ROP = 6,000 the safety inventory is 1,000 and
    the cycle service level 0.92 (published figures)."""
    ltd = lead_time_demand(PHONES_WEEKLY_DEMAND, PHONES_WEEKLY_STD, PHONES_LEAD_WEEKS)
    assert 6_000 - ltd.mean == 1_000
    rule = Policy(
        lead_time_demand=ltd,
        economic_order_qty=PHONES_LOT,
        order_qty=PHONES_LOT,
        safety_factor=1_000 / ltd.std,
        safety_stock=1_000,
        reorder_point=6_000,
    )
    assert round(expected_service(rule).cycle_service_level, 2) == 0.92


def test_expected_shortage_and_fill_rate_chopra_meindl() -> None:
    """Chopra & Meindl Example 12-2: safety inventory 1,000, sd_L = 707, Q = 10,000.
    Published: ESC = 25.13 units per cycle, fill rate 0.9975."""
    std = phones_lead_time_std()
    assert round(std) == 707
    assert round(expected_shortage(1_000, std), 2) == 25.13
    assert round(fill_rate(1_000, std, PHONES_LOT), 4) == 0.9975


def test_safety_stock_for_a_cycle_service_level_chopra_meindl() -> None:
    """Chopra & Meindl Example 12-3: CSL 0.90 with sd_L = 707. Published: ss = 906."""
    assert round(safety_stock_for_cycle_service(0.90, phones_lead_time_std())) == 906


def test_safety_stock_for_a_fill_rate_chopra_meindl() -> None:
    """Chopra & Meindl Example 12-4: fill rate 0.975 with Q = 10,000, sd_L = 707, so the
    expected shortage per cycle is 250. Published: ss = 67."""
    std = phones_lead_time_std()
    safety = safety_stock_for_fill_rate(0.975, std, PHONES_LOT)
    assert round(safety) == 67
    assert expected_shortage(safety, std) == pytest.approx(250)


def test_safety_stock_with_lead_time_uncertainty_chopra_meindl_dell() -> None:
    """Chopra & Meindl, Dell's PCs (ch. 12, impact of supply uncertainty): daily demand
    1,000 (sd 300), lead time 7 days (sd 7), CSL 0.90. Published: sd_L = 7,045 and
    ss = 9,029 (computed from the rounded sd_L)."""
    ltd = lead_time_demand(1_000, 300, 7, 7)
    assert round(ltd.std) == 7_045
    assert round(safety_stock_for_cycle_service(0.90, round(ltd.std))) == 9_029


def test_type_1_service_reorder_point_nahmias_harveys_mustard() -> None:
    """Nahmias, Harvey's Specialty Shop, Type 1 service of 90%: lead-time demand mean 100,
    sd 25; z = 1.28. Published: R = 132."""
    ltd_mean, ltd_std = 100, 25
    assert round(service_factor(0.90), 2) == 1.28
    assert round(ltd_mean + safety_stock_for_cycle_service(0.90, ltd_std)) == 132


def test_type_2_service_reorder_point_nahmias_harveys_mustard() -> None:
    """Nahmias, Harvey's Specialty Shop, Type 2 service (fill rate) of 98% with Q = 100:
    n(R) = (1 - 0.98)·100 = 2, L(z) = 2/25 = 0.08, z = 1.02. Published: R = 125.5 (126)."""
    ltd_mean, ltd_std = 100, 25
    safety = safety_stock_for_fill_rate(0.98, ltd_std, 100)
    assert round(loss(safety / ltd_std), 2) == 0.08
    assert round(safety / ltd_std, 2) == 1.02
    assert math.ceil(ltd_mean + safety) == 126


def test_loss_function_table_values() -> None:
    """The standard normal loss function as tabulated (e.g. Nahmias Table A-4, Silver,
    Pyke & Thomas Table II.1): G(0) = 0.3989, G(1) = 0.0833, G(2) = 0.0085."""
    assert round(loss(0), 4) == 0.3989
    assert round(loss(1), 4) == 0.0833
    assert round(loss(2), 4) == 0.0085
