"""The backorder queue."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from backorder.api.deps import Uow, require
from backorder.api.schemas import MAX_ID, SKU_PATTERN, WaitingLineRead
from backorder.domain.access import Action
from backorder.services.backorders import list_backorders

router = APIRouter(tags=["backorders"])


@router.get("/backorders", dependencies=[Depends(require(Action.READ_BACKORDERS))])
def get_backorders(
    uow: Uow,
    sku: Annotated[str | None, Query(max_length=64, pattern=SKU_PATTERN)] = None,
    customer_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[WaitingLineRead]:
    """Waiting lines in the order they will be served; ``position`` is 1-based per product."""
    rows = list_backorders(uow, sku=sku, customer_id=customer_id, offset=offset, limit=limit)
    return [WaitingLineRead.model_validate(row) for row in rows]
