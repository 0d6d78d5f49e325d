"""Bodies of replenishment planning: demand history in, policies and risk out."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, Field

from backorder.api.schemas.core import Input, Output, Sku
from backorder.domain.model import MAX_QTY
from backorder.services.replenishment import Detail, Plan

__all__ = [
    "MAX_DEMAND_ROWS",
    "AtRiskRead",
    "DemandImportRead",
    "DemandRowCreate",
    "DemandUpload",
    "ReplenishmentRead",
    "RiskRead",
]

MAX_DEMAND_ROWS = 100_000
"""Rows per request: a larger history goes in several requests, or through the CLI."""


class DemandRowCreate(Input):
    date: date
    sku: Sku
    qty: Annotated[int, Field(ge=0, le=MAX_QTY)]


class DemandUpload(Input):
    rows: Annotated[list[DemandRowCreate], Field(min_length=1, max_length=MAX_DEMAND_ROWS)]


class DemandImportRead(Output):
    rows: int
    products: int
    days: int
    first_day: date | None
    last_day: date | None


class RiskRead(BaseModel):
    """How long a product's stock lasts, and whether more arrives in time."""

    sku: str
    demand_rate: float
    pattern: str
    available: int
    backordered: int
    on_order: int
    position: int
    reorder_point: int
    days_of_cover: float | None
    projected_stockout_date: date | None
    next_arrival: date | None
    """The earliest open purchase order's date; null with none open."""
    next_possible_arrival: date | None
    """``next_arrival``, or when an order placed today would arrive; null with neither
    a purchase order nor a known lead time (no supplier)."""
    at_risk: bool

    @classmethod
    def of(cls, plan: Plan) -> RiskRead:
        return cls(
            sku=plan.sku,
            demand_rate=round(plan.forecast.rate, 4),
            pattern=plan.forecast.classification.pattern.value,
            available=plan.available,
            backordered=plan.backordered,
            on_order=plan.on_order,
            position=plan.position,
            reorder_point=plan.policy.reorder_point,
            days_of_cover=_rounded(plan.cover.days),
            projected_stockout_date=plan.cover.stockout_date,
            next_arrival=plan.next_arrival,
            next_possible_arrival=plan.next_possible_arrival,
            at_risk=plan.at_risk,
        )


class AtRiskRead(BaseModel):
    at_risk: list[RiskRead]
    fastest_movers: list[RiskRead]


class ReplenishmentRead(RiskRead):
    """A product's forecast, lead time, policy and risk (figures per day and in units)."""

    demand_std: float
    method: str
    adi: float | None
    cv2: float | None
    history_days: int
    demand_days: int
    lead_time_days: float
    lead_time_std: float
    lead_time_source: str
    supplier_id: int | None
    service_level: float
    fill_rate_target: float | None
    ordering_cost: float
    holding_cost_rate: float
    unit_cost: float
    lead_time_demand: float
    lead_time_demand_std: float
    safety_stock: int
    economic_order_qty: float
    order_qty: int
    expected_shortage_per_cycle: float
    expected_fill_rate: float | None
    expected_cycle_service_level: float

    @classmethod
    def of_detail(cls, detail: Detail) -> ReplenishmentRead:
        plan, service = detail.plan, detail.service
        demand, rule = plan.forecast, plan.policy
        return cls(
            **RiskRead.of(plan).model_dump(),
            demand_std=round(demand.std, 4),
            method=demand.method.value,
            adi=_rounded(demand.classification.adi),
            cv2=_rounded(demand.classification.cv2),
            history_days=demand.days,
            demand_days=demand.demand_days,
            lead_time_days=round(plan.lead_time.days, 2),
            lead_time_std=round(plan.lead_time.std, 2),
            lead_time_source=plan.lead_time.source,
            supplier_id=plan.offer.supplier_id if plan.offer else None,
            service_level=plan.targets.service_level,
            fill_rate_target=plan.targets.fill_rate,
            ordering_cost=plan.targets.ordering_cost,
            holding_cost_rate=plan.targets.holding_cost_rate,
            unit_cost=plan.unit_cost,
            lead_time_demand=round(rule.lead_time_demand.mean, 2),
            lead_time_demand_std=round(rule.lead_time_demand.std, 2),
            safety_stock=rule.safety_stock,
            economic_order_qty=round(rule.economic_order_qty, 2),
            order_qty=rule.order_qty,
            expected_shortage_per_cycle=round(service.shortage, 4),
            expected_fill_rate=_rounded(service.fill_rate),
            expected_cycle_service_level=round(service.cycle_service_level, 4),
        )


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
