"""Replenishment policy: safety stock, reorder point, order quantity, and what they buy.

Continuous review with a reorder point (Silver, Pyke & Thomas ch. 6; Chopra & Meindl
ch. 12; Nahmias ch. 5): demand over the lead time is taken as normal with mean ``d·L``
and deviation ``sqrt(L·sd_d² + d²·sd_L²)`` (the second term only when lead times vary). The
safety stock is sized either to a cycle service level (the chance of no stockout in a
replenishment cycle) or to a fill rate (the share of demand met from stock), where the
expected units short per cycle come from the standard normal loss function. The order
quantity is the economic order quantity (Harris), raised to the supplier's minimum and
pack size.

Every formula takes days and units per day, so callers never mix weeks and years.

scipy is imported where a formula needs it, not with this module: it takes most of a
second to load, which every CLI command would otherwise pay.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from backorder.domain.errors import InvalidInputError
from backorder.domain.forecast import deviation
from backorder.domain.purchasing import SupplierOffer, order_quantity

DAYS_PER_YEAR = 365

BOUNDS: dict[str, tuple[float, float]] = {
    "service_level": (0.5, 0.9999),
    "fill_rate": (0.5, 0.9999),
    "ordering_cost": (0, 1_000_000),
    "holding_cost_rate": (0.001, 10),
    "demand_window_days": (7, 730),
}
"""What a target or setting may be. A service level below one half would ask for less
than the expected lead-time demand; 1 would ask for infinite stock."""


def check_bounds(changes: dict[str, Any], bounds: dict[str, tuple[float, float]] = BOUNDS) -> None:
    """Refuse a name without bounds or a value beyond them (None clears, so passes)."""
    for key, value in changes.items():
        if key not in bounds:
            raise InvalidInputError(
                f"{key!r} is not a replenishment setting", details={"field": key}
            )
        low, high = bounds[key]
        if value is not None and not low <= value <= high:
            raise InvalidInputError(
                f"{key} must be between {low} and {high}", details={"field": key}
            )


EPSILON = 1e-9
"""Below this a figure is rounding noise: ceil(906.0000000001) must stay 906."""


@dataclass(frozen=True, slots=True)
class LeadTimeDemand:
    mean: float
    std: float


def lead_time_demand(
    demand_rate: float, demand_std: float, lead_time: float, lead_time_std: float = 0.0
) -> LeadTimeDemand:
    """Demand over the lead time: mean d·L, deviation sqrt(L·sd_d² + d²·sd_L²)."""
    spread = lead_time * demand_std**2 + demand_rate**2 * lead_time_std**2
    return LeadTimeDemand(demand_rate * lead_time, math.sqrt(spread))


@lru_cache(maxsize=256)
def service_factor(cycle_service_level: float) -> float:
    """z such that P(Z <= z) is the cycle service level (cached: few levels are in use)."""
    from scipy import stats

    return float(stats.norm.ppf(cycle_service_level))


def safety_stock_for_cycle_service(cycle_service_level: float, lead_time_std: float) -> float:
    """Safety stock that meets demand over the lead time with the given probability."""
    return service_factor(cycle_service_level) * lead_time_std


def loss(z: float) -> float:
    """The standard normal loss function G(z) = E[max(Z - z, 0)] = φ(z) - z·(1 - Φ(z))."""
    from scipy import stats

    return float(stats.norm.pdf(z) - z * stats.norm.sf(z))


def expected_shortage(safety_stock: float, lead_time_std: float) -> float:
    """Expected units short per replenishment cycle (ESC) = sd_L·G(ss/sd_L); none when
    lead-time demand is certain and the safety stock is not negative."""
    if lead_time_std <= 0:
        return max(-safety_stock, 0.0)
    return lead_time_std * loss(safety_stock / lead_time_std)


def fill_rate(safety_stock: float, lead_time_std: float, order_qty: float) -> float:
    """The share of demand met from stock: 1 - ESC/Q."""
    return 1 - expected_shortage(safety_stock, lead_time_std) / order_qty


def safety_stock_for_fill_rate(target: float, lead_time_std: float, order_qty: float) -> float:
    """The safety stock whose expected shortage per cycle is (1 - fill rate)·Q. ESC falls
    as safety stock rises, so a bracketing root-finder finds the one answer."""
    if lead_time_std <= 0:
        return 0.0
    wanted = (1 - target) * order_qty / lead_time_std

    def excess(z: float) -> float:
        return loss(z) - wanted

    if wanted > 10:
        # G(z) = -z + G(-z), and G(10) is 1e-24: below -10, z = -wanted to double precision.
        return -wanted * lead_time_std
    # G(z) > -z, so G is above the target at -(target + 1); G(z) falls to 0 by z = 40.
    low, high = -wanted - 1, 1.0
    while excess(high) > 0 and high < 64:
        high *= 2
    from scipy import optimize

    z = optimize.brentq(excess, low, high, xtol=1e-10)
    return float(z) * lead_time_std


def economic_order_quantity(
    annual_demand: float, ordering_cost: float, holding_cost_per_unit_year: float
) -> float:
    """Harris's EOQ = sqrt(2·D·S / H): none without demand or ordering cost, without
    bound when holding costs nothing."""
    if annual_demand <= 0 or ordering_cost <= 0:
        return 0.0
    if holding_cost_per_unit_year <= 0:
        return math.inf
    return math.sqrt(2 * annual_demand * ordering_cost / holding_cost_per_unit_year)


MIN_RECEIPTS = 2
"""Receipts it takes before measured lead times replace the quoted one (a deviation
needs two)."""


@dataclass(frozen=True, slots=True)
class LeadTime:
    days: float
    std: float
    source: str
    """measured (receipts), quoted (the supplier's offer), product (the product's own
    lead time, with no supplier) or none."""
    receipts: int


def lead_time(
    offer: SupplierOffer | None, product_days: int | None, measured: Sequence[int]
) -> LeadTime:
    """Measured lead times once the chosen supplier has enough receipts, else what it
    quoted; without a supplier, the product's own lead time."""
    if offer is not None and len(measured) >= MIN_RECEIPTS:
        days = statistics.fmean(measured)
        return LeadTime(days, deviation(measured), "measured", len(measured))
    if offer is not None:
        return LeadTime(offer.lead_time_days, 0.0, "quoted", len(measured))
    if product_days is not None:
        return LeadTime(product_days, 0.0, "product", 0)
    return LeadTime(0, 0.0, "none", 0)


