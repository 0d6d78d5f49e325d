"""Replenishment planning: demand history in; forecasts, policies and stockout risk out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from backorder.api.deps import Uow, require
from backorder.api.schemas import SKU_PATTERN
from backorder.api.schemas.replenishment import (
    AtRiskRead,
    DemandImportRead,
    DemandUpload,
    ReplenishmentRead,
    RiskRead,
)
from backorder.domain.access import Action
from backorder.services import demand, replenishment

router = APIRouter(tags=["replenishment"])
planning = [Depends(require(Action.PLAN_REPLENISHMENT))]


@router.post("/demand-history", status_code=201, dependencies=planning)
def import_demand_history(body: DemandUpload, uow: Uow) -> DemandImportRead:
    """Daily demand from before (or beside) this service; all rows or none. A product's
    day given again replaces the figure; rows of one product and day add up."""
    rows = [
        demand.DemandRow(index, row.date, row.sku, row.qty)
        for index, row in enumerate(body.rows, start=1)
    ]
    return DemandImportRead.model_validate(demand.import_demand(uow, rows))


@router.get("/replenishment/at-risk", dependencies=planning)
def get_at_risk(uow: Uow, limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> AtRiskRead:
    """Products that run out before more can arrive (soonest first), and the fastest
    movers."""
    result = replenishment.at_risk(uow, limit=limit)
    return AtRiskRead(
        at_risk=[RiskRead.of(p) for p in result.at_risk],
        fastest_movers=[RiskRead.of(p) for p in result.fastest_movers],
    )


@router.get("/products/{sku}/replenishment", dependencies=planning)
def get_replenishment(
    sku: Annotated[str, Path(min_length=1, max_length=64, pattern=SKU_PATTERN)], uow: Uow
) -> ReplenishmentRead:
    detail, _ = replenishment.product_plan(uow, sku)
    return ReplenishmentRead.of_detail(detail)
