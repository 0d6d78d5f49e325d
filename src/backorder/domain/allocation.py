"""Who gets stock, and how much: the serving order and the split of a line.

Waiting lines are served highest priority first, then oldest first; the line id breaks
ties so the order is total and the same on every database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from backorder.domain.errors import ConflictError, OutOfStockError
from backorder.domain.model import Allocation, BackorderPolicy, Stock, WaitingLine


def serving_key(line: WaitingLine) -> tuple[int, datetime, int]:
    """Sort key of the serving order: priority descending, then placed_at, then id."""
    return (-line.priority, line.placed_at, line.line_id)


def serve_waiting(available: int, waiting: Iterable[WaitingLine]) -> list[Allocation]:
    """Give ``available`` units to waiting lines in serving order.

    The last line served may take only part of what it waits for: the rest keeps its
    place in the queue.
    """
    allocations: list[Allocation] = []
    for line in sorted(waiting, key=serving_key):
        if available <= 0:
            break
        qty = min(available, line.backordered)
        allocations.append(Allocation(order_id=line.order_id, line_id=line.line_id, qty=qty))
        available -= qty
    return allocations


@dataclass(frozen=True, slots=True)
class LineRequest:
    sku: str
    qty: int


@dataclass(frozen=True, slots=True)
class LinePlan:
    """What one requested line gets: allocated now, and backordered."""

    sku: str
    qty: int
    allocated: int
    backordered: int


def plan_order(
    requests: Sequence[LineRequest], stock: Mapping[str, Stock], *, today: date
) -> list[LinePlan]:
    """Split every line into allocated and backordered units, or refuse the whole order.

    Lines for the same SKU draw on one running balance, so an order can't allocate a unit
    twice. All shortages are collected before refusing, so the caller learns them at once.
    """
    available = {sku: s.available for sku, s in stock.items()}
    room = {sku: s.backorder_room() for sku, s in stock.items()}
    plans: list[LinePlan] = []
    shortages: list[dict[str, Any]] = []
    for index, request in enumerate(requests):
        s = stock[request.sku]
        allocate = 0 if s.is_held(today) else min(request.qty, available[request.sku])
        backorder = request.qty - allocate
        shortage = _shortage(s, backorder, available[request.sku], room[request.sku])
        if shortage is not None:
            shortages.append(
                {"line": index, "sku": request.sku, "requested": request.qty, **shortage}
            )
        available[request.sku] -= allocate
        cap = room[request.sku]
        if cap is not None:
            room[request.sku] = cap - backorder
        plans.append(LinePlan(request.sku, request.qty, allocate, backorder))
    if shortages:
        raise OutOfStockError(shortages)
    return plans


def _shortage(
    stock: Stock, backorder: int, available: int, room: int | None
) -> dict[str, int] | None:
    """Why ``backorder`` units may not wait, as details for the refusal, or None."""
    if backorder == 0:
        return None
    if stock.policy is BackorderPolicy.DENY:
        return {"available": max(available, 0)}
    if room is not None and backorder > room:
        return {"available": max(available, 0), "backorder_limit": max(room, 0)}
    return None


def split_cancellation(*, allocated: int, backordered: int, qty: int) -> tuple[int, int]:
    """Units taken from (backordered, allocated) to cancel ``qty``: waiting units go first.

    Waiting units cost nobody anything; allocated ones are released to the next waiting
    line, so cancelling them last keeps stock where it already is.
    """
    if qty > allocated + backordered:
        raise ConflictError(
            f"only {allocated + backordered} unshipped units can be cancelled, not {qty}",
            details={"cancellable": allocated + backordered, "requested": qty},
        )
    from_backordered = min(qty, backordered)
    return from_backordered, qty - from_backordered


def after_serving(stock: Stock, *, today: date) -> tuple[Stock, int]:
    """The stock once its waiting lines have taken what is available, and how many units.

    Held pre-orders keep their stock until release; every other product gives available
    units to waiting lines before anything else may take them (invariant 3).
    """
    if stock.is_held(today):
        return stock, 0
    served = max(min(stock.available, stock.backordered), 0)
    if served == 0:
        return stock, 0
    return replace(
        stock, allocated=stock.allocated + served, backordered=stock.backordered - served
    ), served