@dataclass(frozen=True, slots=True)
class Targets:
    """What the business asks of a product's stock and what it costs to hold and order."""

    service_level: float
    """Cycle service level, used when ``fill_rate`` is None."""
    fill_rate: float | None
    ordering_cost: float
    holding_cost_rate: float
    """Yearly holding cost as a share of the unit cost."""


@dataclass(frozen=True, slots=True)
class Policy:
    """A product's reorder point and order quantity, with the working behind them."""

    lead_time_demand: LeadTimeDemand
    economic_order_qty: float
    order_qty: int
    """The EOQ within one unit and a year's demand, rounded up, raised to the supplier's
    minimum and whole packs."""
    safety_factor: float
    """z: safety stock in deviations of lead-time demand."""
    safety_stock: int
    reorder_point: int


def whole_units(value: float) -> int:
    """Round up to whole units, ignoring rounding noise."""
    return math.ceil(value - EPSILON)


def policy(
    *,
    demand_rate: float,
    demand_std: float,
    lead_time: float,
    lead_time_std: float,
    targets: Targets,
    unit_cost: float,
    offer: SupplierOffer | None,
) -> Policy:
    """The reorder point and order quantity that meet ``targets``. Safety stock is never
    negative here: a reorder point below expected lead-time demand would be an odd thing
    to tell a buyer, and the sizes are rounded up to whole units."""
    ltd = lead_time_demand(demand_rate, demand_std, lead_time, lead_time_std)
    eoq = economic_order_quantity(
        demand_rate * DAYS_PER_YEAR, targets.ordering_cost, targets.holding_cost_rate * unit_cost
    )
    # At least one unit while anything sells (free ordering: lot for lot), and never
    # more than a year's demand (free holding, or a slow mover with a costly order).
    wanted = max(whole_units(min(eoq, demand_rate * DAYS_PER_YEAR)), 1) if demand_rate > 0 else 0
    qty = order_quantity(wanted, offer) if offer is not None else wanted
    if targets.fill_rate is not None and qty > 0:
        raw = safety_stock_for_fill_rate(targets.fill_rate, ltd.std, qty)
    else:
        raw = safety_stock_for_cycle_service(targets.service_level, ltd.std)
    safety = whole_units(max(raw, 0.0)) if demand_rate > 0 else 0
    return Policy(
        lead_time_demand=ltd,
        economic_order_qty=eoq,
        order_qty=qty,
        safety_factor=safety / ltd.std if ltd.std > 0 else 0.0,
        safety_stock=safety,
        reorder_point=whole_units(ltd.mean + safety),
    )


@dataclass(frozen=True, slots=True)
class ExpectedService:
    """What a policy delivers, once rounded to whole units."""

    shortage: float
    """Expected units short per replenishment cycle."""
    fill_rate: float | None
    """None without an order quantity: nothing is bought, nothing filled."""
    cycle_service_level: float
    """The chance of no stockout in a cycle."""


def expected_service(rule: Policy) -> ExpectedService:
    """The expected shortage, fill rate and cycle service level of ``rule``. Apart from
    ``policy`` because it costs a few normal-distribution calls, which a purchase
    suggestion over thousands of products does not need."""
    from scipy import stats

    std = rule.lead_time_demand.std
    shortage = expected_shortage(rule.safety_stock, std)
    return ExpectedService(
        shortage=shortage,
        fill_rate=1 - shortage / rule.order_qty if rule.order_qty > 0 else None,
        cycle_service_level=float(stats.norm.cdf(rule.safety_stock / std)) if std > 0 else 1.0,
    )


def position(*, available: int, on_order: int, backordered: int) -> int:
    """Projected stock position: what is and will be on the shelf, less what is owed."""
    return available + on_order - backordered


@dataclass(frozen=True, slots=True)
class Reorder:
    """What to buy for one product now, and why (an empty ``reasons`` buys nothing)."""

    qty: int
    reasons: tuple[str, ...]


def reorder(stock_position: int, policy: Policy | None) -> Reorder:
    """Backorders: waiting units beyond stock and open purchase orders (a negative
    position) must be bought. Reorder point: a position at or below it buys whole order
    quantities until the position is above it again, (R, nQ), so one suggestion is enough
    even after a large order."""
    reasons: list[str] = []
    qty = 0
    if stock_position < 0:
        reasons.append("backorders")
        qty = -stock_position
    if policy is not None and policy.order_qty > 0 and stock_position <= policy.reorder_point:
        reasons.append("reorder_point")
        qty = policy.order_qty * ((policy.reorder_point - stock_position) // policy.order_qty + 1)
    return Reorder(qty, tuple(reasons))


@dataclass(frozen=True, slots=True)
class StockCover:
    days: float | None
    """Days the stock in hand lasts at the forecast rate; None when nothing sells."""
    stockout_date: date | None


def cover(*, available: int, backordered: int, demand_rate: float, today: date) -> StockCover:
    """How long available stock, less what waiting lines are owed, lasts. A product whose
    waiting lines exceed its stock is out today."""
    net = available - backordered
    if net <= 0 and (backordered > 0 or demand_rate > 0):
        return StockCover(0.0, today)
    if demand_rate <= 0:
        return StockCover(None, None)
    days = net / demand_rate
    return StockCover(days, today + timedelta(days=math.floor(days)))
